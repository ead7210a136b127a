"""The dbt project on Spark next to DuckDB: builds the sample city on both and compares every mart.

`make spark` runs it in the Spark venv (.venv-spark). Steps: (1) the sample city through the
normal pipeline into a temporary DuckDB warehouse (`hansyn sample-data`, `hansyn refresh`);
(2) `dbt seed` and `dbt build` (data tests, contracts, unit tests) on DuckDB again, on a copy of
that warehouse, timed: the reference, built from the very tables Spark gets (the night's marts
were built before its audit rows were written); (3) one local SparkSession in this process, the
warehouse's raw and audit tables loaded into it from Parquet; (4) the same dbt commands on the
`spark` target, in this process, so that dbt-spark's session method finds that SparkSession;
(5) every mart and intermediate model in Spark against DuckDB's, value for value. Exits
non-zero on any failure or difference; prints the time and peak memory of each step."""

from __future__ import annotations

import argparse
import decimal
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import duckdb
import psutil

ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = ROOT / "dbt_project"
# The tables the pipeline writes and dbt reads as sources (models/staging/*/_*__sources.yml).
SOURCE_SCHEMAS = ("raw", "audit")
# The published layer; the intermediate models come along as a finer check.
COMPARED_SCHEMAS = ("marts", "intermediate")
# Doubles are summed in a different order on each engine: equal to this many decimals.
DECIMALS = 9


def build_duckdb(work: Path) -> tuple[Path, float]:
    """The sample city through the normal pipeline (the nightly job), as `make run` does."""
    env = dict(
        os.environ,
        HANSYN_RAW_DIR=str(work / "raw"),
        HANSYN_WAREHOUSE=str(work / "warehouse.duckdb"),
        HANSYN_MARTS_DIR=str(work / "marts"),
        HANSYN_DBT_TARGET=str(work / "dbt-target-duckdb"),
        DAGSTER_HOME=str(work / "dagster_home"),
        HANSYN_SETTLE_SECONDS="0",
    )
    (work / "dagster_home").mkdir(parents=True, exist_ok=True)
    hansyn = [sys.executable, "-m", "hansyn.cli"]
    log = work / "refresh.log"
    with log.open("w", encoding="utf-8") as out:
        subprocess.run([*hansyn, "sample-data", "--out", str(work / "raw")], env=env, check=True)
        started = time.monotonic()
        refreshed = subprocess.run([*hansyn, "refresh"], env=env, stdout=out, stderr=out)
    if refreshed.returncode != 0:
        sys.exit(f"hansyn refresh failed (log: {log}):\n" + log.read_text(encoding="utf-8")[-3000:])
    return work / "warehouse.duckdb", time.monotonic() - started


def spark_session(work: Path):
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("hansyn-dbt")
        .config("spark.driver.memory", os.environ.get("HANSYN_SPARK_DRIVER_MEMORY", "2g"))
        .config("spark.sql.warehouse.dir", str(work / "spark-warehouse"))
        .config("spark.sql.session.timeZone", "UTC")
        # DuckDB's timestamp has no time zone: Spark's `timestamp` then means the same.
        .config("spark.sql.timestampType", "TIMESTAMP_NTZ")
        # A few hundred rows per table: Spark's default of 200 shuffle partitions is all overhead.
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def load_sources(spark, warehouse: Path, work: Path) -> int:
    """Every raw and audit table of the DuckDB warehouse as a Spark table of the same name."""
    parquet = work / "sources"
    parquet.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse)) as con:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where schema_name in ?"
            " order by 1, 2",
            [list(SOURCE_SCHEMAS)],
        ).fetchall()
        for schema, table in tables:
            path = parquet / f"{schema}.{table}.parquet"
            con.execute(f"copy {schema}.{table} to '{path}' (format parquet)")
    for schema in SOURCE_SCHEMAS:
        spark.sql(f"create schema if not exists {schema}")
    for schema, table in tables:
        path = parquet / f"{schema}.{table}.parquet"
        spark.sql(f"create table {schema}.{table} using parquet location '{path}'")
    return len(tables)


def run_dbt(work: Path, target: str) -> tuple[dict[str, Counter], float]:
    """`dbt seed` and `dbt build` on the target; statuses by resource type, and the time."""
    from dbt.cli.main import dbtRunner

    started = time.monotonic()
    args = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    args += ["--target", target, "--target-path", str(work / f"dbt-target-{target}")]
    args += ["--log-path", str(work / f"dbt-logs-{target}")]
    statuses: dict[str, Counter] = {}
    runner = dbtRunner()
    for command in ("seed", "build"):
        result = runner.invoke([command, *args])
        if result.exception is not None:
            raise result.exception
        for node in result.result or []:
            kind = node.node.resource_type
            statuses.setdefault(str(kind), Counter())[str(node.status)] += 1
    return statuses, time.monotonic() - started


def failures(statuses: dict[str, Counter]) -> dict[str, dict[str, int]]:
    failed = {
        kind: {status: n for status, n in counts.items() if status not in ("success", "pass")}
        for kind, counts in statuses.items()
    }
    return {kind: counts for kind, counts in failed.items() if counts}


