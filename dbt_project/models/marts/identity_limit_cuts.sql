{#- Components the limits cut (identity.limits): what would have been one person with more e-mails, phones
    or records than one person may have. Such a component is resolved again without its weakest match rule
    (then the next weakest); `people_after` says how many people it became and `resolved_with` the rules
    that were still used. `still_over_limits` flags those that the strongest rule alone still joins. -#}
{%- set rules = identity_config()["match_rules"] -%}
{#- each rule named as identity_map.matched_by names it: the identifier, and the fields it wants equal -#}
{%- set rule_names = [] -%}
{%- for rule in rules -%}
    {%- do rule_names.append(([rule["identifier"]] + (rule.get("same") or [])) | join("+")) -%}
{%- endfor -%}
with clusters as (

    select
        clusters.*,
        records.record_id,
        records.email_match_key,
        records.phone_e164,
        records.mobile_phone_e164
    from {{ ref('int_identity__clusters') }} as clusters
    inner join {{ ref('int_identity__records') }} as records on records.record_num = clusters.record_num

),

cut as (

    select distinct top_cluster_num
    from clusters
    where resolved_level < {{ rules | length }} or over_limits

),

phones as (

    select top_cluster_num, count(distinct phone) as phones
    from (
        select top_cluster_num, phone_e164 as phone from clusters where phone_e164 is not null
        union all
        select top_cluster_num, mobile_phone_e164 from clusters where mobile_phone_e164 is not null
    ) as numbers
    group by top_cluster_num

)

select
    min(clusters.record_id) as component_id,
    count(*) as records,
    count(distinct clusters.email_match_key) as emails,
    coalesce(max(phones.phones), 0) as phones,
    count(distinct clusters.cluster_num) as people_after,
    case min(clusters.resolved_level)
    {%- for rule in rules %}
        when {{ loop.index }} then '{{ rule_names[:loop.index] | join(", ") }}'
    {%- endfor %}
    end as resolved_with,
    max(case when clusters.over_limits then 1 else 0 end) = 1 as still_over_limits
from cut
inner join clusters on clusters.top_cluster_num = cut.top_cluster_num
left join phones on phones.top_cluster_num = cut.top_cluster_num
group by cut.top_cluster_num
