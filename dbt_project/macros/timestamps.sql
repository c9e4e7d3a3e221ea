{#- A text timestamp as a timestamp with time zone. Zoom's create_time is a plain string in source-zoom's
    schema (no format: date-time), so destination-snowflake lands it as VARCHAR; local exports load it as a
    timestamp. Cast through text so both inputs work, and with TRY_CAST (which Snowflake allows on text
    only) so one malformed value becomes null instead of failing the build. -#}
{% macro text_to_timestamp_tz(column) -%}
    {{ dbt.safe_cast("cast(" ~ column ~ " as " ~ dbt.type_string() ~ ")", type_timestamp_tz()) }}
{%- endmacro %}

{% macro type_timestamp_tz() -%}
    {{ return(adapter.dispatch('type_timestamp_tz', 'tapestry')()) }}
{%- endmacro %}

{% macro default__type_timestamp_tz() -%}
    timestamp with time zone
{%- endmacro %}

{% macro snowflake__type_timestamp_tz() -%}
    timestamp_tz
{%- endmacro %}
