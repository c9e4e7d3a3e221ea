"""Source plugins: what each package carries, their credential checks against the fakes, the settings that
refer to them, export files loaded by their shape, and the dbt models and vars made from a project's sources."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from tapestry.core.errors import ConfigError, IngestError
from tapestry.core.settings import SecretRef
from tapestry.engines.ingest import files as file_ingest
from tapestry.engines.ingest.streams import Column, Stream
from tapestry.engines.warehouse.duckdb_adapter import DuckDBWarehouse
from tapestry.phases.sources import add_source_models, dbt_sources_var, source_streams, stream_of_file
from tapestry.plugins import source_plugin, source_types
from tapestry.project.config import ProjectConfig, parse_config
from tapestry.sources.base import PEOPLE_COLUMNS

BUILT_IN = ("salesforce", "zoom", "stripe", "zendesk_support")


def config(sources: dict[str, Any], **extra: Any) -> ProjectConfig:
    return parse_config({"schema_version": 2, "project": "acme", "sources": sources, **extra}, "tapestry.yml")


# -- what a plugin package carries -----------------------------------------------------------------------------


def _test_names(column: dict[str, Any]) -> set[str]:
    """`unique`, or the name of a test given with arguments (`{relationships: {...}}`)."""
    return {t if isinstance(t, str) else next(iter(t)) for t in column.get("data_tests", [])}


@pytest.mark.parametrize("type_", BUILT_IN)
def test_each_built_in_plugin_ships_staging_models_with_key_tests_and_a_people_model(type_: str) -> None:
    assert type_ in source_types()
    plugin = source_plugin(type_)
    assert plugin.dbt_dir is not None and plugin.dbt_dir.is_dir()
    staging = plugin.dbt_dir / "models" / "staging" / type_
    models = {p.stem for p in staging.glob("stg_*.sql")}
    assert models and all(re.fullmatch(rf"stg_{type_}__[a-z_]+s", m) for m in models), models
    documented = {
        model["name"]: model
        for path in staging.glob("_*__models.yml")
        for model in yaml.safe_load(path.read_text())["models"]
    }
    for model in models:  # tests on every key: each staging model has a unique, not-null column
        keys = [c for c in documented[model]["columns"] if {"unique", "not_null"} <= _test_names(c)]
        assert keys, f"{model} has no key tested unique and not null"
    people = plugin.dbt_dir / "models" / "intermediate" / "people" / f"{plugin.people_model}.sql"
    sql = people.read_text()
    for column in PEOPLE_COLUMNS:
        assert re.search(rf"\b{column}\b", sql), f"{people.name} lacks {column}"
    assert f"config(enabled='{type_}' in var('tapestry_sources'" in sql, "off while the project has no such source"


# The phones each tool's API carries for a person (Zoom: the registration form's; Salesforce: Contact.Phone and
# MobilePhone; Stripe: Customer.phone; Zendesk: User.phone), landed raw and passed to identity resolution.
PHONES = {
    "zoom": ("webinar_registrants", ("phone",)),
    "salesforce": ("contact", ("phone", "mobilephone")),
    "stripe": ("customers", ("phone",)),
    "zendesk_support": ("users", ("phone",)),
}


@pytest.mark.parametrize("type_", BUILT_IN)
def test_each_built_in_plugin_lands_the_phones_of_its_people_and_hands_them_to_identity(type_: str) -> None:
    plugin = source_plugin(type_)
    stream_name, phones = PHONES[type_]
    (stream,) = [s for s in plugin.streams if s.name == stream_name]
    assert {c.name for c in stream.columns} >= set(phones)
    assert not any(c.required for c in stream.columns if c.name in phones), "a phone is optional in every export"
    assert plugin.dbt_dir is not None
    people = (plugin.dbt_dir / "models" / "intermediate" / "people" / f"{plugin.people_model}.sql").read_text()
    selected = {m.group(2): m.group(1) or "" for m in re.finditer(r"^\s+(.+ as )?(\w+),$", people, re.M)}
    assert {"phone_raw", "mobile_phone_raw"} <= selected.keys()
    assert "null" not in selected["phone_raw"], "the main phone is the source's own column"
    if len(phones) > 1:
        assert "null" not in selected["mobile_phone_raw"], "a second phone is passed on too"


@pytest.mark.parametrize("type_", BUILT_IN)
def test_each_built_in_plugin_declares_its_raw_stream_keys_and_airbyte_streams(type_: str) -> None:
    plugin = source_plugin(type_)
    assert plugin.streams and all(any(c.key for c in s.columns) for s in plugin.streams)
    assert plugin.airbyte is not None and plugin.airbyte.streams
    assert plugin.credentials is not None and plugin.credentials.fix


# -- credential checks, against the fakes --------------------------------------------------------------------


def test_zoom_credentials_are_checked_with_server_to_server_oauth() -> None:
    from fakes.zoom import FakeZoom

    plugin = source_plugin("zoom")
    assert plugin.credentials is not None
    with FakeZoom(account_id="acc-12345", client_id="zoomclient1", client_secret="zoom-s3cret") as zoom:
        source = config(
            {
                "zoom": {
                    "type": "zoom",
                    "account_id": "acc-12345",
                    "client_id": "zoomclient1",
                    "client_secret": {"secret": "zoom/client_secret"},
                    "oauth_url": zoom.root_url,
                }
            }
        ).sources["zoom"]
        granted = plugin.credentials.run(source, lambda ref: "zoom-s3cret")
        with pytest.raises(ValueError, match="Zoom refused") as refused:
            plugin.credentials.run(source, lambda ref: "wrong-s3cret")
    assert granted is not None and granted.startswith("token granted")
    assert "s3cret" not in str(refused.value)
    unset = config({"zoom": {"type": "zoom"}}).sources["zoom"]
    assert plugin.credentials.run(unset, lambda ref: None) is None


def test_salesforce_credentials_are_checked_with_the_refresh_token_grant() -> None:
    from fakes.salesforce import FakeSalesforce

    plugin = source_plugin("salesforce")
    assert plugin.credentials is not None
    secrets = {"salesforce/client_secret": "sf-s3cret", "salesforce/refresh_token": "sf-refresh-9"}
    with FakeSalesforce(client_id="sf-consumer-key-123", client_secret="sf-s3cret", refresh_token="sf-refresh-9") as sf:
        source = config(
            {
                "salesforce": {
                    "type": "salesforce",
                    "client_id": "sf-consumer-key-123",
                    "client_secret": {"secret": "salesforce/client_secret"},
                    "refresh_token": {"secret": "salesforce/refresh_token"},
                    "login_url": sf.root_url,
                }
            }
        ).sources["salesforce"]

        def lookup(ref: SecretRef) -> str | None:
            return secrets.get(ref.secret or "")

        valid = plugin.credentials.run(source, lookup)
        secrets["salesforce/refresh_token"] = "revoked-token"
        with pytest.raises(ValueError, match="Salesforce refused the refresh token") as refused:
            plugin.credentials.run(source, lookup)
    assert valid is not None and valid.startswith("refresh token valid for http")
    assert "revoked-token" not in str(refused.value) and "sf-s3cret" not in str(refused.value)


def _stripe(api_url: str, account_id: str = "acct_1AbC") -> Any:
    return config(
        {
            "shop": {
                "type": "stripe",
                "account_id": account_id,
                "api_key": {"secret": "stripe/api_key"},
                "api_url": api_url,
            }
        }
    ).sources["shop"]


def test_stripe_credentials_are_checked_by_reading_one_customer_as_source_stripe_does() -> None:
    from fakes.stripe import FakeStripe

    plugin = source_plugin("stripe")
    assert plugin.credentials is not None
    key = "sk_test_51AbCdEfGhIjKlMnOpQrStUvWx9z"
    with FakeStripe(account_id="acct_1AbC", secret_key=key) as stripe:
        readable = plugin.credentials.run(_stripe(stripe.api_url), lambda ref: key)
        (request,) = [e for e in stripe.request_log if e["route"] == "GET /v1/customers"]
        with pytest.raises(
            ValueError,
            match=r"Stripe refused the secret key \(HTTP 401: invalid_request_error: Invalid API Key provided: <key>\)",
        ) as wrong:
            plugin.credentials.run(_stripe(stripe.api_url), lambda ref: "sk_test_someoneElsesKey1234")
        with pytest.raises(ValueError, match="HTTP 403: account_invalid") as other_account:
            plugin.credentials.run(_stripe(stripe.api_url, "acct_9Other"), lambda ref: key)
        stripe.can_read_customers = False
        with pytest.raises(ValueError, match="rak_customer_read"):
            plugin.credentials.run(_stripe(stripe.api_url), lambda ref: key)
    assert readable == "customers of acct_1AbC readable (test mode)"
    assert request["query"] == {"limit": "1"} and request["headers"]["Stripe-Account"] == "acct_1AbC"
    assert request["headers"]["Stripe-Version"] == "2022-11-15"  # the version source-stripe pins
    for refused in (wrong.value, other_account.value):  # Stripe quotes the key it refused, masked: never repeated
        assert "1234" not in str(refused) and "9z" not in str(refused) and "sk_test" not in str(refused)
    assert plugin.credentials.run(config({"shop": {"type": "stripe"}}).sources["shop"], lambda ref: None) is None


def _zendesk(api_url: str, **auth: Any) -> Any:
    return config({"zendesk": {"type": "zendesk_support", "subdomain": "acme", "api_url": api_url, **auth}}).sources[
        "zendesk"
    ]


def test_zendesk_credentials_are_checked_with_the_api_token_or_oauth_and_the_connectors_own_check() -> None:
    from fakes.zendesk import FakeZendesk

    plugin = source_plugin("zendesk_support")
    assert plugin.credentials is not None
    token_auth = {"email": "admin@acme.example.com", "api_token": {"secret": "zendesk/api_token"}}
    with FakeZendesk(email="admin@acme.example.com", api_token="zd-token-1", access_token="zd-oauth-1") as zd:
        by_token = plugin.credentials.run(_zendesk(zd.api_url, **token_auth), lambda ref: "zd-token-1")
        by_oauth = plugin.credentials.run(
            _zendesk(zd.api_url, access_token={"secret": "zendesk/oauth"}), lambda ref: "zd-oauth-1"
        )
        with pytest.raises(
            ValueError, match=r"Zendesk refused the credentials \(HTTP 401: Couldn't authenticate you\)"
        ) as wrong:
            plugin.credentials.run(_zendesk(zd.api_url, **token_auth), lambda ref: "zd-revoked-token")
        with pytest.raises(ValueError, match="HTTP 401: The access token provided is expired"):
            plugin.credentials.run(_zendesk(zd.api_url, access_token={"secret": "x"}), lambda ref: "zd-old-oauth")
        zd.role = "end-user"
        with pytest.raises(ValueError, match="an end-user; use an agent or admin"):
            plugin.credentials.run(_zendesk(zd.api_url, **token_auth), lambda ref: "zd-token-1")
        zd.role = "agent"
        zd.organization_access_enabled = False
        with pytest.raises(ValueError, match="organization_access_enabled"):
            plugin.credentials.run(_zendesk(zd.api_url, **token_auth), lambda ref: "zd-token-1")
    assert by_token == f"API token of admin {zd.user_id} on acme.zendesk.com"
    assert by_oauth == f"OAuth token of admin {zd.user_id} on acme.zendesk.com"
    assert "zd-revoked-token" not in str(wrong.value)
    assert plugin.credentials.run(_zendesk("http://127.0.0.1:9"), lambda ref: None) is None  # nothing to sign in with


def test_zendesk_takes_one_way_to_sign_in() -> None:
    with pytest.raises(ConfigError, match="either access_token \\(OAuth\\) or email \\+ api_token, not both"):
        config(
            {
                "zendesk": {
                    "type": "zendesk_support",
                    "email": "a@example.com",
                    "api_token": {"secret": "t"},
                    "access_token": {"secret": "o"},
                }
            }
        )


# -- settings -------------------------------------------------------------------------------------------------


def test_one_source_per_type() -> None:
    with pytest.raises(ConfigError, match="crm_eu and crm_us are both of type salesforce"):
        config({"crm_eu": {"type": "salesforce"}, "crm_us": {"type": "salesforce"}})


@pytest.mark.parametrize("name", ["marts", "tapestry_sync", "sync", "analytics"])
def test_a_source_may_not_take_the_name_of_a_schema_tapestry_uses(name: str) -> None:
    with pytest.raises(ConfigError, match=f"source name '{name}'"):
        config({name: {"type": "zoom"}})


def test_a_source_may_not_take_a_configured_transform_schema() -> None:
    with pytest.raises(ConfigError, match="source name 'gold'"):
        config({"gold": {"type": "zoom"}}, transform={"marts_schema": "gold"})


def test_files_per_stream_name_the_plugins_streams() -> None:
    good = config({"zoom": {"type": "zoom", "files": {"webinar_registrants": ["exports/*.csv"]}}})
    assert good.sources["zoom"].file_patterns() == ["exports/*.csv"]
    with pytest.raises(ConfigError, match=r"sources\.zoom\.files\.meetings: zoom has no stream 'meetings'"):
        config({"zoom": {"type": "zoom", "files": {"meetings": ["exports/*.csv"]}}})


# -- export files, by their shape ------------------------------------------------------------------------------


def test_a_report_export_loads_through_the_column_aliases(tmp_path: Path) -> None:
    """Salesforce's report export spells the API fields its own way (`Contact ID`, `First Name`, ...)."""
    export = tmp_path / "report.csv"
    export.write_text(
        "Contact ID,Email,First Name,Last Name,Phone,Mobile Phone,Created Date,System Modstamp,Deleted\n"
        "003A,ana@example.com,Ana,Silva,(202) 555-0143,+44 7700 900123,"
        "2026-01-01T00:00:00Z,2026-01-02T00:00:00Z,false\n"
    )
    streams = source_streams(config({"crm": {"type": "salesforce"}}))
    (stream,) = streams.values()
    item = file_ingest.fingerprint("crm", export, {}, table=stream.table)
    with DuckDBWarehouse(tmp_path / "w.duckdb") as warehouse:
        result = file_ingest.load_files(warehouse, streams, [item])
        rows = warehouse.query("select id, firstname, lastname, phone, mobilephone, isdeleted from crm.contact")
    assert result.rows_loaded == 1
    assert rows == [("003A", "Ana", "Silva", "(202) 555-0143", "+44 7700 900123", False)]


