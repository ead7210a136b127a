"""The outbox: the alerts a channel (e-mail, webhook) could not deliver, kept until a later night
delivers them; one JSON line per alert and channel.

It lives in DAGSTER_HOME (`alert_outbox.jsonl`), not in the warehouse: both senders share that
folder (`hansyn refresh` and the daemon's run-status sensors), it outlives the warehouse (which
an operator deletes for an erasure request), and an alert must not depend on the warehouse being
readable or writable (a locked warehouse or a full disk is what it may be about). It holds the
alerts as they were built, so no personnummer: an alert's file names and messages are masked
(`messages.Problem`) before anything is said, stored or sent."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from ..config import Settings
from ..sources.personnummer import masked_logger
from .messages import Alert, Problem

log = masked_logger("hansyn.alerts")

OUTBOX_FILE = "alert_outbox.jsonl"


def outbox_path(settings: Settings) -> Path:
    return settings.dagster_home / OUTBOX_FILE


@dataclass
class Undelivered:
    """An alert one channel could not deliver: since which night, the last error, and at how
    many deliveries it was due (a channel that just failed is not tried again the same call)."""

    channel: str  # email | webhook
    alert: dict
    not_delivered_on: str  # the date (ISO) of the first failed delivery
    error: str
    attempts: int = 1

    @classmethod
    def of(cls, channel: str, alert: Alert, on: str, error: str) -> Undelivered:
        fields = {k: getattr(alert, k) for k in ("run_id", "run_url", "subject", "text")}
        fields["published"] = alert.published
        fields["problems"] = [asdict(p) for p in alert.problems]
        return cls(channel, fields, on, error)

    def resent(self, today: str) -> Alert:
        """The alert as sent again: its subject and first line say when it was not delivered."""
        a = self.alert
        later = (
            f", nor at {self.attempts - 1} later {'attempt' if self.attempts == 2 else 'attempts'}"
            if self.attempts > 1
            else ""
        )
        note = (
            f"This alert could not be delivered on {self.not_delivered_on} ({self.error}){later}; "
            f"sent again on {today}.\n\n"
        )
        return Alert(
            run_id=a["run_id"],
            run_url=a["run_url"],
            subject=f"[not delivered on {self.not_delivered_on}, sent again] {a['subject']}",
            text=note + a["text"],
            published=a["published"],
            problems=[Problem(**p) for p in a["problems"]],
            not_delivered_on=self.not_delivered_on,
        )


def _read(path: Path) -> list[Undelivered]:
    if not path.exists():
        return []
    waiting = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            waiting.append(Undelivered(**json.loads(line)))
        except (ValueError, TypeError) as e:  # a hand edit: the other alerts still go out
            log.error("alert outbox %s, line %d is not an alert, dropped (%r): %s",
                      path, number, e, line)  # fmt: skip
    return waiting


def _write(path: Path, waiting: list[Undelivered]) -> None:
    """Replaced in one step: a process killed while writing leaves the old outbox whole."""
    part = path.with_name(path.name + ".part")
    with open(part, "w", encoding="utf-8") as f:
        for w in waiting:
            f.write(json.dumps(asdict(w), ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(part, path)


@contextmanager
def held(path: Path) -> Iterator[list[Undelivered]]:
    """The waiting alerts, for one sender at a time (a lock beside the file); what the caller
    leaves in the list is written back."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        waiting = _read(path)
        yield waiting
        _write(path, waiting)
