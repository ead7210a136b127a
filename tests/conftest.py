"""Shared fixtures: a temporary hansyn installation (raw folder, warehouse, marts, dbt target)."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from hansyn.manifest import ensure_manifest

# Copies of the public files in ../shared/real, so a clean clone has them.
REAL_DATA = Path(__file__).parent / "data" / "real"


@pytest.fixture(scope="session", autouse=True)
def _session_dbt_target(tmp_path_factory):
    """One dbt target folder per test session, so parallel sessions never share a manifest."""
    target = tmp_path_factory.mktemp("dbt_target")
    os.environ["HANSYN_DBT_TARGET"] = str(target)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    # The code location reads a prepared manifest (`hansyn refresh` prepares it the same way).
    ensure_manifest(target)
    yield


@pytest.fixture
def hansyn_env(tmp_path, monkeypatch):
    """Point every setting at a fresh temporary folder; returns the folder."""
    raw = tmp_path / "raw"
    raw.mkdir()
    monkeypatch.setenv("HANSYN_RAW_DIR", str(raw))
    monkeypatch.setenv("HANSYN_MARTS_DIR", str(tmp_path / "marts"))
    monkeypatch.setenv("HANSYN_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("HANSYN_PSEUDONYM_KEY", "test-key-not-secret")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    # Files written by a test are loaded at once (the settle time has tests of its own).
    monkeypatch.setenv("HANSYN_SETTLE_SECONDS", "0")
    for name in list(os.environ):
        if name.startswith(
            ("HANSYN_ALERT", "HANSYN_SMTP", "HANSYN_ACCEPT", "HANSYN_DAGSTER_URL", "HANSYN_SEEDS")
        ):
            monkeypatch.delenv(name)
    return tmp_path


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def published(tmp_path: Path, sql: str) -> list[tuple]:
    """Query the published indikatorer.duckdb read-only, as an analyst would."""
    con = duckdb.connect(str(tmp_path / "marts" / "indikatorer.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
