from __future__ import annotations

import csv
import json
from pathlib import Path

from tapestry.demo.generator import generate


def _bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_and_unchanged_files_are_not_rewritten(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", 800, seed=1)
    mtimes = {p: p.stat().st_mtime_ns for p in first.files}
    again = generate(tmp_path / "a", 800, seed=1)
    generate(tmp_path / "b", 800, seed=1)
    assert again.files_written == 0
    assert {p: p.stat().st_mtime_ns for p in again.files} == mtimes
    assert _bytes(tmp_path / "a") == _bytes(tmp_path / "b")
    generate(tmp_path / "c", 800, seed=2)
    assert _bytes(tmp_path / "a") != _bytes(tmp_path / "c")


def test_demo_data_has_the_mess_of_real_exports(tmp_path: Path) -> None:
    summary = generate(tmp_path, 3000, seed=5)
    zoom = [row for path in (tmp_path / "zoom").glob("*.csv") for row in csv.DictReader(path.open(encoding="utf-8"))]
    contacts = [json.loads(line) for line in (tmp_path / "salesforce" / "contacts.jsonl").open(encoding="utf-8")]
    assert summary.zoom_rows == len(zoom) and summary.salesforce_rows == len(contacts)
    emails = [r["email"] for r in zoom] + [c["Email"] or "" for c in contacts]
    assert any(e != e.strip() for e in emails), "stray whitespace"
    assert any(e.strip() and e != e.lower() for e in emails), "mixed case"
    assert sum(1 for e in emails if not e.strip()) > 0, "missing e-mails"
    assert any("@" in e and e.strip().endswith("@") for e in emails), "malformed e-mails"
    names = [r["first_name"] for r in zoom] + [c["FirstName"] or "" for c in contacts]
    assert any(not n.isascii() for n in names), "unicode names"
    by_email: dict[str, set[str]] = {}
    for r in zoom:
        by_email.setdefault(r["email"].strip().lower(), set()).add(r["webinar_id"])
    assert any(len(w) > 1 for w in by_email.values()), "people in several webinars"
    sf_names = {(c["Email"] or "").strip().lower(): c["FirstName"] for c in contacts}
    assert any(
        r["email"].strip().lower() in sf_names and sf_names[r["email"].strip().lower()] not in (None, r["first_name"])
        for r in zoom
    ), "conflicting names between the sources"
    assert any(c["IsDeleted"] for c in contacts), "deleted contacts"


def test_demo_data_has_what_identity_resolution_must_see_through(tmp_path: Path) -> None:
    generate(tmp_path, 3000, seed=5)
    zoom = [row for path in (tmp_path / "zoom").glob("*.csv") for row in csv.DictReader(path.open(encoding="utf-8"))]
    contacts = [json.loads(line) for line in (tmp_path / "salesforce" / "contacts.jsonl").open(encoding="utf-8")]
    emails = [r["email"].strip().lower() for r in zoom]
    assert any("@googlemail.com" in e for e in emails), "googlemail"
    assert any("+" in e.split("@")[0] and e.endswith("@gmail.com") for e in emails), "gmail +tags"
    assert any(e.endswith(("@outlook.com", "@hotmail.com", "@icloud.com")) and "+" in e for e in emails), "+tags"
    assert any("\uff20" in e or "\u0430" in e for e in emails), "look-alike characters"
    shared = [e for e in emails if e.startswith(("info@", "team@", "events@"))]
    assert len(shared) >= 3, "shared team inboxes"
    phones = [r["phone"] for r in zoom if r["phone"]] + [c["Phone"] for c in contacts if c["Phone"]]
    assert any(p.startswith("+1 ") for p in phones) and any(p.startswith("(") for p in phones), "phone formats"
    assert any(p in ("000-000-0000", "1234567890", "(555) 555-5555", "0") for p in phones), "junk phones"
    assert any(c["MobilePhone"] for c in contacts), "Salesforce mobile phones"
    personal = {r["email"].strip().lower() for r in zoom if r["email"].strip().lower().endswith("@gmail.com")}
    work = {(c["Email"] or "").strip().lower().split("@")[0] for c in contacts}
    assert any(e.split("@")[0] in work for e in personal), "a work address in the CRM, a personal one on Zoom"


def test_the_shops_demo_data_is_deterministic_and_has_the_mess_of_real_exports(tmp_path: Path) -> None:
    from tapestry.demo.ecommerce import generate_ecommerce

    summary = generate_ecommerce(tmp_path / "a", 1200, seed=4)
    again = generate_ecommerce(tmp_path / "a", 1200, seed=4)
    generate_ecommerce(tmp_path / "b", 1200, seed=4)
    assert again.files_written == 0 and _bytes(tmp_path / "a") == _bytes(tmp_path / "b")
    root = tmp_path / "a"
    customers = list(csv.DictReader((root / "stripe" / "unified_customers.csv").open(encoding="utf-8")))
    charges = [json.loads(line) for line in (root / "stripe" / "charges.jsonl").open(encoding="utf-8")]
    users = [json.loads(line) for line in (root / "zendesk" / "users.json").open(encoding="utf-8")]
    tickets = [json.loads(line) for line in (root / "zendesk" / "tickets.json").open(encoding="utf-8")]
    assert (summary.stripe_customers, summary.stripe_charges) == (len(customers), len(charges))
    assert (summary.zendesk_users, summary.zendesk_tickets) == (len(users), len(tickets))
    assert "Created (UTC)" in customers[0] and customers[0]["Created (UTC)"][10] == " "  # the Dashboard's shape
    assert isinstance(charges[0]["amount"], int) and isinstance(charges[0]["created"], int)  # the API's shape
    assert {c["status"] for c in charges} == {"succeeded", "failed", "pending"}
    assert any(c["amount_refunded"] for c in charges) and any(c["customer"] is None for c in charges)
    assert {c["currency"] for c in charges} == {"usd", "eur"}
    by_email: dict[str, int] = {}
    for customer in customers:
        key = customer["Email"].strip().lower()
        by_email[key] = by_email.get(key, 0) + 1
    assert any(n > 1 for k, n in by_email.items() if k), "one person, several Stripe customers"
    assert {u["role"] for u in users} == {"end-user", "agent", "admin"}
    assert any(u["active"] is False for u in users) and any(u["suspended"] for u in users)
    assert {t["status"] for t in tickets} == {"new", "open", "pending", "hold", "solved", "closed"}
    stripe_keys = set(by_email)
    zendesk_keys = {(u["email"] or "").strip().lower() for u in users}
    assert len(stripe_keys & zendesk_keys) > 50, "people in both tools"
    emails = [c["Email"] for c in customers] + [u["email"] or "" for u in users]
    assert any(e != e.strip() for e in emails) and any(e.strip() and e != e.lower() for e in emails)
