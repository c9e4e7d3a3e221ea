{#- A record's id in its source as an identifier: `<source>:<id>`, trimmed. Salesforce ids come in two
    spellings: 15 characters, case-sensitive (reports, the UI), and 18 characters, case-safe (the API). For
    the sources listed in `identity.source_id.salesforce_sources` a 15-character id gets its 3-character
    suffix, so both spellings of one contact are one identifier. The suffix encodes, for each 5-character
    chunk, which characters are capital letters (bit i for character i) as one of A-Z0-5. -#}
{% macro identity_source_id_key(source_column, id_column) -%}
    {%- set salesforce = identity_config()["source_id"]["salesforce_sources"] -%}
    {%- set id = "trim(cast(" ~ id_column ~ " as " ~ dbt.type_string() ~ "))" -%}
    {%- if salesforce -%}
    {{ source_column }} || ':' || case
        when {{ source_column }} in {{ sql_string_list(salesforce) }} and length({{ id }}) = 15
            then {{ id }} || {{ salesforce_id_suffix(id) }}
        else {{ id }}
    end
    {%- else -%}
    {{ source_column }} || ':' || {{ id }}
    {%- endif -%}
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
