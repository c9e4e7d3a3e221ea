"""An independent, plain-Python implementation of the audience rules, used as a test oracle.

It reads the raw export files directly (not the warehouse) and applies the documented rules:
identity lower(trim(email)); latest Salesforce version per Id, deleted ones dropped; Zoom registrations
de-duplicated per (webinar, registrant); the e-mail syntax check; per-field survivorship (most recent
non-null value, ties to Salesforce, then the smallest record id).
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

VALID_EMAIL = re.compile(
    r"[a-z0-9!#$%&*+/=?^_`{|}~-]+([.][a-z0-9!#$%&*+/=?^_`{|}~-]+)*@([a-z0-9]([a-z0-9-]*[a-z0-9])?[.])+[a-z]{2,}"
)
WHITESPACE = " \t\n\r\xa0"


@dataclass
class Record:
    source: str
    record_id: str
    email_raw: str | None
    first_name: str | None
    last_name: str | None
    webinar_id: str | None
    first_seen: datetime
    updated: datetime


def email_key(raw: str | None) -> str | None:
    if raw is None:
        return None
    key = raw.strip(WHITESPACE).lower()
    return key or None


def _clean(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00").replace("+0000", "+00:00"))


def read_records(zoom_files: list[Path], salesforce_files: list[Path]) -> list[Record]:
    contacts: dict[str, dict[str, object]] = {}
    for path in salesforce_files:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                current = contacts.get(row["Id"])
                if current is None or _ts(str(row["SystemModstamp"])) >= _ts(str(current["SystemModstamp"])):
                    contacts[row["Id"]] = row
    records = [
        Record(
            "salesforce",
            cid,
            row.get("Email"),  # type: ignore[arg-type]
            _clean(row.get("FirstName")),
            _clean(row.get("LastName")),
            None,
            _ts(str(row.get("CreatedDate") or row["SystemModstamp"])),
            _ts(str(row["SystemModstamp"])),
        )
        for cid, row in contacts.items()
        if not row.get("IsDeleted")
    ]
    registrations: dict[str, Record] = {}
    for path in zoom_files:
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                rid = f"{row['webinar_id']}:{row['id']}"
                registered = _ts(row["create_time"])
                registrations[rid] = Record(
                    "zoom",
                    rid,
                    row["email"] or None,
                    _clean(row["first_name"]),
                    _clean(row["last_name"]),
                    row["webinar_id"],
                    registered,
                    registered,
                )
    return records + list(registrations.values())


def status(record: Record) -> str:
    key = email_key(record.email_raw)
    if key is None:
        return "missing"
    return "valid" if VALID_EMAIL.fullmatch(key) else "malformed"


def expected_audience(records: list[Record]) -> dict[str, dict[str, object]]:
    people: dict[str, list[Record]] = {}
    for record in records:
        if status(record) == "valid":
            people.setdefault(email_key(record.email_raw) or "", []).append(record)

    def winner(items: list[Record], attr: str) -> str | None:
        candidates = [r for r in items if getattr(r, attr) is not None]
        if not candidates:
            return None
        candidates.sort(key=lambda r: (-r.updated.timestamp(), 0 if r.source == "salesforce" else 1, r.record_id))
        return str(getattr(candidates[0], attr))

    audience = {}
    for key, items in people.items():
        audience[key] = {
            "first_name": winner(items, "first_name"),
            "last_name": winner(items, "last_name"),
            "in_zoom": any(r.source == "zoom" for r in items),
            "in_salesforce": any(r.source == "salesforce" for r in items),
            "webinar_count": len({r.webinar_id for r in items if r.webinar_id}),
            "first_seen_at": min(r.first_seen for r in items),
            "last_seen_at": max(r.updated for r in items),
        }
    return audience


def expected_rejections(records: list[Record]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for record in records:
        verdict = status(record)
        if verdict != "valid":
            counts[verdict] = counts.get(verdict, 0) + 1
    return counts