def _load(tmp_path: Path, source: dict[str, Any], *files: Path) -> DuckDBWarehouse:
    project = config({"shop": source})
    streams = source_streams(project)
    plugin = source_plugin(source["type"])
    items = [file_ingest.fingerprint("shop", f, {}, table=stream_of_file("shop", plugin, f, None).table) for f in files]
    tmp_path.mkdir(exist_ok=True)
    warehouse = DuckDBWarehouse(tmp_path / "w.duckdb")
    try:
        file_ingest.load_files(warehouse, streams, items)
    except BaseException:
        warehouse.close()
        raise
    return warehouse


def test_stripe_dashboard_exports_load_by_file_name_through_the_column_aliases(tmp_path: Path) -> None:
    """The Dashboard's customer and payment exports: `Created (UTC)`, `Customer ID`, `Amount Refunded`; the file
    name tells customers from payments. Values stay as exported (dbt reads both shapes)."""
    customers = tmp_path / "unified_customers.csv"
    customers.write_text(
        "id,Description,Email,Name,Created (UTC),Card ID,Delinquent,Total Spend\n"
        "cus_1,,ana@example.com,Ana Silva,2024-01-31 09:15,card_1,false,12.50\n"
    )
    payments = tmp_path / "unified_payments.csv"
    payments.write_text(
        "id,Description,Created (UTC),Amount,Amount Refunded,Currency,Status,Captured,Customer ID,Customer Email\n"
        "ch_1,Order 1,2024-01-31 09:20,12.50,0.00,usd,Paid,true,cus_1,ana@example.com\n"
    )
    with _load(tmp_path, {"type": "stripe"}, customers, payments) as warehouse:
        assert warehouse.query("select id, email, name, created, delinquent from shop.customers") == [
            ("cus_1", "ana@example.com", "Ana Silva", "2024-01-31 09:15", False)
        ]
        assert warehouse.query("select id, customer, amount, amount_refunded, status, captured from shop.charges") == [
            ("ch_1", "cus_1", "12.50", "0.00", "Paid", True)
        ]


