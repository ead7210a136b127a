{#- Every dimension of indicator 4 keeps at least one item: a dimension without items would
    silently disappear from i4_stakeholder_survey. Returns the dimensions that have none. -#}
with

dimensions as (
    select dimension from {{ ref('survey_dimensions') }}
),

items as (
    select dimension from {{ ref('survey_items') }}
)

select dimensions.dimension
from dimensions
where dimensions.dimension not in (select items.dimension from items)
