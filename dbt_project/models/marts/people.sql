{#- One golden record per person (identity_map.person_id). Each field comes from the person's records by its
    survivorship rule (identity.survivorship, macros/identity/survivorship.sql): the e-mail among valid
    addresses, shared inboxes and blocked addresses only when there is nothing else; the phone among E.164
    numbers that are not junk (a record's main phone before its mobile), blocked ones only when there is
    nothing else. Rules that order records (most_recent, source_priority) are one window each over the
    person's records; most_frequent counts values. One `in_<source>` flag per source of the project (macro
    membership_flags); a fact only one source has is joined by the mart that wants it, through identity_map
    (the zoom_salesforce_mailchimp template's audience counts webinars that way). -#}
{%- set identity = identity_config() -%}
{%- set rules = identity["survivorship"] -%}
{%- set blocked = identity["blocked"] -%}
{%- set fields = ["email", "phone", "first_name", "last_name"] -%}
with records as (

    select
        map.person_id,
        records.record_id,
        records.source,
        records.email_address,
        records.email_status,
        records.email_match_key,
        records.phone_e164,
        records.mobile_phone_e164,
        records.first_name,
        records.last_name,
        records.first_seen_at,
        records.updated_at,
        records.source_rank
    from {{ ref('identity_map') }} as map
    inner join {{ ref('int_identity__records') }} as records on records.record_id = map.record_id

),

{#- blocked values records share (int_identity__identifiers), and listed values only one record carries -#}
blocked_values as (

    select distinct identifier_type, identifier_value
    from (
        select identifier_type, identifier_value
        from {{ ref('int_identity__identifiers') }}
        where blocked_reason is not null
        union all
        {{ identity_listed_values() }}
    ) as values_blocked

),

usable as (

    select
        records.*,
        case when records.email_status = 'valid' then records.email_address end as email_value,
        case
            when records.email_status <> 'valid' or blocked_email.identifier_value is not null then false
            {%- if blocked["role_accounts"] and blocked["role_local_parts"] %}
            when split_part(records.email_match_key, '@', 1) in {{ sql_string_list(blocked["role_local_parts"]) }} then false
            {%- endif %}
            else true
        end as email_preferred,
        case when not {{ is_junk_phone('records.phone_e164') }} then records.phone_e164 end as phone_ok,
        case when not {{ is_junk_phone('records.mobile_phone_e164') }} then records.mobile_phone_e164 end as mobile_ok,
        blocked_phone.identifier_value is null as phone_preferred,
        blocked_mobile.identifier_value is null as mobile_preferred
    from records
    left join blocked_values as blocked_email
        on blocked_email.identifier_type = 'email' and blocked_email.identifier_value = records.email_match_key
    left join blocked_values as blocked_phone
        on blocked_phone.identifier_type = 'phone' and blocked_phone.identifier_value = records.phone_e164
    left join blocked_values as blocked_mobile
        on blocked_mobile.identifier_type = 'phone' and blocked_mobile.identifier_value = records.mobile_phone_e164

),

candidates as (

    select
        usable.*,
        case when email_preferred then email_value end as email_first_choice,
        coalesce(
            case when phone_preferred then phone_ok end, case when mobile_preferred then mobile_ok end
        ) as phone_first_choice,
        coalesce(phone_ok, mobile_ok) as phone_value
    from usable

),

{%- for field in fields if rules[field] == "most_frequent" %}

{{ field }}_frequent as (

    {%- set value = field ~ "_value" if field in ("email", "phone") else field %}
    {%- set penalty = "case when " ~ field ~ "_first_choice is null then 1 else 0 end" if field in ("email", "phone") else "0" %}
    {{ identity_survivor(
        "(select person_id, " ~ value ~ " as value, " ~ penalty ~ " as penalty, updated_at, source_rank, record_id "
        ~ "from candidates where " ~ value ~ " is not null) as " ~ field ~ "_candidates",
        "most_frequent"
    ) }}

),
{%- endfor %}

ranked as (

    select
        person_id,
        record_id,
        source,
        email_match_key,
        phone_ok,
        mobile_ok,
        first_seen_at,
        updated_at
        {%- for field in fields if rules[field] != "most_frequent" %}
        {%- set window = "partition by person_id order by " ~ identity_survivor_order(rules[field])
            ~ " rows between unbounded preceding and unbounded following" %}
        {%- if field in ("email", "phone") %},
        coalesce(
            {{ first_value_ignore_nulls(field ~ "_first_choice", window) }},
            {{ first_value_ignore_nulls(field ~ "_value", window) }}
        ) as {{ field }}_survivor
        {%- else %},
        {{ first_value_ignore_nulls(field, window) }} as {{ field }}_survivor
        {%- endif %}
        {%- endfor %}
    from candidates

),

facts as (

    select
        person_id,
        count(*) as record_count,
        count(distinct source) as source_count,
        count(distinct email_match_key) as email_count,
        {{- membership_flags('source') }}
        min(first_seen_at) as first_seen_at,
        max(updated_at) as last_seen_at
        {%- for field in fields if rules[field] != "most_frequent" %},
        max({{ field }}_survivor) as {{ field }}
        {%- endfor %}
    from ranked
    group by person_id

),

phone_counts as (

    select person_id, count(distinct phone) as phone_count
    from (
        select person_id, phone_ok as phone from ranked where phone_ok is not null
        union all
        select person_id, mobile_ok from ranked where mobile_ok is not null
    ) as numbers
    group by person_id

)

select
    facts.person_id,
    {%- for field in fields %}
    {%- if rules[field] == "most_frequent" %}
    {{ field }}_frequent.value as {{ "email_address" if field == "email" else field }},
    {%- else %}
    facts.{{ field }} as {{ "email_address" if field == "email" else field }},
    {%- endif %}
    {%- endfor %}
    facts.record_count,
    facts.source_count,
    facts.email_count,
    coalesce(phone_counts.phone_count, 0) as phone_count,
    {%- for column in membership_columns() %}
    facts.{{ column }},
    {%- endfor %}
    facts.first_seen_at,
    facts.last_seen_at
from facts
left join phone_counts on phone_counts.person_id = facts.person_id
{%- for field in fields if rules[field] == "most_frequent" %}
left join {{ field }}_frequent on {{ field }}_frequent.person_id = facts.person_id
{%- endfor %}
