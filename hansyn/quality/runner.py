"""The data-quality guard: each source's suite (`suites.py`) run on its raw table after a load.

GX 1.x has no working DuckDB datasource, so rows are read into pandas and validated there: only
the rows of the files that are new or changed since a validation that passed (an expectation
about each row holds for a file's rows as it did), while the expectations about the whole table
(the row count, uniqueness) are computed by DuckDB on the raw table, so memory follows the
delivery, not the history (`run_quality_checks`). The row-count minimum (suite parameter
`min_row_count`) comes from `baselines.py`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import Settings
from ..sources.contract import Source
from ..sources.personnummer import masked_logger
from ..warehouse import warehouse
from .baselines import (
    RowCountBaseline,
    last_good_load_baseline,
    last_good_snapshot,
    loaded_files,
    newest_refused,
    snapshot_baseline,
)
from .suites import (
    MIN_ROW_COUNT,
    NEWEST_SNAPSHOT_SCOPE,
    PREVIOUS_SNAPSHOT,
    TABLE_SCOPE,
    CheckDef,
    Suite,
    SuiteError,
    load_suite,
)

log = masked_logger("hansyn.quality")


@dataclass
class CheckOutcome:
    name: str
    passed: bool
    blocking: bool  # a failure blocks publication in this run
    detail: str  # what was observed
    why: str = ""  # what the expectation guards (the suite's meta.why)
    file_name: str | None = None
    observed: int | None = None  # rows: the row count, or the rows that broke the expectation
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return f"{self.why} {'Passed' if self.passed else 'Failed'}: {self.detail}".strip()


# --- Great Expectations ----------------------------------------------------------------------


@cache
def _batch_definition():
    """One ephemeral GX context per process, with a pandas datasource taking any DataFrame."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("hansyn_raw").add_dataframe_asset("raw_table")
    return asset.add_batch_definition_whole_dataframe("whole_table")


