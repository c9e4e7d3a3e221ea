{{ config(enabled='zoom' in var('tapestry_sources', {})) }}

{#- Zoom's people in the shape of the people contract (macro people_contract): one row per registration; a
    registration is first seen, and last updated, when the person registered. Zoom has one phone (asked when
    the webinar's registration form has the field). -#}
select
    registration_id as source_record_id,
    registration_id as source_record_key,
    email_raw,
    phone_raw,
    cast(null as {{ dbt.type_string() }}) as mobile_phone_raw,
    first_name,
    last_name,
    registered_at as first_seen_at,
    registered_at as updated_at
from {{ ref('stg_zoom__webinar_registrants') }}
