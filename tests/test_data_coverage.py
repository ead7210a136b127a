"""data_coverage on a warehouse the real loaders wrote: tiny deliveries of two sources loaded
(one file refused), every other source's folder empty, and the mart built by dbt. The rules of
each source are dbt unit tests (models/intermediate/_coverage__models.yml); this checks that the
load log and the raw tables the loaders write give the rows worked out by hand below."""

from __future__ import annotations

import datetime as dt
import os
import subprocess

import duckdb
import pytest

from hansyn.config import DBT_PROJECT_DIR, load_settings
from hansyn.manifest import dbt_command
from hansyn.sources import SOURCES
from hansyn.sources.ingest import ingest_source
from tests.conftest import write_text
from tests.pipeline import luhn

pytestmark = pytest.mark.slow

SURVEY = "Svars-ID;Omgång;Roll;F1;F2;F3;F4;F5;F6;F7;F8;F9\n"
LOADED_AT = dt.datetime(2026, 4, 1, 2, 0)


def pnr(birth: str, serial: str) -> str:
    return birth + serial + luhn(birth[2:] + serial)


def _dbt(*args: str, target) -> subprocess.CompletedProcess:
    return subprocess.run(
        [dbt_command(), *args, "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target)],
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        capture_output=True, text=True, check=False,
    )  # fmt: skip


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
    built = _dbt("run", "--select", "+data_coverage", target=hansyn_env / "dbt_target")
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
