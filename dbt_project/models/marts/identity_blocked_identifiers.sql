{#- Identifier values two or more records share that may not link them, and why (int_identity__identifiers:
    role_account, blocklist, junk, shared), with the number of records that carry each. -#}
select
    identifier_type,
    identifier_value,
    blocked_reason,
    count(distinct record_num) as records
from {{ ref('int_identity__identifiers') }}
where blocked_reason is not null
group by 1, 2, 3