def test_stripe_api_json_keeps_its_numbers_as_text_for_dbt(tmp_path: Path) -> None:
    charges = tmp_path / "charges.jsonl"
    charges.write_text(
        '{"id": "ch_2", "object": "charge", "customer": "cus_1", "amount": 1250, "amount_refunded": 0, '
        '"currency": "usd", "status": "succeeded", "paid": true, "created": 1706692500, "refunds": {"data": []}}\n'
    )
    with _load(tmp_path, {"type": "stripe"}, charges) as warehouse:
        assert warehouse.query("select id, amount, created, paid, captured from shop.charges") == [
            ("ch_2", "1250", "1706692500", True, None)
        ]


def test_zendesk_json_export_loads_users_and_tickets_and_refuses_a_ticket_without_an_id(tmp_path: Path) -> None:
    users = tmp_path / "users.json"
    users.write_text(
        '{"id": 361, "name": "Ana Silva", "email": "ana@example.com", "role": "end-user", "active": true, '
        '"suspended": false, "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-02-01T00:00:00Z", '
        '"photo": null, "tags": ["vip"], "user_fields": {}}\n'
    )
    tickets = tmp_path / "tickets.json"
    tickets.write_text(
        '{"id": 1001, "requester_id": 361, "status": "open", "subject": "Where is my order?", '
        '"created_at": "2024-02-02T10:00:00Z", "via": {"channel": "email"}}\n'
    )
    with _load(tmp_path, {"type": "zendesk_support"}, users, tickets) as warehouse:
        assert warehouse.query("select id, email, role, active from shop.users") == [
            (361, "ana@example.com", "end-user", True)
        ]
        assert warehouse.query("select id, requester_id, status from shop.tickets") == [(1001, 361, "open")]
    bad = tmp_path / "more_tickets.json"
    bad.write_text('{"id": null, "requester_id": 361, "status": "open", "created_at": "2024-02-02T10:00:00Z"}\n')
    with pytest.raises(IngestError, match="column 'id' is empty on record 1"):
        _load(tmp_path / "again", {"type": "zendesk_support"}, bad)


