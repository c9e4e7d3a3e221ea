"""Zoom and Salesforce exports with known true people, for measuring identity resolution.

Independent of the demo generator on purpose (its own names, its own traps), so a test does not grade the
identity rules on the data they were tuned on. Every record is written with the true person it belongs to
(`Truth.person_of`: record_id -> person). The traps:

- the same mailbox spelled differently: case, whitespace, Gmail dots and +tags, googlemail.com, +tags at
  Outlook/Hotmail/iCloud/Fastmail, fullwidth and Cyrillic look-alike characters, zero-width spaces;
- a work address in the CRM and a personal one on the webinar, with the same phone in another format;
- phones written every way (national, +1, 001, dots, extensions);
- the same Salesforce contact exported with its 18-character id (API) and its 15-character id (a report);
- a bad or missing e-mail on a record whose phone still tells whose it is;
- shared team inboxes (info@, team@, and one unlisted inbox several people use);
- junk phones (000-000-0000, 123-456-7890, (555) 555-5555) and a company switchboard many people give;
- nicknames and missing names.
"""

from __future__ import annotations

import csv
import json
import random
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

FIRST = (
    "Jane", "John", "Maria", "Wei", "Fatima", "Olu", "Sven", "Ines", "Raj", "Yuki", "Pedro", "Anna", "Tom", "Lea",
    "Omar", "Nina", "Hugo", "Zara", "Ivan", "Mei", "Kofi", "Sara", "Luca", "Emma", "Noah", "Aiko", "Dana", "Eli",
)  # fmt: skip
LAST = (
    "Doe", "Smith", "Garcia", "Zhang", "Khan", "Adeyemi", "Berg", "Costa", "Patel", "Sato", "Alves", "Novak",
    "Brown", "Meyer", "Haddad", "Ivanova", "Laurent", "Malik", "Petrov", "Lin", "Mensah", "Cohen", "Rossi",
    "Jensen", "Moreau", "Tanaka", "Quinn", "Walsh",
)  # fmt: skip
NICK = {"John": "Johnny", "Maria": "Mia", "Tom": "Tommy", "Anna": "Annie", "Ivan": "Vanya", "Emma": "Em"}
WORK_DOMAINS = ("acme-corp.com", "globex.io", "initech.net", "umbrella.org", "hooli.com", "stark.dev")
TAG_PROVIDERS = ("outlook.com", "hotmail.com", "icloud.com", "fastmail.com")
ROLE_INBOXES = ("info@acme-corp.com", "team@globex.io", "sales@initech.net")
UNLISTED_SHARED = "growth-squad@hooli.com"  # not a role name: only its many different names give it away
JUNK_PHONES = ("000-000-0000", "123-456-7890", "(555) 555-5555", "0000000000")
SWITCHBOARD = "+1 (212) 555-0100"
BASE = datetime(2026, 1, 1, tzinfo=UTC)
SF_ALPHABET = string.ascii_letters + string.digits


def salesforce_id18(id15: str) -> str:
    """The case-safe 18-character form: per 5-character chunk, which characters are capitals, as A-Z0-5."""
    suffix = ""
    for chunk in range(3):
        bits = sum(1 << i for i, ch in enumerate(id15[chunk * 5 : chunk * 5 + 5]) if ch.isupper())
        suffix += "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[bits]
    return id15 + suffix


@dataclass
class Person:
    index: int
    first: str
    last: str
    email: str  # the person's main address
    work_email: str | None
    phone: str | None  # 10 digits (North American)


