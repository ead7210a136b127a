"""Publishing the marts: Parquet, CSV for Excel and `indikatorer.duckdb`, built beside the old
files and swapped in atomically, so that a reader holding an old file is never blocked nor
broken."""

from __future__ import annotations

import filecmp
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..config import Settings
from ..sources.personnummer import masked_logger
from .privacy import PublicationBlocked, scan_marts

log = masked_logger("hansyn.publish")

PUBLISHED_DB = "indikatorer.duckdb"
# DuckDB 2.0 writes a format DuckDB 1.x cannot read; BI drivers still bundle 1.x.
PUBLISHED_STORAGE_VERSION = "v1.4.0"
# Excel in Swedish settings: it detects UTF-8 only by the BOM, splits on `;` (the list
# separator when the decimal separator is a comma) and reads `0,5` as a number.
CSV_BOM = b"\xef\xbb\xbf"
CSV_DELIMITER = ";"
_DECIMAL_TYPES = ("DOUBLE", "FLOAT", "REAL", "DECIMAL")
_TIMESTAMP_TYPES = ("TIMESTAMP",)
_TEXT_TYPES = ("VARCHAR",)


@dataclass
class PublishReport:
    marts_dir: Path
    tables: dict[str, int]  # table -> rows
    unchanged: bool = False  # the same tables were already published: no file was touched

    @property
    def database(self) -> Path:
        return self.marts_dir / PUBLISHED_DB


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def csv_select(columns: list[tuple[str, str]]) -> str:
    """The select list that writes (column, DuckDB type) pairs as Swedish Excel reads them:
    decimal comma for fractional numbers, timestamps to the second, text that would run as a
    formula neutralised; the rest as DuckDB writes it (ISO dates, integers, true/false, NULL as
    an empty field)."""
    parts = []
    for name, dtype in columns:
        col = _quote(name)
        upper = dtype.upper()
        if upper.startswith(_DECIMAL_TYPES):
            parts.append(f"replace(cast({col} as varchar), '.', ',') as {col}")
        elif upper.startswith(_TIMESTAMP_TYPES):
            parts.append(f"strftime({col}, '%Y-%m-%d %H:%M:%S') as {col}")
        elif upper.startswith(_TEXT_TYPES):
            parts.append(f"{neutralise_formula(col)} as {col}")
        else:
            parts.append(col)
    return ", ".join(parts)


def neutralise_formula(col: str) -> str:
    """A text cell a spreadsheet would run as a formula (it starts with = + - @, a tab or a
    carriage return and is not a number) gets a leading ' (OWASP's advice against CSV
    injection), so that Excel shows it as text. Only the CSV: Parquet and DuckDB keep the
    value as it is."""
    return (
        f"case when regexp_matches({col}, '^[=+\\-@\\t\\r]') "
        f"and try_cast(replace({col}, ',', '.') as double) is null "
        f"then '''' || {col} else {col} end"
    )


def _write_csv(con: duckdb.DuckDBPyConnection, relation: str, path: Path) -> None:
    columns = [(r[0], r[1]) for r in con.execute(f"describe {relation}").fetchall()]
    body = path.with_suffix(".csv.body")
    con.execute(
        f"copy (select {csv_select(columns)} from {relation}) to '{_sql_path(body)}' "
        f"(format csv, header true, delimiter '{CSV_DELIMITER}', quote '\"')"
    )
    with path.open("wb") as out, body.open("rb") as src:
        out.write(CSV_BOM)
        shutil.copyfileobj(src, out, 1 << 20)
    body.unlink()


def publish(settings: Settings, tables: list[str], schema: str = "marts") -> PublishReport:
    """Copy the given warehouse tables to the marts folder, all or nothing."""
    marts = settings.marts_dir
    marts.mkdir(parents=True, exist_ok=True)
    staging = marts / f".publishing-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    counts: dict[str, int] = {}
    try:
        con = duckdb.connect()
        try:
            con.execute(f"attach '{_sql_path(settings.warehouse)}' as wh (read_only)")
            con.execute(
                f"attach '{_sql_path(staging / PUBLISHED_DB)}' as pub "
                f"(storage_version '{PUBLISHED_STORAGE_VERSION}')"
            )
            for table in tables:
                con.execute(f"create table pub.main.{table} as select * from wh.{schema}.{table}")
                counts[table] = con.execute(f"select count(*) from pub.main.{table}").fetchone()[0]
                con.execute(
                    f"copy pub.main.{table} to '{_sql_path(staging / (table + '.parquet'))}' "
                    "(format parquet)"
                )
                _write_csv(con, f"pub.main.{table}", staging / f"{table}.csv")
            con.execute("detach pub")
            con.execute("detach wh")
        finally:
            con.close()
        # Write–audit–publish: the staged files are checked before anything is swapped in; a
        # finding leaves the last publication as it was and fails the run.
        findings = scan_marts(staging)
        if findings:
            log.error("privacy audit: %d findings, nothing published", len(findings))
            raise PublicationBlocked(findings)
        unchanged = same_as_published(staging, marts, tables)
        if unchanged:
            log.info("the published tables are unchanged: every file left as it was")
        # Every file is complete before the first swap; os.replace is atomic on one file
        # system, and a reader holding the old inode keeps reading the old data.
        for table in [] if unchanged else tables:
            os.replace(staging / f"{table}.parquet", marts / f"{table}.parquet")
            os.replace(staging / f"{table}.csv", marts / f"{table}.csv")
        if not unchanged:
            os.replace(staging / PUBLISHED_DB, marts / PUBLISHED_DB)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for table, rows in counts.items():
        log.info("published %s (%d rows)", table, rows)
    return PublishReport(marts_dir=marts, tables=counts, unchanged=unchanged)


def same_as_published(staging: Path, marts: Path, tables: list[str]) -> bool:
    """Whether every new file equals the published one, so that a run on the same data changes
    nothing. Parquet and CSV are written deterministically; a DuckDB file is not (it differs
    byte for byte on every write), so it is judged by them: it holds the same tables."""
    if not (marts / PUBLISHED_DB).exists():
        return False
    con = duckdb.connect(str(marts / PUBLISHED_DB), read_only=True)
    try:
        published = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    finally:
        con.close()
    if published != set(tables):
        return False
    for table in tables:
        for name in (f"{table}.parquet", f"{table}.csv"):
            if not (marts / name).exists():
                return False
            if not filecmp.cmp(staging / name, marts / name, shallow=False):
                return False
    return True
