{#- Complementary suppression (spec "Privacy of the published tables as a whole"): a hidden value
    must not follow from the other published values of a relation (a total and its parts). The
    relations are declared once, in the mart's YAML (`config.meta.privacy.relations`); the
    publication's privacy check (hansyn/publishing/privacy.py) reads the same declarations.

    A relation's parts are hidden further, the smallest published non-zero part first (ties in
    the order of `tie_break`), until no part is hidden, or at least two are and the hidden parts
    sum to more than their number (none of them is then determined; every hidden part is ≥ 1
    because 0 is always published). A relation that holds as it is hides nothing more; one that
    does not takes the candidates in order until it holds (it then goes on holding). When the total itself is hidden, one hidden part is enough
    for that relation (the total and the part are two unknowns of one equation); a part with no
    total hidden and every part shown would give the total back, so one part is hidden then.

    The cells CTE holds the unsuppressed values under their published names and, for every
    count that can be hidden, a boolean `<count>_hidden` (true for the primary cells). A
    relation over rows hides a row's first `sums` column's flag; a relation over columns of one
    row (`total_column` with `part_columns`) hides the part columns' flags. The relations run
    in the declared order, twice, so that a part hidden by a later relation is covered by an
    earlier one too (hiding more parts never undoes a relation that holds). A relation with
    `hidden_totals_pooled_by` is followed by one more step: the parts of its groups whose total
    is hidden, pooled (_complementary_pool). The publication's check solves every relation
    together (hansyn/publishing/relations.py) and blocks what this still leaves determined. -#}

