{#- Each payer's span of months: the months its extracts cover (each extract from its first to its
    last month, int_benefit_extract_months_attributed), merged into unbroken spans. -#}
with

extract_months as (
    select * from {{ ref('int_benefit_extract_months_attributed') }}
),

covered_months as (
    select distinct
        benefit_type,
        month
    from extract_months
),

-- Gaps and islands: consecutive months share (months since an epoch − their rank).
islands as (
    select
        benefit_type,
        month,
        {{ dbt.datediff("date '2000-01-01'", 'month', 'month') }}
        - row_number() over (partition by benefit_type order by month) as island
    from covered_months
),

final as (
    select
        benefit_type,
        min(month) as first_month,
        max(month) as last_month,
        count(*) as months
    from islands
    group by benefit_type, island
)

select
    benefit_type,
    first_month,
    last_month,
    cast(months as integer) as months
from final
