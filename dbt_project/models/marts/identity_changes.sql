{#- The log of merges and splits: every time records changed person, one row per (from, to) pair.
      merged  from_person_id no longer exists: its records now belong to to_person_id
      split   from_person_id still exists: some of its records left for to_person_id
    Appended on every build from identity_map (whose previous_person_id / person_since stay until the record
    changes again, so a failed build is caught up by the next). Never rebuilt by --full-refresh. -#}
{{ config(
    materialized="incremental",
    incremental_strategy="append",
    full_refresh=false,
    tmp_relation_type=("transient" if target.type == "snowflake" else none),
) }}
with map as (

    select * from {{ ref('identity_map') }}

)

select
    person_since as changed_at,
    previous_person_id as from_person_id,
    person_id as to_person_id,
    case
        when previous_person_id in (select person_id from map) then 'split'
        else 'merged'
    end as change,
    count(*) as records
from map
where previous_person_id is not null
{%- if is_incremental() %}
    and person_since > coalesce(
        (select max(changed_at) from {{ this }}),
        cast('1970-01-01 00:00:00+00:00' as {{ type_timestamp_tz() }})
    )
{%- endif %}
group by 1, 2, 3, 4
