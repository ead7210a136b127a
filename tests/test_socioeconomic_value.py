"""socioeconomic_value on a generated city the project has not seen: every value recomputed here
from the spec's words (the suppliers' raw rows, the seed, i2_effect_estimates' Alla rows), and an
edited parameter in the seed that changes the next build's figures and nothing else."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from hansyn.config import DBT_PROJECT_DIR, load_settings
from hansyn.manifest import dbt_command
from hansyn.sources import SOURCES
from hansyn.sources.ingest import ingest_source

pytestmark = pytest.mark.slow

ACTORS = ("kommunen", "regionen", "staten", "individen", "samhället")
KRONOR = ("wage_related_sek", "benefits_avoided_sek", "total_sek")


def _build(project: Path, target: Path) -> None:
    """Every seed and model of this copy of the dbt project, as the nightly job builds them."""
    done = subprocess.run(
        [dbt_command(), "build", "--exclude-resource-type", "unit_test",
         "--project-dir", str(project), "--profiles-dir", str(project),
         "--target-path", str(target)],
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:]


def _marts(warehouse: Path) -> dict[str, list[tuple]]:
    """Every table of the marts schema, its rows sorted (NULLs as None)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        ]
        return {
            t: sorted(con.execute(f'select * from marts."{t}"').fetchall(), key=_key)
            for t in tables
        }
    finally:
        con.close()


def _key(row: tuple) -> str:
    # Means and sums of doubles may differ in their last bits from one build to the next
    # (i2_effect_estimates' averages are summed in whatever order the threads finish).
    return repr(tuple(f"{v:.9g}" if isinstance(v, float) else v for v in row))


def _same_rows(a: list[tuple], b: list[tuple]) -> bool:
    return len(a) == len(b) and all(
        len(x) == len(y)
        and all(
            v == pytest.approx(w, rel=1e-9, abs=1e-6) if isinstance(v, float) else v == w
            for v, w in zip(x, y, strict=True)
        )
        for x, y in zip(a, b, strict=True)
    )


def _rows(warehouse: Path, sql: str) -> list[dict]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    finally:
        con.close()


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """A city of a seed the other tests do not use, loaded and built from a copy of the dbt
    project (so that its seed can be edited without touching the repository's)."""
    from hansyn.sampledata import generate

    root = tmp_path_factory.mktemp("socioeconomic_city")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HANSYN_RAW_DIR", str(root / "raw"))
        mp.setenv("HANSYN_MARTS_DIR", str(root / "marts"))
        mp.setenv("HANSYN_WAREHOUSE", str(root / "warehouse.duckdb"))
        mp.setenv("HANSYN_PSEUDONYM_KEY", "test-key-not-secret")
        mp.setenv("HANSYN_SETTLE_SECONDS", "0")
        generate(root / "raw", seed=31)
        settings = load_settings()
        for source in SOURCES.values():
            ingest_source(source, settings, "socioeconomic")
        project = root / "dbt_project"
        shutil.copytree(
            DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", ".user.yml")
        )
        _build(project, root / "target")
        yield SimpleNamespace(root=root, project=project, warehouse=root / "warehouse.duckdb")


# --- the spec's definitions, written again --------------------------------------------------------


def _month(d: dt.date) -> tuple[int, int]:
    return d.year, d.month


def _months(first: tuple[int, int], last: tuple[int, int]):
    y, m = first
    while (y, m) <= last:
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def _parameters(seed: Path) -> dict[dt.date, dict]:
    sets: dict[dt.date, dict] = defaultdict(lambda: {"wage": {}})
    with seed.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            valid_from = dt.date.fromisoformat(row["valid_from"])
            if row["parameter"] == "monthly_wage_sek":
                sets[valid_from]["wage"][row["placement_type"]] = float(row["value"])
            else:
                sets[valid_from][row["parameter"]] = float(row["value"])
    return dict(sets)


