"""Deterministic demo exports for the ecommerce_support template: a shop's Stripe customers and charges, its
Zendesk Support users and tickets, and its Salesforce contacts (leads), for the same made-up people.

The same seed and size always give byte-identical files. What real exports carry is here too: one person in
several tools with the e-mail in other case or with stray whitespace, several Stripe customers for one person
(guest checkouts; some under a personal address that only the phone ties to the person), phones typed every
way in Stripe, Zendesk and Salesforce, names that differ between tools, failed, refunded and uncaptured
charges, guest payments without a customer, several currencies, agents and admins among the Zendesk users,
deleted and suspended users, tickets in every status, missing and malformed e-mails.

Shapes (see README, "Sources"): `stripe/unified_customers.csv` as the Dashboard exports customers (`Created
(UTC)`), `stripe/charges.jsonl` as the API returns charges (amounts in the smallest unit, Unix seconds),
`zendesk/users.json` and `zendesk/tickets.json` as Zendesk's JSON export (one object per line),
`salesforce/contacts.jsonl` as the other template's demo.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from tapestry.demo.export_files import Format, salesforce_json, write_export
from tapestry.demo.generator import SALESFORCE_COLUMNS
from tapestry.demo.variants import (
    DOMAINS,
    FIRST_NAMES,
    LAST_NAMES,
    NICKNAMES,
    ascii_handle,
    bad_email,
    iso_time,
    random_phone,
    random_time,
    vary_email,
    vary_phone,
)

STRIPE_CUSTOMER_COLUMNS = (
    "id", "Description", "Email", "Name", "Phone", "Created (UTC)", "Currency", "Delinquent", "Total Spend",
    "Payment Count",
)  # fmt: skip
STRIPE_CHARGE_COLUMNS = (
    "id", "object", "customer", "amount", "amount_refunded", "currency", "status", "captured", "paid", "refunded",
    "created", "receipt_email", "description",
)  # fmt: skip
ZENDESK_USER_COLUMNS = (
    "id", "url", "name", "email", "phone", "role", "active", "suspended", "verified", "organization_id",
    "time_zone", "locale", "created_at", "updated_at",
)  # fmt: skip
ZENDESK_TICKET_COLUMNS = (
    "id", "url", "requester_id", "submitter_id", "assignee_id", "status", "priority", "type", "subject",
    "created_at", "updated_at",
)  # fmt: skip

_INTEGERS = {"amount", "amount_refunded", "created", "id", "requester_id", "submitter_id", "assignee_id",
             "organization_id"}  # fmt: skip
_BOOLEANS = {"captured", "paid", "refunded", "active", "suspended", "verified"}
TICKET_STATUSES = (("new", 5), ("open", 15), ("pending", 10), ("hold", 3), ("solved", 40), ("closed", 27))
SUBJECTS = ("Where is my order?", "Refund request", "Wrong size", "Damaged parcel", "Change my address",
            "Invoice needed", "Discount code not working", "Cancel my order")  # fmt: skip
SUBDOMAIN = "demo-shop"


@dataclass
class EcommerceSummary:
    people: int
    stripe_customers: int = 0
    stripe_charges: int = 0
    zendesk_users: int = 0
    zendesk_tickets: int = 0
    salesforce_rows: int = 0
    files: list[Path] = field(default_factory=list)
    files_written: int = 0

    def describe(self) -> str:
        return (
            f"{self.people:,} people -> {self.stripe_customers:,} Stripe customers with {self.stripe_charges:,} "
            f"charges, {self.zendesk_users:,} Zendesk users with {self.zendesk_tickets:,} tickets, "
            f"{self.salesforce_rows:,} Salesforce contacts"
        )


def _api_record(record: dict[str, str]) -> dict[str, object]:
    """JSON exports carry numbers, booleans and nulls, as the tools' APIs do."""
    typed: dict[str, object] = {}
    for key, value in record.items():
        if value == "":
            typed[key] = None
        elif key in _INTEGERS and value.lstrip("-").isdigit():
            typed[key] = int(value)
        elif key in _BOOLEANS:
            typed[key] = value == "true"
        else:
            typed[key] = value
    return typed


def _id(seed: int, *parts: object) -> str:
    return hashlib.md5(":".join(str(p) for p in (seed, *parts)).encode()).hexdigest()


