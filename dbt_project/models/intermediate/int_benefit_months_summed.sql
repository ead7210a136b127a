{#- The monthly benefit fact as it counts: one row per (benefit type, person, month), that
    month's sum in the extract that counts for the payer and month
    (int_benefit_extract_months_attributed); superseded extracts' sums are left out. -#}
with

extract_months as (
    select * from {{ ref('int_benefit_extract_months_summed') }}
),

attributed as (
    select * from {{ ref('int_benefit_extract_months_attributed') }}
    where is_counted
),

final as (
    select
        extract_months.benefit_type,
        extract_months.person_id,
        extract_months.month,
        extract_months.amount,
        extract_months.payment_rows,
        extract_months.file_name,
        extract_months.loaded_at
    from extract_months
    inner join attributed
        on
            extract_months.benefit_type = attributed.benefit_type
            and extract_months.file_name = attributed.file_name
            and extract_months.month = attributed.month
)

select * from final
