"""Sole traders: an organisationsnummer that is a personnummer never enters the warehouse in
clear, not in a supplier column, a file name, a message or a rejected row; a header-only report
is never the duplicate of another."""

from __future__ import annotations

import datetime as dt

import duckdb
import openpyxl

from hansyn.alerts.messages import FileLoad, file_problems
from hansyn.config import load_settings
from hansyn.sources import SOURCES
from hansyn.sources.ingest import ingest_source
from hansyn.sources.personnummer import (
    is_sole_trader,
    mask_numbers_in_text,
    published_text,
    sole_trader_token,
)
from tests.pipeline import luhn

KEY = b"test-key-not-secret"
SOLE = "800101123" + luhn("800101123")  # a sole trader born 1980-01-01
HEADER = [
    "Upphandlings-ID", "Leverantör organisationsnummer", "Personnummer", "Insatstyp",
    "Startdatum", "Slutdatum", "Omfattning procent", "Rapportperiod",
]  # fmt: skip
PERSON = "900315-1231"


def workbook(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Rapport"
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_a_sole_traders_number_becomes_its_token_and_is_published_as_x():
    token = sole_trader_token(SOLE, KEY)
    assert token.startswith("X") and len(token) == 10 and token[1:].isalnum()
    for name in (
        f"rapport_{SOLE}_2025-Q1.xlsx",
        f"rapport_{SOLE[:6]}-{SOLE[6:]}_2025-Q1.xlsx",
        f"rapport_19{SOLE}_2025-Q1.xlsx",
    ):
        masked = mask_numbers_in_text(name, KEY)
        assert masked == f"rapport_{token}_2025-Q1.xlsx"
        assert published_text(masked) == "rapport_XXXXXXXXXX_2025-Q1.xlsx"
    # A company's number (month digits 20 or more) and dates stay as they are.
    for name in ("rapport_5560000001_2025-Q1.xlsx", "avtalsregister_2025-01-31.csv"):
        assert mask_numbers_in_text(name, KEY) == name
    assert is_sole_trader(SOLE) and not is_sole_trader("5560000001")


def _warehouse_text(settings) -> str:
    """Every value of every table of the warehouse, as one text."""
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
        parts = []
        for schema, table in tables:
            for row in con.execute(f'select * from "{schema}"."{table}"').fetchall():
                parts.append(" ".join(str(v) for v in row))
        return "\n".join(parts)
    finally:
        con.close()


def test_the_number_never_enters_the_warehouse(hansyn_env):
    folder = hansyn_env / "raw" / "leverantorsrapporter"
    folder.mkdir(parents=True)
    sole_form = f"{SOLE[:6]}-{SOLE[6:]}"
    start = dt.date(2025, 2, 1)
    workbook(
        folder / f"rapport_{SOLE}_2025-Q1.xlsx",
        [
            ["GBG-1", sole_form, PERSON, "Praktik", start, None, 50, "2025-Q1"],
            ["GBG-1", sole_form, PERSON, "Lönebidrag", start, None, 50, "2025-Q1"],  # rejected
        ],
    )
    # The same workbook again under another name: a duplicate whose message names the first.
    (folder / f"rapport_{SOLE}_2025-Q1_kopia.xlsx").write_bytes(
        (folder / f"rapport_{SOLE}_2025-Q1.xlsx").read_bytes()
    )
    wb = openpyxl.Workbook()
    wb.active.title = "Blad1"
    wb.save(folder / f"rapport_{SOLE}_2025-Q2.xlsx")  # refused: no sheet Rapport
    settings = load_settings()

    report = ingest_source(SOURCES["leverantorsrapporter"], settings, "run-1")

    token = sole_trader_token(SOLE, KEY)
    assert {f.status for f in report.files} == {"loaded", "duplicate", "refused"}
    assert all(token in f.file_name for f in report.files)
    text = _warehouse_text(settings)
    assert token in text
    assert SOLE not in text and sole_form not in text
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        rows = con.execute(
            "select supplier_org_number, _file from raw.leverantorsrapporter__placements"
        ).fetchall()
    finally:
        con.close()
    assert rows == [(token, f"rapport_{token}_2025-Q1.xlsx")]
    # Unchanged files the next night: reused by their stored name, the rows kept.
    again = ingest_source(SOURCES["leverantorsrapporter"], settings, "run-2")
    assert {f.file_name: f.reused for f in again.files if f.status != "duplicate"} == {
        f"rapport_{token}_2025-Q1.xlsx": True,
        f"rapport_{token}_2025-Q2.xlsx": True,
    }
    assert again.rows_loaded == 1


def test_alerts_show_the_number_as_x():
    token = sole_trader_token(SOLE, KEY)
    loads = [
        FileLoad(
            "leverantorsrapporter", f"rapport_{token}_2025-Q2.xlsx", "refused", 0, 0, 0,
            f"rapport_{token}_2025-Q2.xlsx: no sheet Rapport", True,
        )
    ]  # fmt: skip

    (problem,) = file_problems(loads, 0)

    assert problem.file_name == "rapport_XXXXXXXXXX_2025-Q2.xlsx"
    assert token not in problem.line() and "XXXXXXXXXX" in problem.line()


def test_header_only_reports_with_the_same_bytes_are_each_a_report(hansyn_env):
    folder = hansyn_env / "raw" / "leverantorsrapporter"
    folder.mkdir(parents=True)
    first = workbook(folder / "rapport_5560000001_2025-Q1.xlsx", [])
    (folder / "rapport_5560000019_2025-Q1.xlsx").write_bytes(first.read_bytes())
    full = workbook(
        folder / "rapport_5560000027_2025-Q1.xlsx",
        [["GBG-1", "5560000027", PERSON, "Praktik", dt.date(2025, 2, 1), None, 50, "2025-Q1"]],
    )
    (folder / "rapport_5560000027_2025-Q1_kopia.xlsx").write_bytes(full.read_bytes())
    settings = load_settings()

    for run in ("run-1", "run-2"):
        report = ingest_source(SOURCES["leverantorsrapporter"], settings, run)
        statuses = {f.file_name: f.status for f in report.files}
        assert statuses == {
            "rapport_5560000001_2025-Q1.xlsx": "loaded",
            "rapport_5560000019_2025-Q1.xlsx": "loaded",
            "rapport_5560000027_2025-Q1.xlsx": "loaded",
            "rapport_5560000027_2025-Q1_kopia.xlsx": "duplicate",
        }, run
