{#- The audience of the zoom_salesforce_mailchimp template: one row per person with a valid e-mail (people),
    with where each person appears (`in_<source>`) and, from the Zoom source, how many webinars they registered
    to (any of their registrations, through identity_map). Replaces the bundled generic audience model in this
    template's projects. -#}
{%- set zoom = project_sources().get('zoom', {}).get('name', 'zoom') -%}
with people as (

    select * from {{ ref('people') }}
    where email_address is not null
    -- two people who share a golden e-mail: the one with more records stays (audience_rejected_records)
    qualify row_number() over (partition by email_address order by record_count desc, person_id) = 1

),

webinars as (

    select
        map.person_id,
        count(distinct registrants.webinar_id) as webinar_count
    from {{ ref('stg_zoom__webinar_registrants') }} as registrants
    inner join {{ ref('identity_map') }} as map
        on map.source = '{{ zoom }}' and map.source_record_id = registrants.registration_id
    group by map.person_id

)

select
    people.email_address,
    people.person_id,
    people.first_name,
    people.last_name,
    people.phone,
    {%- for column in membership_columns() %}
    people.{{ column }},
    {%- endfor %}
    coalesce(webinars.webinar_count, 0) as webinar_count,
    people.first_seen_at,
    people.last_seen_at
from people
left join webinars on webinars.person_id = people.person_id
