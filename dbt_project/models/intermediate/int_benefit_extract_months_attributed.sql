{#- Which extract counts for each payer and month (spec sources.md §5): every month of every
    loaded extract's span (its first to its last month), and the newest extract whose span
    covers that month, whose rows count; an older extract's rows for that month are superseded
    (kept, counted nowhere). The one place this rule lives. -#}

{{ config(materialized='table') }}  {#- a table: the counted months, the spans and load_quality read it -#}

with

payments as (
    select * from {{ ref('stg_ersattningar__payments') }}
),

extracts as (
    select
        benefit_type,
        file_name,
        min(month) as first_month,
        max(month) as last_month
    from payments
    group by benefit_type, file_name
),

-- "Newest" is last in file-name order, the names compared without their extension and case:
-- a name that extends another (forsorjningsstod_2024-06_rattelse.csv after
-- forsorjningsstod_2024.csv) comes after it, as a file list shows them, though '-' sorts
-- before '.'.
ordered as (
    select
        benefit_type,
        file_name,
        first_month,
        last_month,
        lower({{ replace_all('file_name', '[.][^.]*$', '') }}) as name_order
    from extracts
),

extract_months as (
    select
        ordered.benefit_type,
        ordered.file_name,
        ordered.first_month,
        ordered.last_month,
        ordered.name_order,
        covered.month
    from ordered
    {{ month_series_from('ordered.first_month', 'ordered.last_month', 'covered', 'month') }}
),

final as (
    select
        benefit_type,
        file_name,
        month,
        first_month,
        last_month,
        first_value(file_name) over (
            partition by benefit_type, month
            order by name_order desc, file_name desc
        ) as counted_file_name
    from extract_months
)

select
    benefit_type,
    file_name,
    month,
    first_month,
    last_month,
    counted_file_name,
    file_name = counted_file_name as is_counted
from final