def test_api_pages_saved_as_they_are_load_as_their_records(tmp_path: Path) -> None:
    """`GET /api/v2/tickets.json` answers `{"tickets": [...], "next_page": ...}`; Stripe's list endpoints
    `{"object": "list", "data": [...]}`, a page per line when saved page by page."""
    tickets = tmp_path / "tickets.json"
    tickets.write_text(
        '{"tickets": [{"id": 1, "requester_id": 361, "status": "open", "created_at": "2024-02-02T10:00:00Z", '
        '"tags": ["a"], "via": {"channel": "web"}}, {"id": 2, "requester_id": 362, "status": "On-hold", '
        '"created_at": "2024-02-03T10:00:00Z", "tags": [], "via": {"channel": "email"}}], '
        '"next_page": null, "previous_page": null, "count": 2}'
    )
    with _load(tmp_path / "zendesk", {"type": "zendesk_support"}, tickets) as warehouse:
        assert warehouse.query("select id, requester_id, status from shop.tickets order by id") == [
            (1, 361, "open"),
            (2, 362, "On-hold"),
        ]
    charges = tmp_path / "charges.jsonl"
    charges.write_text(
        '{"object": "list", "url": "/v1/charges", "has_more": true, "data": [{"id": "ch_1", "customer": "cus_1", '
        '"amount": 1250, "currency": "usd", "status": "succeeded", "created": 1706692500}]}\n'
        '{"object": "list", "url": "/v1/charges", "has_more": false, "data": [{"id": "ch_2", "customer": "cus_1", '
        '"amount": "12,50", "currency": "usd", "status": "succeeded", "created": 1706692600}]}\n'
    )
    with pytest.raises(IngestError, match=r"column 'amount' has '12,50' on record 2 of its 'data' list"):
        _load(tmp_path / "stripe", {"type": "stripe"}, charges)


