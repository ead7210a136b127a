{#- A respondent's score on each dimension: the mean of the items of that dimension they
    answered (1–5; empty and Vet ej left out). No row when they answered none of its items. -#}
with

answers as (
    select * from {{ ref('int_survey_answers_deduplicated') }}
),

items as (
    select
        item,
        dimension
    from {{ ref('survey_items') }}
),

scored as (
    select
        answers.wave,
        answers.response_id,
        answers.role,
        items.dimension,
        count(answers.answer) as items_answered,
        avg(answers.answer) as dimension_score
    from answers
    inner join items on answers.item = items.item
    where answers.answer is not null
    group by answers.wave, answers.response_id, answers.role, items.dimension
)

select
    wave,
    response_id,
    role,
    dimension,
    cast(items_answered as integer) as items_answered,
    cast(dimension_score as double) as dimension_score
from scored
