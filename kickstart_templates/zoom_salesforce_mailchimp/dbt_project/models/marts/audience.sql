{#- The audience of the zoom_salesforce_mailchimp template: one row per person (valid e-mail), with where
    each person appears (`in_<source>`) and, from the Zoom source, how many webinars they registered to.
    Replaces the bundled generic audience model in this template's projects. -#}
with people as (

    select * from {{ ref('int_people__deduplicated') }}

),

webinars as (

    select
        email_key,
        count(distinct webinar_id) as webinar_count
    from {{ ref('stg_zoom__webinar_registrants') }}
    where {{ is_valid_email('email_key') }}
    group by email_key

)

select
    people.email_key as email_address,
    people.first_name,
    people.last_name,
    {%- for column in membership_columns() %}
    people.{{ column }},
    {%- endfor %}
    coalesce(webinars.webinar_count, 0) as webinar_count,
    people.first_seen_at,
    people.last_seen_at
from people
left join webinars on webinars.email_key = people.email_key
