{#- A window's sum is what its recipients (and repayers) were paid: it is suppressed when the
    persons counted, the recipients or the persons with any money in that window are 1–4. -#}
{%- set before_persons = ['individuals', 'recipients_before', 'payees_before'] -%}
{%- set after_persons = ['individuals', 'recipients_after', 'payees_after'] -%}
{%- set both_windows = before_persons + after_persons[1:] -%}

with

-- depends_on: {{ ref('i2_effect_estimates') }}  (the total of a relation in the YAML's meta.privacy)
windows as (
    select * from {{ ref('int_benefit_windows_summed') }}
),

counted as (
    select
        cohort_year,
        benefit_type,
        target_group,
        count(*) as individuals,
        count(*) filter (where amount_before > 0) as recipients_before,
        count(*) filter (where amount_after > 0) as recipients_after,
        -- Persons whose money is in a window's sum (repayments included).
        count(*) filter (where amount_before != 0) as payees_before,
        count(*) filter (where amount_after != 0) as payees_after,
        sum(amount_before) as amount_before_sek,
        sum(amount_after) as amount_after_sek,
        count(*) filter (where amount_before > 0 and amount_after <= 0) as left_benefit
    from windows
    where is_mature
    group by cohort_year, benefit_type, target_group
),

cells as (
    select
        *,
        individuals between 1 and 4 as individuals_hidden
    from counted
),

-- Complementary suppression over the relation in the YAML: the individuals are the treated of
-- i2_effect_estimates (the same persons), so a cell hidden there is hidden here too; else the
-- target groups' individuals, against Alla's treated there, would give its hidden cells back.
{{ complementary_suppression(
    'cells',
    ['cohort_year', 'benefit_type', 'target_group', 'individuals', 'recipients_before',
     'recipients_after', 'payees_before', 'payees_after', 'amount_before_sek',
     'amount_after_sek', 'left_benefit', 'individuals_hidden'],
    privacy_relations(),
    into='protected'
) }},

-- A hidden individuals hides the amounts summed over them (as the small-number rule does).
unhidden as (
    select
        cohort_year,
        benefit_type,
        target_group,
        case when individuals_hidden then null else individuals end as individuals,
        recipients_before,
        recipients_after,
        payees_before,
        payees_after,
        case when individuals_hidden then null else amount_before_sek end as amount_before_sek,
        case when individuals_hidden then null else amount_after_sek end as amount_after_sek,
        left_benefit,
        individuals_hidden
    from protected
),

final as (
    select
        cohort_year,
        benefit_type,
        target_group,
        {{ suppress_if_few('individuals', 'individuals') }} as individuals,
        {{ suppress_if_few('recipients_before', 'recipients_before') }} as recipients_before,
        {{ suppress_if_few('recipients_after', 'recipients_after') }} as recipients_after,
        {{ suppress_if_few('amount_before_sek', before_persons) }} as amount_before_sek,
        {{ suppress_if_few('amount_after_sek', after_persons) }} as amount_after_sek,
        {{ suppress_if_few('amount_after_sek - amount_before_sek', both_windows) }} as change_sek,
        {{ suppress_if_few('left_benefit', 'left_benefit') }} as left_benefit,
        {{ suppress_if_few('2 * (amount_before_sek - amount_after_sek)', both_windows) }}
            as annualised_saving_sek
    from unhidden
)

select
    cast(cohort_year as integer) as cohort_year,
    benefit_type,
    target_group,
    cast(individuals as bigint) as individuals,
    cast(recipients_before as bigint) as recipients_before,
    cast(recipients_after as bigint) as recipients_after,
    cast(amount_before_sek as double) as amount_before_sek,
    cast(amount_after_sek as double) as amount_after_sek,
    cast(change_sek as double) as change_sek,
    cast(left_benefit as bigint) as left_benefit,
    cast(annualised_saving_sek as double) as annualised_saving_sek
from final
order by cohort_year, benefit_type, target_group
