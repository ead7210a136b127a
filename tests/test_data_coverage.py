"""data_coverage on a warehouse the real loaders wrote: tiny deliveries of two sources loaded
(one file refused), every other source's folder empty, and the mart built by dbt. The rules of
each source are dbt unit tests (models/intermediate/_coverage__models.yml); this checks that the
load log and the raw tables the loaders write give the rows worked out by hand below. And the
report: a year the suppliers' reports do not cover to 31 December is named as the part it is."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from hansyn.config import load_settings
from hansyn.report import formatting, render
from hansyn.sources import SOURCES
from hansyn.sources.ingest import ingest_source
from tests.browser import plain, read_report
from tests.conftest import write_text
from tests.pipeline import pnr, run_dbt
from tests.report_fixture import make_published

SURVEY = "Svars-ID;Omgång;Roll;F1;F2;F3;F4;F5;F6;F7;F8;F9\n"
LOADED_AT = dt.datetime(2026, 4, 1, 2, 0)


@pytest.mark.slow
def test_each_loaded_source_and_payer_has_its_files_rows_and_period(hansyn_env):
    raw = hansyn_env / "raw"
    # The survey: waves 2024-H2 (two answers) and 2025-H1 (one); a file without Roll is refused.
    write_text(
        raw / "enkat" / "enkat_2024-H2.csv",
        SURVEY
        + "A1;2024-H2;Upphandlare;4;5;4;3;5;4;4;5;4\nA2;2024-H2;Beställare;3;3;3;3;3;3;3;3;3\n",
    )
    write_text(
        raw / "enkat" / "enkat_2025-H1.csv", SURVEY + "B1;2025-H1;Upphandlare;5;5;5;5;5;5;5;5;5\n"
    )
    write_text(raw / "enkat" / "enkat_trasig.csv", "Svars-ID;Omgång\nC1;2025-H1\n")
    # Two payers: income support for January and February 2024 (a leap year), activity
    # compensation for November 2024.
    person = pnr("19900101", "123")
    write_text(
        raw / "ersattningar" / "forsorjningsstod_2024.csv",
        f"Personnummer;Utbetalningsmånad;Belopp\n{person};2024-01;5000\n{person};2024-02;5200\n",
    )
    write_text(
        raw / "ersattningar" / "aktivitetsersattning_2024.csv",
        f"Personnummer;Månad;Belopp kr\n{person};2024-11;9000\n",
    )
    settings = load_settings()
    for source in SOURCES.values():
        ingest_source(source, settings, "r1", loaded_at=LOADED_AT)
    built = run_dbt("run", "--select", "+data_coverage", target=hansyn_env / "dbt_target")
    assert built.returncode == 0, built.stdout[-3000:]

    con = duckdb.connect(str(hansyn_env / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "select source, part, files_loaded, rows_loaded, covers_from, covers_to, "
            "last_loaded_at from marts.data_coverage order by source, part"
        ).fetchall()
    finally:
        con.close()
    # enkat: two loaded files (the refused one not counted), 2 + 1 rows, 2024-H2 starts on
    # 1 July, 2025-H1 ends on 30 June; part '' (not NULL). No other source loaded a file: no
    # row for them.
    assert rows == [
        ("enkat", "", 2, 3, dt.date(2024, 7, 1), dt.date(2025, 6, 30), LOADED_AT),
        (
            "ersattningar", "aktivitetsersättning", 1, 1,
            dt.date(2024, 11, 1), dt.date(2024, 11, 30), LOADED_AT,
        ),
        (
            "ersattningar", "försörjningsstöd", 1, 2,
            dt.date(2024, 1, 1), dt.date(2024, 2, 29), LOADED_AT,
        ),
    ]  # fmt: skip


def test_a_part_year_is_named_as_the_part_it_is():
    assert formatting.fmt_part_year(2026, 1, 3) == "jan–mar 2026, delår"
    assert formatting.fmt_part_year(2024, 4, 12) == "apr–dec 2024, delår"
    assert formatting.fmt_part_year(2025, 5, 5) == "maj 2025, delår"


def test_the_report_labels_a_part_year_and_compares_whole_years(tmp_path):
    # The fixture's years 2023 (30 persons) and 2024 (42), and 2025 whose reports run to
    # 31 March: the headline is 2024 against 2023, 2025 named "jan–mar 2025, delår".
    db = make_published(tmp_path / "indikatorer.duckdb")
    con = duckdb.connect(str(db))
    con.execute("insert into i3_individuals values (2025, 12, 14, 6, 6, 5)")
    con.execute(
        "create table data_coverage as select * from (values "
        "('leverantorsrapporter', '', 8, 900, date '2023-01-01', date '2025-03-31', "
        "timestamp '2025-04-02 02:00'), "
        "('avtalsregister', '', 1, 50, date '2025-03-31', date '2025-03-31', "
        "timestamp '2025-04-02 02:00')) "
        "as t(source, part, files_loaded, rows_loaded, covers_from, covers_to, last_loaded_at)"
    )
    con.close()
    html = plain(render.build_report(db, dt.datetime(2025, 4, 2, 6, 0)))
    i3 = plain(read_report(html).texts["i3"])
    assert "42 personer i arbete 2024 (30 år 2023); jan–mar 2025, delår: 12" in html
    assert "\njan–mar 2025, delår1214665\n" in i3  # the table's row
    assert 'class="axis">jan–mar 2025, delår<' in html  # the chart's axis
    assert "personer i arbete 2024" in i3  # the cards show the last whole year
    assert "\n2025" not in i3  # nowhere drawn as a year
