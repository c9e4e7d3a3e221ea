{{ config(enabled='zendesk_support' in var('tapestry_sources', {})) }}

{#- Support facts per person (normalised e-mail), from the project's Zendesk Support source: the tickets each
    end-user asked (requester), deleted tickets left out. Open: new, open, pending or on hold. Tickets of agents,
    admins, deleted or suspended users do not count, as those users are not in the audience. -#}
with end_users as (

    select user_id, email_key
    from {{ ref('stg_zendesk_support__users') }}
    where role = 'end-user' and is_active and not is_suspended and email_key is not null

)

select
    end_users.email_key,
    count(*) as ticket_count,
    sum(case when tickets.is_open then 1 else 0 end) as open_ticket_count,
    max(tickets.created_at) as last_ticket_at
from {{ ref('stg_zendesk_support__tickets') }} as tickets
inner join end_users on end_users.user_id = tickets.requester_id
where tickets.status <> 'deleted'
group by end_users.email_key