def test_amounts_must_be_plain_numbers_and_a_charge_must_say_whether_it_succeeded(tmp_path: Path) -> None:
    header = "id,Created (UTC),Amount,Amount Refunded,Currency,Status,Customer ID\n"
    cases = {
        "locale": (
            header
            + 'ch_1,2024-01-31 09:20,12.50,0.00,usd,Paid,cus_1\nch_2,2024-01-31 09:20,"1,250.00",0,usd,Paid,cus_1\n',
            r"unified_payments.csv: column 'amount' has '1,250.00' on line 3, which is not a plain amount",
        ),
        "empty": (header + "ch_1,2024-01-31 09:20,,0.00,usd,Paid,cus_1\n", r"column 'amount' is empty on line 2"),
        "no_status": (
            "id,customer,amount,currency,created\nch_1,cus_1,1250,usd,1706692500\n",
            r"has neither column 'status' nor 'paid'",
        ),
    }
    for name, (text, error) in cases.items():
        payments = tmp_path / name / "unified_payments.csv"
        payments.parent.mkdir()
        payments.write_text(text)
        with pytest.raises(IngestError, match=error):
            _load(tmp_path / name / "w", {"type": "stripe"}, payments)


def test_typed_files_keep_whole_floats_as_whole_numbers(tmp_path: Path) -> None:
    """pandas writes an integer column with a gap as floats: the API's 1250 cents arrive as 1250.0."""
    import duckdb

    charges = tmp_path / "charges.parquet"
    duckdb.sql(
        "select * from (values"
        " ('ch_1', 'cus_1', 1250.0::double, null::double, 'usd', 'succeeded', 1706692500.0::double),"
        " ('ch_2', 'cus_1', 3000.0::double, 500.0::double, 'usd', 'succeeded', 1706692600.0::double),"
        " ('ch_3', 'cus_1', 12.5::double, 0.0::double, 'usd', 'succeeded', 1706692700.0::double))"
        " as t(id, customer, amount, amount_refunded, currency, status, created)"
    ).write_parquet(str(charges))
    with _load(tmp_path, {"type": "stripe"}, charges) as warehouse:
        assert warehouse.query("select id, amount, amount_refunded, created from shop.charges order by id") == [
            ("ch_1", "1250", None, "1706692500"),
            ("ch_2", "3000", "500", "1706692600"),
            ("ch_3", "12.5", "0", "1706692700"),
        ]


