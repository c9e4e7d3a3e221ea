{#- The audience Tapestry keeps in the Mailchimp list: one row per valid e-mail. -#}
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
