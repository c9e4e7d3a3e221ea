{{ config(enabled='toy_events' in var('tapestry_sources', {})) }}

select
    signup_id as source_record_id,
    signup_id as source_record_key,
    email_raw,
    cast(null as {{ dbt.type_string() }}) as phone_raw,
    cast(null as {{ dbt.type_string() }}) as mobile_phone_raw,
    first_name,
    last_name,
    signed_up_at as first_seen_at,
    signed_up_at as updated_at
from {{ ref('stg_toy_events__signups') }}
