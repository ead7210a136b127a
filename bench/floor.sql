-- The floor of the benchmark: the published tables computed straight from the raw files by one
-- hand-written DuckDB script, with the same rules as the pipeline (the loaders' row checks, the
-- deduplications, the indicators and the small-number rule) but none of its machinery: no
-- pandas, no pseudonymisation (a canonical personnummer stands for the person in memory; nothing
-- is kept), no audit tables, no data-quality suite, no dbt, no Dagster, no Parquet or CSV.
-- load_quality, the pipeline's own audit of its loads, has no counterpart here.
--
-- bench/floor.py runs it after preparing the raw folder for DuckDB (xlsx sheets as CSV, CSV not
-- in UTF-8 re-encoded, the same file delivered twice dropped); @PREP@ is that folder, @SEEDS@
-- the dbt seeds. Header names are those of the sample data (the loaders also accept other case
-- and spacing).

-- --- shared parsing ---------------------------------------------------------------------------

create or replace macro missing(v) as v is null or lower(trim(v)) in ('', 'uppgift saknas', '..');

create or replace macro iso_date(v) as
    case
        when regexp_full_match(trim(v), '\d{4}-\d{2}-\d{2}([ T]00:00(:00)?)?')
            then try_strptime(left(trim(v), 10), '%Y-%m-%d')::date
    end;

create or replace macro whole_number(v) as
    case
        when regexp_full_match(
            regexp_replace(regexp_replace(v, '[\s\xa0]', '', 'g'), '[,.]0+$', ''), '-?\d+'
        )
            then try_cast(
                regexp_replace(regexp_replace(v, '[\s\xa0]', '', 'g'), '[,.]0+$', '') as bigint
            )
    end;

create or replace macro orgnr(v) as
    case
        when length(regexp_replace(v, '\D', '', 'g')) = 10 then regexp_replace(v, '\D', '', 'g')
        when length(regexp_replace(v, '\D', '', 'g')) = 12
            and starts_with(regexp_replace(v, '\D', '', 'g'), '16')
            then right(regexp_replace(v, '\D', '', 'g'), 10)
    end;

-- Every personnummer form of the contract → (canonical 12 digits, birth date, sex), or NULL
-- where it is not valid (form, date, or Luhn digit); samordningsnummer have day + 60.
create or replace macro pnr_century(t, d) as
    case
        when length(d) = 12 then left(d, 2)
        else cast(
            (year(current_date) // 100
                - case when cast(left(d, 2) as integer) > year(current_date) % 100 then 1 else 0 end
                - case when contains(t, '+') then 1 else 0 end) as varchar)
    end;

create or replace macro luhn_ok(ten) as
    list_sum([
        case
            when i % 2 = 1 then
                2 * cast(substr(ten, i, 1) as integer)
                - case when 2 * cast(substr(ten, i, 1) as integer) > 9 then 9 else 0 end
            else cast(substr(ten, i, 1) as integer)
        end
        for i in range(1, 11)
    ]) % 10 = 0;

create or replace macro parse_persons(tbl) as table
    with forms as (
        select distinct
            raw,
            trim(raw) as t,
            regexp_replace(trim(raw), '[-+]', '', 'g') as d
        from query_table(tbl)
        where regexp_full_match(trim(raw), '\d{6}[-+]?\d{4}|\d{8}-?\d{4}')
    ),
    dated as (
        select
            raw,
            pnr_century(t, d) || right(d, 10) as pnr,
            right(d, 10) as ten,
            try_strptime(
                pnr_century(t, d) || substr(right(d, 10), 1, 4)
                || lpad(cast(cast(substr(right(d, 10), 5, 2) as integer)
                    - case when cast(substr(right(d, 10), 5, 2) as integer) > 60 then 60 else 0 end
                    as varchar), 2, '0'),
                '%Y%m%d'
            )::date as birth
        from forms
    )
    select
        raw,
        pnr,
        birth,
        case when cast(substr(ten, 9, 1) as integer) % 2 = 1 then 'M' else 'F' end as sex
    from dated
    where birth is not null and luhn_ok(ten);

-- A delivery's lines in file order with their line numbers, split at `;` (files whose rule is
-- "the last row wins" need exact line numbers; read_csv does not give them). Line 1 is the header.
create or replace macro csv_lines(pattern) as table
    with files as (
        select filename, string_split(ltrim(content, chr(65279)), chr(10)) as lines
        from read_text(pattern)
    )
    select filename, i as line_number, string_split(rtrim(lines[i], chr(13)), ';') as cells
    from files, generate_series(1, len(lines)) as t(i)
    where trim(replace(lines[i], ';', '')) not in ('', chr(13));

create or replace macro cell(cells, header, name) as trim(cells[list_position(header, name)]);

-- --- seeds ------------------------------------------------------------------------------------

create or replace temp table city_organisations as
select org_number::varchar as org_number, name from read_csv('@SEEDS@/city_organisations.csv',
    all_varchar = true);
create or replace temp table criteria_levels as
select social_level::integer as social_level, is_employment_requirement::boolean as is_employment_requirement
from read_csv('@SEEDS@/social_criteria_levels.csv', all_varchar = true);
create or replace temp table geography as
select
    primaromrade, primaromrade_namn,
    nullif(trim(mellanomrade), '') as mellanomrade, mellanomrade_namn,
    nullif(trim(stadsomrade), '') as stadsomrade, stadsomrade_namn
from read_csv('@SEEDS@/geography.csv', all_varchar = true);
create or replace temp table survey_items as
select item, dimension from read_csv('@SEEDS@/survey_items.csv', all_varchar = true);

-- --- the contract register: indicator 1, the gross list -----------------------------------

create or replace temp table contracts as
with raw as (
    select *, regexp_extract(filename, 'avtalsregister_(\d{4}-\d{2}-\d{2})\.csv', 1) as snap
    from read_csv('@PREP@/avtalsregister/avtalsregister_*.csv', all_varchar = true,
        delim = ';', header = true, filename = true, union_by_name = true)
),
parsed as (
    select
        try_cast(snap as date) as snapshot_date,
        nullif(trim("Upphandlings-ID"), '') as procurement_id,
        trim("Upphandlingens titel") as title,
        case when not missing("Beställande organisation") then trim("Beställande organisation") end
            as buyer_organisation,
        orgnr("Organisationsnummer för köpare") as buyer_org_number,
        "Organisationsnummer för köpare" as buyer_org_raw,
        case lower(trim("Upphandlingsslag"))
            when 'tjänster' then 'Tjänster' when 'varor' then 'Varor'
            when 'byggentreprenader' then 'Byggentreprenader'
        end as procurement_type,
        iso_date("Avtalsstart") as contract_start,
        iso_date("Avtalsslut") as contract_end,
        "Avtalsslut" as end_raw,
        whole_number("Beräknat antal arbetstagare") as workers,
        whole_number("Social hänsyn nivå") as social_level,
        whole_number("Antal krävda platser") as required_places,
        case when not missing("Leverantör namn") then trim("Leverantör namn") end as supplier_name,
        "Leverantör organisationsnummer" as supplier_raw,
        nullif(lpad(trim("Utförandeområde"), 2, '0'), '00') as execution_area,
        trim("Utförandeområde") as area_raw
    from raw
),
valid as (
    select * from parsed
    where procurement_id is not null
        and not missing(buyer_org_raw) and buyer_org_number is not null
        and procurement_type is not null
        and contract_start is not null
        and (missing(end_raw) or (contract_end is not null and contract_end >= contract_start))
        and workers >= 0 and social_level between 0 and 4 and required_places >= 0
        and (missing(supplier_raw) or orgnr(supplier_raw) is not null)
        and (missing(area_raw) or execution_area in ('01', '02', '03', '04'))
)
select
    valid.*,
    coalesce(
        (contract_end is null or contract_end >= cast(contract_start + to_months(4) as date) - 1)
        and workers > 1,
        false
    ) as on_gross_list,
    coalesce(social_level >= 1, false) as has_social_requirement,
    coalesce(criteria_levels.is_employment_requirement, false) as has_employment_requirement
from valid
left join criteria_levels using (social_level)
where snapshot_date = (select max(snapshot_date) from valid)
    and buyer_org_number in (select org_number from city_organisations);

create or replace temp table agency as
select
    whole_number("År") as year,
    case when not missing("Namn för köpare") then trim("Namn för köpare") end as buyer_name,
    orgnr("Organisationsnummer för köpare") as buyer_org_number,
    case when not missing("Upphandlingsslag") then trim("Upphandlingsslag") end as procurement_type,
    nullif(trim("Upphandlings-ID"), '') as procurement_id,
    -- Unknown is not false: empty and Uppgift saknas are NULL, a text naming a kind is true.
    case
        when lower(trim("Socialt hållbar upphandling")) in ('', 'uppgift saknas') then null
        when lower(trim("Socialt hållbar upphandling")) in ('false', '0', 'falskt', 'nej')
            then false
        when "Socialt hållbar upphandling" is not null then true
    end as socially_sustainable