{#- The relations declared in the mart's YAML. A unit test renders the model without it: it
    overrides this macro with the same relations (`overrides: macros:`, a YAML alias). -#}
{% macro privacy_relations() -%}
    {%- set meta = config.get('meta') or {} -%}
    {%- if not meta.get('privacy') and model is mapping and model.get('config') -%}
        {%- set meta = model['config']['meta'] or {} -%}
    {%- endif -%}
    {{- return((meta.get('privacy') or {}).get('relations') or []) -}}
{%- endmacro %}

{#- Whether a relation holds with `count` hidden parts summing to `total` (SQL expressions),
    the relation's total being hidden when `total_hidden`. -#}
{% macro _relation_holds(count, sums, total_hidden) -%}
    (({{ count }} = 0 and not {{ total_hidden }})
        or ({{ total_hidden }} and {{ count }} >= 1)
        or ({{ count }} >= 2{% for s in sums %} and {{ s }} > {{ count }}{% endfor %}))
{%- endmacro %}

{#- Emits CTEs `<cells>__privacy_1` … and a last one named `into`, with the columns of `cells`
    (listed in `columns`) and their `_hidden` flags after complementary suppression. -#}
{% macro complementary_suppression(cells, columns, relations, into) -%}
    {%- set previous = namespace(name=cells, step=0) -%}
    {%- for round in range(2) -%}
        {%- for relation in relations -%}
            {%- set previous.step = previous.step + 1 -%}
            {%- set this = cells ~ '__privacy_' ~ previous.step -%}
            {%- if relation.get('part_columns') -%}
                {{ _complementary_columns(previous.name, this, columns, relation) }},
            {%- else -%}
                {{ _complementary_rows(previous.name, this, columns, relation) }},
            {%- endif %}
            {% set previous.name = this -%}
            {%- if relation.get('hidden_totals_pooled_by') -%}
                {%- set this = cells ~ '__privacy_' ~ previous.step ~ '_pooled' -%}
                {{ _complementary_pool(previous.name, this, columns, relation) }},
                {% set previous.name = this -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor %}
{{ into }} as (
    select * from {{ previous.name }}
)
{%- endmacro %}

{#- A relation over rows: within each `partition_by` group, the rows' `sums` add up to a total
    that is a row of the same table (`part_column` = `total_value`), one row of the same table
    that is every group's total (`total_row`: {column: value}, e.g. candidate_pool's Alla row
    for each dimension), a row of another mart (`total_model`.`total_column`, matched on the
    partition's values, or on `total_matched_on` when the other mart has fewer of its columns),
    or revealed by other columns (`total_revealed_by`: treated as published unless the parts
    together are 1–4). With `candidate_column` (a boolean column of the cells) only its rows are
    hidden further: a count published in another table too is hidden in step with it there
    (meta.privacy.same_counts). -#}
{% macro _complementary_rows(source, name, columns, relation) -%}
    {%- set by = relation['partition_by'] -%}
    {%- set sums = relation['sums'] -%}
    {%- set value = sums[0] -%}
    {%- set flag = value ~ '_hidden' -%}
    {%- set ties = relation.get('tie_break') or [] -%}
    {%- set total_row = relation.get('total_row') or {} -%}
    {%- set matches_total_row = [] -%}
    {%- for column, total in total_row.items() -%}
        {%- do matches_total_row.append("c." ~ column ~ " = '" ~ total ~ "'") -%}
    {%- endfor -%}
    {%- if relation.get('total_value') -%}
        {%- set is_total_row = "c." ~ relation['part_column'] ~ " = '" ~ relation['total_value'] ~ "'" -%}
    {%- elif total_row -%}
        {%- set is_total_row = '(' ~ matches_total_row | join(' and ') ~ ')' -%}
    {%- else -%}
        {%- set is_total_row = 'false' -%}
    {%- endif -%}
    {%- set window = 'partition by ' ~ by | join(', ') -%}
    {%- set ranked = 'partition by ' ~ by | join(', ') ~ ', is_candidate order by '
        ~ ([value] + ties) | join(', ') -%}
    {%- set matched_on = relation.get('total_matched_on') or by -%}
    {%- set may_hide = ('c.' ~ relation['candidate_column'])
        if relation.get('candidate_column') else 'true' -%}
{{ name }} as (
    select
        {%- for column in columns %}
        {% if column == flag -%}
        {{ flag }} or coalesce(
            is_candidate
            and not {{ _relation_holds('hidden_before', _hidden_sums(sums, false), 'total_hidden') }}
            and not {{ _relation_holds(
                'hidden_before + candidate_rank - 1', _hidden_sums(sums), 'total_hidden') }},
            false
        ) as {{ flag }}
        {%- else -%}
        {{ column }}
        {%- endif -%}{{ ',' if not loop.last }}
        {%- endfor %}
    from (
        select
            *,
            sum(case when {{ flag }} and not is_total then 1 else 0 end) over ({{ window }})
                as hidden_before,
            {%- for s in sums %}
            sum(case when {{ flag }} and not is_total then {{ s }} else 0 end) over ({{ window }})
                as hidden_sum_{{ loop.index0 }},
            sum({{ s }}) over ({{ ranked }} rows between unbounded preceding and 1 preceding)
                as candidate_sum_before_{{ loop.index0 }},
            {%- endfor %}
            max(case when total_is_hidden then 1 else 0 end) over ({{ window }}) = 1
                as total_hidden,
            row_number() over ({{ ranked }}) as candidate_rank
        from (
            select
                c.*,
                {{ is_total_row }} as is_total,
                {%- if relation.get('total_value') %}
                {{ is_total_row }} and c.{{ flag }} as total_is_hidden,
                {%- elif total_row %}
                total_row.is_hidden as total_is_hidden,
                {%- elif relation.get('total_model') %}
                t.{{ matched_on[0] }} is not null and t.{{ relation['total_column'] }} is null
                    as total_is_hidden,
                {%- else %}
                sum(c.{{ value }}) over (partition by c.{{ by | join(', c.') }})
                    between 1 and 4 as total_is_hidden,
                {%- endif %}
                not {{ is_total_row }} and not c.{{ flag }} and c.{{ value }} > 0
                and {{ may_hide }} as is_candidate
            from {{ source }} as c
            {%- if total_row %}
            -- The total row sits outside every group: its flag is read once, for all of them.
            cross join (
                select count(*) > 0 as is_hidden
                from {{ source }} as c
                where {{ is_total_row }} and c.{{ flag }}
            ) as total_row
            {%- endif %}
            {%- if relation.get('total_model') %}
            left join {{ ref(relation['total_model']) }} as t
                on {% for column in matched_on %}c.{{ column }} = t.{{ column }}{{ ' and ' if not loop.last }}{% endfor %}
            {%- endif %}
        ) as flagged
    ) as ranked
)
{%- endmacro %}

{#- The groups of a relation whose totals are hidden, pooled (`hidden_totals_pooled_by`): when
    those totals are themselves the parts of a relation with a published total (a year's
    stadsområden and the total the distribution key reveals), their hidden parts are tied
    together: the published total minus everything shown is their sum, so together they must
    hold like the parts of one relation (at least two, summing to more than their number), or
    each is 1 and every hidden total with them is given back (issue 24, class 11). The smallest
    shown non-zero parts under a hidden total are hidden until they do. -#}
{% macro _complementary_pool(source, name, columns, relation) -%}
    {%- set by = relation['partition_by'] -%}
    {%- set pool = relation['hidden_totals_pooled_by'] -%}
    {%- set value = relation['sums'][0] -%}
    {%- set flag = value ~ '_hidden' -%}
    {%- set ties = relation.get('tie_break') or [] -%}
    {%- set window = 'partition by ' ~ pool | join(', ') ~ ', in_pool' -%}
    {%- set ranked = window ~ ', is_candidate order by ' ~ ([value] + ties) | join(', ') -%}
{{ name }} as (
    select
        {%- for column in columns %}
        {% if column == flag -%}
        {{ flag }} or coalesce(
            is_candidate
            and not {{ _relation_holds('hidden_before', ['hidden_sum_0'], 'false') }}
            and not {{ _relation_holds(
                'hidden_before + candidate_rank - 1',
                ['(hidden_sum_0 + coalesce(candidate_sum_before_0, 0))'], 'false') }},
            false
        ) as {{ flag }}
        {%- else -%}
        {{ column }}
        {%- endif -%}{{ ',' if not loop.last }}
        {%- endfor %}
    from (
        select
            *,
            sum(case when {{ flag }} then 1 else 0 end) over ({{ window }}) as hidden_before,
            sum(case when {{ flag }} then {{ value }} else 0 end) over ({{ window }})
                as hidden_sum_0,
            sum({{ value }}) over ({{ ranked }} rows between unbounded preceding and 1 preceding)
                as candidate_sum_before_0,
            row_number() over ({{ ranked }}) as candidate_rank
        from (
            select
                c.*,
                coalesce(t.{{ by[0] }} is not null and t.{{ relation['total_column'] }} is null, false)
                    as in_pool,
                coalesce(t.{{ by[0] }} is not null and t.{{ relation['total_column'] }} is null, false)
                and not c.{{ flag }} and c.{{ value }} > 0 as is_candidate
            from {{ source }} as c
            left join {{ ref(relation['total_model']) }} as t
                on {% for column in by %}c.{{ column }} = t.{{ column }}{{ ' and ' if not loop.last }}{% endfor %}
        ) as pooled
    ) as ranked
)
{%- endmacro %}

{#- Whether the small mellanområden under a year's hidden stadsområden protect each other
    (geographic_distribution): none, or at least two summing to more than their number, or a
    larger one among them the pooled relation can hide. -#}
{% macro _pool_holds(parts, total, has_part_to_hide) -%}
    ({{ has_part_to_hide }} or {{ parts }} = 0 or ({{ parts }} >= 2 and {{ total }} > {{ parts }}))
{%- endmacro %}

{% macro _hidden_sums(sums, with_candidates=true) -%}
    {%- set out = [] -%}
    {%- for s in sums -%}
        {%- if with_candidates -%}
        {%- do out.append('(hidden_sum_' ~ loop.index0 ~ ' + coalesce(candidate_sum_before_' ~ loop.index0 ~ ', 0))') -%}
        {%- else -%}
        {%- do out.append('hidden_sum_' ~ loop.index0) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(out) -}}
{%- endmacro %}

{#- A relation over the columns of one row: `total_column` = the sum of `part_columns`. A part
    comes before another when it is smaller, ties in the order of `part_columns`. -#}
{% macro _complementary_columns(source, name, columns, relation) -%}
    {%- set parts = relation['part_columns'] -%}
    {%- set total_hidden = relation['total_column'] ~ '_hidden' -%}
    {%- set hidden_count -%}
        ({% for p in parts %}case when {{ p }}_hidden then 1 else 0 end{{ ' + ' if not loop.last }}{% endfor %})
    {%- endset -%}
    {%- set hidden_sum -%}
        ({% for p in parts %}case when {{ p }}_hidden then {{ p }} else 0 end{{ ' + ' if not loop.last }}{% endfor %})
    {%- endset %}
{{ name }} as (
    select
        {%- for column in columns %}
        {% if column[:-7] in parts and column.endswith('_hidden') -%}
        {%- set part = column[:-7] -%}
        {%- set i = parts.index(part) -%}
        {%- set before_count -%}
            ({{ hidden_count }}{% for q in parts if q != part %} + case when {{ _column_before(q, part, parts.index(q), i) }} then 1 else 0 end{% endfor %})
        {%- endset -%}
        {%- set before_sum -%}
            ({{ hidden_sum }}{% for q in parts if q != part %} + case when {{ _column_before(q, part, parts.index(q), i) }} then {{ q }} else 0 end{% endfor %})
        {%- endset -%}
        {{ column }} or coalesce(
            not {{ column }} and {{ part }} > 0
            and not {{ _relation_holds(hidden_count, [hidden_sum], total_hidden) }}
            and not {{ _relation_holds(before_count, [before_sum], total_hidden) }},
            false
        ) as {{ column }}
        {%- else -%}
        {{ column }}
        {%- endif -%}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ source }}
)
{%- endmacro %}

{#- Part q is a candidate ranked before part p (smaller, or as small and declared earlier). -#}
{% macro _column_before(q, p, qi, pi) -%}
    (not {{ q }}_hidden and {{ q }} > 0 and ({{ q }} < {{ p }}{% if qi < pi %} or {{ q }} = {{ p }}{% endif %}))
{%- endmacro %}

{#- The groups of a relation whose parts cannot protect themselves: hidden parts that sum to
    their number (each is 1) and no shown non-zero part left to hide with them. The total of
    such a group is hidden instead (it lives in another mart, which calls this on the parts).
    `parts` is a query with the partition columns, the part's value and its primary flag. -#}
{% macro unprotectable_totals(parts, partition_by, value, hidden) -%}
    select
        {{ partition_by | join(', ') }},
        true as parts_unprotectable
    from ({{ parts }}) as parts
    group by {{ partition_by | join(', ') }}
    having
        sum(case when {{ hidden }} then 1 else 0 end) >= 1
        and sum(case when not {{ hidden }} and {{ value }} > 0 then 1 else 0 end) = 0
        and sum(case when {{ hidden }} then {{ value }} else 0 end)
        <= sum(case when {{ hidden }} then 1 else 0 end)
{%- endmacro %}
