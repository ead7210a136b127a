"""The privacy guard on published outputs: personnummer, pseudonyms and small person counts.

Scans every file in the marts folder (indikatorer.duckdb, *.parquet, *.csv, *.html) and returns
what it found; `tests/test_privacy_guard.py` runs it on the published sample data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import yaml

from ..config import DBT_PROJECT_DIR
from ..report.formatting import PERSON_COUNT_CLASS, parse_swedish_number
from ..sources.personnummer import CANDIDATE_SQL as _PNR_SQL
from ..sources.personnummer import find_personnummer as personnummer_like

# The person counts of spec/indicators.md: a published value 1–4 breaks the small-number rule.
# bruttolista and process_sync describe contracts and are exempt.
PERSON_COUNT_COLUMNS: dict[str, tuple[str, ...]] = {
    "i2_benefit_effects": ("individuals", "recipients_before", "recipients_after", "left_benefit"),
    # placements ≥ persons in a cell: 1–4 placements means 1–4 persons.
    "i3_placements": ("placements", "individuals"),
    "i3_individuals": ("individuals", "placements", "women", "men", "under_30"),
    "i4_stakeholder_survey": ("respondents",),
    "geographic_distribution": ("placed_individuals",),
    "geographic_distribution_mellanomrade": ("placed_individuals",),
}

# When the count is suppressed (NULL), these columns are sums, means or shares over the same 1–4
# persons, or would give the count back (deviation = placed − expected): they must be NULL too.
SUPPRESSED_WITH: dict[str, dict[str, tuple[str, ...]]] = {
    "i2_benefit_effects": {
        "individuals": (
            "amount_before_sek",
            "amount_after_sek",
            "change_sek",
            "annualised_saving_sek",
        ),
        # Only recipients are paid: with 1–4 recipients in a window, that window's amount is
        # what those 1–4 persons were paid (one recipient: exactly one person's benefit).
        "recipients_before": ("amount_before_sek", "change_sek", "annualised_saving_sek"),
        "recipients_after": ("amount_after_sek", "change_sek", "annualised_saving_sek"),
    },
    "i3_placements": {"individuals": ("placements",)},
    "i3_individuals": {"individuals": ("placements",)},
    "i4_stakeholder_survey": {
        "respondents": ("mean_score", "share_positive", "ci95_low", "ci95_high"),
    },
    "geographic_distribution": {"placed_individuals": ("placement_share", "deviation")},
    "geographic_distribution_mellanomrade": {
        "placed_individuals": ("placement_share", "deviation")
    },
}

# Columns that would identify a person whatever their content.
FORBIDDEN_COLUMNS = {"personnummer", "person_id", "pseudonym", "pnr"}

# 64 hex digits is an HMAC-SHA256 pseudonym, or a file's SHA-256: only `file_sha256` may hold one.
HASH_COLUMNS = {"file_sha256"}

# Personnummer: the one rule of sources/personnummer.py (every form, any separator, glued to
# letters), shared with the loaders' masking: what they leave, the guard passes.
_HEX64 = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{64}(?![0-9A-Fa-f])")
# The same for DuckDB's regexp_matches (RE2 has no look-around): candidates, checked in Python.
_HEX64_SQL = r"[0-9A-Fa-f]{64}"

PUBLISHED_SUFFIXES = (".duckdb", ".parquet", ".csv", ".html")

MARTS_MODELS_DIR = DBT_PROJECT_DIR / "models" / "marts"

# libyaml's parser where PyYAML has it: the pure-Python one takes 0.1 s a file of the marts' YAML.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def declared_privacy(models_dir: Path = MARTS_MODELS_DIR) -> dict[str, dict]:
    """`config.meta.privacy` of every mart, from the YAML next to the models: the person counts,
    what is hidden with them and the relations (a total and its parts) that the models'
    complementary suppression (macro complementary_suppression) covers."""
    declared: dict[str, dict] = {}
    for path in sorted(Path(models_dir).glob("*.yml")):
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
        for model in (document or {}).get("models") or []:
            privacy = ((model.get("config") or {}).get("meta") or {}).get("privacy")
            if privacy:
                declared[model["name"]] = privacy
    return declared


def person_count_columns(table: str, declared: dict[str, dict]) -> tuple[str, ...]:
    listed = PERSON_COUNT_COLUMNS.get(table, ())
    return tuple(dict.fromkeys([*listed, *declared.get(table, {}).get("person_counts", [])]))


def suppressed_with(table: str, declared: dict[str, dict]) -> dict[str, tuple[str, ...]]:
    merged = {k: list(v) for k, v in SUPPRESSED_WITH.get(table, {}).items()}
    for count, dependents in (declared.get(table, {}).get("suppressed_with") or {}).items():
        merged.setdefault(count, [])
        merged[count] += [d for d in dependents if d not in merged[count]]
    return {k: tuple(v) for k, v in merged.items()}


@dataclass(frozen=True)
class Finding:
    file: str
    where: str  # table.column, line N, or an HTML element
    kind: str  # personnummer | pseudonym | small_count | not_suppressed | forbidden_column |
    # unreadable
    detail: str
    # recoverable: the value the relations pin a hidden count to (shown to whoever runs the
    # check, never in `reason`, which alerts and run logs carry).
    pinned_to: int | None = None

    def __str__(self) -> str:
        text = f"{self.file} {self.where}: {self.kind}: {self.detail}"
        return text if self.pinned_to is None else f"{text}: it is {self.pinned_to}"

    @property
    def reason(self) -> str:
        """What is wrong, without the value itself (for alerts and run logs)."""
        if self.kind == "recoverable":
            return self.detail
        return _REASONS.get(self.kind, self.kind)


_REASONS = {
    "personnummer": "a personnummer-like string",
    "pseudonym": "a pseudonym-like string (64 hex digits)",
    "small_count": "a person count of 1–4",
    "not_suppressed": "shown although the count it is computed from is hidden",
    "forbidden_column": "a column that identifies a person",
    "unreadable": "the file could not be read to be checked",
}


class PublicationBlocked(Exception):
    """The privacy audit found something in the files about to be published: nothing is."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        where = sorted({f"{f.where}: {f.reason}" for f in findings})
        super().__init__(
            f"privacy audit blocked the publication ({len(findings)} findings): " + "; ".join(where)
        )


