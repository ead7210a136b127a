"""The alert to the project office: one message for a run that refused a file, rejected rows,
failed a check or a step (sending it: `delivery`).

Runs started by the schedule or the sensor are alerted by the run-status sensors in
`orchestration/sensors.py`; `hansyn refresh` calls `alert_for_run` (`orchestration/run_alerts.py`)
itself after its run. Failed
asset checks do not fail a Dagster run, so the message is built from the run's own records
(the load log and the check evaluations), whatever the run's status.

Problems with a file (refused, duplicate, rejected rows) are reported the first time they
appear: a refused file stays in the raw folder (the pipeline never deletes a delivery) and would
otherwise be reported every night. Failed checks and failed steps are reported on every run.
An alert a channel could not deliver waits in the outbox (`outbox`) and goes out again, marked
"not delivered on <date>, sent again", before the next run's own alert.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from ..config import AlertSettings, Settings
from ..sources.personnummer import masked_logger, published_text
from ..warehouse import warehouse

log = masked_logger("hansyn.alerts")


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
    # The file's rejected rows as (line, reason), from audit.rejected_rows.
    rejected: list[tuple[int, str]] = field(default_factory=list)


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


# What the office can act on, recognised in an error and its causes (the text of every error in
# the chain: a dbt step's error carries dbt's own log lines).
_CAUSES = (
    (
        re.compile(r"No space left on device|\[Errno 28\]|ENOSPC|disk is full", re.I),
        lambda m: "the disk is full (no space left on the device)",
    ),
    (
        re.compile(r"Read-only file system|\[Errno 30\]"),
        lambda m: "the file system is read-only",
    ),
    (
        re.compile(r"Permission denied(?:[^\n']*'([^'\n]+)')?"),
        lambda m: (
            "a folder or file is read-only to hansyn (permission denied"
            + (f": {m.group(1)}" if m.group(1) else "")
            + ")"
        ),
    ),
    (
        re.compile(r"Conflicting lock is held in ([^\n]*?) \(PID (\d+)\)"),
        lambda m: (
            f"the warehouse is locked by another process (PID {m.group(2)}, {m.group(1)}): "
            "another run, or a program holding it open for writing"
        ),
    ),
    (
        re.compile(r"Could not set lock on file \"?([^\"\n]+)\"?"),
        lambda m: f"the file {m.group(1)} is locked by another process",
    ),
)


def cause_in_words(errors: list[tuple[str, str]]) -> str:
    """What went wrong, for the office: `errors` are (class name, message) from the error a
    step raised to its deepest cause. A known cause in words, then the deepest error."""
    deepest = next(((c, m) for c, m in reversed(errors) if m.strip()), ("", ""))
    first_line = deepest[1].strip().splitlines()[0] if deepest[1].strip() else ""
    detail = f"{deepest[0]}: {first_line}" if deepest[0] else first_line
    text = "\n".join(m for _, m in errors)
    for pattern, words in _CAUSES:
        match = pattern.search(text)
        if match:
            return f"{words(match)} ({detail})" if detail else words(match)
    return detail or "failed without a message"


@dataclass
class Problem:
    kind: str  # refused | duplicate | waiting | rejected_rows | check_failed | step_failed |
    # report_missing | contract_alert | publication_repaired | publication_damaged
    source: str | None
    file_name: str | None
    what: str
    rows: int | None = None
    blocking: bool = False

    def __post_init__(self) -> None:
        # A sole trader's report carries their number in its name: the warehouse holds a token
        # in its place, an alert shows XXXXXXXXXX.
        self.file_name = published_text(self.file_name)
        self.what = published_text(self.what)

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
    # Set when the alert is sent again: the date it could not be delivered (`outbox`).
    not_delivered_on: str | None = None
    # Channel → "sent" or why not, once delivered (`delivery.deliver`); not part of the message.
    delivery: dict[str, str] = field(default_factory=dict)

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
            "not_delivered_on": self.not_delivered_on,
            "type": "message",
            "attachments": [
                {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
            ],
        }


# --- building the message --------------------------------------------------------------------


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


# An alert names the first lines of each reason and the first reasons; the rest are counted
# (every row is in audit.rejected_rows): a file of 10 000 bad dates must not become a book.
LINES_PER_REASON = 10
REASONS_NAMED = 5
# The part of a load's message that counts its rejected rows by reason ("3 × 'År' is empty"),
# said line by line instead when the lines are known.
_COUNTED_REASON = re.compile(r"^\d+ × ")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def rejected_lines(rejected: list[tuple[int, str]], word: str = "line") -> str:
    """The lines of a file's rejected rows, grouped by reason in the order of their first line:
    "lines 12, 15 and 40: 'År' is empty; line 17: …" (`word` "row" for a workbook's rows)."""
    by_reason: dict[str, list[int]] = {}
    for line, reason in sorted(rejected):
        by_reason.setdefault(reason, []).append(line)
    parts = []
    for reason, lines in list(by_reason.items())[:REASONS_NAMED]:
        named = [str(n) for n in lines[:LINES_PER_REASON]]
        if len(lines) > LINES_PER_REASON:
            named.append(f"{len(lines) - LINES_PER_REASON} more")
        parts.append(f"{word if len(lines) == 1 else word + 's'} {_and(named)}: {reason}")
    left_out = list(by_reason.values())[REASONS_NAMED:]
    if left_out:
        rows = sum(len(lines) for lines in left_out)
        parts.append(
            f"{_plural(rows, 'more row')} for "
            + ("another reason" if len(left_out) == 1 else f"{len(left_out)} other reasons")
        )
    return "; ".join(parts)


def _rejected_detail(f: FileLoad) -> str:
    """Which lines were rejected and why; the load's own count by reason when the lines are no
    longer in the warehouse. Other notes of the load (masked cells) are kept."""
    if not f.rejected:
        return f.message
    notes = [m for m in f.message.split("; ") if m and not _COUNTED_REASON.match(m)]
    # A workbook's numbers are the rows Excel shows; a text file's are its lines.
    word = "row" if f.file_name.lower().endswith((".xlsx", ".xlsm", ".xls")) else "line"
    return "; ".join([rejected_lines(f.rejected, word), *notes])


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
        elif f.status == "waiting":
            problems.append(Problem("waiting", f.source, f.file_name, f"file {f.message}"))
        elif f.rows_rejected > rejected_threshold:
            problems.append(
                Problem(
                    "rejected_rows",
                    f.source,
                    f.file_name,
                    f"{f.rows_rejected} of {f.rows_read} rows rejected, the rest loaded "
                    f"({_rejected_detail(f)}); the rows are in audit.rejected_rows",
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
    missing_reports: list[Problem] = (),
    publication: list[Problem] = (),
    contracts: list[Problem] = (),
) -> Alert | None:
    """The run's one message, or None when there is nothing to report. `missing_reports`: the
    suppliers whose report for the last due quarter is missing, on the night it falls due
    (`missing_reports.reminder_problems`). `publication`: what the night's publication repaired
    or removed of an earlier one (a deleted file, a killed publication's leftovers).
    `contracts`: the contracts that fell behind pace or entered their last quarter with places
    left, on the night they did (`pipeline_changes.pipeline_problems`)."""
    problems = file_problems(loads, settings.rejected_rows_threshold)
    problems += list(missing_reports)
    problems += list(contracts)
    problems += list(publication)
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
    if counts.get("waiting"):
        parts.append(_plural(counts["waiting"], "file") + " still being written")
    if counts.get("rejected_rows"):
        rows = sum(p.rows or 0 for p in problems if p.kind == "rejected_rows")
        parts.append(f"{_plural(rows, 'row')} rejected")
    if counts.get("check_failed"):
        parts.append(_plural(counts["check_failed"], "check") + " failed")
    if counts.get("step_failed"):
        parts.append(_plural(counts["step_failed"], "step") + " failed")
    if counts.get("report_missing"):
        parts.append(_plural(counts["report_missing"], "supplier report") + " missing")
    if counts.get("contract_alert"):
        parts.append(_plural(counts["contract_alert"], "contract") + " to follow up")
    if counts.get("publication_repaired"):
        parts.append("the last publication repaired")
    if counts.get("publication_damaged"):
        parts.append("the published files are damaged")
    blocked = any(p.blocking for p in problems)
    if counts.get("publication_damaged"):
        headline = "NOT PUBLISHED"
        outcome = (
            "Nothing was published, and the published files"
            + (f" in {marts_dir}" if marts_dir else "")
            + " are not what was published (below): the night could not publish them again."
        )
    elif published is False or (published is None and blocked):
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


# --- what a run did ----------------------------------------------------------------------------


def run_loads(settings: Settings, run_id: str) -> list[FileLoad]:
    """The run's rows of audit.load_log, each with the lines and reasons of the rows it rejected;
    first_seen is false when an earlier run had the same file, content and outcome."""
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
        loads = [FileLoad(*row) for row in rows]
        # The rows this run rejected (a later run that parses the file again replaces them).
        rejected: dict[tuple[str, str], list[tuple[int, str]]] = {}
        for source, file_name, line, reason in con.execute(
            "select source, file_name, row_number, reason from audit.rejected_rows "
            "where run_id = ? order by source, file_name, row_number",
            [run_id],
        ).fetchall():
            rejected.setdefault((source, file_name), []).append((line, reason))
    for f in loads:
        f.rejected = rejected.get((f.source, f.file_name), [])
    return loads
