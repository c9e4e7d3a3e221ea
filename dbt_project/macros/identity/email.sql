{#- E-mail normalisation for identity resolution. Two forms per address:
      email_address   what is delivered and synced: lower(trim(email)) (macro email_key), with look-alike
                      characters read as ASCII when `identity.email.lookalikes` is on;
      email_match_key what records are matched on: the switches of `identity.email` applied to the raw value,
                      then the provider rules (Gmail dots and +tags, googlemail.com, +tags at other providers). -#}

{#- Unicode look-alikes of ASCII: the fullwidth forms (U+FF01-FF5E, what NFKC folds; without the quote and the
    backslash, which no valid address has) and Cyrillic, Greek and Latin letters that Unicode's confusables
    list (UTS #39) maps to ASCII letters. Each character of the first string becomes the one at the same
    place in the second. -#}
{% macro lookalike_chars() -%}
    ！＂＃＄％＆（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～аеорсухіјѕԁһӏԛԝАВЕКМНОРСТХУІЈЅαονικρυΑΒΕΖΗΙΚΜΝΟΡΤΥΧıɡℓ﹫․‐‑–
{%- endmacro %}

{% macro lookalike_ascii() -%}
    !"#$%&()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~aeopcyxijsdhlqwABEKMHOPCTXYIJSaovikpuABEZHIKMNOPTYXigl@.---
{%- endmacro %}

{#- Invisible characters that survive copy and paste: zero-width space, non-joiner, joiner, word joiner,
    byte order mark, soft hyphen. translate() deletes them (no counterpart in the second string). -#}
{% macro invisible_chars() -%}
    ​‌‍⁠﻿­
{%- endmacro %}

{% macro fold_lookalikes(expr) -%}
    translate({{ expr }}, '{{ lookalike_chars() }}{{ invisible_chars() }}', '{{ lookalike_ascii() }}')
{%- endmacro %}

{#- The address as delivered and synced (the audience's e-mail): null when empty. -#}
{% macro identity_email_address(column) -%}
    {%- set rules = identity_config()["email"] -%}
    {%- if rules["lookalikes"] -%}
        {{ email_key(fold_lookalikes("cast(" ~ column ~ " as " ~ dbt.type_string() ~ ")")) }}
    {%- else -%}
        {{ email_key(column) }}
    {%- endif -%}
{%- endmacro %}

{#- The raw value with the switched-on rules (spaces, lookalikes, case), before the provider rules. -#}
{% macro identity_email_cleaned(column) -%}
    {%- set rules = identity_config()["email"] -%}
    {%- set expr = "cast(" ~ column ~ " as " ~ dbt.type_string() ~ ")" -%}
    {%- if rules["lookalikes"] -%}{%- set expr = fold_lookalikes(expr) -%}{%- endif -%}
    {%- if rules["spaces"] -%}{%- set expr = "trim(" ~ expr ~ ", " ~ whitespace_chars() ~ ")" -%}{%- endif -%}
    {%- if rules["case"] -%}{%- set expr = "lower(" ~ expr ~ ")" -%}{%- endif -%}
    {{ expr }}
{%- endmacro %}

{#- What records are matched on. `cleaned` is an expression from identity_email_cleaned; the caller only
    uses it for valid addresses (exactly one @). Domains never depend on case. -#}
{% macro identity_email_match_key(cleaned) -%}
    {%- set rules = identity_config()["email"] -%}
    {%- set local = "split_part(" ~ cleaned ~ ", '@', 1)" -%}
    {%- set raw_domain = "lower(split_part(" ~ cleaned ~ ", '@', 2))" -%}
    {%- if rules["gmail"] -%}
        {%- set domain = "case when " ~ raw_domain ~ " = 'googlemail.com' then 'gmail.com' else " ~ raw_domain ~ " end" -%}
    {%- else -%}
        {%- set domain = raw_domain -%}
    {%- endif -%}
    {%- set untagged = "nullif(split_part(" ~ local ~ ", '+', 1), '')" -%}
    case
    {%- if rules["gmail"] %}
        when {{ domain }} = 'gmail.com'
            then coalesce(nullif(replace({{ untagged }}, '.', ''), ''), {{ local }}) || '@gmail.com'
    {%- endif %}
    {%- if rules["plus_tags"] and rules["plus_tag_domains"] %}
        when {{ domain }} in {{ sql_string_list(rules["plus_tag_domains"]) }}
            then coalesce({{ untagged }}, {{ local }}) || '@' || {{ domain }}
    {%- endif %}
        else {{ local }} || '@' || {{ domain }}
    end
{%- endmacro %}
