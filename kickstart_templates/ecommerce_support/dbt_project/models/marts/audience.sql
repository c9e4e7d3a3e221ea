{#- The audience of the ecommerce_support template: one row per person with a valid e-mail (people), with where
    each person appears (`in_<source>`), purchase facts from the Stripe source (people_purchases), support facts
    from the Zendesk Support source (people_support), and the tags the sync sends from columns (null: no tag).
    Replaces the bundled generic audience model in this template's projects. A fact whose source the project
    does not have is 0 / null, so the model still builds when a source is removed from tapestry.yml. -#}
{%- set sources = var('tapestry_sources', {}) %}
with people as (

    select * from {{ ref('people') }}
    where email_address is not null
    -- two people who share a golden e-mail: the one with more records stays (audience_rejected_records)
    qualify row_number() over (partition by email_address order by record_count desc, person_id) = 1

),

facts as (

    select
        people.email_address,
        people.person_id,
        people.first_name,
        people.last_name,
        people.phone,
        {%- for column in membership_columns() %}
        people.{{ column }},
        {%- endfor %}
    {%- if 'stripe' in sources %}
        coalesce(purchases.order_count, 0) as order_count,
        coalesce(purchases.lifetime_value, 0) as lifetime_value,
        purchases.lifetime_value_currency,
        purchases.last_order_at,
        cast(purchases.last_order_at as date) as last_order_date,
    {%- else %}
        0 as order_count,
        cast(0 as decimal(18, 2)) as lifetime_value,
        cast(null as {{ dbt.type_string() }}) as lifetime_value_currency,
        cast(null as {{ type_timestamp_tz() }}) as last_order_at,
        cast(null as date) as last_order_date,
    {%- endif %}
    {%- if 'zendesk_support' in sources %}
        coalesce(support.open_ticket_count, 0) as open_ticket_count,
        support.last_ticket_at,
    {%- else %}
        0 as open_ticket_count,
        cast(null as {{ type_timestamp_tz() }}) as last_ticket_at,
    {%- endif %}
        people.first_seen_at,
        people.last_seen_at
    from people
    {%- if 'stripe' in sources %}
    left join {{ ref('people_purchases') }} as purchases on purchases.person_id = people.person_id
    {%- endif %}
    {%- if 'zendesk_support' in sources %}
    left join {{ ref('people_support') }} as support on support.person_id = people.person_id
    {%- endif %}

)

select
    *,
    order_count > 0 as is_customer,
    open_ticket_count > 0 as has_open_ticket,
    -- the tags the sync sends from columns (null: no tag)
    case when order_count > 0 then 'customer' end as customer_tag,
    case when open_ticket_count > 0 then 'has open ticket' end as open_ticket_tag
from facts
