"""Issue 24, the alerts: an alert that could not be sent is sent the next night (class 12), and
the alert on rejected rows names each file's lines and reasons (class 15)."""

from __future__ import annotations

import datetime as dt
import json

import dagster as dg

from hansyn.alerts.delivery import deliver
from hansyn.alerts.messages import FileLoad, build_alert, rejected_lines, run_loads
from hansyn.alerts.outbox import outbox_path
from hansyn.config import AlertSettings, load_settings
from hansyn.sources import SOURCES
from hansyn.sources.ingest import ingest_source
from orchestration.run_alerts import alert_for_run
from tests.alert_servers import SmtpServer, WebhookServer, free_port
from tests.conftest import write_text
from tests.test_quality_e2e import AGENCY_2025, AGENCY_HEADER, AGENCY_NO_YEAR, agency_row
from tests.test_sensors import source_assets

# --- 12: an alert that could not be sent is sent the next night ------------------------------


def test_an_alert_not_delivered_is_sent_again_the_next_night_per_channel(hansyn_env, monkeypatch):
    """Night 1 refuses a file while the mail server is down (nothing listens on its port) and
    the webhook answers 500: the night still succeeds, and both alerts wait in the outbox.
    Night 2 (the same files: nothing new to report of its own) finds the mail server up: its
    mail is night 1's alert, marked as sent again; the webhook still answers 500, so the webhook's
    copy keeps waiting. Night 3: the webhook answers again and gets it; the mail is not sent a
    second time (delivered alerts leave the outbox)."""
    agency = hansyn_env / "raw" / "upphandlingsmyndigheten"
    write_text(agency / "statistik_2025.csv", AGENCY_2025)
    write_text(agency / "statistik_2024_utan_ar.csv", AGENCY_NO_YEAR)
    smtp = SmtpServer()  # its port is chosen, nothing listens there until it is started
    monkeypatch.setenv("HANSYN_ALERT_TO", "projektkontoret@example.se")
    monkeypatch.setenv("HANSYN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("HANSYN_SMTP_PORT", str(smtp.port))
    assets = source_assets("upphandlingsmyndigheten")
    refused_line = (
        "- upphandlingsmyndigheten/statistik_2024_utan_ar.csv: file refused, not loaded: "
        "missing columns: 'År'"
    )
    with WebhookServer() as web, dg.DagsterInstance.ephemeral() as instance:
        monkeypatch.setenv("HANSYN_ALERT_WEBHOOK_URL", web.hook.url)
        web.hook.status = 500

        def night():
            result = dg.materialize(assets, instance=instance)
            assert result.success  # an alert that cannot be delivered never fails the night
            return result.run_id, alert_for_run(instance, result.run_id)

        day_one = dt.date.today().isoformat()
        first_run, first_alert = night()
        assert first_alert is not None and refused_line in first_alert.text
        assert len(web.hook.posts) == 1  # tried, refused with 500
        waiting = [json.loads(x) for x in outbox_path(load_settings()).read_text().splitlines()]
        assert sorted(e["channel"] for e in waiting) == ["email", "webhook"]
        assert {e["alert"]["run_id"] for e in waiting} == {first_run}

        web.hook.clear()
        with smtp:
            second_run, second_alert = night()
            assert second_alert is None  # the refused file is not new: nothing of its own
            assert len(smtp.mailbox.messages) == 1
            (subject,) = smtp.mailbox.subjects()
            # This run publishes nothing (no dbt in it): "hansyn: NOT PUBLISHED – 1 file …".
            assert first_alert.subject.endswith(f" – 1 file refused (run {first_run[:8]})")
            # (A subject this long is folded in the mail header; unfolded, a space may double.)
            assert " ".join(subject.split()) == (
                f"[not delivered on {day_one}, sent again] {first_alert.subject}"
            )
            body = smtp.mailbox.bodies()[0].replace("\r\n", "\n")
            assert body.startswith(f"This alert could not be delivered on {day_one} (")
            assert refused_line in body
            assert f"hansyn, run {first_run}" in body
            # The webhook was tried again (still 500): its copy waits for another night.
            assert [p["json"]["run_id"] for p in web.hook.posts] == [first_run]

            web.hook.clear()
            web.hook.status = 200
            night()
            assert len(smtp.mailbox.messages) == 1  # the mail was delivered once: not again
            (post,) = web.hook.posts
            assert post["json"]["run_id"] == first_run
            assert post["json"]["not_delivered_on"] == day_one
            assert post["json"]["title"].startswith(f"[not delivered on {day_one}, sent again] ")
            assert refused_line in post["json"]["text"]
    assert outbox_path(load_settings()).read_text() == ""


# --- 15: the alert on rejected rows names the lines ------------------------------------------


def test_rejected_rows_alert_names_each_line_and_its_reason(hansyn_env):
    """A file of six rows, three of them bad: line 3 a year in words, line 5 no id, and after
    a blank line 7 (which counts as a line of the file) line 8 a year with a letter in it."""
    agency = hansyn_env / "raw" / "upphandlingsmyndigheten"
    rows = [agency_row("2024", "A1"), agency_row("tjugo", "A2"), agency_row("2024", "A3"),
            agency_row("2024", ""), "\n", agency_row("2024", "A5"), agency_row("20x4", "A6")]  # fmt: skip
    write_text(agency / "statistik_2024.csv", AGENCY_HEADER + "".join(rows))
    settings = load_settings()
    ingest_source(SOURCES["upphandlingsmyndigheten"], settings, "night-1")
    alert = build_alert("night-1", run_loads(settings, "night-1"), [], [], settings.alerts)
    assert (
        "- upphandlingsmyndigheten/statistik_2024.csv: 3 of 6 rows rejected, the rest loaded ("
        "line 3: 'År' is not a whole number: 'tjugo'; "
        "line 5: 'Upphandlings-ID' is empty; "
        "line 8: 'År' is not a whole number: '20x4'); "
        "the rows are in audit.rejected_rows"
    ) in alert.text
    assert alert.subject == "hansyn: published – 3 rows rejected (run night-1)"


def test_rejected_lines_groups_a_reason_and_counts_what_it_leaves_out():
    """Rows of one reason share a list of lines, at most ten each; at most five reasons, the rest
    counted. 14 empty ids (lines 2–15: ten named, 4 more), then reasons b…f on lines 20–24:
    the sixth reason (f, one row) is left out and counted."""
    rejected = [(n, "'Upphandlings-ID' is empty") for n in range(2, 16)]
    rejected += [(20 + i, f"reason {c}") for i, c in enumerate("bcdef")]
    assert rejected_lines(rejected) == (
        "lines 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 4 more: 'Upphandlings-ID' is empty; "
        "line 20: reason b; line 21: reason c; line 22: reason d; line 23: reason e; "
        "1 more row for another reason"
    )
    assert rejected_lines([(7, "x"), (3, "y"), (9, "x")]) == "line 3: y; lines 7 and 9: x"
    assert rejected_lines([]) == ""


def test_rejected_rows_without_their_lines_still_give_the_reasons():
    """A load-log row whose rejected rows are gone from the warehouse (a later run parsed the
    file again) keeps the reasons counted in its message."""
    load = FileLoad("enkat", "e.csv", "loaded", 5, 4, 1, "1 × 'Svar' is empty", True)
    alert = build_alert("r", [load], [], [], AlertSettings())
    assert (
        "- enkat/e.csv: 1 of 5 rows rejected, the rest loaded (1 × 'Svar' is empty); "
        "the rows are in audit.rejected_rows" in alert.text
    )


def test_a_workbooks_rejected_rows_are_named_as_its_rows():
    """In a workbook the numbers are the rows Excel shows: "rows 4 and 9", not lines."""
    load = FileLoad("avtalsregister", "a.xlsx", "loaded", 9, 7, 2, "2 × 'Avtalsstart' is empty")
    load.rejected = [(4, "'Avtalsstart' is empty"), (9, "'Avtalsstart' is empty")]
    alert = build_alert("r", [load], [], [], AlertSettings())
    assert (
        "- avtalsregister/a.xlsx: 2 of 9 rows rejected, the rest loaded (rows 4 and 9: "
        "'Avtalsstart' is empty); the rows are in audit.rejected_rows" in alert.text
    )


def test_an_outbox_that_cannot_be_written_never_stops_the_alert(tmp_path, caplog):
    """The outbox's folder is a file (or a disk gone read-only): tonight's alert is delivered
    all the same, and the log says that what fails now would not be kept."""
    blocker = tmp_path / "dagster_home"
    blocker.write_text("not a folder")
    load = FileLoad("enkat", "e.csv", "refused", 0, 0, 0, "missing columns: 'Svar'")
    with SmtpServer() as smtp:
        s = AlertSettings(recipients=("a@example.se",), smtp_host="127.0.0.1", smtp_port=smtp.port)
        alert = build_alert("r", [load], [], [], s)
        assert deliver(alert, s, outbox=blocker / "alert_outbox.jsonl") == {"email": "sent"}
        assert len(smtp.mailbox.messages) == 1
    assert "could not be used" in caplog.text


def test_a_channel_that_fails_keeps_every_alert_waiting_untried(tmp_path):
    """Two nights' alerts wait for a mail server that is still down: the first is tried and
    refused, the second and tonight's are not tried (they would only wait for the same server),
    and all three wait, tonight's with tonight's date."""
    outbox = tmp_path / "alert_outbox.jsonl"
    s = AlertSettings(recipients=("a@example.se",), smtp_host="127.0.0.1", smtp_port=free_port())
    load = FileLoad("enkat", "e.csv", "refused", 0, 0, 0, "missing columns: 'Svar'")
    for night, day in (("r1", 1), ("r2", 2), ("r3", 3)):
        deliver(build_alert(night, [load], [], [], s), s, outbox, dt.date(2026, 12, day))
    waiting = [json.loads(x) for x in outbox.read_text().splitlines()]
    assert [(w["alert"]["run_id"], w["not_delivered_on"], w["attempts"]) for w in waiting] == [
        ("r1", "2026-12-01", 3),
        ("r2", "2026-12-02", 2),
        ("r3", "2026-12-03", 1),
    ]


def test_a_personnummer_in_a_rejected_rows_reason_is_masked_in_the_alert(hansyn_env):
    """A personnummer typed into the year (line 2) is quoted by the reason: the warehouse holds
    its mask, the alert too; the line is still named."""
    agency = hansyn_env / "raw" / "upphandlingsmyndigheten"
    rows = agency_row("19850101-1236", "A1") + agency_row("2024", "A2")
    write_text(agency / "statistik_2024.csv", AGENCY_HEADER + rows)
    settings = load_settings()
    ingest_source(SOURCES["upphandlingsmyndigheten"], settings, "night-1")
    alert = build_alert("night-1", run_loads(settings, "night-1"), [], [], settings.alerts)
    # The loader masks the cell before it reads it, and the file's note counts the masked cell.
    assert "(line 2: 'År' is not a whole number: '[personnummer]'; 1 cell masked" in alert.text
    for said in (alert.text, json.dumps(alert.payload(), ensure_ascii=False)):
        assert "1236" not in said and "850101" not in said
