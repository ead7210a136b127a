"""The suites of the data-quality guard: `expectations/<source>.json`, a GX 1.x ExpectationSuite
per source reviewed like code, read into the checks the runner runs and Dagster shows.

`severity: critical` marks an expectation whose failure means "this data must not be published"
(a blocking asset check); `warning` only warns. A list of values can be read from a dbt seed
(`{"$seed": …}`), so the reference lists live in one place. A source without a suite file gets a
generic suite built from its loader's declared columns."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import reference
from ..config import EXPECTATIONS_DIR
from ..sources.contract import Source

MIN_ROW_COUNT = "min_row_count"  # the suite parameter the runner computes
SEED = "$seed"  # a list of values read from a dbt seed (see `load_suite`)
SEED_TYPES = {"text": str, "integer": int}
TABLE_SCOPE = "table"
NEWEST_SNAPSHOT_SCOPE = "newest_snapshot"
# Row-count baselines (suite meta `hansyn.row_count.compare_to`).
PREVIOUS_SNAPSHOT = "previous_snapshot"
LAST_GOOD_LOAD = "last_good_load"
# A raw table holds the rows of every file in the folder (an unchanged file keeps its rows without
# being parsed again), so it only grows; losing more than a tenth of it means deliveries vanished
# or were refused.
DEFAULT_MIN_RATIO = 0.9
# Values never quoted in a check result or an alert: pseudonyms stand for persons.
ALWAYS_SENSITIVE = frozenset({"person_id"})

# DuckDB type of a raw column → the pandas type name GX reports after `_typed_frame`.
PANDAS_TYPES = {
    "varchar": "str",
    "integer": "int64",
    "bigint": "int64",
    "smallint": "int64",
    "double": "float64",
    "float": "float64",
    "boolean": "bool",
    "date": "datetime64",
    "timestamp": "datetime64",
    "decimal": "float64",
}


@dataclass(frozen=True)
class RowCountRule:
    compare_to: str = LAST_GOOD_LOAD
    min_ratio: float = DEFAULT_MIN_RATIO
    snapshot_column: str | None = None


@dataclass(frozen=True)
class CheckDef:
    """One expectation of a suite, as one Dagster asset check."""

    name: str
    blocking: bool
    description: str
    scope: str
    expectation: dict = field(hash=False, compare=False)

    @property
    def is_row_count(self) -> bool:
        kwargs = self.expectation.get("kwargs", {})
        return any(v == {"$PARAMETER": MIN_ROW_COUNT} for v in kwargs.values())


@dataclass(frozen=True)
class Suite:
    source: str
    path: Path | None  # None: the generic fallback
    checks: tuple[CheckDef, ...]
    row_count: RowCountRule
    sensitive_columns: frozenset[str] = ALWAYS_SENSITIVE


class SuiteError(ValueError):
    """A suite file that cannot be used: named file and reason."""


def suite_path(source_name: str, folder: Path = EXPECTATIONS_DIR) -> Path:
    return folder / f"{source_name}.json"


def _check_name(expectation: dict) -> str:
    meta_name = (expectation.get("meta") or {}).get("check")
    if meta_name:
        return meta_name
    kwargs = expectation.get("kwargs", {})
    columns = kwargs.get("column_list") or ([kwargs["column"]] if "column" in kwargs else [])
    base = expectation["type"].removeprefix("expect_")
    name = "__".join([base, *columns])
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def _check_def(expectation: dict, where: str) -> CheckDef:
    if "type" not in expectation:
        raise SuiteError(f"{where}: an expectation has no 'type'")
    severity = expectation.get("severity", "critical")
    if severity not in ("critical", "warning"):
        raise SuiteError(f"{where}: severity must be 'critical' or 'warning', not {severity!r}")
    meta = expectation.get("meta") or {}
    scope = meta.get("scope", TABLE_SCOPE)
    if scope not in (TABLE_SCOPE, NEWEST_SNAPSHOT_SCOPE):
        raise SuiteError(f"{where}: unknown scope {scope!r}")
    name = _check_name(expectation)
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SuiteError(f"{where}: check name {name!r} must be letters, digits and _")
    return CheckDef(
        name=name,
        blocking=severity == "critical",
        description=meta.get("why") or expectation["type"],
        scope=scope,
        expectation=expectation,
    )


def resolve_seeds(value: Any, where: str, seeds_dir: Path | None = None) -> Any:
    """`value` with every `{"$seed": …, "column": …}` replaced by that seed column's values."""
    if isinstance(value, list):
        return [resolve_seeds(v, where, seeds_dir) for v in value]
    if not isinstance(value, dict):
        return value
    if SEED not in value:
        return {k: resolve_seeds(v, where, seeds_dir) for k, v in value.items()}
    unknown = set(value) - {SEED, "column", "type"}
    if unknown or "column" not in value:
        given = sorted(unknown) or "no column"
        raise SuiteError(f"{where}: a {SEED} reference has 'column' and, optionally, 'type', "
                         f"not {given}")  # fmt: skip
    cast = SEED_TYPES.get(value.get("type", "text"))
    if cast is None:
        raise SuiteError(f"{where}: {SEED} type must be one of {', '.join(SEED_TYPES)}")
    try:
        found = reference.values(value[SEED], value["column"], seeds_dir)
        return [cast(v) for v in found]
    except (reference.SeedError, ValueError) as e:
        raise SuiteError(f"{where}: {e}") from e


