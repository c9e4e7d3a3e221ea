{{ config(enabled='stripe' in var('tapestry_sources', {})) }}

{#- Stripe's customers in the shape of the people contract (macro people_contract). Deleted customers are
    dropped here: they are gone from Stripe, not invalid. A customer has one phone (Customer.phone); Stripe
    writes a customer id one way (cus_...), so it is its own key. -#}
select
    customer_id as source_record_id,
    customer_id as source_record_key,
    email_raw,
    phone as phone_raw,
    cast(null as {{ dbt.type_string() }}) as mobile_phone_raw,
    first_name,
    last_name,
    created_at as first_seen_at,
    updated_at
from {{ ref('stg_stripe__customers') }}
where not is_deleted