from read_csv('@PREP@/upphandlingsmyndigheten/*.csv', all_varchar = true, header = true,
    union_by_name = true)
where whole_number("År") between 1990 and 2100
    and nullif(trim("Upphandlings-ID"), '') is not null
    and (missing("Publiceringsdatum") or iso_date("Publiceringsdatum") is not null);

create or replace table bruttolista as
select
    c.procurement_id, c.title, c.buyer_organisation, c.procurement_type, c.contract_start,
    c.contract_end, cast(c.workers as integer) as workers, cast(c.social_level as integer) as social_level,
    c.has_employment_requirement, cast(c.required_places as integer) as required_places,
    c.supplier_name,
    c.procurement_id in (select procurement_id from agency) as in_agency_statistics
from contracts c
where c.on_gross_list
order by c.buyer_organisation, c.contract_start, c.procurement_id;

create or replace table i1_procurement_share as
with counted as (
    select
        cast(year(contract_start) as integer) as year,
        buyer_organisation,
        count(*) filter (where procurement_type = 'Tjänster') as service_procurements,
        count(*) filter (where procurement_type = 'Tjänster' and on_gross_list) as gross,
        count(*) filter (where procurement_type = 'Tjänster' and on_gross_list
            and has_social_requirement) as social,
        count(*) filter (where procurement_type = 'Tjänster' and on_gross_list
            and has_employment_requirement) as employment,
        coalesce(sum(required_places) filter (where procurement_type = 'Tjänster'
            and on_gross_list and has_employment_requirement), 0) as required_places
    from contracts
    group by all
)
select
    year, buyer_organisation, service_procurements, gross as gross_list_procurements,
    social as with_social_requirement, employment as with_employment_requirement,
    cast(social / nullif(gross, 0) as double) as share_social_requirement,
    cast(employment / nullif(gross, 0) as double) as share_employment_requirement,
    cast(required_places as bigint) as required_places
from counted
order by year, buyer_organisation;

create or replace table procurement_reconciliation as
with city_agency as (
    select * from agency where buyer_org_number in (select org_number from city_organisations)
),
procurements as (
    select year, buyer_org_number, procurement_id, bool_or(procurement_type = 'Tjänster') as is_service
    from city_agency group by all
),
names as (
    select year, buyer_org_number, mode(buyer_name) as buyer_name from city_agency group by all
),
counted as (
    select
        p.year, p.buyer_org_number, count(*) as n,
        count(*) filter (where p.is_service) as services,
        count(*) filter (where c.procurement_id is not null) as in_register
    from procurements p
    left join (select distinct procurement_id from contracts) c using (procurement_id)
    group by all
)
select
    cast(counted.year as integer) as year, counted.buyer_org_number,
    coalesce(names.buyer_name, o.name) as buyer_name,
    n as agency_procurements, services as agency_service_procurements, in_register,
    n - in_register as missing_from_register
from counted
left join names using (year, buyer_org_number)
left join city_organisations o on counted.buyer_org_number = o.org_number
order by year, buyer_org_number;

-- The city among Sweden's municipalities (organisation numbers 212000xxxx), ranked by the
-- share of its procurements flagged socially sustainable; the name on most of its rows.
create or replace table national_benchmark as
with municipal as (
    select * from agency where buyer_org_number like '212000____'
),
procurements as (
    select year, buyer_org_number, procurement_id,
        bool_or(procurement_type = 'Tjänster') as is_service,
        bool_or(socially_sustainable) as flagged
    from municipal group by all
),
counted as (
    select year, buyer_org_number, count(*) as procurements,
        count(*) filter (where is_service) as service_procurements,
        count(*) filter (where flagged) as flagged_social,
        count(*) filter (where flagged is null) as flag_unknown
    from procurements group by all
),
names as (
    select year, buyer_org_number, buyer_name from municipal
    where buyer_name is not null
    group by year, buyer_org_number, buyer_name
    qualify row_number() over (
        partition by year, buyer_org_number order by count(*) desc, buyer_name
    ) = 1
)
select
    cast(c.year as integer) as year, c.buyer_org_number, n.buyer_name,
    c.procurements, c.service_procurements, c.flagged_social, c.flag_unknown,
    cast(c.flagged_social / c.procurements as double) as share_flagged,
    rank() over (partition by c.year order by c.flagged_social / c.procurements desc)
        as rank_share_flagged,
    c.buyer_org_number in (select org_number from city_organisations) as is_city
from counted c
left join names n using (year, buyer_org_number)
order by year, buyer_org_number;

-- The seed of economic parameters, as published.
create or replace table socioeconomic_parameter_sets as
select
    cast(valid_from as date) as valid_from, parameter, placement_type,
    cast(value as double) as value, unit, source
from read_csv('@SEEDS@/socioeconomic_parameters.csv', all_varchar = true)
order by valid_from, parameter, placement_type;

-- --- placements and registrations: indicator 3, process_sync --------------------------------

-- The workbooks, converted to one CSV with each row's file and sheet row (`_file`, `_row`).
create or replace temp table reports_raw as
select "_file" as filename, cast("_row" as bigint) as row_number, *
from read_csv('@PREP@/leverantorsrapporter/xlsx_sheets.csv', all_varchar = true, header = true,
    delim = ';', quote = '"');

create or replace temp table registrations_raw as
with lines as (select * from csv_lines('@PREP@/malgruppsregister/*.csv')),
headers as (select filename, cells as header from lines where line_number = 1)
select
    lines.filename, lines.line_number as row_number,
    cell(cells, header, 'Personnummer') as "Personnummer",
    cell(cells, header, 'Målgrupp') as "Målgrupp",
    cell(cells, header, 'Primärområde') as "Primärområde",
    cell(cells, header, 'Inskrivningsdatum') as "Inskrivningsdatum",
    cell(cells, header, 'Utskrivningsdatum') as "Utskrivningsdatum",
    cell(cells, header, 'Anvisad till Upphandlings-ID') as "Anvisad till Upphandlings-ID"
from lines join headers using (filename)
where lines.line_number > 1;

create or replace temp table person_numbers as
select "Personnummer" as raw from reports_raw
union
select "Personnummer" from registrations_raw;

create or replace temp table persons as select * from parse_persons('person_numbers');

-- A file without a required column is refused whole: its rows have NULL there.
create or replace temp table report_rows as
with parsed as (
    select
        r.filename, r.row_number,
        nullif(trim(r."Upphandlings-ID"), '') as procurement_id,
        p.pnr, p.birth, p.sex,
        case lower(trim(r."Insatstyp"))
            when 'anställning' then 'Anställning' when 'lärlingsplats' then 'Lärlingsplats'
            when 'trainee' then 'Trainee' when 'praktik' then 'Praktik'
            when 'sysselsättning' then 'Sysselsättning'
        end as placement_type,
        iso_date(r."Startdatum") as start_date,
        iso_date(r."Slutdatum") as end_date,
        r."Slutdatum" as end_raw,
        whole_number(r."Omfattning procent") as extent,
        upper(replace(r."Rapportperiod", ' ', '')) as report_period,
        r."Leverantör organisationsnummer" as supplier_raw,
        orgnr(r."Leverantör organisationsnummer") as supplier_org_number
    from reports_raw r
    left join persons p on r."Personnummer" = p.raw
    where r.filename not in (
        select filename from reports_raw group by filename
        having count("Omfattning procent") = 0 or count("Rapportperiod") = 0
    )
),
valid as (
    select * from parsed
    where procurement_id is not null and pnr is not null and placement_type is not null
        and start_date is not null
        and (missing(end_raw) or (end_date is not null and end_date >= start_date))
        and extent between 1 and 100
        and regexp_full_match(report_period, '\d{4}-Q[1-4]')
        and (missing(supplier_raw) or orgnr(supplier_raw) is not null)
)
select * from valid;

create or replace temp table placements as
select
    procurement_id, pnr, birth, sex, placement_type, start_date, end_date, extent,
    report_period as latest_report_period,
    year(start_date) - year(birth)
        - case when (month(start_date), day(start_date)) < (month(birth), day(birth)) then 1 else 0 end
        as age_at_start
from report_rows
qualify row_number() over (
    partition by procurement_id, pnr, placement_type, start_date
    order by report_period desc, filename desc, row_number desc
) = 1;

