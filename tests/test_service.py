"""Running hansyn as a service: the command's --version, --quiet and `paths`, a night's log a
person reads (a sample night under 60 lines, a night with nothing new in a few), the CSV's
rounding for Excel, and what git keeps out."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import duckdb
import pytest
from click.testing import CliRunner

from hansyn.cli import _setup_logging, main
from hansyn.config import PROJECT_ROOT, load_settings
from hansyn.publishing.swap import CSV_BOM, publish


def test_version_names_the_installed_package():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    # pyproject.toml's version, as pip installed it.
    assert result.output == "hansyn 0.1.0\n"


def test_paths_says_where_dagster_home_is_when_unset(monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    result = CliRunner().invoke(main, ["paths"])
    assert result.exit_code == 0
    assert f"DAGSTER_HOME: {PROJECT_ROOT / '.dagster_home'} (default)" in result.output
    assert "ephemeral" not in result.output


def test_paths_names_dagster_home_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dh"))
    result = CliRunner().invoke(main, ["paths"])
    assert f"DAGSTER_HOME: {tmp_path / 'dh'} (DAGSTER_HOME)" in result.output


def test_verbose_and_quiet_together_are_refused():
    result = CliRunner().invoke(main, ["refresh", "--verbose", "--quiet"])
    assert result.exit_code == 2
    assert "--verbose and --quiet contradict each other" in result.output


def test_library_noise_is_silenced_by_logger_levels():
    saved = {
        name: logging.getLogger(name).level
        for name in ("hansyn", "great_expectations", "alembic", "dagster.builtin")
    }
    try:
        _setup_logging(quiet=True)
        # GX's "Skipping registering …" lines are INFO of great_expectations._docs_decorators.
        assert not logging.getLogger("great_expectations._docs_decorators").isEnabledFor(
            logging.INFO
        )
        assert not logging.getLogger("alembic.runtime.migration").isEnabledFor(logging.INFO)
        # --quiet: our own progress lines go too, warnings stay.
        assert not logging.getLogger("hansyn.ingest").isEnabledFor(logging.INFO)
        assert logging.getLogger("hansyn.ingest").isEnabledFor(logging.WARNING)
        _setup_logging(verbose=True)
        assert logging.getLogger("hansyn.dbt").isEnabledFor(logging.DEBUG)
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def test_feedback_letters_are_ignored_by_git():
    # The letters to suppliers name their files and rows: they never go into the repository.
    result = subprocess.run(
        ["git", "check-ignore", "-q", "data/feedback/leverantor_5560000001.csv"],
        cwd=PROJECT_ROOT,
    )
    assert result.returncode == 0


def test_csv_rounds_floating_point_to_four_decimals_and_keeps_full_precision_elsewhere(
    hansyn_env,
):
    settings = load_settings()
    con = duckdb.connect(str(settings.warehouse))
    con.execute("create schema marts")
    con.execute(
        "create table marts.t as select * from (values "
        "(0.3372889401234149::double, 2.25::decimal(10, 2), 1234.56789::double), "
        "(2 / 3, 0.10::decimal(10, 2), 0.00004::double)) v(share, amount, mean)"
    )
    con.close()
    publish(settings, ["t"])
    text = (settings.marts_dir / "t.csv").read_bytes()[len(CSV_BOM) :].decode("utf-8")
    assert text.splitlines() == [
        "share;amount;mean",
        # 0.33728894… → 0.3373; 1234.56789 → 1234.5679; a DECIMAL keeps its own scale
        "0,3373;2,25;1234,5679",
        # 2/3 = 0.66666… → 0.6667 (rounded up); 0.00004 → 0.0
        "0,6667;0,10;0,0",
    ]
    full = duckdb.sql(f"select share from '{settings.marts_dir / 't.parquet'}' order by 1")
    assert full.fetchall() == [(0.3372889401234149,), (2 / 3,)]


def _refresh(env: dict, *args: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-m", "hansyn.cli", "refresh", *args],
        env=env,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return (result.stdout + result.stderr).splitlines()


@pytest.mark.slow
def test_a_sample_night_prints_under_sixty_lines_and_a_quiet_night_a_few(hansyn_env):
    """Before: 1,191 lines on the sample city (214 of GX's "Skipping registering", alembic's,
    each loader finding twice, 690 of dbt's) and 117 on a night with nothing new. Now: each
    loader finding once, dbt in one line, the summary. The nothing-new night is its summary line
    and, without HANSYN_PSEUDONYM_KEY, the development key's warning (two lines: the message and
    the source line); the duplicate deliveries were news the first night only."""
    env = {**os.environ, "HANSYN_SETTLE_SECONDS": "0"}
    env.pop("HANSYN_PSEUDONYM_KEY")
    subprocess.run(
        [sys.executable, "-m", "hansyn.cli", "sample-data", "--out", env["HANSYN_RAW_DIR"]],
        env=env,
        check=True,
        capture_output=True,
    )
    first = _refresh(env)
    print(f"{len(first)} lines on the sample city's first night")
    assert len(first) < 60, "\n".join(first)
    assert sum("dbt build:" in line for line in first) == 1
    assert not any("Skipping registering" in line or "alembic" in line for line in first)
    # A finding of a loader is printed once (it was also a Dagster warning).
    finding = "enkat/enkat_2024-H2.csv: 2 of 98 rows rejected"
    assert sum(finding in line for line in first) == 1, "\n".join(first)
    second = _refresh(env)
    assert len(second) <= 3, "\n".join(second)
    # The sample city's two duplicate deliveries were reported the first night only.
    assert sum("not counted again" in line for line in first) == 2, "\n".join(first)
    assert not any("not counted again" in line for line in second), "\n".join(second)
    # The summary (stdout) is the one line that is not a log line (stderr).
    assert [line for line in second if line.startswith("hansyn refresh: ")] == [
        next(line for line in second if line.startswith("hansyn refresh: nothing new since "))
    ]
    assert not any("Blocking asset check" in line for line in second)
    quiet = _refresh(env, "--quiet")
    assert any(line.startswith("hansyn refresh: nothing new since ") for line in quiet)
    assert not any(" hansyn.quality: " in line for line in quiet)
