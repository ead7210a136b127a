{#- For every placed person and every payer: the index date S (first Startdatum), the six months
    before and after the month of S, whether the payer's extracts cover both windows, and what the
    person was paid in each. -#}
with

placements as (
    select * from {{ ref('int_placements_at_start') }}
),

benefit_months as (
    select * from {{ ref('int_benefit_months_summed') }}
),

spans as (
    select * from {{ ref('int_benefit_payer_spans') }}
),

index_dates as (
    select
        person_id,
        min(start_date) as index_date
    from placements
    group by person_id
),

-- The target group at S is the same for every placement starting on S (it depends on the
-- person and the date only).
persons as (
    select
        index_dates.person_id,
        index_dates.index_date,
        {{ dbt.any_value('placements.target_group') }} as target_group
    from index_dates
    inner join placements
        on
            index_dates.person_id = placements.person_id
            and index_dates.index_date = placements.start_date
    group by index_dates.person_id, index_dates.index_date
),

payers as (
    select distinct benefit_type from spans
),

windows as (
    select
        persons.person_id,
        persons.index_date,
        persons.target_group,
        payers.benefit_type,
        cast(extract(year from persons.index_date) as integer) as cohort_year,
        cast(date_trunc('month', persons.index_date) as date) as index_month,
        {{ add_months("date_trunc('month', persons.index_date)", -6) }} as before_first_month,
        {{ add_months("date_trunc('month', persons.index_date)", -1) }} as before_last_month,
        {{ add_months("date_trunc('month', persons.index_date)", 1) }} as after_first_month,
        {{ add_months("date_trunc('month', persons.index_date)", 6) }} as after_last_month
    from persons
    cross join payers
),

covered as (
    select
        windows.person_id,
        windows.benefit_type,
        bool_or(
            spans.first_month <= windows.before_first_month
            and spans.last_month >= windows.before_last_month
        ) as before_covered,
        bool_or(
            spans.first_month <= windows.after_first_month
            and spans.last_month >= windows.after_last_month
        ) as after_covered
    from windows
    inner join spans on windows.benefit_type = spans.benefit_type
    group by windows.person_id, windows.benefit_type
),

paid as (
    {{ benefit_window_sums('windows', 'benefit_months', ['person_id', 'benefit_type']) }}
),

final as (
    select
        windows.person_id,
        windows.benefit_type,
        windows.index_date,
        windows.cohort_year,
        windows.target_group,
        windows.index_month,
        windows.before_first_month,
        windows.before_last_month,
        windows.after_first_month,
        windows.after_last_month,
        covered.before_covered and covered.after_covered as is_mature,
        paid.amount_before,
        paid.amount_after
    from windows
    inner join covered
        on windows.person_id = covered.person_id and windows.benefit_type = covered.benefit_type
    inner join paid
        on windows.person_id = paid.person_id and windows.benefit_type = paid.benefit_type
)

select
    person_id,
    benefit_type,
    index_date,
    cohort_year,
    target_group,
    index_month,
    before_first_month,
    before_last_month,
    after_first_month,
    after_last_month,
    is_mature,
    cast(amount_before as decimal(18, 2)) as amount_before,
    cast(amount_after as decimal(18, 2)) as amount_after
from final
