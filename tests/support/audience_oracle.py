"""An independent, plain-Python implementation of the audience rules, used as a test oracle.

It reads the raw export files directly (not the warehouse) and applies the documented rules (README,
"Identity resolution"), with the default `identity:` settings or the exact-email ones (`exact_email=True`):

- records: the latest Salesforce version per Id, deleted ones dropped; Zoom registrations de-duplicated per
  (webinar, registrant);
- identifiers: the e-mail (delivered form lower(trim), look-alikes folded; matched with Gmail dots/+tags,
  googlemail.com and +tags at the listed providers ignored), phones as E.164 (default country US), the
  Salesforce id (15-character ids completed to 18);
- blocked values: role inboxes, junk phones, values shared by more e-mails/phones/names than one person has;
- people: connected components over the unblocked values two records share, cut by the limits;
- survivorship per field: most recent non-null value, shared/role addresses last, ties to the source listed
  first (the template's order: Salesforce, then Zoom), then the smallest record id; the audience has one row
  per golden e-mail (the person with more records wins).

Other templates' oracles (support.shop_oracle) build Records of their own sources and resolve them here.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

VALID_EMAIL = re.compile(
    r"[a-z0-9!#$%&*+/=?^_`{|}~-]+([.][a-z0-9!#$%&*+/=?^_`{|}~-]+)*@([a-z0-9]([a-z0-9-]*[a-z0-9])?[.])+[a-z]{2,}"
)
WHITESPACE = " \t\n\r\xa0"
PLUS_TAG_DOMAINS = {
    "outlook.com", "hotmail.com", "hotmail.co.uk", "live.com", "msn.com", "icloud.com", "me.com", "mac.com",
    "fastmail.com", "fastmail.fm",
}  # fmt: skip
ROLE_LOCAL_PARTS = {
    "admin", "accounts", "billing", "careers", "contact", "enquiries", "events", "finance", "hello", "help", "hr",
    "info", "inquiries", "jobs", "mail", "marketing", "media", "no-reply", "noreply", "office", "press",
    "reception", "sales", "service", "support", "team", "webinars", "webmaster",
}  # fmt: skip
# What unicodedata calls these letters: fullwidth forms fold with NFKC; these are the look-alikes the demo uses
LOOKALIKES = {"\u0430": "a", "\u0435": "e", "\u043e": "o", "\u0440": "p", "\u0441": "c", "\u0445": "x"}
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
MAX_EMAILS = MAX_PHONES = 5
MAX_NAMES = 2
RULES = ("source_id", "email", "phone")  # strongest first
SOURCE_ORDER = ("salesforce", "zoom")  # the zoom_salesforce_mailchimp template's `sources:` order


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
    source_id: str = ""
    phones_raw: tuple[str | None, ...] = ()


def email_key(raw: str | None) -> str | None:
    """Today's exact-email identity: lower(trim(email))."""
    if raw is None:
        return None
    key = raw.strip(WHITESPACE).lower()
    return key or None


def fold(text: str) -> str:
    import unicodedata

    out = []
    for char in text:
        if char in INVISIBLE:
            continue
        ascii_form = unicodedata.normalize("NFKC", char) if 0xFF01 <= ord(char) <= 0xFF5E else char
        if char in "\uff07\uff3c":  # fullwidth quote and backslash: not folded (no valid address has them)
            ascii_form = char
        out.append(LOOKALIKES.get(ascii_form.lower(), ascii_form))  # addresses are compared lower-cased
    return "".join(out)


def email_address(raw: str | None, exact: bool = False) -> str | None:
    if raw is None:
        return None
    return email_key(raw if exact else fold(raw))


def match_key(address: str, exact: bool = False) -> str:
    local, _, domain = address.partition("@")
    if exact:
        return address
    if domain == "googlemail.com":
        domain = "gmail.com"
    untagged = local.split("+", 1)[0] or local
    if domain == "gmail.com":
        local = untagged.replace(".", "") or local
    elif domain in PLUS_TAG_DOMAINS:
        local = untagged
    return f"{local}@{domain}"


