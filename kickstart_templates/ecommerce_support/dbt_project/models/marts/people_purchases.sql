{{ config(enabled='stripe' in var('tapestry_sources', {})) }}

{#- Purchase facts per person, from the project's Stripe source: every successful charge of every customer of
    the person. A shop often has several customers per person (guest checkouts, a new card), under other
    spellings of the e-mail or with another address and the same phone: identity_map says whose each customer
    is. Deleted customers are not people (int_stripe__people), so their charges belong to nobody, as do guest
    payments without a customer. An order is a successful charge not refunded in full.
    lifetime_value: paid minus refunded, in the currency of the person's latest order (orders in another
    currency count in order_count but not in the value: adding euros to dollars would be a number nobody can
    use). -#}
{%- set stripe = project_sources().get('stripe', {}).get('name', 'stripe') -%}
with orders as (

    select
        map.person_id,
        charges.charge_id,
        charges.currency,
        charges.amount - charges.amount_refunded as net_amount,
        charges.created_at
    from {{ ref('stg_stripe__charges') }} as charges
    inner join {{ ref('identity_map') }} as map
        on map.source = '{{ stripe }}' and map.source_record_id = charges.customer_id
    where charges.is_successful
        and charges.amount_refunded < charges.amount  -- a charge refunded in full is no order

),

latest_currency as (

    select person_id, currency
    from orders
    qualify row_number() over (partition by person_id order by created_at desc, charge_id desc) = 1

)

select
    orders.person_id,
    count(*) as order_count,
    cast(sum(case when orders.currency = latest_currency.currency then orders.net_amount else 0 end) as decimal(18, 2))
        as lifetime_value,
    latest_currency.currency as lifetime_value_currency,
    min(orders.created_at) as first_order_at,
    max(orders.created_at) as last_order_at
from orders
inner join latest_currency on latest_currency.person_id = orders.person_id
group by orders.person_id, latest_currency.currency
