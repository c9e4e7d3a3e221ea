"""The ecommerce_support template's dbt project (the bundled one with identity resolution, its marts, the stripe,
zendesk_support and salesforce plugins' models) builds with dbt-snowflake (against fakesnow) on raw tables shaped
the way Airbyte's source-stripe and source-zendesk-support land them, and yields exactly the audience and the
identity map it builds on DuckDB from the exports: the Dashboard's `Created (UTC)` text becomes the API's Unix
seconds, amounts the API's smallest units are numbers, Zendesk's ids numbers and its times TIMESTAMP_TZ."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from support.projects import make_shop_project
from tapestry.phases.sources import dbt_project_vars, source_streams
from tapestry.project.config import load_config
from tapestry.sources.base import raw_schema

SNOWFLAKE_TYPES = {
    "VARCHAR": "VARCHAR",
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMP_TZ",
    "BOOLEAN": "BOOLEAN",
    "BIGINT": "NUMBER(38,0)",
}
# source-stripe declares these integers (catalog-facts.stripe.json "types"): destination-snowflake lands numbers.
STRIPE_NUMBERS = {"created", "updated", "amount", "amount_refunded"}
COLUMNS = (
    "email_address, person_id, first_name, last_name, phone, in_stripe, in_zendesk, in_salesforce, order_count, "
    "lifetime_value, "
    "lifetime_value_currency, last_order_date, open_ticket_count, is_customer, has_open_ticket, customer_tag, "
    "open_ticket_tag, first_seen_at, last_seen_at"
)


def _epoch(text: str) -> int:
    """The API's Unix seconds for what the Dashboard's export writes (`2025-06-26 20:52`, UTC)."""
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC).timestamp())


def as_landed(remote: str, column: str, value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if value is None or not remote.startswith("TAPESTRY_RAW.STRIPE.") or column not in STRIPE_NUMBERS:
        return value
    text = str(value)
    return int(text) if text.isdigit() else _epoch(text)


def landed_type(remote: str, column: str, duckdb_type: str) -> str:
    if remote.startswith("TAPESTRY_RAW.STRIPE.") and column in STRIPE_NUMBERS:
        return "NUMBER(38,0)"
    return SNOWFLAKE_TYPES[duckdb_type]


def _normalise(row: list[object]) -> tuple[object, ...]:
    def one(value: object) -> object:
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat()
        if isinstance(value, str) and value[:4].isdigit() and "T" in value and value[-6] in "+-":
            return datetime.fromisoformat(value).astimezone(UTC).isoformat()
        if isinstance(value, Decimal) or (isinstance(value, str) and value.replace(".", "", 1).isdigit()):
            return Decimal(str(value)).quantize(Decimal("0.01"))
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return value

    return tuple(one(v) for v in row)


def test_the_shop_template_builds_the_same_audience_on_snowflake(tmp_path: Path) -> None:
    (tmp_path / "local").mkdir()
    shop = make_shop_project(tmp_path / "local", rows=800, seed=13)
    config = load_config(shop.project)
    raw_tables = {
        table: f"TAPESTRY_RAW.{raw_schema(stream.source)}.{stream.name.upper()}"
        for table, stream in source_streams(config).items()
    }
    assert set(raw_tables.values()) == {
        "TAPESTRY_RAW.STRIPE.CUSTOMERS",
        "TAPESTRY_RAW.STRIPE.CHARGES",
        "TAPESTRY_RAW.ZENDESK.USERS",
        "TAPESTRY_RAW.ZENDESK.TICKETS",
        "TAPESTRY_RAW.SALESFORCE.CONTACT",
    }
    (tmp_path / "vars.json").write_text(json.dumps(dbt_project_vars(config, raw_schema)))
    raw: dict[str, dict[str, object]] = {}
    with duckdb.connect(str(shop.warehouse), read_only=True) as con:
        for local, remote in raw_tables.items():
            columns = [(name, type_) for name, type_, *_ in con.execute(f"describe {local}").fetchall()]
            rows = con.execute(f"select * from {local}").fetchall()
            raw[remote] = {
                "columns": [(name, landed_type(remote, name, type_)) for name, type_ in columns],
                "rows": [[as_landed(remote, name, v) for (name, _), v in zip(columns, r, strict=True)] for r in rows],
            }
        expected = con.execute(f"select {COLUMNS} from marts.audience").fetchall()
        expected_rejected = dict(
            con.execute("select reason, count(*) from marts.audience_rejected_records group by 1").fetchall()
        )
        identity = con.execute("select record_id, person_id, matched_by from marts.identity_map").fetchall()
        expected_identity = sorted([str(v) for v in r] for r in identity)
    # what Airbyte would land: Unix seconds in STRIPE.CUSTOMERS.CREATED, not the Dashboard's text
    created = [c for c, _ in raw["TAPESTRY_RAW.STRIPE.CUSTOMERS"]["columns"]].index("created")  # type: ignore[union-attr]
    assert all(isinstance(r[created], int) for r in raw["TAPESTRY_RAW.STRIPE.CUSTOMERS"]["rows"])  # type: ignore[union-attr]
    (tmp_path / "raw.json").write_text(json.dumps(raw))

    result = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).with_name("fakesnow_dbt.py")),
            str(tmp_path / "raw.json"),
            str(shop.project / "dbt_project"),
            str(tmp_path / "dbt-work"),
            str(tmp_path / "vars.json"),
            COLUMNS,
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    built = json.loads(result.stdout.strip().splitlines()[-1])
    # 5 staging, 3 people, union, 3 identity steps, identity_map, people, 3 identity reports, 2 facts, audience,
    # rejected
    assert built["models"] == 21
    assert sorted(_normalise(r) for r in built["audience"]) == sorted(_normalise(list(r)) for r in expected)
    assert built["rejected"] == expected_rejected
    # Stripe customers and Zendesk users (numeric ids on Snowflake) resolve to the same people, with the same ids
    assert built["identity"] == expected_identity
    assert built["identity_rebuilt"] == expected_identity, "a rebuild keeps every person id"
    assert {r[0].split(":")[0] for r in expected_identity} == {"stripe", "zendesk", "salesforce"}
    assert len({person for _, person, _ in expected_identity}) < len(expected_identity)
