{#- The identity of a person is their normalised e-mail: lower(trim(email)), empty as null.
    trim() alone only strips spaces; exports also carry tabs, line breaks and no-break spaces.
    The explicit cast is a no-op on both warehouses; it keeps fakesnow (our offline Snowflake) from
    dropping TRIM's second argument when it adds its own cast. -#}
{% macro email_key(column) -%}
    nullif(lower(trim(cast({{ column }} as {{ dbt.type_string() }}), {{ whitespace_chars() }})), '')
{%- endmacro %}

{% macro whitespace_chars() -%}
    ' ' || chr(9) || chr(10) || chr(13) || chr(160)
{%- endmacro %}

{#- A deliberately conservative syntax check (ASCII local part, dotted domain, 2+ letter TLD),
    close to what Mailchimp accepts. Bracket classes instead of backslashes keep the pattern
    identical in DuckDB (RE2) and Snowflake (POSIX ERE) string literals. -#}
{% macro valid_email_pattern() -%}
    [a-z0-9!#$%&*+/=?^_`{|}~-]+([.][a-z0-9!#$%&*+/=?^_`{|}~-]+)*@([a-z0-9]([a-z0-9-]*[a-z0-9])?[.])+[a-z]{2,}
{%- endmacro %}

{% macro is_valid_email(column) -%}
    {{ return(adapter.dispatch('is_valid_email', 'tapestry')(column)) }}
{%- endmacro %}

{% macro default__is_valid_email(column) -%}
    regexp_like({{ column }}, '{{ valid_email_pattern() }}')
{%- endmacro %}

{% macro duckdb__is_valid_email(column) -%}
    regexp_full_match({{ column }}, '{{ valid_email_pattern() }}')
{%- endmacro %}