def gx_suite(name: str, checks: list[CheckDef]):
    """A GX ExpectationSuite of these checks; GX validates each expectation's arguments here."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    built = []
    for check in checks:
        expectation = json.loads(json.dumps(check.expectation))
        expectation.setdefault("meta", {})["check"] = check.name
        expectation.pop("id", None)
        # The suite's constructor only logs an expectation it cannot build and drops it: build
        # each one here so that a typo in a suite file is an error, not a missing check.
        try:
            built.append(ExpectationConfiguration(**expectation).to_domain_obj())
        except Exception as e:
            raise SuiteError(f"suite {name}, check {check.name}: {e}") from e
    return gx.ExpectationSuite(name=name, expectations=built)


def _typed_frame(
    con, table: str, files: list[str] | None = None, columns: list[str] | None = None
) -> pd.DataFrame:
    """The raw table (the rows of `files` only, when given; the `columns` only, when given) with
    one pandas type per DuckDB type, NULLs or not (GX checks the type)."""
    con.execute("set enable_progress_bar = false")  # a big table would draw one in the run log
    types = {r[0]: r[1].lower() for r in con.execute(f"describe raw.{table}").fetchall()}
    if columns is not None:
        types = {c: t for c, t in types.items() if c in columns}
    select = ", ".join(f'"{c}"' for c in types)
    if files is None:
        frame = con.execute(f"select {select} from raw.{table} order by rowid").df()
    else:
        frame = con.execute(
            f"select {select} from raw.{table} where _file in (select unnest(?::varchar[])) "
            "order by rowid",
            [files],
        ).df()
    for column, duck_type in types.items():
        if duck_type in ("integer", "bigint", "smallint", "tinyint", "hugeint"):
            frame[column] = frame[column].astype("Int64")
        elif duck_type in ("double", "float", "real") or duck_type.startswith("decimal"):
            frame[column] = frame[column].astype("Float64")
        elif duck_type == "boolean":
            frame[column] = frame[column].astype("boolean")
        elif duck_type == "varchar":
            frame[column] = frame[column].astype("str")
    return frame


# --- running a suite -------------------------------------------------------------------------


PSEUDONYM_LIKE = re.compile(r"\b[0-9a-f]{64}\b")


def _plain(value: object) -> str:
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):  # pandas Timestamps too
        return value.date().isoformat()
    return str(value)


def _example(value: object) -> str:
    """One unexpected value; a row of a multi-column expectation as `column=value, …`."""
    if isinstance(value, dict):
        return ", ".join(f"{k}={_plain(v)}" for k, v in value.items() if k not in ("_file", "_row"))
    return repr(value if isinstance(value, str) else _plain(value))


def _examples(result: dict, columns: list[str], sensitive: frozenset[str]) -> str:
    """Up to five unexpected values and where they are; no values when a column is personal."""
    parts = []
    values = result.get("partial_unexpected_list") or []
    if values and not sensitive.intersection(columns):
        parts.append("e.g. " + "; ".join(dict.fromkeys(_example(v) for v in values[:5])))
    where = result.get("partial_unexpected_index_list") or []
    located = [f"{w['_file']} row {w['_row']}" for w in where[:5] if "_file" in w]
    if located:
        parts.append("at " + "; ".join(dict.fromkeys(located)))
    return " (" + "; ".join(parts) + ")" if parts else ""


def _unexpected_files(result: dict) -> str | None:
    where = result.get("partial_unexpected_index_list") or []
    files = sorted({str(w["_file"]) for w in where if w.get("_file")})
    return ", ".join(files) or None


def _columns(kwargs: dict) -> list[str]:
    columns = list(kwargs.get("column_list") or [])
    columns += [kwargs[k] for k in ("column", "column_A", "column_B") if kwargs.get(k)]
    return columns


def _outcome(check: CheckDef, result, suite: Suite, baseline, ratio, accepted) -> CheckOutcome:
    kwargs = check.expectation.get("kwargs", {})
    info = result.exception_info or {}
    raised = [v for v in info.values() if isinstance(v, dict) and v.get("raised_exception")]
    if info.get("raised_exception"):
        raised.append(info)
    res = result.result or {}
    blocking = check.blocking
    file_name = None
    observed = None
    if raised:
        message = f"could not be evaluated: {raised[0].get('exception_message')}"
    elif check.is_row_count and baseline is not None:
        observed = baseline.current
        file_name = baseline.file_name
        where = f"{file_name} has" if file_name else "the raw table has"
        if baseline.current == 0 and not file_name and suite.row_count.snapshot_column:
            where = f"the folder {suite.source}/ holds no loaded snapshot: the raw table has"
        if baseline.baseline is None:
            message = f"{where} {baseline.current} rows ({baseline.what} to compare with)"
        elif baseline.baseline == 0:
            message = f"{where} {baseline.current} rows ({baseline.what} had none)"
        if baseline.current < baseline.at_least and not baseline.baseline:
            message += "; a snapshot is never empty (a failed or header-only export)"
        if baseline.baseline:
            message = (
                f"{where} {baseline.current} rows; at least {baseline.minimum(ratio)} expected "
                f"({ratio:.0%} of the {baseline.baseline} rows of {baseline.what})"
            )
        if baseline.refused is not None:
            earlier = (
                f"{baseline.what} ({baseline.baseline} rows) is not taken as current"
                if baseline.baseline is not None
                else "no earlier snapshot is loaded"
            )
            message = (
                f"the newest file {file_name} was refused ({baseline.refused}): the current "
                f"register is unknown, so nothing new is published; {earlier}"
            )
        if accepted and not result.success:
            blocking = False
            message += "; the drop is accepted for this run (HANSYN_ACCEPT_ROW_COUNT_DROP)"
    elif "unexpected_count" in res:
        observed = int(res.get("unexpected_count") or 0)
        total = res.get("element_count")
        message = f"{observed} of {total} rows break it" + _examples(
            res, _columns(kwargs), suite.sensitive_columns
        )
        file_name = _unexpected_files(res)
    else:
        value = res.get("observed_value")
        if isinstance(value, int | float) and not isinstance(value, bool):
            observed = int(value)
        # A type name is never personal; another observation on a pseudonym column may be.
        is_type = check.expectation["type"].endswith(("_of_type", "_in_type_list"))
        personal = suite.sensitive_columns.intersection(_columns(kwargs))
        shown = value if is_type or not personal else "…"
        message = f"observed {shown!r}"
    # A safety net: whatever the expectation, a pseudonym is never quoted.
    message = PSEUDONYM_LIKE.sub("<pseudonym>", message)
    return CheckOutcome(
        name=check.name,
        passed=bool(result.success),
        blocking=blocking,
        detail=message,
        why=check.description,
        file_name=file_name,
        observed=observed,
        metadata={
            "expectation": check.expectation["type"],
            "kwargs": {k: v for k, v in kwargs.items() if k != "batch_id"},
        },
    )


def validate(
    suite: Suite,
    frame: pd.DataFrame,
    run_id: str,
    con=None,
    accept_drop: bool = False,
) -> list[CheckOutcome]:
    """Run the suite on the raw table's rows; `con` (the warehouse) gives the last good load."""
    rule = suite.row_count
    baseline: RowCountBaseline | None = None
    frames = {TABLE_SCOPE: frame}
    if rule.compare_to == PREVIOUS_SNAPSHOT:
        files = loaded_files(con, suite.source) if con is not None else None
        baseline, frames[NEWEST_SNAPSHOT_SCOPE] = snapshot_baseline(
            frame, rule.snapshot_column, files
        )
        if baseline.baseline is None and con is not None:
            baseline = last_good_snapshot(con, suite.source, run_id, baseline)
    elif con is not None:
        baseline = last_good_load_baseline(con, suite.source, run_id, len(frame))
    else:
        baseline = RowCountBaseline(len(frame), None, "no earlier load")
    parameters = {MIN_ROW_COUNT: baseline.minimum(rule.min_ratio)}
    index_columns = [c for c in ("_file", "_row") if c in frame.columns]
    outcomes: dict[str, CheckOutcome] = {}
    for scope in (TABLE_SCOPE, NEWEST_SNAPSHOT_SCOPE):
        checks = [c for c in suite.checks if c.scope == scope]
        if not checks:
            continue
        batch = _batch_definition().get_batch(batch_parameters={"dataframe": frames[scope]})
        result_format: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": 5}
        if index_columns:
            result_format["unexpected_index_column_names"] = index_columns
        results = batch.validate(
            gx_suite(f"{suite.source}_{scope}", checks),
            expectation_parameters=parameters,
            result_format=result_format,
        )
        by_name = {c.name: c for c in checks}
        for result in results.results:
            check = by_name[result.expectation_config.meta["check"]]
            outcomes[check.name] = _outcome(
                check, result, suite, baseline, rule.min_ratio, accept_drop
            )
    return [outcomes[c.name] for c in suite.checks]


