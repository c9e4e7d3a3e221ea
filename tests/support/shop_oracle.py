"""An independent, plain-Python implementation of the ecommerce_support audience, used as a test oracle.

It reads the demo export files directly (not the warehouse) and applies the documented rules: identity
lower(trim(email)) and the e-mail syntax check (support.audience_oracle); Stripe customers (not deleted) and their
successful, captured charges, net of refunds, in the smallest currency unit (÷ 100 here: the demo's currencies are
usd and eur); lifetime value in the currency of the latest order; Zendesk end-users neither deleted nor
suspended, and their tickets in new, open, pending or hold; the latest non-deleted Salesforce contacts.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from support.audience_oracle import VALID_EMAIL, email_key

OPEN = {"new", "open", "pending", "hold"}


@dataclass
class Person:
    sources: set[str] = field(default_factory=set)
    orders: list[tuple[datetime, str, str, int]] = field(default_factory=list)  # created, charge id, currency, net
    open_tickets: int = 0

    def facts(self) -> dict[str, object]:
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


def _valid(raw: object) -> str | None:
    key = email_key(raw if isinstance(raw, str) else None)
    return key if key and VALID_EMAIL.fullmatch(key) else None


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def expected_shop_audience(exports: Path) -> dict[str, dict[str, object]]:
    people: dict[str, Person] = {}

    def person(key: str) -> Person:
        return people.setdefault(key, Person())

    customer_email: dict[str, str | None] = {}
    with (exports / "stripe" / "unified_customers.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            key = email_key(row["Email"])
            customer_email[row["id"]] = key
            if _valid(row["Email"]):
                person(key or "").sources.add("stripe")
    for charge in _lines(exports / "stripe" / "charges.jsonl"):
        key = customer_email.get(str(charge["customer"] or ""))
        if key and VALID_EMAIL.fullmatch(key) and charge["status"] == "succeeded" and charge["captured"] is not False:
            created = datetime.fromtimestamp(int(str(charge["created"])), UTC)
            net = int(str(charge["amount"])) - int(str(charge["amount_refunded"] or 0))
            person(key).orders.append((created, str(charge["id"]), str(charge["currency"]), net))

    end_users: dict[int, str] = {}
    for user in _lines(exports / "zendesk" / "users.json"):
        key = _valid(user["email"])
        if user["role"] == "end-user" and user["active"] is not False and not user["suspended"] and key:
            end_users[int(str(user["id"]))] = key
            person(key).sources.add("zendesk")
    for ticket in _lines(exports / "zendesk" / "tickets.json"):
        requester = end_users.get(int(str(ticket["requester_id"])))
        if requester and ticket["status"] in OPEN:
            person(requester).open_tickets += 1

    latest: dict[str, dict[str, object]] = {}
    for contact in _lines(exports / "salesforce" / "contacts.jsonl"):
        current = latest.get(str(contact["Id"]))
        if current is None or str(contact["SystemModstamp"]) >= str(current["SystemModstamp"]):
            latest[str(contact["Id"])] = contact
    for contact in latest.values():
        key = _valid(contact["Email"])
        if key and not contact["IsDeleted"]:
            person(key).sources.add("salesforce")
    return {key: p.facts() for key, p in people.items()}


def as_date(value: object) -> date | None:
    return value if isinstance(value, date) or value is None else date.fromisoformat(str(value))
