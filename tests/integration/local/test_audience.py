"""The audience built by `tapestry run` equals what the documented rules give, computed independently."""

from __future__ import annotations

import duckdb

from support.audience_oracle import email_key, expected_audience, expected_rejections, read_records
from support.projects import build_crafted_project, make_project

# README, "Identity resolution": the settings that make a person lower(trim(email)), as before identity rules
EXACT_EMAIL = """
identity:
  match_rules: [{identifier: email}]
  email: {lookalikes: false, gmail: false, plus_tags: false}
  blocked: {role_accounts: false, junk_phones: false}
  limits: {max_names_per_identifier: null}
"""


def _records(demo_project):  # type: ignore[no-untyped-def]
    return read_records(
        sorted((demo_project.exports / "zoom").glob("*.csv")),
        sorted((demo_project.exports / "salesforce").glob("*.jsonl")),
    )


def _query(demo_project, sql: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    with duckdb.connect(str(demo_project.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_audience_matches_the_documented_rules_row_for_row(demo_project) -> None:  # type: ignore[no-untyped-def]
    expected = expected_audience(_records(demo_project))
    rows = _query(
        demo_project,
        "select email_address, first_name, last_name, in_zoom, in_salesforce, webinar_count, "
        "first_seen_at, last_seen_at from marts.audience",
    )
    actual = {
        r[0]: {
            "first_name": r[1],
            "last_name": r[2],
            "in_zoom": r[3],
            "in_salesforce": r[4],
            "webinar_count": r[5],
            "first_seen_at": r[6],
            "last_seen_at": r[7],
        }
        for r in rows
    }
    assert len(rows) == len(actual), "one row per email_address"
    assert set(actual) == set(expected)
    mismatches = [key for key in expected if expected[key] != actual[key]]
    assert not mismatches, (
        f"{len(mismatches)} people differ, e.g. {mismatches[0]}: {actual[mismatches[0]]} != {expected[mismatches[0]]}"
    )


def test_case_and_whitespace_variants_collapse_to_one_person(demo_project) -> None:  # type: ignore[no-untyped-def]
    records = _records(demo_project)
    variants: dict[str, set[str]] = {}
    for record in records:
        key = email_key(record.email_raw)
        if key and record.email_raw:
            variants.setdefault(key, set()).add(record.email_raw)
    messy = {k: v for k, v in variants.items() if len(v) > 1}
    assert len(messy) > 50, "the demo data must contain people spelled several ways"
    record_keys = {
        f"{r.source}:{r.record_id}": email_key(r.email_raw) for r in records if email_key(r.email_raw) in messy
    }
    people: dict[str, set[str]] = {}
    for record_id, person_id in _query(demo_project, "select record_id, person_id from marts.identity_map"):
        if record_id in record_keys:
            people.setdefault(str(record_keys[record_id]), set()).add(str(person_id))
    assert set(people) == set(messy)
    assert all(len(ids) == 1 for ids in people.values()), "every spelling of one address is one person"
    in_audience = dict(
        _query(demo_project, "select person_id, count(*) from marts.audience group by 1 having count(*) > 1")
    )
    assert in_audience == {}


def test_exact_email_identity_reproduces_the_lower_trim_audience(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The `identity:` settings README gives for exact-email identity give exactly lower(trim(email))."""
    demo = make_project(tmp_path, rows=800, seed=9, run=False)
    with (demo.project / "tapestry.yml").open("a", encoding="utf-8") as handle:
        handle.write(EXACT_EMAIL)
    demo.cli.ok("run", "--project", "project")
    records = _records(demo)
    expected = expected_audience(records, exact_email=True)
    assert expected != expected_audience(records), "the demo data must tell the two apart"
    rows = _query(demo, "select email_address, first_name, last_name, webinar_count, first_seen_at from marts.audience")
    assert {r[0]: (r[1], r[2], r[3], r[4]) for r in rows} == {
        k: (v["first_name"], v["last_name"], v["webinar_count"], v["first_seen_at"]) for k, v in expected.items()
    }
    assert dict(_query(demo, "select reason, count(*) from marts.audience_rejected_records group by 1")) == (
        expected_rejections(records, exact_email=True)
    )


def test_invalid_and_missing_emails_are_excluded_and_counted(demo_project) -> None:  # type: ignore[no-untyped-def]
    expected = expected_rejections(_records(demo_project))
    assert expected.get("missing", 0) > 0 and expected.get("malformed", 0) > 0
    counts = dict(_query(demo_project, "select reason, count(*) from marts.audience_rejected_records group by 1"))
    assert counts == expected
    leaked = _query(
        demo_project,
        "select count(*) from marts.audience a join marts.audience_rejected_records r "
        "on a.email_address = lower(trim(r.email_raw)) where r.reason = 'missing'",
    )
    assert leaked == [(0,)]
    assert f"{sum(expected.values()):,} records" in demo_project.first_run_stdout


def test_survivorship_rule_on_crafted_exports(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    (tmp_path / "zoom").mkdir()
    (tmp_path / "salesforce").mkdir()
    (tmp_path / "zoom" / "w1.csv").write_text(
        "id,webinar_id,email,first_name,last_name,create_time\n"
        "r1,w1, Bart@Example.com ,Bart,,2026-02-01T00:00:00Z\n"  # later, nickname, no last name
        "r2,w1,cy@example.com,Cyrus,Zoom,2026-03-01T00:00:00Z\n"  # same time as Salesforce: Salesforce wins
        "r3,w1,dee@example.com,,,2026-05-01T00:00:00Z\n"  # latest but empty: older names survive
        "r4,w2,BART@EXAMPLE.COM,Bartholomew,,2026-01-15T00:00:00Z\n",
        encoding="utf-8",
    )
    contacts = [
        {
            "Id": "003A",
            "Email": "bart@example.com",
            "FirstName": "Bartholomew",
            "LastName": "Simpson",
            "SystemModstamp": "2026-01-01T00:00:00.000+0000",
            "IsDeleted": False,
        },
        {
            "Id": "003B",
            "Email": "CY@example.com",
            "FirstName": "Cy",
            "LastName": "Force",
            "SystemModstamp": "2026-03-01T00:00:00.000+0000",
            "IsDeleted": False,
        },
        {
            "Id": "003C",
            "Email": "dee@example.com",
            "FirstName": "Dee",
            "LastName": "Dee",
            "SystemModstamp": "2026-04-01T00:00:00.000+0000",
            "IsDeleted": False,
        },
    ]
    (tmp_path / "salesforce" / "c.jsonl").write_text("\n".join(json.dumps(c) for c in contacts) + "\n")
    build_crafted_project(tmp_path, "crafted")
    with duckdb.connect(str(tmp_path / "p" / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select email_address, first_name, last_name, webinar_count, in_zoom, in_salesforce "
            "from marts.audience order by 1"
        ).fetchall()
    assert rows == [
        ("bart@example.com", "Bart", "Simpson", 2, True, True),
        ("cy@example.com", "Cy", "Force", 1, True, True),
        ("dee@example.com", "Dee", "Dee", 1, True, True),
    ]
