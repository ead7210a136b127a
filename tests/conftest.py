"""Shared fixtures: a temporary hansyn installation (raw folder, warehouse, marts, dbt target)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import duckdb
import pytest

from hansyn.manifest import ensure_manifest

# Copies of the public files in ../shared/real, so a clean clone has them.
REAL_DATA = Path(__file__).parent / "data" / "real"


def pytest_configure(config):
    """One dbt target folder per test session, so parallel sessions never share a manifest; the
    manifest is prepared before any test module is collected, since the code location reads it
    when it is imported (`hansyn refresh` prepares it the same way)."""
    target = Path(tempfile.mkdtemp(prefix="hansyn_dbt_target_"))
    os.environ["HANSYN_DBT_TARGET"] = str(target)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    ensure_manifest(target)
    config._hansyn_dbt_target = target


def pytest_unconfigure(config):
    target = getattr(config, "_hansyn_dbt_target", None)
    if target is not None:
        shutil.rmtree(target, ignore_errors=True)


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