@dataclass
class Truth:
    person_of: dict[str, str] = field(default_factory=dict)  # record_id -> true person
    zoom_rows: list[dict[str, str]] = field(default_factory=list)
    salesforce_rows: list[dict[str, object]] = field(default_factory=list)

    def add_zoom(self, person: str, row: dict[str, str]) -> None:
        self.zoom_rows.append(row)
        self.person_of[f"zoom:{row['webinar_id']}:{row['id']}"] = person

    def add_salesforce(self, person: str, row: dict[str, object]) -> None:
        self.salesforce_rows.append(row)
        if not row["IsDeleted"]:
            self.person_of[f"salesforce:{row['Id']}"] = person


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.truth = Truth()
        self.webinars = [str(90_000_000_000 + i) for i in range(6)]
        self._registrant = 0

    # --- spellings ---------------------------------------------------------------------------------------

    def phone_text(self, digits: str) -> str:
        a, b, c = digits[:3], digits[3:6], digits[6:]
        return self.rng.choice(
            (
                f"({a}) {b}-{c}",
                f"{a}-{b}-{c}",
                f"+1 {a} {b} {c}",
                f"1-{a}-{b}-{c}",
                f"{a}.{b}.{c}",
                f"011 1 {a} {b} {c}",
                f"+1 {a}-{b}-{c} ext. {self.rng.randrange(10, 99)}",
                f"{a}{b}{c}",
            )
        )

    def email_variant(self, email: str) -> str:
        rng = self.rng
        local, _, domain = email.partition("@")
        roll = rng.random()
        if domain == "gmail.com" and roll < 0.6:
            plain = local.replace(".", "")
            local = rng.choice((plain, f"{plain[:3]}.{plain[3:]}", f"{local}+{rng.choice(('shop', 'news'))}"))
            domain = rng.choice(("gmail.com", "googlemail.com", "Gmail.com"))
        elif domain in TAG_PROVIDERS and roll < 0.5:
            local = f"{local}+{rng.choice(('zoom', 'crm', 'x1'))}"
        text = f"{local}@{domain}"
        roll = rng.random()
        if roll < 0.15:
            text = text.upper()
        elif roll < 0.3:
            text = text.title()
        roll = rng.random()
        if roll < 0.03:
            text = text.replace("@", "\uff20")  # fullwidth commercial at
        elif roll < 0.06 and "a" in text:
            text = text.replace("a", "\u0430", 1)  # Cyrillic small a
        elif roll < 0.08:
            text = text.replace("@", "\u200b@")  # zero-width space
        if rng.random() < 0.1:
            text = rng.choice((f" {text}", f"{text} ", f"\t{text}"))
        return text

    def bad_email(self, person: Person) -> str:
        return self.rng.choice(("", f"{person.first.lower()}@", f"{person.first} {person.last}@mail", "n/a"))

    def name(self, person: Person) -> tuple[str, str]:
        first = NICK.get(person.first, person.first) if self.rng.random() < 0.15 else person.first
        last = "" if self.rng.random() < 0.05 else person.last
        return first, last

    def when(self) -> str:
        return (BASE + timedelta(seconds=self.rng.randrange(300 * 24 * 3600))).strftime("%Y-%m-%dT%H:%M:%SZ")

    # --- records -----------------------------------------------------------------------------------------

    def zoom(self, person_key: str, email: str, first: str, last: str, phone: str) -> None:
        self._registrant += 1
        webinar = self.rng.choice(self.webinars)
        rid = f"r{self._registrant:07d}"
        self.truth.add_zoom(
            person_key,
            {
                "id": rid,
                "webinar_id": webinar,
                "email": email,
                "first_name": first,
                "last_name": last,
                "phone": phone,
                "status": "approved",
                "create_time": self.when(),
                "join_url": f"https://zoom.us/w/{webinar}?tk={rid}",
            },
        )

    def salesforce(
        self, person_key: str, id18: str, email: str, first: str, last: str, phone: str, mobile: str = ""
    ) -> None:
        stamp = self.when().replace("Z", ".000+0000")
        self.truth.add_salesforce(
            person_key,
            {
                "Id": id18,
                "Email": email or None,
                "FirstName": first or None,
                "LastName": last or None,
                "Phone": phone or None,
                "MobilePhone": mobile or None,
                "AccountId": None,
                "CreatedDate": stamp,
                "LastModifiedDate": stamp,
                "SystemModstamp": stamp,
                "IsDeleted": False,
            },
        )

    def new_id15(self) -> str:
        return "003" + "".join(self.rng.choice(SF_ALPHABET) for _ in range(12))

    def person(self, index: int) -> Person:
        rng = self.rng
        first, last = rng.choice(FIRST), rng.choice(LAST)
        handle = f"{first}.{last}{index}".lower()
        roll = rng.random()
        if roll < 0.35:
            email = f"{handle}@gmail.com"
        elif roll < 0.5:
            email = f"{handle}@{rng.choice(TAG_PROVIDERS)}"
        else:
            email = f"{handle}@{rng.choice(WORK_DOMAINS)}"
        work = f"{first[0]}{last}{index}@{rng.choice(WORK_DOMAINS)}".lower() if rng.random() < 0.15 else None
        phone = None
        if work or rng.random() < 0.65:  # the work/personal trap is only solvable through the phone
            phone = f"{rng.randrange(201, 990)}{rng.randrange(200, 1000)}{rng.randrange(10_000):04d}"
        return Person(index, first, last, email, work, phone)

    def records_of(self, person: Person) -> None:
        """1 to 4 records of one person across both sources, with the traps."""
        rng = self.rng
        key = f"p{person.index}"
        n = rng.choice((1, 1, 2, 2, 2, 3, 3, 4))
        in_crm = rng.random() < 0.6
        id15 = self.new_id15()
        for i in range(n):
            first, last = self.name(person)
            shown = person.work_email is not None or rng.random() < 0.8
            phone = self.phone_text(person.phone) if person.phone and shown else ""
            if not phone and rng.random() < 0.05:
                phone = rng.choice(JUNK_PHONES)
            email = self.email_variant(person.email)
            if person.phone and phone and rng.random() < 0.1:
                email = self.bad_email(person)  # the phone still tells whose record this is
            if in_crm and i == 0:
                crm_email = self.email_variant(person.work_email) if person.work_email else email
                self.salesforce(key, salesforce_id18(id15), crm_email, first, last, phone)
                if rng.random() < 0.1:  # the same contact in a report export: 15-character id, older address
                    self.salesforce(key, id15, "", first, last, "")
                continue
            self.zoom(key, email, first, last, phone)

    def shared_inboxes(self, start: int) -> int:
        """People who register with a team inbox (and their own phone, or none)."""
        index = start
        for inbox in (*ROLE_INBOXES, UNLISTED_SHARED):
            for _ in range(self.rng.randrange(3, 7)):
                person = self.person(index)
                self.zoom(f"p{index}", self.email_variant(inbox), person.first, person.last, "")
                index += 1
        return index

    def switchboard(self, start: int) -> int:
        """Colleagues who each give the company's switchboard number with their own address."""
        index = start
        for _ in range(8):
            person = self.person(index)
            self.zoom(f"p{index}", self.email_variant(person.email), person.first, person.last, SWITCHBOARD)
            index += 1
        return index


