"""The data dictionary in indikatorer.duckdb: every published table and column carries its dbt
description as a DuckDB comment, readable by DuckDB 2.0 and by a DuckDB 1.4 client (the BI
tools' driver). A hand-made warehouse, published with the descriptions of the real manifest."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from hansyn.config import PROJECT_ROOT, load_settings
from hansyn.manifest import ensure_manifest, published_descriptions, published_models
from hansyn.publishing.swap import PUBLISHED_DB, publish

# Quoted from dbt_project/models/marts/_benchmark__models.yml, folded to one line as YAML's `>`
# and the comment's one-line form have it; the second has an apostrophe to escape.
YEAR = "År, the year of the agency's statistics the procurements were advertised in."
BUYER_NAME_START = "Namn för köpare: the name on most of that number's rows that year"
TABLE_START = "The city among Sweden's municipalities, from the agency's national statistics"

COMMENTS_SQL = """
select t.table_name, t.comment, c.column_name, c.comment
from duckdb_tables() t join duckdb_columns() c using (database_name, schema_name, table_name)
where t.database_name = current_database()
order by t.table_name, c.column_index
"""


def _manifest() -> Path:
    return ensure_manifest(load_settings().dbt_target_dir)


def _publish_benchmark(settings) -> Path:
    """national_benchmark with three of its columns and one the YAML does not know."""
    con = duckdb.connect(str(settings.warehouse))
    con.execute("create schema marts")
    con.execute(
        "create table marts.national_benchmark as select 2024 as year, "
        "'Göteborg' as buyer_name, 5 as procurements, 'x' as not_in_yaml"
    )
    con.close()
    publish(settings, ["national_benchmark"], dictionary=published_descriptions(_manifest()))
    return settings.marts_dir / PUBLISHED_DB


def _comments(rows) -> dict:
    tables, columns = {}, {}
    for table, table_comment, column, column_comment in rows:
        tables[table] = table_comment
        columns[(table, column)] = column_comment
    return {"tables": tables, "columns": columns}


def test_published_file_carries_the_yaml_descriptions_as_comments(hansyn_env):
    db = _publish_benchmark(load_settings())
    con = duckdb.connect(str(db), read_only=True)
    found = _comments(con.execute(COMMENTS_SQL).fetchall())
    con.close()
    assert found["tables"]["national_benchmark"].startswith(TABLE_START)
    assert "\n" not in found["tables"]["national_benchmark"]
    columns = found["columns"]
    assert columns[("national_benchmark", "year")] == YEAR
    assert columns[("national_benchmark", "buyer_name")].startswith(BUYER_NAME_START)
    assert columns[("national_benchmark", "procurements")] == (
        "The municipality's advertised procurements that year (distinct Upphandlings-IDs), "
        "of every kind."
    )
    # A column the YAML does not describe is left without a comment, not given an empty one.
    assert columns[("national_benchmark", "not_in_yaml")] is None


def test_every_published_table_and_column_has_a_description_to_carry():
    docs = published_descriptions(_manifest())
    assert sorted(docs) == published_models(_manifest())
    for table, doc in docs.items():
        assert doc.description, table
        # The marts' contracts are enforced, so the YAML names every column with its type.
        assert doc.columns, table
        manifest = json.loads(_manifest().read_text(encoding="utf-8"))
        node = next(n for n in manifest["nodes"].values() if n["name"] == table)
        assert sorted(doc.columns) == sorted(node["columns"]), table


DUCKDB1_COMMENTS = """
import duckdb, json, sys
con = duckdb.connect(sys.argv[1], read_only=True)
print(json.dumps({"version": duckdb.__version__, "rows": con.execute(sys.argv[2]).fetchall()}))
"""


@pytest.fixture(scope="module")
def duckdb1() -> Path:
    """DuckDB 1.4.4 in its own venv (`make duckdb1`), as in tests/test_published_outputs.py."""
    with open("/tmp/hansyn-duckdb1.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test sessions must not build it at once
        subprocess.run(["make", "-s", "duckdb1"], cwd=PROJECT_ROOT, check=True)
    return PROJECT_ROOT / ".venv-duckdb1" / "bin" / "python"


@pytest.mark.slow
def test_duckdb1_client_reads_the_comments(hansyn_env, duckdb1):
    python = duckdb1
    db = _publish_benchmark(load_settings())
    out = json.loads(
        subprocess.run(
            [str(python), "-c", DUCKDB1_COMMENTS, str(db), COMMENTS_SQL],
            capture_output=True,
            text=True,
            check=True,
            env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        ).stdout
    )
    assert out["version"] == "1.4.4"
    found = _comments(out["rows"])
    assert found["tables"]["national_benchmark"].startswith(TABLE_START)
    assert found["columns"][("national_benchmark", "year")] == YEAR