def test_the_file_loaded_last_wins_and_the_same_files_give_the_same_raw_ids(tmp_path: Path) -> None:
    """Two exports of one customer without `updated`: the later one by name loads later, in every project."""
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "customers_2024-01.csv").write_text("id,email,created\ncus_1,old@example.com,1706692500\n")
    (exports / "customers_2024-06.csv").write_text("id,email,created\ncus_1,new@example.com,1706692500\n")
    files = sorted(exports.iterdir())
    seen = []
    for project in ("one", "two"):
        with _load(tmp_path / project, {"type": "stripe"}, *files) as warehouse:
            seen.append(
                warehouse.query(
                    "select email, _airbyte_raw_id from shop.customers"
                    " order by _airbyte_extracted_at desc, _airbyte_raw_id"
                )
            )
    assert seen[0] == seen[1]
    assert [email for email, _ in seen[0]] == ["new@example.com", "old@example.com"]


def test_files_of_a_source_with_several_streams_go_by_file_name(tmp_path: Path) -> None:
    def stream(name: str, pattern: str) -> Stream:
        return Stream("events", name, name, (Column("id", key=True),), file_names=(pattern,))

    plugin = replace(source_plugin("zoom"), streams=(stream("signups", "*signup*"), stream("views", "*view*")))
    assert stream_of_file("web", plugin, Path("Signups-2026.CSV"), None).table == "web.signups"
    assert stream_of_file("web", plugin, Path("odd.csv"), "views").table == "web.views"  # named in `files:`
    with pytest.raises(IngestError, match="matches none of its streams") as info:
        stream_of_file("web", plugin, Path("export.csv"), None)
    assert "sources.web.files: {signups: [...], views: [...]}" in (info.value.fix or "")
    with pytest.raises(IngestError, match="several of its streams"):
        stream_of_file("web", plugin, Path("signup-views.csv"), None)


