{#- The monthly benefit fact: one row per (benefit type, person, month), the sum of every payment
    row of that month (corrections and repayments included). Incremental: see the YAML. On
    Spark a table rebuilt on every run: plain Parquet tables cannot delete rows (see the YAML). -#}
{%- set rebuilt = target.type == 'spark' -%}
{{
    config(
        materialized='table' if rebuilt else 'incremental',
        unique_key=['benefit_type', 'person_id', 'month'],
        incremental_strategy=none if rebuilt else 'delete+insert',
        on_schema_change='sync_all_columns',
        post_hook=[] if rebuilt else "delete from {{ this }} where payment_rows = 0",
    )
}}

with

payments as (
    select * from {{ ref('stg_ersattningar__payments') }}
),

-- What earlier runs folded in: the table itself, or nothing on the first run.
folded as (
    {% if is_incremental() %}
        select
            benefit_type,
            person_id,
            month,
            source_files,
            loaded_at
        from {{ this }}
    {% else %}
        select
            cast(null as {{ dbt.type_string() }}) as benefit_type,
            cast(null as {{ dbt.type_string() }}) as person_id,
            cast(null as date) as month,
            cast(null as {{ text_list_type() }}) as source_files,
            cast(null as timestamp) as loaded_at
        where false
    {% endif %}
),

watermark as (
    select coalesce(max(loaded_at), timestamp '1900-01-01') as loaded_through from folded
),

-- Rows parsed since the last run: new extracts, and every row of an extract that changed.
new_rows as (
    select
        payments.benefit_type,
        payments.person_id,
        payments.month,
        payments.file_name
    from payments
    cross join watermark
    where payments.loaded_at > watermark.loaded_through
),

folded_files as (
    select distinct {{ list_elements('source_files') }} as file_name from folded
),

-- Extracts whose earlier rows may be stale: changed ones (reparsed) and removed ones.
touched_files as (
    select distinct file_name from new_rows
    union
    (
        select file_name from folded_files
        except
        select distinct file_name from payments
    )
),

affected as (
    select distinct
        benefit_type,
        person_id,
        month
    from new_rows
    union
    select
        folded.benefit_type,
        folded.person_id,
        folded.month
    from folded
    where {{ list_has_any_of('folded.source_files', 'touched_files.file_name', 'touched_files') }}
),

summed as (
    select
        payments.benefit_type,
        payments.person_id,
        payments.month,
        sum(payments.amount) as amount,
        count(*) as payment_rows,
        {{ sorted_distinct_list('payments.file_name') }} as source_files,
        max(payments.loaded_at) as loaded_at
    from payments
    semi join affected
        on
            payments.benefit_type = affected.benefit_type
            and payments.person_id = affected.person_id
            and payments.month = affected.month
    group by payments.benefit_type, payments.person_id, payments.month
),

-- A key whose rows are all gone (its extract removed or changed) replaces the old row with an
-- empty one, which the post-hook deletes.
vanished as (
    select
        affected.benefit_type,
        affected.person_id,
        affected.month,
        0 as amount,
        0 as payment_rows,
        {{ empty_text_list() }} as source_files,
        cast(null as timestamp) as loaded_at
    from affected
    anti join summed
        on
            affected.benefit_type = summed.benefit_type
            and affected.person_id = summed.person_id
            and affected.month = summed.month
),

final as (
    select * from summed
    union all
    select * from vanished
)

select
    benefit_type,
    person_id,
    month,
    cast(amount as decimal(18, 2)) as amount,
    cast(payment_rows as bigint) as payment_rows,
    source_files,
    loaded_at
from final
