"""Fault injection through the whole nightly job: the sample city is loaded and published once,
then each test copies that installation, delivers one careless or hostile file, runs the night
and checks what the office gets: the exit (published or not), the alert naming the file and the
reason, the last publication byte for byte where it must stay, no row lost (rows read = loaded +
rejected) and the raw zone untouched."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import duckdb
import psutil
import pytest

from hansyn.config import load_settings
from hansyn.publishing import versions
from tests.conftest import published

pytestmark = pytest.mark.slow

# The city to break: the sample city, or one the project has never seen
# (HANSYN_FAULTS_SEED=4711 HANSYN_FAULTS_SCALE=0.7).
SEED = int(os.environ.get("HANSYN_FAULTS_SEED", "2026"))
SCALE = float(os.environ.get("HANSYN_FAULTS_SCALE", "1.0"))


def _digest(folder: Path) -> dict[str, str]:
    """Every file under a folder with the SHA-256 of its bytes (links by their target)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        if path.is_symlink():
            found[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _env(mp: pytest.MonkeyPatch, root: Path) -> None:
    mp.setenv("HANSYN_RAW_DIR", str(root / "raw"))
    mp.setenv("HANSYN_MARTS_DIR", str(root / "marts"))
    mp.setenv("HANSYN_WAREHOUSE", str(root / "warehouse.duckdb"))
    mp.setenv("HANSYN_PSEUDONYM_KEY", "test-key-not-secret")
    mp.setenv("DAGSTER_HOME", str(root / "dagster_home"))
    mp.setenv("HANSYN_SETTLE_SECONDS", "0")
    for name in list(os.environ):
        if name.startswith(("HANSYN_ALERT", "HANSYN_SMTP", "HANSYN_ACCEPT", "HANSYN_DAGSTER_URL")):
            mp.delenv(name)


def _night(mp: pytest.MonkeyPatch):
    """The nightly job as `hansyn refresh` runs it; the alert it would send is kept."""
    from orchestration import refresh, run_alerts

    sent = []
    mp.setattr(run_alerts, "deliver", lambda alert, settings, **_: alert and sent.append(alert))
    summary = refresh.run_refresh()
    return summary, (sent[0] if sent else None)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """The sample city, loaded and published once."""
    from hansyn.sampledata import generate

    root = tmp_path_factory.mktemp("faults_baseline")
    with pytest.MonkeyPatch.context() as mp:
        _env(mp, root)
        generate(root / "raw", seed=SEED, scale=SCALE)
        summary, _ = _night(mp)
        assert summary.published, summary.render()
    shutil.rmtree(root / "dagster_home", ignore_errors=True)
    return root


@pytest.fixture
def city(baseline, tmp_path, monkeypatch):
    """A copy of the published baseline to break; checks that nothing was lost afterwards."""
    root = tmp_path / "city"
    shutil.copytree(baseline, root, symlinks=True)
    _env(monkeypatch, root)
    yield SimpleNamespace(
        root=root,
        raw=root / "raw",
        marts=root / "marts",
        published=_digest(root / "marts"),
        night=lambda: _night(monkeypatch),
    )


def _raw_unchanged_by(city, summary_call):
    before = _digest(city.raw)
    result = summary_call()
    assert _digest(city.raw) == before, "the pipeline changed the raw zone"
    return result


def _nothing_lost(city, run_id: str) -> None:
    con = duckdb.connect(str(city.root / "warehouse.duckdb"), read_only=True)
    try:
        broken = con.execute(
            "select source, file_name, rows_read, rows_loaded, rows_rejected from audit.load_log "
            "where run_id = ? and status = 'loaded' and rows_read <> rows_loaded + rows_rejected",
            [run_id],
        ).fetchall()
        assert broken == []
        not_loaded = con.execute(
            "select count(*) from audit.load_log where run_id = ? and status <> 'loaded' "
            "and rows_loaded <> 0",
            [run_id],
        ).fetchone()
        assert not_loaded == (0,)
    finally:
        con.close()


def _blocked(city, summary, alert, *words):
    assert not summary.published, summary.render()
    assert _digest(city.marts) == city.published, "the last publication changed"
    assert alert is not None and "NOT PUBLISHED" in alert.subject
    for word in words:
        assert word in alert.text, (word, alert.text)


def _published_without(city, summary, alert, kind, file_name, *words):
    assert summary.published, summary.render()
    problems = [p for p in alert.problems if p.kind == kind and p.file_name == file_name]
    assert problems, alert.text
    for word in words:
        assert word in problems[0].what, (word, problems[0].what)


REGISTER = "avtalsregister"


def _newest_snapshot(city) -> Path:
    return sorted((city.raw / REGISTER).glob("avtalsregister_*.csv"))[-1]


# --- faults that published wrong numbers ------------------------------------------------------


def test_an_emptied_register_folder_blocks_publication(city):
    for path in (city.raw / REGISTER).iterdir():
        path.unlink()
    summary, alert = city.night()
    _blocked(city, summary, alert, "row_count_vs_previous_snapshot", "holds no loaded snapshot")
    _nothing_lost(city, summary.run_id)


def test_a_header_only_newest_snapshot_blocks_publication(city):
    newest = _newest_snapshot(city)
    header = newest.read_bytes().splitlines(keepends=True)[0]
    later = newest.with_name("avtalsregister_2026-04-30.csv")
    later.write_bytes(header)
    summary, alert = _raw_unchanged_by(city, city.night)
    _blocked(city, summary, alert, "avtalsregister_2026-04-30.csv has 0 rows")
    _nothing_lost(city, summary.run_id)


def test_a_register_still_being_written_waits_for_the_next_night(city, monkeypatch):
    monkeypatch.setenv("HANSYN_SETTLE_SECONDS", "600")
    newest = _newest_snapshot(city)
    data = newest.read_bytes()
    cut = newest.with_name("avtalsregister_2026-04-30.csv")
    cut.write_bytes(data[: int(len(data) * 0.85)])  # an export at 85 %, still growing
    summary, alert = _raw_unchanged_by(city, city.night)
    _published_without(
        city, summary, alert, "waiting", cut.name, "still being written", "settle time"
    )

    # Published as if the file had not arrived: the same tables as the night before, but for
    # load_quality, which lists the waiting file (and the DuckDB file and report that hold it).
    def tables(digest: dict[str, str]) -> dict[str, str]:
        return {
            name: sha
            for name, sha in digest.items()
            if name.endswith((".parquet", ".csv")) and not name.startswith("load_quality.")
        }

    assert tables(_digest(city.marts)) == tables(city.published)
    _nothing_lost(city, summary.run_id)


# --- faults that broke a night or let the wrong file through ----------------------------------


def test_a_refused_copy_does_not_hide_the_real_snapshot(city):
    contracts = (
        "select procurement_id, buyer_organisation, supplier_name, contract_start, contract_end, "
        "required_places, placed_individuals, fill_rate, referred_candidates, "
        "first_placement_date, days_to_first_placement from process_sync order by procurement_id"
    )
    before = published(city.root, contracts)
    newest = _newest_snapshot(city)
    data = newest.read_bytes()
    newest.unlink()  # the real snapshot arrives tonight, and a badly named copy of it
    real = newest.with_name("avtalsregister_2026-04-30.csv")
    real.write_bytes(data)
    newest.with_name("Avtalsregister 2026-04-30.csv").write_bytes(data)
    summary, alert = _raw_unchanged_by(city, city.night)
    statuses = {f[1]: f[2] for f in summary.files if f[0] == REGISTER}
    assert statuses["Avtalsregister 2026-04-30.csv"] == "refused"
    assert statuses[real.name] == "loaded"
    assert summary.published
    # The same register content as before under a new name: the same published numbers.
    for table in ("bruttolista", "i1_procurement_share"):
        assert _digest(city.marts)[f"{table}.parquet"] == city.published[f"{table}.parquet"]
    # process_sync the same but for the status, which is judged on the snapshot's date (a
    # snapshot cannot be dated after the night, so a month later than the copied one): a
    # contract that ended before 2026-04-30 is no longer `pågår`.
    assert published(city.root, contracts) == before
    assert published(
        city.root,
        "select count(*) from process_sync where status = 'pågår' "
        "and contract_end < date '2026-04-30'",
    ) == [(0,)]
    _nothing_lost(city, summary.run_id)


def test_a_utf16_file_is_refused_with_its_reason_and_the_night_goes_on(city):
    bad = city.raw / "malgruppsregister" / "malgruppsregister_utf16.csv"
    bad.write_bytes("Personnummer;Målgrupp\n199003151231;Nyanländ\n".encode("utf-16-le"))
    summary, alert = _raw_unchanged_by(city, city.night)
    _published_without(city, summary, alert, "refused", bad.name, "NUL bytes")
    _nothing_lost(city, summary.run_id)


def test_a_symbolic_link_out_of_the_raw_zone_is_refused(city, tmp_path):
    planted = tmp_path / "planted.csv"
    planted.write_text("Personnummer;Målgrupp\n199003151231;Nyanländ\n", encoding="utf-8")
    (city.raw / "malgruppsregister" / "link.csv").symlink_to(planted)
    (city.raw / "enkat" / "passwd.csv").symlink_to("/etc/passwd")
    summary, alert = _raw_unchanged_by(city, city.night)
    _published_without(city, summary, alert, "refused", "link.csv", "symbolic link")
    _published_without(city, summary, alert, "refused", "passwd.csv", "symbolic link")
    assert _digest(city.marts)["i3_placements.parquet"] == city.published["i3_placements.parquet"]
    _nothing_lost(city, summary.run_id)


def test_formulas_in_titles_and_supplier_names_are_neutralised_in_the_csv(city):
    newest = _newest_snapshot(city)
    text = newest.read_bytes().decode("utf-8-sig")
    lines = text.splitlines(keepends=True)
    header = [h.strip() for h in lines[0].split(";")]
    title, supplier = header.index("Upphandlingens titel"), header.index("Leverantör namn")
    cells = lines[1].rstrip("\r\n").split(";")
    cells[title] = '=HYPERLINK("http://evil.example";"Klicka")'
    cells[supplier] = "+cmd|' /C calc'!A0"
    lines[1] = ";".join(cells) + "\n"
    newest.with_name("avtalsregister_2026-04-30.csv").write_text("".join(lines), encoding="utf-8")
    summary, _ = _raw_unchanged_by(city, city.night)
    assert summary.published, summary.render()
    csv_text = (city.marts / "bruttolista.csv").read_text(encoding="utf-8-sig")
    for line in csv_text.splitlines():
        for cell in line.split(";"):
            assert not cell.strip('"').startswith(("=", "+", "@")), line


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@pytest.fixture
def read_only_marts(city):
    """The folder publications are written to (beside the marts link: its versions) read-only:
    by mode for a user, by a read-only bind mount for root (whom modes do not stop)."""
    folder = versions.versions_dir(city.marts)
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield
        folder.chmod(0o755)
        return
    where = str(folder)
    if not (_mount("--bind", where, where) and _mount("-o", "remount,bind,ro", where)):
        subprocess.run(["umount", where], capture_output=True)
        pytest.skip("root, and no read-only bind mount possible here")
    yield
    subprocess.run(["umount", where], check=True)


def test_a_read_only_marts_folder_keeps_the_publication_and_says_why(
    city, read_only_marts, monkeypatch
):
    monkeypatch.setenv("HANSYN_REBUILD", "true")  # nothing is new: publish all the same
    summary, alert = _raw_unchanged_by(city, city.night)
    assert not summary.published
    assert _digest(city.marts) == city.published
    assert "read-only" in alert.text and "published_marts" in alert.text
    _nothing_lost(city, summary.run_id)


def test_an_identical_night_touches_no_published_file(city):
    before = {p.name: p.stat().st_mtime_ns for p in city.marts.iterdir()}
    summary, _ = _raw_unchanged_by(city, city.night)
    assert summary.published
    assert {p.name: p.stat().st_mtime_ns for p in city.marts.iterdir()} == before


# --- the classes that held already: the disk, the process, the lock, the reader --------------


@pytest.fixture
def full_marts_disk(city):
    """The marts' versions on a file system with room for the publication they hold and little
    more: publishing tonight's version beside it fills the disk."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    folder = versions.versions_dir(city.marts)
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    saved = city.root / "versions.saved"
    folder.rename(saved)
    folder.mkdir()
    if not _mount("-t", "tmpfs", "-o", f"size={size + size // 5 + 65536}", "tmpfs", str(folder)):
        pytest.skip("no tmpfs mount possible here")
    try:
        shutil.copytree(saved, folder, dirs_exist_ok=True)
        assert _digest(city.marts) == city.published
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_full_disk_keeps_the_last_publication_and_says_why(city, full_marts_disk, monkeypatch):
    monkeypatch.setenv("HANSYN_REBUILD", "true")  # nothing is new: publish all the same
    summary, alert = _raw_unchanged_by(city, city.night)
    assert not summary.published, summary.render()
    assert _digest(city.marts) == city.published, "the last publication changed"
    assert "NOT PUBLISHED" in alert.subject
    assert "the disk is full" in alert.text and "published_marts" in alert.text, alert.text
    assert versions.leftovers(city.marts) == [], "a half-written copy was left behind"
    _nothing_lost(city, summary.run_id)


def _dbt_processes(parent: psutil.Process) -> list[psutil.Process]:
    found = []
    for child in parent.children(recursive=True):
        try:
            command = child.cmdline()
            # dbt build itself, not `dbt --version` or `dbt parse` before it.
            if any("dbt" in part for part in command[:2]) and "build" in command:
                found.append(child)
        except psutil.NoSuchProcess:
            pass
    return found


def _last_run_id(city) -> str:
    con = duckdb.connect(str(city.root / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(
            "select run_id from audit.load_log order by loaded_at desc limit 1"
        ).fetchone()[0]
    finally:
        con.close()


def _dbt_built_a_model(log: Path, offset: int) -> bool:
    """Whether dbt's log, after `offset`, says a model was built (text or JSON lines)."""
    if not log.exists():
        return False
    with log.open("rb") as f:
        f.seek(offset)
        return b"Finished running node model." in f.read()


def _refresh_process() -> subprocess.Popen:
    exe = Path(sys.executable).parent / "hansyn"
    return subprocess.Popen(
        [str(exe), "refresh"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=os.environ.copy(),
    )  # fmt: skip


def test_a_refresh_killed_during_dbt_leaves_no_dbt_and_the_last_publication(city, monkeypatch):
    monkeypatch.setenv("HANSYN_REBUILD", "true")  # nothing is new: dbt runs all the same
    before = _digest(city.raw)
    dbt_log = load_settings().dbt_target_dir / "build" / "dbt.log"
    logged_before = dbt_log.stat().st_size if dbt_log.exists() else 0
    refresh = _refresh_process()
    parent = psutil.Process(refresh.pid)
    deadline = time.monotonic() + 600
    while not (dbt := _dbt_processes(parent)):
        assert refresh.poll() is None and time.monotonic() < deadline, "dbt never started"
        time.sleep(0.5)
    # Killed once dbt has built its first model: it is writing the warehouse's tables, with
    # some 300 models and tests to go (a fixed wait was too long once the night got faster).
    while not _dbt_built_a_model(dbt_log, logged_before):
        assert all(p.is_running() for p in dbt), "dbt ended before it built a model"
        assert time.monotonic() < deadline, "dbt built no model"
        time.sleep(0.2)
    assert all(p.is_running() for p in dbt)
    others = [p for p in parent.children(recursive=True) if p not in dbt]
    refresh.send_signal(signal.SIGKILL)
    refresh.wait()
    gone, alive = psutil.wait_procs(dbt, timeout=30)
    assert not alive, "dbt runs on after its refresh was killed"
    for leftover in others:  # Dagster's compute-log tails, orphaned by the kill
        try:
            leftover.kill()
        except psutil.NoSuchProcess:
            pass
    assert _digest(city.raw) == before
    assert _digest(city.marts) == city.published
    # Nobody holds the warehouse: the next night can write to it.
    duckdb.connect(str(city.root / "warehouse.duckdb")).close()
    _nothing_lost(city, _last_run_id(city))


def test_two_runs_at_once_publish_one_consistent_copy(city, monkeypatch):
    monkeypatch.setenv("HANSYN_REBUILD", "true")  # nothing is new: both build all the same
    before = _digest(city.raw)
    tables = [t for (t,) in published(city.root, "select table_name from duckdb_tables()")]
    values = {t: published(city.root, f"select * from {t} order by all") for t in tables}
    other = _refresh_process()
    try:
        time.sleep(5)  # the other run has started loading
        summary, alert = city.night()
    finally:
        assert other.wait(timeout=900) in (0, 1)
    assert _digest(city.raw) == before
    # Both read the same files as the night before: whichever published, the same values,
    # and the same bytes.
    for table in tables:
        after = published(city.root, f"select * from {table} order by all")
        assert after == values[table], table
    assert _digest(city.marts) == city.published
    assert versions.leftovers(city.marts) == []
    if not summary.published:
        # This run lost the race for the warehouse and says so; the other published.
        assert alert is not None and "locked by another process" in alert.text, alert.text
    con = duckdb.connect(str(city.root / "warehouse.duckdb"), read_only=True)
    try:
        runs = [r for (r,) in con.execute("select distinct run_id from audit.load_log").fetchall()]
    finally:
        con.close()
    for run_id in runs:
        _nothing_lost(city, run_id)


def test_an_analysts_open_connection_keeps_its_view_while_bad_rows_are_rejected(city):
    """A night with a new register snapshot with a bad date and an unknown code: both rows
    rejected with file, line and reason, the rest published, while an analyst holds the
    published file open the whole time."""
    newest = _newest_snapshot(city)
    text = newest.read_bytes().decode("utf-8-sig")
    lines = text.splitlines(keepends=True)
    header = [h.strip() for h in lines[0].split(";")]
    start, level = header.index("Avtalsstart"), header.index("Social hänsyn nivå")
    bad_date = lines[1].rstrip("\r\n").split(";")
    bad_date[start] = "2024-13-45"
    bad_code = lines[2].rstrip("\r\n").split(";")
    bad_code[level] = "9"
    lines[1], lines[2] = ";".join(bad_date) + "\n", ";".join(bad_code) + "\n"
    new = newest.with_name("avtalsregister_2026-04-30.csv")
    new.write_text("".join(lines), encoding="utf-8")
    reader = duckdb.connect(str(city.marts / "indikatorer.duckdb"), read_only=True)
    try:
        seen = reader.execute("select count(*) from bruttolista").fetchone()
        summary, alert = _raw_unchanged_by(city, city.night)
        # The reader never blocked the night, and keeps the view it had.
        assert reader.execute("select count(*) from bruttolista").fetchone() == seen
    finally:
        reader.close()
    assert summary.published, summary.render()
    (problem,) = [p for p in alert.problems if p.file_name == new.name]
    assert problem.kind == "rejected_rows", problem
    assert "Avtalsstart" in problem.what and "Social hänsyn nivå" in problem.what, problem
    con = duckdb.connect(str(city.root / "warehouse.duckdb"), read_only=True)
    try:
        rejected = con.execute(
            "select row_number from audit.rejected_rows where file_name = ? order by 1",
            [new.name],
        ).fetchall()
    finally:
        con.close()
    # Lines 2 and 3, besides any the generator planted in the snapshot copied.
    assert {(2,), (3,)} <= set(rejected) and problem.rows == len(rejected)
    _nothing_lost(city, summary.run_id)
