{{ config(enabled='stripe' in var('tapestry_sources', {})) }}

with source as (

    select * from {{ source('stripe', 'charges') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as charge_id,
        nullif(trim(cast(customer as {{ dbt.type_string() }})), '') as customer_id,
        lower(nullif(trim(currency), '')) as currency,
        {{ stripe_amount('amount', 'currency') }} as amount,
        coalesce({{ stripe_amount('amount_refunded', 'currency') }}, 0) as amount_refunded,
        lower(nullif(trim(status), '')) as status,
        captured,
        paid,
        {{ stripe_timestamp('created') }} as created_at,
        {{ stripe_timestamp('updated') }} as changed_at,
        _airbyte_extracted_at as extracted_at,
        _airbyte_raw_id as raw_id

    from source

)

select
    charge_id,
    customer_id,
    currency,
    amount,
    amount_refunded,
    status,
    -- The money was taken: succeeded (API) or Paid / Refunded / Partially refunded (Dashboard), and captured.
    coalesce(
        case
            when status is not null
                then status in ('succeeded', 'paid', 'refunded', 'partially refunded', 'partially_refunded')
            else paid
        end,
        false
    ) and coalesce(captured, true) as is_successful,
    created_at,
    coalesce(changed_at, created_at) as updated_at,
    extracted_at,
    raw_id
from renamed
qualify row_number() over (
    partition by charge_id
    order by coalesce(changed_at, created_at) desc nulls last, extracted_at desc, raw_id
) = 1
