"""Dagster's SQLite files in DAGSTER_HOME commit without waiting for the disk on every event;
other SQLite files keep SQLite's defaults."""

import shutil
import sqlite3

import dagster as dg
import sqlalchemy as sa

from orchestration import sqlite_storage

FULL, NORMAL = 2, 1  # pragma synchronous


def _synchronous(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.exec_driver_sql("pragma synchronous").scalar()


def _wal_engine(path) -> sa.Engine:
    sqlite3.connect(path).execute("pragma journal_mode = wal").fetchall()
    return sa.create_engine(f"sqlite:///{path}", poolclass=sa.pool.NullPool)


def test_only_the_instances_wal_files_are_committed_lazily(tmp_path, monkeypatch):
    home, elsewhere = tmp_path / "dagster_home", tmp_path / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    sqlite_storage.install()

    assert _synchronous(_wal_engine(home / "events.db")) == NORMAL
    assert str((home / "events.db").resolve()) in map(str, sqlite_storage.kept_open())
    # Outside the instance, or not (yet) in WAL mode: SQLite's defaults, nothing held.
    assert _synchronous(_wal_engine(elsewhere / "other.db")) == FULL
    rollback = sa.create_engine(f"sqlite:///{home / 'new.db'}", poolclass=sa.pool.NullPool)
    assert _synchronous(rollback) == FULL
    held = sqlite_storage.kept_open()
    assert not any(p.endswith(("other.db", "new.db")) for p in held)


def test_a_dagster_run_writes_its_events_lazily_and_keeps_few_files_open(tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    sqlite_storage.install()

    @dg.asset
    def one() -> int:
        return 1

    with dg.DagsterInstance.get() as instance:
        run_ids = [dg.materialize([one], instance=instance).run_id for _ in range(10)]
        events = instance.all_logs(run_ids[-1])
    # Every run's events are there, read back through Dagster.
    assert any(e.dagster_event and e.dagster_event.is_step_success for e in events)
    held = sqlite_storage.kept_open()
    assert len(held) == 8  # the newest 8 files, not one per run for ever
    assert any(p.endswith(f"{run_ids[-1]}.db") for p in held)
    assert not any(p.endswith(f"{run_ids[0]}.db") for p in held)
    assert all(p.startswith(str(home.resolve())) for p in held)
    shutil.rmtree(home)  # a held file is only a descriptor: the folder goes
