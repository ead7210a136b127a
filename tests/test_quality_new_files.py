"""GX validates only the rows of the files that are new or changed since a validation that passed:
a payer's new monthly extract goes to GX alone, not with the years before it, and every check's
outcome is the one the whole table gives."""

from __future__ import annotations

import duckdb
import pytest

from hansyn.config import load_settings
from hansyn.quality import baselines, runner, suites
from hansyn.sampledata import generate
from hansyn.sampledata.next_month import write_benefit_month
from hansyn.sources import SOURCES
from hansyn.sources.ingest import ingest_source

BENEFITS = SOURCES["ersattningar"]


@pytest.fixture
def frames(monkeypatch):
    """The frames handed to GX: (files asked for, rows)."""
    seen = []
    typed = runner._typed_frame

    def spy(con, table, files=None, columns=None):
        frame = typed(con, table, files, columns)
        seen.append((None if files is None else sorted(files), columns, len(frame)))
        return frame

    monkeypatch.setattr(runner, "_typed_frame", spy)
    return seen


def _night(run_id: str):
    settings = load_settings()
    ingest_source(BENEFITS, settings, run_id)
    return runner.run_quality_checks(BENEFITS, settings, run_id)


def _loaded() -> list[str]:
    con = duckdb.connect(str(load_settings().warehouse), read_only=True)
    try:
        return baselines.loaded_files(con, BENEFITS.name)
    finally:
        con.close()


def _whole_table(run_id: str):
    """The outcome of the suite on the whole raw table in GX, as before."""
    con = duckdb.connect(str(load_settings().warehouse))
    try:
        frame = runner._typed_frame(con, BENEFITS.table)
        suite = suites.load_suite(BENEFITS)
        return [
            (o.name, o.passed, o.detail, o.observed, o.file_name)
            for o in runner.validate(suite, frame, run_id, con)
        ]
    finally:
        con.close()


def test_a_new_monthly_extract_is_validated_alone(hansyn_env, frames):
    import random

    raw = hansyn_env / "raw"
    generate(raw, seed=2026, scale=0.2)
    first = _night("run-1")
    assert all(o.passed for o in first)
    assert frames[0][0] == _loaded()  # the first night: every extract is new

    new = write_benefit_month(raw / "ersattningar", random.Random(7))
    frames.clear()
    second = _night("run-2")
    gx_frames = [f for f in frames if f[1] is None]
    assert [f[0] for f in gx_frames] == [sorted(p.name for p in new)]
    con = duckdb.connect(str(hansyn_env / "warehouse.duckdb"), read_only=True)
    try:
        new_rows, all_rows = con.execute(
            f"select count(*) filter (where _file in (select unnest(?::varchar[]))), count(*) "
            f"from raw.{BENEFITS.table}",
            [[p.name for p in new]],
        ).fetchone()
    finally:
        con.close()
    assert gx_frames[0][2] == new_rows < all_rows / 5  # the month, not the history

    # The same outcome, message for message, as GX on the whole table.
    outcomes = [(o.name, o.passed, o.detail, o.observed, o.file_name) for o in second]
    assert outcomes == _whole_table("run-2")
    assert all(o.passed for o in second)


def test_a_file_that_failed_is_validated_again_and_a_changed_suite_validates_all(
    hansyn_env, frames, monkeypatch
):
    raw = hansyn_env / "raw"
    generate(raw, seed=2026, scale=0.2)
    _night("run-1")
    frames.clear()
    _night("run-2")  # nothing delivered: the outcome of run-1, no frame at all
    assert frames == []

    # A new suite version: every file again.
    monkeypatch.setattr(runner, "_code_version", lambda: "another version")
    frames.clear()
    _night("run-3")
    assert [f for f in frames if f[1] is None][0][0] == _loaded()


def test_whole_table_checks_see_the_whole_table(hansyn_env):
    """A row repeated across two files breaks uniqueness only together: DuckDB sees it although
    GX sees only the new file."""
    raw = hansyn_env / "raw"
    generate(raw, seed=2026, scale=0.2)
    assert all(o.passed for o in _night("run-1"))
    con = duckdb.connect(str(hansyn_env / "warehouse.duckdb"))
    try:
        suite = suites.load_suite(BENEFITS)
        con.execute(f"insert into raw.{BENEFITS.table} select * from raw.{BENEFITS.table} limit 2")
        outcomes = {
            o.name: o for o in runner.validate_new_files(suite, con, BENEFITS.table, "run-2")
        }
    finally:
        con.close()
    failed = {n: o.detail for n, o in outcomes.items() if not o.passed}
    assert list(failed) == ["file_row_unique"], failed
    assert failed["file_row_unique"].startswith("4 of ")  # both copies of both rows
