{#- The period each source's loaded rows cover (spec, data_coverage): one row per (source, part),
    part the payer for ersattningar and '' for every other source, with the first and the last
    day covered by each source's own rule. -#}
with

contracts as (
    select snapshot_date from {{ ref('stg_avtalsregister__contracts') }}
),

reference as (
    select reference_date from {{ ref('int_reference_date_selected') }}
),

quarters as (
    select
        min(report_period) as first_period,
        max(report_period) as last_period
    from {{ ref('stg_leverantorsrapporter__placements') }}
),

registration_dates as (
    select registered_date as event_date from {{ ref('stg_malgruppsregister__registrations') }}
    union all
    select deregistered_date as event_date
    from {{ ref('stg_malgruppsregister__registrations') }}
),

payments as (
    select
        benefit_type,
        min(month) as first_month,
        max(month) as last_month
    from {{ ref('stg_ersattningar__payments') }}
    group by benefit_type
),

waves as (
    select
        min(wave) as first_wave,
        max(wave) as last_wave
    from {{ ref('stg_enkat__answers') }}
),

spans as (
    select
        'avtalsregister' as source,
        '' as part,
        min(snapshot_date) as covers_from,
        max(snapshot_date) as covers_to
    from contracts
    union all
    -- 'YYYY-Qn': the quarter starts in month 3n − 2 and ends the day before three months on.
    select
        'leverantorsrapporter' as source,
        '' as part,
        make_date(
            cast(substring(first_period, 1, 4) as integer),
            cast(substring(first_period, 7, 1) as integer) * 3 - 2,
            1
        ) as covers_from,
        {{ add_days(add_months(
            "make_date(cast(substring(last_period, 1, 4) as integer), "
            ~ "cast(substring(last_period, 7, 1) as integer) * 3 - 2, 1)", 3), -1) }} as covers_to
    from quarters
    union all
    select
        'malgruppsregister' as source,
        '' as part,
        min(registration_dates.event_date) as covers_from,
        max(registration_dates.event_date) as covers_to
    from registration_dates
    -- No row when no snapshot is loaded: every date counts then.
    left join reference on true
    where
        registration_dates.event_date is not null
        and (
            reference.reference_date is null
            or registration_dates.event_date <= reference.reference_date
        )
    union all
    -- A month is its first day in the raw table.
    select
        'ersattningar' as source,
        benefit_type as part,
        cast(first_month as date) as covers_from,
        {{ add_days(add_months('last_month', 1), -1) }} as covers_to
    from payments
    union all
    -- Every year column of the loaded files, a missing value included (the staging keeps it).
    select
        'omradesstatistik' as source,
        '' as part,
        make_date(min(year), 1, 1) as covers_from,
        make_date(max(year), 12, 31) as covers_to
    from {{ ref('stg_omradesstatistik__area_values') }}
    union all
    select
        'upphandlingsmyndigheten' as source,
        '' as part,
        make_date(min(year), 1, 1) as covers_from,
        make_date(max(year), 12, 31) as covers_to
    from {{ ref('stg_upphandlingsmyndigheten__procurements') }}
    union all
    -- 'YYYY-H1' is January–June, 'YYYY-H2' July–December.
    select
        'enkat' as source,
        '' as part,
        make_date(
            cast(substring(first_wave, 1, 4) as integer),
            case when substring(first_wave, 7, 1) = '2' then 7 else 1 end,
            1
        ) as covers_from,
        make_date(
            cast(substring(last_wave, 1, 4) as integer),
            case when substring(last_wave, 7, 1) = '2' then 12 else 6 end,
            case when substring(last_wave, 7, 1) = '2' then 31 else 30 end
        ) as covers_to
    from waves
),

final as (
    select
        source,
        part,
        covers_from,
        covers_to
    from spans
)

select * from final
