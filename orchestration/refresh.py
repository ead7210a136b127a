"""`hansyn refresh`: the nightly job run in this process, and a summary of what it did."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field

import dagster as dg

from hansyn.alerts.messages import cause_in_words
from hansyn.config import DAGSTER_INSTANCE_YAML, Settings, load_settings
from hansyn.manifest import ensure_manifest
from hansyn.night import nothing_new_since
from hansyn.publishing.versions import current_version, damage
from hansyn.sources.personnummer import masked_logger, published_text
from hansyn.warehouse import warehouse

from .run_alerts import ALERT_SENT_BY_TAG, STARTED_BY_TAG, alert_for_run, error_chain

log = masked_logger("hansyn.refresh")

FILE_FIELDS = ("source", "file", "status", "rows_loaded", "rows_rejected", "message")


@dataclass
class RefreshSummary:
    run_id: str
    success: bool
    published: bool
    files: list[tuple] = field(
        default_factory=list
    )  # (source, file, status, loaded, rejected, msg)
    tables: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    marts_dir: str = ""
    stage_seconds: dict[str, float] = field(default_factory=dict)
    wall_seconds: float = 0.0
    alert: str | None = None  # the subject of the alert sent to the project office
    # Nothing new since this publication (its time): dbt and publishing had nothing to do.
    nothing_new_since: str | None = None
    # What was wrong with the last publication, made whole tonight (a file deleted or changed
    # since), and what a killed publication had left (removed).
    repaired: list[str] = field(default_factory=list)
    cleaned_up: list[str] = field(default_factory=list)
    # Not published, and the published files are not what was published: not repaired.
    damaged: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "run_id": self.run_id,
            "success": self.success,
            "published": self.published,
            "files": [dict(zip(FILE_FIELDS, f, strict=True)) for f in self.files],
            "tables": self.tables,
            "failures": self.failures,
            "marts_dir": self.marts_dir,
            "stage_seconds": self.stage_seconds,
            "wall_seconds": self.wall_seconds,
            "alert": self.alert,
            "nothing_new_since": self.nothing_new_since,
            "repaired": self.repaired,
            "cleaned_up": self.cleaned_up,
            "damaged": self.damaged,
        }

    def render(self) -> str:
        if self.nothing_new_since and not (self.failures or self.repaired or self.cleaned_up):
            # What the files said was said the night they arrived: one line is the whole news.
            return (
                f"hansyn refresh: nothing new since {self.nothing_new_since} (the last "
                f"publication); the {len(self.tables)} published tables in {self.marts_dir} "
                f"are current ({self.wall_seconds:.1f} s)"
            )
        loaded = sum(1 for f in self.files if f[2] == "loaded")
        refused = [f for f in self.files if f[2] == "refused"]
        duplicate = [f for f in self.files if f[2] == "duplicate"]
        rejected = sum(f[4] or 0 for f in self.files)
        lines = [
            "",
            f"hansyn refresh — run {self.run_id}",
            f"  files loaded: {loaded}, refused: {len(refused)}, duplicates: {len(duplicate)}",
            f"  rows loaded: {sum(f[3] or 0 for f in self.files)}, rows rejected: {rejected}",
        ]
        for f in refused:
            lines.append(f"  REFUSED {f[0]}/{f[1]}: {f[5]}")
        for f in self.files:
            if f[2] == "waiting":
                lines.append(f"  WAITING {f[0]}/{f[1]}: {f[5]}")
        if self.stage_seconds:
            lines.append(
                "  time: "
                + ", ".join(f"{k} {v:.1f} s" for k, v in self.stage_seconds.items())
                + f" (total {self.wall_seconds:.1f} s)"
            )
        # Each file's rejected rows are named once, by its loader's line when it is loaded
        # (and in audit.rejected_rows, `--json` and the alert), not again here.
        for failure in self.failures:
            lines.append(f"  FAILED {failure}")
        for what in self.cleaned_up:
            lines.append(f"  REMOVED {what}")
        for what in self.repaired:
            lines.append(f"  REPAIRED the last publication: {what}")
        if self.nothing_new_since:
            lines.append(
                f"  nothing new since {self.nothing_new_since} (the last publication): "
                f"validation and dbt skipped; the {len(self.tables)} published tables in "
                f"{self.marts_dir} are current"
            )
        elif self.published:
            lines.append(
                f"  published {len(self.tables)} tables to {self.marts_dir} (rows: "
                + ", ".join(f"{t} {n}" for t, n in sorted(self.tables.items()))
                + ")"
            )
        elif self.damaged:
            lines.append(
                f"  NOT PUBLISHED, and the published files in {self.marts_dir} are damaged: "
                + "; ".join(self.damaged)
            )
        else:
            lines.append(f"  NOT PUBLISHED: the last good marts in {self.marts_dir} are unchanged.")
        if self.alert:
            lines.append(f"  alert: {self.alert}")
        return "\n".join(lines)


def stage_of(step_key: str) -> str:
    """The benchmark's stages: ingest, validation (data-quality checks), dbt, publish."""
    if step_key.startswith("raw__"):
        return "ingest"
    if "check" in step_key or "expectation" in step_key:
        return "validation"
    if "dbt" in step_key:
        return "dbt"
    if "publish" in step_key or "report" in step_key:  # the indicator report is published too
        return "publish"
    return "other"


