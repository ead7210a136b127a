{#- The seed socioeconomic_parameters as published: what socioeconomic_value's
    parameters_valid_from points to, with units and sources for the report and analysts. -#}
with

parameters as (
    select * from {{ ref('socioeconomic_parameters') }}
),

final as (
    select
        cast(valid_from as date) as valid_from,
        cast(parameter as {{ dbt.type_string() }}) as parameter,
        cast(placement_type as {{ dbt.type_string() }}) as placement_type,
        cast(value as double) as value,
        cast(unit as {{ dbt.type_string() }}) as unit,
        cast(source as {{ dbt.type_string() }}) as source
    from parameters
)

-- A stable row order: the published files are the same bytes for the same data.
select * from final
order by valid_from, parameter, placement_type
