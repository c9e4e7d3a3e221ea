"""The ecommerce_support template end to end on the local target, through the real CLI: `tapestry demo-data
--template ecommerce_support` writes the shop's exports (Stripe Dashboard customers, API charges, Zendesk's JSON
export, Salesforce contacts), `tapestry init --template ecommerce_support` makes the project, `tapestry run` loads
them by file name, builds the template's marts and previews the Mailchimp sync with its merge fields and tags.
The people (identity resolution over Stripe, Zendesk and Salesforce) and the audience's facts are checked against
an independent oracle that reads the export files (support.shop_oracle)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest

from support.cli import TapestryCLI, write_answers
from support.shop_oracle import as_date, expected_shop_audience, shop_people

COLUMNS = (
    "email_address", "order_count", "lifetime_value", "last_order_date", "open_ticket_count", "customer_tag",
    "open_ticket_tag", "in_stripe", "in_zendesk", "in_salesforce",
)  # fmt: skip


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[TapestryCLI, Path, str]:
    root = tmp_path_factory.mktemp("shop")
    cli = TapestryCLI(cwd=root, env={k: v for k, v in os.environ.items() if k != "MAILCHIMP_API_KEY"})
    demo = cli.ok("demo-data", "--template", "ecommerce_support", "--out", "exports", "--rows", "1500", "--seed", "9")
    assert "--set 'stripe_files=exports/stripe/*'" in demo.stdout  # the answers that point init at them
    write_answers(
        root / "answers.yml",
        project_name="shop",
        target="local",
        stripe_files=["exports/stripe/*"],
        zendesk_files=["exports/zendesk/*"],
        salesforce_files=["exports/salesforce/*"],
    )
    cli.ok("init", "project", "--template", "ecommerce_support", "--non-interactive", "--answers", "answers.yml")
    run = cli.ok("run", "--project", "project")
    return cli, root, run.stdout


def _audience(root: Path) -> dict[str, dict[str, object]]:
    with duckdb.connect(str(root / "project" / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(f"select {', '.join(COLUMNS)} from marts.audience").fetchall()
    return {str(r[0]): dict(zip(COLUMNS[1:], r[1:], strict=True)) for r in rows}


def test_the_shops_audience_has_the_facts_the_exports_say(shop: tuple[TapestryCLI, Path, str]) -> None:
    _, root, stdout = shop
    for source, files in (("stripe", "2 new files"), ("zendesk", "2 new files"), ("salesforce", "1 new file")):
        assert any(f"rows loaded · {source}" in line and files in line for line in stdout.splitlines()), stdout
    actual = _audience(root)
    expected = expected_shop_audience(root / "exports")
    assert actual.keys() == expected.keys()
    mismatches = {
        email: (facts, expected[email])
        for email, facts in actual.items()
        if {**facts, "last_order_date": as_date(facts["last_order_date"])} != expected[email]
    }
    assert not mismatches, list(mismatches.items())[:3]
    # the demo has every kind of person the template tells apart
    assert {(f["customer_tag"], f["open_ticket_tag"]) for f in actual.values()} == {
        ("customer", "has open ticket"),
        ("customer", None),
        (None, "has open ticket"),
        (None, None),
    }


def test_identity_resolution_joins_the_shops_sources_as_the_rules_say(shop: tuple[TapestryCLI, Path, str]) -> None:
    """Every customer, end-user and contact is in identity_map, grouped into exactly the oracle's people: other
    spellings of an address, and a second Stripe customer under a personal address tied by its phone alone."""
    _, root, _ = shop
    with duckdb.connect(str(root / "project" / "warehouse.duckdb"), read_only=True) as con:
        mapped = con.execute("select record_id, person_id, source, matched_by from marts.identity_map").fetchall()
        phones = con.execute("select count(*) from marts.people where phone is not null and in_zendesk").fetchone()
    groups: dict[str, set[str]] = {}
    for record_id, person_id, _, _ in mapped:
        groups.setdefault(str(person_id), set()).add(str(record_id))
    expected = {
        frozenset(f"{i.record.source}:{i.record.record_id}" for i in p.items) for p in shop_people(root / "exports")
    }
    assert {frozenset(g) for g in groups.values()} == expected
    assert {source for _, _, source, _ in mapped} == {"stripe", "zendesk", "salesforce"}
    # the demo's traps are there and resolved: people in all three tools, Stripe customers joined by a phone
    assert any({s.split(":")[0] for s in g} == {"stripe", "zendesk", "salesforce"} for g in expected)
    assert any(source == "stripe" and matched_by == "phone" for _, _, source, matched_by in mapped)
    assert phones is not None and phones[0] > 0, "Zendesk phones reach the golden records"


def test_the_sync_preview_sends_the_facts_as_merge_fields_and_tags(shop: tuple[TapestryCLI, Path, str]) -> None:
    _, root, _ = shop
    (preview,) = sorted((root / "project" / ".tapestry" / "previews" / "newsletter").glob("sync-*.jsonl"))
    operations = [json.loads(line) for line in preview.read_text().splitlines()]
    expected = expected_shop_audience(root / "exports")
    for op in operations[:200]:
        facts = expected[op["email"]]
        merge = op["merge_fields"]
        assert merge["ORDERS"] == str(facts["order_count"]) and merge["OPENTIX"] == str(facts["open_ticket_count"])
        assert merge["LTV"] == f"{facts['lifetime_value']:.2f}"
        assert merge["LASTORDER"] == (str(facts["last_order_date"]) if facts["last_order_date"] else "")
        tags = {"tapestry"} | {t for t in (facts["customer_tag"], facts["open_ticket_tag"]) if t}
        assert set(op["tags_active"]) == tags


def test_a_rerun_with_no_new_files_changes_nothing(shop: tuple[TapestryCLI, Path, str]) -> None:
    cli, root, _ = shop
    before = _audience(root)
    rerun = cli.ok("run", "--project", "project").stdout
    assert "skipped in" in rerun and "no new files (every file's content was loaded before)" in rerun, rerun
    assert "up to date (no new data, dbt project unchanged)" in rerun, rerun
    assert "sync: skipped: preview unchanged" in rerun, rerun
    assert _audience(root) == before
