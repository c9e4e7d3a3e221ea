{{ config(enabled='toy_events' in var('tapestry_sources', {})) }}

select
    cast(view_id as {{ dbt.type_string() }}) as view_id,
    cast(signup_id as {{ dbt.type_string() }}) as signup_id,
    url,
    viewed_at
from {{ source('toy_events', 'page_views') }}
