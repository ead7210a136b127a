"""Issue 24, class 11: a publication attacked with every declared relation solved together.

The geography of 2021 as it was published: a total of 14 (expected_individuals /
distribution_key reveals it), Nordost (01) shown as 6 over two hidden mellanområden (3 and 3),
Centrum, Sydväst and Hisingen (02–04) hidden, and under them eight hidden mellanområden. One
relation at a time nothing follows (14 − 6 = 8 over three hidden stadsområden; 14 − 0 = 14
over ten hidden mellanområden; 6 over two). Together: Nordost's two sum to 6, so the other
eight sum to 14 − 6 = 8 and each is 1, and then Centrum = 3, Sydväst = 2, Hisingen = 3: eleven
hidden counts are published in all but name.
"""

from __future__ import annotations

import csv

import duckdb
import pytest

from hansyn.config import DBT_PROJECT_DIR, load_settings
from hansyn.publishing.privacy import (
    PublicationBlocked,
    declared_privacy,
    relation_equations,
    scan_relations,
)
from hansyn.publishing.relations import pinned_cells
from hansyn.publishing.swap import publish
from tests.pipeline import run_dbt

with (DBT_PROJECT_DIR / "seeds" / "geography.csv").open(encoding="utf-8") as _f:
    _SEED = [r for r in csv.DictReader(_f) if r["mellanomrade"]]
STADSOMRADE = {r["mellanomrade"]: r["stadsomrade"] for r in _SEED}  # 36 mellanområden

# Unsuppressed counts per year: the mellanområden not listed are 0.
COUNTS = {
    # The case: every non-zero mellanområde is 1–4 (hidden by the small-number rule).
    2021: {
        "10": 3,
        "11": 3,
        "30": 1,
        "31": 1,
        "32": 1,
        "50": 1,
        "51": 1,
        "70": 1,
        "71": 1,
        "72": 1,
    },
    # Centrum (1 + 6) hidden with Sydväst (1 + 1): Centrum's shown 6 must be hidden too, or the
    # three small ones under the two are 59 − 20 − 30 − 6 = 3, each 1 (Nordost's 3 + 17 are
    # hidden for its own relation, so the mellanområden's total relation alone holds).
    2022: {"10": 3, "11": 17, "30": 1, "31": 6, "50": 1, "51": 1, "70": 30},
}


def _stadsomraden(counts: dict[str, int]) -> dict[str, int]:
    totals = dict.fromkeys(sorted(set(STADSOMRADE.values())), 0)
    for area, n in counts.items():
        totals[STADSOMRADE[area]] += n
    return totals


def _published_2021() -> duckdb.DuckDBPyConnection:
    """The issue's 2021 exactly as the old models published it."""
    shown_s = {"01": 6}
    con = duckdb.connect()
    con.execute(
        "create table geographic_distribution (year integer, stadsomrade varchar, "
        "distribution_key double, placed_individuals bigint, expected_individuals double, "
        "placement_share double)"
    )
    for area in ("01", "02", "03", "04"):
        n = shown_s.get(area)
        share = None if n is None else n / 14
        con.execute(
            "insert into geographic_distribution values (2021, ?, 0.25, ?, 3.5, ?)",
            [area, n, share],
        )
    con.execute(
        "create table geographic_distribution_mellanomrade (year integer, mellanomrade varchar, "
        "stadsomrade varchar, distribution_key double, placed_individuals bigint, "
        "expected_individuals double, placement_share double)"
    )
    for area, stadsomrade in STADSOMRADE.items():
        n = COUNTS[2021].get(area, 0)
        shown = 0 if n == 0 else None  # every non-zero one is hidden
        con.execute(
            "insert into geographic_distribution_mellanomrade values (2021, ?, ?, 0.02, ?, 0.28, ?)",
            [area, stadsomrade, shown, 0.0 if shown == 0 else None],
        )
    return con


GEOGRAPHY = {"geographic_distribution": "geographic_distribution"} | {
    "geographic_distribution_mellanomrade": "geographic_distribution_mellanomrade"
}


