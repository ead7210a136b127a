{#- dbt-spark's own macros that the project replaces on Spark; DuckDB never calls them. -#}

{#- dbt-spark's seed loader (session method) binds an empty cell as the text 'None': this copy of
    its spark__load_csv_rows writes NULL for it instead. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set batch_size = get_batch_size() -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(batch_size) -%}
        {%- set bindings = [] -%}
        {%- for row in chunk -%}
            {%- for value in row if value is not none -%}
                {%- do bindings.append(value) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) -%}
                    cast({{ 'null' if row[loop.index0] is none else get_binding_char() }} as {{ type }})
                    {%- if not loop.last %},{% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor -%}
        {%- endset -%}
        {%- do adapter.add_query(sql, bindings=bindings, abridge_sql_log=True) -%}
        {%- if loop.index0 == 0 -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{% endmacro %}

{#- A contract's not_null constraint: dbt-spark sets it with `alter table … set not null`, which
    only Delta tables accept. A plain Parquet table cannot carry it, so the column is checked once
    the table is written and the model fails as a violated constraint would (the table is then
    already replaced: on Parquet the check comes after the write, not before). -#}
{% macro spark__alter_column_set_constraints(relation, column_dict) %}
    {%- if config.get('file_format', 'parquet') in ('delta', 'iceberg') -%}
        {{ return(dbt_spark.spark__alter_column_set_constraints(relation, column_dict)) }}
    {%- endif -%}
    {%- set checks = [] -%}
    {%- for column_name in column_dict -%}
        {%- for constraint in column_dict[column_name]['constraints'] if constraint.type == 'not_null' -%}
            {%- do checks.append(column_name) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if checks -%}
        {%- set counted -%}
            select
            {%- for column_name in checks %}
                count_if({{ column_name }} is null) as {{ column_name }}{{ ',' if not loop.last }}
            {%- endfor %}
            from {{ relation }}
        {%- endset -%}
        {%- set nulls = run_query(counted).rows[0] -%}
        {%- for column_name in checks -%}
            {%- if nulls[loop.index0] > 0 -%}
                {{ exceptions.raise_compiler_error(
                    'not_null constraint of ' ~ relation ~ '.' ~ column_name ~ ' violated: '
                    ~ nulls[loop.index0] ~ ' rows are NULL') }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
