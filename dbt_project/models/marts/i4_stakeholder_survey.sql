{#- Indicator 4: understanding, trust and engagement per survey wave, role and dimension, with
    all roles together as role 'Alla'. -#}
with

scores as (
    select * from {{ ref('int_survey_respondents_scored') }}
),

-- A score is answer sum / items answered. Times 232792560, the least common multiple of 1–20
-- (a dimension has at most 20 items: tests/seeds), it is a whole number (rounding only removes
-- the score's floating-point error), so the sums below are exact: a floating-point sum depends
-- on the order rows are added in, and a rerun on the same answers would publish other digits.
by_role as (
    select
        wave,
        role,
        dimension,
        dimension_score,
        cast(round(dimension_score * 232792560) as bigint) as score_units
    from scores
    union all
    select
        wave,
        'Alla' as role,
        dimension,
        dimension_score,
        cast(round(dimension_score * 232792560) as bigint) as score_units
    from scores
),

sums as (
    select
        wave,
        role,
        dimension,
        count(*) as respondents,
        count(*) filter (where dimension_score >= 4) as positive,
        sum(cast(score_units as {{ wide_integer_type() }})) as units,
        sum(cast(score_units as {{ wide_integer_type() }}) * score_units) as squared_units
    from by_role
    group by wave, role, dimension
),

aggregated as (
    select
        wave,
        role,
        dimension,
        respondents,
        cast(units as double) / (cast(232792560 as double) * respondents) as mean_score,
        {{ ratio('positive', 'respondents') }} as share_positive,
        -- 1.96 · sample sd / √n, written as √(sample variance / n); NULL for n < 2. The sample
        -- variance (n Σx² − (Σx)²) / (n (n − 1)), its numerator an exact whole number.
        1.96 * sqrt(
            cast(respondents * squared_units - units * units as double)
            / nullif(respondents * (respondents - 1), 0)
            / (cast(232792560 as double) * cast(232792560 as double))
            / respondents
        ) as ci95_half_width
    from sums
),

cells as (
    select
        wave,
        role,
        dimension,
        respondents,
        mean_score,
        share_positive,
        ci95_half_width,
        respondents between 1 and 4 as respondents_hidden
    from aggregated
),

-- Complementary suppression over the relations in the YAML (the roles sum to Alla).
{{ complementary_suppression(
    'cells',
    ['wave', 'role', 'dimension', 'respondents', 'mean_score', 'share_positive',
     'ci95_half_width', 'respondents_hidden'],
    privacy_relations(),
    into='protected'
) }},

-- Small-number rule: 1–4 respondents publish no count, mean, share or interval (this also
-- covers "no interval when n < 2"); a complementary cell hides the same values.
suppressed as (
    select
        wave,
        role,
        dimension,
        case when respondents_hidden then null else respondents end as respondents,
        case when respondents_hidden then null else mean_score end as mean_score,
        case when respondents_hidden then null else share_positive end as share_positive,
        case when respondents_hidden then null else mean_score - ci95_half_width end
            as ci95_low,
        case when respondents_hidden then null else mean_score + ci95_half_width end
            as ci95_high
    from protected
),

-- The previous wave: the latest earlier wave with a row for the same role and dimension
-- (a wave the role was not surveyed in is skipped); a suppressed mean there gives NULL.
final as (
    select
        wave,
        role,
        dimension,
        respondents,
        mean_score,
        share_positive,
        ci95_low,
        ci95_high,
        lag(wave) over by_role_and_dimension as previous_wave,
        mean_score - lag(mean_score) over by_role_and_dimension as change_from_previous_wave
    from suppressed
    window by_role_and_dimension as (partition by role, dimension order by wave)
)

select
    cast(wave as {{ dbt.type_string() }}) as wave,
    cast(role as {{ dbt.type_string() }}) as role,
    cast(dimension as {{ dbt.type_string() }}) as dimension,
    cast(respondents as integer) as respondents,
    cast(mean_score as double) as mean_score,
    cast(share_positive as double) as share_positive,
    cast(ci95_low as double) as ci95_low,
    cast(ci95_high as double) as ci95_high,
    cast(previous_wave as {{ dbt.type_string() }}) as previous_wave,
    cast(change_from_previous_wave as double) as change_from_previous_wave
from final
order by wave, role, dimension
