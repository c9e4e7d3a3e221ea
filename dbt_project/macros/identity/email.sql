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

{#- Printable ASCII (most values) has nothing to fold: skip the translation, which is slow on long lists. -#}
{% macro fold_lookalikes(expr) -%}
    case
        when {{ regexp_full(expr, "[ -~]*") }} then {{ expr }}
        else translate({{ expr }}, '{{ lookalike_chars() }}{{ invisible_chars() }}', '{{ lookalike_ascii() }}')
    end
{%- endmacro %}

{#- The steps below each read columns the step before computed (a CTE each): written as one expression,
    the look-alike translation and the splits would run several times per row. -#}

{#- Step 1: the raw value as text, look-alikes folded when that rule is on. -#}
{% macro identity_email_folded(column) -%}
    {%- set text = "cast(" ~ column ~ " as " ~ dbt.type_string() ~ ")" -%}
    {%- if identity_config()["email"]["lookalikes"] -%}{{ fold_lookalikes(text) }}{%- else -%}{{ text }}{%- endif -%}
{%- endmacro %}

{#- Step 2a: the address as delivered and synced (the audience's e-mail), null when empty. -#}
{% macro identity_email_address(folded) -%}
    {{ email_key(folded) }}
{%- endmacro %}

{#- Step 2b: the folded value with the spaces and case rules, before the provider rules. -#}
{% macro identity_email_cleaned(folded) -%}
    {%- set rules = identity_config()["email"] -%}
    {%- set expr = folded -%}
    {#- the cast keeps fakesnow from dropping TRIM's second argument (see email_key) -#}
    {%- if rules["spaces"] -%}
        {%- set expr = "trim(cast(" ~ expr ~ " as " ~ dbt.type_string() ~ "), " ~ whitespace_chars() ~ ")" -%}
    {%- endif -%}
    {%- if rules["case"] -%}{%- set expr = "lower(" ~ expr ~ ")" -%}{%- endif -%}
    {{ expr }}
{%- endmacro %}

{#- Step 3: the domain matched on (googlemail.com is gmail.com); domains never depend on case. -#}
{% macro identity_email_domain(cleaned) -%}
    {%- set domain = "lower(split_part(" ~ cleaned ~ ", '@', 2))" -%}
    {%- if identity_config()["email"]["gmail"] -%}
    case when {{ domain }} = 'googlemail.com' then 'gmail.com' else {{ domain }} end
    {%- else -%}
    {{ domain }}
    {%- endif -%}
{%- endmacro %}

{#- Step 4: the match key from the local part and the step-3 domain (valid addresses only: one @). -#}
{% macro identity_email_match_key(local, domain) -%}
    {%- set rules = identity_config()["email"] -%}
    {%- set untagged = "nullif(split_part(" ~ local ~ ", '+', 1), '')" -%}
    {%- if not rules["gmail"] and not (rules["plus_tags"] and rules["plus_tag_domains"]) -%}
    {{ local }} || '@' || {{ domain }}
    {%- else -%}
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
    {%- endif -%}
{%- endmacro %}

{#- All steps in one expression, for a few values (the blocklist), not for every record. -#}
{% macro identity_email_match_key_of(value) -%}
    {%- set cleaned = identity_email_cleaned(identity_email_folded(value)) -%}
    {{ identity_email_match_key("split_part(" ~ cleaned ~ ", '@', 1)", identity_email_domain(cleaned)) }}
{%- endmacro %}
