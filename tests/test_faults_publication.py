"""Issue 24, the publication seen half-done, broken or blocked (classes 6, 7 and 14): a
publication killed at any step leaves the last one whole and the next one cleans up and says
so; a published file deleted or changed between nights is found and republished; an analyst's
read-write connection on `indikatorer.duckdb` blocks no publication. On a hand-made warehouse
(no dbt), except the one night that shows the office's summary."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import duckdb
import pytest

from hansyn.config import load_settings
from hansyn.publishing import versions
from hansyn.publishing.swap import PUBLISHED_DB, publish

TABLES = [f"t{i}" for i in range(6)]


def _warehouse(night: int) -> None:
    """Six tables whose every row says which night built them."""
    con = duckdb.connect(str(load_settings().warehouse))
    try:
        con.execute("create schema if not exists marts")
        for table in TABLES:
            con.execute(
                f"create or replace table marts.{table} as "
                f"select {night} as night, range as id from range(50)"
            )
    finally:
        con.close()


def _nights_seen(marts) -> set[int]:
    """The nights a reader of the marts folder sees, in every file of every format."""
    con = duckdb.connect()
    try:
        seen = set()
        for table in TABLES:
            for path in (marts / f"{table}.parquet", marts / f"{table}.csv"):
                seen |= {
                    r[0] for r in con.execute(f"select distinct night from '{path}'").fetchall()
                }
        con.execute(f"attach '{marts / PUBLISHED_DB}' as pub (read_only)")
        for table in TABLES:
            seen |= {
                r[0] for r in con.execute(f"select distinct night from pub.{table}").fetchall()
            }
        return seen
    finally:
        con.close()


# Publishes in a child process that stops (SIGSTOP to itself) after its `STOP_AT`-th call that
# changes what a name points at (rename, replace, symlink): the test then kills it with SIGKILL.
_KILLED_PUBLISHER = textwrap.dedent(
    """
    import os, signal, sys
    from hansyn.config import load_settings
    from hansyn.publishing.swap import publish

    calls = 0
    def stopping(original):
        def call(*args, **kwargs):
            global calls
            result = original(*args, **kwargs)
            calls += 1
            if calls == int(sys.argv[1]):
                os.kill(os.getpid(), signal.SIGSTOP)
            return result
        return call

    os.replace, os.rename, os.symlink = map(stopping, (os.replace, os.rename, os.symlink))
    publish(load_settings(), sys.argv[2].split(","))
    """
)


def _publish_killed_after(call: int) -> bool:
    """Run a publication and SIGKILL it once it made `call` renames; whether it got there."""
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_PUBLISHER, str(call), ",".join(TABLES)],
        env=os.environ.copy(),
    )
    while True:
        _, status = os.waitpid(child.pid, os.WUNTRACED)
        if os.WIFSTOPPED(status):
            child.send_signal(signal.SIGKILL)
            child.wait()
            return True
        child.returncode = os.waitstatus_to_exitcode(status)
        assert child.returncode == 0
        return False


@pytest.mark.parametrize("call", [1, 2, 3, 8])
def test_a_publication_killed_at_any_step_leaves_one_whole_publication_and_is_cleaned_up(
    hansyn_env, call
):
    """SIGKILL after the `call`-th rename of a publication (the code before versions renamed 13
    files one by one here; one was enough to serve tables of two nights together). A reader
    sees the old publication whole, or the new one whole; the next publication removes what
    the killed one left and names it."""
    settings = load_settings()
    marts = settings.marts_dir
    _warehouse(night=1)
    publish(settings, TABLES)
    _warehouse(night=2)
    killed = _publish_killed_after(call)
    seen = _nights_seen(marts)
    assert seen in ({1}, {2}), f"killed after rename {call}: a reader sees nights {seen}"
    left = versions.leftovers(marts)

    _warehouse(night=3)
    report = publish(settings, TABLES)
    assert _nights_seen(marts) == {3}
    assert versions.leftovers(marts) == []
    assert len(report.cleaned) == len(left), (report.cleaned, left)
    for path, said in zip(left, report.cleaned, strict=True):
        assert path.name in said and "did not finish" in said
    assert versions.damage(marts) == []
    if killed and seen == {1}:
        assert left, "the killed publication left nothing to clean up"
    # The current version and the one before it, nothing else.
    assert len([p for p in versions.versions_dir(marts).iterdir() if p.is_dir()]) == 2


@pytest.mark.parametrize(
    "damage, said",
    [
        (lambda m: (m / "t2.parquet").unlink(), "t2.parquet was missing"),
        (lambda m: os.truncate(m / "t3.csv", 10), "t3.csv had 10 bytes instead of the"),
        (lambda m: (m / PUBLISHED_DB).unlink(), "indikatorer.duckdb was missing"),
        (
            lambda m: (m / "t0.csv").write_bytes((m / "t0.csv").read_bytes().replace(b";", b",")),
            "t0.csv differed from what was published",
        ),
    ],
    ids=["deleted", "truncated", "database deleted", "edited"],
)
def test_a_published_file_deleted_or_changed_is_named_and_republished(hansyn_env, damage, said):
    """The current publication is checked against its manifest (size and SHA-256 of each file):
    the damage is named, and the next publication writes every file again even though the
    tables did not change (before, the same tables meant "unchanged", nothing written)."""
    settings = load_settings()
    marts = settings.marts_dir
    _warehouse(night=1)
    publish(settings, TABLES)
    assert versions.damage(marts) == []
    damage(marts)
    (found,) = versions.damage(marts)
    assert found.startswith(said), found
    report = publish(settings, TABLES)
    assert not report.unchanged
    assert report.repaired == [found]
    assert versions.damage(marts) == []
    assert _nights_seen(marts) == {1}
    # Whole again: the next publication of the same tables touches nothing.
    assert publish(settings, TABLES).unchanged


_ANALYST = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1])  # read-write: DuckDB locks the file for this process
    con.execute("create table my_notes as select 1 as n")
    for line in sys.stdin:
        print(con.execute("select distinct night from t0").fetchall(), flush=True)
    """
)


