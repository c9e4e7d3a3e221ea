{#- One row per person (valid e-mail key).

    Survivorship rule, applied to first_name and last_name independently:
      the most recently updated record with a non-null value wins;
      ties go to the source ranked first (var `preferred_source`, then the order of sources in
      tapestry.yml), then to the smallest source record id, so the result never depends on load order.
    One `in_<source>` flag per source of the project (macro membership_flags). -#}
with people as (

    select * from {{ ref('int_people__unioned') }}
    where email_status = 'valid'

),

first_names as (

    select email_key, first_name
    from people
    where first_name is not null
    qualify row_number() over (
        partition by email_key
        order by updated_at desc nulls last, source_rank, source_record_id
    ) = 1

),

last_names as (

    select email_key, last_name
    from people
    where last_name is not null
    qualify row_number() over (
        partition by email_key
        order by updated_at desc nulls last, source_rank, source_record_id
    ) = 1

),

memberships as (

    select
        email_key,
        {{- membership_flags('source') }}
        min(first_seen_at) as first_seen_at,
        max(updated_at) as last_seen_at
    from people
    group by email_key

)

select
    memberships.email_key,
    first_names.first_name,
    last_names.last_name,
    {%- for column in membership_columns() %}
    memberships.{{ column }},
    {%- endfor %}
    memberships.first_seen_at,
    memberships.last_seen_at
from memberships
left join first_names on first_names.email_key = memberships.email_key
left join last_names on last_names.email_key = memberships.email_key
