"""Row-count baselines: what the newest delivery's row count is compared with (the previous
register snapshot, or the last good load), worked out from the audit tables before a suite runs,
so that a delivery that lost rows blocks publication. When the warehouse has no such history
(deleted after an erasure request), the last publication's `load_quality.parquet` is the
baseline; a night on which no source has a loaded row has nothing to publish."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from ..sources.personnummer import masked_logger

log = masked_logger("hansyn.quality")

# The published table that says, per file, how many rows the last publication was made from.
PUBLISHED_LOADS = "load_quality.parquet"


@dataclass
class RowCountBaseline:
    current: int
    baseline: int | None
    what: str  # the delivery the current rows are compared with, for the message
    file_name: str | None = None  # the file(s) of the current delivery, when one
    at_least: int = 0  # a floor whatever the baseline (a snapshot is never empty)
    refused: str | None = None  # the newest file was refused, for this reason

    def minimum(self, ratio: float) -> int:
        computed = math.ceil(ratio * self.baseline) if self.baseline else 0
        return max(computed, self.at_least)


def snapshot_baseline(
    frame: pd.DataFrame, column: str, files: list[str] | None = None
) -> tuple[RowCountBaseline, pd.DataFrame]:
    """The newest snapshot's rows against the previous snapshot's.

    `files` are the source's loaded files in name order (the newest last), from the file
    registry: a loaded snapshot with no rows (a header-only export) is then the newest snapshot
    with 0 rows, not skipped in favour of the older ones. A snapshot is never empty."""
    if files is not None:
        if not files:
            return RowCountBaseline(0, None, "no snapshot loaded"), frame.iloc[0:0]
        newest_rows = frame[frame["_file"] == files[-1]]
        if len(files) < 2:
            only = RowCountBaseline(len(newest_rows), None, "no earlier snapshot", files[-1], 1)
            return only, newest_rows
        previous = int((frame["_file"] == files[-2]).sum())
        what = f"the previous snapshot {files[-2]}"
        return RowCountBaseline(len(newest_rows), previous, what, files[-1], 1), newest_rows
    if frame.empty:
        return RowCountBaseline(0, None, "no snapshot loaded"), frame
    counts = frame.groupby(column, sort=True).size()
    newest = counts.index[-1]
    newest_rows = frame[frame[column] == newest]
    files = ", ".join(sorted(newest_rows["_file"].dropna().unique())) or None
    if len(counts) < 2:
        only = RowCountBaseline(int(counts.iloc[-1]), None, "no earlier snapshot", files)
        return only, newest_rows
    previous = counts.index[-2]
    previous_files = ", ".join(sorted(frame.loc[frame[column] == previous, "_file"].unique()))
    return (
        RowCountBaseline(
            current=int(counts.iloc[-1]),
            baseline=int(counts.iloc[-2]),
            what=f"the previous snapshot {previous_files}",
            file_name=files,
        ),
        newest_rows,
    )


def loaded_files(con, source: str) -> list[str]:
    """The source's files that are loaded as the folder stands now, in name order."""
    rows = con.execute(
        "select file_name from audit.file_registry where source = ? and status = 'loaded'",
        [source],
    ).fetchall()
    return sorted(r[0] for r in rows)


def newest_refused(con, source: str) -> tuple[str, str] | None:
    """The source's newest file, (name, reason), when it was refused.

    The newest file is the last in name order among those loaded or refused (spec): a file
    still being written is left for the next night and a duplicate is no delivery of its own.
    A refused newest snapshot (empty, unreadable, misnamed, dated after the night it arrived)
    leaves the current register unknown: an older snapshot is not the current truth."""
    rows = con.execute(
        "select file_name, status, message from audit.file_registry "
        "where source = ? and status in ('loaded', 'refused')",
        [source],
    ).fetchall()
    if not rows:
        return None
    name, status, message = max(rows, key=lambda r: r[0])
    return (name, message or "refused") if status == "refused" else None


def published_rows(marts_dir: Path, source: str, snapshot: bool) -> tuple[int, str] | None:
    """The source's rows in the last publication, from `load_quality.parquet` in the marts
    folder: every loaded file's rows, or for a snapshot source the newest loaded snapshot's;
    with the words that name it. None when there is no readable publication.

    Read by path with DuckDB's read_parquet, never through `indikatorer.duckdb`, which an
    analyst may hold open: the marts folder survives the warehouse, so a deleted warehouse
    still has the last publication to compare a night with."""
    path = marts_dir / PUBLISHED_LOADS
    if not path.is_file():
        return None
    try:
        with duckdb.connect() as con:
            rows = con.execute(
                "select file_name, rows_loaded, loaded_at from read_parquet(?) "
                "where source = ? and status = 'loaded' order by file_name",
                [str(path), source],
            ).fetchall()
            published_at = con.execute(
                "select max(loaded_at) from read_parquet(?)", [str(path)]
            ).fetchone()[0]
    except duckdb.Error as e:
        log.warning("%s: the last publication's %s cannot be read: %s", source, path, e)
        return None
    when = f" of {published_at:%Y-%m-%d %H:%M}" if isinstance(published_at, dt.datetime) else ""
    if snapshot:
        if not rows:
            return None
        name, count, _ = rows[-1]
        return int(count or 0), f"the newest snapshot {name} of the last publication{when}"
    return sum(int(r[1] or 0) for r in rows), f"the last publication{when}"


