{#- The data-quality guard writes audit.quality_checks after each load (orchestration/quality.py,
    same columns). Creating it here too lets load_quality build on a warehouse where no check has
    run yet, e.g. a dbt build straight after ingestion. -#}
{% macro create_quality_checks_table() %}
    create schema if not exists audit;
    create table if not exists audit.quality_checks (
        run_id varchar,
        checked_at timestamp,
        source varchar,
        check_name varchar,
        blocking boolean,
        passed boolean,
        file_name varchar,
        observed bigint,
        message varchar
    );
{% endmacro %}
