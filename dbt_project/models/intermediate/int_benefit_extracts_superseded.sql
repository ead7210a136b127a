{#- What load_quality says of benefit extracts that overlap: for an extract whose rows for some
    months are superseded by a newer one (int_benefit_extract_months_attributed), which months
    and by which file; for the newer one, which file's months it replaces. One row per extract
    that has something to say. -#}
with

extract_months as (
    select * from {{ ref('int_benefit_extract_months_attributed') }}
),

-- Gaps and islands: consecutive months that one file gives way to one newer file share
-- (months since an epoch − their rank).
superseded_months as (
    select
        benefit_type,
        file_name,
        counted_file_name,
        month,
        {{ dbt.datediff("date '2000-01-01'", 'month', 'month') }}
        - row_number() over (
            partition by benefit_type, file_name, counted_file_name order by month
        ) as island
    from extract_months
    where not is_counted
),

superseded_spans as (
    select
        benefit_type,
        file_name,
        counted_file_name,
        min(month) as first_month,
        max(month) as last_month
    from superseded_months
    group by benefit_type, file_name, counted_file_name, island
),

-- A month as YYYY-MM, a run of them as YYYY-MM…YYYY-MM.
labelled as (
    select
        benefit_type,
        file_name,
        counted_file_name,
        first_month,
        substring(cast(first_month as {{ dbt.type_string() }}), 1, 7)
        || case
            when last_month > first_month
                then '…' || substring(cast(last_month as {{ dbt.type_string() }}), 1, 7)
            else ''
        end as months
    from superseded_spans
),

notes as (
    select
        benefit_type,
        file_name,
        first_month,
        'rows of ' || months || ' superseded by ' || counted_file_name
        || ' (a newer extract of those months): kept, not counted' as note
    from labelled
    union all
    select
        benefit_type,
        counted_file_name as file_name,
        first_month,
        'supersedes ' || file_name || ' for ' || months as note
    from labelled
),

-- By month, then by text (a date as text sorts as the date).
sorted_notes as (
    select
        benefit_type,
        file_name,
        note,
        cast(first_month as {{ dbt.type_string() }}) || note as sort_key
    from notes
),

final as (
    select
        benefit_type,
        file_name,
        {{ ordered_text_agg('note', '; ', 'sort_key') }} as message
    from sorted_notes
    group by benefit_type, file_name
)

select * from final
