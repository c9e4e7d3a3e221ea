{{ config(enabled='zendesk_support' in var('tapestry_sources', {})) }}

{#- Zendesk Support's customers in the shape of the union of people (macro people_columns): end-users only
    (agents and admins are staff, not audience), neither deleted (inactive) nor suspended. -#}
select
    user_id as source_record_id,
    email_raw,
    email_key,
    first_name,
    last_name,
    created_at as first_seen_at,
    updated_at
from {{ ref('stg_zendesk_support__users') }}
where role = 'end-user'
    and is_active
    and not is_suspended
