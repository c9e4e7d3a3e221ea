{{ config(enabled='stripe' in var('tapestry_sources', {})) }}

with source as (

    select * from {{ source('stripe', 'customers') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as customer_id,
        email as email_raw,
        {{ email_key('email') }} as email_key,
        nullif(trim(name), '') as full_name,
        nullif(trim(phone), '') as phone,
        lower(nullif(trim(currency), '')) as currency,
        coalesce(delinquent, false) as is_delinquent,
        {{ stripe_timestamp('created') }} as created_at,
        {{ stripe_timestamp('updated') }} as changed_at,
        coalesce(is_deleted, false) as is_deleted,
        _airbyte_extracted_at as extracted_at,
        _airbyte_raw_id as raw_id

    from source

),

latest as (

    select * from renamed
    qualify row_number() over (
        partition by customer_id
        order by coalesce(changed_at, created_at) desc nulls last, extracted_at desc, raw_id
    ) = 1

)

select
    customer_id,
    email_raw,
    email_key,
    full_name,
    split_part(full_name, ' ', 1) as first_name,
    nullif(trim(substr(full_name, length(split_part(full_name, ' ', 1)) + 1)), '') as last_name,
    phone,
    currency,
    is_delinquent,
    created_at,
    coalesce(changed_at, created_at) as updated_at,
    is_deleted,
    extracted_at,
    raw_id
from latest