def test_hidden_counts_pinned_by_relations_together_are_found():
    con = _published_2021()
    declared = declared_privacy()
    tables = {
        t: [dict(zip([d[0] for d in c.description], r, strict=True)) for r in c.fetchall()]
        for t in GEOGRAPHY
        for c in [con.execute(f"select * from {t} order by all")]
    }
    equations, values = relation_equations(tables, declared)
    # One relation at a time (as the guard did) nothing follows.
    for name in {eq.relation for eq in equations}:
        assert pinned_cells([eq for eq in equations if eq.relation == name], values) == [], name

    findings = scan_relations(con, GEOGRAPHY, "indikatorer.duckdb", declared)

    pinned = sorted((f.where, f.detail.split(") ")[0] + ")", f.pinned_to) for f in findings)
    mellan = "geographic_distribution_mellanomrade.placed_individuals"
    stads = "geographic_distribution.placed_individuals"
    assert pinned == sorted(
        [(stads, f"hidden placed_individuals (year=2021, stadsomrade={s})", n)
         for s, n in [("02", 3), ("03", 2), ("04", 3)]]
        + [(mellan, f"hidden placed_individuals (year=2021, stadsomrade={STADSOMRADE[m]}, "
                    f"mellanomrade={m})", 1)
           for m in ["30", "31", "32", "50", "51", "70", "71", "72"]]
    )  # fmt: skip
    assert len(findings) == 11
    relations = (
        "geographic_distribution.areas_sum_to_the_revealed_total, "
        "geographic_distribution_mellanomrade.mellanomraden_sum_to_the_revealed_total, "
        "geographic_distribution_mellanomrade.mellanomraden_sum_to_their_stadsomrade"
    )
    assert all(f"the relations {relations} solved together" in f.detail for f in findings)
    # The alert and the run log say where and why, not the value.
    assert all(f.kind == "recoverable" and "is 1" not in f.reason for f in findings)
    assert str(findings[0]).endswith(f": it is {findings[0].pinned_to}")


def test_the_publication_of_pinned_counts_is_blocked_and_says_where(hansyn_env):
    """What the office sees: the night publishes nothing and names each pinned cell by its
    table and keys and the relations, never the value."""
    settings = load_settings()
    source = _published_2021()
    con = duckdb.connect(str(settings.warehouse))
    try:
        con.execute("create schema marts")
        for table in GEOGRAPHY:
            rows = source.execute(f"select * from {table}").df()  # noqa: F841 (read by DuckDB)
            con.execute(f"create table marts.{table} as select * from rows")
    finally:
        con.close()
        source.close()
    with pytest.raises(PublicationBlocked) as blocked:
        publish(settings, sorted(GEOGRAPHY))
    message = str(blocked.value)
    assert "privacy audit blocked the publication (11 findings)" in message, message
    assert (
        "geographic_distribution.placed_individuals: hidden placed_individuals "
        "(year=2021, stadsomrade=03) follows from the relations "
        "geographic_distribution.areas_sum_to_the_revealed_total, "
    ) in message
    assert "mellanomrade=72) follows from" in message
    assert "it is" not in message
    assert not settings.marts_dir.joinpath("geographic_distribution.parquet").exists()


def test_pinned_cells_solves_with_whole_numbers_of_at_least_one():
    """x + y = 3 and y + z = 2 with all three hidden: y = 1 (z ≥ 1), then x = 2 and z = 1."""

    class Eq:
        def __init__(self, total, *parts):
            self.table, self.relation, self.total, self.parts = "t", "r", total, parts

    values = {"a": 3.0, "b": 2.0, "x": None, "y": None, "z": None}
    found = pinned_cells([Eq("a", "x", "y"), Eq("b", "y", "z")], values)
    assert sorted((p.cell, p.value) for p in found) == [("x", 2), ("y", 1), ("z", 1)]
    # With b = 3 nothing follows: y is 1 or 2.
    assert pinned_cells([Eq("a", "x", "y"), Eq("b", "y", "z")], values | {"b": 3.0}) == []
    # A hidden total over hidden parts, with nothing published, is unbounded: nothing follows.
    assert pinned_cells([Eq("x", "y", "z")], {"x": None, "y": None, "z": None}) == []
    # `lower` lets a cell be 0: a = y = 1 pins y, while x = y + z stays free (z is unbounded).
    found = pinned_cells(
        [Eq("x", "y", "z"), Eq("a", "y")], {"a": 1.0, "x": None, "y": None, "z": None}, {"y": 0}
    )
    assert [(p.cell, p.value) for p in found] == [("y", 1)]


