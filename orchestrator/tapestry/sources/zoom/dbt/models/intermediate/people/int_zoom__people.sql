{{ config(enabled='zoom' in var('tapestry_sources', {})) }}

{#- Zoom's people in the shape of the union of people (macro people_columns): one row per registration;
    a registration is first seen, and last updated, when the person registered. -#}
select
    registration_id as source_record_id,
    email_raw,
    email_key,
    first_name,
    last_name,
    registered_at as first_seen_at,
    registered_at as updated_at
from {{ ref('stg_zoom__webinar_registrants') }}
