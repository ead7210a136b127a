{#- One row per area, year and file: the loader keeps a row's values as one JSON object
    year → number or null; here they are unpivoted and cast. -#}
with

source as (
    select * from {{ source('omradesstatistik', 'area_values') }}
),

unpivoted as (
    select
        source.measure,
        source.primaromrade,
        source.area_label,
        {{ json_entry_key('year_value') }} as year_text,
        {{ json_entry_text('year_value') }} as value_text,
        source._file,
        source._row
    from source
    {{ json_entries_from('source.values_by_year', 'year_value') }}
),

renamed as (
    select
        measure,
        primaromrade,
        cast(year_text as integer) as year,
        -- JSON null (missing in the export) stays NULL, never zero.
        cast(value_text as double) as value,
        area_label,
        _file as file_name,
        _row as row_number
    from unpivoted
)

select * from renamed
