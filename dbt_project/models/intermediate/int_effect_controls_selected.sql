{#- The comparison group of i2_effect_estimates: for every month m0 with a counted placed person
    and every payer, the persons registered on the first day of m0 and not placed by the end of
    m0 + 6, with their cell and what they were paid in the same calendar windows. -#}

{{ config(materialized='table') }}  {#- a table: the matching and the mart both read it -#}

with

windows as (
    select * from {{ ref('int_benefit_windows_summed') }}
),

registrations as (
    select * from {{ ref('int_registrations_deduplicated') }}
),

placements as (
    select * from {{ ref('int_placements_at_start') }}
),

benefit_months as (
    select * from {{ ref('int_benefit_months_summed') }}
),

-- The months and payers the treated need controls for (the payer's span covers the treated's
-- windows there, so it covers the controls' windows too: they are the same calendar months).
cohort_months as (
    select distinct
        benefit_type,
        index_month,
        before_first_month,
        before_last_month,
        after_first_month,
        after_last_month
    from windows
    where is_mature
),

index_months as (
    select distinct
        index_month,
        after_last_month
    from cohort_months
),

first_starts as (
    select
        person_id,
        min(start_date) as first_start
    from placements
    group by person_id
),

-- The latest registration on or before D0 = m0 (ties: the first Målgrupp alphabetically).
latest_registration as (
    select
        index_months.index_month,
        index_months.after_last_month,
        registrations.person_id,
        registrations.target_group,
        registrations.deregistered_date,
        row_number() over (
            partition by index_months.index_month, registrations.person_id
            order by registrations.registered_date desc, registrations.target_group asc
        ) as registration_rank
    from index_months
    inner join registrations on index_months.index_month >= registrations.registered_date
),

-- Registered at D0, and no placement starting before month m0 + 7.
controls as (
    select
        latest_registration.index_month,
        latest_registration.person_id,
        latest_registration.target_group
    from latest_registration
    left join first_starts on latest_registration.person_id = first_starts.person_id
    where
        latest_registration.registration_rank = 1
        and (
            latest_registration.deregistered_date is null
            or latest_registration.deregistered_date >= latest_registration.index_month
        )
        and (
            first_starts.first_start is null
            or first_starts.first_start >= {{ add_months('latest_registration.after_last_month', 1) }}
        )
),

control_windows as (
    select
        cohort_months.benefit_type,
        cohort_months.index_month,
        cohort_months.before_first_month,
        cohort_months.before_last_month,
        cohort_months.after_first_month,
        cohort_months.after_last_month,
        controls.person_id,
        controls.target_group
    from cohort_months
    inner join controls on cohort_months.index_month = controls.index_month
),

paid as (
    {{ benefit_window_sums(
        'control_windows', 'benefit_months', ['benefit_type', 'index_month', 'person_id']
    ) }}
),

final as (
    select
        control_windows.benefit_type,
        control_windows.index_month,
        control_windows.person_id,
        control_windows.target_group,
        paid.amount_before,
        paid.amount_after,
        paid.amount_before > 0 as paid_before
    from control_windows
    inner join paid
        on
            control_windows.benefit_type = paid.benefit_type
            and control_windows.index_month = paid.index_month
            and control_windows.person_id = paid.person_id
)

select
    cast(benefit_type as {{ dbt.type_string() }}) as benefit_type,
    cast(index_month as date) as index_month,
    cast(person_id as {{ dbt.type_string() }}) as person_id,
    cast(target_group as {{ dbt.type_string() }}) as target_group,
    cast(amount_before as decimal(18, 2)) as amount_before,
    cast(amount_after as decimal(18, 2)) as amount_after,
    cast(paid_before as boolean) as paid_before
from final
