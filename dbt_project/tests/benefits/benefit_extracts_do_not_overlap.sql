{#- Warns when two extracts of one payer cover the same month: their rows are summed (the spec's
    rule for corrections), so an extract delivered again with other content would count twice. -#}
{{ config(severity='warn') }}

with

extracts as (
    select
        benefit_type,
        file_name,
        min(month) as first_month,
        max(month) as last_month
    from {{ ref('stg_ersattningar__payments') }}
    group by benefit_type, file_name
)

select
    earlier.benefit_type,
    earlier.file_name,
    later.file_name as overlapping_file_name
from extracts as earlier
inner join extracts as later
    on
        earlier.benefit_type = later.benefit_type
        and earlier.file_name < later.file_name
        and earlier.first_month <= later.last_month
        and earlier.last_month >= later.first_month
