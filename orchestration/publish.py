"""Publishing the marts: Parquet files and `indikatorer.duckdb`, built beside the old ones and
swapped in atomically, so that a reader holding the old file is never blocked nor broken."""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .config import Settings

log = logging.getLogger("hansyn.publish")

PUBLISHED_DB = "indikatorer.duckdb"
# DuckDB 2.0 writes a format DuckDB 1.x cannot read; BI drivers still bundle 1.x.
PUBLISHED_STORAGE_VERSION = "v1.4.0"


@dataclass
class PublishReport:
    marts_dir: Path
    tables: dict[str, int]  # table -> rows

    @property
    def database(self) -> Path:
        return self.marts_dir / PUBLISHED_DB


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


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
            con.execute("detach pub")
            con.execute("detach wh")
        finally:
            con.close()
        # Every file is complete before the first swap; os.replace is atomic on one file
        # system, and a reader holding the old inode keeps reading the old data.
        for table in tables:
            os.replace(staging / f"{table}.parquet", marts / f"{table}.parquet")
        os.replace(staging / PUBLISHED_DB, marts / PUBLISHED_DB)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for table, rows in counts.items():
        log.info("published %s (%d rows)", table, rows)
    return PublishReport(marts_dir=marts, tables=counts)