# -- dbt --------------------------------------------------------------------------------------------------------


def test_the_people_contract_is_one_list_in_python_and_in_dbt() -> None:
    macro = (Path(__file__).parents[2] / "dbt_project" / "macros" / "people.sql").read_text()
    contract = re.search(r"{% macro people_contract\(\) -%}(.*?){%- endmacro %}", macro, re.S)
    assert contract
    assert tuple(re.findall(r'"([a-z_]+)":', contract.group(1))) == PEOPLE_COLUMNS


def test_the_test_only_plugin_provides_the_people_contract() -> None:
    sql = (
        Path(__file__).parents[1] / "plugins" / "tapestry_toy_events" / "dbt" / "models" / "intermediate" / "people"
    ) / "int_toy_events__people.sql"
    selected = re.findall(r"\bas (\w+)|^\s+(\w+),?$", sql.read_text(), re.M)
    assert {a or b for a, b in selected} >= set(PEOPLE_COLUMNS)


def test_the_dbt_var_lists_the_sources_in_the_order_of_tapestry_yml() -> None:
    project = config({"crm": {"type": "salesforce"}, "webinars": {"type": "zoom"}})
    assert dbt_sources_var(project, str.upper) == {
        "salesforce": {"name": "crm", "schema": "CRM", "people_model": "int_salesforce__people"},
        "zoom": {"name": "webinars", "schema": "WEBINARS", "people_model": "int_zoom__people"},
    }


def test_source_models_are_added_and_never_replace_a_file(tmp_path: Path) -> None:
    dbt = tmp_path / "dbt_project"
    project = config({"zoom": {"type": "zoom"}})
    added = add_source_models(dbt, project)
    assert set(added) == {"zoom"}
    assert "models/intermediate/people/int_zoom__people.sql" in added["zoom"]
    staging = dbt / "models" / "staging" / "zoom" / "stg_zoom__webinar_registrants.sql"
    staging.write_text("-- mine\n")
    (dbt / "models" / "intermediate" / "people" / "int_zoom__people.sql").unlink()
    assert add_source_models(dbt, project) == {"zoom": ["models/intermediate/people/int_zoom__people.sql"]}
    assert staging.read_text() == "-- mine\n"
    assert add_source_models(dbt, project) == {}
