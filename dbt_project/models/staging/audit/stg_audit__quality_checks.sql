with

source as (
    select * from {{ source('audit', 'quality_checks') }}
),

renamed as (
    select
        run_id,
        checked_at,
        source,
        check_name,
        blocking as is_blocking,
        passed,
        file_name,
        observed,
        message
    from source
)

select * from renamed
