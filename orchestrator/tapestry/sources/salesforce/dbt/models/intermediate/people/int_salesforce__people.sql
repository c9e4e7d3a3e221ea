{{ config(enabled='salesforce' in var('tapestry_sources', {})) }}

{#- Salesforce's people in the shape of the people contract (macro people_contract). Deleted contacts are
    dropped here: they are gone from the CRM, not invalid. A contact exported with its 15-character id (a
    report) and its 18-character id (the API) has one source_record_key: the case-safe 18-character id. -#}
select
    contact_id as source_record_id,
    {{ salesforce_case_safe_id('contact_id') }} as source_record_key,
    email_raw,
    phone_raw,
    mobile_phone_raw,
    first_name,
    last_name,
    coalesce(created_at, updated_at) as first_seen_at,
    updated_at
from {{ ref('stg_salesforce__contacts') }}
where not is_deleted
