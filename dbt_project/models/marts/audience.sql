{#- The audience: one row per person (valid e-mail), named by what it is, not by the tool that reads it.
    `in_<source>` says where each person appears; a template may replace this model with one that adds
    facts of its own sources (zoom_salesforce_mailchimp adds webinar_count). -#}
select
    email_key as email_address,
    first_name,
    last_name,
    {%- for column in membership_columns() %}
    {{ column }},
    {%- endfor %}
    first_seen_at,
    last_seen_at
from {{ ref('int_people__deduplicated') }}