create or replace temp table registrations as
with parsed as (
    select
        r.filename, r.row_number, p.pnr,
        case regexp_replace(lower(trim(r."Målgrupp")), '(\d)\s*[-‐‑‒—]\s*(\d)', '\1–\2', 'g')
            when 'långtidsarbetslös' then 'Långtidsarbetslös' when 'nyanländ' then 'Nyanländ'
            when 'ung 16–29' then 'Ung 16–29'
            when 'person med funktionsnedsättning' then 'Person med funktionsnedsättning'
            when 'försörjningsstöd' then 'Försörjningsstöd'
        end as target_group,
        trim(r."Primärområde") as primaromrade,
        iso_date(r."Inskrivningsdatum") as registered_date,
        iso_date(r."Utskrivningsdatum") as deregistered_date,
        r."Utskrivningsdatum" as out_raw,
        case when not missing(r."Anvisad till Upphandlings-ID")
            then trim(r."Anvisad till Upphandlings-ID") end as referred_procurement_id
    from registrations_raw r
    left join persons p on r."Personnummer" = p.raw
),
valid as (
    select * from parsed
    where pnr is not null and target_group is not null
        and regexp_full_match(primaromrade, '\d{3}')
        and registered_date is not null
        and (missing(out_raw) or (deregistered_date is not null
            and deregistered_date >= registered_date))
)
select pnr, target_group, primaromrade, registered_date, deregistered_date,
    referred_procurement_id
from valid
qualify row_number() over (
    partition by pnr, target_group, registered_date order by filename desc, row_number desc
) = 1;

create or replace temp table placements_at_start as
with at_start as (
    select
        pl.procurement_id, pl.pnr, pl.placement_type, pl.start_date,
        r.target_group, r.primaromrade
    from placements pl
    join registrations r on pl.pnr = r.pnr and pl.start_date >= r.registered_date
    qualify row_number() over (
        partition by pl.procurement_id, pl.pnr, pl.placement_type, pl.start_date
        order by r.registered_date desc, r.target_group asc
    ) = 1
)
select
    pl.*, year(pl.start_date) as start_year,
    coalesce(a.target_group, 'Okänd') as target_group, g.mellanomrade,
    coalesce(g.stadsomrade, '99') as stadsomrade
from placements pl
left join at_start a using (procurement_id, pnr, placement_type, start_date)
left join geography g on a.primaromrade = g.primaromrade;

create or replace macro few(v, n) as case when n between 1 and 4 then null else v end;

-- Complementary suppression (the spec's privacy of the tables as a whole; the pipeline's macro
-- dbt_project/macros/complementary_suppression.sql, relations from the marts' YAML). A relation
-- over rows: within each group `grp`, the parts' `v` sum to a total; `hidden` flags the parts
-- hidden so far. The shown non-zero parts are hidden, smallest first (ties in the order `ord`),
-- until the relation holds: nothing hidden and the total shown, the total hidden and one part
-- with it, or two or more hidden parts that sum to more than their number.
create or replace macro relation_holds(n, s, total_hidden) as
    (n = 0 and not total_hidden) or (total_hidden and n >= 1) or (n >= 2 and s > n);

-- `is_total` marks a group's total row (never hidden here), `total_hidden` a row saying the
-- group's total is hidden (a hidden total row, another table's NULL, or a total of 1–4);
-- only rows with `may_hide` are hidden further.
create or replace macro hide_parts(tbl, grp, ord, is_total, total_hidden, may_hide := true) as table
    with flagged as (
        select
            *,
            is_total as _is_total,
            total_hidden as _total_hidden,
            not is_total and not hidden and v > 0 and may_hide as _candidate
        from query_table(tbl)
    ),
    ranked as (
        select
            *,
            sum(case when hidden and not _is_total then 1 else 0 end) over (partition by grp)
                as _hidden_n,
            sum(case when hidden and not _is_total then v else 0 end) over (partition by grp)
                as _hidden_sum,
            coalesce(sum(v) over (partition by grp, _candidate order by v, ord
                rows between unbounded preceding and 1 preceding), 0) as _sum_before,
            bool_or(_total_hidden) over (partition by grp) as _group_total_hidden,
            row_number() over (partition by grp, _candidate order by v, ord) as _rank
        from flagged
    )
    select
        * exclude (_is_total, _total_hidden, _candidate, _hidden_n, _hidden_sum, _sum_before,
            _group_total_hidden, _rank)
        replace (
            hidden or coalesce(
                _candidate
                and not relation_holds(_hidden_n, _hidden_sum, _group_total_hidden)
                and not relation_holds(_hidden_n + _rank - 1, _hidden_sum + _sum_before,
                    _group_total_hidden),
                false
            ) as hidden
        )
    from ranked;

-- A relation over two columns of one row (total = p + q): part p, shown so far, is hidden when
-- the relation does not hold and would not hold with the shown parts ranked before it hidden
-- (q is before p when smaller, or as small and `q_first`, declared first).
create or replace macro part_hidden(p_hidden, p, q_hidden, q, q_first, total_hidden) as
    p_hidden or coalesce(
        p > 0
        and not relation_holds(q_hidden::int, case when q_hidden then q else 0 end, total_hidden)
        and not relation_holds(
            q_hidden::int + (not q_hidden and q > 0 and (q < p or (q = p and q_first)))::int,
            case when q_hidden or (q > 0 and (q < p or (q = p and q_first))) then q else 0 end,
            total_hidden),
        false
    );

-- A group of parts hidden with nothing shown left to hide with them, each 1: its total (in
-- another table) would give them away, so it is hidden instead.
create or replace macro unprotectable(n_hidden, n_shown_nonzero, hidden_sum) as
    n_hidden >= 1 and n_shown_nonzero = 0 and hidden_sum <= n_hidden;

create or replace table process_sync as
with placed as (
    select procurement_id, count(distinct pnr) as placed, min(start_date) as first_date
    from placements group by all
),
referred as (
    select referred_procurement_id as procurement_id, count(distinct pnr) as referred
    from registrations where referred_procurement_id is not null group by all
),
joined as (
    select
        c.procurement_id, c.buyer_organisation, c.supplier_name, c.contract_start,
        c.contract_end, c.required_places, c.on_gross_list, c.snapshot_date,
        coalesce(placed.placed, 0) as placed, coalesce(referred.referred, 0) as referred,
        placed.first_date
    from contracts c
    left join placed using (procurement_id)
    left join referred using (procurement_id)
    where c.has_employment_requirement
)
select
    procurement_id, buyer_organisation, supplier_name, contract_start, contract_end,
    cast(required_places as integer) as required_places,
    cast(placed as bigint) as placed_individuals,
    cast(placed / nullif(required_places, 0) as double) as fill_rate,
    cast(referred as bigint) as referred_candidates,
    first_date as first_placement_date,
    cast(date_diff('day', contract_start, first_date) as integer) as days_to_first_placement,
    case
        when placed >= coalesce(required_places, 0) then 'uppfyllt'
        when contract_end is null or contract_end >= snapshot_date then 'pågår'
        else 'ej uppfyllt'
    end as status,
    on_gross_list, snapshot_date
from joined
order by buyer_organisation, contract_start, procurement_id;

-- --- the suppliers' reporting -----------------------------------------------------------------

