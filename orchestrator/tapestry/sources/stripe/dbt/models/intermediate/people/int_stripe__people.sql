{{ config(enabled='stripe' in var('tapestry_sources', {})) }}

{#- Stripe's customers in the shape of the union of people (macro people_columns). Deleted customers are
    dropped here: they are gone from Stripe, not invalid. -#}
select
    customer_id as source_record_id,
    email_raw,
    email_key,
    first_name,
    last_name,
    created_at as first_seen_at,
    updated_at
from {{ ref('stg_stripe__customers') }}
where not is_deleted
