"""A Dagster run's alert: what its event log says failed (checks, steps) and whether it
published, joined with its load log into the message of `hansyn.alerts`, then delivered."""

from __future__ import annotations

import dagster as dg

from hansyn.alerts.delivery import deliver
from hansyn.alerts.messages import (
    Alert,
    FailedCheck,
    FailedStep,
    Problem,
    build_alert,
    cause_in_words,
    run_loads,
)
from hansyn.alerts.missing_reports import reminder_problems
from hansyn.alerts.outbox import outbox_path
from hansyn.alerts.pipeline_changes import pipeline_problems
from hansyn.config import Settings, load_settings
from hansyn.publishing.versions import current_version, damage
from hansyn.sources.personnummer import masked_logger

log = masked_logger("hansyn.alerts")

PUBLISH_ASSET = "published_marts"
# Tag on runs whose alert the starting process sends itself (hansyn refresh), so that the
# run-status sensors of a running daemon do not send a second one.
ALERT_SENT_BY_TAG = "hansyn/alert_sent_by"
STARTED_BY_TAG = "hansyn/started_by"


def _meta_value(metadata: dict, name: str):
    value = metadata.get(name)
    return getattr(value, "value", value)


def publication_problems(instance, run_id: str, settings: Settings) -> list[Problem]:
    """What the run's publication repaired or removed (a damaged or half-written earlier one),
    from the publish asset's metadata; or, when it published nothing, what is still wrong with
    the published files (the night could not make them whole)."""
    problems = []
    if not published_in_run(instance, run_id) and current_version(settings.marts_dir):
        for what in damage(settings.marts_dir):
            problems.append(
                Problem(
                    "publication_damaged", None, None,
                    f"the published files are damaged and were not republished: {what}",
                    blocking=True,
                )
            )  # fmt: skip
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
        materialization = entry.dagster_event.event_specific_data.materialization
        if materialization.asset_key != dg.AssetKey(PUBLISH_ASSET):
            continue
        metadata = dict(materialization.metadata or {})
        for what in _meta_value(metadata, "cleaned_up") or []:
            problems.append(Problem("publication_repaired", None, None, f"removed {what}"))
        for what in _meta_value(metadata, "repaired") or []:
            problems.append(
                Problem("publication_repaired", None, None, f"repaired the publication: {what}")
            )
    return problems


def run_findings(instance, run_id: str) -> tuple[list[FailedCheck], list[FailedStep], bool]:
    """Failed checks, failed steps and whether the marts were published, from the event log."""
    checks: list[FailedCheck] = []
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = entry.dagster_event.event_specific_data
        if evaluation.passed:
            continue
        metadata = dict(evaluation.metadata or {})
        rows = _meta_value(metadata, "rows")
        if rows is None:
            rows = _meta_value(metadata, "dagster_dbt/failed_row_count")
        detail = _meta_value(metadata, "detail") or evaluation.description or "failed"
        checks.append(
            FailedCheck(
                asset=evaluation.asset_key.to_user_string(),
                check_name=evaluation.check_name,
                detail=str(detail),
                blocking=bool(evaluation.blocking)
                and evaluation.severity == dg.AssetCheckSeverity.ERROR,
                source=_meta_value(metadata, "source") or None,
                file_name=_meta_value(metadata, "file_name") or None,
                rows=int(rows) if isinstance(rows, int | float) else None,
            )
        )
    steps: list[FailedStep] = []
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_FAILURE):
        error = entry.dagster_event.event_specific_data.error
        # A failed blocking check fails its step; the check itself is reported above.
        if error is not None and error.cls_name == "DagsterAssetCheckFailedError":
            continue
        steps.append(FailedStep(entry.dagster_event.step_key, cause_in_words(error_chain(error))))
    return checks, steps, published_in_run(instance, run_id)


def published_in_run(instance, run_id: str) -> bool:
    return any(
        entry.dagster_event.asset_key == dg.AssetKey(PUBLISH_ASSET)
        for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
    )


def error_chain(error) -> list[tuple[str, str]]:
    """A Dagster error and its causes as (class name, message), outermost first."""
    chain: list[tuple[str, str]] = []
    while error is not None and len(chain) < 20:
        chain.append((error.cls_name or "", error.message or ""))
        error = error.cause or error.context
    return chain


def started_by(tags: dict[str, str]) -> str | None:
    if tags.get(STARTED_BY_TAG):
        return tags[STARTED_BY_TAG]
    if tags.get("dagster/schedule_name"):
        return f"the schedule {tags['dagster/schedule_name']}"
    if tags.get("dagster/sensor_name"):
        return f"the sensor {tags['dagster/sensor_name']}"
    return None


def alert_for_run(instance, run_id: str, settings: Settings | None = None) -> Alert | None:
    """Build and send the run's alert, if it has anything to report, after the alerts that
    earlier runs could not deliver (the outbox; sent even when this run has nothing to say).
    Never raises."""
    try:
        settings = settings or load_settings()
    except Exception:
        log.exception("alert for run %s: the settings could not be read", run_id)
        return None
    alert = None
    try:
        alert = _build(instance, run_id, settings)
        if alert is None:
            log.debug("run %s: nothing to report, no alert", run_id)
    except Exception:
        log.exception("alert for run %s could not be built", run_id)
    outcome = deliver(alert, settings.alerts, outbox=outbox_path(settings))
    if alert is not None:
        alert.delivery = outcome
    return alert


def _build(instance, run_id: str, settings: Settings) -> Alert | None:
    try:
        loads = run_loads(settings, run_id)
    except Exception as e:  # a locked or broken warehouse must not hide the rest
        log.error("alert for run %s: the load log could not be read: %r", run_id, e)
        loads = []
    try:
        missing_reports = reminder_problems(settings, run_id)
    except Exception as e:
        log.error("alert for run %s: the missing reports could not be read: %r", run_id, e)
        missing_reports = []
    try:
        contracts = pipeline_problems(settings, run_id)
    except Exception as e:
        log.error("alert for run %s: the contracts to follow up could not be read: %r", run_id, e)
        contracts = []
    checks, steps, published = run_findings(instance, run_id)
    run = instance.get_run_by_id(run_id)
    return build_alert(
        run_id,
        loads,
        checks,
        steps,
        settings.alerts,
        published=published,
        started_by=started_by(dict(run.tags)) if run else None,
        marts_dir=str(settings.marts_dir),
        missing_reports=missing_reports,
        contracts=contracts,
        publication=publication_problems(instance, run_id, settings),
    )
