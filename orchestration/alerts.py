"""Alerts to the project office: one message per run that refused a file, rejected rows, failed a
check or a step; sent by e-mail (SMTP) and to a webhook (JSON POST). Never breaks the run.

Runs started by the schedule or the sensor are alerted by the run-status sensors in
`orchestration/sensors.py`; `hansyn refresh` calls `alert_for_run` itself after its run. Failed
asset checks do not fail a Dagster run, so the message is built from the run's own records
(the load log and the check evaluations), whatever the run's status.

Problems with a file (refused, duplicate, rejected rows) are reported the first time they
appear: a refused file stays in the raw folder (the pipeline never deletes a delivery) and would
otherwise be reported every night. Failed checks and failed steps are reported on every run.
"""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
import urllib.request
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage

from .config import AlertSettings, Settings, load_settings

log = logging.getLogger("hansyn.alerts")

PUBLISH_ASSET = "published_marts"
# Tag on runs whose alert the starting process sends itself (hansyn refresh), so that the
# run-status sensors of a running daemon do not send a second one.
ALERT_SENT_BY_TAG = "hansyn/alert_sent_by"
STARTED_BY_TAG = "hansyn/started_by"
TIMEOUT_SECONDS = 30


@dataclass
class FileLoad:
    """One row of audit.load_log for the run, and whether this outcome is new."""

    source: str
    file_name: str
    status: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    message: str = ""
    first_seen: bool = True


@dataclass
class FailedCheck:
    asset: str
    check_name: str
    detail: str
    blocking: bool = False
    source: str | None = None
    file_name: str | None = None
    rows: int | None = None


@dataclass
class FailedStep:
    step_key: str
    error: str


@dataclass
class Problem:
    kind: str  # refused | duplicate | rejected_rows | check_failed | step_failed
    source: str | None
    file_name: str | None
    what: str
    rows: int | None = None
    blocking: bool = False

    def line(self) -> str:
        where = "/".join(p for p in (self.source, self.file_name) if p) or "run"
        return f"- {where}: {self.what}"


