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

import hashlib
import io
import random
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from tapestry.demo.export_files import Format, write_export
from tapestry.demo.variants import (
    DOMAINS,
    FIRST_NAMES,
    LAST_NAMES,
    NICKNAMES,
    SPAN_SECONDS,
    ascii_handle,
    bad_email,
    iso_time,
    random_phone,
    random_time,
    vary_email,
    vary_phone,
)

ZOOM_COLUMNS = (
    "id", "webinar_id", "email", "first_name", "last_name", "phone", "status", "create_time", "join_url",
)  # fmt: skip
SALESFORCE_COLUMNS = (
    "Id", "Email", "FirstName", "LastName", "Phone", "MobilePhone", "AccountId", "CreatedDate", "LastModifiedDate",
    "SystemModstamp", "IsDeleted",
)  # fmt: skip
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
        handle = f"{ascii_handle(first) or 'user'}.{ascii_handle(last) or 'name'}{i}"
        roll = rng.random()
        provider = "gmail.com" if roll < 0.15 else rng.choice(PLUS_TAG_PROVIDERS) if roll < 0.2 else None
        email = f"{handle}@{provider or rng.choice(DOMAINS)}"
        roll = rng.random()
        in_salesforce, in_zoom = roll < 0.70, roll >= 0.35
        bad = rng.random() < 0.03  # this person's e-mail is missing or malformed everywhere
        phone = random_phone(rng) if rng.random() < 0.6 else ""
        mobile = random_phone(rng) if rng.random() < 0.15 else ""
        # in Zoom with a personal address while the CRM has the work one; the phone tells they are one person
        personal = f"{handle}@gmail.com" if in_zoom and in_salesforce and phone and rng.random() < 0.1 else None

        if in_salesforce:
            created = random_time(rng, 0, SPAN_SECONDS // 2)
            modified = created + timedelta(seconds=rng.randrange(0, SPAN_SECONDS // 2))
            salesforce_rows.append(
                (
                    f"003{i:015d}",
                    bad_email(rng, first, last) if bad else vary_email(rng, email),
                    first if rng.random() > 0.02 else "",
                    last,
                    vary_phone(rng, phone) if phone else rng.choice(JUNK_PHONES) if rng.random() < 0.01 else "",
                    vary_phone(rng, mobile) if mobile else "",
                    f"001{rng.randrange(10_000):015d}",
                    iso_time(created, True),
                    iso_time(modified, True),
                    iso_time(modified + timedelta(seconds=rng.randrange(0, 60)), True),
                    "true" if rng.random() < 0.01 else "false",
                )
            )

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
                    address = bad_email(rng, first, last)
                elif personal:
                    address = personal
                elif rng.random() < 0.01:  # registered with the team's shared inbox
                    address = rng.choice(SHARED_INBOXES)
                else:
                    address = email if rng.random() < 0.5 else _provider_variant(rng, email)
                    address = vary_email(rng, address)
                zoom_phone = ""
                if phone and rng.random() < 0.7:
                    zoom_phone = vary_phone(rng, phone)
                elif rng.random() < 0.02:
                    zoom_phone = rng.choice(JUNK_PHONES)
                zoom_rows[webinar].append(
                    (
                        registrant,
                        webinar,
                        address,
                        zoom_first,
                        zoom_last,
                        zoom_phone,
                        "approved",
                        iso_time(random_time(rng), False),
                        f"https://zoom.us/w/{webinar}?tk={registrant}",
                    )
                )

    # Desk phones passed along a team: each number is seen with two colleagues' addresses (nothing looks
    # shared), but together they chain seven people into one. The identity limits (at most 5 e-mails per
    # person) cut that chain apart again.
    for team in range(max(1, people // 20_000) if len(attendees) >= 7 else 0):
        desks = [random_phone(rng) for _ in range(6)]
        for n, (i, email, first, last) in enumerate(rng.sample(attendees, 7)):
            for phone in desks[max(0, n - 1) : n + 1]:
                webinar = rng.choice(webinars)
                registrant = hashlib.md5(f"{seed}:team{team}:{i}:{phone}".encode()).hexdigest()[:22]
                zoom_rows[webinar].append((
                    registrant, webinar, email, first, last, vary_phone(rng, phone), "approved",
                    iso_time(random_time(rng), False), f"https://zoom.us/w/{webinar}?tk={registrant}",
                ))  # fmt: skip

    zoom_fmt = "csv" if fmt == "mixed" else fmt
    salesforce_fmt = "jsonl" if fmt == "mixed" else fmt
    for webinar, rows in zoom_rows.items():
        path = out / "zoom" / f"webinar_{webinar}_registrants.{zoom_fmt}"
        summary.files_written += write_export(path, ZOOM_COLUMNS, rows, zoom_fmt)
        summary.zoom_rows += len(rows)
        summary.files.append(path)
    path = out / "salesforce" / f"contacts.{salesforce_fmt}"
    summary.files_written += write_export(path, SALESFORCE_COLUMNS, salesforce_rows, salesforce_fmt)
    summary.salesforce_rows = len(salesforce_rows)
    summary.files.append(path)
    return summary


def describe(summary: DemoSummary) -> str:
    buffer = io.StringIO()
    buffer.write(
        f"{summary.people:,} people -> {summary.salesforce_rows:,} Salesforce contacts, "
        f"{summary.zoom_rows:,} Zoom registrations in {summary.webinars} webinars"
    )
    return buffer.getvalue()
