"""Whether a night has anything new: a fingerprint of everything the published tables are made
from, kept in the warehouse with each publication.

The inputs are the raw zone as loaded (the file registry: each file's content, loader version
and outcome), the dbt project's files (models, macros, seeds, tests, its settings), the
data-quality suites, the code of `hansyn` and `orchestration` (the report's templates included),
the versions of the engines (dbt, DuckDB, Great Expectations, pandas) and the accepted
row-count drops (they change what a check means). When the fingerprint after the night's
ingestion is the one of the last publication, and nothing rebuilt the warehouse's marts since,
dbt and publishing have nothing to do: the published files are current (they must all be in
the marts folder, as the publication's manifest says).

One source changed rebuilds everything: dbt's selection by source would rebuild less, but the
publish asset runs only when every published model was materialized in the run, the load-log
models change every night a file arrives, and a partly rebuilt warehouse after a failed night
would need its own bookkeeping; at today's sizes dbt's run is mostly its fixed per-node cost."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .config import DBT_PROJECT_DIR, EXPECTATIONS_DIR, PROJECT_ROOT, Settings, seeds_dir
from .publishing.versions import damage, leftovers
from .sources.personnummer import masked_logger

log = masked_logger("hansyn.night")

BUILDING = "building"  # dbt started rebuilding the warehouse's marts in this run
PUBLISHED = "published"  # and they were published

# Folders of the dbt project that dbt writes, not people.
_DBT_OUTPUT = {"target", "logs", "dbt_packages", "__pycache__"}
_CODE = ("hansyn", "orchestration")
_ENGINES = ("dbt-core", "dbt-duckdb", "duckdb", "great_expectations", "pandas", "pyarrow")


@dataclass(frozen=True)
class Publication:
    run_id: str
    at: dt.datetime
    tables: dict[str, int]


def _files_digest(digest, root: Path, skip: set[str], outside: tuple[Path, ...] = ()) -> None:
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in skip or part.startswith(".") for part in rel.parts):
            continue
        if not path.is_file() or any(path.is_relative_to(o) for o in outside):
            continue
        digest.update(str(rel).encode("utf-8") + b"\0" + path.read_bytes() + b"\0")


@cache
def _code_digest() -> str:
    """The code and the engines' versions: the same for every night of one installation."""
    digest = hashlib.sha256()
    for package in _CODE:
        _files_digest(digest, PROJECT_ROOT / package, {"__pycache__"})
    for name in _ENGINES:
        try:
            digest.update(f"{name}=={version(name)}\0".encode())
        except PackageNotFoundError:
            digest.update(f"{name} missing\0".encode())
    return digest.hexdigest()


def inputs_fingerprint(con, settings: Settings) -> str:
    """The fingerprint of this night's inputs, after ingestion (see the module's docstring).

    A file's modification time is not part of it (a file touched but not changed is not a
    delivery), nor a waiting file's message (it says how many seconds ago it changed)."""
    digest = hashlib.sha256()
    registry = con.execute(
        "select source, file_name, file_sha256, parser_version, status, rows_read, "
        "rows_loaded, rows_rejected, case when status = 'waiting' then '' else message end "
        "from audit.file_registry order by source, file_name"
    ).fetchall()
    digest.update(repr(registry).encode("utf-8"))
    _files_digest(digest, DBT_PROJECT_DIR, _DBT_OUTPUT, (settings.dbt_target_dir,))
    _files_digest(digest, EXPECTATIONS_DIR, set())
    seeds = seeds_dir()
    if seeds.resolve() != (DBT_PROJECT_DIR / "seeds").resolve():
        _files_digest(digest, seeds, set())
    digest.update(_code_digest().encode())
    digest.update(repr(sorted(settings.accept_row_count_drop)).encode("utf-8"))
    return digest.hexdigest()


def record_building(con, run_id: str, fingerprint: str) -> None:
    """dbt is about to rebuild the marts from these inputs."""
    con.execute(
        "insert into audit.publications values (?, ?, ?, ?, null)",
        [run_id, dt.datetime.now(), BUILDING, fingerprint],
    )


def record_published(con, settings: Settings, run_id: str, tables: dict[str, int]) -> None:
    """The marts this run built are published (or were already, byte for byte)."""
    built = con.execute(
        "select fingerprint from audit.publications where run_id = ? and state = ? "
        "order by recorded_at desc limit 1",
        [run_id, BUILDING],
    ).fetchone()
    # Published without a build in this run (the publish asset alone, from the UI): the inputs
    # as they stand now.
    fingerprint = built[0] if built else inputs_fingerprint(con, settings)
    con.execute(
        "insert into audit.publications values (?, ?, ?, ?, ?)",
        [run_id, dt.datetime.now(), PUBLISHED, fingerprint,
         json.dumps(tables, sort_keys=True)],
    )  # fmt: skip


def nothing_new_since(con, settings: Settings) -> Publication | None:
    """The last publication when nothing it was made from has changed since, the warehouse's
    marts were not rebuilt after it and its files are in the marts folder as its manifest
    says, nothing left by a killed publication beside them; else None (and always None with
    HANSYN_REBUILD set)."""
    if settings.rebuild:
        return None
    known = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'audit' "
        "and table_name = 'publications'"
    ).fetchone()[0]
    if not known:  # a warehouse older than the table, opened read-only
        return None
    last = con.execute(
        "select run_id, recorded_at, state, fingerprint, tables from audit.publications "
        "order by recorded_at desc limit 1"
    ).fetchone()
    if last is None or last[2] != PUBLISHED:
        return None
    tables = json.loads(last[4] or "{}")
    # The published files are checked against their manifest every night: one deleted or
    # changed since, or what a killed publication left, and the night publishes again (the
    # publication names what it repaired or removed).
    damaged = damage(settings.marts_dir) + [str(p) for p in leftovers(settings.marts_dir)]
    if damaged:
        log.warning("the publication must be made again: %s", "; ".join(damaged))
        return None
    if last[3] != inputs_fingerprint(con, settings):
        return None
    return Publication(run_id=last[0], at=last[1], tables=tables)
