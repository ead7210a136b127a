"""A night costs what is new: the fingerprint of what the published tables are made from, and a
second night with nothing new that skips validation, dbt and publishing; a changed model, a
changed seed and a new delivery each rebuild and republish."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from hansyn import night
from hansyn.config import DBT_PROJECT_DIR, EXPECTATIONS_DIR, load_settings
from hansyn.publishing import versions
from hansyn.warehouse import create_audit_tables


@pytest.fixture
def project(tmp_path, monkeypatch):
    """Copies of the dbt project and the suites for the fingerprint to read."""
    dbt = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, dbt, ignore=shutil.ignore_patterns("target", "logs"))
    suites = tmp_path / "expectations"
    shutil.copytree(EXPECTATIONS_DIR, suites)
    monkeypatch.setattr(night, "DBT_PROJECT_DIR", dbt)
    monkeypatch.setattr(night, "EXPECTATIONS_DIR", suites)
    return tmp_path


@pytest.fixture
def con(hansyn_env):
    con = duckdb.connect(str(hansyn_env / "warehouse.duckdb"))
    create_audit_tables(con)
    con.execute(
        "insert into audit.file_registry values ('ersattningar', 'fbs_2026-01.csv', 'abc', 'v1', "
        "10, 111, timestamp '2026-02-01 02:00', 5, 5, 0, 'loaded', '')"
    )
    yield con
    con.close()


def _fingerprint(con):
    return night.inputs_fingerprint(con, load_settings())


@pytest.mark.parametrize(
    "change",
    [
        lambda p: (p / "dbt_project/seeds/placement_types.csv").open("a").write("Ny,true\n"),
        lambda p: (p / "dbt_project/models/marts/bruttolista.sql").open("a").write("\n-- x\n"),
        lambda p: (p / "dbt_project/macros/new_macro.sql").write_text("{% macro m() %}{% endmacro %}"),
        lambda p: (p / "expectations/ersattningar.json").open("a").write("\n"),
    ],
    ids=["a seed", "a model", "a new macro", "a suite"],
)  # fmt: skip
def test_a_changed_project_file_changes_the_fingerprint(project, con, change):
    before = _fingerprint(con)
    assert _fingerprint(con) == before  # the same inputs, the same fingerprint
    change(project)
    assert _fingerprint(con) != before


def test_what_dbt_writes_in_its_project_is_not_an_input(project, con):
    before = _fingerprint(con)
    (project / "dbt_project/target").mkdir()
    (project / "dbt_project/target/manifest.json").write_text("{}")
    (project / "dbt_project/logs").mkdir()
    (project / "dbt_project/logs/dbt.log").write_text("x")
    assert _fingerprint(con) == before


def test_a_delivery_changes_the_fingerprint_a_touched_file_does_not(project, con):
    before = _fingerprint(con)
    con.execute("update audit.file_registry set mtime_ns = 222")  # touched, same bytes
    assert _fingerprint(con) == before
    con.execute(
        "insert into audit.file_registry values ('ersattningar', 'fbs_2026-02.csv', 'def', 'v1', "
        "10, 333, timestamp '2026-03-01 02:00', 5, 5, 0, 'loaded', '')"
    )
    assert _fingerprint(con) != before


def test_an_accepted_drop_and_an_edited_seed_copy_change_the_fingerprint(
    project, con, monkeypatch, tmp_path
):
    before = _fingerprint(con)
    monkeypatch.setenv("HANSYN_ACCEPT_ROW_COUNT_DROP", "ersattningar")
    assert _fingerprint(con) != before
    monkeypatch.delenv("HANSYN_ACCEPT_ROW_COUNT_DROP")
    seeds = tmp_path / "seeds"
    shutil.copytree(project / "dbt_project/seeds", seeds)
    monkeypatch.setenv("HANSYN_SEEDS_DIR", str(seeds))
    same = _fingerprint(con)
    (seeds / "placement_types.csv").open("a").write("Ny,true\n")
    assert _fingerprint(con) != same


def test_nothing_new_only_after_a_publication_of_the_same_inputs(
    project, con, hansyn_env, monkeypatch
):
    settings = load_settings()
    assert night.nothing_new_since(con, settings) is None  # never published
    night.record_building(con, "run-1", _fingerprint(con))
    assert night.nothing_new_since(con, settings) is None  # built, not published
    night.record_published(con, settings, "run-1", {"bruttolista": 3})
    assert night.nothing_new_since(con, settings) is None  # its files are not in the folder
    version = versions.new_version(hansyn_env / "marts")  # as publish() writes a version
    (version / "indikatorer.duckdb").write_bytes(b"x")
    (version / "bruttolista.parquet").write_bytes(b"x")
    versions.write_manifest(version, "run-1")
    versions.switch(hansyn_env / "marts", version)
    last = night.nothing_new_since(con, settings)
    assert last is not None and last.run_id == "run-1" and last.tables == {"bruttolista": 3}
    # A night that started rebuilding (and failed) leaves the marts it built unpublished.
    night.record_building(con, "run-2", _fingerprint(con))
    assert night.nothing_new_since(con, settings) is None
    night.record_published(con, settings, "run-2", {"bruttolista": 3})
    assert night.nothing_new_since(con, settings).run_id == "run-2"
    monkeypatch.setenv("HANSYN_REBUILD", "true")  # asked for: rebuilt whatever the fingerprint
    assert night.nothing_new_since(con, load_settings()) is None
    monkeypatch.delenv("HANSYN_REBUILD")
    (project / "dbt_project/models/marts/bruttolista.sql").open("a").write("\n-- x\n")
    assert night.nothing_new_since(con, settings) is None


# --- the nightly job ---------------------------------------------------------------------------


def _night(monkeypatch):
    """The nightly job, its alert kept from the network (undone after the test: a plain
    assignment here once silenced the alerts of every in-process test that ran after it)."""
    from orchestration import refresh, run_alerts

    monkeypatch.setattr(run_alerts, "deliver", lambda alert, settings, **_: None)
    return refresh.run_refresh()


def _steps(run_id: str) -> dict[str, str]:
    import dagster as dg

    from orchestration.refresh import dagster_instance

    with dagster_instance(load_settings()) as instance:
        kinds = (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_SKIPPED)
        return {
            e.dagster_event.step_key: e.dagster_event.event_type_value
            for kind in kinds
            for e in instance.all_logs(run_id, of_type=kind)
        }


def _mtimes(folder):
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}


@pytest.mark.slow
def test_a_night_with_nothing_new_skips_and_a_change_rebuilds(hansyn_env, monkeypatch):
    from hansyn.sampledata import generate
    from hansyn.sampledata.next_month import write_next_month

    raw = hansyn_env / "raw"
    generate(raw, seed=2026, scale=0.3)
    first = _night(monkeypatch)
    assert first.published and first.nothing_new_since is None, first.render()
    marts = hansyn_env / "marts"
    published = _mtimes(marts)

    # Nothing delivered, nothing edited: no GX, no dbt, no publish; the files stay as they are.
    second = _night(monkeypatch)
    assert second.published and second.nothing_new_since, second.render()
    assert second.tables == first.tables
    assert "nothing new since" in second.render()
    steps = _steps(second.run_id)
    assert steps["hansyn_dbt_assets"] == "STEP_SUCCESS"
    assert steps["published_marts"] == "STEP_SKIPPED"
    assert _mtimes(marts) == published

    # A changed model (here: the fingerprint's copy of the project) rebuilds and republishes.
    copy = hansyn_env / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, copy, ignore=shutil.ignore_patterns("target", "logs"))
    (copy / "models/marts/bruttolista.sql").open("a").write("\n-- edited\n")
    monkeypatch.setattr(night, "DBT_PROJECT_DIR", copy)
    third = _night(monkeypatch)
    assert third.published and third.nothing_new_since is None, third.render()
    assert _steps(third.run_id)["published_marts"] == "STEP_SUCCESS"

    # A changed seed list (the loaders' and the suites' copy) does too.
    seeds = hansyn_env / "seeds"
    shutil.copytree(DBT_PROJECT_DIR / "seeds", seeds)
    monkeypatch.setenv("HANSYN_SEEDS_DIR", str(seeds))
    (seeds / "placement_types.csv").open("a").write("Arbetsträning,false\n")
    fourth = _night(monkeypatch)
    assert fourth.published and fourth.nothing_new_since is None, fourth.render()
    assert _steps(fourth.run_id)["published_marts"] == "STEP_SUCCESS"

    # A new month of deliveries rebuilds and publishes the new figures.
    write_next_month(raw)
    fifth = _night(monkeypatch)
    assert fifth.published and fifth.nothing_new_since is None, fifth.render()
    assert _steps(fifth.run_id)["published_marts"] == "STEP_SUCCESS"
    assert fifth.tables["load_quality"] > first.tables["load_quality"]
