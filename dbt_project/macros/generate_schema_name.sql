{#- A model's `schema` config is the schema's full name (marts), not a suffix of the target schema
    (analytics_marts): the sync engine's role is granted exactly the marts schema. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
