"""Ingestion into the warehouse: duplicates, refusals, rejected rows, and incremental reloads."""

import duckdb

from hansyn.config import load_settings
from hansyn.sources import SOURCES
from hansyn.sources.ingest import ingest_source
from tests.conftest import write_text
from tests.test_loader_avtalsregister import HEADER, row

REGISTER = SOURCES["avtalsregister"]


def _query(settings, sql, params=()):
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def test_duplicates_refusals_and_rejections_are_recorded(hansyn_env):
    folder = hansyn_env / "raw" / "avtalsregister"
    write_text(folder / "avtalsregister_2025-01-31.csv", HEADER + row("A") + row("B", level="9"))
    write_text(folder / "avtalsregister_2025-02-28.csv", HEADER + row("A") + row("C"))
    # the same bytes again under a later name: the later name is the duplicate
    write_text(folder / "avtalsregister_2025-03-31.csv", HEADER + row("A") + row("C"))
    write_text(folder / "avtalsregister_2025-04-30.csv", "Upphandlings-ID;Annat\nX;y\n")
    settings = load_settings()
    report = ingest_source(REGISTER, settings, "run-1")
    assert [
        (f.file_name[15:25], f.status, f.rows_loaded, f.rows_rejected) for f in report.files
    ] == [
        ("2025-01-31", "loaded", 1, 1),
        ("2025-02-28", "loaded", 2, 0),
        ("2025-03-31", "duplicate", 0, 0),
        ("2025-04-30", "refused", 0, 0),
    ]
    assert (
        "missing columns" in report.files[3].message and "'Avtalsstart'" in report.files[3].message
    )
    assert _query(settings, "select count(*) from raw.avtalsregister__contracts") == [(3,)]
    assert _query(settings, "select file_name, row_number, reason from audit.rejected_rows") == [
        ("avtalsregister_2025-01-31.csv", 3, "'Social hänsyn nivå' is outside 0–4: '9'")
    ]
    assert _query(
        settings,
        "select count(*) from audit.load_log where run_id = 'run-1' group by status order by 1",
    ) == [(1,), (1,), (2,)]


def test_unchanged_files_are_not_parsed_again_and_removed_files_lose_their_rows(hansyn_env):
    folder = hansyn_env / "raw" / "avtalsregister"
    first = write_text(
        folder / "avtalsregister_2025-01-31.csv", HEADER + row("A") + row("B", level="9")
    )
    settings = load_settings()
    ingest_source(REGISTER, settings, "run-1")

    write_text(folder / "avtalsregister_2025-02-28.csv", HEADER + row("A") + row("C") + row("D"))
    report = ingest_source(REGISTER, settings, "run-2")
    assert [(f.reused, f.rows_loaded, f.rows_rejected) for f in report.files] == [
        (True, 1, 1),
        (False, 3, 0),
    ]
    # 1 row of the first file + 3 of the second; the first file's rejected row is still kept.
    assert _query(settings, "select count(*) from raw.avtalsregister__contracts") == [(4,)]
    assert _query(settings, "select count(*) from audit.rejected_rows") == [(1,)]

    # A run on the same files changes nothing.
    before = _query(settings, "select * from raw.avtalsregister__contracts order by all")
    ingest_source(REGISTER, settings, "run-3")
    assert _query(settings, "select * from raw.avtalsregister__contracts order by all") == before

    # A corrected file (same name, new content) is parsed again; a removed file's rows go.
    write_text(first, HEADER + row("A") + row("B"))
    (folder / "avtalsregister_2025-02-28.csv").unlink()
    report = ingest_source(REGISTER, settings, "run-4")
    assert [(f.reused, f.rows_loaded, f.rows_rejected) for f in report.files] == [(False, 2, 0)]
    assert _query(
        settings, "select procurement_id from raw.avtalsregister__contracts order by 1"
    ) == [("A",), ("B",)]
    assert _query(settings, "select count(*) from audit.rejected_rows") == [(0,)]