def _mask(value: str) -> str:
    """Enough to find the value again, not enough to publish it in a test log."""
    return value[:6] + "…" if len(value) > 6 else value


def pseudonym_like(text: str) -> list[str]:
    return _HEX64.findall(text)


def scan_text(text: str, file: str, where: str, allow_hashes: bool = False) -> list[Finding]:
    findings = [
        Finding(file, where, "personnummer", f"personnummer-like {_mask(v)!r}")
        for v in personnummer_like(text)
    ]
    if not allow_hashes:
        findings += [
            Finding(file, where, "pseudonym", f"64-hex string {_mask(v)!r}")
            for v in pseudonym_like(text)
        ]
    return findings


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def scan_relation(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    table: str,
    file: str,
    declared: dict[str, dict] | None = None,
) -> list[Finding]:
    """One table (a DuckDB table, or read_parquet/read_csv of a file): every value of every
    column for personnummer and pseudonyms, person counts for 1–4, suppression for leaks.
    One pass over the table: DuckDB aggregates, only candidate values come back to Python."""
    findings: list[Finding] = []
    declared = declared_privacy() if declared is None else declared
    columns = [r[0] for r in con.execute(f"describe select * from {relation}").fetchall()]
    checks: list[tuple[str, str, str]] = []  # (kind, column, sql aggregate)
    for column in columns:
        text = f"cast({_quote(column)} as varchar)"
        checks.append(
            (
                "values",
                column,
                f"list_distinct(list({text}) filter (where regexp_matches({text}, "
                f"'{_PNR_SQL}|{_HEX64_SQL}')))",
            )
        )
    for column in (c for c in person_count_columns(table, declared) if c in columns):
        number = f"try_cast({_quote(column)} as double)"
        small = f"{number} > 0 and {number} < 5"
        checks.append(("small", column, f"count(*) filter (where {small})"))
        checks.append(("small_min", column, f"min({number}) filter (where {small})"))
    for count, dependents in suppressed_with(table, declared).items():
        if count not in columns:
            continue
        for dependent in (d for d in dependents if d in columns):
            given = f"nullif(cast({_quote(dependent)} as varchar), '') is not null"
            checks.append(
                (
                    "leak",
                    f"{count}|{dependent}",
                    f"count(*) filter (where {_quote(count)} is null and {given})",
                )
            )
    result = con.execute(
        f"select {', '.join(sql for _, _, sql in checks)} from {relation}"
    ).fetchone()
    found = {(kind, column): value for (kind, column, _), value in zip(checks, result, strict=True)}
    for column in columns:
        where = f"{table}.{column}"
        if column.lower() in FORBIDDEN_COLUMNS:
            findings.append(Finding(file, where, "forbidden_column", "identifies a person"))
        allow_hashes = column.lower() in HASH_COLUMNS
        for value in found[("values", column)] or []:
            findings += scan_text(value, file, where, allow_hashes=allow_hashes)
    for (kind, column), value in found.items():
        if kind == "small" and value:
            example = found[("small_min", column)]
            findings.append(
                Finding(
                    file,
                    f"{table}.{column}",
                    "small_count",
                    f"{value} rows with a person count of 1–4 (e.g. {example:g})",
                )
            )
        elif kind == "leak" and value:
            count, dependent = column.split("|")
            findings.append(
                Finding(
                    file,
                    f"{table}.{dependent}",
                    "not_suppressed",
                    f"{value} rows where {count} is suppressed but {dependent} is not",
                )
            )
    return findings


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def scan_duckdb(path: Path, declared: dict[str, dict] | None = None) -> list[Finding]:
    con = duckdb.connect()
    try:
        con.execute(f"attach '{_sql_path(path)}' as pub (read_only)")
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'pub' "
            "union all select schema_name, view_name from duckdb_views() "
            "where database_name = 'pub' and not internal"
        ).fetchall()
        findings = []
        declared = declared_privacy() if declared is None else declared
        relations = {table: f"pub.{_quote(schema)}.{_quote(table)}" for schema, table in tables}
        for table, relation in relations.items():
            findings += scan_relation(con, relation, table, path.name, declared)
        # The relations across tables are solved once, on the file that holds them all.
        findings += scan_relations(con, relations, path.name, declared)
        return findings
    finally:
        con.close()


