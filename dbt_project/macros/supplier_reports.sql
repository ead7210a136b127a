{#- Sole traders: a supplier whose organisationsnummer is a personnummer (month digits 01–12).
    The loaders never let that number into the warehouse: in a supplier column and in a file name
    it stands as a keyed token, `X` and nine hex digits (hansyn/sources/personnummer.py,
    sole_trader_token), the same token for the same number wherever it appears. -#}

{#- The form of the token, as a regular expression. -#}
{% macro sole_trader_token_pattern() -%}
    X[0-9a-f]{9}
{%- endmacro %}

{#- True when the supplier is a sole trader: its token, or (should a clear number ever come
    through) ten digits whose month digits are 01–12. -#}
{% macro is_sole_trader(org_number) -%}
    coalesce(
        {{ matches_fully(org_number, sole_trader_token_pattern()) }}
        or (
            {{ matches_fully(org_number, '[0-9]{10}') }}
            and substr({{ org_number }}, 3, 2) between '01' and '12'
        ),
        false
    )
{%- endmacro %}

{#- The organisationsnummer as it may be published: NULL for a sole trader. -#}
{% macro published_org_number(org_number) -%}
    case when not {{ is_sole_trader(org_number) }} then {{ org_number }} end
{%- endmacro %}

{#- A file name or message as it may be published: a token becomes XXXXXXXXXX
    (rapport_XXXXXXXXXX_2025-Q1.xlsx; enkat_pnrXXXXXXXXXX.csv, for a personnummer glued to
    letters): the same boundaries as SOLE_TRADER_TOKEN in hansyn/sources/personnummer.py. -#}
{% macro masked_text(text) -%}
    {{ replace_all(
        text,
        '(^|[^0-9])' ~ sole_trader_token_pattern() ~ '([^0-9a-f]|$)',
        '\\1XXXXXXXXXX\\2'
    ) }}
{%- endmacro %}

{#- The city's template file name: rapport_<orgnr, 10 digits or a sole trader's token>_<YYYY-Qn>,
    any suffix, .xlsx; group 1 the supplier, group 2 the quarter. -#}
{% macro report_file_pattern() -%}
    ^rapport_([0-9]{10}|{{ sole_trader_token_pattern() }})_([0-9]{4}-Q[1-4]).*[.][xX][lL][sS][xX]$
{%- endmacro %}
