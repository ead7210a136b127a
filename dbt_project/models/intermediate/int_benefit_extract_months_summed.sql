{#- Every extract's monthly sums: one row per (benefit type, extract, person, month), the sum of
    that extract's payment rows of that month (corrections and repayments included). Which
    extract counts for a month is decided downstream (int_benefit_months_summed), so a key here
    depends on its own extract's rows only. Incremental: see the YAML. On Spark a table rebuilt
    on every run: plain Parquet tables cannot delete rows (see the YAML). -#}
{%- set rebuilt = target.type == 'spark' -%}
{{
    config(
        materialized='table' if rebuilt else 'incremental',
        unique_key=['benefit_type', 'file_name', 'person_id', 'month'],
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
            file_name,
            person_id,
            month,
            loaded_at
        from {{ this }}
    {% else %}
        select
            cast(null as {{ dbt.type_string() }}) as benefit_type,
            cast(null as {{ dbt.type_string() }}) as file_name,
            cast(null as {{ dbt.type_string() }}) as person_id,
            cast(null as date) as month,
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
        payments.file_name,
        payments.person_id,
        payments.month
    from payments
    cross join watermark
    where payments.loaded_at > watermark.loaded_through
),

-- Extracts whose earlier rows may be stale: changed ones (reparsed) and removed ones.
touched_files as (
    select distinct file_name from new_rows
    union
    (
        select distinct file_name from folded
        except
        select distinct file_name from payments
    )
),

affected as (
    select distinct
        benefit_type,
        file_name,
        person_id,
        month
    from new_rows
    union
    select
        folded.benefit_type,
        folded.file_name,
        folded.person_id,
        folded.month
    from folded
    semi join touched_files on folded.file_name = touched_files.file_name
),

summed as (
    select
        payments.benefit_type,
        payments.file_name,
        payments.person_id,
        payments.month,
        sum(payments.amount) as amount,
        count(*) as payment_rows,
        max(payments.loaded_at) as loaded_at
    from payments
    semi join affected
        on
            payments.benefit_type = affected.benefit_type
            and payments.file_name = affected.file_name
            and payments.person_id = affected.person_id
            and payments.month = affected.month
    group by payments.benefit_type, payments.file_name, payments.person_id, payments.month
),

-- A key whose rows are all gone (its extract removed or changed) replaces the old row with an
-- empty one, which the post-hook deletes.
vanished as (
    select
        affected.benefit_type,
        affected.file_name,
        affected.person_id,
        affected.month,
        0 as amount,
        0 as payment_rows,
        cast(null as timestamp) as loaded_at
    from affected
    anti join summed
        on
            affected.benefit_type = summed.benefit_type
            and affected.file_name = summed.file_name
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
    file_name,
    person_id,
    month,
    cast(amount as decimal(18, 2)) as amount,
    cast(payment_rows as bigint) as payment_rows,
    loaded_at
from final
