{#- Stripe's two shapes of the same facts (the API's, which Airbyte lands, and the Dashboard's CSV exports),
    read into one. Self-contained: these macros travel with the stripe plugin's models. -#}

{#- A full-string regular expression match, on DuckDB (RE2) and Snowflake (POSIX ERE) alike. -#}
{% macro stripe_matches(text, pattern) -%}
    {{ return(adapter.dispatch('stripe_matches', 'tapestry')(text, pattern)) }}
{%- endmacro %}

{% macro default__stripe_matches(text, pattern) -%}
    regexp_like({{ text }}, '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__stripe_matches(text, pattern) -%}
    regexp_full_match({{ text }}, '{{ pattern }}')
{%- endmacro %}

{#- `created`/`updated`: Unix seconds in the API (a number on Snowflake), `2024-01-31 09:15` in the Dashboard's
    export (its header says UTC, so a time without a zone is UTC on either warehouse). -#}
{% macro stripe_timestamp(column) -%}
    {%- set text = "nullif(trim(cast(" ~ column ~ " as " ~ dbt.type_string() ~ ")), '')" -%}
    case
        when {{ stripe_matches(text, '[0-9]+') }}
            then {{ dbt.dateadd('second', 'cast(' ~ text ~ ' as bigint)', "cast('1970-01-01 00:00:00+00:00' as " ~ type_timestamp_tz() ~ ")") }}
        when {{ stripe_matches(text, '[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2})?') }}
            then {{ text_to_timestamp_tz(text ~ " || '+00:00'") }}
        else {{ text_to_timestamp_tz(text) }}
    end
{%- endmacro %}

{#- An amount in the currency's main unit (12.50 for $12.50). The API counts the smallest unit (1250; zero-decimal
    currencies such as JPY count whole units, three-decimal ones such as KWD thousandths); the Dashboard's export
    writes the decimal itself (12.50). A whole number is the API's; anything else is read as the Dashboard's. -#}
{% macro stripe_amount(amount, currency) -%}
    {%- set text = "nullif(trim(cast(" ~ amount ~ " as " ~ dbt.type_string() ~ ")), '')" -%}
    cast(
        case
            when {{ stripe_matches(text, '-?[0-9]+') }}
                then cast({{ text }} as decimal(38, 0)) / {{ stripe_minor_units(currency) }}
            else {{ dbt.safe_cast(text, 'decimal(38, 3)') }}
        end
    as decimal(38, 3))
{%- endmacro %}

{#- How many of a currency's smallest unit make one (Stripe's lists of zero- and three-decimal currencies). -#}
{% macro stripe_minor_units(currency) -%}
    case
        when lower({{ currency }}) in (
            'bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf'
        ) then 1
        when lower({{ currency }}) in ('bhd', 'jod', 'kwd', 'omr', 'tnd') then 1000
        else 100
    end
{%- endmacro %}
