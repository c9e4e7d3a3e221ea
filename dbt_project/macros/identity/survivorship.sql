{#- Survivorship: which value of a person's records becomes the golden one, per field
    (identity.survivorship.<field>):
      most_recent      the value of the most recently updated record
      most_frequent    the value most of the person's records carry (ties: most recent)
      source_priority  the value from the first source in identity.source_priority (ties: most recent)
    `candidates` has person_id, value, penalty (lower first: e.g. shared inboxes last), updated_at,
    source_rank and record_id; ties always end on source_rank, then record_id (or the value), so the
    result never depends on load order. -#}
{#- The order of a person's records under a rule that orders them (most_recent, source_priority). -#}
{% macro identity_survivor_order(rule) -%}
    {%- if rule == "most_recent" -%}
    updated_at desc nulls last, source_rank, record_id
    {%- elif rule == "source_priority" -%}
    source_rank, updated_at desc nulls last, record_id
    {%- else -%}
    {{ exceptions.raise_compiler_error("unknown survivorship rule " ~ rule ~ ". Fix: use most_recent, most_frequent or source_priority") }}
    {%- endif -%}
{%- endmacro %}

{#- The first non-null value in the window's order. DuckDB writes IGNORE NULLS inside the call, Snowflake
    after it. -#}
{% macro first_value_ignore_nulls(expr, window) -%}
    {{ return(adapter.dispatch('first_value_ignore_nulls', 'tapestry')(expr, window)) }}
{%- endmacro %}

{% macro default__first_value_ignore_nulls(expr, window) -%}
    first_value({{ expr }}) ignore nulls over ({{ window }})
{%- endmacro %}

{% macro duckdb__first_value_ignore_nulls(expr, window) -%}
    first_value({{ expr }} ignore nulls) over ({{ window }})
{%- endmacro %}

{#- most_frequent: `candidates` has person_id, value, penalty (lower first), updated_at, source_rank and
    record_id; the value most records carry wins, ties to the most recent, then the source rank and the
    value. -#}
{% macro identity_survivor(candidates, rule) -%}
    {%- if rule == "most_frequent" -%}
    select person_id, value
    from (
        select
            person_id,
            value,
            min(penalty) as penalty,
            count(*) as records,
            max(updated_at) as updated_at,
            min(source_rank) as source_rank
        from {{ candidates }}
        group by person_id, value
    ) as counted
    qualify row_number() over (
        partition by person_id
        order by penalty, records desc, updated_at desc nulls last, source_rank, value
    ) = 1
    {%- elif rule in ("most_recent", "source_priority") -%}
    select person_id, value
    from {{ candidates }}
    qualify row_number() over (
        partition by person_id
        order by penalty,
        {%- if rule == "source_priority" %} source_rank, updated_at desc nulls last,
        {%- else %} updated_at desc nulls last, source_rank,
        {%- endif %} record_id
    ) = 1
    {%- else -%}
    {{ exceptions.raise_compiler_error("unknown survivorship rule " ~ rule ~ ". Fix: use most_recent, most_frequent or source_priority") }}
    {%- endif -%}
{%- endmacro %}
