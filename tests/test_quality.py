"""The data-quality guard: every source's suite builds in Great Expectations and matches its
loader; the suites catch what they are written for (row counts against the last delivery, keys,
values) with the thresholds worked out by hand; the checks are wired into the Definitions."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from hansyn.config import EXPECTATIONS_DIR
from hansyn.quality.baselines import last_good_load_baseline
from hansyn.quality.runner import _typed_frame, gx_suite, validate
from hansyn.quality.suites import SuiteError, load_suite, parse_suite, suite_path
from hansyn.sources import SOURCES
from hansyn.sources.avtalsregister import COLUMNS as REGISTER_COLUMNS
from hansyn.sources.contract import Source
from hansyn.warehouse import create_audit_tables

REGISTER = SOURCES["avtalsregister"]


def register_row(snapshot: str, n: int, file_row: int, **overrides) -> dict:
    row = {
        "snapshot_date": snapshot, "procurement_id": f"P{n:02d}", "diarienummer": f"D-{n}",
        "title": f"Titel {n}", "buyer_organisation": "Park- och naturförvaltningen",
        "buyer_org_number": "2120001355", "procurement_type": "Tjänster", "main_cpv": "x",
        "contract_start": "2024-01-01", "contract_end": None, "workers": 3, "social_level": 3,
        "required_places": 1, "target_groups": "Nyanländ", "supplier_org_number": "5560000001",
        "supplier_name": "Lev AB", "execution_area": "01",
        "_file": f"avtalsregister_{snapshot}.csv", "_row": file_row,
    }  # fmt: skip
    row.update(overrides)
    return row


def snapshot(date: str, count: int, **overrides) -> list[dict]:
    return [register_row(date, n, n + 1, **overrides) for n in range(1, count + 1)]


def raw_frame(rows: list[dict], columns: dict[str, str] = REGISTER_COLUMNS) -> pd.DataFrame:
    """The rows as the runner reads them: through a DuckDB raw table typed as the loader says."""
    con = duckdb.connect()
    con.execute("create schema raw")
    frame = pd.DataFrame(rows, columns=list(columns))
    con.register("incoming", frame)
    select = ", ".join(f'cast("{c}" as {t}) as "{c}"' for c, t in columns.items())
    con.execute(f"create table raw.t as select {select} from incoming")
    return _typed_frame(con, "t")


def outcomes_by_name(rows, **kw):
    return {o.name: o for o in validate(load_suite(REGISTER), raw_frame(rows), "run-1", **kw)}


# --- suites ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_every_source_has_a_suite_that_builds_in_gx(name):
    suite = load_suite(SOURCES[name])
    built = gx_suite(name, list(suite.checks))
    # Every expectation became a GX expectation (none silently dropped), with unique names.
    assert len(built.expectations) == len(suite.checks) > 0
    assert len({c.name for c in suite.checks}) == len(suite.checks)
    assert any(c.is_row_count and c.blocking for c in suite.checks)


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_suite_columns_are_the_loaders_columns(name):
    source = SOURCES[name]
    suite = load_suite(source)
    for check in suite.checks:
        kwargs = check.expectation["kwargs"]
        if check.expectation["type"] == "expect_table_columns_to_match_set":
            assert sorted(kwargs["column_set"]) == sorted(source.columns)
        for key in ("column", "column_A", "column_B"):
            if key in kwargs:
                assert kwargs[key] in source.columns, (name, check.name)
        for column in kwargs.get("column_list", []):
            assert column in source.columns, (name, check.name)


def sources_without_a_suite_file(folder: Path) -> list[str]:
    """The sources that would be validated by the generic suite alone: no file in `folder`."""
    return [name for name in sorted(SOURCES) if not suite_path(name, folder).is_file()]


def test_every_source_has_its_own_suite_file_and_it_parses():
    assert sources_without_a_suite_file(EXPECTATIONS_DIR) == []
    # No suite file for a source that does not exist (a renamed source leaves its suite behind).
    assert sorted(p.stem for p in EXPECTATIONS_DIR.glob("*.json")) == sorted(SOURCES)
    for name, source in SOURCES.items():
        data = json.loads(suite_path(name).read_text(encoding="utf-8"))
        assert data["name"] == name
        suite = load_suite(source)  # parse_suite raises SuiteError on a malformed suite
        assert suite.path == suite_path(name), name
        assert len(suite.checks) == len(data["expectations"]) > 0, name


def test_a_missing_suite_file_is_noticed(tmp_path):
    for path in EXPECTATIONS_DIR.glob("*.json"):
        if path.stem != "enkat":
            shutil.copy(path, tmp_path / path.name)
    assert sources_without_a_suite_file(tmp_path) == ["enkat"]
    # What the loader would silently fall back to: the generic suite, with no file behind it.
    assert load_suite(SOURCES["enkat"], folder=tmp_path).path is None


def test_a_source_without_a_suite_file_gets_the_generic_suite(tmp_path):
    source = Source(
        name="ny_kalla", table="ny_kalla__rows", patterns=("*.csv",), parse=lambda p, c: None,
        columns={"amount": "double", "_file": "varchar", "_row": "bigint"},
    )  # fmt: skip
    suite = load_suite(source, folder=tmp_path)
    assert suite.path is None
    assert [(c.name, c.blocking) for c in suite.checks] == [
        ("row_count_vs_last_good_load", True),
        ("columns_match_contract", True),
        ("type__amount", True),
        ("type___file", True),
        ("type___row", True),
        ("file_row_unique", True),
    ]
    assert suite.row_count.min_ratio == 0.9


def test_a_typo_in_a_suite_is_an_error_not_a_missing_check():
    data = json.loads(suite_path("avtalsregister").read_text(encoding="utf-8"))
    data["expectations"][2]["type"] = "expect_column_values_to_be_of_typo"
    with pytest.raises(SuiteError, match="type_snapshot_date.*not found"):
        gx_suite("avtalsregister", list(parse_suite("avtalsregister", data).checks))
    data["expectations"][3]["meta"]["check"] = data["expectations"][4]["meta"]["check"]
    with pytest.raises(SuiteError, match="check names repeat"):
        parse_suite("avtalsregister", data)


# --- what the suites catch -------------------------------------------------------------------


def test_clean_register_passes_every_check():
    rows = snapshot("2025-12-31", 10) + snapshot("2026-03-31", 11)
    outcomes = outcomes_by_name(rows)
    assert [o.name for o in outcomes.values() if not o.passed] == []
    assert outcomes["row_count_vs_previous_snapshot"].observed == 11


def test_row_count_against_previous_snapshot_by_hand():
    # Previous snapshot 10 rows: at least ceil(0.7 × 10) = 7 in the newest.
    ok = outcomes_by_name(snapshot("2025-12-31", 10) + snapshot("2026-03-31", 7))
    assert ok["row_count_vs_previous_snapshot"].passed
    low = outcomes_by_name(snapshot("2025-12-31", 10) + snapshot("2026-03-31", 6))
    check = low["row_count_vs_previous_snapshot"]
    assert (check.passed, check.blocking, check.observed) == (False, True, 6)
    assert check.file_name == "avtalsregister_2026-03-31.csv"
    assert check.detail == (
        "avtalsregister_2026-03-31.csv has 6 rows; at least 7 expected (70% of the 10 rows of "
        "the previous snapshot avtalsregister_2025-12-31.csv)"
    )
    # The other checks concern every row and pass.
    assert [o.name for o in low.values() if not o.passed] == ["row_count_vs_previous_snapshot"]


def test_a_single_snapshot_has_nothing_to_compare_with():
    check = outcomes_by_name(snapshot("2026-03-31", 2))["row_count_vs_previous_snapshot"]
    assert check.passed
    assert (
        check.detail
        == "avtalsregister_2026-03-31.csv has 2 rows (no earlier snapshot to compare with)"
    )


def test_accepted_drop_warns_instead_of_blocking():
    rows = snapshot("2025-12-31", 10) + snapshot("2026-03-31", 2)
    check = outcomes_by_name(rows, accept_drop=True)["row_count_vs_previous_snapshot"]
    assert (check.passed, check.blocking) == (False, False)
    assert "accepted for this run (HANSYN_ACCEPT_ROW_COUNT_DROP)" in check.detail


def test_repeated_key_in_a_snapshot_blocks_and_names_the_rows():
    rows = snapshot("2026-03-31", 4)
    rows.append(register_row("2026-03-31", 2, 6))  # P02 again, on line 6
    check = outcomes_by_name(rows)["procurement_id_unique_in_snapshot"]
    assert (check.passed, check.blocking, check.observed) == (False, True, 2)
    assert check.file_name == "avtalsregister_2026-03-31.csv"
    assert check.detail.startswith(
        "2 of 5 rows break it (e.g. snapshot_date=2026-03-31, procurement_id=P02; at "
    )
    assert (
        "avtalsregister_2026-03-31.csv row 3; avtalsregister_2026-03-31.csv row 6" in check.detail
    )


def test_values_outside_the_contract_block():
    # What the loader must reject, were it ever to let it through.
    rows = snapshot("2026-03-31", 3)
    rows[0]["social_level"] = 7
    rows[1]["procurement_type"] = "Koncessioner"
    rows[2]["execution_area"] = "09"
    failed = {n: o for n, o in outcomes_by_name(rows).items() if not o.passed}
    assert sorted(failed) == [
        "execution_area_stadsomrade", "procurement_type_allowed", "social_level_0_to_4"
    ]  # fmt: skip
    assert all(o.blocking and o.observed == 1 for o in failed.values())
    assert "e.g. 'Koncessioner'" in failed["procurement_type_allowed"].detail


def test_a_warning_check_fails_without_blocking():
    rows = snapshot("2026-03-31", 4)
    rows[3]["buyer_organisation"] = None
    check = outcomes_by_name(rows)["buyer_organisation_given"]
    assert (check.passed, check.blocking, check.observed) == (False, False, 1)


def test_pseudonyms_are_never_quoted(tmp_path):
    source = Source(
        name="personer", table="personer__rows", patterns=("*.csv",), parse=lambda p, c: None,
        columns={"person_id": "varchar", "_file": "varchar", "_row": "bigint"},
    )  # fmt: skip
    data = {
        "name": "personer",
        "expectations": [{
            "type": "expect_column_values_to_be_unique", "kwargs": {"column": "person_id"},
            "severity": "warning", "meta": {"check": "one_row_per_person"},
        }, {
            "type": "expect_compound_columns_to_be_unique",
            "kwargs": {"column_list": ["person_id", "_file"]},
            "severity": "warning", "meta": {"check": "one_row_per_person_and_file"},
        }],
    }  # fmt: skip
    suite = parse_suite(source.name, data)
    pseudonym = "4417c6522f0bd4c5209cc55fea2bc0b98b962dc8360df78ea130297c0e21098e"
    frame = raw_frame(
        [{"person_id": pseudonym, "_file": "f.csv", "_row": r} for r in (2, 3)], source.columns
    )
    for check in validate(suite, frame, "run-1"):
        assert not check.passed
        assert pseudonym not in check.detail
        assert check.detail == "2 of 2 rows break it (at f.csv row 2; f.csv row 3)"


# --- the last good load ----------------------------------------------------------------------


def audit_db(loads: list[tuple], checks: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    create_audit_tables(con)
    for run_id, when, file_name, rows in loads:
        con.execute(
            "insert into audit.load_log (run_id, source, file_name, file_sha256, loaded_at, "
            "rows_read, rows_loaded, rows_rejected, status, message) "
            "values (?, 'upphandlingsmyndigheten', ?, 'x', ?, ?, ?, 0, 'loaded', '')",
            [run_id, file_name, when, rows, rows],
        )
    for run_id, when, blocking, passed in checks:
        con.execute(
            "insert into audit.quality_checks values (?, ?, 'upphandlingsmyndigheten', 'c', ?, ?, "
            "null, null, '')",
            [run_id, when, blocking, passed],
        )
    return con


def test_last_good_load_skips_a_blocked_one():
    day = dt.datetime(2026, 1, 1, 2)
    con = audit_db(
        # r1: 60 + 40 = 100 rows, good. r2: 40 rows, blocked (a blocking check failed).
        loads=[("r1", day, "a.csv", 60), ("r1", day, "b.csv", 40), ("r2", day.replace(day=2),
               "b.csv", 40)],
        checks=[("r1", day, True, True), ("r2", day.replace(day=2), True, False)],
    )  # fmt: skip
    baseline = last_good_load_baseline(con, "upphandlingsmyndigheten", "r9", current=85)
    assert (baseline.baseline, baseline.minimum(0.9)) == (100, 90)  # ceil(0.9 × 100) = 90
    assert baseline.what == "the last good load of 2026-01-01 02:00"
    # A failed warning does not make a load bad: r3 (70 rows) becomes the last good one.
    con.execute(
        "insert into audit.load_log (run_id, source, file_name, file_sha256, loaded_at, "
        "rows_read, rows_loaded, rows_rejected, status, message) values ('r3', "
        "'upphandlingsmyndigheten', 'a.csv', 'x', '2026-01-03 02:00', 70, 70, 0, 'loaded', '')"
    )
    con.execute(
        "insert into audit.quality_checks values ('r3', '2026-01-03 02:00', "
        "'upphandlingsmyndigheten', 'w', false, false, null, null, '')"
    )
    baseline = last_good_load_baseline(con, "upphandlingsmyndigheten", "r9", current=85)
    assert (baseline.baseline, baseline.minimum(0.9)) == (70, 63)  # ceil(0.9 × 70) = 63
    # The run being checked never counts as its own baseline.
    assert last_good_load_baseline(con, "upphandlingsmyndigheten", "r3", 85).baseline == 100


def test_before_any_check_the_latest_earlier_load_is_the_baseline():
    con = audit_db(loads=[("r1", dt.datetime(2026, 1, 1), "a.csv", 20)], checks=[])
    assert last_good_load_baseline(con, "upphandlingsmyndigheten", "r2", 5).baseline == 20
    assert last_good_load_baseline(con, "upphandlingsmyndigheten", "r1", 5).baseline is None


# --- Dagster wiring --------------------------------------------------------------------------


def test_every_suite_is_a_set_of_asset_checks_on_its_ingestion_asset():
    from orchestration.definitions import defs
    from orchestration.ingestion import raw_asset_key

    graph = defs.resolve_asset_graph()
    keys = graph.asset_check_keys
    for source in SOURCES.values():
        suite = load_suite(source)
        for check in suite.checks:
            key = dg.AssetCheckKey(raw_asset_key(source), check.name)
            assert key in keys, key
            assert graph.get_check_spec(key).blocking == check.blocking
    register_checks = {k.name for k in keys if k.asset_key == raw_asset_key(REGISTER)}
    assert {"row_count_vs_previous_snapshot", "procurement_id_unique_in_snapshot"} <= (
        register_checks
    )
    # The nightly job runs them.
    job = defs.resolve_job_def("nightly_refresh")
    assert "quality_checks_avtalsregister" in job.graph.node_dict


# --- write–audit–publish ---------------------------------------------------------------------


def test_publishing_the_same_tables_again_touches_no_file(hansyn_env):
    import hashlib

    from hansyn.config import load_settings
    from hansyn.publishing.swap import publish

    settings = load_settings()
    con = duckdb.connect(str(settings.warehouse))
    con.execute("create schema marts; create table marts.t as select 1 as a, 'x' as b")
    con.close()

    def files():
        return {
            p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(settings.marts_dir.iterdir())
            if not p.name.startswith(".")  # the manifest: rewritten only with the files
        }

    assert publish(settings, ["t"]).unchanged is False
    first = files()
    assert sorted(first) == ["indikatorer.duckdb", "t.csv", "t.parquet"]
    again = publish(settings, ["t"])
    assert (again.unchanged, again.tables) == (True, {"t": 1})
    assert files() == first  # same bytes, not even rewritten
    con = duckdb.connect(str(settings.warehouse))
    con.execute("insert into marts.t values (2, 'y')")
    con.close()
    changed = publish(settings, ["t"])
    assert (changed.unchanged, changed.tables) == (False, {"t": 2})
    assert files()["t.parquet"][0] != first["t.parquet"][0]
