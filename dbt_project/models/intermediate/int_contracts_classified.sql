{#- The current contract register (newest snapshot, city buyers only) with the gross-list and
    requirement rules applied once, for every mart that needs them. -#}
with

contracts as (
    select * from {{ ref('stg_avtalsregister__contracts') }}
),

city_organisations as (
    select org_number from {{ ref('city_organisations') }}
),

criteria_levels as (
    select
        social_level,
        is_employment_requirement
    from {{ ref('social_criteria_levels') }}
),

newest_snapshot as (
    select max(snapshot_date) as snapshot_date from contracts
),

current_register as (
    select contracts.*
    from contracts
    inner join newest_snapshot on contracts.snapshot_date = newest_snapshot.snapshot_date
    where contracts.buyer_org_number in (select city_organisations.org_number from city_organisations)
),

classified as (
    select
        current_register.procurement_id,
        current_register.snapshot_date,
        current_register.diarienummer,
        current_register.title,
        current_register.buyer_organisation,
        current_register.buyer_org_number,
        current_register.procurement_type,
        current_register.main_cpv,
        current_register.contract_start,
        current_register.contract_end,
        current_register.workers,
        current_register.social_level,
        current_register.required_places,
        current_register.target_groups,
        current_register.supplier_org_number,
        current_register.supplier_name,
        current_register.execution_area,
        -- At least four months: open-ended, or ending on or after start + 4 months - 1 day.
        coalesce(
            (
                current_register.contract_end is null
                or current_register.contract_end
                >= {{ add_days(add_months('current_register.contract_start', 4), -1) }}
            )
            and current_register.workers > 1,
            false
        ) as on_gross_list,
        coalesce(current_register.social_level >= 1, false) as has_social_requirement,
        coalesce(criteria_levels.is_employment_requirement, false) as has_employment_requirement
    from current_register
    left join criteria_levels on current_register.social_level = criteria_levels.social_level
)

select * from classified
