"""Issue 24, numbers guessed and odd files stopping things: thousands separators and dots in
numbers (class 5), a file name that is not UTF-8 (class 13), a cell larger than the CSV reader's
field limit (class 16). Each test is a loader or one source's load on tiny files, but for one
whole night (slow) on the sample city with a file name that is not UTF-8."""

from __future__ import annotations

import json
import os

import duckdb
import pandas as pd
import pytest

from hansyn.alerts.messages import build_alert, run_loads
from hansyn.config import load_settings
from hansyn.sources import SOURCES, avtalsregister, enkat, ersattningar, omradesstatistik
from hansyn.sources.contract import LoadContext
from hansyn.sources.ingest import ingest_source
from hansyn.sources.leverantorsrapporter import parse as parse_reports
from hansyn.sources.readers import FIELD_LIMIT, cell_text
from hansyn.sources.validation import decimal_numbers, whole_numbers
from tests.conftest import published, write_text
from tests.test_faults import (  # noqa: F401 (the whole-night fixtures)
    _nothing_lost,
    _published_without,
    _raw_unchanged_by,
    baseline,
    city,
)
from tests.test_loader_avtalsregister import HEADER, row
from tests.test_loader_leverantorsrapporter import MAN, report, workbook

CTX = LoadContext(pseudonym_key=b"test-key")


def _reasons(parsed) -> dict[int, str]:
    return dict(zip(parsed.rejected["row_number"], parsed.rejected["reason"], strict=True))


# --- 5. whole numbers and amounts are never guessed ---------------------------------------------


def test_thousands_commas_and_dots_in_whole_numbers_reject_the_row_never_guessed(tmp_path):
    """`1,000` and `2.000` were read as 1 and 2 (the contract fell off the gross list with no
    rejected row). Now only digits, with a space, no-break space or narrow no-break space between
    groups of three, are a whole number; anything else is a rejected row naming its line."""
    text = (
        HEADER
        + row("A", workers="1,000")  # line 2: a thousands comma (or 1 with three decimals)
        + row("B", workers="2.000")  # line 3: a dot
        + row("C", workers="1.5")  # line 4: a dot, decimals
        + row("D", workers="1 000")  # line 5: 1000
        + row("E", workers="1\u00a0000")  # line 6: 1000, no-break space
        + row("F", workers="2\u202f500")  # line 7: 2500, narrow no-break space
        + row("G", workers="12 34")  # line 8: not groups of three
        + row("H", workers="2,5")  # line 9: decimals
        + row("I", workers="12", places="1 200")  # line 10
    )
    parsed = avtalsregister.parse(write_text(tmp_path / "avtalsregister_2025-03-31.csv", text), CTX)
    assert dict(zip(parsed.rows["procurement_id"], parsed.rows["workers"], strict=True)) == {
        "D": 1000,
        "E": 1000,
        "F": 2500,
        "I": 12,
    }
    assert parsed.rows.set_index("procurement_id").loc["I", "required_places"] == 1200
    label = "'Beräknat antal arbetstagare' is not a whole number"
    comma = "a comma is not read as a thousands separator: write 1000 or 1 000"
    dot = "a dot is not read as a thousands or decimal separator: write 1000 or 1 000"
    assert _reasons(parsed) == {
        2: f"{label}: '1,000' ({comma})",
        3: f"{label}: '2.000' ({dot})",
        4: f"{label}: '1.5' ({dot})",
        8: f"{label}: '12 34' (thousands are separated in groups of three digits)",
        9: f"{label}: '2,5' (it has decimals)",
    }
    assert parsed.rows_read == len(parsed.rows) + len(parsed.rejected) == 9


