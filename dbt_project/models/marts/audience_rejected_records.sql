{#- Source records left out of the audience because their e-mail is missing or malformed. -#}
select
    record_id,
    source,
    source_record_id,
    email_raw,
    email_status as reason,
    first_name,
    last_name,
    updated_at
from {{ ref('int_people__unioned') }}
where email_status <> 'valid'
