"""Careless and hostile deliveries, one function at a time: files still being written, refused
copies of good files, undecodable bytes, symbolic links out of the raw zone, line numbers after
quoted line breaks and blank lines, and a register whose newest delivery is empty or gone."""

from __future__ import annotations

import dataclasses
import os
import time

import duckdb
import pytest

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
