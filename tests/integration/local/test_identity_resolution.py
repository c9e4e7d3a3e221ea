"""Identity resolution on exports with known true people (tests/support/identity_data.py), through the CLI:
pairwise precision and recall, the traps one by one, and person ids that survive a rerun with new records."""

from __future__ import annotations

import csv
import json
import os
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from support.cli import TapestryCLI, write_answers
from support.identity_data import (
    JUNK_PHONES,
    ROLE_INBOXES,
    SWITCHBOARD,
    UNLISTED_SHARED,
    Truth,
    generate,
    pairwise,
    salesforce_id18,
)

PEOPLE = 3000
PRECISION_GOAL, RECALL_GOAL = 0.99, 0.97


@dataclass
class Resolved:
    root: Path
    cli: TapestryCLI
    truth: Truth

    @property
    def warehouse(self) -> Path:
        return self.root / "project" / "warehouse.duckdb"

    def query(self, sql: str) -> list[tuple]:  # type: ignore[type-arg]
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql).fetchall()

    def person_ids(self) -> dict[str, str]:
        return {str(r): str(p) for r, p in self.query("select record_id, person_id from marts.identity_map")}


@pytest.fixture(scope="module")
def resolved(tmp_path_factory: pytest.TempPathFactory) -> Resolved:
    root = tmp_path_factory.mktemp("identity")
    truth = generate(root / "exports", PEOPLE)
    cli = TapestryCLI(cwd=root, env=dict(os.environ))
    write_answers(
        root / "answers.yml",
        project_name="identity",
        target="local",
        zoom_files=["exports/zoom/*.csv"],
        salesforce_files=["exports/salesforce/*.jsonl"],
    )
    cli.ok("init", "project", "--non-interactive", "--answers", "answers.yml")
    cli.ok("run", "--project", "project")
    return Resolved(root, cli, truth)


def test_pairwise_precision_and_recall_against_the_true_people(
    resolved: Resolved, capsys: pytest.CaptureFixture[str]
) -> None:
    predicted = resolved.person_ids()
    assert predicted.keys() == resolved.truth.person_of.keys(), "every source record is mapped exactly once"
    precision, recall, predicted_pairs, true_pairs = pairwise(predicted, resolved.truth.person_of)
    with capsys.disabled():
        print(
            f"\nidentity resolution on {len(predicted):,} records of {PEOPLE:,}+ people: "
            f"pairwise precision {precision:.4f} ({predicted_pairs:,} pairs), "
            f"recall {recall:.4f} ({true_pairs:,} true pairs)"
        )
    assert precision >= PRECISION_GOAL
    assert recall >= RECALL_GOAL


def _records_with(resolved: Resolved, column: str, values: set[str]) -> dict[str, str]:
    """record_id -> raw value, for Zoom rows whose `column` (as exported) is one of `values` after trim/lower."""
    found = {}
    for row in resolved.truth.zoom_rows:
        if row[column].strip().lower().replace("\uff20", "@").replace("\u200b", "") in values:
            found[f"zoom:{row['webinar_id']}:{row['id']}"] = row[column]
    return found


def test_shared_inboxes_and_switchboards_never_join_different_people(resolved: Resolved) -> None:
    ids = resolved.person_ids()
    truth = resolved.truth.person_of
    for inbox in (*ROLE_INBOXES, UNLISTED_SHARED):
        records = _records_with(resolved, "email", {inbox})
        assert len(records) >= 3
        assert len({truth[r] for r in records}) == len({ids[r] for r in records}), inbox
    board = [f"zoom:{row['webinar_id']}:{row['id']}" for row in resolved.truth.zoom_rows if row["phone"] == SWITCHBOARD]
    assert len({ids[r] for r in board}) == len(board) == 8
    blocked = {(str(v), str(reason)) for v, reason in resolved.query(
        "select identifier_value, blocked_reason from marts.identity_blocked_identifiers"
    )}  # fmt: skip
    for inbox in ROLE_INBOXES:
        assert (inbox, "role_account") in blocked
    assert (UNLISTED_SHARED, "shared") in blocked  # no role name: its many different names give it away
    assert ("+12125550100", "shared") in blocked
    assert any(reason == "junk" for _, reason in blocked)


def test_junk_phones_join_nobody(resolved: Resolved) -> None:
    ids = resolved.person_ids()
    truth = resolved.truth.person_of
    junk = [f"zoom:{row['webinar_id']}:{row['id']}" for row in resolved.truth.zoom_rows if row["phone"] in JUNK_PHONES]
    assert len(junk) > 10
    by_person: dict[str, set[str]] = defaultdict(set)
    for record in junk:
        by_person[ids[record]].add(truth[record])
    assert all(len(people) == 1 for people in by_person.values())


