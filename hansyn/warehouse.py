"""The working warehouse: the connection, and every table the Python code owns (the audit
schema), declared here once. The raw tables are declared by their loaders (`Source.columns`);
everything else is dbt's."""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path

import duckdb

from .config import Settings

# What each load, each file and each data-quality check did. dbt reads these tables as the
# `audit` source (load_quality); the pipeline creates them before dbt ever runs.
AUDIT_DDL = """
create schema if not exists raw;
create schema if not exists audit;
create table if not exists audit.load_log (
    run_id varchar, source varchar, file_name varchar, file_sha256 varchar,
    loaded_at timestamp, rows_read bigint, rows_loaded bigint, rows_rejected bigint,
    status varchar, message varchar
);
alter table audit.load_log add column if not exists reused boolean default false;
create table if not exists audit.rejected_rows (
    run_id varchar, loaded_at timestamp, source varchar, file_name varchar,
    row_number bigint, reason varchar, raw_values varchar
);
create table if not exists audit.file_registry (
    source varchar, file_name varchar, file_sha256 varchar, parser_version varchar,
    size bigint, mtime_ns bigint, loaded_at timestamp, rows_read bigint, rows_loaded bigint,
    rows_rejected bigint, status varchar, message varchar
);
create table if not exists audit.quality_checks (
    run_id varchar, checked_at timestamp, source varchar, check_name varchar,
    blocking boolean, passed boolean, file_name varchar, observed bigint, message varchar
);
create table if not exists audit.quality_fingerprints (
    source varchar, fingerprint varchar, run_id varchar, checked_at timestamp
);
create table if not exists audit.supplier_reminders (
    report_period varchar, run_id varchar, recorded_at timestamp, suppliers varchar
);
create table if not exists audit.pipeline_alerts (
    procurement_id varchar, state varchar, run_id varchar, recorded_at timestamp
);
create table if not exists audit.validated_files (
    source varchar, file_name varchar, file_sha256 varchar, parser_version varchar,
    suite_version varchar, run_id varchar, checked_at timestamp
);
create table if not exists audit.publications (
    run_id varchar, recorded_at timestamp, state varchar, fingerprint varchar, tables varchar
);
"""


def _connect(path: Path, read_only: bool, wait_seconds: float = 60.0):
    """Connect, waiting a while for the lock: a dbt process that is being stopped after a failed
    step may still hold the file for a few seconds."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as e:
            if "lock" not in str(e).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def create_audit_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(AUDIT_DDL)


@contextmanager
def warehouse(settings: Settings, read_only: bool = False):
    """The warehouse file; opened for writing, its audit tables exist."""
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = _connect(settings.warehouse, read_only)
    try:
        if not read_only:
            create_audit_tables(con)
        yield con
    finally:
        con.close()
