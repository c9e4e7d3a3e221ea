{{ config(enabled='stripe' in var('tapestry_sources', {})) }}

{#- Purchase facts per person (normalised e-mail), from the project's Stripe source: every successful charge of
    every non-deleted customer with that e-mail (a shop often has several customers per person: guest checkouts,
    a new card). Guest payments without a customer are not attributed to anyone.
    lifetime_value: paid minus refunded, in the currency of the person's latest order (orders in another currency
    count in order_count but not in the value: adding euros to dollars would be a number nobody can use). -#}
with customers as (

    select customer_id, email_key
    from {{ ref('stg_stripe__customers') }}
    where not is_deleted and email_key is not null

),

orders as (

    select
        customers.email_key,
        charges.charge_id,
        charges.currency,
        charges.amount - charges.amount_refunded as net_amount,
        charges.created_at
    from {{ ref('stg_stripe__charges') }} as charges
    inner join customers on customers.customer_id = charges.customer_id
    where charges.is_successful

),

latest_currency as (

    select email_key, currency
    from orders
    qualify row_number() over (partition by email_key order by created_at desc, charge_id desc) = 1

)

select
    orders.email_key,
    count(*) as order_count,
    cast(sum(case when orders.currency = latest_currency.currency then orders.net_amount else 0 end) as decimal(18, 2))
        as lifetime_value,
    latest_currency.currency as lifetime_value_currency,
    min(orders.created_at) as first_order_at,
    max(orders.created_at) as last_order_at
from orders
inner join latest_currency on latest_currency.email_key = orders.email_key
group by orders.email_key, latest_currency.currency
