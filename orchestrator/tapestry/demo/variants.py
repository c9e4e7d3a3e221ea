"""How people spell the same person: names from many languages, e-mails and phones as they are typed, times
in each tool's format. Shared by every demo template's generator."""

from __future__ import annotations

import random
import unicodedata
from datetime import UTC, datetime, timedelta

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


def ascii_handle(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in plain if ch.isalnum())


def iso_time(ts: datetime, salesforce: bool) -> str:
    if salesforce:  # Salesforce's own format: 2026-01-05T10:00:00.000+0000
        return ts.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def vary_email(rng: random.Random, email: str) -> str:
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


def random_phone(rng: random.Random) -> str:
    """A North American number (area code and exchange never start with 0 or 1)."""
    return f"{rng.randrange(201, 990)}{rng.randrange(200, 1000)}{rng.randrange(10_000):04d}"


def vary_phone(rng: random.Random, digits: str) -> str:
    """The same number as people type it."""
    area, exchange, line = digits[:3], digits[3:6], digits[6:]
    return rng.choice(
        (
            f"({area}) {exchange}-{line}",
            f"{area}-{exchange}-{line}",
            f"+1 {area} {exchange} {line}",
            f"1{area}{exchange}{line}",
            f"{area}.{exchange}.{line}",
            f"+1-{area}-{exchange}-{line} x{rng.randrange(10, 999)}",
        )
    )


def bad_email(rng: random.Random, first: str, last: str) -> str:
    if rng.random() < 0.5:
        return ""
    pattern = rng.choice(MALFORMED)
    return pattern.format(*([ascii_handle(first) or "user", ascii_handle(last) or "name"][: pattern.count("{}")]))


def random_time(rng: random.Random, low: int = 0, high: int = SPAN_SECONDS) -> datetime:
    return BASE_TIME + timedelta(seconds=rng.randrange(low, high))
