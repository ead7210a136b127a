"""The dbt unit tests (every model's rules on hand-written inputs) run here, in CI: the nightly job
builds with `--exclude-resource-type unit_test`, since they test the SQL, not the night's data."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from hansyn.config import DBT_PROJECT_DIR, load_settings
from hansyn.manifest import dbt_command
from hansyn.sources import SOURCES
from hansyn.sources.ingest import ingest_source


def _dbt(*args: str, target) -> subprocess.CompletedProcess:
    return subprocess.run(
        [dbt_command(), *args, "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target)],
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        capture_output=True, text=True, check=False,
    )  # fmt: skip


@pytest.mark.slow
def test_every_dbt_unit_test_passes(hansyn_env):
    # A unit test needs its inputs' relations (for their column types), not their rows: load
    # the empty raw folder (every raw table created, no rows) and build every model empty.
    settings = load_settings()
    for source in SOURCES.values():
        ingest_source(source, settings, "unit-tests")
    target = hansyn_env / "dbt_target"
    built = _dbt("build", "--empty", "--resource-type", "seed", "model", target=target)
    assert built.returncode == 0, built.stdout[-3000:]

    tested = _dbt("test", "--select", "test_type:unit", target=target)

    assert tested.returncode == 0, tested.stdout[-3000:]
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    ran = {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}
    assert set(ran) == set(manifest["unit_tests"]) and len(ran) > 20
    assert set(ran.values()) == {"pass"}
