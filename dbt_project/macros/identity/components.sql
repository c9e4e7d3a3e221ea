{#- Connected components of the record/identifier graph, in plain SQL that runs on DuckDB and Snowflake.

    Records are nodes; an identifier two records share (and that no rule blocks) joins them. Each record
    starts with its own number as label; a pass gives every identifier the smallest label of its records,
    every record the smallest label of its identifiers, then jumps once through the label (a record takes
    the label of the record its label names), which halves long chains on every pass. When no label
    changes, every record holds the smallest record number of its component.

    Limits (identity.limits): a component with more distinct e-mails, phones or records than one person may
    have is resolved again without its weakest match rule (the last in identity.match_rules), and so on
    down to the strongest rule alone; what is still over the limits then stays as it is, flagged.

    Called as the pre-hook of int_identity__clusters: it writes work tables next to that model (suffix
    __w_*), the model reads them, its post-hook drops them (identity_drop_work_tables). -#}
{% macro identity_resolve_clusters() %}
    {%- if not execute -%}{{ return("") }}{%- endif -%}
    {%- set identity = identity_config() -%}
    {%- set limits = identity["limits"] -%}
    {%- set top_level = identity["match_rules"] | length -%}
    {%- set max_passes = identity["max_passes"] | int -%}
    {%- set links = identity_work_relation("links") -%}
    {%- set stats = identity_work_relation("stats") -%}
    {%- set todo = identity_work_relation("todo") -%}
    {%- set level_links = identity_work_relation("level_links") -%}
    {%- set over = identity_work_relation("over") -%}
    {%- set final = identity_work_relation("final") -%}
    {%- set labels = [identity_work_relation("labels_a"), identity_work_relation("labels_b")] -%}

    {#- identifiers that may link (no block) and that two or more records carry, as dense integers -#}
    {%- do run_query(identity_create_table(links, "
        select record_num, priority, dense_rank() over (order by priority, rule_value) as ident_num
        from (
            select distinct record_num, priority, rule_value
            from " ~ ref("int_identity__identifiers") ~ "
            where blocked_reason is null
        ) as usable
        qualify count(*) over (partition by priority, rule_value) > 1
    ")) -%}
    {%- do run_query(identity_create_table(stats, "
        select record_num, 'email' as kind, email_match_key as value
        from " ~ ref("int_identity__records") ~ " where email_match_key is not null
        union all
        select record_num, 'phone', phone_e164 from " ~ ref("int_identity__records") ~ " where phone_e164 is not null
        union all
        select record_num, 'phone', mobile_phone_e164
        from " ~ ref("int_identity__records") ~ " where mobile_phone_e164 is not null
    ")) -%}
    {%- do run_query(identity_create_table(todo, "
        select distinct record_num, cast(null as bigint) as top_cluster_num from " ~ links
    )) -%}
    {%- do run_query(identity_create_table(final, "
        select
            cast(null as bigint) as record_num,
            cast(null as bigint) as cluster_num,
            cast(null as integer) as resolved_level,
            cast(null as bigint) as top_cluster_num,
            cast(null as boolean) as over_limits
        where 1 = 0
    ")) -%}

    {%- set state = namespace(todo=1, current=0, passes=0) -%}
    {%- for level in range(top_level, 0, -1) -%}
        {%- if state.todo > 0 -%}
            {%- do run_query(identity_create_table(level_links, "
                select l.record_num, l.ident_num
                from " ~ links ~ " as l
                inner join " ~ todo ~ " as t on t.record_num = l.record_num
                where l.priority <= " ~ level
            )) -%}
            {%- do run_query(identity_create_table(labels[0], "
                select record_num, record_num as label from " ~ todo
            )) -%}
            {%- set state.current = 0 -%}
            {%- set settled = namespace(done=false) -%}
            {%- for pass in range(max_passes) -%}
                {%- if not settled.done -%}
                    {%- set current = labels[state.current] -%}
                    {%- set following = labels[1 - state.current] -%}
                    {%- do run_query(identity_create_table(following, "
                        with identifier_min as (
                            select l.ident_num, min(c.label) as label
                            from " ~ level_links ~ " as l
                            inner join " ~ current ~ " as c on c.record_num = l.record_num
                            group by l.ident_num
                        ),
                        record_min as (
                            select l.record_num, min(i.label) as label
                            from " ~ level_links ~ " as l
                            inner join identifier_min as i on i.ident_num = l.ident_num
                            group by l.record_num
                        )
                        select
                            c.record_num,
                            least(c.label, coalesce(r.label, c.label), coalesce(j.label, c.label)) as label
                        from " ~ current ~ " as c
                        left join record_min as r on r.record_num = c.record_num
                        left join " ~ current ~ " as j on j.record_num = r.label
                    ")) -%}
                    {%- set changed = run_query(
                        "select count(*) from " ~ following ~ " as f inner join " ~ current ~ " as c "
                        ~ "on c.record_num = f.record_num where f.label <> c.label"
                    ).columns[0].values()[0] | int -%}
                    {%- set state.current = 1 - state.current -%}
                    {%- set state.passes = state.passes + 1 -%}
                    {%- if changed == 0 -%}{%- set settled.done = true -%}{%- endif -%}
                {%- endif -%}
            {%- endfor -%}
            {%- if not settled.done -%}
                {{ exceptions.raise_compiler_error(
                    "identity resolution: components still changed after " ~ max_passes ~ " passes at rule level "
                    ~ level ~ ". Fix: raise identity.max_passes in tapestry.yml, or look for a value that chains "
                    ~ "many records (identity_blocked_identifiers lists the blocked ones)"
                ) }}
            {%- endif -%}
            {%- set resolved = labels[state.current] -%}
            {%- do run_query(identity_create_table(over, "
                select c.label
                from " ~ resolved ~ " as c
                left join " ~ stats ~ " as s on s.record_num = c.record_num
                group by c.label
                having 1 = 0
                " ~ ("or count(distinct case when s.kind = 'email' then s.value end) > " ~ limits["max_emails_per_person"] if limits["max_emails_per_person"] else "") ~ "
                " ~ ("or count(distinct case when s.kind = 'phone' then s.value end) > " ~ limits["max_phones_per_person"] if limits["max_phones_per_person"] else "") ~ "
                " ~ ("or count(distinct c.record_num) > " ~ limits["max_records_per_person"] if limits["max_records_per_person"] else "")
            )) -%}
            {%- do run_query(
                "insert into " ~ final ~ " (record_num, cluster_num, resolved_level, top_cluster_num, over_limits) "
                ~ "select c.record_num, c.label, " ~ level ~ ", coalesce(t.top_cluster_num, c.label), o.label is not null "
                ~ "from " ~ resolved ~ " as c "
                ~ "inner join " ~ todo ~ " as t on t.record_num = c.record_num "
                ~ "left join " ~ over ~ " as o on o.label = c.label "
                ~ ("" if level == 1 else "where o.label is null")
            ) -%}
            {%- if level > 1 -%}
                {%- set next_todo = identity_work_relation("todo_next") -%}
                {%- do run_query(identity_create_table(next_todo, "
                    select c.record_num, coalesce(t.top_cluster_num, c.label) as top_cluster_num
                    from " ~ resolved ~ " as c
                    inner join " ~ todo ~ " as t on t.record_num = c.record_num
                    inner join " ~ over ~ " as o on o.label = c.label
                ")) -%}
                {%- do run_query(identity_create_table(todo, "select * from " ~ next_todo)) -%}
                {%- set state.todo = run_query("select count(*) from " ~ todo).columns[0].values()[0] | int -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ log("identity resolution: " ~ state.passes ~ " label passes", info=false) }}
    {{ return("") }}
{% endmacro %}

{% macro identity_work_relation(name) -%}
    {{ return(api.Relation.create(
        database=this.database, schema=this.schema, identifier=this.identifier ~ "__w_" ~ name, type="table"
    )) }}
{%- endmacro %}

{% macro identity_work_tables() -%}
    {{ return(["links", "stats", "todo", "todo_next", "level_links", "over", "final", "labels_a", "labels_b"]) }}
{%- endmacro %}

{% macro identity_drop_work_tables() %}
    {%- if execute -%}
        {%- for name in identity_work_tables() -%}
            {%- do run_query("drop table if exists " ~ identity_work_relation(name)) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return("") }}
{% endmacro %}

{#- A work table, replaced if it exists. On Snowflake transient: no fail-safe copies of scratch data. -#}
{% macro identity_create_table(relation, sql) -%}
    {{ return(adapter.dispatch('identity_create_table', 'tapestry')(relation, sql)) }}
{%- endmacro %}

{% macro default__identity_create_table(relation, sql) -%}
    create or replace table {{ relation }} as {{ sql }}
{%- endmacro %}

{% macro snowflake__identity_create_table(relation, sql) -%}
    create or replace transient table {{ relation }} as {{ sql }}
{%- endmacro %}