def nothing_loaded(con) -> str | None:
    """Why the night has nothing to publish when no source has a loaded row, else None.

    Published, such a night (a first night while every delivery is still being written, or
    every file refused) would be a set of empty tables announced as a success. A night on
    which only some sources have nothing publishes: a source that had rows before is held by
    its row-count check, and one not delivered yet is an empty table today too."""
    loaded = con.execute(
        "select coalesce(sum(rows_loaded), 0) from audit.file_registry where status = 'loaded'"
    ).fetchone()[0]
    if loaded:
        return None
    counts = dict(
        con.execute("select status, count(*) from audit.file_registry group by status").fetchall()
    )
    waiting, refused = counts.get("waiting", 0), counts.get("refused", 0)
    others = sum(counts.values()) - waiting - refused
    parts = [
        f"{waiting} {'file' if waiting == 1 else 'files'} still being written "
        "(changed within HANSYN_SETTLE_SECONDS), left for the next night",
        f"{refused} refused",
    ]
    if others:
        parts.append(f"{others} with no rows")
    if not counts:
        parts = ["no file in the raw folder"]
    return (
        "nothing loaded yet: " + ", ".join(parts) + "; no source has a row to publish, "
        "so nothing is published (the last publication, if any, stays)"
    )


def _last_good_run(con, source: str, run_id: str):
    """The run id and time of the source's last load whose blocking checks all passed, or
    None."""
    good = con.execute(
        """
        select run_id, max(checked_at) as checked_at
        from audit.quality_checks
        where source = ? and run_id <> ?
        group by run_id
        having not bool_or(blocking and not passed)
        order by checked_at desc
        limit 1
        """,
        [source, run_id],
    ).fetchone()
    return good


def _latest_earlier_load(con, source: str, run_id: str):
    """Before any check was recorded: the source's latest earlier load, or None."""
    return con.execute(
        """
        select run_id, max(loaded_at) from audit.load_log
        where source = ? and run_id <> ?
        group by run_id order by max(loaded_at) desc limit 1
        """,
        [source, run_id],
    ).fetchone()


def last_good_snapshot(
    con, source: str, run_id: str, current: RowCountBaseline, marts_dir: Path | None = None
):
    """A snapshot source with no earlier snapshot in its folder (emptied, or left with one
    file) is compared with the newest snapshot of its last good load, or, when the warehouse
    has none, with that of the last publication."""
    good = _last_good_run(con, source, run_id)
    if good is None:
        published = published_rows(marts_dir, source, snapshot=True) if marts_dir else None
        if published is not None:
            return RowCountBaseline(
                current=current.current,
                baseline=published[0],
                what=published[1],
                file_name=current.file_name,
                at_least=current.at_least if current.file_name else 1,
                refused=current.refused,
            )
        good = _latest_earlier_load(con, source, run_id)
    if good is None:
        return current
    row = con.execute(
        "select file_name, rows_loaded, loaded_at from audit.load_log "
        "where source = ? and run_id = ? and status = 'loaded' order by file_name desc limit 1",
        [source, good[0]],
    ).fetchone()
    if row is None:
        return current
    when = f" of {row[2]:%Y-%m-%d %H:%M}" if isinstance(row[2], dt.datetime) else ""
    return RowCountBaseline(
        current=current.current,
        baseline=int(row[1]),
        what=f"the newest snapshot {row[0]} of the last good load{when}",
        file_name=current.file_name,
        at_least=current.at_least if current.file_name else 1,
        refused=current.refused,
    )


def last_good_load_baseline(
    con, source: str, run_id: str, current: int, marts_dir: Path | None = None
) -> RowCountBaseline:
    """This load's rows against the source's last load whose blocking checks all passed, or,
    when the warehouse has none (deleted, or new), against the last publication's rows."""
    good = _last_good_run(con, source, run_id)
    if good is None:
        published = published_rows(marts_dir, source, snapshot=False) if marts_dir else None
        if published is not None:
            return RowCountBaseline(current, published[0], published[1])
        good = _latest_earlier_load(con, source, run_id)
    if good is None:
        return RowCountBaseline(current, None, "no earlier load")
    rows, loaded_at = con.execute(
        "select coalesce(sum(rows_loaded), 0), max(loaded_at) from audit.load_log "
        "where source = ? and run_id = ?",
        [source, good[0]],
    ).fetchone()
    when = f" of {loaded_at:%Y-%m-%d %H:%M}" if isinstance(loaded_at, dt.datetime) else ""
    return RowCountBaseline(current, int(rows), f"the last good load{when}")
