{{ config(materialized='view') }}

with

load_log as (
    select
        run_id,
        source,
        file_name,
        file_sha256,
        loaded_at,
        rows_read,
        rows_loaded,
        rows_rejected,
        status,
        message
    from {{ ref('stg_audit__load_log') }}
),

quality_checks as (
    select
        run_id,
        source,
        check_name,
        is_blocking,
        file_name,
        message
    from {{ ref('stg_audit__quality_checks') }}
    where not passed
),

-- Benefit extracts whose months a newer extract supersedes, or that supersede an older one's.
superseded as (
    select
        file_name,
        message
    from {{ ref('int_benefit_extracts_superseded') }}
),

-- The latest load of a source is how its folder stands now; earlier loads are history.
latest_runs as (
    select
        source,
        {{ value_at_max('run_id', 'loaded_at') }} as run_id
    from load_log
    group by source
),

current_files as (
    select
        load_log.run_id,
        load_log.source,
        load_log.file_name,
        load_log.file_sha256,
        load_log.rows_read,
        load_log.rows_loaded,
        load_log.rows_rejected,
        load_log.status,
        load_log.message
    from load_log
    inner join latest_runs
        on load_log.source = latest_runs.source and load_log.run_id = latest_runs.run_id
),

-- Every file in the folder gets a load-log row each night, an unchanged one as reused (not parsed
-- again): the same content with the same outcome is not a new load, so a file keeps the time its
-- content first gave this outcome.
first_loads as (
    select
        source,
        file_name,
        file_sha256,
        status,
        rows_read,
        rows_loaded,
        rows_rejected,
        min(loaded_at) as first_loaded_at
    from load_log
    group by source, file_name, file_sha256, status, rows_read, rows_loaded, rows_rejected
),

failed_checks as (
    select
        quality_checks.source,
        quality_checks.file_name,
        quality_checks.check_name,
        quality_checks.check_name
        || case when quality_checks.is_blocking then ' (blocking)' else '' end
        || ': ' || quality_checks.message as failure
    from quality_checks
    inner join latest_runs
        on
            quality_checks.source = latest_runs.source
            and quality_checks.run_id = latest_runs.run_id
),

-- A failure on named files belongs to those files; one on the whole table to every file loaded.
file_failures as (
    select
        current_files.source,
        current_files.file_name,
        {{ ordered_text_agg('failed_checks.failure', '; ', 'failed_checks.check_name') }} as checks_failed
    from current_files
    inner join failed_checks
        on
            current_files.source = failed_checks.source
            and (
                {{ text_list_contains('failed_checks.file_name', ', ', 'current_files.file_name') }}
                or (failed_checks.file_name is null and current_files.status = 'loaded')
            )
    group by current_files.source, current_files.file_name
),

final as (
    select
        current_files.source,
        current_files.file_name,
        current_files.file_sha256,
        first_loads.first_loaded_at as loaded_at,
        current_files.rows_read,
        current_files.rows_loaded,
        current_files.rows_rejected,
        current_files.status,
        coalesce(
            current_files.message || '; ' || superseded.message,
            current_files.message,
            superseded.message
        ) as message,
        file_failures.checks_failed
    from current_files
    inner join first_loads
        on
            current_files.source = first_loads.source
            and current_files.file_name = first_loads.file_name
            and current_files.file_sha256 = first_loads.file_sha256
            and current_files.status = first_loads.status
            and current_files.rows_read = first_loads.rows_read
            and current_files.rows_loaded = first_loads.rows_loaded
            and current_files.rows_rejected = first_loads.rows_rejected
    left join file_failures
        on
            current_files.source = file_failures.source
            and current_files.file_name = file_failures.file_name
    left join superseded
        on
            current_files.source = 'ersattningar'
            and current_files.status = 'loaded'
            and current_files.file_name = superseded.file_name
)

-- A sole trader's number in a file name is a token in the warehouse, XXXXXXXXXX when published.
select
    source,
    {{ masked_text('file_name') }} as file_name,
    file_sha256,
    loaded_at,
    rows_read,
    rows_loaded,
    rows_rejected,
    status,
    {{ masked_text('message') }} as message,
    {{ masked_text('checks_failed') }} as checks_failed
from final
-- A stable row order: the published files are the same bytes for the same data (two sole
-- traders' reports can share a masked name: their content, or else their status, tells them apart).
order by source, file_name, file_sha256, status
