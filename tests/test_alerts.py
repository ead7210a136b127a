"""Alerts: the message built from a run's records, delivered to a real SMTP server (aiosmtpd, with
and without STARTTLS and login) and a local webhook; an undeliverable alert never raises."""

from __future__ import annotations

import logging
import shutil
import ssl
import subprocess

import pytest
from aiosmtpd.smtp import AuthResult

from hansyn.alerts.delivery import deliver
from hansyn.alerts.messages import FailedCheck, FailedStep, FileLoad, build_alert, file_problems
from hansyn.config import AlertSettings
from orchestration.run_alerts import alert_for_run
from tests.alert_servers import SmtpServer, WebhookServer, free_port, wait_for

RUN = "0123456789abcdef-run"


def settings(**kw) -> AlertSettings:
    base = {
        "recipients": ("projektkontoret@example.se",),
        "sender": "hansyn@example.se",
        "smtp_host": "127.0.0.1",
        "run_url_base": "http://dagster.example:3000",
    }
    return AlertSettings(**{**base, **kw})


def load(file_name, status="loaded", read=10, loaded=10, rejected=0, message="", first=True):
    return FileLoad("upphandlingsmyndigheten", file_name, status, read, loaded, rejected, message,
                    first)  # fmt: skip


def test_clean_run_builds_no_alert():
    loads = [load("a.csv"), load("b.csv", read=3, loaded=3)]
    assert build_alert(RUN, loads, [], [], settings(), published=True) is None


def test_refused_duplicate_and_rejected_rows_each_named_with_file_and_rows():
    loads = [
        load("a.csv"),
        load("b.csv", "refused", 0, 0, 0, "missing columns: 'År'"),
        load("c.csv", "duplicate", 0, 0, 0, "same content as a.csv: not counted again"),
        load("d.csv", read=7, loaded=4, rejected=3, message="3 × 'År' is not a whole number: 'x'"),
    ]
    alert = build_alert(RUN, loads, [], [], settings(), published=True)
    assert alert.published is True
    # 1 refused, 1 duplicate, 3 rejected rows; published (nothing blocked).
    assert alert.subject == (
        "hansyn: published – 1 file refused, 1 duplicate file, 3 rows rejected (run 01234567)"
    )
    assert "- upphandlingsmyndigheten/b.csv: file refused, not loaded: missing columns: 'År'" in (
        alert.text
    )
    assert (
        "- upphandlingsmyndigheten/c.csv: duplicate delivery: same content as a.csv: "
        "not counted again" in alert.text
    )
    assert (
        "- upphandlingsmyndigheten/d.csv: 3 of 7 rows rejected, the rest loaded "
        "(3 × 'År' is not a whole number: 'x'); the rows are in audit.rejected_rows" in alert.text
    )
    assert "http://dagster.example:3000/runs/0123456789abcdef-run" in alert.text
    assert "upphandlingsmyndigheten/a.csv" not in alert.text
    assert [p.kind for p in alert.problems] == ["refused", "duplicate", "rejected_rows"]
    assert alert.problems[2].rows == 3


def test_rejected_rows_alert_only_above_the_threshold():
    loads = [load("d.csv", read=7, loaded=4, rejected=3, message="3 × bad")]
    # 3 rejected: threshold 0 and 2 alert (3 > 2), threshold 3 does not (3 is not above 3).
    assert len(file_problems(loads, 0)) == 1
    assert len(file_problems(loads, 2)) == 1
    assert file_problems(loads, 3) == []


def test_file_problem_seen_in_an_earlier_run_is_not_repeated():
    loads = [load("b.csv", "refused", 0, 0, 0, "missing columns: 'År'", first=False)]
    assert build_alert(RUN, loads, [], [], settings(), published=True) is None


def test_failed_blocking_check_says_nothing_published():
    check = FailedCheck(
        asset="raw/avtalsregister__contracts",
        check_name="row_count_vs_previous_snapshot",
        detail="avtalsregister_2026-04-30.csv has 3 rows; at least 8 expected",
        blocking=True,
        source="avtalsregister",
        file_name="avtalsregister_2026-04-30.csv",
        rows=3,
    )
    alert = build_alert(RUN, [], [check], [], settings(), published=False, marts_dir="/m")
    assert alert.subject == "hansyn: NOT PUBLISHED – 1 check failed (run 01234567)"
    assert (
        "- avtalsregister/avtalsregister_2026-04-30.csv: check row_count_vs_previous_snapshot "
        "failed (blocking: nothing new published): avtalsregister_2026-04-30.csv has 3 rows; "
        "at least 8 expected (3 rows)" in alert.text
    )
    assert "the last good published files in /m are unchanged, byte for byte" in alert.text
    assert alert.payload()["published"] is False


