"""An independent, plain-Python implementation of the ecommerce_support audience, used as a test oracle.

It reads the demo export files directly (not the warehouse) and applies the documented rules: the people are
resolved from the shop's three sources by identity resolution (support.audience_oracle: normalised e-mails,
phones as E.164, blocked values, limits; Stripe's non-deleted customers, Zendesk's end-users neither deleted nor
suspended, the latest non-deleted Salesforce contacts; sources ranked stripe, zendesk, salesforce as the
template lists them); each person's facts come from every record of theirs: the successful, captured charges
not refunded in full of all their Stripe customers, net of refunds, in the smallest currency unit (÷ 100 here:
the demo's currencies are usd and eur), lifetime value in the currency of the latest order; the tickets their
Zendesk users asked in new, open, pending or hold. One row per golden e-mail, as the audience has.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from support.audience_oracle import Person, Record, audience_people, read_records, resolve

OPEN = {"new", "open", "pending", "hold"}
SOURCE_ORDER = ("stripe", "zendesk", "salesforce")  # the template's `sources:`


@dataclass
class Facts:
    sources: set[str] = field(default_factory=set)
    orders: list[tuple[datetime, str, str, int]] = field(default_factory=list)  # created, charge id, currency, net
    open_tickets: int = 0

    def row(self) -> dict[str, object]:
        latest = max(self.orders, default=None)
        currency = latest[2] if latest else None
        value = sum(net for _, _, c, net in self.orders if c == currency)
        return {
            "order_count": len(self.orders),
            "lifetime_value": Decimal(value) / 100,
            "last_order_date": latest[0].date() if latest else None,
            "open_ticket_count": self.open_tickets,
            "customer_tag": "customer" if self.orders else None,
            "open_ticket_tag": "has open ticket" if self.open_tickets else None,
            "in_stripe": "stripe" in self.sources,
            "in_zendesk": "zendesk" in self.sources,
            "in_salesforce": "salesforce" in self.sources,
        }


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _names(full: object) -> tuple[str | None, str | None]:
    """The staging models' split of a full name: the first word, and the rest."""
    name = str(full or "").strip()
    if not name:
        return None, None
    first = name.split(" ", 1)[0]
    return first, name[len(first) :].strip() or None


def _zendesk_time(value: object) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def shop_records(exports: Path) -> list[Record]:
    """The people records of the shop's three sources, as their people models give them."""
    records: list[Record] = []
    with (exports / "stripe" / "unified_customers.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            created = datetime.strptime(row["Created (UTC)"], "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
            first, last = _names(row["Name"])
            records.append(
                Record(
                    source="stripe",
                    record_id=row["id"],
                    email_raw=_text(row["Email"]),
                    first_name=first,
                    last_name=last,
                    webinar_id=None,
                    first_seen=created,
                    updated=created,  # the Dashboard's export has no `updated`: the staging model's fallback
                    source_id=f"stripe:{row['id']}",
                    phones_raw=(_text(row["Phone"]),),
                )
            )
    for user in _lines(exports / "zendesk" / "users.json"):
        if user["role"] != "end-user" or user["active"] is False or user["suspended"]:
            continue
        first, last = _names(user["name"])
        created = _zendesk_time(user["created_at"])
        records.append(
            Record(
                source="zendesk",
                record_id=str(user["id"]),
                email_raw=_text(user["email"]),
                first_name=first,
                last_name=last,
                webinar_id=None,
                first_seen=created,
                updated=_zendesk_time(user["updated_at"] or user["created_at"]),
                source_id=f"zendesk:{user['id']}",
                phones_raw=(_text(user["phone"]),),
            )
        )
    return records + read_records([], [exports / "salesforce" / "contacts.jsonl"])


def shop_people(exports: Path) -> list[Person]:
    return resolve(shop_records(exports), source_order=SOURCE_ORDER)


def expected_shop_audience(exports: Path) -> dict[str, dict[str, object]]:
    people = shop_people(exports)
    facts = {person.person_id: Facts() for person in people}
    customer_of: dict[str, str] = {}  # Stripe customer id -> person
    requester_of: dict[str, str] = {}  # Zendesk user id -> person
    for person in people:
        for item in person.items:
            facts[person.person_id].sources.add(item.record.source)
            if item.record.source == "stripe":
                customer_of[item.record.record_id] = person.person_id
            elif item.record.source == "zendesk":
                requester_of[item.record.record_id] = person.person_id

    for charge in _lines(exports / "stripe" / "charges.jsonl"):
        owner = customer_of.get(str(charge["customer"] or ""))
        if owner and charge["status"] == "succeeded" and charge["captured"] is not False:
            created = datetime.fromtimestamp(int(str(charge["created"])), UTC)
            net = int(str(charge["amount"])) - int(str(charge["amount_refunded"] or 0))
            if net > 0:  # a charge refunded in full is no order
                facts[owner].orders.append((created, str(charge["id"]), str(charge["currency"]), net))
    for ticket in _lines(exports / "zendesk" / "tickets.json"):
        owner = requester_of.get(str(ticket["requester_id"]))
        if owner and ticket["status"] in OPEN:
            facts[owner].open_tickets += 1

    return {address: facts[person.person_id].row() for address, person in audience_people(people).items()}


def as_date(value: object) -> date | None:
    return value if isinstance(value, date) or value is None else date.fromisoformat(str(value))
