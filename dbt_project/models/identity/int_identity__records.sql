{#- One row per source record (the people contract: int_people__unioned) with its identifiers normalised
    by the rules of `identity:`: the deliverable e-mail and its verdict, the e-mail match key, phones as
    E.164, the source record id. record_num is a dense integer key for the graph steps. -#}
with unioned as (

    select * from {{ ref('int_people__unioned') }}

),

normalised as (

    select
        record_id,
        source,
        source_record_id,
        email_raw,
        {{ identity_email_address('email_raw') }} as email_address,
        {{ identity_email_cleaned('email_raw') }} as email_cleaned,
        {{ identity_phone_digits('phone_raw') }} as phone_digits,
        {{ identity_phone_digits('mobile_phone_raw') }} as mobile_phone_digits,
        {{ identity_source_id_key('source', 'source_record_id') }} as source_id_key,
        first_name,
        last_name,
        webinar_id,
        first_seen_at,
        updated_at,
        {{ identity_source_rank('source') }} as source_rank
    from unioned

),

checked as (

    select
        *,
        case
            when email_address is null then 'missing'
            when {{ is_valid_email('email_address') }} then 'valid'
            else 'malformed'
        end as email_status,
        {{ identity_phone_e164('phone_digits') }} as phone_e164,
        {{ identity_phone_e164('mobile_phone_digits') }} as mobile_phone_e164
    from normalised

)

select
    row_number() over (order by record_id) as record_num,
    record_id,
    source,
    source_record_id,
    email_raw,
    email_address,
    email_status,
    -- only a valid address is matched on: the cleaned value has exactly one @ then
    case
        when email_status = 'valid' and {{ is_valid_email('lower(email_cleaned)') }}
            then {{ identity_email_match_key('email_cleaned') }}
    end as email_match_key,
    phone_e164,
    case when mobile_phone_e164 <> coalesce(phone_e164, '') then mobile_phone_e164 end as mobile_phone_e164,
    source_id_key,
    first_name,
    last_name,
    nullif(lower(trim(first_name)), '') as first_name_key,
    nullif(lower(trim(last_name)), '') as last_name_key,
    webinar_id,
    first_seen_at,
    updated_at,
    source_rank
from checked