def test_an_amount_with_a_dot_is_rejected_never_read_as_decimals(tmp_path):
    """`11.840 kr` was read as 11.84 kr. A dot is neither the decimal comma nor a thousands
    space of the contract: whether 11 840 or 11,84 was meant is not guessed."""
    text = (
        "Personnummer;Utbetalningsmånad;Belopp\n"
        "900315-1231;2024-01;11.840 kr\n"  # 2: rejected
        "900315-1231;2024-02;1234.50\n"  # 3: rejected
        "900315-1231;2024-03;12 345,50\n"  # 4: 12345.50
        "900315-1231;2024-04;11\u00a0840 kr\n"  # 5: 11840, its unit dropped as before
        "900315-1231;2024-05;-1\u202f200,25\n"  # 6: a repayment of 1200.25
        "900315-1231;2024-06;1,234.50\n"  # 7: rejected
    )
    parsed = ersattningar.parse(write_text(tmp_path / "forsorjningsstod_2024.csv", text), CTX)
    assert list(parsed.rows["amount"]) == [12345.50, 11840.0, -1200.25]
    assert list(parsed.rows["_row"]) == [4, 5, 6]
    hint = (
        "a dot is not read: write decimals with a comma (1234,50) "
        "and thousands with a space (12 345)"
    )
    assert _reasons(parsed) == {
        2: f"'Belopp' is not an amount: '11.840 kr' ({hint})",
        3: f"'Belopp' is not an amount: '1234.50' ({hint})",
        7: f"'Belopp' is not an amount: '1,234.50' ({hint})",
    }


def test_every_csv_loader_reads_numbers_with_the_same_rule(tmp_path):
    """The area statistics (decimals allowed) and the survey (answers 1–5) follow the same
    rule: a dot is never a thousands or decimal separator; `4,0` is still a four (a decimal
    comma with a zero fraction of one or two digits cannot be a thousands group)."""
    stats = write_text(
        tmp_path / "befolkning_primaromraden.csv",
        "Område;2021;2022;2023\n"
        "101 Kungsladugård;1 234;12,5;7\n"  # 2: good
        "102 Sanna;1.234;5;6\n",  # 3: rejected, 1.234 is not guessed
    )
    parsed = omradesstatistik.parse(stats, CTX)
    assert json.loads(parsed.rows["values_by_year"].iloc[0]) == {
        "2021": 1234.0,
        "2022": 12.5,
        "2023": 7.0,
    }
    assert _reasons(parsed) == {
        3: "'2021' is not a number ≥ 0, '..' or 'Uppgift saknas': '1.234' (a dot is not read: "
        "write decimals with a comma (1234,50) and thousands with a space (12 345))"
    }

    survey = write_text(
        tmp_path / "enkat_2024-H1.csv",
        "Svars-ID;Omgång;Roll;F1;F2;F3;F4;F5;F6;F7;F8;F9\n"
        "A1;2024-H1;Deltagare;4,0;4,00;1;1;1;1;1;1;1\n"
        "A2;2024-H1;Deltagare;4.0;1;1;1;1;1;1;1;1\n",
    )
    parsed = enkat.parse(survey, CTX)
    assert json.loads(parsed.rows["answers"].iloc[0])["F1"] == "4"
    assert json.loads(parsed.rows["answers"].iloc[0])["F2"] == "4"
    assert _reasons(parsed) == {3: "'F1' is not an answer 1–5, empty or Vet ej: '4.0'"}


def test_the_number_parsers_on_their_own():
    text = pd.Series(["1 000", "-7", "1,000", "2.000", "1,00", "", "x", "1 2345", "0012"])
    numbers, problems = whole_numbers(text)
    assert numbers.tolist()[:2] == [1000, -7]
    assert numbers.tolist()[4] == 1 and numbers.tolist()[8] == 12
    assert numbers.isna().tolist() == [False, False, True, True, False, True, True, True, False]
    assert problems.tolist() == [
        None,
        None,
        "a comma is not read as a thousands separator: write 1000 or 1 000",
        "a dot is not read as a thousands or decimal separator: write 1000 or 1 000",
        None,
        None,
        None,
        "thousands are separated in groups of three digits",
        None,
    ]
    amounts, problems = decimal_numbers(pd.Series(["12 345,50", "\u22125,5", "11.84", "0,05"]))
    assert amounts.tolist()[:2] == [12345.5, -5.5]
    assert pd.isna(amounts.iloc[2]) and amounts.iloc[3] == 0.05
    assert problems.iloc[2].startswith("a dot is not read")


