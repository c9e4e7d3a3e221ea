{#- Every appearance of a person in any of the project's sources, each read from its source plugin's people
    model (macro people_union: nothing here names a source), with its e-mail verdict. -#}
with unioned as (
    {{ people_union() }}
)

select
    source || ':' || source_record_id as record_id,
    unioned.*,
    case
        when email_key is null then 'missing'
        when {{ is_valid_email('email_key') }} then 'valid'
        else 'malformed'
    end as email_status,
    {{ source_rank('source') }} as source_rank
from unioned
