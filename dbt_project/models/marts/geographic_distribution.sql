{#- The geographic distribution key and outcome per stadsområde and year (the logic is in
    int_geographic_distribution_computed, shared with the other area level). -#}
with

distribution as (
    select * from {{ ref('int_geographic_distribution_computed') }}
    where area_level = 'stadsomrade'
),

-- A stadsområde whose mellanområden are all hidden and each 1 is hidden itself: shown, it
-- would give them away (geographic_distribution_mellanomrade's relation to this table).
unprotectable as (
    {{ unprotectable_totals(
        "select d.year, g.stadsomrade, d.placed_count, d.placed_count between 1 and 4 as hidden
        from " ~ ref('int_geographic_distribution_computed') ~ " as d
        inner join (select distinct mellanomrade, stadsomrade from " ~ ref('geography') ~ ") as g
            on d.area = g.mellanomrade
        where d.area_level = 'mellanomrade'",
        ['year', 'stadsomrade'], 'placed_count', 'hidden'
    ) }}
),

-- placed_individuals unsuppressed here; the small-number rule flags the primary cells.
cells as (
    select
        distribution.year,
        distribution.area as stadsomrade,
        distribution.area_name,
        distribution.key_year,
        distribution.distribution_key,
        distribution.key_complete,
        distribution.placed_count as placed_individuals,
        distribution.expected_individuals,
        distribution.deviation,
        distribution.placement_share,
        distribution.placed_count between 1 and 4
        or coalesce(unprotectable.parts_unprotectable, false) as placed_individuals_hidden
    from distribution
    left join unprotectable
        on distribution.year = unprotectable.year and distribution.area = unprotectable.stadsomrade
),

-- Complementary suppression over the relations in the YAML (the areas sum to the total that
-- expected_individuals / distribution_key reveals).
{{ complementary_suppression(
    'cells',
    ['year', 'stadsomrade', 'area_name', 'key_year', 'distribution_key',
     'key_complete', 'placed_individuals', 'expected_individuals', 'deviation', 'placement_share',
     'placed_individuals_hidden'],
    privacy_relations(),
    into='protected'
) }},

-- The mellanområden of the hidden stadsområden are tied together: the revealed total minus the
-- shown stadsområden is their sum. geographic_distribution_mellanomrade hides their shown ones
-- until they protect each other (relation mellanomraden_sum_to_their_stadsomrade,
-- hidden_totals_pooled_by), but a stadsområde whose non-zero mellanområden are all 1–4 has
-- none to hide. When every hidden stadsområde of a year is such, and their mellanområden are
-- one or each 1 (issue 24, class 11: 14 − 6 = 8 over eight hidden), the smallest shown
-- stadsområden are hidden too until one of them has a mellanområde to hide (5 or more) or
-- theirs together sum to more than their number.
mellanomrade_of as (
    select distinct
        mellanomrade,
        stadsomrade
    from {{ ref('geography') }}
),

mellanomraden as (
    select
        d.year,
        g.stadsomrade,
        count(*) filter (where d.placed_count between 1 and 4) as small_parts,
        coalesce(sum(d.placed_count) filter (where d.placed_count between 1 and 4), 0)
            as small_sum,
        coalesce(bool_or(d.placed_count >= 5), false) as has_part_to_hide
    from {{ ref('int_geographic_distribution_computed') }} as d
    inner join mellanomrade_of as g on d.area = g.mellanomrade
    where d.area_level = 'mellanomrade'
    group by d.year, g.stadsomrade
),

pool as (
    select
        protected.*,
        coalesce(mellanomraden.small_parts, 0) as small_parts,
        coalesce(mellanomraden.small_sum, 0) as small_sum,
        coalesce(mellanomraden.has_part_to_hide, false) as has_part_to_hide,
        (
            not protected.placed_individuals_hidden
            and protected.placed_individuals > 0
        ) as is_candidate
    from protected
    left join mellanomraden
        on
            protected.year = mellanomraden.year
            and protected.stadsomrade = mellanomraden.stadsomrade
),

pool_ranked as (
    select
        *,
        bool_or(placed_individuals_hidden) over (partition by year) as any_hidden,
        sum(case when placed_individuals_hidden then small_parts else 0 end)
            over (partition by year) as pool_parts,
        sum(case when placed_individuals_hidden then small_sum else 0 end)
            over (partition by year) as pool_sum,
        bool_or(placed_individuals_hidden and has_part_to_hide) over (partition by year)
            as pool_has_part_to_hide,
        coalesce(sum(small_parts) over candidates_before, 0) as candidate_parts_before,
        coalesce(sum(small_sum) over candidates_before, 0) as candidate_sum_before,
        coalesce(bool_or(has_part_to_hide) over candidates_before, false)
            as candidate_part_to_hide_before
    from pool
    window candidates_before as (
        partition by year, is_candidate order by placed_individuals, stadsomrade
        rows between unbounded preceding and 1 preceding
    )
),

pooled as (
    select
        *,
        placed_individuals_hidden or (
            is_candidate
            and any_hidden
            and not {{ _pool_holds('pool_parts', 'pool_sum', 'pool_has_part_to_hide') }}
            and not {{ _pool_holds(
                'pool_parts + candidate_parts_before',
                'pool_sum + candidate_sum_before',
                'pool_has_part_to_hide or candidate_part_to_hide_before') }}
        ) as placed_hidden
    from pool_ranked
),

-- A hidden count hides the deviation and share that would give it back.
final as (
    select
        year,
        stadsomrade,
        area_name as stadsomrade_namn,
        key_year,
        distribution_key,
        key_complete,
        case when placed_hidden then null else placed_individuals end as placed_individuals,
        expected_individuals,
        case when placed_hidden then null else deviation end as deviation,
        case when placed_hidden then null else placement_share end as placement_share
    from pooled
)

select
    year,
    stadsomrade,
    stadsomrade_namn,
    key_year,
    distribution_key,
    key_complete,
    placed_individuals,
    expected_individuals,
    deviation,
    placement_share
from final
order by year, stadsomrade
