"""Deterministic, realistic Zoom and Salesforce export files for demos, tests and benchmarks.

The same seed and size always give byte-identical files. The data carries the mess real exports have:
the same person in both sources with e-mails in different case and with stray whitespace, conflicting
names (nicknames, missing parts), people registered to several webinars, missing and malformed e-mails,
unicode names, and deleted Salesforce contacts. And what identity resolution has to see through: Gmail
addresses spelled with and without dots, with +tags and at googlemail.com, +tags at Outlook, look-alike
characters, a work address in one source and a personal one in the other with the same phone, phones in
every national and international format, shared team inboxes several people register with, and junk
phone numbers (000-000-0000) typed by people who would rather not give one.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import random
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from tapestry.core.fs import umask_mode

Format = Literal["mixed", "csv", "jsonl", "parquet"]

FIRST_NAMES = (
    "Ana",
    "Bartholomew",
    "Chloé",
    "Dmitri",
    "Elizabeth",
    "François",
    "Grace",
    "Hiroshi",
    "Ingrid",
    "José",
    "Katherine",
    "Łukasz",
    "María",
    "Ngozi",
    "Oliver",
    "Priya",
    "Quentin",
    "Robert",
    "Søren",
    "Tomás",
    "Umar",
    "Valentina",
    "William",
    "Xiao",
    "Yusuf",
    "Zoë",
    "Amélie",
    "Björn",
    "Chiara",
    "Darius",
    "Émile",
    "Fatima",
    "Gustav",
    "Hana",
    "Iñaki",
    "Jürgen",
    "Kwame",
    "Leïla",
    "Mateo",
    "Noémie",
    "王",
    "Σοφία",
    "Дмитрий",
    "Nguyễn",
    "Aoife",
    "Siobhán",
    "Renée",
    "Thandiwe",
    "Ömer",
    "Zuzana",
)
LAST_NAMES = (
    "Silva",
    "Simpson",
    "Müller",
    "Núñez",
    "O'Brien",
    "Kowalski",
    "Nakamura",
    "Okafor",
    "Johansson",
    "García",
    "Dubois",
    "Rossi",
    "Patel",
    "Smith",
    "Nguyen",
    "Kim",
    "Hernández",
    "Schröder",
    "Larsen",
    "Costa",
    "Ivanova",
    "Novák",
    "Yılmaz",
    "Fernández",
    "Andersson",
    "Brown",
    "Wójcik",
    "Lefèvre",
    "Santos",
    "Chen",
    "李",
    "Παπαδόπουλος",
    "Смирнов",
    "Đặng",
    "Mac Giolla",
    "Ó Súilleabháin",
    "van der Berg",
    "de la Cruz",
)
NICKNAMES = {
    "Bartholomew": "Bart",
    "Elizabeth": "Liz",
    "Katherine": "Kate",
    "Robert": "Bob",
    "William": "Bill",
    "José": "Pepe",
    "Valentina": "Vale",
    "Oliver": "Ollie",
    "Dmitri": "Dima",
    "Grace": "Gracie",
}
DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com", "corp.example.org")
MALFORMED = ("{}@", "{} {}@example.com", "@example.com", "{}.example.com", "{}@@example.com", "{}@example")
BASE_TIME = datetime(2025, 6, 1, tzinfo=UTC)
SPAN_SECONDS = 500 * 24 * 3600

ZOOM_COLUMNS = (
    "id", "webinar_id", "email", "first_name", "last_name", "phone", "status", "create_time", "join_url",
)
SALESFORCE_COLUMNS = (
    "Id", "Email", "FirstName", "LastName", "Phone", "MobilePhone", "AccountId", "CreatedDate", "LastModifiedDate",
    "SystemModstamp", "IsDeleted",
)
SHARED_INBOXES = ("info@corp.example.org", "team@example.net", "events@mail.example.com")
JUNK_PHONES = ("000-000-0000", "1234567890", "(555) 555-5555", "0")
PLUS_TAG_PROVIDERS = ("outlook.com", "hotmail.com", "icloud.com")


@dataclass
class DemoSummary:
    people: int
    zoom_rows: int = 0
    salesforce_rows: int = 0
    webinars: int = 0
    files: list[Path] = field(default_factory=list)
    files_written: int = 0


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in plain if ch.isalnum())


def _iso(ts: datetime, salesforce: bool) -> str:
    if salesforce:  # Salesforce's own format: 2026-01-05T10:00:00.000+0000
        return ts.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def _vary_email(rng: random.Random, email: str) -> str:
    """The same address as people really type it: other case, stray whitespace."""
    roll = rng.random()
    if roll < 0.12:
        email = email.upper()
    elif roll < 0.25:
        local, _, domain = email.partition("@")
        email = f"{local.title()}@{domain.capitalize()}"
    roll = rng.random()
    if roll < 0.06:
        email = f"  {email}"
    elif roll < 0.12:
        email = f"{email} "
    elif roll < 0.14:
        email = f"\t{email}\t"
    return email


def _phone(rng: random.Random) -> str:
    """A North American number (area code and exchange never start with 0 or 1)."""
    return f"{rng.randrange(201, 990)}{rng.randrange(200, 1000)}{rng.randrange(10_000):04d}"


def _vary_phone(rng: random.Random, digits: str) -> str:
    """The same number as people type it."""
    area, exchange, line = digits[:3], digits[3:6], digits[6:]
    return rng.choice((
        f"({area}) {exchange}-{line}",
        f"{area}-{exchange}-{line}",
        f"+1 {area} {exchange} {line}",
        f"1{area}{exchange}{line}",
        f"{area}.{exchange}.{line}",
        f"+1-{area}-{exchange}-{line} x{rng.randrange(10, 999)}",
    ))


def _provider_variant(rng: random.Random, email: str) -> str:
    """The same mailbox under another spelling its provider delivers to the same place."""
    local, _, domain = email.partition("@")
    if domain == "gmail.com":
        plain = local.replace(".", "")
        roll = rng.random()
        if roll < 0.3:
            return f"{plain}@gmail.com"
        if roll < 0.6:
            return f"{plain}+{rng.choice(('news', 'shop', 'webinar'))}@gmail.com"
        if roll < 0.8:
            return f"{local}@googlemail.com"
        return f"{plain[:2]}.{plain[2:]}@gmail.com"
    if domain in PLUS_TAG_PROVIDERS:
        return f"{local}+{rng.choice(('zoom', 'events'))}@{domain}"
    if rng.random() < 0.06:  # a look-alike: fullwidth @ or a Cyrillic "а"
        return email.replace("@", "\uff20") if rng.random() < 0.5 else email.replace("a", "\u0430", 1)
    return email


def _bad_email(rng: random.Random, first: str, last: str) -> str:
    if rng.random() < 0.5:
        return ""
    pattern = rng.choice(MALFORMED)
    return pattern.format(*([_ascii(first) or "user", _ascii(last) or "name"][: pattern.count("{}")]))


def _ts(rng: random.Random, low: int = 0, high: int = SPAN_SECONDS) -> datetime:
    return BASE_TIME + timedelta(seconds=rng.randrange(low, high))


def generate(out: Path, people: int, seed: int = 42, fmt: Format = "mixed") -> DemoSummary:
    """Write the demo exports under `out/zoom/` and `out/salesforce/`; unchanged files are not rewritten."""
    if people < 1:
        raise ValueError("people must be at least 1")
    rng = random.Random(seed)
    webinars = [str(81_000_000_000 + rng.randrange(1_000_000_000)) for _ in range(max(3, min(40, people // 2500)))]
    zoom_rows: dict[str, list[tuple[str, ...]]] = {w: [] for w in webinars}
    salesforce_rows: list[tuple[str, ...]] = []
    summary = DemoSummary(people=people, webinars=len(webinars))
    attendees: list[tuple[int, str, str, str]] = []  # (person, e-mail, first, last): for the agencies below

    for i in range(people):
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        handle = f"{_ascii(first) or 'user'}.{_ascii(last) or 'name'}{i}"
        roll = rng.random()
        provider = "gmail.com" if roll < 0.15 else rng.choice(PLUS_TAG_PROVIDERS) if roll < 0.2 else None
        email = f"{handle}@{provider or rng.choice(DOMAINS)}"
        roll = rng.random()
        in_salesforce, in_zoom = roll < 0.70, roll >= 0.35
        bad = rng.random() < 0.03  # this person's e-mail is missing or malformed everywhere
        phone = _phone(rng) if rng.random() < 0.6 else ""
        mobile = _phone(rng) if rng.random() < 0.15 else ""
        # in Zoom with a personal address while the CRM has the work one; the phone tells they are one person
        personal = f"{handle}@gmail.com" if in_zoom and in_salesforce and phone and rng.random() < 0.1 else None

        if in_salesforce:
            created = _ts(rng, 0, SPAN_SECONDS // 2)
            modified = created + timedelta(seconds=rng.randrange(0, SPAN_SECONDS // 2))
            salesforce_rows.append((
                f"003{i:015d}",
                _bad_email(rng, first, last) if bad else _vary_email(rng, email),
                first if rng.random() > 0.02 else "",
                last,
                _vary_phone(rng, phone) if phone else rng.choice(JUNK_PHONES) if rng.random() < 0.01 else "",
                _vary_phone(rng, mobile) if mobile else "",
                f"001{rng.randrange(10_000):015d}",
                _iso(created, True),
                _iso(modified, True),
                _iso(modified + timedelta(seconds=rng.randrange(0, 60)), True),
                "true" if rng.random() < 0.01 else "false",
            ))

        if in_zoom and not bad:
            attendees.append((i, email, first, last))
        if in_zoom:
            registrations = 1 if rng.random() < 0.7 else (2 if rng.random() < 0.67 else rng.randrange(3, 6))
            zoom_first, zoom_last = first, last
            if in_salesforce and rng.random() < 0.3:  # the same person, named differently in Zoom
                zoom_first = NICKNAMES.get(first, first.lower())
                zoom_last = "" if rng.random() < 0.3 else last
            for webinar in rng.sample(webinars, min(registrations, len(webinars))):
                registrant = hashlib.md5(f"{seed}:{i}:{webinar}".encode()).hexdigest()[:22]
                if bad:
                    address = _bad_email(rng, first, last)
                elif personal:
                    address = personal
                elif rng.random() < 0.01:  # registered with the team's shared inbox
                    address = rng.choice(SHARED_INBOXES)
                else:
                    address = email if rng.random() < 0.5 else _provider_variant(rng, email)
                    address = _vary_email(rng, address)
                zoom_phone = ""
                if phone and rng.random() < 0.7:
                    zoom_phone = _vary_phone(rng, phone)
                elif rng.random() < 0.02:
                    zoom_phone = rng.choice(JUNK_PHONES)
                zoom_rows[webinar].append((
                    registrant,
                    webinar,
                    address,
                    zoom_first,
                    zoom_last,
                    zoom_phone,
                    "approved",
                    _iso(_ts(rng), False),
                    f"https://zoom.us/w/{webinar}?tk={registrant}",
                ))

    # Desk phones passed along a team: each number is seen with two colleagues' addresses (nothing looks
    # shared), but together they chain seven people into one. The identity limits (at most 5 e-mails per
    # person) cut that chain apart again.
    for team in range(max(1, people // 20_000) if len(attendees) >= 7 else 0):
        desks = [_phone(rng) for _ in range(6)]
        for n, (i, email, first, last) in enumerate(rng.sample(attendees, 7)):
            for phone in desks[max(0, n - 1) : n + 1]:
                webinar = rng.choice(webinars)
                registrant = hashlib.md5(f"{seed}:team{team}:{i}:{phone}".encode()).hexdigest()[:22]
                zoom_rows[webinar].append((
                    registrant, webinar, email, first, last, _vary_phone(rng, phone), "approved",
                    _iso(_ts(rng), False), f"https://zoom.us/w/{webinar}?tk={registrant}",
                ))  # fmt: skip

    zoom_fmt = "csv" if fmt == "mixed" else fmt
    salesforce_fmt = "jsonl" if fmt == "mixed" else fmt
    for webinar, rows in zoom_rows.items():
        path = out / "zoom" / f"webinar_{webinar}_registrants.{zoom_fmt}"
        summary.files_written += _write(path, ZOOM_COLUMNS, rows, zoom_fmt)
        summary.zoom_rows += len(rows)
        summary.files.append(path)
    path = out / "salesforce" / f"contacts.{salesforce_fmt}"
    summary.files_written += _write(path, SALESFORCE_COLUMNS, salesforce_rows, salesforce_fmt)
    summary.salesforce_rows = len(salesforce_rows)
    summary.files.append(path)
    return summary


def _write(
    path: Path,
    columns: tuple[str, ...],
    rows: list[tuple[str, ...]],
    fmt: str,
    json_record: Callable[[dict[str, str]], dict[str, object]] | None = None,
) -> int:
    """Write atomically; keep the existing file (and its mtime) when the bytes would be the same. `json_record`
    gives JSON exports their types (numbers, booleans, nulls; default: Salesforce's)."""
    typed = json_record or _typed
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if fmt == "csv":
            with tmp.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(columns)
                writer.writerows(rows)
        elif fmt == "jsonl":
            with tmp.open("w", encoding="utf-8") as handle:
                handle.writelines(
                    json.dumps(typed(dict(zip(columns, row, strict=True))), ensure_ascii=False) + "\n" for row in rows
                )
        else:
            _write_parquet(tmp, columns, rows)
        if path.exists() and _same_bytes(path, tmp):
            tmp.unlink()
            return 0
        os.chmod(tmp, umask_mode())  # mkstemp creates 0600; exports are ordinary files
        os.replace(tmp, path)
        return 1
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _typed(record: dict[str, str]) -> dict[str, object]:
    """JSON exports carry real booleans and nulls, as Salesforce's API does."""
    typed: dict[str, object] = {k: (v if v != "" else None) for k, v in record.items()}
    if "IsDeleted" in typed:
        typed["IsDeleted"] = record["IsDeleted"] == "true"
    return typed


def _write_parquet(path: Path, columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    by_column = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    table = pa.table(
        {name: pa.array(values, type=pa.string()) for name, values in zip(columns, by_column, strict=True)}
    )
    pq.write_table(table, path, compression="zstd")


def _same_bytes(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    return _digest(a) == _digest(b)


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def describe(summary: DemoSummary) -> str:
    buffer = io.StringIO()
    buffer.write(
        f"{summary.people:,} people -> {summary.salesforce_rows:,} Salesforce contacts, "
        f"{summary.zoom_rows:,} Zoom registrations in {summary.webinars} webinars"
    )
    return buffer.getvalue()
