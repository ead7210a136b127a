"""Careless and hostile deliveries, one function at a time: files still being written, refused
copies of good files, undecodable bytes, symbolic links out of the raw zone, line numbers after
quoted line breaks and blank lines, and a register whose newest delivery is empty or gone."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time

import duckdb
import pytest

from hansyn.alerts.messages import FailedCheck, build_alert, run_loads
from hansyn.config import load_settings
from hansyn.quality.runner import run_quality_checks
from hansyn.sources import SOURCES, malgruppsregister
from hansyn.sources.contract import FileRefused, LoadContext
from hansyn.sources.ingest import ingest_source
from hansyn.sources.readers import decode, read_csv
from tests.conftest import write_text
from tests.test_loader_avtalsregister import HEADER, row

REGISTER = SOURCES["avtalsregister"]
TARGET_GROUPS = SOURCES["malgruppsregister"]
CTX = LoadContext(pseudonym_key=b"test-key")
MG_HEADER = (
    "Personnummer;Målgrupp;Primärområde;Inskrivningsdatum;Utskrivningsdatum;"
    "Anvisad till Upphandlings-ID\n"
)


def _query(settings, sql, params=()):
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def _statuses(report):
    return [(f.file_name, f.status) for f in report.files]


def _backdate(path, seconds=3600):
    past = time.time() - seconds
    os.utime(path, (past, past))


def _register(n: int, prefix="P") -> str:
    return HEADER + "".join(row(f"{prefix}{i}") for i in range(n))


# --- files still being written ----------------------------------------------------------------


def test_a_file_younger_than_the_settle_time_waits_for_the_next_run(hansyn_env, monkeypatch):
    folder = hansyn_env / "raw" / "avtalsregister"
    old = write_text(folder / "avtalsregister_2025-01-31.csv", _register(10))
    _backdate(old)
    # An export cut at 85 %: still being written when the run starts.
    write_text(folder / "avtalsregister_2025-02-28.csv", _register(10)[:-150])
    monkeypatch.setenv("HANSYN_SETTLE_SECONDS", "30")
    settings = load_settings()
    report = ingest_source(REGISTER, settings, "run-1")
    assert _statuses(report) == [
        ("avtalsregister_2025-01-31.csv", "loaded"),
        ("avtalsregister_2025-02-28.csv", "waiting"),
    ]
    waiting = report.files[1]
    assert "still being written" in waiting.message and "settle time of 30 s" in waiting.message
    assert waiting.rows_read == waiting.rows_loaded == waiting.rows_rejected == 0
    assert _query(settings, "select distinct _file from raw.avtalsregister__contracts") == [
        ("avtalsregister_2025-01-31.csv",)
    ]
    # Once it has settled, the next run loads it (it is not "unchanged since last time").
    write_text(folder / "avtalsregister_2025-02-28.csv", _register(11))
    _backdate(folder / "avtalsregister_2025-02-28.csv", 60)
    report = ingest_source(REGISTER, settings, "run-2")
    assert [f.status for f in report.files] == ["loaded", "loaded"]
    assert report.files[1].rows_loaded == 11


def test_the_default_settle_time_is_a_minute(monkeypatch):
    monkeypatch.delenv("HANSYN_SETTLE_SECONDS", raising=False)
    assert load_settings().settle_seconds == 60
    monkeypatch.setenv("HANSYN_SETTLE_SECONDS", "0.5")
    assert load_settings().settle_seconds == 0.5


def test_a_file_that_changes_while_it_is_read_waits(hansyn_env):
    folder = hansyn_env / "raw" / "malgruppsregister"
    path = write_text(folder / "mg.csv", MG_HEADER + "900315-1231;Nyanländ;101;2023-01-10;;\n")
    parse = TARGET_GROUPS.parse

    def parse_while_the_writer_appends(p, ctx):
        parsed = parse(p, ctx)
        with p.open("a", encoding="utf-8") as f:
            f.write("198506202483;Nyanländ;101;2023-01-10;;\n")
        return parsed

    source = dataclasses.replace(TARGET_GROUPS, parse=parse_while_the_writer_appends)
    report = ingest_source(source, load_settings(), "run-1")
    assert [f.status for f in report.files] == ["waiting"]
    assert "changed while it was being read" in report.files[0].message
    assert path.exists()


# --- a refused copy never hides the real file; a loader's error refuses only its file ---------


def test_a_refused_copy_does_not_make_the_real_file_a_duplicate(hansyn_env):
    folder = hansyn_env / "raw" / "avtalsregister"
    text = _register(5)
    # A bad name (refused for it) with the same bytes, sorting before the real snapshot.
    write_text(folder / "Avtalsregister 2025-11-30.csv", text)
    write_text(folder / "avtalsregister_2025-11-30.csv", text)
    write_text(folder / "avtalsregister_2025-11-30_kopia.csv", text)
    settings = load_settings()
    report = ingest_source(REGISTER, settings, "run-1")
    assert _statuses(report) == [
        ("Avtalsregister 2025-11-30.csv", "refused"),
        ("avtalsregister_2025-11-30.csv", "loaded"),
        ("avtalsregister_2025-11-30_kopia.csv", "duplicate"),
    ]
    assert "file name must be" in report.files[0].message
    assert _query(settings, "select count(*) from raw.avtalsregister__contracts") == [(5,)]
    # The next run reuses both outcomes without parsing: still the real file loaded.
    report = ingest_source(REGISTER, settings, "run-2")
    assert [f.status for f in report.files] == ["refused", "loaded", "duplicate"]
    assert [f.reused for f in report.files] == [True, True, False]


def test_a_copy_after_an_accepted_file_is_its_duplicate(hansyn_env):
    folder = hansyn_env / "raw" / "malgruppsregister"
    text = MG_HEADER + "900315-1231;Nyanländ;101;2023-01-10;;\n"
    write_text(folder / "a.csv", text)
    write_text(folder / "b.csv", text)
    report = ingest_source(TARGET_GROUPS, load_settings(), "run-1")
    assert _statuses(report) == [("a.csv", "loaded"), ("b.csv", "duplicate")]
    assert report.files[1].message == "same content as a.csv: not counted again"


def test_an_unexpected_error_refuses_the_file_not_the_night(hansyn_env):
    folder = hansyn_env / "raw" / "malgruppsregister"
    write_text(folder / "a.csv", MG_HEADER + "900315-1231;Nyanländ;101;2023-01-10;;\n")
    write_text(folder / "b.csv", MG_HEADER + "198506202483;Nyanländ;101;2023-01-10;;\n")

    def parse(path, ctx):
        if path.name == "a.csv":
            raise KeyError("a loader's bug")
        return TARGET_GROUPS.parse(path, ctx)

    source = dataclasses.replace(TARGET_GROUPS, parse=parse)
    report = ingest_source(source, load_settings(), "run-1")
    assert _statuses(report) == [("a.csv", "refused"), ("b.csv", "loaded")]
    assert report.files[0].message == 'not readable (KeyError: "a loader\'s bug")'


# --- bytes that are not text ---------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_read_when_marked_and_refused_with_a_reason_when_not(tmp_path, encoding):
    text = MG_HEADER + "900315-1231;Nyanländ;101;2023-01-10;;\n"
    path = tmp_path / "mg.csv"
    data = text.encode(encoding)
    if encoding != "utf-16":  # a byte-order mark, as Excel's "Unicode text" writes
        data = ("\ufeff" + text).encode(encoding)
    path.write_bytes(data)
    assert malgruppsregister.parse(path, CTX).rows_read == 1
    path.write_bytes(text.encode("utf-16-le"))  # no mark: NUL bytes between the letters
    with pytest.raises(FileRefused) as refused:
        malgruppsregister.parse(path, CTX)
    assert refused.value.file_name == "mg.csv" and "NUL bytes" in refused.value.reason


def test_windows_1252_still_decodes():
    assert decode("Målgrupp;Försörjningsstöd".encode("cp1252")) == "Målgrupp;Försörjningsstöd"
    with pytest.raises(UnicodeError):
        decode(b"\x81\x8d\x8f\x90\x9d")  # bytes Windows-1252 does not define


def test_every_source_refuses_a_utf16_file_and_the_rest_loads(hansyn_env):
    for name, source in SOURCES.items():
        folder = hansyn_env / "raw" / name
        bad = folder / ("rapport_bad.xlsx" if name == "leverantorsrapporter" else "bad.csv")
        write_text(bad, "Kolumn;Annan\nvärde;x\n", encoding="utf-16-le")
        report = ingest_source(source, load_settings(), "run-1")
        (f,) = [f for f in report.files if f.file_name == bad.name]
        assert f.status == "refused", (name, f)
        assert f.message, name


# --- symbolic links ---------------------------------------------------------------------------


def test_symbolic_links_are_refused_unread(hansyn_env, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "planted.csv"
    outside.write_text(MG_HEADER + "900315-1231;Nyanländ;101;2023-01-10;;\n", encoding="utf-8")
    folder = hansyn_env / "raw" / "malgruppsregister"
    write_text(folder / "real.csv", MG_HEADER + "198506202483;Nyanländ;101;2023-01-10;;\n")
    (folder / "link.csv").symlink_to(outside)
    (folder / "passwd.csv").symlink_to("/etc/passwd")
    (folder / "dangling.csv").symlink_to(folder / "gone.csv")
    settings = load_settings()
    report = ingest_source(TARGET_GROUPS, settings, "run-1")
    assert _statuses(report) == [
        ("dangling.csv", "refused"),
        ("link.csv", "refused"),
        ("passwd.csv", "refused"),
        ("real.csv", "loaded"),
    ]
    assert all("symbolic link" in f.message for f in report.files[:3])
    assert _query(settings, "select count(*) from raw.malgruppsregister__registrations") == [(1,)]


def test_a_source_folder_linked_outside_the_raw_zone_is_not_read(hansyn_env, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "mg.csv").write_text(MG_HEADER + "900315-1231;Nyanländ;101;2023-01-10;;\n")
    (hansyn_env / "raw" / "malgruppsregister").symlink_to(elsewhere, target_is_directory=True)
    report = ingest_source(TARGET_GROUPS, load_settings(), "run-1")
    assert _statuses(report) == [("mg.csv", "refused")]
    assert "outside the raw zone" in report.files[0].message


# --- line numbers -----------------------------------------------------------------------------


def test_row_numbers_are_the_files_line_numbers(tmp_path):
    path = write_text(
        tmp_path / "a.csv",
        HEADER  # line 1
        + row("A")  # line 2
        + '"B";D;"Titel över\ntvå rader";Park- och naturförvaltningen;212000-1355;Tjänster;x;'
        "2024-01-15;;3;3;2;Nyanländ;5560000001;Grönyta AB;01\n"  # lines 3–4
        + "\n"  # line 5, blank
        + ";;;;;;;;;;;;;;;\n"  # line 6, only delimiters
        + row("C")  # line 7
        + '"D";D;"Tre\n\nrader";Park- och naturförvaltningen;212000-1355;Tjänster;x;'
        "2024-01-15;;3;3;2;Nyanländ;5560000001;Grönyta AB;01\n"  # lines 8–10
         + row("E"),  # line 11
    )
    frame = read_csv(path, {"Upphandlings-ID": "procurement_id", "Upphandlingens titel": "t"})
    assert list(zip(frame["procurement_id"], frame["_row"], strict=True)) == [
        ("A", 2), ("B", 3), ("C", 7), ("D", 8), ("E", 11),
    ]  # fmt: skip
    assert frame["t"].tolist()[1] == "Titel över\ntvå rader"


def test_row_numbers_without_quotes_after_blank_lines(tmp_path):
    path = write_text(tmp_path / "a.csv", HEADER + row("A") + "\n\n" + row("B") + "\r\n" + row("C"))
    frame = read_csv(path, {"Upphandlings-ID": "procurement_id"})
    assert frame["_row"].tolist() == [2, 5, 7]


def test_rejected_rows_name_the_line_after_a_quoted_line_break(hansyn_env):
    folder = hansyn_env / "raw" / "avtalsregister"
    write_text(
        folder / "avtalsregister_2025-01-31.csv",
        HEADER + '"A";D;"Två\nrader";Park- och naturförvaltningen;212000-1355;Tjänster;x;'
        "2024-01-15;;3;3;2;Nyanländ;5560000001;Grönyta AB;01\n"
        + "\n"
        + row("B", level="9"),  # line 5
    )
    settings = load_settings()
    ingest_source(REGISTER, settings, "run-1")
    assert _query(settings, "select row_number, reason from audit.rejected_rows") == [
        (5, "'Social hänsyn nivå' is outside 0–4: '9'")
    ]


def test_the_area_statistics_count_lines_too(tmp_path):
    from hansyn.sources import omradesstatistik

    path = write_text(
        tmp_path / "arbetslosa_primaromraden.csv",
        # A title over two lines (quoted), the header on line 3, a blank line 5.
        '"Arbetslösa\n18–64 år";\nOmråde;2023;2024\n101 Kungsladugård;10;12\n\n102 Sandarna;x;5\n',
    )
    parsed = omradesstatistik.parse(path, CTX)
    assert parsed.rejected["row_number"].tolist() == [6]


# --- a register whose newest delivery is empty, header-only or gone ---------------------------


def _checks(settings, run_id):
    outcomes = run_quality_checks(REGISTER, settings, run_id)
    return {o.name: o for o in outcomes}


def _load_and_check(settings, run_id):
    ingest_source(REGISTER, settings, run_id)
    return _checks(settings, run_id)["row_count_vs_previous_snapshot"]


def test_a_header_only_newest_snapshot_blocks(hansyn_env, monkeypatch):
    folder = hansyn_env / "raw" / "avtalsregister"
    write_text(folder / "avtalsregister_2025-01-31.csv", _register(10, "A"))
    write_text(folder / "avtalsregister_2025-02-28.csv", _register(10, "B"))
    settings = load_settings()
    assert _load_and_check(settings, "run-1").passed
    write_text(folder / "avtalsregister_2025-03-31.csv", HEADER)
    check = _load_and_check(settings, "run-2")
    assert not check.passed and check.blocking
    assert check.file_name == "avtalsregister_2025-03-31.csv"
    assert check.detail == (
        "avtalsregister_2025-03-31.csv has 0 rows; at least 7 expected (70% of the 10 rows of "
        "the previous snapshot avtalsregister_2025-02-28.csv)"
    )
    monkeypatch.setenv("HANSYN_ACCEPT_ROW_COUNT_DROP", "avtalsregister")
    check = _load_and_check(load_settings(), "run-3")
    assert not check.passed and not check.blocking


def test_an_emptied_register_folder_blocks(hansyn_env):
    folder = hansyn_env / "raw" / "avtalsregister"
    for date in ("2025-01-31", "2025-02-28"):
        write_text(folder / f"avtalsregister_{date}.csv", _register(10, date))
    settings = load_settings()
    assert _load_and_check(settings, "run-1").passed
    for path in folder.iterdir():
        path.unlink()
    check = _load_and_check(settings, "run-2")
    assert not check.passed and check.blocking
    assert check.detail.startswith(
        "the folder avtalsregister/ holds no loaded snapshot: the raw table has 0 rows; "
        "at least 7 expected (70% of the 10 rows of the newest snapshot "
        "avtalsregister_2025-02-28.csv of the last good load"
    )
    # Still blocked the night after: the blocked load is no baseline.
    assert not _load_and_check(settings, "run-3").passed


def test_a_register_left_with_one_small_snapshot_blocks(hansyn_env):
    folder = hansyn_env / "raw" / "avtalsregister"
    write_text(folder / "avtalsregister_2025-01-31.csv", _register(10, "A"))
    write_text(folder / "avtalsregister_2025-02-28.csv", _register(10, "B"))
    settings = load_settings()
    assert _load_and_check(settings, "run-1").passed
    (folder / "avtalsregister_2025-01-31.csv").unlink()
    write_text(folder / "avtalsregister_2025-02-28.csv", _register(3, "B"))
    check = _load_and_check(settings, "run-2")
    assert not check.passed
    assert "of the newest snapshot avtalsregister_2025-02-28.csv of the last good load" in (
        check.detail
    )


def test_a_first_header_only_snapshot_blocks_too(hansyn_env):
    write_text(hansyn_env / "raw" / "avtalsregister" / "avtalsregister_2025-01-31.csv", HEADER)
    check = _load_and_check(load_settings(), "run-1")
    assert not check.passed and check.blocking
    assert "a snapshot is never empty" in check.detail


# --- the classes that always held: each file's fault named, the rest of the night goes on -----
# A load as the nightly job does it, then the alert the office would get. Where the fault
# blocks publication, the check says so (a blocking check keeps the last publication byte for
# byte: tests/test_faults.py shows it through the whole job).


def _digest(folder):
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _load(hansyn_env, *names, run_id="run-1", published=True, checks=()):
    settings = load_settings()
    raw = hansyn_env / "raw"
    before = _digest(raw)
    for name in names:
        ingest_source(SOURCES[name], settings, run_id)
    assert _digest(raw) == before, "the load changed the raw zone"
    loads = run_loads(settings, run_id)
    for f in loads:  # no row lost: every row read is loaded or rejected with a reason
        if f.status == "loaded":
            assert f.rows_read == f.rows_loaded + f.rows_rejected, f
        else:
            assert f.rows_loaded == 0, f
    alert = build_alert(run_id, loads, list(checks), [], settings.alerts, published=published)
    return {f.file_name: f for f in loads}, alert


def _problem(alert, file_name, kind):
    found = [p for p in alert.problems if p.file_name == file_name and p.kind == kind]
    assert len(found) == 1, alert.text
    return found[0]


def _rejected(settings, file_name):
    return _query(
        settings,
        "select row_number, reason from audit.rejected_rows where file_name = ? order by 1",
        [file_name],
    )


def test_a_file_missing_a_column_is_refused_naming_it(hansyn_env):
    folder = hansyn_env / "raw" / "avtalsregister"
    write_text(folder / "avtalsregister_2025-01-31.csv", _register(3))
    cut = HEADER.replace("Avtalsslut;", "")
    write_text(folder / "avtalsregister_2025-02-28.csv", cut + row("A").replace(";;", ";", 1))
    loads, alert = _load(hansyn_env, "avtalsregister")
    assert loads["avtalsregister_2025-01-31.csv"].rows_loaded == 3
    problem = _problem(alert, "avtalsregister_2025-02-28.csv", "refused")
    assert "missing columns: 'Avtalsslut'" in problem.what
    assert loads["avtalsregister_2025-02-28.csv"].rows_read == 0


def test_a_file_in_an_unknown_encoding_is_refused_with_the_reason(hansyn_env):
    folder = hansyn_env / "raw" / "malgruppsregister"
    write_text(folder / "a.csv", MG_HEADER + "900315-1231;Nyanländ;101;2023-01-10;;\n")
    # 0x81 and 0x8d are neither UTF-8 nor Windows-1252: a Mac or DOS code page, say.
    (folder / "b.csv").write_bytes(
        MG_HEADER.encode("cp1252") + b"198506202483;Nyanl\x81nd\x8d;101;2023-01-10;;\n"
    )
    loads, alert = _load(hansyn_env, "malgruppsregister")
    assert loads["a.csv"].status == "loaded"
    assert "not readable as UTF-8 or Windows-1252" in _problem(alert, "b.csv", "refused").what


def test_a_truncated_workbook_is_refused(hansyn_env):
    from tests.test_loader_leverantorsrapporter import MAN, report, workbook

    folder = hansyn_env / "raw" / "leverantorsrapporter"
    folder.mkdir(parents=True)
    good = workbook(folder / "rapport_5560000001_2024-Q1.xlsx", [report(MAN)])
    data = good.read_bytes()
    (folder / "rapport_5560000001_2024-Q2.xlsx").write_bytes(data[: len(data) // 2])
    loads, alert = _load(hansyn_env, "leverantorsrapporter")
    assert loads[good.name].rows_loaded == 1
    problem = _problem(alert, "rapport_5560000001_2024-Q2.xlsx", "refused")
    assert "workbook" in problem.what, problem.what


def test_a_workbook_on_the_wrong_sheet_is_refused_naming_the_sheets(hansyn_env):
    from tests.test_loader_leverantorsrapporter import MAN, report, workbook

    folder = hansyn_env / "raw" / "leverantorsrapporter"
    folder.mkdir(parents=True)
    workbook(folder / "rapport_5560000001_2024-Q1.xlsx", [report(MAN)])
    workbook(folder / "rapport_5560000001_2024-Q2.xlsx", [report(MAN)], sheet="Blad1")
    loads, alert = _load(hansyn_env, "leverantorsrapporter")
    assert loads["rapport_5560000001_2024-Q1.xlsx"].rows_loaded == 1
    problem = _problem(alert, "rapport_5560000001_2024-Q2.xlsx", "refused")
    assert "no sheet 'Rapport' (sheets: Blad1)" in problem.what


def test_bad_dates_and_amounts_are_rejected_with_line_and_reason(hansyn_env):
    register = hansyn_env / "raw" / "avtalsregister" / "avtalsregister_2025-01-31.csv"
    write_text(register, HEADER + row("A") + row("B", start="2024-02-31") + row("C"))
    payments = hansyn_env / "raw" / "ersattningar" / "forsorjningsstod_2024.csv"
    write_text(
        payments,
        "Personnummer;Utbetalningsmånad;Belopp\n"
        "199003151231;2024-01;1 234,50\n"
        "199003151231;2024-13;100,00\n"  # line 3: no such month
        "198506202483;2024-02;12,34,5\n",  # line 4: not an amount
    )
    loads, alert = _load(hansyn_env, "avtalsregister", "ersattningar")
    assert (loads[register.name].rows_loaded, loads[payments.name].rows_loaded) == (2, 1)
    assert "'Avtalsstart' is not a date: '2024-02-31'" in (
        _problem(alert, register.name, "rejected_rows").what
    )
    what = _problem(alert, payments.name, "rejected_rows").what
    assert "is not a month: '2024-13'" in what and "is not an amount: '12,34,5'" in what
    settings = load_settings()
    assert [n for n, _ in _rejected(settings, register.name)] == [3]
    assert [n for n, _ in _rejected(settings, payments.name)] == [3, 4]


def test_bad_personnummer_are_rejected_never_shown(hansyn_env):
    path = hansyn_env / "raw" / "malgruppsregister" / "mg.csv"
    write_text(
        path,
        MG_HEADER
        + "900315-1231;Nyanländ;101;2023-01-10;;\n"
        + "900315-1232;Nyanländ;101;2023-01-10;;\n"  # line 3: the check digit fails
        + "9003151;Nyanländ;101;2023-01-10;;\n",  # line 4: too short
    )
    loads, alert = _load(hansyn_env, "malgruppsregister")
    assert (loads["mg.csv"].rows_loaded, loads["mg.csv"].rows_rejected) == (1, 2)
    problem = _problem(alert, "mg.csv", "rejected_rows")
    assert "'Personnummer' is not a valid personnummer" in problem.what
    # The office is told which line, never the number itself.
    assert "900315-1232" not in alert.text and "9003151" not in alert.text
    assert [n for n, _ in _rejected(load_settings(), "mg.csv")] == [3, 4]


def test_unknown_codes_are_rejected_naming_the_allowed_values(hansyn_env):
    write_text(
        hansyn_env / "raw" / "malgruppsregister" / "mg.csv",
        MG_HEADER
        + "900315-1231;Nyanländ;101;2023-01-10;;\n"
        + "198506202483;Arbetssökande;101;2023-01-10;;\n",
    )
    register = hansyn_env / "raw" / "avtalsregister" / "avtalsregister_2025-01-31.csv"
    write_text(register, HEADER + row("A") + row("B", area="77"))
    loads, alert = _load(hansyn_env, "malgruppsregister", "avtalsregister")
    what = _problem(alert, "mg.csv", "rejected_rows").what
    assert "'Målgrupp' has unknown value 'Arbetssökande' (allowed: " in what
    what = _problem(alert, register.name, "rejected_rows").what
    assert "'Utförandeområde' is not a stadsområde 01–04: '77'" in what
    assert loads["mg.csv"].rows_loaded == loads[register.name].rows_loaded == 1


def test_the_same_content_twice_counts_once_and_says_so(hansyn_env):
    folder = hansyn_env / "raw" / "avtalsregister"
    write_text(folder / "avtalsregister_2025-01-31.csv", _register(4))
    write_text(folder / "avtalsregister_2025-01-31_kopia.csv", _register(4))
    loads, alert = _load(hansyn_env, "avtalsregister")
    assert loads["avtalsregister_2025-01-31_kopia.csv"].status == "duplicate"
    problem = _problem(alert, "avtalsregister_2025-01-31_kopia.csv", "duplicate")
    assert "same content as avtalsregister_2025-01-31.csv" in problem.what
    assert _query(load_settings(), "select count(*) from raw.avtalsregister__contracts") == [(4,)]


def _failed_check(settings, run_id, name):
    (check,) = [o for o in run_quality_checks(REGISTER, settings, run_id) if o.name == name]
    assert not check.passed and check.blocking, check
    return FailedCheck(
        asset="raw/avtalsregister__contracts",
        check_name=check.name,
        detail=check.detail,
        blocking=True,
        source="avtalsregister",
        file_name=check.file_name,
        rows=check.observed,
    )


def test_a_row_count_cliff_blocks_publication(hansyn_env):
    folder = hansyn_env / "raw" / "avtalsregister"
    write_text(folder / "avtalsregister_2025-01-31.csv", _register(10))
    settings = load_settings()
    ingest_source(REGISTER, settings, "run-1")
    assert all(o.passed for o in run_quality_checks(REGISTER, settings, "run-1"))
    write_text(folder / "avtalsregister_2025-02-28.csv", _register(5))  # half the register
    ingest_source(REGISTER, settings, "run-2")
    check = _failed_check(settings, "run-2", "row_count_vs_previous_snapshot")
    assert check.detail == (
        "avtalsregister_2025-02-28.csv has 5 rows; at least 7 expected (70% of the 10 rows of "
        "the previous snapshot avtalsregister_2025-01-31.csv)"
    )
    _, alert = _load(hansyn_env, run_id="run-2", published=False, checks=[check])
    assert "NOT PUBLISHED" in alert.subject
    assert "row_count_vs_previous_snapshot" in alert.text and check.detail in alert.text


def test_a_repeated_id_blocks_publication_naming_the_rows(hansyn_env):
    path = hansyn_env / "raw" / "avtalsregister" / "avtalsregister_2025-01-31.csv"
    write_text(path, _register(4) + row("P2"))  # P2 again on line 6
    settings = load_settings()
    ingest_source(REGISTER, settings, "run-1")
    check = _failed_check(settings, "run-1", "procurement_id_unique_in_snapshot")
    assert check.file_name == path.name and check.rows == 2
    assert "procurement_id=P2" in check.detail and "row 6" in check.detail
    _, alert = _load(hansyn_env, published=False, checks=[check])
    assert "NOT PUBLISHED" in alert.subject and "procurement_id_unique_in_snapshot" in alert.text
