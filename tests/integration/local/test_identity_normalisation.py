"""The normalisation rules as dbt computes them (int_identity__records), on crafted exports: e-mail match keys,
E.164 phones compared with libphonenumber (default country GB: trunk prefix 0, "(0)", 00), Salesforce ids."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import phonenumbers
import pytest

from support.identity_data import salesforce_id18
from support.projects import build_crafted_project

EMAILS = {  # as exported -> match key
    " Jane.Doe@GMAIL.com ": "janedoe@gmail.com",
    "jane.doe+shop@googlemail.com": "janedoe@gmail.com",
    "\uff2a\uff41\uff4e\uff45\uff0e\uff24\uff4f\uff45\uff20gmail.com": "janedoe@gmail.com",  # fullwidth
    "j\u0430ne.doe@gmail.com": "janedoe@gmail.com",  # Cyrillic а
    "bob+news@Outlook.com": "bob@outlook.com",
    "fm+x@fastmail.fm": "fm@fastmail.fm",
    "bob+news@example.com": "bob+news@example.com",  # no provider rule: the tag is part of the address
    "b.o.b@example.com": "b.o.b@example.com",  # dots only matter outside Gmail
    "zero\u200bwidth@example.com": "zerowidth@example.com",
    "\tcarl@example.org\u00a0": "carl@example.org",
    "dora smith@example.com": None,  # malformed: never matched on
}
PHONES = [
    "020 7946 0018",
    "+44 (0)20 7946 0018",
    "0044 20 7946 0018",
    "(020) 7946-0018 ext. 204",
    "07700 900123",
    "+1 (212) 555-0143",
    "+33 1 42 68 53 00",
    "tel:+49-30-2045 8870",
    "0161 496 0754",
]
NOT_PHONES = ["12345", "n/a", "+1 (012) 555-0143", "0000"]


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str | None, str | None, str | None]]:
    root = tmp_path_factory.mktemp("normalisation")
    (root / "zoom").mkdir()
    (root / "salesforce").mkdir()
    rows = [(f"e{i}", email, "") for i, email in enumerate(EMAILS)]
    rows += [(f"p{i}", f"p{i}@example.com", phone) for i, phone in enumerate(PHONES + NOT_PHONES)]
    with (root / "zoom" / "w1.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "webinar_id", "email", "first_name", "last_name", "phone", "create_time"])
        writer.writerows([(rid, "w1", email, "A", "B", phone, "2026-01-01T00:00:00Z") for rid, email, phone in rows])
    contacts = [
        {"Id": "0035g00000AbCdE", "Email": "x@example.com", "SystemModstamp": "2026-01-01T00:00:00.000+0000"},
        {"Id": "0035g00000abcde", "Email": "y@example.com", "SystemModstamp": "2026-01-01T00:00:00.000+0000"},
    ]
    (root / "salesforce" / "c.jsonl").write_text("".join(json.dumps(c) + "\n" for c in contacts))
    build_crafted_project(root, "norm", "\nidentity:\n  phone: {default_country: GB}\n")
    with duckdb.connect(str(Path(root / "p" / "warehouse.duckdb")), read_only=True) as con:
        found = con.execute(
            "select source_record_id, email_match_key, phone_e164, source_id_key from analytics.int_identity__records"
        ).fetchall()
    return {str(r[0]): (r[1], r[2], r[3]) for r in found}


def test_email_match_keys(records: dict[str, tuple[str | None, str | None, str | None]]) -> None:
    got = {email: records[f"w1:e{i}"][0] for i, email in enumerate(EMAILS)}
    assert got == EMAILS


def test_phones_are_e164_as_libphonenumber_formats_them(
    records: dict[str, tuple[str | None, str | None, str | None]],
) -> None:
    for i, phone in enumerate(PHONES):
        expected = phonenumbers.format_number(phonenumbers.parse(phone, "GB"), phonenumbers.PhoneNumberFormat.E164)
        assert records[f"w1:p{i}"][1] == expected, phone
    for i, phone in enumerate(NOT_PHONES, start=len(PHONES)):
        assert records[f"w1:p{i}"][1] is None, phone


US_PHONES = {  # the default country's own rules, and what any country writes
    "0044 20 7946 0018": "+442079460018",  # 00: the international prefix of most of the world
    "011 44 20 7946 0018": "+442079460018",  # 011: the US one
    "(312) 345-6701": "+13123456701",  # a run of digits across the area code is a real number
}


def test_a_us_project_reads_00_as_international_and_blocks_only_junk_tails(tmp_path: Path) -> None:
    (tmp_path / "zoom").mkdir()
    (tmp_path / "salesforce").mkdir()
    phones = [*US_PHONES, "+44 20 7123 4567", "(212) 765-4321"]
    with (tmp_path / "zoom" / "w1.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "webinar_id", "email", "first_name", "last_name", "phone", "create_time"])
        for copy in ("", "b"):  # only a value two records share can link (or be blocked from linking) them
            writer.writerows(
                [
                    (f"p{i}{copy}", "w1", f"p{i}{copy}@example.com", "A", "B", phone, "2026-01-01T00:00:00Z")
                    for i, phone in enumerate(phones)
                ]
            )
    (tmp_path / "salesforce" / "c.jsonl").write_text(
        json.dumps(
            {"Id": "0035g00000AbCdE", "Email": "x@example.com", "SystemModstamp": "2026-01-01T00:00:00.000+0000"}
        )
        + "\n"
    )
    build_crafted_project(tmp_path, "us")
    with duckdb.connect(str(tmp_path / "p" / "warehouse.duckdb"), read_only=True) as con:
        e164 = dict(con.execute("select source_record_id, phone_e164 from analytics.int_identity__records").fetchall())
        junk = {
            str(value)
            for (value,) in con.execute(
                "select identifier_value from marts.identity_blocked_identifiers where blocked_reason = 'junk'"
            ).fetchall()
        }
    assert {phone: e164[f"w1:p{i}"] for i, phone in enumerate(US_PHONES)} == US_PHONES
    assert junk == {"+442071234567", "+12127654321"}


def test_both_spellings_of_a_salesforce_id_are_one_identifier(
    records: dict[str, tuple[str | None, str | None, str | None]],
) -> None:
    # two different contacts whose 15-character ids differ only in case get different 18-character ids
    first, second = records["0035g00000AbCdE"][2], records["0035g00000abcde"][2]
    assert first == f"salesforce:{salesforce_id18('0035g00000AbCdE')}" == "salesforce:0035g00000AbCdEAAV"
    assert second == f"salesforce:{salesforce_id18('0035g00000abcde')}"
    assert first != second
