{#- i4_stakeholder_survey sums scores exactly as whole numbers of 1/232792560 (the least common
    multiple of 1–20): a dimension may have up to 20 items. Returns the dimensions with more. -#}
select
    dimension,
    count(*) as items
from {{ ref('survey_items') }}
group by dimension
having count(*) > 20
