"""Sending an alert: by e-mail (SMTP, optionally STARTTLS and login) and to a webhook (JSON POST).
Delivery never raises: a mail server that is down is logged, the run goes on, and what a channel
could not deliver waits in the outbox (`outbox`) to be sent again by the next night's alert."""

from __future__ import annotations

import datetime as dt
import json
import smtplib
import ssl
import urllib.request
from email.message import EmailMessage
from pathlib import Path

from ..config import AlertSettings
from ..sources.personnummer import masked_logger
from .messages import Alert
from .outbox import Undelivered, held

log = masked_logger("hansyn.alerts")

TIMEOUT_SECONDS = 30


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


def _channels(settings: AlertSettings) -> dict[str, str | None]:
    """The configured channels, each with why it cannot send (None: it can)."""
    channels: dict[str, str | None] = {}
    if settings.recipients:
        channels["email"] = None if settings.smtp_host else "HANSYN_SMTP_HOST is not set"
    if settings.webhook_url:
        channels["webhook"] = None
    return channels


_SEND = {"email": send_email, "webhook": post_webhook}
_DONE = {"email": "e-mailed to {to}", "webhook": "posted to the webhook"}
_FAILED = {"email": "could not be e-mailed", "webhook": "could not be posted to the webhook"}


def _send_all(
    alert: Alert | None, settings: AlertSettings, waiting: list[Undelivered], today: str
) -> dict[str, str]:
    """Per channel: the alerts waiting in the outbox first (oldest first), then this one. A
    delivered alert leaves `waiting`, an undelivered one joins it. Once a channel fails, the
    rest of its alerts wait without being tried (a mail server that timed out once would only
    time out again)."""
    outcome: dict[str, str] = {}
    to = ", ".join(settings.recipients)
    for channel, failure in _channels(settings).items():
        send = _SEND[channel]
        queued = [w for w in waiting if w.channel == channel]
        for w in queued:
            try:
                again = w.resent(today)
            except (KeyError, TypeError) as e:  # a hand-edited line: the others still go out
                waiting.remove(w)
                log.error("alert outbox: an entry is not an alert, dropped (%r): %s", e, w)
                continue
            if failure is None:
                try:
                    send(again, settings)
                    waiting.remove(w)
                    log.info("alert for run %s, not delivered on %s, %s now", w.alert["run_id"],
                             w.not_delivered_on, _DONE[channel].format(to=to))  # fmt: skip
                    continue
                except Exception as e:  # any failure to deliver is logged, never raised
                    failure = repr(e)
            w.attempts += 1
            w.error = failure
            log.error("alert for run %s, not delivered on %s, %s again: %s; it waits for the "
                      "next night", w.alert["run_id"], w.not_delivered_on, _FAILED[channel],
                      failure)  # fmt: skip
        if queued:
            sent_again = sum(1 for w in queued if w not in waiting)
            outcome[f"{channel}_sent_again"] = f"{sent_again} of {len(queued)}"
        if alert is None:
            continue
        if failure is None:
            try:
                send(alert, settings)
                outcome[channel] = "sent"
                log.info("alert for run %s %s", alert.run_id, _DONE[channel].format(to=to))
                continue
            except Exception as e:
                failure = repr(e)
        outcome[channel] = f"failed: {failure}"
        waiting.append(Undelivered.of(channel, alert, today, failure))
        log.error("alert for run %s %s: %s; it waits in the outbox for the next night",
                  alert.run_id, _FAILED[channel], failure)  # fmt: skip
    return outcome


def deliver(
    alert: Alert | None,
    settings: AlertSettings,
    outbox: Path | None = None,
    today: dt.date | None = None,
) -> dict[str, str]:
    """Send by every configured channel; returns channel → 'sent' or the error (and, for a
    channel with alerts waiting in `outbox`, '<channel>_sent_again' → 'n of m'). With an
    outbox, what a channel could not deliver is kept there and sent again by the next call,
    before its own alert (`alert` None: only those). Never raises."""
    today_iso = (today or dt.date.today()).isoformat()
    if not _channels(settings):
        if alert is not None:
            # Its subject only: what the text names, the run's summary and the loaders' lines say.
            log.warning(
                "alert for run %s not sent (no HANSYN_ALERT_TO nor HANSYN_ALERT_WEBHOOK_URL "
                "set): %s",
                alert.run_id,
                alert.subject,
            )
        return {}
    if outbox is None:
        return _send_all(alert, settings, [], today_iso)
    outcome: dict[str, str] | None = None
    try:
        with held(outbox) as waiting:
            outcome = _send_all(alert, settings, waiting, today_iso)
    except Exception as e:  # the outbox cannot be read or written: tonight's goes all the same
        log.error("the alert outbox %s could not be used (%r): alerts not delivered now are "
                  "not kept for the next night", outbox, e)  # fmt: skip
    if outcome is None:
        outcome = _send_all(alert, settings, [], today_iso)
    return outcome
