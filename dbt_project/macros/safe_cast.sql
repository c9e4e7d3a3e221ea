{#- dbt-duckdb's safe_cast falls back to a plain cast; make it a try_cast like Snowflake's. -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
