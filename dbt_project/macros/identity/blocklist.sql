{#- The values listed in identity.blocked.emails / identity.blocked.phones, normalised by the same rules as the
    data, as rows (identifier_type, identifier_value). int_identity__identifiers stops them linking records;
    people also needs them for values only one record carries, which never reach int_identity__identifiers. -#}
{% macro identity_listed_values() -%}
    {%- set blocked = identity_config()["blocked"] -%}
    select
        cast(null as {{ dbt.type_string() }}) as identifier_type,
        cast(null as {{ dbt.type_string() }}) as identifier_value
    where 1 = 0
    {%- for email in blocked["emails"] %}
    {%- set literal = dbt.string_literal(dbt.escape_single_quotes(email)) %}
    union all
    select 'email', {{ identity_email_match_key_of(literal) }}
    {%- endfor %}
    {%- for phone in blocked["phones"] %}
    {%- set literal = dbt.string_literal(dbt.escape_single_quotes(phone)) %}
    union all
    select 'phone', {{ identity_phone_e164_of(literal) }}
    {%- endfor %}
{%- endmacro %}