def test_workbook_numbers_still_load(tmp_path):
    """A workbook's number cells are numbers, not text to guess: calamine's floats (100.0,
    37.5) are written as the Swedish text the parsers read (100, 37,5)."""
    assert [cell_text(v) for v in (100.0, 37.5, 2024, -0.25)] == ["100", "37,5", "2024", "-0,25"]
    path = workbook(
        tmp_path / "rapport_5560000001_2024-Q1.xlsx",
        [
            report(MAN, extent=100.0),
            report(MAN, extent=37.5, period="2024-Q2"),
            report(MAN, extent="37,5", period="2024-Q3"),
            report(MAN, extent="37.5", period="2024-Q4"),  # typed as text with a dot
        ],
    )
    parsed = parse_reports(path, CTX)
    assert list(parsed.rows["extent_percent"]) == [100.0, 37.5, 37.5]
    assert list(parsed.rejected["row_number"]) == [5]
    assert (
        parsed.rejected["reason"]
        .iloc[0]
        .startswith("'Omfattning procent' is not a number: '37.5' (a dot is not read")
    )


# --- 13. a file name that is not UTF-8 ----------------------------------------------------------


def test_a_file_name_that_is_not_utf8_is_refused_named_and_the_rest_loads(hansyn_env):
    """The name `avtalsregister_\\xff.csv` (a byte that is no UTF-8) stopped the whole night:
    it could not be written to the load log. It is refused unread (what it would be is
    unknown: which snapshot date, which payer), named with the byte escaped as `\\xff`, and
    every other file loads."""
    folder = hansyn_env / "raw" / "avtalsregister"
    good = write_text(folder / "avtalsregister_2025-01-31.csv", HEADER + row("A") + row("B"))
    bad = os.fsencode(folder) + b"/avtalsregister_2025-02-28_\xff.csv"
    with open(bad, "wb") as f:
        f.write((HEADER + row("C")).encode())
    settings = load_settings()
    report = ingest_source(SOURCES["avtalsregister"], settings, "run-1")
    shown = "avtalsregister_2025-02-28_\\xff.csv"
    assert [(f.file_name, f.status, f.rows_loaded) for f in report.files] == [
        (good.name, "loaded", 2),
        (shown, "refused", 0),
    ]
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        assert con.execute(
            "select file_name, status, message from audit.load_log order by file_name"
        ).fetchall() == [
            (good.name, "loaded", ""),
            (
                shown,
                "refused",
                "the file name is not valid UTF-8: not read (rename the file and deliver it again)",
            ),
        ]
        assert con.execute("select count(*) from raw.avtalsregister__contracts").fetchone() == (2,)
    finally:
        con.close()
    alert = build_alert("run-1", run_loads(settings, "run-1"), [], [], settings.alerts)
    assert any(p.file_name == shown and p.kind == "refused" for p in alert.problems)
    assert shown in alert.text and "not valid UTF-8" in alert.text
    assert "\udcff" not in alert.text
    # The next night says the same without stopping either.
    again = ingest_source(SOURCES["avtalsregister"], settings, "run-2")
    assert [(f.file_name, f.status) for f in again.files][1] == (shown, "refused")


