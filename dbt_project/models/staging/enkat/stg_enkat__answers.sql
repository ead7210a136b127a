{#- One row per respondent row and item: the loader keeps a respondent's answers as one JSON
    object (item → "1"…"5", "Vet ej" or ""), so that items added to the survey need no new
    columns; here they are unpacked and cast. -#}
with

source as (
    select * from {{ source('enkat', 'responses') }}
),

unpacked as (
    select
        source.response_id,
        source.wave,
        source.role,
        {{ json_entry_key('answer_item') }} as item,
        {{ json_entry_text('answer_item') }} as answer_text,
        source._file,
        source._row
    from source
    {{ json_entries_from('source.answers', 'answer_item') }}
),

renamed as (
    select
        response_id,
        wave,
        role,
        item,
        -- Empty and Vet ej are missing, never zero; the loader let nothing else than 1–5 through.
        cast(nullif(nullif(answer_text, ''), 'Vet ej') as integer) as answer,
        answer_text = 'Vet ej' as dont_know,
        _file as file_name,
        _row as row_number
    from unpacked
)

select * from renamed
