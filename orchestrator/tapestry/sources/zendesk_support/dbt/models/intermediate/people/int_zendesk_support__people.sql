{{ config(enabled='zendesk_support' in var('tapestry_sources', {})) }}

{#- Zendesk Support's customers in the shape of the people contract (macro people_contract): end-users only
    (agents and admins are staff, not audience), neither deleted (inactive) nor suspended. A user has one phone
    (User.phone); the user id is a number, written one way, so it is its own key. -#}
select
    user_id as source_record_id,
    user_id as source_record_key,
    email_raw,
    phone as phone_raw,
    cast(null as {{ dbt.type_string() }}) as mobile_phone_raw,
    first_name,
    last_name,
    created_at as first_seen_at,
    updated_at
from {{ ref('stg_zendesk_support__users') }}
where role = 'end-user'
    and is_active
    and not is_suspended