def e164(raw: str | None) -> str | None:
    """North American default country: trunk prefix 1, international prefix 011."""
    if not raw:
        return None
    text = raw.strip().lower().replace("(0)", "")
    text = text.removeprefix("tel:")
    text = re.split(r"[a-z#;,/]", text, maxsplit=1)[0]
    digits = re.sub(r"\D", "", text)
    if not digits:
        return None
    if text.startswith(("+", "(+")):
        pass
    elif digits.startswith("011"):
        digits = digits[3:]
    elif digits.startswith("00"):  # the rest of the world's international prefix
        digits = digits[2:]
    elif not (len(digits) == 11 and digits.startswith("1")):
        digits = "1" + digits
    if not 8 <= len(digits) <= 15 or digits.startswith("0"):
        return None
    if digits.startswith("1") and (len(digits) != 11 or digits[1] in "01" or digits[4] in "01"):
        return None
    return "+" + digits


def junk_phone(number: str) -> bool:
    tail = number[-7:]
    return len(set(tail)) == 1 or tail in ("1234567", "7654321", "0123456")


def salesforce_id18(id15: str) -> str:
    suffix = ""
    for chunk in range(3):
        bits = sum(1 << i for i, ch in enumerate(id15[chunk * 5 : chunk * 5 + 5]) if ch.isupper())
        suffix += "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[bits]
    return id15 + suffix


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
            "salesforce:" + (salesforce_id18(cid.strip()) if len(cid.strip()) == 15 else cid.strip()),
            (row.get("Phone"), row.get("MobilePhone")),  # type: ignore[arg-type]
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
                    f"zoom:{rid}",
                    (row.get("phone"),),
                )
    return records + list(registrations.values())


def status(record: Record, exact: bool = False) -> str:
    key = email_address(record.email_raw, exact)
    if key is None:
        return "missing"
    return "valid" if VALID_EMAIL.fullmatch(key) else "malformed"


@dataclass
class Identified:
    record: Record
    address: str | None  # valid delivered address
    email: str | None  # match key
    phones: list[str] = field(default_factory=list)

    @property
    def record_id(self) -> str:
        return f"{self.record.source}:{self.record.record_id}"


def _identify(records: list[Record], exact: bool) -> list[Identified]:
    out = []
    for record in records:
        address = email_address(record.email_raw, exact) if status(record, exact) == "valid" else None
        phones = [] if exact else list(dict.fromkeys(p for p in map(e164, record.phones_raw) if p))
        out.append(Identified(record, address, match_key(address, exact) if address else None, phones))
    return out


def _blocked(items: list[Identified], exact: bool) -> set[tuple[str, str]]:
    if exact:
        return set()
    holders: dict[tuple[str, str], list[Identified]] = defaultdict(list)
    for item in items:
        if item.email:
            holders[("email", item.email)].append(item)
        for phone in item.phones:
            holders[("phone", phone)].append(item)
    blocked = set()
    for (kind, value), who in holders.items():
        if len(who) < 2:
            continue
        emails = {i.email for i in who if i.email}
        phones = {p for i in who for p in i.phones}
        firsts = {i.record.first_name.lower() for i in who if i.record.first_name}
        lasts = {i.record.last_name.lower() for i in who if i.record.last_name}
        if (
            (kind == "email" and value.split("@")[0] in ROLE_LOCAL_PARTS)
            or (kind == "phone" and junk_phone(value))
            or (kind == "phone" and len(emails) > MAX_EMAILS)
            or (kind == "email" and len(phones) > MAX_PHONES)
            or (len(firsts) > MAX_NAMES and len(lasts) > MAX_NAMES)
        ):
            blocked.add((kind, value))
    return blocked


def _components(items: list[Identified], rules: tuple[str, ...], blocked: set[tuple[str, str]]) -> list[list[int]]:
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_holder: dict[tuple[str, str], int] = {}
    for index, item in enumerate(items):
        values = []
        if "source_id" in rules:
            values.append(("source_id", item.record.source_id))
        if "email" in rules and item.email:
            values.append(("email", item.email))
        if "phone" in rules:
            values += [("phone", p) for p in item.phones]
        for value in values:
            if value in blocked:
                continue
            if value in first_holder:
                parent[find(index)] = find(first_holder[value])
            else:
                first_holder[value] = index
    groups: dict[int, list[int]] = defaultdict(list)
    for index in range(len(items)):
        groups[find(index)].append(index)
    return list(groups.values())


