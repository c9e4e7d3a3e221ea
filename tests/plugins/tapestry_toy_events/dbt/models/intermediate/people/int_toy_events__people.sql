{{ config(enabled='toy_events' in var('tapestry_sources', {})) }}

select
    signup_id as source_record_id,
    email_raw,
    email_key,
    first_name,
    last_name,
    signed_up_at as first_seen_at,
    signed_up_at as updated_at
from {{ ref('stg_toy_events__signups') }}
