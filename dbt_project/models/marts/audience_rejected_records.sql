{#- Source records whose person is not in the audience, with the reason: the person has no valid e-mail
    (the record's own e-mail is missing or malformed), or shares its e-mail with a person who is
    (shared_email). A record with a bad e-mail whose person has a good one elsewhere is not rejected. -#}
select
    records.record_id,
    records.source,
    records.source_record_id,
    records.email_raw,
    case when people.email_address is null then records.email_status else 'shared_email' end as reason,
    records.first_name,
    records.last_name,
    records.updated_at,
    map.person_id
from {{ ref('int_identity__records') }} as records
inner join {{ ref('identity_map') }} as map on map.record_id = records.record_id
inner join {{ ref('people') }} as people on people.person_id = map.person_id
left join {{ ref('audience') }} as audience on audience.person_id = map.person_id
where audience.person_id is null
