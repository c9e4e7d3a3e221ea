{#- One row per source record (the people contract: int_people__unioned) with its identifiers normalised
    by the rules of `identity:`: the deliverable e-mail and its verdict, the e-mail match key, phones as
    E.164, the source record id key. record_num is an integer key for the graph steps (unique, not stable
    across builds: nothing outside the identity models may keep it). Each CTE is one
    step of the normalisation, so no expression runs twice per row. -#}
with unioned as (

    -- the people contract (docs/architecture.md): what every source's people model provides
    select
        record_id,
        source,
        source_record_id,
        source_record_key,
        email_raw,
        phone_raw,
        mobile_phone_raw,
        first_name,
        last_name,
        first_seen_at,
        updated_at
    from {{ ref('int_people__unioned') }}

),

folded as (

    select
        *,
        {{ identity_email_folded('email_raw') }} as email_folded,
        {{ identity_phone_text('phone_raw') }} as phone_text,
        {{ identity_phone_text('mobile_phone_raw') }} as mobile_phone_text
    from unioned

),

cleaned as (

    select
        *,
        {{ identity_email_address('email_folded') }} as email_address,
        {{ identity_email_cleaned('email_folded') }} as email_cleaned,
        {{ identity_phone_plain_digits('phone_text') }} as phone_plain,
        {{ identity_phone_plain_digits('mobile_phone_text') }} as mobile_phone_plain
    from folded

),

split as (

    select
        *,
        case
            when email_address is null then 'missing'
            when {{ is_valid_email('email_address') }} then 'valid'
            else 'malformed'
        end as email_status,
        split_part(email_cleaned, '@', 1) as email_local,
        {{ identity_email_domain('email_cleaned') }} as email_domain,
        {{ identity_phone_digits('phone_text', 'phone_plain') }} as phone_digits,
        {{ identity_phone_digits('mobile_phone_text', 'mobile_phone_plain') }} as mobile_phone_digits
    from cleaned

),

normalised as (

    select
        *,
        -- only a valid address is matched on (the cleaned value then has exactly one @)
        case
            when email_status = 'valid' and {{ is_valid_email('lower(email_cleaned)') }}
                then {{ identity_email_match_key('email_local', 'email_domain') }}
        end as email_match_key,
        {{ identity_phone_e164('phone_digits') }} as phone_e164,
        {{ identity_phone_e164('mobile_phone_digits') }} as mobile_phone_e164_any
    from split

)

select
    {{ identity_record_number() }} as record_num,
    record_id,
    source,
    source_record_id,
    email_raw,
    email_address,
    email_status,
    email_match_key,
    phone_e164,
    case when mobile_phone_e164_any <> coalesce(phone_e164, '') then mobile_phone_e164_any end as mobile_phone_e164,
    {{ identity_source_id_key('source', 'source_record_key') }} as source_id_key,
    first_name,
    last_name,
    nullif(lower(trim(first_name)), '') as first_name_key,
    nullif(lower(trim(last_name)), '') as last_name_key,
    first_seen_at,
    updated_at,
    {{ identity_source_rank('source') }} as source_rank
from normalised
