"""An attacker who has only the published file and knows the declared relations: for every
hidden cell, the smallest and largest value the relations allow (every hidden count ≥ 1, since
0 is always published; whole numbers), by integer programming over all relations at once (the
geography's revealed total, stadsområden and mellanområden together: issue 24, class 11). A
cell whose range is one value is recovered. Written apart from the guard
(hansyn/publishing/relations.py) on purpose: a second attacker, not the guard run twice. Run on the sample city and on a city of another seed
and scale that the project has never seen."""

from __future__ import annotations

import math
import os

import duckdb
import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from hansyn.publishing.privacy import _rows, declared_privacy, relation_equations


def recovered_cells(marts_db) -> list[tuple]:
    con = duckdb.connect(str(marts_db), read_only=True)
    try:
        names = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        tables = {t: _rows(con, t) for t in declared_privacy() if t in names}
    finally:
        con.close()
    return _recovered(tables)


def _recovered(tables: dict[str, list[dict]]) -> list[tuple]:
    equations, values = relation_equations(tables, declared_privacy())
    unknown = sorted({c for eq in equations for c in (eq.total, *eq.parts) if values[c] is None})
    index = {c: i for i, c in enumerate(unknown)}
    a_eq, b_eq = [], []
    for eq in equations:
        row = np.zeros(len(unknown))
        b = 0.0
        for sign, cell in [(1, eq.total)] + [(-1, p) for p in eq.parts]:
            if cell in index:
                row[index[cell]] += sign
            else:
                b -= sign * values[cell]
        if row.any():
            a_eq.append(row)
            b_eq.append(b)
    found = []
    if not unknown:
        return found
    system = LinearConstraint(np.array(a_eq), b_eq, b_eq)
    whole = np.ones(len(unknown))
    at_least_one = Bounds(np.ones(len(unknown)), np.full(len(unknown), np.inf))
    for cell, i in index.items():
        if cell[0] == "revealed":
            continue
        bounds = []
        for sense in (1, -1):
            c = np.zeros(len(unknown))
            c[i] = sense
            result = milp(c, constraints=system, integrality=whole, bounds=at_least_one)
            # Only a maximum can fail, being unbounded: HiGHS says 3, or 4 when its presolve
            # cannot tell unbounded from infeasible (the published values are a solution).
            assert result.status == 0 or (sense == -1 and result.status in (3, 4)), result.message
            bounds.append(sense * result.fun if result.status == 0 else math.inf)
        if math.isinf(bounds[1]):
            continue
        low, high = round(bounds[0]), round(bounds[1])
        if low == high:
            found.append((cell, low))
    return found


def test_the_attacker_recovers_the_issue_24_geography():
    """The attacker itself on the issue's 2021 as it was published (tests/test_faults_privacy_
    relations.py): the eight mellanområden of 1 and the three stadsområden of 3, 2 and 3."""
    from tests.test_faults_privacy_relations import GEOGRAPHY, _published_2021

    con = _published_2021()
    try:
        tables = {t: _rows(con, t) for t in GEOGRAPHY}
    finally:
        con.close()
    found = _recovered(tables)
    assert sorted(v for _, v in found) == [1] * 8 + [2, 3, 3]


def _city(root, seed=None, scale=None):
    from hansyn.sampledata import generate
    from orchestration.refresh import run_refresh

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HANSYN_RAW_DIR", str(root / "raw"))
        mp.setenv("HANSYN_MARTS_DIR", str(root / "marts"))
        mp.setenv("HANSYN_WAREHOUSE", str(root / "warehouse.duckdb"))
        mp.setenv("HANSYN_PSEUDONYM_KEY", "test-key-not-secret")
        mp.setenv("DAGSTER_HOME", str(root / "dagster_home"))
        for name in list(os.environ):
            if name.startswith(("HANSYN_ALERT", "HANSYN_SMTP")):
                mp.delenv(name)
        kwargs = {k: v for k, v in {"seed": seed, "scale": scale}.items() if v is not None}
        generate(root / "raw", **kwargs)
        summary = run_refresh()
        assert summary.published, summary.render()
    return root / "marts" / "indikatorer.duckdb"


@pytest.mark.slow
@pytest.mark.parametrize("seed, scale", [(None, None), (20261, 0.5)])
def test_no_hidden_value_can_be_worked_out(tmp_path, seed, scale):
    marts_db = _city(tmp_path, seed, scale)
    assert recovered_cells(marts_db) == []