-- A sole trader's organisationsnummer is a personnummer (month digits 01–12). The loaders keep
-- it as a keyed token, in a file name too, and publish it as XXXXXXXXXX; here the number in a
-- file name, in any personnummer form, is written as its ten digits (the supplier's key) or as
-- the mask. The pattern matches a form standing alone (no letter or digit beside it).
create or replace macro sole_trader_in_text(text, replacement) as regexp_replace(text,
    '(^|[^0-9A-Za-z])(?:\d{2})?(\d{2}(?:0[1-9]|1[0-2])\d{2})[-+]?(\d{4})([^0-9A-Za-z]|$)',
    '\1' || replacement || '\4', 'g');
create or replace macro is_sole_trader(orgnr) as coalesce(substr(orgnr, 3, 2) between '01' and '12', false);

-- The reports as the folder stands (duplicates left out): loaded, or refused (no sheet
-- Rapport, not readable, a required column missing), with the supplier and quarter from the
-- template's file name, else from its rows when they name one supplier and one quarter.
create or replace temp table report_files as
with listed as (
    select
        "_file" as filename,
        sole_trader_in_text("_file", '\2\3') as keyed_name,
        readable::boolean and list_has_all(string_split(coalesce(header, ''), '|'),
            ['Upphandlings-ID', 'Leverantör organisationsnummer', 'Personnummer', 'Insatstyp',
             'Startdatum', 'Slutdatum', 'Omfattning procent', 'Rapportperiod']) as loaded
    from read_csv('@PREP@/leverantorsrapporter/xlsx_files.txt', all_varchar = true,
        header = true, delim = ';', quote = '"')
),
named as (
    select *,
        nullif(regexp_extract(keyed_name, '^rapport_(\d{10})_(\d{4}-Q[1-4]).*[.][xX][lL][sS][xX]$',
            1), '') as named_supplier,
        nullif(regexp_extract(keyed_name, '^rapport_(\d{10})_(\d{4}-Q[1-4]).*[.][xX][lL][sS][xX]$',
            2), '') as named_period
    from listed
),
file_rows as (
    select filename, count(distinct supplier_org_number) as suppliers,
        min(supplier_org_number) as supplier_key, count(distinct report_period) as periods,
        min(report_period) as report_period
    from report_rows group by filename
)
select
    n.filename, n.keyed_name, n.loaded,
    case when n.named_supplier is not null then n.named_supplier
        when f.suppliers = 1 and f.periods = 1 then f.supplier_key end as supplier_key,
    case when n.named_supplier is not null then n.named_period
        when f.suppliers = 1 and f.periods = 1 then f.report_period end as report_period
from named n
left join file_rows f using (filename);

-- One row per supplier and quarter owed: a contract with an employment requirement runs in it
-- and 30 days after its last day have passed by the snapshot's date.
create or replace temp table supplier_quarters as
with suppliers as (
    select orgnr(supplier_raw) as supplier_key, min(supplier_name) as supplier_name
    from contracts where orgnr(supplier_raw) is not null group by all
),
quarters as (
    select
        c.procurement_id, orgnr(c.supplier_raw) as supplier_key, c.contract_start,
        c.contract_end, c.snapshot_date, q.quarter_start,
        cast(q.quarter_start + interval 3 month - interval 1 day as date) as quarter_end
    from contracts c, lateral (
        select cast(unnest(generate_series(
            cast(date_trunc('quarter', c.contract_start) as date),
            cast(date_trunc('quarter', least(coalesce(c.contract_end, c.snapshot_date),
                c.snapshot_date)) as date),
            interval 3 month)) as date) as quarter_start
    ) q
    where c.has_employment_requirement and orgnr(c.supplier_raw) is not null
),
due as (
    select supplier_key, year(quarter_start) || '-Q' || quarter(quarter_start) as report_period,
        count(distinct procurement_id) as contracts_running
    from quarters
    where contract_start <= quarter_end
        and (contract_end is null or contract_end >= quarter_start)
        and quarter_end + 30 <= snapshot_date
    group by all
),
-- File names compare as the pipeline's do: a sole trader's number where its token stands.
files as (
    select supplier_key, report_period,
        arg_min(filename, keyed_name) filter (where loaded) as first_loaded_file,
        min(keyed_name) filter (where loaded) as first_loaded_key,
        count(*) filter (where loaded) as loaded_files,
        count(*) filter (where not loaded) as refused_files
    from report_files where supplier_key is not null group by all
),
reported as (
    select r.supplier_org_number as supplier_key, r.report_period,
        arg_min(r.filename, f.keyed_name) as first_file, min(f.keyed_name) as first_key,
        count(distinct (r.procurement_id, r.pnr, r.placement_type, r.start_date))
            as placements_reported
    from report_rows r join report_files f using (filename)
    where r.supplier_org_number is not null group by all
)
select
    case when not is_sole_trader(s.supplier_key) then s.supplier_key end as supplier_org_number,
    s.supplier_name, d.report_period, d.contracts_running,
    case
        when coalesce(f.loaded_files, 0) > 0 or r.first_file is not null then 'inkommen'
        when coalesce(f.refused_files, 0) > 0 then 'underkänd'
        else 'saknas'
    end as status,
    sole_trader_in_text(case
        when f.first_loaded_file is null then r.first_file
        when r.first_file is null then f.first_loaded_file
        when r.first_key < f.first_loaded_key then r.first_file
        else f.first_loaded_file
    end, 'XXXXXXXXXX') as received_file,
    coalesce(r.placements_reported, 0) as placements_reported,
    is_sole_trader(s.supplier_key) as is_sole_trader,
    s.supplier_key
from due d
join suppliers s using (supplier_key)
left join files f using (supplier_key, report_period)
left join reported r using (supplier_key, report_period);

create or replace table supplier_reporting as
select * exclude (supplier_key) from supplier_quarters
order by supplier_name, supplier_org_number, report_period;

-- Per supplier with an employment requirement: places, persons placed, reports and files.
create or replace table supplier_scorecard as
with contracts_ as (
    select *, orgnr(supplier_raw) as supplier_key from contracts
    where has_employment_requirement and orgnr(supplier_raw) is not null
),
suppliers as (
    select orgnr(supplier_raw) as supplier_key, min(supplier_name) as supplier_name
    from contracts where orgnr(supplier_raw) is not null group by all
),
places as (
    select supplier_key, count(distinct procurement_id) as contracts_with_requirement,
        sum(required_places) as required_places
    from contracts_ group by all
),
placed as (
    select c.supplier_key, count(distinct p.pnr) as placed_individuals
    from contracts_ c join placements p using (procurement_id) group by all
),
reporting as (
    select supplier_key, count(*) as reports_due,
        count(*) filter (where status = 'inkommen') as reports_received,
        count(*) filter (where status in ('saknas', 'underkänd')) as reports_missing,
        max(report_period) filter (where status = 'inkommen') as last_report_period
    from supplier_quarters group by all
),
-- A loaded file's rejected rows: its rows read less the rows that passed the checks.
rejected as (
    select filename, count(*) - (select count(*) from report_rows v where v.filename = r.filename)
        as rows_rejected
    from reports_raw r group by filename
),
file_outcomes as (
    select f.supplier_key, count(*) filter (where not f.loaded) as files_refused,
        coalesce(sum(r.rows_rejected) filter (where f.loaded), 0) as rows_rejected
    from report_files f left join rejected r using (filename)
    where f.supplier_key is not null group by all
)
select
    case when not is_sole_trader(s.supplier_key) then s.supplier_key end as supplier_org_number,
    s.supplier_name, p.contracts_with_requirement,
    cast(coalesce(p.required_places, 0) as bigint) as required_places,
    coalesce(pl.placed_individuals, 0) as placed_individuals,
    cast(coalesce(pl.placed_individuals, 0) / nullif(coalesce(p.required_places, 0), 0) as double)
        as fill_rate,
    coalesce(r.reports_due, 0) as reports_due,
    coalesce(r.reports_received, 0) as reports_received,
    coalesce(r.reports_missing, 0) as reports_missing,
    cast(coalesce(r.reports_received, 0) / nullif(coalesce(r.reports_due, 0), 0) as double)
        as reporting_rate,
    r.last_report_period,
    coalesce(f.files_refused, 0) as files_refused,
    cast(coalesce(f.rows_rejected, 0) as bigint) as rows_rejected,
    is_sole_trader(s.supplier_key) as is_sole_trader
from suppliers s
join places p using (supplier_key)
left join placed pl using (supplier_key)
left join reporting r using (supplier_key)
left join file_outcomes f using (supplier_key)
order by supplier_name, supplier_org_number;

-- --- area statistics: the geographic tables ----------------------------------------------------

create or replace temp table area_values as
with lines as (select * from csv_lines('@PREP@/omradesstatistik/*.csv')),
-- PxWeb may put a title above the header: the header is the first line starting with Område.
headers as (
    select filename, min(line_number) as header_line
    from lines where lower(trim(cells[1], ' "')) = 'område'
    group by filename
),
header_cells as (
    select h.filename, h.header_line, l.cells
    from headers h join lines l on h.filename = l.filename and l.line_number = h.header_line
),
cells as (
    select
        l.filename, l.line_number,
        case when contains(l.filename, 'arbetslosa') then 'arbetslosa' else 'befolkning' end
            as measure,
        trim(l.cells[1]) as area_label,
        unnest(range(2, len(hc.cells) + 1)) as i,
        hc.cells,
        l.cells as values
    from lines l join header_cells hc on l.filename = hc.filename
    where l.line_number > hc.header_line
),
parsed as (
    select
        filename, line_number, measure, area_label,
        regexp_extract(area_label, '^(\d{3})(?:\s+(.*))?$', 1) as primaromrade,
        cast(trim(cells[i]) as integer) as year,
        trim(values[i]) as raw_value,
        try_cast(replace(regexp_replace(trim(values[i]), '[\s\xa0]', '', 'g'), ',', '.') as double)
            as value
    from cells
    where regexp_full_match(trim(cells[i]), '(19|20)\d{2}')
),
bad_rows as (
    select distinct filename, line_number from parsed
    where primaromrade = '' or primaromrade not in (select primaromrade from geography)
        or (not missing(raw_value) and (value is null or value < 0))
)
select measure, primaromrade, year, value
from parsed
where (filename, line_number) not in (select (filename, line_number) from bad_rows)
qualify row_number() over (
    partition by measure, primaromrade, year order by filename desc, line_number desc
) = 1;

create or replace temp table distribution_keys as
with unemployed as (select * from area_values where measure = 'arbetslosa'),
areas as (select * from geography where stadsomrade is not null),
years as (select distinct year from unemployed where value is not null),
values_ as (
    select y.year, a.primaromrade, a.mellanomrade, a.stadsomrade, u.value
    from years y cross join areas a
    left join unemployed u on u.year = y.year and u.primaromrade = a.primaromrade
),
totals as (
    select year, sum(value) as total, count(*) filter (where value is null) = 0 as complete
    from values_ group by all
),
by_area as (
    select year, 'stadsomrade' as level, stadsomrade as area, sum(value) as n
    from values_ group by all
    union all
    select year, 'mellanomrade', mellanomrade, sum(value) from values_ group by all
)
select by_area.year as key_year, level, area, n / nullif(total, 0) as distribution_key, complete
from by_area join totals using (year);

create or replace temp table geographic as
with areas as (
    select distinct 'stadsomrade' as level, stadsomrade as area, stadsomrade_namn as area_name
    from geography where stadsomrade is not null
    union all
    select distinct 'mellanomrade', mellanomrade, mellanomrade_namn
    from geography where stadsomrade is not null
),
placement_years as (select distinct start_year as year from placements_at_start),
key_years as (
    select p.year, max(k.key_year) as key_year
    from placement_years p
    left join (select distinct key_year from distribution_keys) k on p.year >= k.key_year
    group by all
),
placed as (
    select start_year as year, 'stadsomrade' as level, stadsomrade as area,
        count(distinct pnr) as placed
    from placements_at_start group by all
    union all
    select start_year, 'mellanomrade', mellanomrade, count(distinct pnr)
    from placements_at_start where mellanomrade is not null group by all
),
computed as (
    select
        ky.year, ky.key_year, a.level, a.area, a.area_name, k.distribution_key,
        coalesce(k.complete, false) as key_complete,
        coalesce(p.placed, 0) as placed,
        sum(coalesce(p.placed, 0)) over (partition by ky.year, a.level) as total_placed
    from key_years ky cross join areas a
    left join placed p on p.year = ky.year and p.level = a.level and p.area = a.area
    left join distribution_keys k on k.key_year = ky.key_year and k.level = a.level
        and k.area = a.area
),
-- The total expected / distribution_key reveals is hidden in a year whose areas, at either
-- level, are all hidden or 0 and each 1 (no shown area is left to hide with them).
hidden_totals as (
    select year from (
        select year, level, count(*) filter (where placed between 1 and 4) as n_hidden,
            count(*) filter (where placed >= 5) as n_shown,
            sum(placed) filter (where placed between 1 and 4) as hidden_sum
        from computed group by all
    )
    group by year
    having bool_or(unprotectable(n_hidden, n_shown, hidden_sum))
),
revealed as (
    select *,
        case when year in (select year from hidden_totals) then 1 else total_placed end
            as revealed_total
    from computed
)
-- placed unsuppressed; deviation and share are hidden with it later.
select
    cast(r.year as integer) as year, r.level, r.area, r.area_name, g.stadsomrade,
    cast(r.key_year as integer) as key_year, r.distribution_key, r.key_complete, r.placed,
    cast(few(r.distribution_key * r.total_placed, r.revealed_total) as double)
        as expected_individuals,
    cast(few(r.placed - r.distribution_key * r.total_placed, r.revealed_total) as double)
        as deviation,
    cast(few(r.placed / nullif(r.total_placed, 0), r.revealed_total) as double)
        as placement_share,
    r.placed as v, r.placed between 1 and 4 as hidden
from revealed r
left join (select distinct mellanomrade, stadsomrade from geography) g
    on r.level = 'mellanomrade' and r.area = g.mellanomrade;

-- The stadsområden sum to the total expected / distribution_key reveals; one whose
-- mellanområden are all hidden and each 1 is hidden itself (it would give them away).
create or replace temp table geo_stadsomrade_0 as
with unprotected as (
    select year, stadsomrade from geographic where level = 'mellanomrade'
    group by all
    having unprotectable(count(*) filter (where hidden),
        count(*) filter (where not hidden and v > 0), sum(v) filter (where hidden))
)
select * replace (hidden or (year, area) in (select (year, stadsomrade) from unprotected)
    as hidden)
from geographic where level = 'stadsomrade';
create or replace temp table geo_stadsomrade_1 as
select * from hide_parts('geo_stadsomrade_0', year, [area], false,
    sum(v) over (partition by year) between 1 and 4);
create or replace temp table geo_stadsomrade_2 as
select * from hide_parts('geo_stadsomrade_1', year, [area], false,
    sum(v) over (partition by year) between 1 and 4);

create or replace table geographic_distribution as
select
    year, area as stadsomrade, area_name as stadsomrade_namn, key_year, distribution_key,
    key_complete, cast(case when not hidden then placed end as integer) as placed_individuals,
    expected_individuals, case when not hidden then deviation end as deviation,
    case when not hidden then placement_share end as placement_share
from geo_stadsomrade_2 order by year, stadsomrade;

-- The mellanområden sum to their stadsområde's count in geographic_distribution, and all of
-- them to the total expected / distribution_key reveals: the two relations in turn, twice.
create or replace temp table geo_mellanomrade_0 as
select m.*, d.year is not null and d.placed_individuals is null as total_missing
from geographic m
left join geographic_distribution d on m.year = d.year and m.stadsomrade = d.stadsomrade
where m.level = 'mellanomrade';
create or replace temp table geo_mellanomrade_1 as
select * from hide_parts('geo_mellanomrade_0', (year, stadsomrade), [area], false,
    total_missing);
create or replace temp table geo_mellanomrade_2 as
select * from hide_parts('geo_mellanomrade_1', year, [area], false,
    sum(v) over (partition by year) between 1 and 4);
create or replace temp table geo_mellanomrade_3 as
select * from hide_parts('geo_mellanomrade_2', (year, stadsomrade), [area], false,
    total_missing);
create or replace temp table geo_mellanomrade_4 as
select * from hide_parts('geo_mellanomrade_3', year, [area], false,
    sum(v) over (partition by year) between 1 and 4);

create or replace table geographic_distribution_mellanomrade as
select
    year, area as mellanomrade, stadsomrade, area_name as mellanomrade_namn, key_year,
    distribution_key, key_complete,
    cast(case when not hidden then placed end as integer) as placed_individuals,
    expected_individuals, case when not hidden then deviation end as deviation,
    case when not hidden then placement_share end as placement_share
from geo_mellanomrade_4 order by year, mellanomrade;

-- --- indicator 3 (after the geography: an area's persons there are its persons here) ----------

-- i3_placements' categories, one way at a time, every category in every year (0 where nothing
-- started). A category of 1–4 persons hides both its counts; the areas 01–04 are hidden where
-- geographic_distribution hides them, and only there.
create or replace temp table i3_cells as
with placed as (
    select start_year as year, 'placement_type' as dimension, placement_type as category, pnr
    from placements_at_start
    union all
    select start_year, 'target_group', target_group, pnr from placements_at_start
    union all
    select start_year, 'stadsomrade', stadsomrade, pnr from placements_at_start
),
categories as (
    select 'placement_type' as dimension, placement_type as category
    from read_csv('@SEEDS@/placement_types.csv', all_varchar = true)
    union select 'target_group', target_group
    from read_csv('@SEEDS@/target_groups.csv', all_varchar = true)
    union select 'target_group', 'Okänd'
    union select 'stadsomrade', stadsomrade
    from read_csv('@SEEDS@/stadsomraden.csv', all_varchar = true)
    union select 'stadsomrade', '99'
    union select distinct dimension, category from placed
),
counted as (
    select year, dimension, category, count(*) as placements, count(distinct pnr) as individuals
    from placed group by all
)
select
    y.year, c.dimension, c.category,
    coalesce(n.placements, 0) as placements, coalesce(n.individuals, 0) as individuals,
    coalesce(n.placements, 0) as v,
    case when g.year is not null then g.placed_individuals is null
        else coalesce(n.individuals, 0) between 1 and 4 end as hidden,
    g.year is null as may_hide
from (select distinct start_year as year from placements_at_start) y
cross join categories c
left join counted n on n.year = y.year and n.dimension = c.dimension and n.category = c.category
left join geographic_distribution g
    on c.dimension = 'stadsomrade' and g.year = y.year and g.stadsomrade = c.category;

-- Women + men = individuals, the relation within a row; a year with a breakdown whose hidden
-- categories are one or each 1 placement, with none left that may be hidden with them, hides
-- its placements (i3_placements' relation to this table).
create or replace table i3_individuals as
with persons_by_year as (
    select start_year as year, pnr, any_value(sex) as sex,
        arg_min(age_at_start, start_date) as age, count(*) as placements
    from placements_at_start group by all
),
counted as (
    select year, count(*) as individuals, sum(placements) as placements,
        count(*) filter (where sex = 'F') as women, count(*) filter (where sex = 'M') as men,
        count(*) filter (where age < 30) as under_30
    from persons_by_year group by all
),
unprotected_years as (
    select distinct year from (
        select year, count(*) filter (where hidden) as n, sum(v) filter (where hidden) as s,
            count(*) filter (where not hidden and may_hide and v > 0) as candidates
        from i3_cells group by year, dimension
    )
    where n >= 1 and candidates = 0 and not (n >= 2 and s > n)
),
cells as (
    select
        *, individuals between 1 and 4 as individuals_hidden,
        individuals between 1 and 4 or year in (select year from unprotected_years)
            as placements_hidden,
        women between 1 and 4 as women_hidden, men between 1 and 4 as men_hidden
    from counted
),
round_1 as (
    select * replace (
        part_hidden(women_hidden, women, men_hidden, men, false, individuals_hidden)
            as women_hidden,
        part_hidden(men_hidden, men, women_hidden, women, true, individuals_hidden) as men_hidden
    )
    from cells
),
round_2 as (
    select * replace (
        part_hidden(women_hidden, women, men_hidden, men, false, individuals_hidden)
            as women_hidden,
        part_hidden(men_hidden, men, women_hidden, women, true, individuals_hidden) as men_hidden
    )
    from round_1
)
select
    cast(year as integer) as year,
    cast(case when individuals_hidden then null else individuals end as bigint) as individuals,
    cast(case when placements_hidden then null else placements end as bigint) as placements,
    cast(case when women_hidden then null else women end as bigint) as women,
    cast(case when men_hidden then null else men end as bigint) as men,
    cast(few(under_30, under_30) as bigint) as under_30
from round_2
order by year;

-- Per (year, dimension) the categories' placements sum to the year's in i3_individuals.
create or replace temp table i3_cells_0 as
select c.*, i.placements is null as total_missing
from i3_cells c join i3_individuals i using (year);
create or replace temp table i3_cells_1 as
select * from hide_parts('i3_cells_0', (year, dimension), [category], false, total_missing,
    may_hide);
create or replace temp table i3_cells_2 as
select * from hide_parts('i3_cells_1', (year, dimension), [category], false, total_missing,
    may_hide);

create or replace table i3_placements as
select
    cast(year as integer) as year, dimension, category,
    cast(case when hidden then null else placements end as bigint) as placements,
    cast(case when hidden then null else individuals end as bigint) as individuals
from i3_cells_2
order by year, dimension, category;

-- --- the survey: indicator 4 -----------------------------------------------------------------

create or replace temp table i4_cells_0 as
with lines as (select * from csv_lines('@PREP@/enkat/*.csv')),
headers as (select filename, cells as header from lines where line_number = 1),
raw as (
    select
        lines.filename, lines.line_number as row_number,
        cell(cells, header, 'Svars-ID') as "Svars-ID", cell(cells, header, 'Omgång') as "Omgång",
        cell(cells, header, 'Roll') as "Roll",
        cell(cells, header, 'F1') as "F1", cell(cells, header, 'F2') as "F2",
        cell(cells, header, 'F3') as "F3", cell(cells, header, 'F4') as "F4",
        cell(cells, header, 'F5') as "F5", cell(cells, header, 'F6') as "F6",
        cell(cells, header, 'F7') as "F7", cell(cells, header, 'F8') as "F8",
        cell(cells, header, 'F9') as "F9"
    from lines join headers using (filename)
    where lines.line_number > 1
),
parsed as (
    select
        filename, row_number, nullif(trim("Svars-ID"), '') as response_id,
        upper(trim("Omgång")) as wave,
        case lower(trim("Roll"))
            when 'upphandlare' then 'Upphandlare' when 'beställare' then 'Beställare'
            when 'leverantör' then 'Leverantör' when 'jobbmäklare' then 'Jobbmäklare'
            when 'deltagare' then 'Deltagare'
        end as role,
        [trim(coalesce(x, '')) for x in ["F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9"]]
            as answers
    from raw
),
valid as (
    select * from parsed
    where response_id is not null and regexp_full_match(wave, '\d{4}-H[12]')
        and role is not null
        and list_bool_and([
            a = '' or lower(a) = 'vet ej' or coalesce(whole_number(a) between 1 and 5, false)
            for a in answers
        ])
    qualify row_number() over (
        partition by wave, response_id order by filename desc, row_number desc
    ) = 1
),
answers as (
    select wave, response_id, role, 'F' || i as item, whole_number(answers[i]) as answer
    from valid, range(1, 10) as t(i)
),
scores as (
    select a.wave, a.response_id, a.role, s.dimension, avg(a.answer) as score
    from answers a join survey_items s using (item)
    where a.answer is not null
    group by all
),
by_role as (
    select wave, role, dimension, score from scores
    union all
    select wave, 'Alla', dimension, score from scores
),
aggregated as (
    select wave, role, dimension, count(*) as n, avg(score) as mean,
        count(*) filter (where score >= 4) / count(*) as share,
        1.96 * sqrt(var_samp(score) / count(*)) as half
    from by_role group by all
),
cells as (
    select *, n as v, n between 1 and 4 as hidden from aggregated
)
select * from cells;

-- The roles' respondents sum to Alla's; a hidden count hides the mean, share and interval.
create or replace temp table i4_cells_1 as
select * from hide_parts('i4_cells_0', (wave, dimension), [role], role = 'Alla',
    role = 'Alla' and hidden);
create or replace temp table i4_cells_2 as
select * from hide_parts('i4_cells_1', (wave, dimension), [role], role = 'Alla',
    role = 'Alla' and hidden);

create or replace table i4_stakeholder_survey as
with suppressed as (
    select wave, role, dimension,
        case when not hidden then n end as respondents,
        case when not hidden then mean end as mean_score,
        case when not hidden then share end as share_positive,
        case when not hidden then mean - half end as ci95_low,
        case when not hidden then mean + half end as ci95_high
    from i4_cells_2
)
select
    wave, role, dimension, cast(respondents as integer) as respondents,
    cast(mean_score as double) as mean_score, cast(share_positive as double) as share_positive,
    cast(ci95_low as double) as ci95_low, cast(ci95_high as double) as ci95_high,
    lag(wave) over w as previous_wave,
    cast(mean_score - lag(mean_score) over w as double) as change_from_previous_wave
from suppressed
window w as (partition by role, dimension order by wave)
order by wave, role, dimension;

-- --- benefits: indicator 2 -------------------------------------------------------------------

create or replace temp table payments_raw as
select 'försörjningsstöd' as benefit_type, filename, "Personnummer" as raw,
    "Utbetalningsmånad" as month_text, "Belopp" as amount_text
from read_csv('@PREP@/ersattningar/forsorjningsstod_*.csv', all_varchar = true, header = true,
    delim = ';', filename = true, union_by_name = true)
union all
select 'arbetslöshetsersättning', filename, "Personnummer", "Period", "Utbetalt belopp"
from read_csv('@PREP@/ersattningar/arbetsloshetsersattning_*.csv', all_varchar = true,
    header = true, delim = ';', filename = true, union_by_name = true)
union all
select 'aktivitetsersättning', filename, "Personnummer", "Månad", "Belopp kr"
from read_csv('@PREP@/ersattningar/aktivitetsersattning_*.csv', all_varchar = true,
    header = true, delim = ';', filename = true, union_by_name = true);

create or replace temp table payment_numbers as select distinct raw from payments_raw;

create or replace temp table payment_persons as select * from parse_persons('payment_numbers');

create or replace temp table payments as
with parsed as (
    select
        r.benefit_type, r.filename, p.pnr,
        case when regexp_full_match(trim(r.month_text), '\d{4}-?\d{2}') then
            try_strptime(regexp_replace(trim(r.month_text), '^(\d{4})-?(\d{2})$', '\1-\2-01'),
                '%Y-%m-%d')::date end as month,
        case
            when regexp_full_match(
                replace(regexp_replace(r.amount_text, '[\s\xa0\x{202f}]', '', 'g'), ',', '.'),
                '[-−]?\d+(\.\d+)?'
            )
                then cast(replace(replace(regexp_replace(r.amount_text, '[\s\xa0\x{202f}]', '', 'g'),
                    ',', '.'), '−', '-') as decimal(18, 2))
        end as amount
    from payments_raw r
    left join payment_persons p on r.raw = p.raw
)
select benefit_type, filename, pnr, month, amount
from parsed
where pnr is not null and month is not null and amount is not null;

create or replace temp table benefit_months as
select benefit_type, pnr, month, sum(amount) as amount
from payments group by all;

-- Each payer's span: the months its extracts cover (each extract first to last month), merged.
create or replace temp table payer_spans as
with extracts as (
    select benefit_type, filename, min(month) as first_month, max(month) as last_month
    from payments group by all
),
covered as (
    select distinct benefit_type,
        cast(unnest(generate_series(first_month, last_month, interval 1 month)) as date) as month
    from extracts
),
islands as (
    select benefit_type, month,
        date_diff('month', date '2000-01-01', month)
            - row_number() over (partition by benefit_type order by month) as island
    from covered
)
select benefit_type, min(month) as first_month, max(month) as last_month
from islands group by benefit_type, island;

-- Each placed person's windows around the month of the first start S, per payer whose span
-- covers both (mature), and what the payer paid in each.
create or replace temp table treated_windows as
with index_dates as (
    select pnr, min(start_date) as index_date from placements_at_start group by all
),
persons_ as (
    select i.pnr, i.index_date, any_value(p.target_group) as target_group
    from index_dates i
    join placements_at_start p on p.pnr = i.pnr and p.start_date = i.index_date
    group by all
),
windows as (
    select
        p.pnr, p.index_date, p.target_group, b.benefit_type,
        year(p.index_date) as cohort_year,
        cast(date_trunc('month', p.index_date) as date) as index_month,
        cast(date_trunc('month', p.index_date) - to_months(6) as date) as before_first,
        cast(date_trunc('month', p.index_date) - to_months(1) as date) as before_last,
        cast(date_trunc('month', p.index_date) + to_months(1) as date) as after_first,
        cast(date_trunc('month', p.index_date) + to_months(6) as date) as after_last
    from persons_ p cross join (select distinct benefit_type from payer_spans) b
),
mature as (
    select w.pnr, w.benefit_type
    from windows w join payer_spans s using (benefit_type)
    group by w.pnr, w.benefit_type
    having bool_or(s.first_month <= w.before_first and s.last_month >= w.before_last)
        and bool_or(s.first_month <= w.after_first and s.last_month >= w.after_last)
),
paid as (
    select
        w.pnr, w.benefit_type, any_value(w.cohort_year) as cohort_year,
        any_value(w.target_group) as target_group, any_value(w.index_month) as index_month,
        any_value(w.before_first) as before_first, any_value(w.before_last) as before_last,
        any_value(w.after_first) as after_first, any_value(w.after_last) as after_last,
        coalesce(sum(m.amount) filter (where m.month <= w.before_last), 0) as before_,
        coalesce(sum(m.amount) filter (where m.month >= w.after_first), 0) as after_
    from windows w
    semi join mature using (pnr, benefit_type)
    left join benefit_months m on m.pnr = w.pnr and m.benefit_type = w.benefit_type
        and m.month between w.before_first and w.after_last
    group by w.pnr, w.benefit_type
)
select * from paid;

create or replace temp table i2_counted as
with counted as (
    select
        cohort_year, benefit_type, target_group, count(*) as n,
        count(*) filter (where before_ > 0) as rb, count(*) filter (where after_ > 0) as ra,
        count(*) filter (where before_ != 0) as pb, count(*) filter (where after_ != 0) as pa,
        sum(before_) as sb, sum(after_) as sa,
        count(*) filter (where before_ > 0 and after_ <= 0) as left_
    from treated_windows group by all
)
select * from counted;

-- The persons counted are i2_effect_estimates' treated, whose target groups sum to Alla's
-- there: a cell hidden there (primary or complementary) is hidden here too.
create or replace temp table i2_treated_0 as
select cohort_year, benefit_type, target_group, n as v, n between 1 and 4 as hidden
from i2_counted
union all
select cohort_year, benefit_type, 'Alla', sum(n), sum(n) between 1 and 4
from i2_counted group by all;
create or replace temp table i2_treated_1 as
select * from hide_parts('i2_treated_0', (cohort_year, benefit_type), [target_group],
    target_group = 'Alla', target_group = 'Alla' and hidden);
create or replace temp table i2_treated_2 as
select * from hide_parts('i2_treated_1', (cohort_year, benefit_type), [target_group],
    target_group = 'Alla', target_group = 'Alla' and hidden);

-- A hidden individuals hides the sums over them; a window's sum is also NULL when its
-- recipients or payees (repayments too) are 1–4.
create or replace table i2_benefit_effects as
with counted as (
    select c.* replace (
        case when not (t.hidden or c.n between 1 and 4) then c.n end as n,
        case when not (t.hidden or c.n between 1 and 4) then c.sb end as sb,
        case when not (t.hidden or c.n between 1 and 4) then c.sa end as sa
    )
    from i2_counted c
    join i2_treated_2 t using (cohort_year, benefit_type, target_group)
)
select
    cast(cohort_year as integer) as cohort_year, benefit_type, target_group,
    cast(few(n, n) as bigint) as individuals,
    cast(few(rb, rb) as bigint) as recipients_before,
    cast(few(ra, ra) as bigint) as recipients_after,
    cast(few(few(few(sb, n), rb), pb) as double) as amount_before_sek,
    cast(few(few(few(sa, n), ra), pa) as double) as amount_after_sek,
    cast(few(few(few(few(few(sa - sb, n), rb), pb), ra), pa) as double) as change_sek,
    cast(few(left_, left_) as bigint) as left_benefit,
    cast(few(few(few(few(few(2 * (sb - sa), n), rb), pb), ra), pa) as double)
        as annualised_saving_sek
from counted
order by cohort_year, benefit_type, target_group;

-- --- indicator 2 against a comparison group: i2_effect_estimates -----------------------------

-- The controls: for every index month m0 of a counted person and every payer, the persons
-- registered on m0's first day (their latest registration on or before it, ties to the first
-- Målgrupp) and not placed before m0 + 7, paid in the same calendar windows.
create or replace temp table controls as
with cohort_months as (
    select distinct benefit_type, index_month, before_first, before_last, after_first, after_last
    from treated_windows
),
index_months as (select distinct index_month, after_last from cohort_months),
first_starts as (select pnr, min(start_date) as first_start from placements_at_start group by all),
latest as (
    select m.index_month, m.after_last, r.pnr, r.target_group, r.deregistered_date
    from index_months m join registrations r on m.index_month >= r.registered_date
    qualify row_number() over (
        partition by m.index_month, r.pnr order by r.registered_date desc, r.target_group
    ) = 1
),
persons_ as (
    select l.index_month, l.pnr, l.target_group
    from latest l left join first_starts f using (pnr)
    where (l.deregistered_date is null or l.deregistered_date >= l.index_month)
        and (f.first_start is null or f.first_start >= l.after_last + to_months(1))
)
select
    w.benefit_type, w.index_month, p.pnr, any_value(p.target_group) as target_group,
    cast(coalesce(sum(m.amount) filter (where m.month <= w.before_last), 0) as decimal(18, 2))
        as before_,
    cast(coalesce(sum(m.amount) filter (where m.month >= w.after_first), 0) as decimal(18, 2))
        as after_
from cohort_months w
join persons_ p using (index_month)
left join benefit_months m on m.pnr = p.pnr and m.benefit_type = w.benefit_type
    and m.month between w.before_first and w.after_last
group by w.benefit_type, w.index_month, p.pnr;

-- Each counted person's cell (payer, m0, Målgrupp, paid before) and the mean change of its
-- controls, the counterfactual; Okänd has no cell.
create or replace temp table treated_matched as
with treated as (
    select *, cast(before_ as decimal(18, 2)) > 0 as paid_before,
        cast(cast(after_ as decimal(18, 2)) - cast(before_ as decimal(18, 2)) as decimal(18, 2))
            as change
    from treated_windows
),
cells as (
    select benefit_type, index_month, target_group, before_ > 0 as paid_before,
        cast(sum(after_ - before_) as double) / count(*) as counterfactual_change
    from controls group by all
)
select t.*, c.counterfactual_change, t.change - c.counterfactual_change as effect,
    c.benefit_type is not null as is_matched
from treated t
left join cells c on t.benefit_type = c.benefit_type and t.index_month = c.index_month
    and t.target_group = c.target_group and t.paid_before = c.paid_before
    and t.target_group != 'Okänd';

-- Means and the variance from exact sums (changes in öre, effects to a millionth of a krona).
create or replace temp table i2_estimates as
with by_group as (
    select *, target_group as cell_target_group from treated_matched
    union all
    select * replace ('Alla' as target_group), target_group from treated_matched
),
summed as (
    select cohort_year, benefit_type, target_group, count(*) as treated,
        count(*) filter (where is_matched) as matched,
        sum(cast(change as decimal(38, 6))) filter (where is_matched) as change_sum,
        sum(cast(counterfactual_change as decimal(38, 6))) filter (where is_matched)
            as counterfactual_sum,
        sum(cast(effect as decimal(38, 6))) filter (where is_matched) as effect_sum,
        sum(cast(effect as decimal(38, 6)) * cast(effect as decimal(38, 6)))
            filter (where is_matched) as effect_square_sum
    from by_group group by all
),
control_persons as (
    select b.cohort_year, b.benefit_type, b.target_group, count(distinct c.pnr) as controls
    from (
        select distinct cohort_year, benefit_type, target_group, index_month, cell_target_group,
            paid_before
        from by_group where is_matched
    ) b
    join controls c on b.benefit_type = c.benefit_type and b.index_month = c.index_month
        and b.cell_target_group = c.target_group and b.paid_before = (c.before_ > 0)
    group by all
)
select
    s.cohort_year, s.benefit_type, s.target_group, s.treated, s.matched,
    coalesce(c.controls, 0) as controls,
    cast(change_sum as double) / nullif(matched, 0) as change_per_person,
    cast(counterfactual_sum as double) / nullif(matched, 0) as counterfactual_per_person,
    cast(effect_sum as double) / nullif(matched, 0) as effect_per_person,
    case when matched >= 2 then 1.96 * sqrt(
        cast(matched * effect_square_sum - effect_sum * effect_sum as double)
        / (matched * (matched - 1)) / matched
    ) end as half,
    matched as v, matched between 1 and 4 as hidden
from summed s
left join control_persons c using (cohort_year, benefit_type, target_group);

-- The target groups' matched sum to Alla's (the treated: i2_treated_2 above).
create or replace temp table i2_estimates_1 as
select * from hide_parts('i2_estimates', (cohort_year, benefit_type), [target_group],
    target_group = 'Alla', target_group = 'Alla' and hidden);
create or replace temp table i2_estimates_2 as
select * from hide_parts('i2_estimates_1', (cohort_year, benefit_type), [target_group],
    target_group = 'Alla', target_group = 'Alla' and hidden);

-- A hidden count is NULL; a hidden matched, or matched or controls of 1–4, hide the estimates.
create or replace table i2_effect_estimates as
with shown as (
    select
        e.cohort_year, e.benefit_type, e.target_group,
        case when not t.hidden then e.treated end as treated,
        case when not e.hidden then e.matched end as matched,
        few(e.controls, e.controls) as controls,
        not e.hidden and not (e.matched between 1 and 4 or e.controls between 1 and 4) as shown,
        e.change_per_person, e.counterfactual_per_person, e.effect_per_person, e.half
    from i2_estimates_2 e
    join i2_treated_2 t using (cohort_year, benefit_type, target_group)
)
select
    cast(cohort_year as integer) as cohort_year, benefit_type, target_group,
    cast(treated as bigint) as treated, cast(matched as bigint) as matched,
    cast(controls as bigint) as controls,
    case when shown then change_per_person end as change_per_person_sek,
    case when shown then counterfactual_per_person end as counterfactual_change_per_person_sek,
    case when shown then effect_per_person end as effect_per_person_sek,
    case when shown then effect_per_person - half end as effect_ci95_low,
    case when shown then effect_per_person + half end as effect_ci95_high,
    case when shown then -2 * effect_per_person * matched end as annualised_saving_sek
from shown
order by cohort_year, benefit_type, target_group;

-- --- the socioeconomic value ------------------------------------------------------------------

-- The values as decimals, as the seed is loaded: 1 − the tax rates is then exact.
create or replace temp table parameters as
select cast(valid_from as date) as valid_from, parameter, nullif(placement_type, '') as placement_type,
    cast(value as decimal(18, 6)) as value
from read_csv('@SEEDS@/socioeconomic_parameters.csv', all_varchar = true);

-- Per year and actor: the wage-related flows of the paid placement-months (a whole month's wage
-- of the kind × Omfattning for every month touched, to Slutdatum or the newest Rapportperiod's
-- last month) and the benefits avoided (the annualised savings of i2_effect_estimates' Alla).
create or replace table socioeconomic_value as
with paid as (
    select p.pnr, p.placement_type, p.extent,
        cast(date_trunc('month', p.start_date) as date) as first_month,
        coalesce(cast(date_trunc('month', p.end_date) as date),
            make_date(cast(left(p.latest_report_period, 4) as integer),
                cast(right(p.latest_report_period, 1) as integer) * 3, 1)) as last_month
    from placements p
    join read_csv('@SEEDS@/placement_types.csv', all_varchar = true) t using (placement_type)
    where t.is_paid::boolean
),
months as (
    select pnr, placement_type, extent, year(month) as year
    from paid, lateral (
        select cast(unnest(generate_series(first_month, last_month, interval 1 month)) as date)
            as month
    )
),
estimates as (select * from i2_effect_estimates where target_group = 'Alla'),
years as (
    select distinct year from months union select distinct cohort_year from estimates
),
year_parameters as (
    select y.year, max(p.valid_from) as valid_from
    from years y left join parameters p on p.valid_from <= make_date(y.year, 1, 1)
    group by y.year
),
rates as (
    select valid_from,
        max(value) filter (where parameter = 'employer_fee_rate') as employer_fee_rate,
        max(value) filter (where parameter = 'municipal_tax_rate') as municipal_tax_rate,
        max(value) filter (where parameter = 'regional_tax_rate') as regional_tax_rate
    from parameters group by valid_from
),
work as (
    select m.year, count(*) as months_, count(distinct m.pnr) as persons,
        case when count(p.value) = count(*) then sum(p.value * cast(m.extent as double) * 0.01) end as wage
    from months m
    join year_parameters y using (year)
    left join parameters p on p.valid_from = y.valid_from and p.parameter = 'monthly_wage_sek'
        and p.placement_type = m.placement_type
    group by m.year
),
benefits as (
    select cohort_year as year,
        coalesce(sum(annualised_saving_sek) filter (where benefit_type = 'försörjningsstöd'), 0)
            as municipal,
        coalesce(sum(annualised_saving_sek) filter (where benefit_type != 'försörjningsstöd'), 0)
            as state,
        count(*) filter (where benefit_type = 'försörjningsstöd'
            and annualised_saving_sek is null) = 0 as municipal_complete,
        count(*) filter (where benefit_type != 'försörjningsstöd'
            and annualised_saving_sek is null) = 0 as state_complete
    from estimates group by all
),
yearly as (
    select y.year, y.valid_from, r.*  exclude (valid_from),
        coalesce(w.months_, 0) as months_, coalesce(w.persons, 0) as persons,
        case when w.year is null then 0 else w.wage end as wage,
        coalesce(b.municipal, 0) as municipal, coalesce(b.state, 0) as state,
        coalesce(b.municipal_complete, true) as municipal_complete,
        coalesce(b.state_complete, true) as state_complete
    from year_parameters y
    left join rates r using (valid_from)
    left join work w using (year)
    left join benefits b using (year)
),
actors as (
    select *,
        municipal_tax_rate * wage as municipal_wage, regional_tax_rate * wage as regional_wage,
        employer_fee_rate * wage as state_wage,
        wage * (1 - municipal_tax_rate - regional_tax_rate) as individual_wage,
        0 - (municipal + state) as individual_benefits
    from yearly
),
flows as (
    select year, 'kommunen' as actor, municipal_wage as wage_related, municipal as benefits,
        municipal_complete as complete, months_, persons, valid_from from actors
    union all
    select year, 'regionen', regional_wage, 0, true, months_, persons, valid_from from actors
    union all
    select year, 'staten', state_wage, state, state_complete, months_, persons, valid_from
    from actors
    union all
    select year, 'individen', individual_wage, individual_benefits,
        municipal_complete and state_complete, months_, persons, valid_from from actors
    union all
    -- In this order, so that samhället's benefits are 0 exactly.
    select year, 'samhället', municipal_wage + regional_wage + state_wage + individual_wage,
        municipal + 0 + state + individual_benefits, municipal_complete and state_complete,
        months_, persons, valid_from from actors
)
select
    cast(year as integer) as year, actor,
    cast(few(cast(wage_related as double), persons) as double) as wage_related_sek,
    cast(few(cast(benefits as double), persons) as double) as benefits_avoided_sek,
    cast(few(cast(wage_related as double) + cast(benefits as double), persons) as double)
        as total_sek,
    complete as benefits_complete,
    cast(few(months_, persons) as bigint) as paid_placement_months,
    cast(few(persons, persons) as bigint) as paid_placement_persons,
    valid_from as parameters_valid_from
from flows
order by year, actor;