def _dashboard_time(ts: datetime) -> str:
    """The Dashboard's `Created (UTC)`: `2025-06-01 10:00`."""
    return ts.strftime("%Y-%m-%d %H:%M")


def _zendesk_time(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def _flag(value: bool) -> str:
    return "true" if value else "false"


def generate_ecommerce(out: Path, people: int, seed: int = 42, fmt: Format = "mixed") -> EcommerceSummary:
    """Write the demo exports under `out/stripe/`, `out/zendesk/` and `out/salesforce/`; unchanged files are not
    rewritten."""
    if people < 1:
        raise ValueError("people must be at least 1")
    rng = random.Random(seed)
    customers: list[tuple[str, ...]] = []
    charges: list[tuple[str, ...]] = []
    users: list[tuple[str, ...]] = []
    tickets: list[tuple[str, ...]] = []
    contacts: list[tuple[str, ...]] = []
    summary = EcommerceSummary(people=people)

    # Support staff: agents and admins are Zendesk users but not audience.
    agents: list[int] = []
    for k in range(2 + people // 400):
        user_id = 361_000_000_000 + k
        agents.append(user_id)
        created = random_time(rng, 0, 30 * 24 * 3600)
        users.append((
            str(user_id), f"https://{SUBDOMAIN}.zendesk.com/api/v2/users/{user_id}.json", f"Agent {k}",
            f"agent{k}@support.example.com", "", "admin" if k == 0 else "agent", "true", "false", "true", "",
            "Europe/Berlin", "en-US", _zendesk_time(created), _zendesk_time(created + timedelta(days=3)),
        ))  # fmt: skip

    ticket_id = 1000
    for i in range(people):
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        handle = f"{ascii_handle(first) or 'user'}.{ascii_handle(last) or 'name'}{i}"
        email = f"{handle}@{rng.choice(DOMAINS)}"
        phone = random_phone(rng) if rng.random() < 0.5 else ""
        in_stripe = rng.random() < 0.55
        in_zendesk = rng.random() < (0.5 if in_stripe else 0.25)
        in_salesforce = rng.random() < 0.45 or not (in_stripe or in_zendesk)
        bad = rng.random() < 0.03  # this person's e-mail is missing or malformed everywhere

        def address() -> str:
            return bad_email(rng, first, last) if bad else vary_email(rng, email)  # noqa: B023

        def phone_as_typed(share: float) -> str:
            return vary_phone(rng, phone) if phone and rng.random() < share else ""  # noqa: B023

        if in_stripe:
            currency = "eur" if rng.random() < 0.12 else "usd"
            for k in range(1 if rng.random() < 0.85 else 2):  # a second customer: a later guest checkout
                customer = "cus_" + _id(seed, i, k)[:14]
                created = random_time(rng, 0, 300 * 24 * 3600)
                name = f"{first} {last}" if rng.random() > 0.1 else NICKNAMES.get(first, first)
                orders = 0 if rng.random() < 0.2 else rng.randrange(1, 7)
                spent = 0
                for n in range(orders):
                    charge_time = created + timedelta(seconds=rng.randrange(0, 200 * 24 * 3600))
                    amount = rng.randrange(5, 250) * 100 + rng.choice((0, 0, 50, 99))
                    roll = rng.random()
                    status = "succeeded" if roll < 0.9 else ("failed" if roll < 0.97 else "pending")
                    captured = status == "succeeded" and rng.random() > 0.01
                    refunded = 0
                    if status == "succeeded" and rng.random() < 0.1:
                        refunded = amount if rng.random() < 0.5 else amount // 2
                    if captured:
                        spent += amount - refunded
                    charges.append((
                        "ch_" + _id(seed, i, k, n)[:24], "charge", customer, str(amount), str(refunded), currency,
                        status, _flag(captured), _flag(status == "succeeded"), _flag(refunded == amount),
                        str(int(charge_time.timestamp())), email if rng.random() < 0.7 else "", f"Order #{i}-{k}-{n}",
                    ))  # fmt: skip
                # a later checkout under a personal address: only the phone says it is the same person
                personal = k == 1 and bool(phone) and not bad and rng.random() < 0.4
                customers.append((
                    customer, "", f"{handle}@gmail.com" if personal else address(),
                    name, vary_phone(rng, phone) if personal else phone_as_typed(0.6),
                    _dashboard_time(created), currency if orders else "", _flag(rng.random() < 0.02),
                    f"{spent / 100:.2f}", str(orders),
                ))  # fmt: skip

        if in_zendesk:
            user_id = 362_000_000_000 + i
            created = random_time(rng, 0, 400 * 24 * 3600)
            updated = created + timedelta(seconds=rng.randrange(0, 60 * 24 * 3600))
            zendesk_name = f"{first} {last}" if rng.random() < 0.6 else NICKNAMES.get(first, first)
            active = rng.random() > 0.02
            users.append((
                str(user_id), f"https://{SUBDOMAIN}.zendesk.com/api/v2/users/{user_id}.json", zendesk_name,
                address(), phone_as_typed(0.5), "end-user", _flag(active), _flag(rng.random() < 0.01),
                _flag(rng.random() < 0.8), "", "America/New_York", "en-US", _zendesk_time(created),
                _zendesk_time(updated),
            ))  # fmt: skip
            for _ in range(0 if rng.random() < 0.3 else rng.randrange(1, 5)):
                ticket_id += 1
                opened = updated + timedelta(seconds=rng.randrange(0, 30 * 24 * 3600))
                status = rng.choices([s for s, _ in TICKET_STATUSES], [w for _, w in TICKET_STATUSES])[0]
                tickets.append((
                    str(ticket_id), f"https://{SUBDOMAIN}.zendesk.com/api/v2/tickets/{ticket_id}.json", str(user_id),
                    str(user_id), str(rng.choice(agents)), status, rng.choice(("low", "normal", "normal", "high")),
                    rng.choice(("question", "problem", "incident")), rng.choice(SUBJECTS), _zendesk_time(opened),
                    _zendesk_time(opened + timedelta(hours=rng.randrange(1, 200))),
                ))  # fmt: skip

        if in_salesforce:
            created = random_time(rng, 0, 250 * 24 * 3600)
            modified = created + timedelta(seconds=rng.randrange(0, 250 * 24 * 3600))
            stamp = modified + timedelta(seconds=rng.randrange(0, 60))
            contacts.append((
                f"003{i:015d}", address(), first if rng.random() > 0.02 else "", last, phone_as_typed(0.5), "",
                f"001{rng.randrange(10_000):015d}", iso_time(created, True), iso_time(modified, True),
                iso_time(stamp, True),
                "true" if rng.random() < 0.01 else "false",
            ))  # fmt: skip

    # Guest payments: no customer object, so nobody's purchase.
    for n in range(max(1, len(charges) // 30)):
        charge_time = random_time(rng, 0, 400 * 24 * 3600)
        charges.append((
            "ch_" + _id(seed, "guest", n)[:24], "charge", "", str(rng.randrange(5, 90) * 100), "0", "usd", "succeeded",
            "true", "true", "false", str(int(charge_time.timestamp())), "", f"Guest order #{n}",
        ))  # fmt: skip

    def ext(default: str) -> str:
        return default if fmt == "mixed" else fmt

    for folder, name, default, columns, rows, json_record in (
        ("stripe", "unified_customers", "csv", STRIPE_CUSTOMER_COLUMNS, customers, _api_record),
        ("stripe", "charges", "jsonl", STRIPE_CHARGE_COLUMNS, charges, _api_record),
        ("zendesk", "users", "json", ZENDESK_USER_COLUMNS, users, _api_record),
        ("zendesk", "tickets", "json", ZENDESK_TICKET_COLUMNS, tickets, _api_record),
        ("salesforce", "contacts", "jsonl", SALESFORCE_COLUMNS, contacts, salesforce_json),
    ):
        path = out / folder / f"{name}.{ext(default)}"
        writer_format = "jsonl" if ext(default) == "json" else ext(default)
        summary.files_written += write_export(path, columns, rows, writer_format, json_record)
        summary.files.append(path)
    summary.stripe_customers, summary.stripe_charges = len(customers), len(charges)
    summary.zendesk_users, summary.zendesk_tickets = len(users), len(tickets)
    summary.salesforce_rows = len(contacts)
    return summary