def parse_suite(
    source_name: str, data: dict, path: Path | None = None, seeds_dir: Path | None = None
) -> Suite:
    """A suite from its JSON; `{"$seed": …}` references are resolved here (see `load_suite`)."""
    where = str(path or source_name)
    data = resolve_seeds(data, where, seeds_dir)
    hansyn = (data.get("meta") or {}).get("hansyn") or {}
    rule = RowCountRule(**hansyn.get("row_count", {}))
    if rule.compare_to not in (PREVIOUS_SNAPSHOT, LAST_GOOD_LOAD):
        raise SuiteError(f"{where}: row_count.compare_to must be {PREVIOUS_SNAPSHOT!r} or "
                         f"{LAST_GOOD_LOAD!r}")  # fmt: skip
    if rule.compare_to == PREVIOUS_SNAPSHOT and not rule.snapshot_column:
        raise SuiteError(f"{where}: row_count.snapshot_column is needed for {PREVIOUS_SNAPSHOT}")
    if not 0 <= rule.min_ratio <= 1:
        raise SuiteError(f"{where}: row_count.min_ratio must be between 0 and 1")
    checks = tuple(_check_def(e, where) for e in data.get("expectations", []))
    names = [c.name for c in checks]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SuiteError(f"{where}: check names repeat ({', '.join(duplicates)}): set meta.check")
    if any(c.scope == NEWEST_SNAPSHOT_SCOPE for c in checks) and not rule.snapshot_column:
        raise SuiteError(f"{where}: scope newest_snapshot needs row_count.snapshot_column")
    return Suite(
        source=source_name,
        path=path,
        checks=checks,
        row_count=rule,
        sensitive_columns=ALWAYS_SENSITIVE | frozenset(hansyn.get("sensitive_columns", [])),
    )


def generic_suite_data(source: Source) -> dict:
    """What every source gets when it has no suite file yet: its loader's contract."""
    columns = source.columns
    expectations: list[dict] = [
        {
            "type": "expect_table_row_count_to_be_between",
            "kwargs": {"min_value": {"$PARAMETER": MIN_ROW_COUNT}},
            "severity": "critical",
            "meta": {
                "check": "row_count_vs_last_good_load",
                "why": "The raw table keeps at least 90% of the rows of the last good load.",
            },
        },  # fmt: skip
    ]
    if columns:
        expectations.append({
            "type": "expect_table_columns_to_match_set",
            "kwargs": {"column_set": list(columns), "exact_match": True},
            "severity": "critical",
            "meta": {"check": "columns_match_contract",
                     "why": "The raw table has exactly the loader's declared columns."},
        })  # fmt: skip
        for column, duck_type in columns.items():
            pandas_type = PANDAS_TYPES.get(duck_type.lower().split("(")[0].strip())
            if pandas_type:
                expectations.append({
                    "type": "expect_column_values_to_be_of_type",
                    "kwargs": {"column": column, "type_": pandas_type},
                    "severity": "critical",
                    "meta": {"check": f"type__{column}", "why": f"'{column}' is {duck_type}."},
                })  # fmt: skip
    if "_file" in columns and "_row" in columns:
        expectations.append({
            "type": "expect_compound_columns_to_be_unique",
            "kwargs": {"column_list": ["_file", "_row"]},
            "severity": "critical",
            "meta": {"check": "file_row_unique", "why": "No row of a file is loaded twice."},
        })  # fmt: skip
    return {
        "name": source.name,
        "expectations": expectations,
        "meta": {"hansyn": {"row_count": {"compare_to": LAST_GOOD_LOAD}}},
    }


def load_suite(
    source: Source, folder: Path = EXPECTATIONS_DIR, seeds_dir: Path | None = None
) -> Suite:
    """The source's suite file, or the generic suite when it has none.

    A list of values that a dbt seed holds is not copied into the suite but named, anywhere in
    an expectation's arguments, as the seed and its column:

        "kwargs": {"column": "target_group",
                   "value_set": {"$seed": "target_groups", "column": "target_group"}}

    The reference is replaced by the column's values, in the seed's order, when the suite is
    loaded (read through `hansyn.reference`, so from `HANSYN_SEEDS_DIR` when that is set, or
    from `seeds_dir`); `"type": "integer"` makes them numbers (for an integer column such as
    `social_level`), the default is `"text"`. The resolved values are part of the suite, so
    an edited seed also changes the validation's fingerprint and the suite runs again."""
    path = suite_path(source.name, folder)
    if not path.exists():
        return parse_suite(source.name, generic_suite_data(source))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise SuiteError(f"{path}: not readable JSON: {e}") from e
    return parse_suite(source.name, data, path, seeds_dir)
