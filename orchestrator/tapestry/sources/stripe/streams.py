"""The raw tables of source-stripe's `customers` and `charges` streams (the API's field names), and the names
their columns have in the Dashboard's exports (Customers > Export: `unified_customers.csv` with `Created (UTC)`;
Payments > Export: `unified_payments.csv` with `Customer ID`, `Amount Refunded`).

Two shapes of the same fact land in one column, kept as exported (text) for dbt to read: `created` is Unix
seconds in the API (and on Snowflake, where Airbyte lands it as a number) but `2024-01-31 09:15` in the
Dashboard's CSV; `amount` is in the currency's smallest unit in the API (1250 = $12.50) but a decimal in the
Dashboard's CSV (12.50). The staging models (macros stripe_timestamp, stripe_amount) read both."""

from __future__ import annotations

from tapestry.engines.ingest.streams import Column, Stream

# smallest currency unit (API: 1250), or a decimal (Dashboard: 12.50); never "1,250.00" or "12,50", which
# would read as nothing, or as another amount
AMOUNT = r"-?[0-9]+(\.[0-9]+)?"
AMOUNT_LABEL = "plain amount (1250 in the currency's smallest unit, or 12.50)"

CUSTOMERS = Stream(
    source="stripe",
    name="customers",
    label="Stripe customers",
    columns=(
        Column("id", required=True, key=True, aliases=("customer_id",)),
        Column("email", required=True, aliases=("email_address",)),
        Column("name", aliases=("customer_name",)),
        Column("phone"),
        Column("description"),
        Column("currency"),
        Column("delinquent", "BOOLEAN"),
        Column("created", required=True, aliases=("created_utc",)),  # Unix seconds, or the Dashboard's text
        Column("updated"),  # source-stripe's cursor (Unix seconds); not in exports
        Column("is_deleted", "BOOLEAN", aliases=("deleted",)),  # source-stripe marks deleted customers
    ),
    file_names=("*customer*",),
)

CHARGES = Stream(
    source="stripe",
    name="charges",
    label="Stripe charges",
    columns=(
        Column("id", required=True, key=True, aliases=("charge_id",)),
        Column("customer", aliases=("customer_id",)),  # no customer: a guest payment, not attributed to a person
        Column("amount", required=True, key=True, pattern=AMOUNT, pattern_label=AMOUNT_LABEL),
        Column("amount_refunded", pattern=AMOUNT, pattern_label=AMOUNT_LABEL),
        Column("currency", required=True, key=True),
        Column("status"),  # succeeded, pending, failed (API); Paid, Refunded, Failed, ... (Dashboard)
        Column("captured", "BOOLEAN"),
        Column("paid", "BOOLEAN"),
        Column("refunded", "BOOLEAN"),
        Column("created", required=True, aliases=("created_utc",)),
        Column("updated"),
        Column("receipt_email"),
        Column("description"),
        Column("invoice", aliases=("invoice_id",)),
        Column("payment_intent", aliases=("payment_intent_id", "paymentintent_id")),
    ),
    file_names=("*charge*", "*payment*"),
    required_any=(("status", "paid"),),  # without either, no charge says whether the money was taken
)
