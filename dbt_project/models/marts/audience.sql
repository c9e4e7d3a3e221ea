{#- The audience: one row per person with a valid e-mail (people), named by what it is, not by the tool that
    reads it. `in_<source>` says where each person appears; a template may replace this model with one that adds
    facts of its own sources (zoom_salesforce_mailchimp adds webinar_count). The sync key is the person's golden
    e-mail. Two people can share one (a shared inbox never links records, but both keep it as their address):
    the one with more records stays, the other's records are listed in audience_rejected_records as
    shared_email. -#}
select
    email_address,
    person_id,
    first_name,
    last_name,
    phone,
    {%- for column in membership_columns() %}
    {{ column }},
    {%- endfor %}
    first_seen_at,
    last_seen_at
from {{ ref('people') }}
where email_address is not null
qualify row_number() over (partition by email_address order by record_count desc, person_id) = 1
