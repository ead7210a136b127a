{#- What period tonight's publication covers: per source (and payer), the files and rows loaded
    and the first and last day its loaded rows cover (int_source_coverage_spanned). -#}
with

load_log as (
    select * from {{ ref('stg_audit__load_log') }}
),

-- The latest load of a source is how its folder stands now (as in load_quality).
latest_runs as (
    select
        source,
        {{ value_at_max('run_id', 'loaded_at') }} as run_id
    from load_log
    group by source
),

-- A file keeps the time its content was first loaded: an unchanged file is not a new load.
first_loads as (
    select
        source,
        file_name,
        file_sha256,
        min(loaded_at) as first_loaded_at
    from load_log
    where status = 'loaded'
    group by source, file_name, file_sha256
),

loaded_files as (
    select
        load_log.source,
        load_log.file_name,
        load_log.rows_loaded,
        first_loads.first_loaded_at
    from load_log
    inner join latest_runs
        on load_log.source = latest_runs.source and load_log.run_id = latest_runs.run_id
    inner join first_loads
        on
            load_log.source = first_loads.source
            and load_log.file_name = first_loads.file_name
            and load_log.file_sha256 = first_loads.file_sha256
    where load_log.status = 'loaded'
),

-- A payer's files are those its rows come from (the file name names the payer).
payer_files as (
    select distinct
        benefit_type as part,
        file_name
    from {{ ref('stg_ersattningar__payments') }}
),

files_by_part as (
    select
        loaded_files.source,
        coalesce(payer_files.part, '') as part,
        loaded_files.file_name,
        loaded_files.rows_loaded,
        loaded_files.first_loaded_at
    from loaded_files
    left join payer_files
        on loaded_files.source = 'ersattningar' and loaded_files.file_name = payer_files.file_name
    -- A payer's extract with no loaded rows names no payer: it adds to none.
    where loaded_files.source <> 'ersattningar' or payer_files.part is not null
),

counted as (
    select
        source,
        part,
        count(*) as files_loaded,
        sum(rows_loaded) as rows_loaded,
        max(first_loaded_at) as last_loaded_at
    from files_by_part
    group by source, part
),

spans as (
    select * from {{ ref('int_source_coverage_spanned') }}
),

final as (
    select
        cast(counted.source as {{ dbt.type_string() }}) as source,
        cast(counted.part as {{ dbt.type_string() }}) as part,
        cast(counted.files_loaded as bigint) as files_loaded,
        cast(counted.rows_loaded as bigint) as rows_loaded,
        cast(spans.covers_from as date) as covers_from,
        cast(spans.covers_to as date) as covers_to,
        counted.last_loaded_at
    from counted
    left join spans on counted.source = spans.source and counted.part = spans.part
)

select * from final