def generate(out: Path, people: int, seed: int = 3) -> Truth:
    """Write out/zoom/registrants.csv and out/salesforce/contacts.jsonl; return who is who."""
    gen = Generator(seed)
    for index in range(people):
        gen.records_of(gen.person(index))
    index = gen.switchboard(gen.shared_inboxes(people))
    del index
    write(out, gen.truth.zoom_rows, gen.truth.salesforce_rows)
    return gen.truth


def write(out: Path, zoom_rows: Iterable[dict[str, str]], salesforce_rows: Iterable[dict[str, object]]) -> None:
    zoom_rows, salesforce_rows = list(zoom_rows), list(salesforce_rows)
    (out / "zoom").mkdir(parents=True, exist_ok=True)
    (out / "salesforce").mkdir(parents=True, exist_ok=True)
    with (out / "zoom" / "registrants.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(zoom_rows[0]))
        writer.writeheader()
        writer.writerows(zoom_rows)
    with (out / "salesforce" / "contacts.jsonl").open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in salesforce_rows)


def pairwise(predicted: dict[str, str], truth: dict[str, str]) -> tuple[float, float, int, int]:
    """Pairwise precision and recall of a clustering (record -> cluster) against the truth, over the records
    both know; also the numbers of predicted and true pairs."""
    records = predicted.keys() & truth.keys()
    pred: dict[str, int] = {}
    true: dict[str, int] = {}
    both: dict[tuple[str, str], int] = {}
    for record in records:
        p, t = predicted[record], truth[record]
        pred[p] = pred.get(p, 0) + 1
        true[t] = true.get(t, 0) + 1
        both[(p, t)] = both.get((p, t), 0) + 1

    def pairs(counts: Iterable[int]) -> int:
        return sum(n * (n - 1) // 2 for n in counts)

    hits, predicted_pairs, true_pairs = pairs(both.values()), pairs(pred.values()), pairs(true.values())
    precision = hits / predicted_pairs if predicted_pairs else 1.0
    recall = hits / true_pairs if true_pairs else 1.0
    return precision, recall, predicted_pairs, true_pairs