def expected_value(warehouse: Path, seeds: Path) -> dict[tuple[int, str], dict]:
    """socioeconomic_value as spec/indicators.md defines it, from the suppliers' raw rows."""
    paid = {
        r["placement_type"]
        for r in csv.DictReader((seeds / "placement_types.csv").open(encoding="utf-8"))
        if r["is_paid"] == "true"
    }
    sets = _parameters(seeds / "socioeconomic_parameters.csv")
    # One placement per (Upphandlings-ID, person, Insatstyp, Startdatum): the latest report wins
    # (newest Rapportperiod, then file name, then row).
    latest: dict[tuple, dict] = {}
    for r in _rows(warehouse, "select * from raw.leverantorsrapporter__placements"):
        key = (r["procurement_id"], r["person_id"], r["placement_type"], r["start_date"])
        rank = (r["report_period"], r["_file"], r["_row"])
        if key not in latest or rank > latest[key]["rank"]:
            latest[key] = {**r, "rank": rank}
    wages: dict[int, float] = defaultdict(float)
    months: dict[int, int] = defaultdict(int)
    persons: dict[int, set] = defaultdict(set)
    for p in latest.values():
        if p["placement_type"] not in paid:
            continue
        if p["end_date"] is not None:
            last = _month(p["end_date"])
        else:
            year, quarter = p["report_period"].split("-Q")
            last = (int(year), int(quarter) * 3)
        for y, _ in _months(_month(p["start_date"]), last):
            chosen = max(v for v in sets if v <= dt.date(y, 1, 1))
            wages[y] += sets[chosen]["wage"][p["placement_type"]] * p["extent_percent"] / 100
            months[y] += 1
            persons[y].add(p["person_id"])
    savings: dict[int, dict[str, float | None]] = defaultdict(dict)
    for r in _rows(
        warehouse,
        "select cohort_year, benefit_type, annualised_saving_sek from marts.i2_effect_estimates "
        "where target_group = 'Alla'",
    ):
        savings[r["cohort_year"]][r["benefit_type"]] = r["annualised_saving_sek"]
    expected = {}
    for year in set(months) | set(savings):
        chosen = max(v for v in sets if v <= dt.date(year, 1, 1))
        p = sets[chosen]
        w = wages.get(year, 0.0)
        s = savings.get(year, {})
        fs = [s[b] for b in ("försörjningsstöd",) if b in s]
        state = [s[b] for b in ("arbetslöshetsersättning", "aktivitetsersättning") if b in s]
        municipal_saving = sum(v for v in fs if v is not None)
        state_saving = sum(v for v in state if v is not None)
        municipal_complete = None not in fs
        state_complete = None not in state
        flows = {
            "kommunen": (p["municipal_tax_rate"] * w, municipal_saving, municipal_complete),
            "regionen": (p["regional_tax_rate"] * w, 0.0, True),
            "staten": (p["employer_fee_rate"] * w, state_saving, state_complete),
            "individen": (
                w * (1 - p["municipal_tax_rate"] - p["regional_tax_rate"]),
                -(municipal_saving + state_saving),
                municipal_complete and state_complete,
            ),
        }
        flows["samhället"] = (
            sum(f[0] for f in flows.values()),
            sum(f[1] for f in flows.values()),
            all(f[2] for f in flows.values()),
        )
        few = 1 <= len(persons.get(year, ())) <= 4
        for actor, (wage_related, benefits, complete) in flows.items():
            expected[(year, actor)] = {
                "wage_related_sek": None if few else wage_related,
                "benefits_avoided_sek": None if few else benefits,
                "total_sek": None if few else wage_related + benefits,
                "benefits_complete": complete,
                "paid_placement_months": None if few else months.get(year, 0),
                "paid_placement_persons": None if few else len(persons.get(year, ())),
                "parameters_valid_from": chosen,
            }
    return expected


def _published(warehouse: Path) -> dict[tuple[int, str], dict]:
    return {
        (r.pop("year"), r.pop("actor")): r
        for r in _rows(warehouse, "select * from marts.socioeconomic_value")
    }


def _same(got: dict, want: dict) -> bool:
    for column, value in want.items():
        if column in KRONOR and value is not None and got[column] is not None:
            if abs(got[column] - value) > 1e-6 * max(1.0, abs(value)):
                return False
        elif got[column] != value:
            return False
    return True


def test_every_value_is_what_the_spec_defines(city):
    got = _published(city.warehouse)
    want = expected_value(city.warehouse, city.project / "seeds")
    assert sorted(got) == sorted(want)
    assert {actor for _, actor in got} == set(ACTORS)
    wrong = {k: (got[k], want[k]) for k in want if not _same(got[k], want[k])}
    assert wrong == {}
    # The generated city exercises the rule: paid work in several years, benefits in some.
    assert sum(1 for (_, a), r in got.items() if a == "samhället" and r["wage_related_sek"]) >= 3
    assert any(r["benefits_avoided_sek"] for (_, a), r in got.items() if a == "kommunen")


def test_a_parameter_edited_in_the_seed_changes_its_figures_and_nothing_else(city):
    before = _marts(city.warehouse)
    seed = city.project / "seeds" / "socioeconomic_parameters.csv"
    text = seed.read_text(encoding="utf-8")
    assert text.count(",employer_fee_rate,,0.3142,") == 1
    seed.write_text(text.replace(",employer_fee_rate,,0.3142,", ",employer_fee_rate,,0.25,"))

    _build(city.project, city.root / "target")

    after = _marts(city.warehouse)
    assert sorted(after) == sorted(before)
    changed = {t for t in before if not _same_rows(after[t], before[t])}
    assert changed == {"socioeconomic_value", "socioeconomic_parameter_sets"}
    # The employer's fees go to staten, and so into samhället; every other figure stays.
    old, new = _published_from(before), _published_from(after)
    assert sorted(old) == sorted(new)
    for key, row in old.items():
        for column, value in row.items():
            moves = key[1] in ("staten", "samhället") and column in (
                "wage_related_sek",
                "total_sek",
            )
            if moves and value is not None:
                wage = old[(key[0], "samhället")]["wage_related_sek"] / 1.3142
                assert new[key][column] == pytest.approx(value - 0.0642 * wage), (key, column)
            elif isinstance(value, float):
                assert new[key][column] == pytest.approx(value, rel=1e-9, abs=1e-6), (key, column)
            else:
                assert new[key][column] == value, (key, column)
    # And the edited seed is what the next recomputation of the spec expects.
    want = expected_value(city.warehouse, city.project / "seeds")
    got = _published(city.warehouse)
    assert {k for k in want if not _same(got[k], want[k])} == set()


def _published_from(marts: dict[str, list[tuple]]) -> dict[tuple[int, str], dict]:
    columns = (
        "wage_related_sek benefits_avoided_sek total_sek benefits_complete "
        "paid_placement_months paid_placement_persons parameters_valid_from"
    ).split()
    return {
        (r[0], r[1]): dict(zip(columns, r[2:], strict=True)) for r in marts["socioeconomic_value"]
    }
