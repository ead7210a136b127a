{#- The city among Sweden's municipalities: per year and municipality, the advertised
    procurements of the agency's national statistics and how many are flagged socially
    sustainable, ranked by that share. -#}
with

agency as (
    select * from {{ ref('stg_upphandlingsmyndigheten__procurements') }}
),

city_organisations as (
    select org_number from {{ ref('city_organisations') }}
),

-- A municipality's organisation number is 212000xxxx: regions (2321…), federations (2220…),
-- state agencies and companies are left out, and so is a row whose number was unreadable.
municipal_rows as (
    select
        year,
        buyer_org_number,
        buyer_name,
        procurement_id,
        procurement_type,
        socially_sustainable
    from agency
    where buyer_org_number like '212000____'
),

-- One procurement may stand in several rows or files: one (year, buyer, id) each. Its flag is
-- true when a row says true or names a kind, unknown (NULL) when every row is empty or
-- Uppgift saknas (bool_or skips NULLs), otherwise false.
procurements as (
    select
        year,
        buyer_org_number,
        procurement_id,
        bool_or(procurement_type = 'Tjänster') as is_service,
        bool_or(socially_sustainable) as flagged
    from municipal_rows
    group by year, buyer_org_number, procurement_id
),

counted as (
    select
        year,
        buyer_org_number,
        count(*) as procurements,
        count(*) filter (where is_service) as service_procurements,
        count(*) filter (where flagged) as flagged_social,
        count(*) filter (where flagged is null) as flag_unknown
    from procurements
    group by year, buyer_org_number
),

-- The name on most of the number's rows that year (rows, not procurements); ties go to the
-- first in byte order, which is how DuckDB (and Trino) compare varchar without a collation.
name_rows as (
    select
        year,
        buyer_org_number,
        buyer_name,
        count(*) as rows_with_name
    from municipal_rows
    where buyer_name is not null
    group by year, buyer_org_number, buyer_name
),

buyer_names as (
    select
        year,
        buyer_org_number,
        buyer_name,
        row_number() over (
            partition by year, buyer_org_number
            order by rows_with_name desc, buyer_name asc
        ) as name_order
    from name_rows
),

shares as (
    select
        counted.*,
        {{ ratio('counted.flagged_social', 'counted.procurements') }} as share_flagged
    from counted
),

final as (
    select
        cast(shares.year as integer) as year,
        cast(shares.buyer_org_number as {{ dbt.type_string() }}) as buyer_org_number,
        cast(buyer_names.buyer_name as {{ dbt.type_string() }}) as buyer_name,
        cast(shares.procurements as bigint) as procurements,
        cast(shares.service_procurements as bigint) as service_procurements,
        cast(shares.flagged_social as bigint) as flagged_social,
        cast(shares.flag_unknown as bigint) as flag_unknown,
        cast(shares.share_flagged as double) as share_flagged,
        -- Equal fractions give equal doubles (division is correctly rounded): 1/2 and 2/4 tie.
        cast(
            rank() over (partition by shares.year order by shares.share_flagged desc) as bigint
        ) as rank_share_flagged,
        cast(
            shares.buyer_org_number in (select city_organisations.org_number from city_organisations)
            as boolean
        ) as is_city
    from shares
    left join buyer_names
        on
            shares.year = buyer_names.year
            and shares.buyer_org_number = buyer_names.buyer_org_number
            and buyer_names.name_order = 1
)

-- A stable row order: the published files are the same bytes for the same data.
select * from final
order by year, buyer_org_number