# Expectations about each row on its own (or a column's type, the same for every row): the rows
# of a file that passed them pass them again, so only new and changed files' rows are validated.
ROW_EXPECTATIONS = frozenset({
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_null",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_not_match_regex",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_not_be_in_set",
    "expect_column_values_to_be_between",
    "expect_column_values_to_be_json_parseable",
    "expect_column_values_to_be_of_type",
    "expect_column_values_to_be_in_type_list",
    "expect_column_values_to_match_strftime_format",
    "expect_column_value_lengths_to_be_between",
    "expect_column_pair_values_a_to_be_greater_than_b",
    "expect_column_pair_values_to_be_equal",
    # About the table's columns, which every row has: the new rows show them as the table does.
    "expect_table_columns_to_match_set",
    "expect_table_columns_to_match_ordered_list",
    "expect_table_column_count_to_equal",
    "expect_column_to_exist",
})  # fmt: skip
UNIQUE = "expect_compound_columns_to_be_unique"


def is_row_check(check: CheckDef) -> bool:
    """A check whose outcome on the table is that on each file's rows: about each row, on the
    whole table, and without `mostly` (a share of the whole table, not of a file)."""
    kwargs = check.expectation.get("kwargs", {})
    return (
        check.scope == TABLE_SCOPE
        and check.expectation["type"] in ROW_EXPECTATIONS
        and "mostly" not in kwargs
        and not check.is_row_count
    )


def suite_version(suite: Suite) -> str:
    """What a file's passing rows depend on besides the rows: the suite and this module."""
    return hashlib.sha256((repr(suite) + _code_version()).encode("utf-8")).hexdigest()[:16]


def validated_files(con, source: str, version: str) -> set[str]:
    """The source's loaded files whose rows, as loaded now, passed every check of a validation
    with this suite."""
    rows = con.execute(
        """
        select r.file_name from audit.file_registry r
        inner join audit.validated_files v
            on v.source = r.source and v.file_name = r.file_name
            and v.file_sha256 = r.file_sha256 and v.parser_version = r.parser_version
        where r.source = ? and r.status = 'loaded' and v.suite_version = ?
        """,
        [source, version],
    ).fetchall()
    return {r[0] for r in rows}


