{{ config(enabled='salesforce' in var('tapestry_sources', {})) }}

{#- Salesforce's people in the shape of the union of people (macro people_columns). Deleted contacts are
    dropped here: they are gone from the CRM, not invalid. -#}
select
    contact_id as source_record_id,
    email_raw,
    email_key,
    first_name,
    last_name,
    coalesce(created_at, updated_at) as first_seen_at,
    updated_at
from {{ ref('stg_salesforce__contacts') }}
where not is_deleted