def test_failed_step_and_warning_check_are_reported():
    warn = FailedCheck("marts/i1", "not_null_i1_year", "failed", blocking=False, rows=2)
    step = FailedStep("hansyn_dbt_assets", "The dbt CLI process failed with exit code 1")
    alert = build_alert(RUN, [], [warn], [step], settings(), published=False)
    assert "- marts/i1: check not_null_i1_year failed: failed (2 rows)" in alert.text
    assert "- run: step hansyn_dbt_assets failed: The dbt CLI process failed" in alert.text
    assert alert.subject.startswith("hansyn: NOT PUBLISHED – 1 check failed, 1 step failed")


def _alert():
    loads = [load("b.csv", "refused", 0, 0, 0, "missing columns: 'Upphandlings-ID'")]
    return build_alert(RUN, loads, [], [], settings(), published=True)


def test_delivered_by_smtp_and_webhook():
    with SmtpServer() as smtp, WebhookServer() as web:
        s = settings(
            recipients=("a@example.se", "b@example.se"),
            smtp_port=smtp.port,
            webhook_url=web.hook.url,
        )
        outcome = deliver(_alert(), s)
        assert outcome == {"email": "sent", "webhook": "sent"}
        assert wait_for(lambda: len(smtp.mailbox.messages) == 1)
        message = smtp.mailbox.messages[0]
        assert smtp.mailbox.envelopes[0]["to"] == ["a@example.se", "b@example.se"]
        assert message["From"] == "hansyn@example.se"
        assert message["Subject"] == "hansyn: published – 1 file refused (run 01234567)"
        assert (
            "upphandlingsmyndigheten/b.csv: file refused, not loaded: missing columns: "
            in (smtp.mailbox.bodies()[0])
        )
        post = web.hook.posts[0]
        assert post["path"] == "/alerts"
        assert post["content_type"].startswith("application/json")
        body = post["json"]
        assert body["title"] == message["Subject"]
        assert body["run_url"] == "http://dagster.example:3000/runs/0123456789abcdef-run"
        assert body["problems"] == [
            {"kind": "refused", "source": "upphandlingsmyndigheten", "file_name": "b.csv",
             "what": "file refused, not loaded: missing columns: 'Upphandlings-ID'",
             "rows": None, "blocking": False}
        ]  # fmt: skip
        assert body["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl to make a certificate")
def test_smtp_with_starttls_and_login(tmp_path, monkeypatch):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    # The client verifies the server's certificate: trust this one.
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        ok = auth_data.login == b"hansyn" and auth_data.password == b"hemligt"
        return AuthResult(success=ok)

    with SmtpServer(
        tls_context=server_tls,
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
    ) as smtp:
        s = settings(
            smtp_port=smtp.port, smtp_starttls=True, smtp_user="hansyn", smtp_password="hemligt"
        )
        assert deliver(_alert(), s) == {"email": "sent"}
        assert wait_for(lambda: len(smtp.mailbox.messages) == 1)
        assert logins == [(b"hansyn", b"hemligt")]
        # Without STARTTLS the server refuses to take the message.
        plain = settings(smtp_port=smtp.port, smtp_user="hansyn", smtp_password="hemligt")
        assert deliver(_alert(), plain)["email"].startswith("failed")
        assert len(smtp.mailbox.messages) == 1


def test_undeliverable_alert_is_logged_and_never_raises(caplog):
    closed = free_port()  # nothing listens there
    with WebhookServer() as web:
        web.hook.status = 500
        s = settings(smtp_port=closed, webhook_url=web.hook.url)
        with caplog.at_level(logging.ERROR, logger="hansyn.alerts"):
            outcome = deliver(_alert(), s)
    assert outcome["email"].startswith("failed: ConnectionRefusedError")
    assert outcome["webhook"].startswith("failed: ")
    assert "500" in outcome["webhook"]
    assert "could not be e-mailed" in caplog.text
    assert "could not be posted to the webhook" in caplog.text


def test_recipients_without_smtp_host_is_an_error_not_a_crash(caplog):
    with caplog.at_level(logging.ERROR, logger="hansyn.alerts"):
        outcome = deliver(_alert(), settings(smtp_host=None))
    assert outcome == {"email": "failed: HANSYN_SMTP_HOST is not set"}


def test_alert_for_run_never_raises(hansyn_env, caplog):
    class BrokenInstance:
        def all_logs(self, *a, **kw):
            raise RuntimeError("the event log is gone")

    with caplog.at_level(logging.ERROR, logger="hansyn.alerts"):
        assert alert_for_run(BrokenInstance(), "some-run") is None
    assert "could not be built" in caplog.text
