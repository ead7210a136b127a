"""The data-quality guard keeps a passed outcome for a raw table that has not changed since it was
validated (the nightly cost follows the sources that changed); a changed table, a table that
failed a check and a changed suite are validated afresh."""

from __future__ import annotations

import duckdb

from hansyn.config import load_settings
from hansyn.quality.runner import run_quality_checks
from hansyn.sources import SOURCES
from hansyn.sources.ingest import ingest_source
from tests.conftest import write_text

HEADER = (
    "Upphandlings-ID;Diarienummer;Upphandlingens titel;Beställande organisation;"
    "Organisationsnummer för köpare;Upphandlingsslag;Huvudsaklig CPV-kod;Avtalsstart;Avtalsslut;"
    "Beräknat antal arbetstagare;Social hänsyn nivå;Antal krävda platser;Målgrupper;"
    "Leverantör organisationsnummer;Leverantör namn;Utförandeområde\n"
)


def register(*numbers: int) -> str:
    return HEADER + "".join(
        f"P{n:02d};D-{n};Titel {n};Park- och naturförvaltningen;212000-1355;Tjänster;x;"
        f"2024-0{1 + n % 9}-01;;{2 + n};{n % 5};{n % 3};Nyanländ;556000-0001;Lev {n} AB;01\n"
        for n in numbers
    )


def load_and_check(run_id: str):
    settings = load_settings()
    source = SOURCES["avtalsregister"]
    ingest_source(source, settings, run_id)
    return {o.name: o for o in run_quality_checks(source, settings, run_id)}


def recorded(tmp, run_id: str) -> list[tuple]:
    con = duckdb.connect(str(tmp / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(
            "select check_name, blocking, passed, file_name, observed, message "
            "from audit.quality_checks where run_id = ? order by check_name",
            [run_id],
        ).fetchall()
    finally:
        con.close()


def reused_from(outcomes) -> set:
    return {o.metadata.get("unchanged_since_run") for o in outcomes.values()}


def test_unchanged_passed_table_keeps_its_outcome(hansyn_env, monkeypatch):
    folder = hansyn_env / "raw" / "avtalsregister"
    write_text(folder / "avtalsregister_2025-12-31.csv", register(*range(1, 11)))

    first = load_and_check("run-1")
    assert all(o.passed for o in first.values()) and reused_from(first) == {None}

    # Nothing delivered: the same rows, the outcome of run-1, recorded for run-2 too.
    second = load_and_check("run-2")
    assert reused_from(second) == {"run-1"}
    assert [o.passed for o in second.values()] == [True] * len(first)
    assert recorded(hansyn_env, "run-2") == recorded(hansyn_env, "run-1")
    assert len(recorded(hansyn_env, "run-2")) == len(first)

    # A new snapshot (11 rows): the table changed, GX runs again.
    write_text(folder / "avtalsregister_2026-03-31.csv", register(*range(1, 12)))
    third = load_and_check("run-3")
    assert reused_from(third) == {None}
    assert all(o.passed for o in third.values())

    # The accepted drop changes what a failure means: validated afresh.
    monkeypatch.setenv("HANSYN_ACCEPT_ROW_COUNT_DROP", "avtalsregister")
    assert reused_from(load_and_check("run-4")) == {None}


def test_a_failed_check_is_validated_again(hansyn_env):
    folder = hansyn_env / "raw" / "avtalsregister"
    # P05 twice in the snapshot: the key check blocks.
    write_text(folder / "avtalsregister_2025-12-31.csv", register(*range(1, 11), 5))

    first = load_and_check("run-1")
    assert not first["procurement_id_unique_in_snapshot"].passed

    second = load_and_check("run-2")
    assert reused_from(second) == {None}
    assert not second["procurement_id_unique_in_snapshot"].passed
