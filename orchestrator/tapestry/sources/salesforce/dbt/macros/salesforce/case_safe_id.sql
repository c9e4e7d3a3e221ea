{#- A Salesforce record id in its case-safe 18-character spelling. Salesforce writes ids two ways: 15
    characters, case-sensitive (reports, the UI), and 18 characters, case-safe (the API). A 15-character id gets
    its 3-character suffix, so both spellings of one contact are one identifier; other lengths pass trimmed.
    The suffix encodes, for each 5-character chunk, which characters are capital letters (bit i for character
    i) as one of A-Z0-5. -#}
{% macro salesforce_case_safe_id(column) -%}
    {%- set id = "trim(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "))" -%}
    case when length({{ id }}) = 15 then {{ id }} || {{ salesforce_id_suffix(id) }} else {{ id }} end
{%- endmacro %}

{% macro salesforce_id_suffix(id) -%}
    {%- for chunk in range(3) %}
    {{ "|| " if not loop.first }}substr('ABCDEFGHIJKLMNOPQRSTUVWXYZ012345', 1 + (
        {%- for i in range(5) %}
        {%- set ch = "substr(" ~ id ~ ", " ~ (chunk * 5 + i + 1) ~ ", 1)" %}
        {{ "+ " if not loop.first }}case when {{ ch }} <> lower({{ ch }}) then {{ 2 ** i }} else 0 end
        {%- endfor %}
    ), 1)
    {%- endfor %}
{%- endmacro %}
