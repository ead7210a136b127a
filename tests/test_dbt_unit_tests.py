"""The dbt unit tests (every model's rules on hand-written inputs) run here, in CI: the nightly job
builds with `--exclude-resource-type unit_test`, since they test the SQL, not the night's data."""

from __future__ import annotations

import json

import pytest

from hansyn.config import load_settings
from hansyn.sources import SOURCES
from hansyn.sources.ingest import ingest_source
from tests.pipeline import run_dbt


@pytest.mark.slow
def test_every_dbt_unit_test_passes(hansyn_env):
    # A unit test needs its inputs' relations (for their column types), not their rows: load
    # the empty raw folder (every raw table created, no rows) and build every model empty.
    settings = load_settings()
    for source in SOURCES.values():
        ingest_source(source, settings, "unit-tests")
    target = hansyn_env / "dbt_target"
    built = run_dbt("build", "--empty", "--resource-type", "seed", "model", target=target)
    assert built.returncode == 0, built.stdout[-3000:]

    tested = run_dbt("test", "--select", "test_type:unit", target=target)

    assert tested.returncode == 0, tested.stdout[-3000:]
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    ran = {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}
    assert set(ran) == set(manifest["unit_tests"]) and len(ran) > 20
    assert set(ran.values()) == {"pass"}
