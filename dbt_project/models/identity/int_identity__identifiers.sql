{#- Every identifier two or more records share (only those can link records), once per match rule that uses it, with the reason it may not link
    records (null when it may):
      role_account  a shared role inbox (info@, sales@, team@, ...: identity.blocked.role_local_parts)
      blocklist     listed in identity.blocked.emails / identity.blocked.phones
      junk          a phone number no person has (000 0000, 1234567)
      shared        seen with more e-mails (a phone), more phones (an e-mail) than one person may have, or
                    with more than identity.limits.max_names_per_identifier different first AND last names
    A rule's value is the identifier itself, or the identifier and the fields the rule wants equal
    (`same:`, e.g. phone|last name); a record without one of those fields has no value for that rule. -#}
{%- set identity = identity_config() -%}
{%- set limits = identity["limits"] -%}
{%- set blocked = identity["blocked"] -%}
with records as (

    select * from {{ ref('int_identity__records') }}

),

all_identifiers as (

    select record_num, 'email' as identifier_type, email_match_key as identifier_value
    from records where email_match_key is not null
    union all
    select record_num, 'phone', phone_e164 from records where phone_e164 is not null
    union all
    select record_num, 'phone', mobile_phone_e164 from records where mobile_phone_e164 is not null
    union all
    select record_num, 'source_id', source_id_key from records where source_id_key is not null

),

base as (

    select all_identifiers.*
    from all_identifiers
    inner join (
        select identifier_type, identifier_value
        from all_identifiers
        group by 1, 2
        having count(*) > 1
    ) as shared
        on shared.identifier_type = all_identifiers.identifier_type
        and shared.identifier_value = all_identifiers.identifier_value

),

phones as (

    select record_num, phone_e164 as phone from records where phone_e164 is not null
    union all
    select record_num, mobile_phone_e164 from records where mobile_phone_e164 is not null

),

listed as (

    {{ identity_listed_values() }}

),

{#- how many different people-shaped things stand behind each value -#}
spread as (

    select
        base.identifier_type,
        base.identifier_value,
        count(distinct base.record_num) as records,
        count(distinct records.email_match_key) as emails,
        count(distinct phones.phone) as phones,
        count(distinct records.first_name_key) as first_names,
        count(distinct records.last_name_key) as last_names
    from base
    inner join records on records.record_num = base.record_num
    left join phones on phones.record_num = base.record_num
    group by 1, 2

),

verdicts as (

    select
        spread.identifier_type,
        spread.identifier_value,
        spread.records,
        case
            when listed.identifier_value is not null then 'blocklist'
            {%- if blocked["role_accounts"] and blocked["role_local_parts"] %}
            when spread.identifier_type = 'email'
                and split_part(spread.identifier_value, '@', 1) in {{ sql_string_list(blocked["role_local_parts"]) }}
                then 'role_account'
            {%- endif %}
            {%- if blocked["junk_phones"] %}
            when spread.identifier_type = 'phone' and {{ is_junk_phone('spread.identifier_value') }} then 'junk'
            {%- endif %}
            {%- if limits["max_emails_per_person"] %}
            when spread.identifier_type = 'phone' and spread.emails > {{ limits["max_emails_per_person"] }}
                then 'shared'
            {%- endif %}
            {%- if limits["max_phones_per_person"] %}
            when spread.identifier_type = 'email' and spread.phones > {{ limits["max_phones_per_person"] }}
                then 'shared'
            {%- endif %}
            {%- if limits["max_names_per_identifier"] %}
            when spread.identifier_type <> 'source_id'
                and spread.first_names > {{ limits["max_names_per_identifier"] }}
                and spread.last_names > {{ limits["max_names_per_identifier"] }}
                then 'shared'
            {%- endif %}
        end as blocked_reason
    from spread
    left join listed
        on listed.identifier_type = spread.identifier_type
        and listed.identifier_value = spread.identifier_value

)

{% for rule in identity["match_rules"] %}
{%- set same = rule.get("same") or [] %}
select
    base.record_num,
    {{ loop.index }} as priority,
    '{{ ([rule["identifier"]] + same) | join("+") }}' as rule,
    base.identifier_type,
    base.identifier_value,
    base.identifier_value
    {%- for field in same %} || '|' || records.{{ field }}_key{% endfor %} as rule_value,
    verdicts.blocked_reason
from base
inner join verdicts
    on verdicts.identifier_type = base.identifier_type
    and verdicts.identifier_value = base.identifier_value
{%- if same %}
inner join records on records.record_num = base.record_num
{%- endif %}
where base.identifier_type = '{{ rule["identifier"] }}'
{%- for field in same %}
    and records.{{ field }}_key is not null
{%- endfor %}
{{ "union all" if not loop.last }}
{% endfor %}
