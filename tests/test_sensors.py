"""The schedule and the sensors: a new file in the raw folder starts one run (once the folder is
still), the same files never a second; runs the daemon started, successful or failed, are
alerted by the run-status sensors; runs that `hansyn refresh` alerts itself are not alerted twice."""

from __future__ import annotations

import json
import logging
import os

import dagster as dg

from orchestration.run_alerts import ALERT_SENT_BY_TAG
from orchestration.sensors import (
    alert_after_failed_run,
    alert_after_successful_run,
    next_step,
    raw_files_sensor,
    raw_listing,
)
from tests.alert_servers import (  # noqa: F401
    alert_env,
    assert_nothing_sent,
    smtp_server,
    wait_for,
    webhook_server,
)
from tests.conftest import write_text
from tests.test_quality_e2e import AGENCY_2025, AGENCY_NO_YEAR, register

# --- the raw-files sensor --------------------------------------------------------------------


def test_next_step_waits_for_a_still_folder_and_starts_once():
    cursor, start = next_step(None, "A")  # first tick: what is there is known
    assert not start
    cursor, start = next_step(cursor, "A")
    assert not start
    cursor, start = next_step(cursor, "B")  # a file landed (or is still being copied)
    assert not start
    cursor, start = next_step(cursor, "B")  # unchanged for a tick: start
    assert start
    assert json.loads(cursor) == {"seen": "B", "started": "B", "runs": 1}
    cursor, start = next_step(cursor, "B")  # the same files never start a second run
    assert not start


def test_listing_is_the_files_the_loaders_read(hansyn_env):
    raw = hansyn_env / "raw"
    write_text(raw / "avtalsregister" / "avtalsregister_2026-03-31.csv", "x")
    write_text(raw / "avtalsregister" / "notes.txt", "not a delivery")
    write_text(raw / "okand_kalla" / "data.csv", "no loader")
    listing = raw_listing(raw)
    assert [name for name, _, _ in listing] == ["avtalsregister/avtalsregister_2026-03-31.csv"]
    assert listing[0][1] == 1  # size in bytes


def tick(instance, cursor):
    context = dg.build_sensor_context(instance=instance, cursor=cursor)
    result = raw_files_sensor(context)
    return result, context.cursor


def test_raw_files_sensor_starts_nightly_refresh_for_new_files(hansyn_env):
    raw = hansyn_env / "raw"
    write_text(raw / "avtalsregister" / "avtalsregister_2025-12-31.csv", register(1, 2))
    with dg.DagsterInstance.ephemeral() as instance:
        result, cursor = tick(instance, None)
        assert isinstance(result, dg.SkipReason)
        path = write_text(raw / "avtalsregister" / "avtalsregister_2026-03-31.csv", register(1))
        result, cursor = tick(instance, cursor)
        assert isinstance(result, dg.SkipReason)  # settling
        result, cursor = tick(instance, cursor)
        assert isinstance(result, dg.RunRequest)
        assert result.run_key.startswith("raw-1-")
        result, cursor = tick(instance, cursor)
        assert isinstance(result, dg.SkipReason)
        # A changed file (new size and time) is a new delivery too.
        path.write_text(register(1, 2, 3), encoding="utf-8")
        os.utime(path, ns=(1, 2))
        result, cursor = tick(instance, cursor)
        assert isinstance(result, dg.SkipReason)  # settling
        result, cursor = tick(instance, cursor)
        assert isinstance(result, dg.RunRequest)
        assert result.run_key.startswith("raw-2-")
        # Removing the file brings back the first listing: a change, so a run too (new key).
        path.unlink()
        result, cursor = tick(instance, cursor)
        assert isinstance(result, dg.SkipReason)  # settling
        result, cursor = tick(instance, cursor)
        assert isinstance(result, dg.RunRequest)
        assert result.run_key.startswith("raw-3-")


def test_raw_files_sensor_waits_while_a_run_is_going(hansyn_env):
    from dagster._core.storage.dagster_run import DagsterRun

    raw = hansyn_env / "raw"
    with dg.DagsterInstance.ephemeral() as instance:
        _, cursor = tick(instance, None)
        write_text(raw / "avtalsregister" / "avtalsregister_2026-03-31.csv", register(1))
        _, cursor = tick(instance, cursor)
        instance.add_run(
            DagsterRun(
                job_name="nightly_refresh", run_id="going", status=dg.DagsterRunStatus.STARTED
            )
        )
        result, cursor_during = tick(instance, cursor)
        assert isinstance(result, dg.SkipReason)
        assert "run going is still going" in result.skip_message
        assert cursor_during == cursor  # nothing recorded: the next tick tries again
        instance.report_run_canceled(instance.get_run_by_id("going"))
        result, _ = tick(instance, cursor)
        assert isinstance(result, dg.RunRequest)


# --- the Definitions -------------------------------------------------------------------------