def scan_parquet(path: Path, declared: dict[str, dict] | None = None) -> list[Finding]:
    con = duckdb.connect()
    try:
        relation = f"read_parquet('{_sql_path(path)}')"
        return scan_relation(con, relation, path.stem, path.name, declared)
    finally:
        con.close()


def scan_csv(path: Path, declared: dict[str, dict] | None = None) -> list[Finding]:
    """Personnummer in the raw text line by line (whatever the columns), then column by column
    for pseudonyms (only file_sha256 may hold 64 hex digits), person counts and suppression."""
    findings: list[Finding] = []
    with path.open(encoding="utf-8-sig", errors="replace") as f:
        for number, line in enumerate(f, start=1):
            findings += [
                f
                for f in scan_text(line, path.name, f"line {number}", allow_hashes=True)
                if f.kind == "personnummer"
            ]
    con = duckdb.connect()
    try:
        relation = (
            f"read_csv('{_sql_path(path)}', delim=';', header=true, all_varchar=true, "
            "quote='\"', escape='\"')"
        )
        structured = scan_relation(con, relation, path.stem, path.name, declared)
    except duckdb.Error as e:
        # A published CSV that does not parse cannot be checked column by column: say so.
        first = str(e).strip().splitlines()[0]
        structured = [Finding(path.name, "file", "unreadable", first)]
    finally:
        con.close()
    return findings + [f for f in structured if f.kind != "personnummer"]


