{{ config(enabled='salesforce' in var('tapestry_sources', {})) }}

with source as (

    select * from {{ source('salesforce', 'contact') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as contact_id,
        email as email_raw,
        {{ email_key('email') }} as email_key,
        nullif(trim(firstname), '') as first_name,
        nullif(trim(lastname), '') as last_name,
        phone as phone_raw,
        mobilephone as mobile_phone_raw,
        accountid as account_id,
        createddate as created_at,
        coalesce(systemmodstamp, lastmodifieddate, createddate) as updated_at,
        coalesce(isdeleted, false) as is_deleted,
        _airbyte_extracted_at as extracted_at,
        _airbyte_raw_id as raw_id

    from source

)

select * from renamed
qualify row_number() over (
    partition by contact_id
    order by updated_at desc nulls last, extracted_at desc, raw_id
) = 1
