{{ config(enabled='zendesk_support' in var('tapestry_sources', {})) }}

{#- Support facts per person, from the project's Zendesk Support source: the tickets the person asked
    (requester: any of their Zendesk users, through identity_map), deleted tickets left out. Open: new, open,
    pending or on hold. Agents, admins, deleted and suspended users are not people (int_zendesk_support__people),
    so their tickets count for nobody. -#}
{%- set zendesk = project_sources().get('zendesk_support', {}).get('name', 'zendesk_support') -%}
select
    map.person_id,
    count(*) as ticket_count,
    sum(case when tickets.is_open then 1 else 0 end) as open_ticket_count,
    max(tickets.created_at) as last_ticket_at
from {{ ref('stg_zendesk_support__tickets') }} as tickets
inner join {{ ref('identity_map') }} as map
    on map.source = '{{ zendesk }}' and map.source_record_id = tickets.requester_id
where tickets.status <> 'deleted'
group by map.person_id