class _PersonCountCells(HTMLParser):
    """Collects the text of elements marked as a person count (class="pc") in the report."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.current: list[str] = []
        self.cells: list[tuple[int, str]] = []

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if self.depth:
            self.depth += 1
        elif PERSON_COUNT_CLASS in classes:
            self.depth = 1
            self.current = []
            self.line = self.getpos()[0]

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1
            if self.depth == 0:
                self.cells.append((self.line, "".join(self.current).strip()))

    def handle_data(self, data):
        if self.depth:
            self.current.append(data)


def scan_html(path: Path, declared: dict[str, dict] | None = None) -> list[Finding]:
    # `declared` is unused: the report marks its person counts itself (class="pc").
    text = path.read_text(encoding="utf-8")
    findings: list[Finding] = []
    for number, line in enumerate(text.splitlines(), start=1):
        findings += scan_text(line, path.name, f"line {number}")
    parser = _PersonCountCells()
    parser.feed(text)
    for line, cell in parser.cells:
        value = parse_swedish_number(cell)
        if value is not None and 0 < value < 5:
            findings.append(
                Finding(path.name, f"line {line}", "small_count", f"person count {cell!r} shown")
            )
    return findings


SCANNERS = {
    ".duckdb": scan_duckdb,
    ".parquet": scan_parquet,
    ".csv": scan_csv,
    ".html": scan_html,
}


def published_files(marts_dir: Path) -> list[Path]:
    """The files readers get: everything in the marts folder but work in progress."""
    return sorted(
        p
        for p in Path(marts_dir).iterdir()
        if p.is_file() and p.suffix in PUBLISHED_SUFFIXES and not p.name.startswith(".")
    )


def scan_marts(marts_dir: Path) -> list[Finding]:
    findings: list[Finding] = []
    declared = declared_privacy()  # read once: 35 files share it
    for path in published_files(marts_dir):
        findings += SCANNERS[path.suffix](path, declared)
    return findings


# --- Relations: can a hidden value be worked out from the others? -----------------------------

Cell = tuple[str, int, str]  # (table, row number, column); ("revealed", n, relation) for totals


@dataclass(frozen=True)
class Equation:
    """total = Σ parts, one group of a declared relation."""

    table: str
    relation: str
    group: str  # the partition, e.g. "year=2024" (where, never a value)
    total: Cell
    parts: tuple[Cell, ...]


def _rows(con: duckdb.DuckDBPyConnection, relation: str) -> list[dict]:
    cursor = con.execute(f"select * from {relation}")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _number(value) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = value.replace(",", ".")
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def relation_equations(
    tables: dict[str, list[dict]], declared: dict[str, dict]
) -> tuple[list[Equation], dict[Cell, float | None]]:
    """Every group of every declared relation of the published tables as an equation, and the
    published value of each cell in them (None: hidden; a total no column reveals is None)."""
    equations: list[Equation] = []
    values: dict[Cell, float | None] = {}
    for table, privacy in declared.items():
        rows = tables.get(table)
        if rows is None:
            continue
        for relation in privacy.get("relations") or []:
            name = relation["name"]
            by = relation.get("partition_by") or []

            def key(row, by=by):
                return tuple(row.get(c) for c in by)

            def label(k, by=by):
                return ", ".join(f"{c}={v}" for c, v in zip(by, k, strict=True))

            if relation.get("part_columns"):
                for i, row in enumerate(rows):
                    total = (table, i, relation["total_column"])
                    parts = tuple((table, i, c) for c in relation["part_columns"])
                    for cell in (total, *parts):
                        values[cell] = _number(row.get(cell[2]))
                    equations.append(Equation(table, name, label(key(row)), total, parts))
                continue
            groups: dict[tuple, list[int]] = {}
            for i, row in enumerate(rows):
                groups.setdefault(key(row), []).append(i)
            for k, members in groups.items():
                for column in relation["sums"]:
                    parts_rows = members
                    if relation.get("total_value") is not None:
                        part_column, total_value = relation["part_column"], relation["total_value"]
                        totals = [i for i in members if rows[i][part_column] == total_value]
                        parts_rows = [i for i in members if rows[i][part_column] != total_value]
                        if not totals:
                            continue
                        total = (table, totals[0], column)
                        values[total] = _number(rows[totals[0]].get(column))
                    elif relation.get("total_row"):
                        # One row of the table is every group's total (candidate_pool's Alla).
                        where = relation["total_row"].items()
                        totals = [
                            i
                            for i, row in enumerate(rows)
                            if all(str(row.get(c)) == str(v) for c, v in where)
                        ]
                        parts_rows = [i for i in members if i not in totals]
                        if not totals or not parts_rows:
                            continue
                        total = (table, totals[0], column)
                        values[total] = _number(rows[totals[0]].get(column))
                    elif relation.get("total_model"):
                        other = tables.get(relation["total_model"]) or []
                        on = relation.get("total_matched_on") or by
                        wanted = tuple(v for c, v in zip(by, k, strict=True) if c in on)
                        match = [
                            j for j, r in enumerate(other) if tuple(r.get(c) for c in on) == wanted
                        ]
                        if not match:
                            continue
                        total = (relation["total_model"], match[0], relation["total_column"])
                        values[total] = _number(other[match[0]].get(relation["total_column"]))
                    else:
                        total = ("revealed", len(equations), f"{table}.{name}")
                        values[total] = _revealed_total(
                            [rows[i] for i in members], relation.get("total_revealed_by") or []
                        )
                    parts = tuple((table, i, column) for i in parts_rows)
                    for cell in parts:
                        values[cell] = _number(rows[cell[1]].get(column))
                    equations.append(Equation(table, name, label(k), total, parts))
        equations += _same_count_equations(table, rows, privacy, tables, values)
    return equations, values


def _same_count_equations(
    table: str,
    rows: list[dict],
    privacy: dict,
    tables: dict[str, list[dict]],
    values: dict[Cell, float | None],
) -> list[Equation]:
    """The same count published in two tables (`same_counts`): each matched pair of cells as an
    equation with one part, so that one hidden and the other shown is a pinned cell, and two
    hidden cells tie their tables' systems together."""
    equations = []
    for same in privacy.get("same_counts") or []:
        other = tables.get(same["model"])
        if other is None:
            continue
        matched_on = same["matched_on"]  # this table's column → the other's
        where = same.get("where") or {}
        index = {tuple(r.get(c) for c in matched_on.values()): j for j, r in enumerate(other)}
        for i, row in enumerate(rows):
            if any(row.get(c) != v for c, v in where.items()):
                continue
            j = index.get(tuple(row.get(c) for c in matched_on))
            if j is None:
                continue
            total = (same["model"], j, same["model_column"])
            part = (table, i, same["column"])
            values[total] = _number(other[j].get(same["model_column"]))
            values[part] = _number(row.get(same["column"]))
            group = ", ".join(f"{c}={row.get(c)}" for c in matched_on)
            equations.append(Equation(table, same["name"], group, total, (part,)))
    return equations


