{#- Identity resolution settings: the `identity` var (what tapestry.yml's `identity:` section becomes,
    see tapestry.project.identity) over these defaults. Keep the two in step: a dbt run without Tapestry
    (dbt build in this folder) resolves people the way a project with no `identity:` section does. -#}
{% macro identity_defaults() -%}
    {{ return({
        "email": {
            "case": true,
            "spaces": true,
            "lookalikes": true,
            "gmail": true,
            "plus_tags": true,
            "plus_tag_domains": [
                "outlook.com", "hotmail.com", "hotmail.co.uk", "live.com", "msn.com",
                "icloud.com", "me.com", "mac.com", "fastmail.com", "fastmail.fm"
            ]
        },
        "phone": {"country_code": "1", "trunk_prefix": "1", "international_prefix": "011"},
        "match_rules": [
            {"identifier": "source_id", "same": []},
            {"identifier": "email", "same": []},
            {"identifier": "phone", "same": []}
        ],
        "limits": {
            "max_emails_per_person": 5,
            "max_phones_per_person": 5,
            "max_records_per_person": none,
            "max_names_per_identifier": 2
        },
        "blocked": {
            "role_accounts": true,
            "role_local_parts": [
                "admin", "accounts", "billing", "careers", "contact", "enquiries", "events", "finance", "hello",
                "help", "hr", "info", "inquiries", "jobs", "mail", "marketing", "media", "no-reply", "noreply",
                "office", "press", "reception", "sales", "service", "support", "team", "webinars", "webmaster"
            ],
            "junk_phones": true,
            "emails": [],
            "phones": []
        },
        "survivorship": {
            "email": "most_recent",
            "phone": "most_recent",
            "first_name": "most_recent",
            "last_name": "most_recent"
        },
        "source_priority": [],
        "max_passes": 30
    }) }}
{%- endmacro %}

{#- The settings in force: each section of the var replaces the same keys of the defaults. -#}
{% macro identity_config() -%}
    {%- set merged = identity_defaults() -%}
    {%- set given = var("identity", {}) or {} -%}
    {%- for key, value in given.items() -%}
        {%- if value is mapping and merged.get(key) is mapping -%}
            {%- set section = dict(merged[key]) -%}
            {%- do section.update(value) -%}
            {%- do merged.update({key: section}) -%}
        {%- else -%}
            {%- do merged.update({key: value}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(merged) }}
{%- endmacro %}

{#- A list of strings as a SQL list of literals: ('a', 'b'); ('') when empty so `in` stays valid. -#}
{% macro sql_string_list(values) -%}
    ({%- for value in values -%}
        {{ dbt.string_literal(dbt.escape_single_quotes(value | string)) }}{{ ", " if not loop.last }}
    {%- else -%}
        ''
    {%- endfor -%})
{%- endmacro %}

{#- The sources in priority order (the first wins ties): those `identity.source_priority` lists (when it lists
    none, the one the var `preferred_source` names, if any), then the project's other sources in the order of
    tapestry.yml. -#}
{% macro identity_source_order() -%}
    {%- set preferred = var("preferred_source", none) -%}
    {%- set order = (identity_config()["source_priority"] or ([preferred] if preferred else [])) | list -%}
    {%- for name in project_source_names() if name not in order -%}
        {%- do order.append(name) -%}
    {%- endfor -%}
    {{ return(order) }}
{%- endmacro %}

{#- Position of a record's source in identity_source_order() (0 first); a source not in it comes last. -#}
{% macro identity_source_rank(column) -%}
    {%- set order = identity_source_order() -%}
    case {{ column }}
    {%- for source in order %}
        when {{ dbt.string_literal(dbt.escape_single_quotes(source)) }} then {{ loop.index0 }}
    {%- endfor %}
        else {{ order | length }}
    end
{%- endmacro %}

{#- DuckDB's regexp_replace replaces the first match unless told 'g'; Snowflake's replaces every match. -#}
{% macro regexp_replace_all(subject, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'tapestry')(subject, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(subject, pattern, replacement) -%}
    regexp_replace({{ subject }}, '{{ pattern }}', '{{ replacement }}')
{%- endmacro %}

{% macro duckdb__regexp_replace_all(subject, pattern, replacement) -%}
    regexp_replace({{ subject }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{#- true when the pattern matches the whole subject -#}
{% macro regexp_full(subject, pattern) -%}
    {{ return(adapter.dispatch('regexp_full', 'tapestry')(subject, pattern)) }}
{%- endmacro %}

{% macro default__regexp_full(subject, pattern) -%}
    regexp_like({{ subject }}, '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__regexp_full(subject, pattern) -%}
    regexp_full_match({{ subject }}, '{{ pattern }}')
{%- endmacro %}

{#- A unique integer per row. DuckDB numbers rows without sorting them (a sort of every record id costs
    more than the rest of the normalisation); Snowflake wants an order. -#}
{% macro identity_record_number() -%}
    {{ return(adapter.dispatch('identity_record_number', 'tapestry')()) }}
{%- endmacro %}

{% macro default__identity_record_number() -%}
    row_number() over (order by record_id)
{%- endmacro %}

{% macro duckdb__identity_record_number() -%}
    row_number() over ()
{%- endmacro %}
