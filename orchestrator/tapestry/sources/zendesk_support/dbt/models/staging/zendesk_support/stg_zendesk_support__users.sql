{{ config(enabled='zendesk_support' in var('tapestry_sources', {})) }}

with source as (

    select * from {{ source('zendesk_support', 'users') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as user_id,
        email as email_raw,
        {{ email_key('email') }} as email_key,
        nullif(trim(name), '') as full_name,
        nullif(trim(phone), '') as phone,
        -- the API's spelling; Zendesk's admin pages write "End user" and "Administrator"
        case replace(replace(lower(trim(role)), '-', ''), ' ', '')
            when 'enduser' then 'end-user'
            when 'administrator' then 'admin'
            else lower(nullif(trim(role), ''))
        end as role,
        coalesce(active, true) as is_active,
        coalesce(suspended, false) as is_suspended,
        cast(organization_id as {{ dbt.type_string() }}) as organization_id,
        created_at,
        updated_at,
        _airbyte_extracted_at as extracted_at,
        _airbyte_raw_id as raw_id

    from source

),

latest as (

    select * from renamed
    qualify row_number() over (
        partition by user_id
        order by updated_at desc nulls last, extracted_at desc, raw_id
    ) = 1

)

select
    user_id,
    email_raw,
    email_key,
    full_name,
    split_part(full_name, ' ', 1) as first_name,
    nullif(trim(substr(full_name, length(split_part(full_name, ' ', 1)) + 1)), '') as last_name,
    phone,
    role,
    is_active,
    is_suspended,
    organization_id,
    created_at,
    coalesce(updated_at, created_at) as updated_at,
    extracted_at,
    raw_id
from latest
