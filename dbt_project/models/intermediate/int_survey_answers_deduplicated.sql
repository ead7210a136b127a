{#- One respondent per (wave, Svars-ID): when a Svars-ID stands twice in a wave, the row from
    the newest file (last in file-name order), and the last row in it, wins whole. -#}

{{ config(materialized='table') }}  {#- a table: the survey's scores, its mart and its tests read it (docs/scaling.md) -#}

with

answers as (
    select * from {{ ref('stg_enkat__answers') }}
),

respondent_rows as (
    select distinct
        wave,
        response_id,
        file_name,
        row_number
    from answers
),

winning_rows as (
    select
        wave,
        response_id,
        file_name,
        row_number
    from respondent_rows
    qualify
        row_number() over (
            partition by wave, response_id
            order by file_name desc, row_number desc
        ) = 1
),

final as (
    select
        answers.wave,
        answers.response_id,
        answers.role,
        answers.item,
        answers.answer,
        answers.dont_know,
        answers.file_name,
        answers.row_number
    from answers
    inner join winning_rows
        on
            answers.wave = winning_rows.wave
            and answers.response_id = winning_rows.response_id
            and answers.file_name = winning_rows.file_name
            and answers.row_number = winning_rows.row_number
)

select * from final