@pytest.mark.slow
def test_a_file_name_that_is_not_utf8_does_not_stop_the_night(city):  # noqa: F811
    """Through the whole nightly job on the sample city: the night publishes, the alert and
    the published load_quality name the file with its byte escaped, nothing is lost."""
    folder = os.fsencode(city.raw / "malgruppsregister")
    with open(folder + b"/malgruppsregister_\xff.csv", "wb") as f:
        f.write("Personnummer;Målgrupp\n199003151231;Nyanländ\n".encode())
    summary, alert = _raw_unchanged_by(city, city.night)
    shown = "malgruppsregister_\\xff.csv"
    _published_without(city, summary, alert, "refused", shown, "not valid UTF-8")
    # DuckDB reads a backslash in a string literal as itself.
    assert published(
        city.root, f"select status, message from load_quality where file_name = '{shown}'"
    ) == [("refused", "the file name is not valid UTF-8: not read (rename the file and deliver "
           "it again)")]  # fmt: skip
    _nothing_lost(city, summary.run_id)


# --- 16. a cell larger than the reader's field limit --------------------------------------------


def test_a_huge_cell_rejects_its_row_not_the_file(tmp_path):
    """A 3 MB cell made Python's csv reader refuse the whole snapshot ("field larger than field
    limit"). A cell over FIELD_LIMIT characters now rejects its row, naming the line, the
    column and the size; the row's raw values keep the cell's start only. Quoted (read by the
    csv module) and unquoted (read by pandas) files alike."""
    huge = "x" * 3 * 1024 * 1024
    quoted = (
        HEADER
        + row("A")
        + row("B").replace(";Titel;", f';"{huge}";')  # line 3
        + row("C")
    )
    plain = HEADER + row("A") + row("B") + row("C").replace(";Titel;", f";{huge};")  # line 4
    for name, text, line in (("2025-01-31", quoted, 3), ("2025-02-28", plain, 4)):
        path = write_text(tmp_path / f"avtalsregister_{name}.csv", text)
        parsed = avtalsregister.parse(path, CTX)
        assert parsed.rows_read == 3
        assert len(parsed.rows) == 2
        assert _reasons(parsed) == {
            line: "'Upphandlingens titel' holds 3,145,728 characters, more than the limit "
            f"of {FIELD_LIMIT:,} for one cell"
        }
        kept = json.loads(parsed.rejected["raw_values"].iloc[0])["title"]
        assert kept.startswith("xxx") and len(kept) < 300
        assert kept.endswith("… (3,145,728 characters)")


def test_a_huge_cell_in_the_area_statistics_rejects_its_row(tmp_path):
    huge = "9" * 200_000
    path = write_text(
        tmp_path / "befolkning_primaromraden.csv",
        f'Område;2021\n101 Kungsladugård;5\n102 Sanna;"{huge}"\n',
    )
    parsed = omradesstatistik.parse(path, CTX)
    assert list(parsed.rows["primaromrade"]) == ["101"]
    assert _reasons(parsed) == {
        3: f"'2021' holds 200,000 characters, more than the limit of {FIELD_LIMIT:,} for one cell"
    }


def test_a_snapshot_with_a_huge_cell_loads_and_the_alert_names_the_line(hansyn_env):
    folder = hansyn_env / "raw" / "avtalsregister"
    huge = "y" * 3 * 1024 * 1024
    write_text(
        folder / "avtalsregister_2025-01-31.csv",
        HEADER + row("A") + row("B").replace(";Titel;", f';"{huge}";') + row("C"),
    )
    settings = load_settings()
    report = ingest_source(SOURCES["avtalsregister"], settings, "run-1")
    assert [(f.status, f.rows_read, f.rows_loaded, f.rows_rejected) for f in report.files] == [
        ("loaded", 3, 2, 1)
    ]
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        assert con.execute("select row_number, reason, length(raw_values) < 2000 "
                           "from audit.rejected_rows").fetchall() == [
            (3, "'Upphandlingens titel' holds 3,145,728 characters, more than the limit of "
             "100,000 for one cell", True)
        ]  # fmt: skip
    finally:
        con.close()
    alert = build_alert("run-1", run_loads(settings, "run-1"), [], [], settings.alerts)
    assert "holds 3,145,728 characters" in alert.text
