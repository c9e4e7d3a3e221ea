{#- One row per source record: the component it belongs to (cluster_num, the smallest record_num in it),
    the rule level it was resolved at, the component it was cut from when the limits cut one, and the
    strongest match rule that joins it to another record of its component (matched_by; 'none' when the
    record is alone). The components themselves are computed by the pre-hook (identity_resolve_clusters). -#}
-- depends_on: {{ ref('int_identity__identifiers') }}
{{ config(
    pre_hook="{{ identity_resolve_clusters() }}",
    post_hook="{{ identity_drop_work_tables() }}",
) }}
{%- set rules = identity_config()["match_rules"] -%}
with records as (

    select record_num from {{ ref('int_identity__records') }}

),

resolved as (

    select * from {{ identity_work_relation("final") }}

),

-- the strongest rule among the links used at the level the record was resolved at
matched as (

    select links.record_num, min(links.priority) as priority
    from {{ identity_work_relation("links") }} as links
    inner join resolved on resolved.record_num = links.record_num
    where links.priority <= resolved.resolved_level
    group by links.record_num

)

select
    records.record_num,
    coalesce(resolved.cluster_num, records.record_num) as cluster_num,
    coalesce(resolved.top_cluster_num, records.record_num) as top_cluster_num,
    coalesce(resolved.resolved_level, {{ rules | length }}) as resolved_level,
    coalesce(resolved.over_limits, false) as over_limits,
    case matched.priority
    {%- for rule in rules %}
        when {{ loop.index }} then '{{ ([rule["identifier"]] + (rule.get("same") or [])) | join("+") }}'
    {%- endfor %}
        else 'none'
    end as matched_by
from records
left join resolved on resolved.record_num = records.record_num
left join matched on matched.record_num = records.record_num
