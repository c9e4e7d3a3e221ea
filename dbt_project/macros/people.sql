{#- The union of people, generated from the project's sources.

    Tapestry passes the project's sources as the var `tapestry_sources`, in the order of tapestry.yml:
        {<type>: {name: <source name>, schema: <raw schema>, people_model: int_<type>__people}, ...}
    Each source plugin ships its people model with the columns of people_columns(); nothing here names a
    source. A source added to tapestry.yml joins the union on the next run. -#}

{% macro people_columns() -%}
    {{ return(["source_record_id", "email_raw", "email_key", "first_name", "last_name", "first_seen_at", "updated_at"]) }}
{%- endmacro %}

{% macro project_sources() -%}
    {{ return(var('tapestry_sources', {}) or {}) }}
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
        cast(null as {{ dbt.type_string() }}) as source_record_id,
        cast(null as {{ dbt.type_string() }}) as email_raw,
        cast(null as {{ dbt.type_string() }}) as email_key,
        cast(null as {{ dbt.type_string() }}) as first_name,
        cast(null as {{ dbt.type_string() }}) as last_name,
        cast(null as {{ type_timestamp_tz() }}) as first_seen_at,
        cast(null as {{ type_timestamp_tz() }}) as updated_at
    where 1 = 0
    {%- endfor %}
{%- endmacro %}

{#- Survivorship ties go to the source named by the var `preferred_source` (when set), then to the sources
    in the order tapestry.yml lists them: a smaller rank wins. -#}
{% macro source_rank(column) -%}
    {%- set preferred = var('preferred_source', none) -%}
    {%- set sources = project_sources() -%}
    {%- if not preferred and not sources -%}
    0
    {%- else -%}
    case
        {%- if preferred %}
        when {{ column }} = '{{ preferred }}' then 0
        {%- endif %}
        {%- for type, source in sources.items() %}
        when {{ column }} = '{{ source.name }}' then {{ loop.index }}
        {%- endfor %}
        else {{ sources | length + 1 }}
    end
    {%- endif -%}
{%- endmacro %}

{#- `in_<source name>`: the person appears in that source. -#}
{% macro membership_columns() -%}
    {%- set columns = [] -%}
    {%- for type, source in project_sources().items() -%}
        {%- do columns.append("in_" ~ source.name) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{% macro membership_flags(column) -%}
    {%- for type, source in project_sources().items() %}
        max(case when {{ column }} = '{{ source.name }}' then 1 else 0 end) = 1 as in_{{ source.name }},
    {%- endfor %}
{%- endmacro %}
