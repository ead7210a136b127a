"""Fault injection through the whole nightly job: the sample city is loaded and published once,
then each test copies that installation, delivers one careless or hostile file, runs the night
and checks what the office gets: the exit (published or not), the alert naming the file and the
reason, the last publication byte for byte where it must stay, no row lost (rows read = loaded +
rejected) and the raw zone untouched."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

pytestmark = pytest.mark.slow


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
    mp.setattr(run_alerts, "deliver", lambda alert, settings: sent.append(alert))
    summary = refresh.run_refresh()
    return summary, (sent[0] if sent else None)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """The sample city, loaded and published once."""
    from hansyn.sampledata import generate

    root = tmp_path_factory.mktemp("faults_baseline")
    with pytest.MonkeyPatch.context() as mp:
        _env(mp, root)
        generate(root / "raw")
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
    later = newest.with_name("avtalsregister_2099-12-31.csv")
    later.write_bytes(header)
    summary, alert = _raw_unchanged_by(city, city.night)
    _blocked(city, summary, alert, "avtalsregister_2099-12-31.csv has 0 rows")
    _nothing_lost(city, summary.run_id)


def test_a_register_still_being_written_waits_for_the_next_night(city, monkeypatch):
    monkeypatch.setenv("HANSYN_SETTLE_SECONDS", "600")
    newest = _newest_snapshot(city)
    data = newest.read_bytes()
    cut = newest.with_name("avtalsregister_2099-12-31.csv")
    cut.write_bytes(data[: int(len(data) * 0.85)])  # an export at 85 %, still growing
    summary, alert = _raw_unchanged_by(city, city.night)
    _published_without(
        city, summary, alert, "waiting", cut.name, "still being written", "settle time"
    )
    # Published as if the file had not arrived: the same tables as the night before.
    assert _digest(city.marts) == city.published
    _nothing_lost(city, summary.run_id)


# --- faults that broke a night or let the wrong file through ----------------------------------


def test_a_refused_copy_does_not_hide_the_real_snapshot(city):
    newest = _newest_snapshot(city)
    data = newest.read_bytes()
    newest.unlink()  # the real snapshot arrives tonight, and a badly named copy of it
    real = newest.with_name("avtalsregister_2099-12-31.csv")
    real.write_bytes(data)
    newest.with_name("Avtalsregister 2099-12-31.csv").write_bytes(data)
    summary, alert = _raw_unchanged_by(city, city.night)
    statuses = {f[1]: f[2] for f in summary.files if f[0] == REGISTER}
    assert statuses["Avtalsregister 2099-12-31.csv"] == "refused"
    assert statuses[real.name] == "loaded"
    assert summary.published
    # The same register content as before under a new name: the same published numbers.
    for table in ("bruttolista", "i1_procurement_share", "process_sync"):
        assert _digest(city.marts)[f"{table}.parquet"] == city.published[f"{table}.parquet"]
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
    newest.with_name("avtalsregister_2099-12-31.csv").write_text("".join(lines), encoding="utf-8")
    summary, _ = _raw_unchanged_by(city, city.night)
    assert summary.published, summary.render()
    csv_text = (city.marts / "bruttolista.csv").read_text(encoding="utf-8-sig")
    for line in csv_text.splitlines():
        for cell in line.split(";"):
            assert not cell.strip('"').startswith(("=", "+", "@")), line


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_marts_folder_keeps_the_publication_and_says_why(city):
    city.marts.chmod(0o555)
    try:
        summary, alert = _raw_unchanged_by(city, city.night)
    finally:
        city.marts.chmod(0o755)
    assert not summary.published
    assert _digest(city.marts) == city.published
    assert "read-only" in alert.text and "published_marts" in alert.text


def test_an_identical_night_touches_no_published_file(city):
    before = {p.name: p.stat().st_mtime_ns for p in city.marts.iterdir()}
    summary, _ = _raw_unchanged_by(city, city.night)
    assert summary.published
    assert {p.name: p.stat().st_mtime_ns for p in city.marts.iterdir()} == before