@dataclass
class Alert:
    run_id: str
    run_url: str
    subject: str
    text: str
    published: bool | None
    problems: list[Problem] = field(default_factory=list)

    def payload(self) -> dict:
        """JSON for the webhook: plain fields for Power Automate or any endpoint, `text` for a
        Teams incoming webhook, and an Adaptive Card for a Teams Workflows webhook."""
        card = {
            "type": "AdaptiveCard",
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": "1.4",
            "body": [
                {"type": "TextBlock", "text": self.subject, "weight": "Bolder", "wrap": True},
                *({"type": "TextBlock", "text": p.line(), "wrap": True} for p in self.problems),
            ],
            "actions": [{"type": "Action.OpenUrl", "title": "Open the run", "url": self.run_url}],
        }
        return {
            "title": self.subject,
            "summary": self.subject,
            "text": self.text,
            "run_id": self.run_id,
            "run_url": self.run_url,
            "published": self.published,
            "problems": [asdict(p) for p in self.problems],
            "type": "message",
            "attachments": [
                {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
            ],
        }


# --- building the message --------------------------------------------------------------------


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def file_problems(loads: list[FileLoad], rejected_threshold: int) -> list[Problem]:
    """Refused and duplicate files and rejected rows above the threshold, when new in this run."""
    problems = []
    for f in loads:
        if not f.first_seen:
            continue
        if f.status == "refused":
            problems.append(
                Problem("refused", f.source, f.file_name, f"file refused, not loaded: {f.message}")
            )
        elif f.status == "duplicate":
            problems.append(
                Problem("duplicate", f.source, f.file_name, f"duplicate delivery: {f.message}")
            )
        elif f.rows_rejected > rejected_threshold:
            problems.append(
                Problem(
                    "rejected_rows",
                    f.source,
                    f.file_name,
                    f"{f.rows_rejected} of {f.rows_read} rows rejected, the rest loaded "
                    f"({f.message}); the rows are in audit.rejected_rows",
                    rows=f.rows_rejected,
                )
            )
    return problems


def check_problems(checks: list[FailedCheck]) -> list[Problem]:
    problems = []
    for c in checks:
        rows = f" ({_plural(c.rows, 'row')})" if c.rows is not None and c.rows >= 0 else ""
        blocking = " (blocking: nothing new published)" if c.blocking else ""
        problems.append(
            Problem(
                "check_failed",
                c.source or c.asset,
                c.file_name,
                f"check {c.check_name} failed{blocking}: {c.detail}{rows}",
                rows=c.rows if c.rows is not None and c.rows >= 0 else None,
                blocking=c.blocking,
            )
        )
    return problems


def build_alert(
    run_id: str,
    loads: list[FileLoad],
    failed_checks: list[FailedCheck],
    failed_steps: list[FailedStep],
    settings: AlertSettings,
    published: bool | None = None,
    started_by: str | None = None,
    marts_dir: str | None = None,
) -> Alert | None:
    """The run's one message, or None when there is nothing to report."""
    problems = file_problems(loads, settings.rejected_rows_threshold)
    problems += check_problems(failed_checks)
    problems += [
        Problem("step_failed", None, None, f"step {s.step_key} failed: {s.error}", blocking=True)
        for s in failed_steps
    ]
    if not problems:
        return None
    run_url = f"{settings.run_url_base}/runs/{run_id}"
    counts = {}
    for p in problems:
        counts[p.kind] = counts.get(p.kind, 0) + 1
    parts = []
    if counts.get("refused"):
        parts.append(_plural(counts["refused"], "file") + " refused")
    if counts.get("duplicate"):
        parts.append(_plural(counts["duplicate"], "duplicate file"))
    if counts.get("rejected_rows"):
        rows = sum(p.rows or 0 for p in problems if p.kind == "rejected_rows")
        parts.append(f"{_plural(rows, 'row')} rejected")
    if counts.get("check_failed"):
        parts.append(_plural(counts["check_failed"], "check") + " failed")
    if counts.get("step_failed"):
        parts.append(_plural(counts["step_failed"], "step") + " failed")
    blocked = any(p.blocking for p in problems)
    if published is False or (published is None and blocked):
        headline = "NOT PUBLISHED"
        outcome = (
            "Nothing new was published: the last good published files"
            + (f" in {marts_dir}" if marts_dir else "")
            + " are unchanged, byte for byte."
        )
    else:
        headline = "published"
        outcome = (
            "The rest was loaded and published, as if the refused or rejected data had not arrived."
        )
    subject = f"hansyn: {headline} – {', '.join(parts)} (run {run_id[:8]})"
    lines = [
        f"hansyn, run {run_id}" + (f" (started by {started_by})" if started_by else ""),
        "",
        outcome,
        "",
        "What needs attention:",
        *(p.line() for p in problems),
        "",
        f"The run in Dagster: {run_url}",
        "Every file's status is in the published table load_quality; rejected rows, with file, "
        "row and reason, are in the warehouse table audit.rejected_rows.",
    ]
    return Alert(
        run_id=run_id,
        run_url=run_url,
        subject=subject,
        text="\n".join(lines) + "\n",
        published=published if published is not None else not blocked,
        problems=problems,
    )


# --- sending -----------------------------------------------------------------------------------


def send_email(alert: Alert, settings: AlertSettings) -> None:
    message = EmailMessage()
    message["Subject"] = alert.subject
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.recipients)
    message.set_content(alert.text)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(message)