def test_schedule_and_sensors_run_by_default():
    from orchestration.definitions import defs

    repo = defs.get_repository_def()
    schedule = repo.get_schedule_def("nightly_refresh_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Europe/Stockholm"
    assert schedule.job_name == "nightly_refresh"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    sensors = {s.name: s for s in repo.sensor_defs}
    assert set(sensors) >= {
        "raw_files_sensor", "alert_after_successful_run", "alert_after_failed_run"
    }  # fmt: skip
    for sensor in sensors.values():
        assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensors["raw_files_sensor"].job_name == "nightly_refresh"


# --- the run-status sensors: runs the daemon started -----------------------------------------


def _run_event(instance, run_id, event_type):
    (entry,) = instance.all_logs(run_id, of_type=event_type)
    return entry.dagster_event


def source_assets(name: str):
    """The ingestion asset of one source and its quality checks: what a run alerts about, without
    the rest of the nightly job (the whole job is run end to end in tests/test_quality_e2e.py)."""
    from orchestration.ingestion import ingestion_assets
    from orchestration.quality_checks import quality_checks

    asset = next(a for a in ingestion_assets if name in a.key.to_user_string())
    checks = next(c for c in quality_checks if c.node_def.name == f"quality_checks_{name}")
    return [asset, checks]


def test_failed_run_started_by_the_daemon_is_alerted(alert_env, hansyn_env, caplog):  # noqa: F811
    mailbox, hook = alert_env
    caplog.set_level(logging.INFO, logger="hansyn.alerts")
    reg = hansyn_env / "raw" / "avtalsregister"
    # Two snapshots in one delivery: 10 rows, then 3 (< ceil(0.7 × 10) = 7): blocked.
    write_text(reg / "avtalsregister_2025-12-31.csv", register(*range(1, 11)))
    write_text(reg / "avtalsregister_2026-03-31.csv", register(1, 2, 3))
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            source_assets("avtalsregister"),
            instance=instance,
            raise_on_error=False,
            tags={"dagster/schedule_name": "nightly_refresh_schedule"},
        )
        assert not result.success  # the blocking check fails the run
        assert_nothing_sent(mailbox, hook)  # nothing sent until the sensor sees the run
        run = instance.get_run_by_id(result.run_id)
        context = dg.build_run_status_sensor_context(
            sensor_name="alert_after_failed_run",
            dagster_instance=instance,
            dagster_run=run,
            dagster_event=_run_event(instance, run.run_id, dg.DagsterEventType.RUN_FAILURE),
        )
        alert_after_failed_run(context)
    assert wait_for(lambda: mailbox.messages and hook.posts), caplog.text  # why, if not
    body = mailbox.bodies()[0].replace("\r\n", "\n")
    assert mailbox.subjects()[0].startswith("hansyn: NOT PUBLISHED – 1 check failed (run ")
    assert f"hansyn, run {result.run_id} (started by the schedule nightly_refresh_schedule)" in body
    assert (
        "- avtalsregister/avtalsregister_2026-03-31.csv: check row_count_vs_previous_snapshot "
        "failed (blocking: nothing new published): avtalsregister_2026-03-31.csv has 3 rows; "
        "at least 7 expected (70% of the 10 rows of the previous snapshot "
        "avtalsregister_2025-12-31.csv) (3 rows)" in body
    )
    assert f"http://dagster.example:3000/runs/{result.run_id}" in body
    assert hook.posts[0]["json"]["run_id"] == result.run_id


def test_successful_run_with_a_refused_file_is_alerted_once(alert_env, hansyn_env, caplog):  # noqa: F811
    mailbox, hook = alert_env
    caplog.set_level(logging.INFO, logger="hansyn.alerts")
    agency = hansyn_env / "raw" / "upphandlingsmyndigheten"
    write_text(agency / "statistik_2025.csv", AGENCY_2025)
    write_text(agency / "statistik_2024_utan_ar.csv", AGENCY_NO_YEAR)
    assets = source_assets("upphandlingsmyndigheten")

    def run_and_sense(instance, tags=None):
        result = dg.materialize(assets, instance=instance, tags=tags or {})
        assert result.success  # a refused file does not fail the run: the checks alone pass
        run = instance.get_run_by_id(result.run_id)
        alert_after_successful_run(
            dg.build_run_status_sensor_context(
                sensor_name="alert_after_successful_run",
                dagster_instance=instance,
                dagster_run=run,
                dagster_event=_run_event(instance, run.run_id, dg.DagsterEventType.RUN_SUCCESS),
            )
        )
        return result

    with dg.DagsterInstance.ephemeral() as instance:
        first = run_and_sense(instance, {"dagster/sensor_name": "raw_files_sensor"})
        assert wait_for(lambda: mailbox.messages and hook.posts), caplog.text  # why, if not
        body = mailbox.bodies()[0].replace("\r\n", "\n")
        assert "(started by the sensor raw_files_sensor)" in body
        assert (
            "- upphandlingsmyndigheten/statistik_2024_utan_ar.csv: file refused, not loaded: "
            "missing columns: 'År'" in body
        )
        assert first.run_id in body
        mailbox.clear()
        hook.clear()
        # The same files again: the refused file was reported already; nothing new.
        run_and_sense(instance)
        # A run that hansyn refresh alerts itself is left alone by the sensor.
        write_text(agency / "statistik_2023_utan_ar.csv", AGENCY_NO_YEAR)
        run_and_sense(instance, {ALERT_SENT_BY_TAG: "hansyn refresh"})
        assert_nothing_sent(mailbox, hook)
