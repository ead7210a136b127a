"""The dbt project on Spark (`make spark`): the sample city built on a local Spark equals, mart for
mart, what DuckDB built, and every model, data test and unit test passes there."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time

import pytest

from hansyn.config import DBT_PROJECT_DIR, PROJECT_ROOT

SPARK_VENV = PROJECT_ROOT / ".venv-spark"


def _spark_python() -> str:
    """The Spark venv's python, installed from the project's `spark` extra if missing, and Java
    17 if there is none (as .ci/run installs Chromium)."""
    if shutil.which("java") is None:
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
        subprocess.run(
            [*sudo, "apt-get", "install", "-y", "-qq", "openjdk-17-jre-headless"], check=True
        )
    subprocess.run(["make", "spark-setup"], cwd=PROJECT_ROOT, check=True)
    return str(SPARK_VENV / "bin" / "python")


@pytest.mark.slow
def test_spark_builds_every_mart_as_duckdb_does(tmp_path, capsys):
    python = _spark_python()
    outcome_file = tmp_path / "outcome.json"
    started = time.monotonic()
    run = subprocess.run(
        [python, str(PROJECT_ROOT / "deploy" / "spark" / "build_and_compare.py"),
         "--work", str(tmp_path / "work"), "--json", str(outcome_file)],
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert outcome_file.exists(), run.stdout[-3000:] + run.stderr[-3000:]
    outcome = json.loads(outcome_file.read_text(encoding="utf-8"))
    with capsys.disabled():  # the time and memory belong in CI's log, passed or not
        print(
            f"\nSpark build and compare: {time.monotonic() - started:.0f} s in all; dbt on DuckDB"
            f" {outcome['duckdb_dbt_seconds']:.0f} s, on Spark {outcome['spark_dbt_seconds']:.0f} s,"
            f" peak memory {outcome['peak_memory_mb']:.0f} MB (JVM included)"
        )

    models = DBT_PROJECT_DIR / "models"
    compared = [*(models / "marts").glob("*.sql"), *(models / "intermediate").glob("*.sql")]
    assert outcome["differences"] == []
    assert outcome["tables_compared"] == len(compared)
    assert outcome["failed"] == {}
    assert outcome["statuses"]["model"] == {"success": len(list(models.rglob("*.sql")))}
    assert outcome["statuses"]["unit_test"]["pass"] > 0
    assert run.returncode == 0, run.stdout[-3000:]
