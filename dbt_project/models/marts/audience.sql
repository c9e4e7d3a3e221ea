{#- The audience: one row per person (valid e-mail), named by what it is, not by the tool that reads it. -#}
select
    email_key as email_address,
    first_name,
    last_name,
    in_zoom,
    in_salesforce,
    webinar_count,
    first_seen_at,
    last_seen_at
from {{ ref('int_people__deduplicated') }}
