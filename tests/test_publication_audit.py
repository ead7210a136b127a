"""Write–audit–publish: the privacy audit runs on the staged files before the swap. A planted
personnummer in a title, a pseudonym or a person count of 3 blocks the night, leaves the last
publication byte for byte and fails the run with the table, column and reason (never the
value); the same night without the plant publishes."""

from __future__ import annotations

import hashlib

import dagster as dg
import duckdb
import pytest

from hansyn.config import load_settings
from hansyn.publishing import versions
from hansyn.publishing.privacy import PublicationBlocked
from hansyn.publishing.swap import publish

PNR = "19121212-1212"  # Tolvan Tolvansson, the Tax Agency's test personnummer
PSEUDONYM = hashlib.sha256(b"someone").hexdigest()
TABLES = ["bruttolista", "i3_individuals", "load_quality"]


def _night(warehouse, title="Städning av skolor", message="", women=6):
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema if not exists marts")
        con.execute(
            "create or replace table marts.bruttolista as "
            "select 'GBG-2024-0001' as procurement_id, ? as title",
            [title],
        )
        con.execute(
            "create or replace table marts.i3_individuals as select 2024 as year, "
            "cast(? + 7 as bigint) as individuals, cast(20 as bigint) as placements, "
            "cast(? as bigint) as women, cast(7 as bigint) as men, "
            "cast(null as bigint) as under_30",
            [women, women],
        )
        con.execute(
            "create or replace table marts.load_quality as select 'enkat' as source, "
            "'enkat_2024-H1.csv' as file_name, ? as message",
            [message],
        )
    finally:
        con.close()


def _snapshot(marts):
    return {p.name: p.read_bytes() for p in sorted(marts.iterdir()) if p.is_file()}


@pytest.mark.parametrize(
    "plant, where",
    [
        ({"title": f"Städning, kontakt {PNR}"}, "bruttolista.title: a personnummer-like string"),
        ({"message": f"pseudonym {PSEUDONYM}"}, "load_quality.message: a pseudonym-like string"),
        ({"women": 3}, "i3_individuals.women: a person count of 1–4"),
    ],
)
def test_a_plant_blocks_the_night_and_the_next_night_publishes(hansyn_env, plant, where):
    settings = load_settings()
    _night(settings.warehouse)
    publish(settings, TABLES)
    before = _snapshot(settings.marts_dir)

    _night(settings.warehouse, **plant)
    with pytest.raises(PublicationBlocked) as blocked:
        publish(settings, TABLES)

    message = str(blocked.value)
    assert where in message, message
    for value in (PNR, "191212", PSEUDONYM[:8]):
        assert value not in message
    assert _snapshot(settings.marts_dir) == before  # byte for byte, nothing left behind
    assert versions.leftovers(settings.marts_dir) == []

    _night(settings.warehouse, title="Städning av förskolor")
    report = publish(settings, TABLES)
    assert not report.unchanged
    assert _snapshot(settings.marts_dir) != before


def test_a_recoverable_hidden_count_blocks(hansyn_env):
    """individuals = women + men: women hidden, men shown gives women back."""
    settings = load_settings()
    con = duckdb.connect(str(settings.warehouse))
    con.execute("create schema marts")
    con.execute(
        "create table marts.i3_individuals as select 2024 as year, 10::bigint as individuals, "
        "12::bigint as placements, null::bigint as women, 7::bigint as men, "
        "null::bigint as under_30"
    )
    con.close()
    with pytest.raises(PublicationBlocked) as blocked:
        publish(settings, ["i3_individuals"])
    assert (
        "i3_individuals.women: hidden women (year=2024) follows from the relations "
        "i3_individuals.women_and_men_make_individuals solved together"
    ) in str(blocked.value)
    assert not settings.marts_dir.joinpath("i3_individuals.parquet").exists()


def test_the_publish_asset_fails_the_run_with_where_and_why(hansyn_env):
    from orchestration.publication import published_marts
    from orchestration.run_alerts import run_findings

    settings = load_settings()
    _night(settings.warehouse, women=3)
    instance = dg.DagsterInstance.ephemeral()
    import orchestration.publication as publication

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(publication, "PUBLISHED_TABLES", TABLES)
        result = dg.materialize([published_marts], instance=instance, raise_on_error=False)
    assert not result.success
    checks, steps, published = run_findings(instance, result.run_id)
    assert not published
    assert any("i3_individuals.women: a person count of 1–4" in s.error for s in steps), steps
