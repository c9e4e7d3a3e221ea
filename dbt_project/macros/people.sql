{#- The union of people, generated from the project's sources.

    Tapestry passes the project's sources as the var `tapestry_sources`, in the order of tapestry.yml:
        {<type>: {name: <source name>, schema: <raw schema>, people_model: int_<type>__people}, ...}
    Each source plugin ships its people model with the columns of people_columns() (the people contract,
    docs/architecture.md); nothing here names a source. A source added to tapestry.yml joins the union on the
    next run. -#}

{#- The people contract: every column a source's people model provides, with its type. Keep in step with
    tapestry.sources.base.PEOPLE_COLUMNS (tests/unit/test_source_plugins.py compares them). -#}
{% macro people_contract() -%}
    {{ return({
        "source_record_id": dbt.type_string(),
        "source_record_key": dbt.type_string(),
        "email_raw": dbt.type_string(),
        "phone_raw": dbt.type_string(),
        "mobile_phone_raw": dbt.type_string(),
        "first_name": dbt.type_string(),
        "last_name": dbt.type_string(),
        "first_seen_at": type_timestamp_tz(),
        "updated_at": type_timestamp_tz(),
    }) }}
{%- endmacro %}

{% macro people_columns() -%}
    {{ return(people_contract().keys() | list) }}
{%- endmacro %}

{% macro project_sources() -%}
    {{ return(var('tapestry_sources', {}) or {}) }}
{%- endmacro %}

{#- The names of the project's sources, in the order of tapestry.yml. -#}
{% macro project_source_names() -%}
    {%- set names = [] -%}
    {%- for type, source in project_sources().items() -%}
        {%- do names.append(source.name) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{#- One select per source, `source` being the source's name; an empty relation of the same shape when the
    project has no source yet. -#}
{% macro people_union() -%}
    {%- for type, source in project_sources().items() %}
    select
        cast('{{ source.name }}' as {{ dbt.type_string() }}) as source,
        {{ people_columns() | join(",\n        ") }}
    from {{ ref(source.people_model) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as source,
        {%- for column, type in people_contract().items() %}
        cast(null as {{ type }}) as {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    where 1 = 0
    {%- endfor %}
{%- endmacro %}

{#- `in_<source name>`: the person appears in that source. -#}
{% macro membership_columns() -%}
    {%- set columns = [] -%}
    {%- for name in project_source_names() -%}
        {%- do columns.append("in_" ~ name) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{% macro membership_flags(column) -%}
    {%- for name in project_source_names() %}
        max(case when {{ column }} = '{{ name }}' then 1 else 0 end) = 1 as in_{{ name }},
    {%- endfor %}
{%- endmacro %}
