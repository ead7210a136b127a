"""Issue 24, the alerts: an alert that could not be sent is sent the next night (class 12), and
the alert on rejected rows names each file's lines and reasons (class 15)."""

from __future__ import annotations

from hansyn.alerts.messages import FileLoad, build_alert, rejected_lines, run_loads
from hansyn.config import AlertSettings, load_settings
from hansyn.sources import SOURCES
from hansyn.sources.ingest import ingest_source
from tests.conftest import write_text
from tests.test_quality_e2e import AGENCY_HEADER, agency_row

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
