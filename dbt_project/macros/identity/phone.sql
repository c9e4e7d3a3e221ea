{#- Phone numbers as E.164 (+<country code><national number>, at most 15 digits), null when the value is
    not a phone number. National numbers are read in the default country (`identity.phone`: its calling code,
    its trunk prefix and its international call prefix, see tapestry.project.identity.COUNTRIES):
      +44 20 7946 0018, 0044 20 7946 0018      international, as written (00 in any default country, and
                                               the country's own prefix: 011 in the US)
      (020) 7946 0018                          national: trunk prefix 0 dropped, country code added (GB)
      +44 (0)20 7946 0018                      the "(0)" some write inside international numbers is dropped
      555-201-3344 x12, tel:+1...              extensions and everything after a letter are ignored
    North American numbers (+1) must have 10 digits after the 1, with area code and exchange not starting
    with 0 or 1. -#}
{#- Step 1: the number as written, without extensions, comments or a "(0)": everything from the first
    letter or separator on is an extension, a pause or a comment. -#}
{% macro identity_phone_text(column) -%}
    regexp_replace(
        regexp_replace(replace(lower(trim(cast({{ column }} as {{ dbt.type_string() }}))), '(0)', ''), '^tel:', ''),
        '[a-z#;,/].*$', ''
    )
{%- endmacro %}

{#- Step 1b: its digits. -#}
{% macro identity_phone_plain_digits(text) -%}
    {{ regexp_replace_all(text, "[^0-9]", "") }}
{%- endmacro %}

{#- Step 1c: the digits in international form (country code first), not yet checked. -#}
{% macro identity_phone_digits(text, digits) -%}
    {%- set phone = identity_config()["phone"] -%}
    {%- set cc = phone["country_code"] | string -%}
    {%- set trunk = (phone["trunk_prefix"] or "") | string -%}
    {%- set idd = (phone["international_prefix"] or "") | string -%}
    case
        when {{ digits }} = '' then null
        when {{ text }} like '+%' or {{ text }} like '(+%' then {{ digits }}
        {%- if idd %}
        when {{ digits }} like '{{ idd }}%' then substr({{ digits }}, {{ idd | length + 1 }})
        {%- endif %}
        {%- if idd != "00" %}
        {#- 00 is the international prefix of most of the world, and no national number starts with it -#}
        when {{ digits }} like '00%' then substr({{ digits }}, 3)
        {%- endif %}
        {%- if cc == "1" %}
        when length({{ digits }}) = 11 and {{ digits }} like '1%' then {{ digits }}
        {%- elif trunk %}
        when {{ digits }} like '{{ trunk }}%' then '{{ cc }}' || substr({{ digits }}, {{ trunk | length + 1 }})
        {%- endif %}
        else '{{ cc }}' || {{ digits }}
    end
{%- endmacro %}

{#- Step 2: '+' and the digits when they can be a phone number, else null. -#}
{% macro identity_phone_e164(digits) -%}
    case
        when length({{ digits }}) < 8 or length({{ digits }}) > 15 or {{ digits }} like '0%' then null
        when {{ digits }} like '1%' and (
            length({{ digits }}) <> 11 or substr({{ digits }}, 2, 1) in ('0', '1') or substr({{ digits }}, 5, 1) in ('0', '1')
        ) then null
        else '+' || {{ digits }}
    end
{%- endmacro %}

{#- Numbers no person has: the last seven digits all one digit (000 0000, 555 5555) or a run (123 4567,
    765 4321, 012 3456). Only the last seven: a country or area code followed by a real number can hold a run
    (+1 312 345 6701). -#}
{% macro is_junk_phone(e164) -%}
    (
        replace(right({{ e164 }}, 7), substr(right({{ e164 }}, 7), 1, 1), '') = ''
        or right({{ e164 }}, 7) in ('1234567', '7654321', '0123456')
    )
{%- endmacro %}

{#- All steps in one expression, for a few values (the blocklist), not for every record. -#}
{% macro identity_phone_e164_of(value) -%}
    {%- set text = identity_phone_text(value) -%}
    {{ identity_phone_e164(identity_phone_digits(text, identity_phone_plain_digits(text))) }}
{%- endmacro %}
