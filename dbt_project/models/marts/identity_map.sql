{#- Which person every source record belongs to, with an id that survives reruns and new data.

    The previous build of this table is read before it is replaced ({{ this }}), so ids carry over:
      - each previous person_id goes to the component that holds most of its records (a split: the
        largest part keeps the id; ties go to the component with the smallest record_id);
      - a component keeps, of the ids it won, the one covering most of its records (a merge: the other
        ids are retired; ties go to the smallest id);
      - a component that won none gets a new id: md5 of its smallest record_id (of that and the id the
        record had before, when that md5 was issued already).
    previous_person_id / person_since say what a record's last change of person was (identity_changes
    lists them). -#}
{%- set previous = adapter.get_relation(this.database, this.schema, this.identifier) -%}
{%- set built_at = "cast('" ~ run_started_at.strftime("%Y-%m-%d %H:%M:%S") ~ "+00:00' as " ~ type_timestamp_tz() ~ ")" -%}
with clusters as (

    select
        records.record_id,
        records.source,
        records.source_record_id,
        clusters.cluster_num,
        clusters.matched_by
    from {{ ref('int_identity__clusters') }} as clusters
    inner join {{ ref('int_identity__records') }} as records on records.record_num = clusters.record_num

),

previous as (

    {%- if previous is not none %}
    select record_id, person_id, previous_person_id, person_since, first_mapped_at from {{ this }}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as record_id,
        cast(null as {{ dbt.type_string() }}) as person_id,
        cast(null as {{ dbt.type_string() }}) as previous_person_id,
        {{ built_at }} as person_since,
        {{ built_at }} as first_mapped_at
    where 1 = 0
    {%- endif %}

),

first_records as (

    select cluster_num, min(record_id) as record_id
    from clusters
    group by cluster_num

),

claims as (

    select clusters.cluster_num, previous.person_id, count(*) as records
    from clusters
    inner join previous on previous.record_id = clusters.record_id
    group by 1, 2

),

won as (

    select claims.cluster_num, claims.person_id, claims.records
    from claims
    inner join first_records on first_records.cluster_num = claims.cluster_num
    qualify row_number() over (
        partition by claims.person_id order by claims.records desc, first_records.record_id
    ) = 1

),

kept as (

    select cluster_num, person_id
    from won
    qualify row_number() over (partition by cluster_num order by records desc, person_id) = 1

),

fresh as (

    select
        first_records.cluster_num,
        case
            when md5(first_records.record_id) in (select person_id from previous)
                then md5(first_records.record_id || ':' || coalesce(previous.person_id, ''))
            else md5(first_records.record_id)
        end as person_id
    from first_records
    left join kept on kept.cluster_num = first_records.cluster_num
    left join previous on previous.record_id = first_records.record_id
    where kept.cluster_num is null

),

person_ids as (

    select cluster_num, person_id from kept
    union all
    select cluster_num, person_id from fresh

)

select
    clusters.record_id,
    clusters.source,
    clusters.source_record_id,
    person_ids.person_id,
    clusters.matched_by,
    case
        when previous.person_id is null then null
        when previous.person_id = person_ids.person_id then previous.previous_person_id
        else previous.person_id
    end as previous_person_id,
    case
        when previous.person_id = person_ids.person_id then previous.person_since
        else {{ built_at }}
    end as person_since,
    coalesce(previous.first_mapped_at, {{ built_at }}) as first_mapped_at
from clusters
inner join person_ids on person_ids.cluster_num = clusters.cluster_num
left join previous on previous.record_id = clusters.record_id
