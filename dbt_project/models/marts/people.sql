{#- One golden record per person (identity_map.person_id). Each field comes from the person's records by its
    survivorship rule (identity.survivorship): the e-mail among valid addresses, shared inboxes and blocked
    addresses last; the phone among E.164 numbers that are not junk or blocked. -#}
{%- set identity = identity_config() -%}
{%- set rules = identity["survivorship"] -%}
{%- set blocked = identity["blocked"] -%}
with records as (

    select
        map.person_id,
        records.*
    from {{ ref('identity_map') }} as map
    inner join {{ ref('int_identity__records') }} as records on records.record_id = map.record_id

),

blocked_values as (

    select distinct identifier_type, identifier_value
    from {{ ref('int_identity__identifiers') }}
    where blocked_reason is not null

),

email_candidates as (

    select
        records.person_id,
        records.email_address as value,
        case
            when blocked_values.identifier_value is not null then 1
            {%- if blocked["role_accounts"] and blocked["role_local_parts"] %}
            when split_part(records.email_match_key, '@', 1) in {{ sql_string_list(blocked["role_local_parts"]) }} then 1
            {%- endif %}
            else 0
        end as penalty,
        records.updated_at,
        records.source_rank,
        records.record_id
    from records
    left join blocked_values
        on blocked_values.identifier_type = 'email'
        and blocked_values.identifier_value = records.email_match_key
    where records.email_status = 'valid'

),

phone_numbers as (

    select person_id, phone_e164 as phone, updated_at, source_rank, record_id from records where phone_e164 is not null
    union all
    select person_id, mobile_phone_e164, updated_at, source_rank, record_id from records where mobile_phone_e164 is not null

),

phone_candidates as (

    select
        phone_numbers.person_id,
        phone_numbers.phone as value,
        case when blocked_values.identifier_value is not null then 1 else 0 end as penalty,
        phone_numbers.updated_at,
        phone_numbers.source_rank,
        phone_numbers.record_id
    from phone_numbers
    left join blocked_values
        on blocked_values.identifier_type = 'phone'
        and blocked_values.identifier_value = phone_numbers.phone
    where not {{ is_junk_phone('phone_numbers.phone') }}

),

{%- for field in ("first_name", "last_name") %}

{{ field }}_candidates as (

    select person_id, {{ field }} as value, 0 as penalty, updated_at, source_rank, record_id
    from records
    where {{ field }} is not null

),
{%- endfor %}

{%- for field in ("email", "phone", "first_name", "last_name") %}

{{ field }}_survivors as (

    {{ identity_survivor(field ~ "_candidates", rules[field]) }}

),
{%- endfor %}

facts as (

    select
        person_id,
        count(*) as record_count,
        count(distinct source) as source_count,
        count(distinct email_match_key) as email_count,
        max(case when source = 'zoom' then 1 else 0 end) = 1 as in_zoom,
        max(case when source = 'salesforce' then 1 else 0 end) = 1 as in_salesforce,
        count(distinct webinar_id) as webinar_count,
        min(first_seen_at) as first_seen_at,
        max(updated_at) as last_seen_at
    from records
    group by person_id

),

phone_counts as (

    select person_id, count(distinct phone) as phone_count from phone_numbers group by person_id

)

select
    facts.person_id,
    email_survivors.value as email_address,
    phone_survivors.value as phone,
    first_name_survivors.value as first_name,
    last_name_survivors.value as last_name,
    facts.record_count,
    facts.source_count,
    facts.email_count,
    coalesce(phone_counts.phone_count, 0) as phone_count,
    facts.in_zoom,
    facts.in_salesforce,
    facts.webinar_count,
    facts.first_seen_at,
    facts.last_seen_at
from facts
left join email_survivors on email_survivors.person_id = facts.person_id
left join phone_survivors on phone_survivors.person_id = facts.person_id
left join first_name_survivors on first_name_survivors.person_id = facts.person_id
left join last_name_survivors on last_name_survivors.person_id = facts.person_id
left join phone_counts on phone_counts.person_id = facts.person_id
