"""Sending an alert: by e-mail (SMTP, optionally STARTTLS and login) and to a webhook (JSON POST).
Delivery never raises: a mail server that is down is logged, the run goes on."""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
import urllib.request
from email.message import EmailMessage

from ..config import AlertSettings
from .messages import Alert

log = logging.getLogger("hansyn.alerts")

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
        # Its subject only: what the text names, the run's summary and the loaders' lines say.
        log.warning(
            "alert for run %s not sent (no HANSYN_ALERT_TO nor HANSYN_ALERT_WEBHOOK_URL set): %s",
            alert.run_id,
            alert.subject,
        )
    return outcome