def record_validated_files(con, source: str, version: str, run_id: str) -> None:
    """Every loaded file of the source passed (all of its checks passed in this run)."""
    con.execute("delete from audit.validated_files where source = ?", [source])
    con.execute(
        "insert into audit.validated_files select source, file_name, file_sha256, "
        "parser_version, ?, ?, ? from audit.file_registry where source = ? and status = 'loaded'",
        [version, run_id, dt.datetime.now(), source],
    )


@dataclass
class _Result:
    """The parts of a GX expectation result that `_outcome` reads, for a check DuckDB computes."""

    success: bool
    result: dict
    exception_info: dict = field(default_factory=dict)


def _parameter(value: Any, parameters: dict[str, Any]) -> Any:
    if isinstance(value, dict) and "$PARAMETER" in value:
        return parameters[value["$PARAMETER"]]
    return value


def _row_count_result(check: CheckDef, observed: int, parameters: dict) -> _Result:
    kwargs = check.expectation.get("kwargs", {})
    low = _parameter(kwargs.get("min_value"), parameters)
    high = _parameter(kwargs.get("max_value"), parameters)
    ok = (low is None or observed >= low) and (high is None or observed <= high)
    return _Result(ok, {"observed_value": observed})


def _unique_result(con, table: str, check: CheckDef, index_columns: list[str]) -> _Result:
    """expect_compound_columns_to_be_unique as GX computes it on pandas, in DuckDB: every row
    whose key occurs more than once is unexpected; rows whose key is all missing are left out
    (GX's default `ignore_row_if`); the first five unexpected rows in table order as examples."""
    kwargs = check.expectation.get("kwargs", {})
    columns = list(kwargs["column_list"])
    ignore = kwargs.get("ignore_row_if", "all_values_are_missing")
    quoted = [f'"{c}"' for c in columns]
    if ignore == "all_values_are_missing":
        keep = "not (" + " and ".join(f"{c} is null" for c in quoted) + ")"
    elif ignore == "any_value_is_missing":
        keep = "not (" + " or ".join(f"{c} is null" for c in quoted) + ")"
    else:
        keep = "true"
    shown = list(dict.fromkeys([*columns, *index_columns]))
    select = ", ".join(f'"{c}"' for c in shown)
    total, kept, unexpected = con.execute(
        f"select count(*), count(*) filter (where {keep}), "
        f"count(*) filter (where {keep} and n > 1) from ("
        f"select *, count(*) over (partition by {', '.join(quoted)}) as n from raw.{table})"
    ).fetchone()
    examples = con.execute(
        f"select {select} from (select rowid as _at, *, count(*) over "
        f"(partition by {', '.join(quoted)}) as n from raw.{table}) "
        f"where {keep} and n > 1 order by _at limit 5"
    ).fetchall()
    # A missing value as pandas shows it in GX's examples: NaN in a text column, else <NA>.
    types = {r[0]: r[1].lower() for r in con.execute(f"describe raw.{table}").fetchall()}
    missing = {c: float("nan") if types.get(c) == "varchar" else pd.NA for c in shown}
    rows = [
        {c: missing[c] if v is None else v for c, v in zip(shown, r, strict=True)} for r in examples
    ]
    mostly = kwargs.get("mostly", 1.0)
    ok = unexpected == 0 if mostly >= 1 else (not kept or 1 - unexpected / kept >= mostly)
    return _Result(
        ok,
        {
            "element_count": total,
            "unexpected_count": unexpected,
            "partial_unexpected_list": [{c: r[c] for c in columns} for r in rows],
            "partial_unexpected_index_list": [
                {c: r[c] for c in shown if c in index_columns or c in columns} for r in rows
            ]
            if index_columns
            else [],
        },
    )


def _gx_results(frame: pd.DataFrame, suite: Suite, name: str, checks, parameters) -> dict:
    """GX's result of each check on the frame, by check name."""
    if not checks:
        return {}
    index_columns = [c for c in ("_file", "_row") if c in frame.columns]
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    result_format: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": 5}
    if index_columns:
        result_format["unexpected_index_column_names"] = index_columns
    results = batch.validate(
        gx_suite(f"{suite.source}_{name}", checks),
        expectation_parameters=parameters,
        result_format=result_format,
    )
    return {r.expectation_config.meta["check"]: r for r in results.results}


