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


