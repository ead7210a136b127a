{#- Who is waiting on the reference date R, and the places the contracts will open for them in
    the year ahead: per target group, per stadsområde and for everyone ('Alla'). The rules are
    described in the YAML. -#}
with

candidates as (
    select * from {{ ref('int_candidates_selected') }}
),

reference_date as (
    select reference_date from {{ ref('int_reference_date_selected') }}
),

pipeline as (
    select * from {{ ref('placement_pipeline') }}
),

target_groups as (
    select target_group from {{ ref('target_groups') }}
),

stadsomraden as (
    select stadsomrade from {{ ref('stadsomraden') }}
),

-- Every row of the grain, with or without candidates.
categories as (
    select
        'target_group' as dimension,
        target_group as category
    from target_groups
    union all
    select
        'stadsomrade' as dimension,
        stadsomrade as category
    from stadsomraden
    union all
    select
        'stadsomrade' as dimension,
        '99' as category
    union all
    select
        'Alla' as dimension,
        'Alla' as category
),

flagged as (
    select
        candidates.person_id,
        candidates.target_group,
        candidates.stadsomrade,
        candidates.registered_date <= {{ add_months('candidates.reference_date', -6) }}
            as waiting_over_6_months,
        pipeline.procurement_id is not null as referred
    from candidates
    left join pipeline on candidates.referred_procurement_id = pipeline.procurement_id
),

-- Each candidate three times: in their target group, their stadsområde and Alla.
candidate_categories as (
    select
        'target_group' as dimension,
        target_group as category,
        person_id,
        waiting_over_6_months,
        referred
    from flagged
    union all
    select
        'stadsomrade' as dimension,
        stadsomrade as category,
        person_id,
        waiting_over_6_months,
        referred
    from flagged
    union all
    select
        'Alla' as dimension,
        'Alla' as category,
        person_id,
        waiting_over_6_months,
        referred
    from flagged
),

counted as (
    select
        categories.dimension,
        categories.category,
        count(candidate_categories.person_id) as candidates,
        count(case when candidate_categories.waiting_over_6_months then 1 end) as waiting_over_6_months,
        count(case when candidate_categories.referred then 1 end) as referred
    from categories
    left join candidate_categories
        on
            categories.dimension = candidate_categories.dimension
            and categories.category = candidate_categories.category
    group by categories.dimension, categories.category
),

-- The pipeline's contracts that run at some time in the year after R.
running as (
    select
        pipeline.target_groups,
        pipeline.stadsomrade,
        pipeline.remaining_places
    from pipeline
    cross join reference_date
    where
        pipeline.contract_start <= {{ add_months('reference_date.reference_date', 12) }}
        and (pipeline.contract_end is null or pipeline.contract_end >= reference_date.reference_date)
),

-- A target group when the contract names it or names none; an area when the contract's is
-- it or the whole city (00), so area 99 only the whole city's; Alla every contract once.
open_places as (
    select
        categories.dimension,
        categories.category,
        sum(running.remaining_places) as open_places_next_year
    from categories
    inner join running
        on
            (
                categories.dimension = 'target_group'
                and (
                    running.target_groups = ''
                    or {{ text_list_contains('running.target_groups', ', ', 'categories.category') }}
                )
            )
            or (
                categories.dimension = 'stadsomrade'
                and running.stadsomrade in ('00', categories.category)
            )
            or categories.dimension = 'Alla'
    group by categories.dimension, categories.category
),

cells as (
    select
        counted.dimension,
        counted.category,
        counted.candidates,
        counted.waiting_over_6_months,
        counted.referred,
        coalesce(open_places.open_places_next_year, 0) as open_places_next_year,
        counted.candidates between 1 and 4 as candidates_hidden,
        counted.waiting_over_6_months between 1 and 4 as waiting_over_6_months_hidden,
        counted.referred between 1 and 4 as referred_hidden
    from counted
    left join open_places
        on
            counted.dimension = open_places.dimension
            and counted.category = open_places.category
),

-- Complementary suppression over the relations in the YAML (per dimension the categories'
-- candidates, waiting_over_6_months and referred sum to the Alla row's), one per count.
{{ complementary_suppression(
    'cells',
    ['dimension', 'category', 'candidates', 'waiting_over_6_months', 'referred',
     'open_places_next_year', 'candidates_hidden', 'waiting_over_6_months_hidden',
     'referred_hidden'],
    privacy_relations(),
    into='protected'
) }},

-- A hidden count is NULL, and a hidden candidates hides places_per_candidate (the open places
-- over it would give it back).
final as (
    select
        cast(dimension as {{ dbt.type_string() }}) as dimension,
        cast(category as {{ dbt.type_string() }}) as category,
        cast(case when candidates_hidden then null else candidates end as bigint) as candidates,
        cast(case when waiting_over_6_months_hidden then null else waiting_over_6_months end as bigint)
            as waiting_over_6_months,
        cast(case when referred_hidden then null else referred end as bigint) as referred,
        cast(open_places_next_year as bigint) as open_places_next_year,
        cast(
            case when not candidates_hidden then {{ ratio('open_places_next_year', 'candidates') }} end
            as double
        ) as places_per_candidate
    from protected
)

select * from final