def normalised(value):
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, DECIMALS)
    if isinstance(value, decimal.Decimal):
        return round(float(value), DECIMALS)
    if isinstance(value, list | tuple):
        return tuple(normalised(v) for v in value)
    return value


def compare(spark, warehouse: Path) -> tuple[list[str], int]:
    """Every table in the compared schemas: the same columns and the same rows (as a multiset);
    the differences found and the number of tables compared."""
    problems = []
    with duckdb.connect(str(warehouse)) as con:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where schema_name in $1"
            " union all select schema_name, view_name from duckdb_views()"
            " where schema_name in $1 and not internal order by 1, 2",
            [list(COMPARED_SCHEMAS)],
        ).fetchall()
        for schema, table in tables:
            name = f"{schema}.{table}"
            duck = con.execute(f"select * from {name}")
            duck_columns = [d[0] for d in duck.description]
            duck_rows = Counter(tuple(normalised(v) for v in row) for row in duck.fetchall())
            try:
                frame = spark.table(name)
            except Exception as exc:  # noqa: BLE001 – any failure is a difference to report
                problems.append(f"{name}: not in Spark ({type(exc).__name__})")
                continue
            if frame.columns != duck_columns:
                problems.append(f"{name}: columns {frame.columns} != {duck_columns}")
                continue
            spark_rows = Counter(tuple(normalised(v) for v in row) for row in frame.collect())
            if spark_rows != duck_rows:
                only_duck = sum((duck_rows - spark_rows).values())
                only_spark = sum((spark_rows - duck_rows).values())
                example = next(iter(duck_rows - spark_rows), None)
                problems.append(
                    f"{name}: {only_duck} rows only in DuckDB, {only_spark} only in Spark"
                    f" (e.g. {example})"
                )
            else:
                print(f"  equal: {name} ({sum(duck_rows.values())} rows)")
    return problems, len(tables)


class PeakMemory(threading.Thread):
    """The largest resident memory of this process and its children (the JVM, the dbt and
    hansyn subprocesses), sampled every 100 ms."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process()
        self.peak = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.1):
            total = 0
            for p in [self.process, *self.process.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)

    @property
    def peak_mb(self) -> float:
        return self.peak / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, help="Working folder (default: a temporary one).")
    parser.add_argument("--warehouse", type=Path, help="An already built DuckDB warehouse.")
    parser.add_argument("--json", type=Path, help="Write the outcome here as JSON.")
    options = parser.parse_args()
    work = options.work or Path(tempfile.mkdtemp(prefix="hansyn-spark-"))
    work.mkdir(parents=True, exist_ok=True)
    memory = PeakMemory()
    memory.start()

    if options.warehouse:
        pipeline_warehouse, pipeline_seconds = options.warehouse, None
    else:
        pipeline_warehouse, pipeline_seconds = build_duckdb(work)
        print(
            f"DuckDB: the nightly job built the sample city in {pipeline_seconds:.0f} s,"
            f" peak memory {memory.peak_mb:.0f} MB"
        )

    memory.peak = 0
    warehouse = work / "duckdb" / "warehouse.duckdb"
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(pipeline_warehouse, warehouse)
    os.environ["HANSYN_WAREHOUSE"] = str(warehouse)
    duckdb_statuses, duckdb_seconds = run_dbt(work, "local")
    duckdb_peak_mb = memory.peak_mb
    print(
        f"DuckDB: dbt seed + build in {duckdb_seconds:.0f} s, peak memory"
        f" {duckdb_peak_mb:.0f} MB: " + json.dumps(duckdb_statuses)
    )

    memory.peak = 0
    started = time.monotonic()
    spark = spark_session(work)
    sources = load_sources(spark, warehouse, work)
    print(f"Spark: {sources} source tables loaded in {time.monotonic() - started:.0f} s")
    statuses, dbt_seconds = run_dbt(work, "spark")
    print(f"Spark: dbt seed + build in {dbt_seconds:.0f} s: " + json.dumps(statuses))
    failed = failures(statuses)
    duckdb_failed = failures(duckdb_statuses)
    if duckdb_failed:
        failed["duckdb"] = duckdb_failed
    problems, compared = compare(spark, warehouse)

    peak_mb = memory.peak_mb
    outcome = {
        "statuses": statuses,
        "failed": failed,
        "tables_compared": compared,
        "differences": problems,
        "duckdb_pipeline_seconds": pipeline_seconds,
        "duckdb_dbt_seconds": duckdb_seconds,
        "duckdb_dbt_peak_memory_mb": duckdb_peak_mb,
        "spark_dbt_seconds": dbt_seconds,
        "peak_memory_mb": peak_mb,
    }
    if options.json:
        options.json.write_text(json.dumps(outcome, indent=2), encoding="utf-8")
    spark.stop()
    for problem in problems:
        print(f"DIFFERENT {problem}")
    print(f"{compared} models compared, {len(problems)} differ; failed: {failed or 'none'}")
    print(
        f"Spark: dbt seed + build {dbt_seconds:.0f} s, peak memory {peak_mb:.0f} MB (JVM included)"
    )
    return 1 if problems or failed else 0


if __name__ == "__main__":
    sys.exit(main())