def validate_new_files(
    suite: Suite,
    con,
    table: str,
    run_id: str,
    accept_drop: bool = False,
    marts_dir: Path | None = None,
) -> list[CheckOutcome]:
    """The suite's outcome on the raw table, with only the new and changed files' rows in pandas.

    The checks about each row (`is_row_check`) run in GX on the rows of the loaded files that
    did not pass a validation with this suite before (a file whose rows passed every check
    passes them again: none of its rows break one); their row totals count the whole table, so
    that a message reads as it did. The row count and uniqueness are computed by DuckDB on the
    whole table; any other check about the whole table (one with `mostly`) goes to GX with only
    the columns it names. When every check passes, every loaded file counts as validated."""
    rule = suite.row_count
    columns = [r[0] for r in con.execute(f"describe raw.{table}").fetchall()]
    by_file = "_file" in columns
    index_columns = [c for c in ("_file", "_row") if c in columns]
    version = suite_version(suite)
    files = loaded_files(con, suite.source)
    done = validated_files(con, suite.source, version) if by_file else set()
    new = [f for f in files if f not in done]
    counts = dict(
        con.execute(f"select _file, count(*) from raw.{table} group by _file").fetchall()
        if by_file
        else [(None, con.execute(f"select count(*) from raw.{table}").fetchone()[0])]
    )
    total = sum(counts.values())
    old_rows = total - sum(counts.get(f, 0) for f in new) if by_file else 0

    newest: pd.DataFrame | None = None
    if rule.compare_to == PREVIOUS_SNAPSHOT:
        refused = newest_refused(con, suite.source)
        if refused is not None:
            # The newest file was refused: the current register is unknown, and the newest
            # loaded snapshot is only what it would have been compared with.
            baseline = RowCountBaseline(
                0, counts.get(files[-1], 0) if files else None,
                f"the previous snapshot {files[-1]}" if files else "no earlier snapshot",
                refused[0], 1, refused=refused[1],
            )  # fmt: skip
        elif not files:
            baseline = RowCountBaseline(0, None, "no snapshot loaded")
        elif len(files) < 2:
            baseline = RowCountBaseline(
                counts.get(files[-1], 0), None, "no earlier snapshot", files[-1], 1
            )
        else:
            baseline = RowCountBaseline(
                counts.get(files[-1], 0), counts.get(files[-2], 0),
                f"the previous snapshot {files[-2]}", files[-1], 1,
            )  # fmt: skip
        if baseline.baseline is None:
            baseline = last_good_snapshot(con, suite.source, run_id, baseline, marts_dir)
    else:
        baseline = last_good_load_baseline(con, suite.source, run_id, total, marts_dir)
    parameters = {MIN_ROW_COUNT: baseline.minimum(rule.min_ratio)}

    row_checks = [c for c in suite.checks if is_row_check(c)]
    results = _gx_results(
        _typed_frame(con, table, new if by_file else None), suite, "new_rows", row_checks,
        parameters,
    )  # fmt: skip
    for result in results.values():
        res = result.result or {}
        if "element_count" in res and res.get("element_count") is not None:
            res["element_count"] += old_rows
    for check in suite.checks:
        if check in row_checks:
            continue
        if check.is_row_count:
            results[check.name] = _row_count_result(check, baseline.current, parameters)
        elif check.scope == TABLE_SCOPE and check.expectation["type"] == UNIQUE:
            results[check.name] = _unique_result(con, table, check, index_columns)
        elif check.scope == TABLE_SCOPE:
            needed = list(dict.fromkeys([*_columns(check.expectation.get("kwargs", {})),
                                         *index_columns]))  # fmt: skip
            frame = _typed_frame(con, table, columns=needed or None)
            results.update(_gx_results(frame, suite, check.name, [check], parameters))
        else:  # the newest snapshot's rows
            if newest is None:
                newest = _typed_frame(con, table, files[-1:])
            results.update(_gx_results(newest, suite, check.name, [check], parameters))
    outcomes = [
        _outcome(c, results[c.name], suite, baseline, rule.min_ratio, accept_drop)
        for c in suite.checks
    ]
    if by_file and all(o.passed for o in outcomes):
        record_validated_files(con, suite.source, version, run_id)
    log.info("%s: %d of %d files validated (%d rows of %d)", suite.source, len(new), len(files),
             total - old_rows, total)  # fmt: skip
    return outcomes


