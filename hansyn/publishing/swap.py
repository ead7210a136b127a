"""Publishing the marts: Parquet, CSV for Excel and `indikatorer.duckdb`, written as a new
version beside the old one and switched in at once (`versions`), so that a reader holding an
old file is never blocked nor broken."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..config import Settings
from ..manifest import TableDoc
from ..sources.personnummer import masked_logger
from . import versions
from .privacy import PublicationBlocked, scan_html, scan_marts

log = masked_logger("hansyn.publish")

PUBLISHED_DB = "indikatorer.duckdb"
REPORT_FILE = "indikatorrapport.html"
# DuckDB 2.0 writes a format DuckDB 1.x cannot read; BI drivers still bundle 1.x.
PUBLISHED_STORAGE_VERSION = "v1.4.0"
# Excel in Swedish settings: it detects UTF-8 only by the BOM, splits on `;` (the list
# separator when the decimal separator is a comma) and reads `0,5` as a number.
CSV_BOM = b"\xef\xbb\xbf"
CSV_DELIMITER = ";"
_DECIMAL_TYPES = ("DOUBLE", "FLOAT", "REAL", "DECIMAL")
_FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")
# Floating-point values (shares 0–1, means, intervals, kronor per person) are rounded in the CSV
# to 4 decimals: a share to a hundredth of a percentage point, a mean score well past its
# survey's precision; Excel otherwise shows 0,3372889401234149. Parquet and indikatorer.duckdb
# keep full precision; a DECIMAL keeps the scale its contract gives it.
CSV_DECIMALS = 4
_TIMESTAMP_TYPES = ("TIMESTAMP",)
_TEXT_TYPES = ("VARCHAR",)


@dataclass
class PublishReport:
    marts_dir: Path
    tables: dict[str, int]  # table -> rows
    unchanged: bool = False  # the same tables were already published: no file was touched
    repaired: list[str] = field(default_factory=list)  # what was wrong with the last one
    cleaned: list[str] = field(default_factory=list)  # what killed publications left

    @property
    def database(self) -> Path:
        return self.marts_dir / PUBLISHED_DB


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def csv_select(columns: list[tuple[str, str]]) -> str:
    """The select list that writes (column, DuckDB type) pairs as Swedish Excel reads them:
    decimal comma for fractional numbers (floating point rounded to `CSV_DECIMALS`), timestamps
    to the second, text that would run as a formula neutralised; the rest as DuckDB writes it
    (ISO dates, integers, true/false, NULL as an empty field)."""
    parts = []
    for name, dtype in columns:
        col = _quote(name)
        upper = dtype.upper()
        if upper.startswith(_FLOAT_TYPES):
            rounded = f"round({col}, {CSV_DECIMALS})"
            parts.append(f"replace(cast({rounded} as varchar), '.', ',') as {col}")
        elif upper.startswith(_DECIMAL_TYPES):
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


def publish(
    settings: Settings,
    tables: list[str],
    schema: str = "marts",
    run_id: str = "",
    report: Callable[[Path], Path] | None = None,
    dictionary: Mapping[str, TableDoc] | None = None,
) -> PublishReport:
    """Copy the given warehouse tables to a new version of the marts folder and switch to it,
    all or nothing (`versions`). `report` writes the indicator report into the new version
    before the switch and returns its path, so that it is published, audited and verified
    with the tables. `dictionary` (the dbt descriptions, `manifest.published_descriptions`)
    becomes the tables' and columns' comments in indikatorer.duckdb.

    The current publication is checked against its manifest first: a damaged one (a file
    deleted or changed since) is replaced and the damage named in `repaired`."""
    marts = settings.marts_dir
    with versions.publishing_lock(marts):
        cleaned = versions.remove_leftovers(marts)
        # Nothing published yet, or a plain folder from before versions (moved, not repaired):
        # nothing to verify.
        repaired = versions.damage(marts) if versions.current_version(marts) else []
        for problem in repaired:
            log.warning("the current publication is damaged: %s", problem)
        staging = versions.new_version(marts)
        try:
            counts = _write_tables(settings, tables, schema, staging, dictionary or {})
            # Write–audit–publish: the new version is checked before it is switched in; a
            # finding leaves the last publication as it was and fails the run.
            findings = scan_marts(staging)
            if findings:
                log.error("privacy audit: %d findings, nothing published", len(findings))
                raise PublicationBlocked(findings)
            tables_same = not repaired and same_as_published(staging, marts, tables)
            if report is not None:
                if tables_same:  # stamped with the time the same tables were published
                    published = versions.current_version(marts) / PUBLISHED_DB
                    stat = published.stat()  # a stat, not an open: an analyst may hold it
                    os.utime(staging / PUBLISHED_DB, ns=(stat.st_atime_ns, stat.st_mtime_ns))
                findings = scan_html(report(staging))
                if findings:
                    log.error("privacy audit of the report: %d findings", len(findings))
                    raise PublicationBlocked(findings)
            unchanged = tables_same and same_files(staging, marts, [REPORT_FILE])
            if not unchanged:
                versions.write_manifest(staging, run_id)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        if unchanged:
            log.info("the published tables are unchanged: every file left as it was")
            shutil.rmtree(staging)
        else:
            try:
                versions.switch(marts, staging)
            except BaseException:
                if versions.current_version(marts) != staging.resolve():
                    shutil.rmtree(staging, ignore_errors=True)
                raise
    for table, rows in counts.items():
        log.debug("published %s (%d rows)", table, rows)  # the summary lists them
    return PublishReport(
        marts_dir=marts, tables=counts, unchanged=unchanged, repaired=repaired, cleaned=cleaned
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def write_comments(
    con: duckdb.DuckDBPyConnection, table: str, doc: TableDoc, columns: list[str]
) -> None:
    """The data dictionary in the file itself: the table's and its columns' descriptions as
    DuckDB comments, which DBeaver, DuckDB's `duckdb_tables()` / `duckdb_columns()` and BI tools
    show beside the English names. A column the dictionary does not know is left bare."""
    if doc.description:
        con.execute(f"comment on table {table} is {_literal(doc.description)}")
    for column in columns:
        if doc.columns.get(column):
            con.execute(
                f"comment on column {table}.{_quote(column)} is {_literal(doc.columns[column])}"
            )


def _write_tables(
    settings: Settings,
    tables: list[str],
    schema: str,
    folder: Path,
    dictionary: Mapping[str, TableDoc],
) -> dict:
    """Each table as Parquet and CSV and all in indikatorer.duckdb (with its comments), in
    `folder`; their rows."""
    counts: dict[str, int] = {}
    con = duckdb.connect()
    try:
        con.execute(f"attach '{_sql_path(settings.warehouse)}' as wh (read_only)")
        con.execute(
            f"attach '{_sql_path(folder / PUBLISHED_DB)}' as pub "
            f"(storage_version '{PUBLISHED_STORAGE_VERSION}')"
        )
        for table in tables:
            # The rows in one order (every column, left to right): a model's order depends on
            # dbt's threads and DuckDB's plan, and the same tables must give the same files.
            con.execute(
                f"create table pub.main.{table} as "
                f"select * from wh.{schema}.{table} order by all nulls last"
            )
            counts[table] = con.execute(f"select count(*) from pub.main.{table}").fetchone()[0]
            if table in dictionary:
                columns = [r[0] for r in con.execute(f"describe pub.main.{table}").fetchall()]
                write_comments(con, f"pub.main.{table}", dictionary[table], columns)
            con.execute(
                f"copy pub.main.{table} to '{_sql_path(folder / (table + '.parquet'))}' "
                "(format parquet)"
            )
            _write_csv(con, f"pub.main.{table}", folder / f"{table}.csv")
        con.execute("detach pub")
        con.execute("detach wh")
    finally:
        con.close()
    return counts


def same_as_published(staging: Path, marts: Path, tables: list[str]) -> bool:
    """Whether every new file equals the published one by its manifest, so that a run on the
    same data changes nothing. Parquet and CSV are written deterministically; a DuckDB file is
    not (it differs byte for byte on every write), so it is judged by them: it holds the same
    tables. The published indikatorer.duckdb is never opened: an analyst's read-write
    connection locks it."""
    current = versions.current_version(marts)
    manifest = versions.read_manifest(current) if current else None
    if manifest is None:
        return False
    expected = {f"{t}.{kind}" for t in tables for kind in ("parquet", "csv")}
    if {n for n in manifest["files"] if n.endswith((".parquet", ".csv"))} != expected:
        return False
    return same_files(staging, marts, sorted(expected))


def same_files(staging: Path, marts: Path, names: list[str]) -> bool:
    """Whether these files of the new version are those of the current one's manifest (both
    missing counts as the same)."""
    current = versions.current_version(marts)
    manifest = versions.read_manifest(current) if current else None
    if manifest is None:
        return False
    new = versions.file_entries(staging)
    return all(new.get(name) == manifest["files"].get(name) for name in names)