def _over_limits(items: list[Identified]) -> bool:
    emails = {i.email for i in items if i.email}
    phones = {p for i in items for p in i.phones}
    return len(emails) > MAX_EMAILS or len(phones) > MAX_PHONES


def people(records: list[Record], exact_email: bool = False) -> list[list[Identified]]:
    """The people: records grouped by the match rules (all of them, or the e-mail alone when exact)."""
    items = _identify(records, exact_email)
    blocked = _blocked(items, exact_email)
    rules = ("email",) if exact_email else RULES
    resolved: list[list[Identified]] = []
    pending = [items]
    for level in range(len(rules), 0, -1):
        next_pending = []
        for group in pending:
            for component in _components(group, rules[:level], blocked):
                members = [group[i] for i in component]
                if level > 1 and _over_limits(members):
                    next_pending.append(members)
                else:
                    resolved.append(members)
        pending = next_pending
    return resolved


def _penalty(item: Identified, blocked: set[tuple[str, str]], exact: bool) -> int:
    email = item.email or ""
    if exact:
        return 0
    return 1 if ("email", email) in blocked or email.split("@")[0] in ROLE_LOCAL_PARTS else 0


def _order(item: Identified, source_order: tuple[str, ...]) -> tuple[float, int, str]:
    record = item.record
    rank = source_order.index(record.source) if record.source in source_order else len(source_order)
    return (-record.updated.timestamp(), rank, item.record_id)


@dataclass
class Person:
    person_id: str  # as a first build assigns it: md5 of the smallest record id
    items: list[Identified]
    address: str | None  # the golden e-mail
    row: dict[str, object]


def resolve(
    records: list[Record], exact_email: bool = False, source_order: tuple[str, ...] = SOURCE_ORDER
) -> list[Person]:
    blocked = _blocked(_identify(records, exact_email), exact_email)

    def order(item: Identified) -> tuple[float, int, str]:
        return _order(item, source_order)

    resolved = []
    for items in people(records, exact_email):
        with_address = [i for i in items if i.address]
        golden = (
            min(with_address, key=lambda i: (_penalty(i, blocked, exact_email), *order(i))) if with_address else None
        )

        def winner(attr: str, items: list[Identified] = items) -> str | None:
            candidates = [i for i in items if getattr(i.record, attr) is not None]
            return str(getattr(min(candidates, key=order).record, attr)) if candidates else None

        resolved.append(
            Person(
                hashlib.md5(min(i.record_id for i in items).encode()).hexdigest(),
                items,
                golden.address if golden else None,
                {
                    "first_name": winner("first_name"),
                    "last_name": winner("last_name"),
                    "in_zoom": any(i.record.source == "zoom" for i in items),
                    "in_salesforce": any(i.record.source == "salesforce" for i in items),
                    "webinar_count": len({i.record.webinar_id for i in items if i.record.webinar_id}),
                    "first_seen_at": min(i.record.first_seen for i in items),
                    "last_seen_at": max(i.record.updated for i in items),
                },
            )
        )
    return resolved


def audience_people(resolved: list[Person]) -> dict[str, Person]:
    """One person per golden e-mail: the one with more records, then the smallest person id."""
    kept: dict[str, Person] = {}
    for person in resolved:
        if person.address is None:
            continue
        other = kept.get(person.address)
        if other is None or (-len(person.items), person.person_id) < (-len(other.items), other.person_id):
            kept[person.address] = person
    return kept


def expected_audience(records: list[Record], exact_email: bool = False) -> dict[str, dict[str, object]]:
    return {address: person.row for address, person in audience_people(resolve(records, exact_email)).items()}


def expected_rejections(records: list[Record], exact_email: bool = False) -> dict[str, int]:
    """Records whose person is not in the audience: by their own e-mail's verdict, or shared_email."""
    resolved = resolve(records, exact_email)
    kept = {person.person_id for person in audience_people(resolved).values()}
    counts: dict[str, int] = {}
    for person in resolved:
        if person.person_id in kept:
            continue
        for item in person.items:
            verdict = "shared_email" if person.address else status(item.record, exact_email)
            counts[verdict] = counts.get(verdict, 0) + 1
    return counts