_TERM = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*/\s*([A-Za-z_][A-Za-z0-9_]*)\s*$")


def _revealed_total(rows: list[dict], expressions: list[str]) -> float | None:
    """The total that `a / b` of any row gives back (rounded: it counts persons)."""
    for expression in expressions:
        match = _TERM.match(expression)
        if not match:
            raise ValueError(f"total_revealed_by takes 'column / column', not {expression!r}")
        for row in rows:
            a, b = _number(row.get(match.group(1))), _number(row.get(match.group(2)))
            if a is not None and b:
                return float(round(a / b))
    return None


def _pinned(equations: list[Equation], values: dict[Cell, float | None]) -> list:
    """The published cells' hidden values that the equations solved together determine
    (hansyn.publishing.relations.Pinned), the totals no column reveals left out."""
    # Imported here: the relations part of this module is the only user of the solver.
    from .relations import pinned_cells

    # A total no column reveals is the sum of its parts: it may be 0 (it is never published).
    lower = {cell: 0.0 for cell in values if cell[0] == "revealed"}
    return [p for p in pinned_cells(equations, values, lower) if p.cell[0] != "revealed"]


def solve_relations(
    equations: list[Equation], values: dict[Cell, float | None]
) -> list[tuple[Equation, Cell, str]]:
    """What someone with the published files works out: the hidden cells the equations, solved
    together, allow only one value; each with an equation it is in (one with a shown non-zero
    part first: hiding that part is what can free it) and why."""
    found = []
    for pinned in _pinned(equations, values):
        holding = [eq for eq in equations if pinned.cell in (eq.total, *eq.parts)]
        holding.sort(key=lambda eq: not any(values.get(c) for c in eq.parts))
        reason = f"it follows from the relations {', '.join(pinned.relations)} solved together"
        found.append((holding[0], pinned.cell, reason))
    return found


def _key_columns(declared: dict[str, dict]) -> dict[str, list[str]]:
    """The columns that name a row of each table in the relations (partition, part, tie-break)."""
    keys: dict[str, list[str]] = {}
    for table, privacy in declared.items():
        for relation in privacy.get("relations") or []:
            named = [
                *(relation.get("partition_by") or []),
                *([relation["part_column"]] if relation.get("part_column") else []),
                *(relation.get("tie_break") or []),
            ]
            keys[table] = list(dict.fromkeys([*keys.get(table, []), *named]))
            if relation.get("total_model"):
                total = relation["total_model"]
                by = relation.get("total_matched_on") or relation.get("partition_by") or []
                keys[total] = list(dict.fromkeys([*keys.get(total, []), *by]))
    return keys


def scan_relations(
    con: duckdb.DuckDBPyConnection,
    relations: dict[str, str],
    file: str,
    declared: dict[str, dict] | None = None,
) -> list[Finding]:
    """The declared relations over the published tables (`relations`: table → SQL relation),
    solved together (hansyn.publishing.relations): every hidden value that follows is a finding
    naming the table, the row's keys, the value it is pinned to and the relations used."""
    declared = declared_privacy() if declared is None else declared
    tables = {t: _rows(con, r) for t, r in relations.items()}
    equations, values = relation_equations(tables, declared)
    keys = _key_columns(declared)
    findings = []
    for pinned in _pinned(equations, values):
        table, row, column = pinned.cell
        named = ", ".join(f"{k}={tables[table][row].get(k)}" for k in keys.get(table, []))
        findings.append(
            Finding(
                file,
                f"{table}.{column}",
                "recoverable",
                f"hidden {column} ({named}) follows from the relations "
                f"{', '.join(pinned.relations)} solved together",
                pinned_to=pinned.value,
            )
        )
    return findings