def post_webhook(alert: Alert, settings: AlertSettings) -> None:
    request = urllib.request.Request(
        settings.webhook_url,
        data=json.dumps(alert.payload(), ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        if not 200 <= response.status < 300:
            raise OSError(f"the webhook answered HTTP {response.status}")


def deliver(alert: Alert, settings: AlertSettings) -> dict[str, str]:
    """Send by every configured channel; returns channel → 'sent' or the error. Never raises."""
    outcome: dict[str, str] = {}
    if settings.recipients and settings.smtp_host:
        try:
            send_email(alert, settings)
            outcome["email"] = "sent"
            to = ", ".join(settings.recipients)
            log.info("alert for run %s e-mailed to %s", alert.run_id, to)
        except Exception as e:  # any failure to deliver is logged, never raised
            outcome["email"] = f"failed: {e!r}"
            log.error("alert for run %s could not be e-mailed: %r", alert.run_id, e)
    elif settings.recipients:
        outcome["email"] = "failed: HANSYN_SMTP_HOST is not set"
        log.error("alert for run %s not e-mailed: HANSYN_SMTP_HOST is not set", alert.run_id)
    if settings.webhook_url:
        try:
            post_webhook(alert, settings)
            outcome["webhook"] = "sent"
            log.info("alert for run %s posted to the webhook", alert.run_id)
        except Exception as e:
            outcome["webhook"] = f"failed: {e!r}"
            log.error("alert for run %s could not be posted to the webhook: %r", alert.run_id, e)
    if not outcome:
        log.warning(
            "alert for run %s not sent: no HANSYN_ALERT_TO nor HANSYN_ALERT_WEBHOOK_URL set\n%s",
            alert.run_id,
            alert.text,
        )
    return outcome


# --- what a run did ----------------------------------------------------------------------------


def run_loads(settings: Settings, run_id: str) -> list[FileLoad]:
    """The run's rows of audit.load_log; first_seen is false when an earlier run had the same
    file, content and outcome."""
    from .ingest import warehouse

    if not settings.warehouse.exists():
        return []
    with warehouse(settings, read_only=True) as con:
        has_log = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'audit' and table_name = 'load_log'"
        ).fetchone()[0]
        if not has_log:
            return []
        rows = con.execute(
            """
            select
                l.source, l.file_name, l.status, l.rows_read, l.rows_loaded, l.rows_rejected,
                coalesce(l.message, ''),
                not exists (
                    select 1 from audit.load_log as p
                    where p.source = l.source and p.file_name = l.file_name
                        and p.file_sha256 = l.file_sha256 and p.status = l.status
                        and p.rows_rejected = l.rows_rejected
                        and p.run_id <> l.run_id and p.loaded_at <= l.loaded_at
                )
            from audit.load_log as l
            where l.run_id = ?
            order by l.source, l.file_name
            """,
            [run_id],
        ).fetchall()
    return [FileLoad(*row) for row in rows]


def _meta_value(metadata: dict, name: str):
    value = metadata.get(name)
    return getattr(value, "value", value)


def run_findings(instance, run_id: str) -> tuple[list[FailedCheck], list[FailedStep], bool]:
    """Failed checks, failed steps and whether the marts were published, from the event log."""
    import dagster as dg

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
        first_line = error.message.strip().splitlines()[0] if error and error.message else ""
        steps.append(FailedStep(entry.dagster_event.step_key, first_line))
    published = any(
        entry.dagster_event.asset_key == dg.AssetKey(PUBLISH_ASSET)
        for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
    )
    return checks, steps, published


def started_by(tags: dict[str, str]) -> str | None:
    if tags.get(STARTED_BY_TAG):
        return tags[STARTED_BY_TAG]
    if tags.get("dagster/schedule_name"):
        return f"the schedule {tags['dagster/schedule_name']}"
    if tags.get("dagster/sensor_name"):
        return f"the sensor {tags['dagster/sensor_name']}"
    return None


def alert_for_run(instance, run_id: str, settings: Settings | None = None) -> Alert | None:
    """Build and send the run's alert, if it has anything to report. Never raises."""
    try:
        settings = settings or load_settings()
        try:
            loads = run_loads(settings, run_id)
        except Exception as e:  # a locked or broken warehouse must not hide the rest
            log.error("alert for run %s: the load log could not be read: %r", run_id, e)
            loads = []
        checks, steps, published = run_findings(instance, run_id)
        run = instance.get_run_by_id(run_id)
        alert = build_alert(
            run_id,
            loads,
            checks,
            steps,
            settings.alerts,
            published=published,
            started_by=started_by(dict(run.tags)) if run else None,
            marts_dir=str(settings.marts_dir),
        )
        if alert is None:
            log.info("run %s: nothing to report, no alert", run_id)
            return None
        deliver(alert, settings.alerts)
        return alert
    except Exception:
        log.exception("alert for run %s could not be built", run_id)
        return None
