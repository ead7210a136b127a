"""An attacker who has only the published file and knows the declared relations: for every
hidden cell, the smallest and largest value the relations allow (every hidden count ≥ 1, since
0 is always published; integers), by linear programming over all relations at once. A cell
whose range is one value is recovered. Run on the sample city and on a city of another seed
and scale that the project has never seen."""

from __future__ import annotations

import math
import os

import duckdb
import numpy as np
import pytest
from scipy.optimize import linprog

from hansyn.publishing.privacy import _rows, declared_privacy, relation_equations

pytestmark = pytest.mark.slow


def recovered_cells(marts_db) -> list[tuple]:
    declared = declared_privacy()
    con = duckdb.connect(str(marts_db), read_only=True)
    try:
        names = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        tables = {t: _rows(con, t) for t in declared if t in names}
    finally:
        con.close()
    equations, values = relation_equations(tables, declared)
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
    for cell, i in index.items():
        if cell[0] == "revealed":
            continue
        bounds = []
        for sense in (1, -1):
            c = np.zeros(len(unknown))
            c[i] = sense
            result = linprog(c, A_eq=np.array(a_eq), b_eq=b_eq, bounds=(1, None), method="highs")
            assert result.status in (0, 3), result.message  # 3: unbounded above
            bounds.append(sense * result.fun if result.status == 0 else math.inf)
        if math.isinf(bounds[1]):
            continue
        low, high = math.ceil(bounds[0] - 1e-9), math.floor(bounds[1] + 1e-9)
        if low == high:
            found.append((cell, low))
    return found


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


@pytest.mark.parametrize("seed, scale", [(None, None), (20261, 0.5)])
def test_no_hidden_value_can_be_worked_out(tmp_path, seed, scale):
    marts_db = _city(tmp_path, seed, scale)
    assert recovered_cells(marts_db) == []
