{{ config(enabled='zendesk_support' in var('tapestry_sources', {})) }}

with source as (

    select * from {{ source('zendesk_support', 'tickets') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as ticket_id,
        cast(requester_id as {{ dbt.type_string() }}) as requester_id,
        -- the API's spelling; Zendesk's own views and reports write "On-hold" (or "On hold") for hold
        case
            when replace(replace(lower(trim(status)), '-', ''), ' ', '') = 'onhold' then 'hold'
            else lower(nullif(trim(status), ''))
        end as status,
        lower(nullif(trim(priority), '')) as priority,
        lower(nullif(trim(type), '')) as ticket_type,
        subject,
        created_at,
        coalesce(updated_at, created_at) as updated_at,
        generated_timestamp,
        _airbyte_extracted_at as extracted_at,
        _airbyte_raw_id as raw_id

    from source

)

select
    ticket_id,
    requester_id,
    status,
    coalesce(status in ('new', 'open', 'pending', 'hold'), false) as is_open,
    priority,
    ticket_type,
    subject,
    created_at,
    updated_at,
    extracted_at,
    raw_id
from renamed
qualify row_number() over (
    partition by ticket_id
    order by updated_at desc nulls last, generated_timestamp desc nulls last, extracted_at desc, raw_id
) = 1
