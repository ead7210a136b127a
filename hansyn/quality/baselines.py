"""Row-count baselines: what the newest delivery's row count is compared with (the previous
register snapshot, or the last good load), worked out from the audit tables before a suite runs,
so that a delivery that lost rows blocks publication."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import pandas as pd


@dataclass
class RowCountBaseline:
    current: int
    baseline: int | None
    what: str  # the delivery the current rows are compared with, for the message
    file_name: str | None = None  # the file(s) of the current delivery, when one
    at_least: int = 0  # a floor whatever the baseline (a snapshot is never empty)

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


def _last_good_run(con, source: str, run_id: str):
    """The run id and time of the source's last load whose blocking checks all passed (before
    any check was recorded: its latest earlier load), or None."""
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
    if good is None:
        good = con.execute(
            """
            select run_id, max(loaded_at) from audit.load_log
            where source = ? and run_id <> ?
            group by run_id order by max(loaded_at) desc limit 1
            """,
            [source, run_id],
        ).fetchone()
    return good


def last_good_snapshot(con, source: str, run_id: str, current: RowCountBaseline):
    """A snapshot source with no earlier snapshot in its folder (emptied, or left with one
    file) is compared with the newest snapshot of its last good load."""
    good = _last_good_run(con, source, run_id)
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
    )


def last_good_load_baseline(con, source: str, run_id: str, current: int) -> RowCountBaseline:
    """This load's rows against the source's last load whose blocking checks all passed."""
    good = _last_good_run(con, source, run_id)
    if good is None:
        return RowCountBaseline(current, None, "no earlier load")
    rows, loaded_at = con.execute(
        "select coalesce(sum(rows_loaded), 0), max(loaded_at) from audit.load_log "
        "where source = ? and run_id = ?",
        [source, good[0]],
    ).fetchone()
    when = f" of {loaded_at:%Y-%m-%d %H:%M}" if isinstance(loaded_at, dt.datetime) else ""
    return RowCountBaseline(current, int(rows), f"the last good load{when}")
