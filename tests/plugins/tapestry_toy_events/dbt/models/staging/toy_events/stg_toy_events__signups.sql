{{ config(enabled='toy_events' in var('tapestry_sources', {})) }}

select
    cast(signup_id as {{ dbt.type_string() }}) as signup_id,
    email as email_raw,
    {{ email_key('email') }} as email_key,
    nullif(trim(first_name), '') as first_name,
    nullif(trim(last_name), '') as last_name,
    signed_up_at
from {{ source('toy_events', 'signups') }}