def test_both_salesforce_id_spellings_are_one_contact(resolved: Resolved) -> None:
    ids = resolved.person_ids()
    short = [str(row["Id"]) for row in resolved.truth.salesforce_rows if len(str(row["Id"])) == 15]
    assert len(short) > 20
    assert all(ids[f"salesforce:{s}"] == ids[f"salesforce:{salesforce_id18(s)}"] for s in short)
    matched = dict(
        resolved.query(
            "select record_id, matched_by from marts.identity_map where record_id in ("
            + ", ".join(f"'salesforce:{s}'" for s in short)
            + ")"
        )
    )
    assert set(matched.values()) == {"source_id"}


def test_the_audience_has_one_row_per_person_with_a_deliverable_address(resolved: Resolved) -> None:
    rows = resolved.query("select email_address, person_id from marts.audience")
    assert len({e for e, _ in rows}) == len(rows) == len({p for _, p in rows})
    assert all(e.isascii() and e == e.strip().lower() for e, _ in rows)
    people = resolved.query("select count(*), count(email_address) from marts.people")[0]
    shared = resolved.query(
        "select count(distinct person_id) from marts.audience_rejected_records where reason = 'shared_email'"
    )
    assert len(rows) == people[1] - shared[0][0]


def _plain(email: object) -> bool:
    """A valid personal address as exported (not a team inbox, no look-alikes)."""
    text = str(email or "")
    shared = {*ROLE_INBOXES, UNLISTED_SHARED}
    return bool(re.fullmatch(r"[a-z0-9.]+@[a-z0-9-]+\.[a-z]+", text)) and text not in shared


def test_person_ids_survive_reruns_merges_and_splits(resolved: Resolved) -> None:
    before = resolved.person_ids()
    truth = resolved.truth
    contacts = {f"salesforce:{row['Id']}": row for row in truth.salesforce_rows}
    # Two people that are separate today, each with a Salesforce contact holding an e-mail and a phone.
    pairs = [
        (rec, row) for rec, row in contacts.items() if _plain(row["Email"]) and row["Phone"] not in (None, *JUNK_PHONES)
    ]
    (a_record, a), (b_record, b) = pairs[0], pairs[1]
    assert before[a_record] != before[b_record]
    zoom = resolved.root / "exports" / "zoom" / "new_registrants.csv"
    crm = resolved.root / "exports" / "salesforce" / "bridge.jsonl"
    # New records: one more registration of someone known, someone new, and a contact that joins a and b
    # (a's e-mail, b's phone).
    known = next(r for r in truth.zoom_rows if _plain(r["email"]))
    new_rows = [
        {**known, "id": "n0000001", "webinar_id": "91000000000"},
        {**known, "id": "n0000003", "webinar_id": "91000000000", "email": "brand.new.person@example.com", "phone": ""},
    ]
    with zoom.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(new_rows[0]))
        writer.writeheader()
        writer.writerows(new_rows)
    bridge = {**a, "Id": "003BRIDGE000001AAA", "Phone": b["Phone"], "SystemModstamp": "2026-12-01T00:00:00.000+0000"}
    crm.write_text(json.dumps(bridge) + "\n")
    try:
        resolved.cli.ok("run", "--project", "project")
        merged = resolved.person_ids()
        # The bridge is deleted in the CRM: a and b are two people again.
        deleted = {**bridge, "IsDeleted": True, "SystemModstamp": "2026-12-02T00:00:00.000+0000"}
        crm.write_text(json.dumps(bridge) + "\n" + json.dumps(deleted) + "\n")
        resolved.cli.ok("run", "--project", "project")
        split = resolved.person_ids()
        changes = {
            (str(f), str(t), str(c))
            for f, t, c, _ in resolved.query(
                "select from_person_id, to_person_id, change, records from marts.identity_changes"
            )
        }
    finally:
        zoom.unlink()
        crm.unlink()

    # merge: one of the two ids survives, the other is retired and logged
    both = {before[a_record], before[b_record]}
    survivor = merged[a_record]
    assert merged[b_record] == survivor and survivor in both
    assert merged["salesforce:003BRIDGE000001AAA"] == survivor
    retired = (both - {survivor}).pop()
    assert (retired, survivor, "merged") in changes
    assert [r for r, p in before.items() if merged[r] != p and p != retired] == [], "nobody else changed"
    assert merged["zoom:91000000000:n0000001"] == before[f"zoom:{known['webinar_id']}:{known['id']}"]
    assert merged["zoom:91000000000:n0000003"] not in set(before.values())

    # split: the larger part keeps the survivor's id, the other gets an id of its own; logged
    assert split[a_record] != split[b_record] and survivor in {split[a_record], split[b_record]}
    other = ({split[a_record], split[b_record]} - {survivor}).pop()
    assert (survivor, other, "split") in changes
    assert [r for r, p in merged.items() if r in split and split[r] != p and p != survivor] == []
    assert "salesforce:003BRIDGE000001AAA" not in split
