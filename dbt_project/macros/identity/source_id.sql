{#- A record's id in its source as an identifier: `<source>:<key>`, trimmed. The key is the people contract's
    source_record_key: a source plugin whose tool writes one record's id in several spellings (Salesforce: 15 and
    18 characters) gives every spelling the same key, so both are one identifier. -#}
{% macro identity_source_id_key(source_column, key_column) -%}
    {{ source_column }} || ':' || trim(cast({{ key_column }} as {{ dbt.type_string() }}))
{%- endmacro %}
