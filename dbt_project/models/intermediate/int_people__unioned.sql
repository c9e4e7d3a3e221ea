{#- Every appearance of a person in any of the project's sources: the people contract (docs/architecture.md),
    each source read from its plugin's people model (macro people_union: nothing here names a source). Records
    a source deleted are left out by its people model. Identity resolution (models/identity/) reads this. -#}
with unioned as (
    {{ people_union() }}
)

select
    source || ':' || source_record_id as record_id,
    unioned.*
from unioned
