"""Loading one source folder into the warehouse: good rows, rejected rows and the load log."""

from __future__ import annotations

import datetime as dt
import logging
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from .config import Settings, pseudonym_key
from .loaders.common import FileRefused, LoadContext, Source, empty_rejected, file_sha256

log = logging.getLogger("hansyn.ingest")

AUDIT_DDL = """
create schema if not exists raw;
create schema if not exists audit;
create table if not exists audit.load_log (
    run_id varchar, source varchar, file_name varchar, file_sha256 varchar,
    loaded_at timestamp, rows_read bigint, rows_loaded bigint, rows_rejected bigint,
    status varchar, message varchar
);
create table if not exists audit.rejected_rows (
    run_id varchar, loaded_at timestamp, source varchar, file_name varchar,
    row_number bigint, reason varchar, raw_values varchar
);
"""


@dataclass
class FileReport:
    source: str
    file_name: str
    file_sha256: str
    loaded_at: dt.datetime
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    status: str = "loaded"  # loaded | refused | duplicate
    message: str = ""


@dataclass
class SourceReport:
    source: str
    table: str
    files: list[FileReport] = field(default_factory=list)
    rejected: pd.DataFrame = field(default_factory=empty_rejected)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    def with_status(self, status: str) -> list[FileReport]:
        return [f for f in self.files if f.status == status]


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


@contextmanager
def warehouse(settings: Settings, read_only: bool = False):
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = _connect(settings.warehouse, read_only)
    try:
        if not read_only:
            con.execute(AUDIT_DDL)
        yield con
    finally:
        con.close()


def parse_source(source: Source, settings: Settings, loaded_at: dt.datetime):
    """Parse every file of a source; returns the report and the good rows of all files."""
    report = SourceReport(source=source.name, table=source.table)
    ctx = LoadContext(pseudonym_key=pseudonym_key(settings))
    seen: dict[str, str] = {}
    frames, rejected = [], []
    for path in source.files(settings.raw_dir):
        sha = file_sha256(path)
        file_report = FileReport(source.name, path.name, sha, loaded_at)
        report.files.append(file_report)
        if sha in seen:
            file_report.status = "duplicate"
            file_report.message = f"same content as {seen[sha]}: not counted again"
            log.warning("%s/%s: %s", source.name, path.name, file_report.message)
            continue
        seen[sha] = path.name
        try:
            parsed = source.parse(path, ctx)
        except FileRefused as e:
            file_report.status = "refused"
            file_report.message = e.reason
            log.error("%s/%s refused: %s", source.name, path.name, e.reason)
            continue
        file_report.rows_read = parsed.rows_read
        file_report.rows_loaded = len(parsed.rows)
        file_report.rows_rejected = len(parsed.rejected)
        if file_report.rows_rejected:
            reasons = parsed.rejected["reason"].value_counts()
            file_report.message = "; ".join(f"{n} × {r}" for r, n in reasons.head(5).items())
            log.warning(
                "%s/%s: %d of %d rows rejected (%s)",
                source.name,
                path.name,
                file_report.rows_rejected,
                file_report.rows_read,
                file_report.message,
            )
        frames.append(parsed.rows)
        rejected.append(parsed.rejected)
    if rejected:
        report.rejected = pd.concat(rejected, ignore_index=True)
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return report, rows


def write_rows(con: duckdb.DuckDBPyConnection, source: Source, rows: pd.DataFrame) -> None:
    """Replace the source's raw table with this load's rows, typed as the loader declares."""
    cols = source.columns or {c: "varchar" for c in rows.columns}
    select = ", ".join(f'cast("{c}" as {t}) as "{c}"' for c, t in cols.items())
    if rows.empty:
        ddl = ", ".join(f'"{c}" {t}' for c, t in cols.items())
        con.execute(f"create or replace table raw.{source.table} ({ddl})")
        return
    frame = rows.reindex(columns=list(cols))
    con.register("_incoming", frame)
    try:
        con.execute(f"create or replace table raw.{source.table} as select {select} from _incoming")
    finally:
        con.unregister("_incoming")


def record_load(con: duckdb.DuckDBPyConnection, run_id: str, report: SourceReport) -> None:
    log_rows = pd.DataFrame([{"run_id": run_id, **asdict(f)} for f in report.files])
    if not log_rows.empty:
        con.register("_log", log_rows)
        con.execute(
            "insert into audit.load_log select run_id, source, file_name, file_sha256, "
            "loaded_at, rows_read, rows_loaded, rows_rejected, status, message from _log"
        )
        con.unregister("_log")
    # Rejected rows: the current state of each source, as its files stand now.
    con.execute("delete from audit.rejected_rows where source = ?", [report.source])
    if not report.rejected.empty:
        rej = report.rejected.assign(run_id=run_id, loaded_at=_loaded_at(report))
        con.register("_rej", rej)
        con.execute(
            "insert into audit.rejected_rows select run_id, loaded_at, source, file_name, "
            "row_number, reason, raw_values from _rej"
        )
        con.unregister("_rej")


def _loaded_at(report: SourceReport) -> dt.datetime:
    return report.files[0].loaded_at if report.files else dt.datetime.now()


def ingest_source(
    source: Source, settings: Settings, run_id: str, loaded_at: dt.datetime | None = None
) -> SourceReport:
    """Load every file of one source folder; refused and duplicate files are left out."""
    loaded_at = loaded_at or dt.datetime.now().replace(microsecond=0)
    report, rows = parse_source(source, settings, loaded_at)
    with warehouse(settings) as con:
        con.execute("begin")
        write_rows(con, source, rows)
        record_load(con, run_id, report)
        con.execute("commit")
    log.info(
        "%s: %d files (%d refused, %d duplicate), %d rows loaded, %d rejected",
        source.name,
        len(report.files),
        len(report.with_status("refused")),
        len(report.with_status("duplicate")),
        report.rows_loaded,
        report.rows_rejected,
    )
    return report


def raw_folder_listing(raw_dir: Path) -> dict[str, list[str]]:
    return {
        p.name: sorted(f.name for f in p.iterdir() if f.is_file())
        for p in sorted(raw_dir.iterdir())
        if p.is_dir()
    }
