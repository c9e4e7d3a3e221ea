{#- Every appearance of a person in any source, with its e-mail verdict. Deleted Salesforce contacts
    are dropped here: they are gone from the CRM, not invalid. -#}
with salesforce as (

    select
        'salesforce' as source,
        contact_id as source_record_id,
        email_raw,
        email_key,
        first_name,
        last_name,
        phone_raw,
        mobile_phone_raw,
        cast(null as {{ dbt.type_string() }}) as webinar_id,
        coalesce(created_at, updated_at) as first_seen_at,
        updated_at
    from {{ ref('stg_salesforce__contacts') }}
    where not is_deleted

),

zoom as (

    select
        'zoom' as source,
        registration_id as source_record_id,
        email_raw,
        email_key,
        first_name,
        last_name,
        phone_raw,
        cast(null as {{ dbt.type_string() }}) as mobile_phone_raw,
        webinar_id,
        registered_at as first_seen_at,
        registered_at as updated_at
    from {{ ref('stg_zoom__webinar_registrants') }}

),

unioned as (

    select * from salesforce
    union all
    select * from zoom

)

select
    source || ':' || source_record_id as record_id,
    unioned.*,
    case
        when email_key is null then 'missing'
        when {{ is_valid_email('email_key') }} then 'valid'
        else 'malformed'
    end as email_status,
    case when source = '{{ var("preferred_source") }}' then 0 else 1 end as source_rank
from unioned