def record_outcomes(con, run_id: str, source: str, outcomes: list[CheckOutcome]) -> None:
    """The run's check outcomes into audit.quality_checks (`warehouse()` made the table)."""
    if not outcomes:
        return
    now = dt.datetime.now().replace(microsecond=0)
    con.executemany(
        "insert into audit.quality_checks values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [run_id, now, source, o.name, o.blocking, o.passed, o.file_name, o.observed, o.detail]
            for o in outcomes
        ],
    )


def fingerprint(con, suite: Suite, table: str, accept_drop: bool) -> str:
    """What a validation's outcome depends on: the raw table's rows, the suite, this module's
    code and the accepted drop. Only ingestion writes a raw table, and it keeps a file's rows
    exactly while the file registry keeps its content and loader version: the registry's rows of
    the source stand for the table's rows without reading it (a header-only file adds no row but
    is a delivery: a new snapshot)."""
    files = con.execute(
        "select file_name, file_sha256, parser_version, status, rows_loaded "
        "from audit.file_registry where source = ? order by file_name",
        [suite.source],
    ).fetchall()
    digest = hashlib.sha256()
    for part in (table, repr(files), repr(suite), str(accept_drop), _code_version()):
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()


@cache
def _code_version() -> str:
    from importlib.metadata import version  # not GX itself: importing it takes seconds

    source = Path(__file__).read_bytes()
    return hashlib.sha256(source).hexdigest() + version("great_expectations")


def _unchanged_outcomes(con, suite: Suite, current: str) -> list[CheckOutcome] | None:
    """The outcomes of the source's last validation when its fingerprint is this one and every
    check passed: the same rows and suite give the same outcome, so GX need not run again (the
    nightly cost then follows the sources that changed). Anything else is validated afresh."""
    last = con.execute(
        "select fingerprint, run_id from audit.quality_fingerprints where source = ? "
        "order by checked_at desc limit 1",
        [suite.source],
    ).fetchone()
    if last is None or last[0] != current:
        return None
    rows = con.execute(
        "select check_name, blocking, passed, file_name, observed, message "
        "from audit.quality_checks where source = ? and run_id = ?",
        [suite.source, last[1]],
    ).fetchall()
    by_name = {r[0]: r for r in rows}
    if set(by_name) != {c.name for c in suite.checks} or not all(r[2] for r in rows):
        return None
    outcomes = []
    for check in suite.checks:
        _, blocking, _, file_name, observed, detail = by_name[check.name]
        kwargs = check.expectation.get("kwargs", {})
        outcomes.append(
            CheckOutcome(
                name=check.name,
                passed=True,
                blocking=blocking,
                detail=detail,
                why=check.description,
                file_name=file_name,
                observed=observed,
                metadata={
                    "expectation": check.expectation["type"],
                    "kwargs": {k: v for k, v in kwargs.items() if k != "batch_id"},
                    "unchanged_since_run": last[1],
                },
            )
        )
    return outcomes


def run_quality_checks(source: Source, settings: Settings, run_id: str) -> list[CheckOutcome]:
    """Validate the source's raw table as loaded in this run, and record what was found.

    A table unchanged since a validation that passed keeps that outcome without running GX.
    Otherwise only the rows of the files that are new or changed since a validation in which
    every check passed go to GX (`validate_new_files`)."""
    suite = load_suite(source)
    accept_drop = source.name in settings.accept_row_count_drop
    with warehouse(settings) as con:
        current = fingerprint(con, suite, source.table, accept_drop)
        outcomes = _unchanged_outcomes(con, suite, current)
        if outcomes is None:
            outcomes = validate_new_files(
                suite, con, source.table, run_id, accept_drop, settings.marts_dir
            )
        else:
            log.debug("%s: unchanged since its last validation, every check passed", source.name)
        record_outcomes(con, run_id, source.name, outcomes)
        con.execute(
            "insert into audit.quality_fingerprints values (?, ?, ?, ?)",
            [source.name, current, run_id, dt.datetime.now()],
        )
    for o in outcomes:
        if not o.passed:
            level = logging.ERROR if o.blocking else logging.WARNING
            log.log(level, "%s: check %s failed: %s", source.name, o.name, o.message)
    return outcomes
