"""Dagster's SQLite storage in DAGSTER_HOME, committed as SQLite advises for a write-ahead log.

Dagster writes every event of a run (each dbt model and test, each check, each log line: about
1,400 on a night at the sample city's size) in its own connection, opened and closed around the
event. Each commit waits for the disk (synchronous=FULL, SQLite's default) and each close, being
the last connection to the file, checkpoints the log and waits again: on the 2-core machine a
night with nothing new took 18–36 s, 10–19 s without those waits (docs/scaling.md).

So, for the instance's own files only (runs, event log shards, schedules): synchronous=NORMAL,
which in WAL mode keeps the file consistent through a crash of the process or the machine and
can lose only the last commits on a power cut, and one idle connection kept open to each file
so that Dagster's close is not the last one (no checkpoint per event; SQLite still checkpoints
the log every 1,000 pages). An idle connection takes no lock in WAL mode. The warehouse and
the published files are DuckDB and not concerned.
"""

from __future__ import annotations

import atexit
import os
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

# Runs go on in one process (`dagster dev`'s run workers, the tests): keep the newest few
# files open, not one per run for ever (a file descriptor or three each).
_KEPT_OPEN = 8

_kept: OrderedDict[str, sqlite3.Connection] = OrderedDict()
_lock = threading.Lock()
_installed = False
# (path, DAGSTER_HOME) → whether it is one of the instance's files in WAL mode: Dagster
# connects some 2,000 times a night, to a handful of files.
_eligible: dict[tuple[str, str], bool] = {}


def _instance_file(path: str, home: str) -> bool:
    return bool(path and home) and Path(path).resolve().is_relative_to(Path(home).resolve())


def _keep_open(path: str) -> None:
    with _lock:
        if path in _kept:
            _kept.move_to_end(path)
            return
        _kept[path] = sqlite3.connect(path, check_same_thread=False)
        while len(_kept) > _KEPT_OPEN:
            _, oldest = _kept.popitem(last=False)
            oldest.close()


def _on_connect(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    path = dbapi_connection.execute("pragma database_list").fetchone()[2]
    key = (path, os.environ.get("DAGSTER_HOME", ""))
    known = _eligible.get(key)
    if known is False:
        return
    if known is None:
        if not _instance_file(*key):
            _eligible[key] = False
            return
        # Dagster switches a file to WAL when it creates it; before that, leave the defaults
        # (and ask again next time).
        if dbapi_connection.execute("pragma journal_mode").fetchone()[0].lower() != "wal":
            return
        _eligible[key] = True
    dbapi_connection.execute("pragma synchronous = normal")
    _keep_open(path)


def _close_kept() -> None:
    # The last close checkpoints each file: the process leaves no log behind to replay.
    with _lock:
        while _kept:
            _kept.popitem()[1].close()


def install() -> None:
    """From now on in this process (idempotent)."""
    global _installed
    if not _installed:
        event.listen(Engine, "connect", _on_connect)
        atexit.register(_close_kept)
        _installed = True


def kept_open() -> list[str]:
    """The instance files held open now (for tests and the curious)."""
    with _lock:
        return list(_kept)
