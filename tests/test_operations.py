"""The server set-up of docs/operations.md, tried for real: Dagster's runs, events and schedules
in a real PostgreSQL server (Debian's `postgresql`, started by the test in a temporary folder),
a nightly run read back from it; the nightly time as a setting; and the restore: a lost
warehouse rebuilt from the raw zone and the pseudonym key, the last publication intact meanwhile.
"""

from __future__ import annotations

import glob
import importlib
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from hansyn.config import PROJECT_ROOT, load_settings
from hansyn.publishing import versions
from hansyn.publishing.swap import PUBLISHED_DB


def test_the_nightly_time_is_a_setting_on_the_offices_clock(monkeypatch):
    import orchestration.schedules as schedules

    try:
        monkeypatch.setenv("HANSYN_NIGHTLY_CRON", "30 4 * * 1-5")
        schedule = importlib.reload(schedules).nightly_schedule
        assert schedule.cron_schedule == "30 4 * * 1-5"
        assert schedule.execution_timezone == "Europe/Stockholm"
        monkeypatch.delenv("HANSYN_NIGHTLY_CRON")
        assert importlib.reload(schedules).nightly_schedule.cron_schedule == "0 2 * * *"
    finally:
        importlib.reload(schedules)


def _sample_city(env: dict) -> None:
    subprocess.run(
        [sys.executable, "-m", "hansyn.cli", "sample-data", "--out", env["HANSYN_RAW_DIR"]],
        env=env,
        check=True,
        capture_output=True,
    )


def _refresh(env: dict) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "hansyn.cli", "refresh", "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


# --- PostgreSQL ---------------------------------------------------------------------------------


def _postgres_bin() -> Path | None:
    """Debian's server binaries (the `postgresql` package: .ci/run installs it), newest first."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(found[0]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def postgres():
    """A PostgreSQL server of its own in a temporary folder, with a database `dagster`. initdb
    refuses root: as root, the server runs as the `postgres` user the package creates."""
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip(
            "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (.ci/run installs them)"
        )
    folder = Path(tempfile.mkdtemp(prefix="hansyn_pg_"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", _free_port()

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, cwd=folder)

    run(str(bin_dir / "initdb"), "-D", str(data), "-U", "hansyn", "--auth=trust", "-E", "UTF8")
    run(
        str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-w",
        "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1", "start",
    )  # fmt: skip
    try:
        run(
            str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "hansyn", "dagster"
        )
        yield {"HANSYN_PG_HOST": "127.0.0.1", "HANSYN_PG_PORT": str(port),
               "HANSYN_PG_DB": "dagster", "HANSYN_PG_USER": "hansyn", "HANSYN_PG_PASSWORD": ""}  # fmt: skip
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_a_night_with_dagster_storage_in_postgresql(hansyn_env, postgres, monkeypatch):
    """The server's instance (deploy/dagster-postgres.yaml) as `hansyn refresh` uses it: the run,
    its events and the schedules' state are in PostgreSQL, not in files under DAGSTER_HOME."""
    import dagster as dg
    import psycopg2

    home = hansyn_env / "dagster_home"
    home.mkdir()
    shutil.copyfile(PROJECT_ROOT / "deploy" / "dagster-postgres.yaml", home / "dagster.yaml")
    for name, value in postgres.items():
        monkeypatch.setenv(name, value)
    env = {**os.environ}
    _sample_city(env)
    _refresh(env)

    instance = dg.DagsterInstance.from_config(str(home))
    try:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
        [run] = instance.get_runs()
        assert run.job_name == "nightly_refresh"
        assert run.status == dg.DagsterRunStatus.SUCCESS
        materialized = {
            event.dagster_event.asset_key.to_user_string()
            for event in instance.all_logs(
                run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
            )
        }
        assert {"published_marts", "marts/bruttolista"} <= materialized
        # Every source's ingestion asset (raw/<source>__<entity>).
        assert len({key for key in materialized if key.startswith("raw/")}) == 7, materialized
    finally:
        instance.dispose()
    # Read back with PostgreSQL's own client library: the events are in its tables.
    con = psycopg2.connect(
        host=postgres["HANSYN_PG_HOST"], port=int(postgres["HANSYN_PG_PORT"]),
        dbname="dagster", user="hansyn",
    )  # fmt: skip
    with con, con.cursor() as cur:
        cur.execute("select count(*) from event_logs where run_id = %s", [run.run_id])
        assert cur.fetchone()[0] > 100
    con.close()
    assert not list(home.rglob("*.db")), "no SQLite storage beside PostgreSQL"
    _the_read_only_webserver_shows_the_run(env, run.run_id)


def _graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["data"]


def _the_read_only_webserver_shows_the_run(env: dict, run_id: str) -> None:
    """The webserver of deploy/systemd/hansyn-webserver.service (its command line, the workspace
    of deploy/), on the same instance: it lists the night's run and launches nothing."""
    port = _free_port()
    webserver = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster-webserver"), "--read-only",
         "-h", "127.0.0.1", "-p", str(port), "-w", str(PROJECT_ROOT / "deploy" / "workspace.yaml")],
        env={**env, "PATH": f"{Path(sys.executable).parent}:{env['PATH']}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5)
                break
            except OSError:
                assert webserver.poll() is None, "the webserver ended"
                assert time.monotonic() < deadline, "the webserver did not answer in 120 s"
                time.sleep(1)
        runs = _graphql(port, "{ runsOrError { ... on Runs { results { runId status } } } }")
        assert runs["runsOrError"]["results"] == [{"runId": run_id, "status": "SUCCESS"}]
        permissions = {
            p["permission"]: p["value"]
            for p in _graphql(port, "{ permissions { permission value } }")["permissions"]
        }
        assert permissions["launch_pipeline_execution"] is False
        assert permissions["edit_sensor"] is False
        assert permissions["start_schedule"] is False
    finally:
        webserver.terminate()
        webserver.wait(timeout=30)


# --- restore ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_lost_warehouse_is_rebuilt_and_the_publication_stays_intact(hansyn_env):
    """docs/operations.md, "Restore": the warehouse is lost (disk, or a bad restore). The published
    version is a folder of its own and does not need it: it stays whole, readable, checked
    against its manifest. `hansyn refresh` with the same raw zone and the same pseudonym key
    rebuilds the warehouse and publishes the same numbers (the same Parquet files byte for byte),
    only load_quality's `loaded_at` and data_coverage's `last_loaded_at` (when a file was first
    loaded) being new, and the report."""
    env = {**os.environ}
    _sample_city(env)
    _refresh(env)
    settings = load_settings()
    marts = settings.marts_dir
    first = versions.read_manifest(versions.current_version(marts))

    settings.warehouse.unlink()
    Path(f"{settings.warehouse}.wal").unlink(missing_ok=True)
    assert versions.damage(marts) == []
    con = duckdb.connect(str(marts / PUBLISHED_DB), read_only=True)
    assert con.execute("select count(*) from bruttolista").fetchone()[0] > 0
    con.close()

    _refresh(env)
    assert settings.warehouse.exists()
    second = versions.read_manifest(versions.current_version(marts))
    assert sorted(second["files"]) == sorted(first["files"])
    changed = {n for n in first["files"] if first["files"][n] != second["files"][n]}
    assert changed <= {
        "load_quality.parquet",
        "load_quality.csv",
        # data_coverage.last_loaded_at: when a source's newest file was first loaded, as well
        "data_coverage.parquet",
        "data_coverage.csv",
        PUBLISHED_DB,
        "indikatorrapport.html",
    }, changed
    assert "bruttolista.parquet" not in changed