def test_an_analysts_read_write_connection_blocks_no_publication(hansyn_env):
    """An analyst holds the published indikatorer.duckdb open read-write in their own process
    (DuckDB then locks the file against every other process) through two publications: both
    succeed, the analyst keeps the tables they opened, and a new reader gets the new ones."""
    settings = load_settings()
    marts = settings.marts_dir
    _warehouse(night=1)
    publish(settings, TABLES)
    analyst = subprocess.Popen(
        [sys.executable, "-c", _ANALYST, str(marts / PUBLISHED_DB)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip

    def analyst_sees() -> str:
        analyst.stdin.write("?\n")
        analyst.stdin.flush()
        return analyst.stdout.readline().strip()

    try:
        assert analyst_sees() == "[(1,)]"
        for night in (2, 3):
            _warehouse(night)
            report = publish(settings, TABLES)
            assert report.tables == dict.fromkeys(TABLES, 50) and not report.unchanged
            assert _nights_seen(marts) == {night}
        # The same tables again: judged unchanged from the manifest, the locked file unopened.
        assert publish(settings, TABLES).unchanged
        assert analyst_sees() == "[(1,)]"
    finally:
        analyst.stdin.close()
        assert analyst.wait(timeout=30) == 0


def test_a_plain_marts_folder_from_before_versions_is_moved_among_them(hansyn_env):
    """The first publication after the upgrade: the folder becomes the previous version, the
    marts path a link to the new one; nothing of the old folder is lost."""
    settings = load_settings()
    marts = settings.marts_dir
    marts.mkdir()
    (marts / "old.csv").write_text("night\n0\n")
    (marts / ".publishing-0123abcd").mkdir()  # left by a killed run of the old code
    _warehouse(night=1)
    report = publish(settings, TABLES)
    assert marts.is_symlink() and _nights_seen(marts) == {1}
    assert report.repaired == []
    assert [c.split(",")[0] for c in report.cleaned] == ["marts/.publishing-0123abcd"]
    (previous,) = [
        p for p in versions.versions_dir(marts).iterdir()
        if p.is_dir() and p != versions.current_version(marts)
    ]  # fmt: skip
    assert (previous / "old.csv").read_text() == "night\n0\n"
    # The moved folder is a version like the others, not a leftover: the next publication
    # removes it as older than the previous one, silently.
    _warehouse(night=2)
    assert publish(settings, TABLES).cleaned == []
    assert not previous.exists() and _nights_seen(marts) == {2}


@pytest.mark.parametrize(
    "damage",
    [
        lambda m: os.truncate(m / "t1.parquet", 100),
        lambda m: (m / "t4.csv").unlink(),
        lambda m: (versions.versions_dir(m) / "20260101T000000-0123abcd").mkdir(),
    ],
    ids=["truncated parquet", "deleted csv", "a killed publication's folder"],
)
def test_a_night_with_nothing_new_is_not_taken_for_current_when_the_publication_is_damaged(
    hansyn_env, damage
):
    """The "nothing new" test of the night: the inputs are those of the last publication, but
    its files no longer are what was published (or a killed publication left a folder): the
    night must publish again (before, it said "nothing new … are current" as long as each
    database and Parquet file existed, whatever its bytes)."""
    from hansyn import night
    from hansyn.warehouse import create_audit_tables

    settings = load_settings()
    _warehouse(night=1)
    publish(settings, TABLES)
    con = duckdb.connect(str(settings.warehouse))
    try:
        create_audit_tables(con)
        night.record_building(con, "run-1", night.inputs_fingerprint(con, settings))
        night.record_published(con, settings, "run-1", dict.fromkeys(TABLES, 50))
        assert night.nothing_new_since(con, settings).run_id == "run-1"
        damage(settings.marts_dir)
        assert night.nothing_new_since(con, settings) is None
    finally:
        con.close()


@pytest.mark.slow
def test_a_night_after_a_published_file_was_deleted_republishes_and_says_so(
    hansyn_env, monkeypatch
):
    """The whole night, as the office sees it: the sample city published, then a Parquet file
    deleted and a CSV truncated by someone between nights, nothing delivered. The night does
    not say "nothing new … are current": it publishes again and names the two files in its
    summary and its alert, and the files are whole."""
    from hansyn.sampledata import generate
    from orchestration import refresh, run_alerts

    CSV = "i1_procurement_share.csv"
    sent = []
    monkeypatch.setattr(
        run_alerts, "deliver", lambda alert, settings, **_: alert and sent.append(alert)
    )
    generate(hansyn_env / "raw", seed=2026, scale=0.3)
    first = refresh.run_refresh()
    assert first.published and not first.repaired, first.render()
    marts = load_settings().marts_dir
    whole = {name: (marts / name).read_bytes() for name in ("bruttolista.parquet", CSV)}
    (marts / "bruttolista.parquet").unlink()
    os.truncate(marts / CSV, 3)
    sent.clear()

    second = refresh.run_refresh()
    assert second.success and second.published and second.nothing_new_since is None
    assert second.repaired == [
        "bruttolista.parquet was missing",
        f"i1_procurement_share.csv had 3 bytes instead of the {len(whole[CSV])} published",
    ], second.render()
    assert "REPAIRED the last publication: bruttolista.parquet was missing" in second.render()
    (alert,) = sent
    assert "the last publication repaired" in alert.subject, alert.subject
    assert "repaired the publication: bruttolista.parquet was missing" in alert.text
    assert {name: (marts / name).read_bytes() for name in whole} == whole
    assert versions.damage(marts) == []


def test_a_damaged_publication_the_warehouse_cannot_rebuild_fails_and_says_so(hansyn_env):
    """The night cannot publish again (here a table is gone from the warehouse): the publication
    fails, the damaged files stay as they are (nothing half-written beside them), and the alert
    names the damage instead of calling the files "unchanged, byte for byte"."""
    from hansyn.alerts.messages import FailedStep, build_alert
    from hansyn.config import AlertSettings
    from orchestration.run_alerts import publication_problems

    settings = load_settings()
    marts = settings.marts_dir
    _warehouse(night=1)
    publish(settings, TABLES)
    (marts / "t5.parquet").unlink()
    con = duckdb.connect(str(settings.warehouse))
    con.execute("drop table marts.t5")
    con.close()
    with pytest.raises(duckdb.CatalogException, match="t5"):
        publish(settings, TABLES)
    assert versions.leftovers(marts) == []
    assert versions.damage(marts) == ["t5.parquet was missing"]

    class NoRun:  # the Dagster run published nothing
        def all_logs(self, run_id, of_type):
            return []

    problems = publication_problems(NoRun(), "run-2", settings)
    alert = build_alert(
        "run-2", [], [], [FailedStep("published_marts", "t5 does not exist")],
        AlertSettings(recipients=("kontoret@example.se",)), published=False,
        marts_dir=str(marts), publication=problems,
    )  # fmt: skip
    assert alert.subject.startswith("hansyn: NOT PUBLISHED – 1 step failed, the published files")
    assert "the published files are damaged and were not republished: t5.parquet was missing" in (
        alert.text
    )
    assert "byte for byte" not in alert.text


def test_a_new_version_sorts_after_every_earlier_one_within_a_second_or_a_clock_set_back(tmp_path):
    """A complete version that sorts after the current one is taken for a publication never
    switched in (and removed): two publications within one second used to sort by their random
    suffix, and the test of one publish after another found the previous version a leftover
    one run in two."""
    marts = tmp_path / "marts"
    root = versions.versions_dir(marts)
    ahead = root / "20991231T235959.999999-ffffffff"  # written while the clock was ahead
    ahead.mkdir(parents=True)
    names = [versions.new_version(marts).name for _ in range(50)]
    assert names == sorted(names) and len(set(names)) == 50
    assert names[0] > ahead.name
