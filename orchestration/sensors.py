"""Sensors: start the nightly job when a delivery lands in the raw folder, and alert the project
office after every run the daemon started (success or failure alike)."""

import hashlib
import json
from pathlib import Path

import dagster as dg

from hansyn.config import load_settings
from hansyn.sources import SOURCES

from .run_alerts import ALERT_SENT_BY_TAG, alert_for_run
from .schedules import JOB_NAME

IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def raw_listing(raw_dir: Path) -> list[tuple[str, int, int]]:
    """(source/file, size, mtime in ns) of every file the loaders would read, in a stable order."""
    listing = []
    for source in SOURCES.values():
        for path in source.files(raw_dir):
            stat = path.stat()
            listing.append((f"{source.name}/{path.name}", stat.st_size, stat.st_mtime_ns))
    return sorted(listing)


def fingerprint(listing: list[tuple[str, int, int]]) -> str:
    return hashlib.sha256(json.dumps(listing).encode("utf-8")).hexdigest()[:16]


def next_step(cursor: str | None, current: str) -> tuple[str, bool]:
    """The new cursor and whether to start a run.

    The cursor holds the listing seen on the last tick and the one last started for. A run
    starts when the listing differs from the last one started for and has not changed since
    the previous tick, so a file still being copied is not loaded half-written. On the very
    first tick the files already there are taken as known (the nightly schedule loads them)."""
    state = json.loads(cursor) if cursor else {"seen": current, "started": current, "runs": 0}
    start = current != state["started"] and current == state["seen"]
    state["seen"] = current
    if start:
        state["started"] = current
        state["runs"] = state.get("runs", 0) + 1
    return json.dumps(state, sort_keys=True), start


@dg.sensor(
    name="raw_files_sensor",
    job_name=JOB_NAME,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts nightly_refresh when a file is added to, changed in or removed from the "
    "raw folder (file names, sizes and modification times), once the folder has been still for "
    "a minute. The same files never start a second run; it waits while a run is going.",
)
def raw_files_sensor(context: dg.SensorEvaluationContext):
    current = fingerprint(raw_listing(load_settings().raw_dir))
    cursor, start = next_step(context.cursor, current)
    if start:
        running = context.instance.get_runs(
            filters=dg.RunsFilter(job_name=JOB_NAME, statuses=IN_PROGRESS), limit=1
        )
        if running:
            # One warehouse file, one writer: try again on a later tick (cursor unchanged).
            return dg.SkipReason(f"new files, but run {running[0].run_id} is still going")
        context.update_cursor(cursor)
        # Unique per start (a folder can come back to an earlier state, e.g. a bad file removed),
        # the same if this tick is evaluated again.
        run_key = f"raw-{json.loads(cursor)['runs']}-{current}"
        return dg.RunRequest(run_key=run_key, tags={"hansyn/raw_fingerprint": current})
    context.update_cursor(cursor)
    return dg.SkipReason("no new files in the raw folder")


def _alert(context: dg.RunStatusSensorContext) -> None:
    # Returning None (not a SkipReason) lets one tick handle every run that finished.
    run = context.dagster_run
    if run.tags.get(ALERT_SENT_BY_TAG):
        context.log.info(f"run {run.run_id}: alerted by {run.tags[ALERT_SENT_BY_TAG]}")
        return
    alert = alert_for_run(context.instance, run.run_id)
    if alert is None:
        context.log.info(f"run {run.run_id}: nothing to report")
        return
    how = "; ".join(f"{channel}: {outcome}" for channel, outcome in alert.delivery.items())
    # A channel that failed keeps the alert in the outbox for the next night's alert.
    (context.log.info if "failed" not in how else context.log.warning)(
        f"run {run.run_id}: alert {alert.subject} ({how or 'no channel configured'})"
    )


@dg.run_status_sensor(
    name="alert_after_successful_run",
    run_status=dg.DagsterRunStatus.SUCCESS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After every successful run: alerts on refused files, rejected rows and failed "
    "(non-blocking) checks, which do not fail a run.",
)
def alert_after_successful_run(context: dg.RunStatusSensorContext):
    _alert(context)


@dg.run_status_sensor(
    name="alert_after_failed_run",
    run_status=dg.DagsterRunStatus.FAILURE,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After every failed run (a blocking check, a dbt test marked error or a step "
    "failed, so nothing new was published): alerts with what failed.",
)
def alert_after_failed_run(context: dg.RunStatusSensorContext):
    _alert(context)


sensors = [raw_files_sensor, alert_after_successful_run, alert_after_failed_run]
