with

source as (
    select * from {{ source('audit', 'load_log') }}
),

renamed as (
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
        nullif(trim(message), '') as message
    from source
)

select * from renamed