def _computed_rows() -> list[tuple]:
    """int_geographic_distribution_computed for COUNTS: both area levels, keys of 0.25 and 1/36."""
    rows = []
    for year, counts in COUNTS.items():
        total = sum(counts.values())
        levels = [("stadsomrade", _stadsomraden(counts), 0.25)]
        levels.append(("mellanomrade", {m: counts.get(m, 0) for m in STADSOMRADE}, 1 / 36))
        for level, areas, key in levels:
            for area, n in areas.items():
                small = 1 <= n <= 4
                rows.append(
                    (year, level, area, f"område {area}", year, key, True,
                     None if small else n, key * total, None if small else n - key * total,
                     None if small else n / total, n, total)
                )  # fmt: skip
    return rows


@pytest.mark.slow
def test_the_geography_models_leave_nothing_determined(hansyn_env):
    """The two geographic marts built by dbt from the hand-made counts above: solved together,
    nothing follows. 2021: every hidden stadsområde's mellanområden are 1–4 and 8 over 8, so
    Nordost (the smallest shown, 6) is hidden too: 14 over ten. 2022: Centrum's 6 is hidden
    (the small ones under the hidden Centrum and Sydväst become 1 + 6 + 1 + 1 = 9 over four)."""
    warehouse = hansyn_env / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("create schema intermediate")
    con.execute(
        "create table intermediate.int_geographic_distribution_computed (year integer, "
        "area_level varchar, area varchar, area_name varchar, key_year integer, "
        "distribution_key double, key_complete boolean, placed_individuals integer, "
        "expected_individuals double, deviation double, placement_share double, "
        "placed_count integer, total_placed integer)"
    )
    con.executemany(
        "insert into intermediate.int_geographic_distribution_computed values "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        _computed_rows(),
    )
    con.close()
    target = hansyn_env / "dbt_target"
    seeded = run_dbt("seed", "--select", "geography", target=target)
    assert seeded.returncode == 0, seeded.stdout[-3000:]
    built = run_dbt(
        "run",
        "--select",
        "geographic_distribution",
        "geographic_distribution_mellanomrade",
        target=target,
    )
    assert built.returncode == 0, built.stdout[-3000:]

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        relations = {t: f"marts.{t}" for t in GEOGRAPHY}
        assert scan_relations(con, relations, "indikatorer.duckdb", declared_privacy()) == []
        stads = con.execute(
            "select year, stadsomrade, placed_individuals from marts.geographic_distribution "
            "order by all"
        ).fetchall()
        mellan = con.execute(
            "select year, mellanomrade, placed_individuals "
            "from marts.geographic_distribution_mellanomrade "
            "where placed_individuals is null or placed_individuals > 0 order by all"
        ).fetchall()
    finally:
        con.close()
    assert stads == [
        (2021, "01", None), (2021, "02", None), (2021, "03", None), (2021, "04", None),
        # 2022: Sydväst (2) hidden, Centrum (7) with it; Nordost 20 and Hisingen 30 shown.
        (2022, "01", 20), (2022, "02", None), (2022, "03", None), (2022, "04", 30),
    ]  # fmt: skip
    assert [m for m in mellan if m[2] is not None] == [(2022, "70", 30)]
    assert {(y, m) for y, m, n in mellan if n is None} == {(2021, m) for m in COUNTS[2021]} | {
        (2022, m) for m in ("10", "11", "30", "31", "50", "51")
    }
