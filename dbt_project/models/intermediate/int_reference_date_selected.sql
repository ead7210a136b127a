{#- The reference date R of placement_pipeline and candidate_pool: the newest contract
    register snapshot's date (the date the register's current truth is from). One row; none
    when no snapshot is loaded. -#}
with

contracts as (
    select * from {{ ref('stg_avtalsregister__contracts') }}
),

final as (
    select max(snapshot_date) as reference_date
    from contracts
    having max(snapshot_date) is not null
)

select * from final
