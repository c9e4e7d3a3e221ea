{{ config(enabled='zoom' in var('tapestry_sources', {})) }}

with source as (

    select * from {{ source('zoom', 'webinar_registrants') }}

),

renamed as (

    select
        cast(webinar_id as {{ dbt.type_string() }}) || ':' || cast(id as {{ dbt.type_string() }}) as registration_id,
        cast(id as {{ dbt.type_string() }}) as registrant_id,
        cast(webinar_id as {{ dbt.type_string() }}) as webinar_id,
        email as email_raw,
        {{ email_key('email') }} as email_key,
        nullif(trim(first_name), '') as first_name,
        nullif(trim(last_name), '') as last_name,
        phone as phone_raw,
        status as registration_status,
        {{ text_to_timestamp_tz('create_time') }} as registered_at,
        _airbyte_extracted_at as extracted_at,
        _airbyte_raw_id as raw_id

    from source

)

select * from renamed
qualify row_number() over (
    partition by registration_id
    order by extracted_at desc, raw_id
) = 1