def _stage_seconds(instance: dg.DagsterInstance, run_id: str) -> dict[str, float]:
    stages: dict[str, float] = {}
    for stat in instance.get_run_step_stats(run_id):
        if stat.start_time and stat.end_time:
            stage = stage_of(stat.step_key)
            stages[stage] = stages.get(stage, 0.0) + (stat.end_time - stat.start_time)
    order = ["ingest", "validation", "dbt", "publish", "other"]
    return {k: round(stages[k], 2) for k in order if k in stages}


def dagster_instance(settings: Settings) -> dg.DagsterInstance:
    """The instance `make dev` shows: DAGSTER_HOME, by default .dagster_home/ of the project,
    with the deploy/ settings when it has none of its own."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(DAGSTER_INSTANCE_YAML, home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return dg.DagsterInstance.get()


def run_refresh() -> RefreshSummary:
    settings = load_settings()
    # The dbt manifest is prepared here, before the code location is loaded: importing the
    # definitions never parses the project.
    ensure_manifest(settings.dbt_target_dir)
    from .definitions import defs

    job = defs.resolve_job_def("nightly_refresh")
    log.debug("raw folder %s → warehouse %s", settings.raw_dir, settings.warehouse)
    started = time.monotonic()
    with dagster_instance(settings) as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            # Dagster's event log stays in the instance (the UI shows every warning); the
            # console gets our progress lines, which say each loader's finding once.
            run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}},
            # This process sends the alert itself; the daemon's run-status sensors skip the run.
            tags={STARTED_BY_TAG: "hansyn refresh", ALERT_SENT_BY_TAG: "hansyn refresh"},
        )
        stages = _stage_seconds(instance, result.run_id)
        alert = alert_for_run(instance, result.run_id, settings)
    summary = RefreshSummary(
        run_id=result.run_id,
        success=result.success,
        published=False,
        marts_dir=str(settings.marts_dir),
        stage_seconds=stages,
        wall_seconds=round(time.monotonic() - started, 2),
        alert=alert.subject if alert else None,
    )
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.STEP_FAILURE:
            error = event.step_failure_data.error
            summary.failures.append(f"{event.step_key}: {cause_in_words(error_chain(error))}")
    for mat in result.asset_materializations_for_node("published_marts"):
        summary.published = True
        summary.tables = mat.metadata["tables"].value
        for name in ("repaired", "cleaned_up"):
            if name in mat.metadata:
                setattr(summary, name, list(mat.metadata[name].value))
    if not summary.published and current_version(settings.marts_dir):
        summary.damaged = damage(settings.marts_dir)
    if settings.warehouse.exists():
        with warehouse(settings, read_only=True) as con:
            last = (
                None
                if summary.published or not result.success
                else nothing_new_since(con, settings)
            )
            if last is not None:
                # The published files are those of the last publication, and still current.
                summary.published = True
                summary.tables = last.tables
                summary.nothing_new_since = f"{last.at:%Y-%m-%d %H:%M}"
            # A sole trader's number in a file name: XXXXXXXXXX on the console too.
            summary.files = [
                tuple(published_text(value) for value in row)
                for row in con.execute(
                    "select source, file_name, status, rows_loaded, rows_rejected, message "
                    "from audit.load_log where run_id = ? order by source, file_name",
                    [result.run_id],
                ).fetchall()
            ]
    return summary
