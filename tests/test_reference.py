"""The reference lists live in the dbt seeds only: a value the project office adds to a seed is
accepted by the next load and by the quality suite, files already loaded are parsed again with
the new list, and the lists of the loaders and the suites are the seeds' own."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from hansyn import reference
from hansyn.config import SEEDS_DIR, load_settings
from hansyn.quality.runner import _typed_frame, validate
from hansyn.quality.suites import SuiteError, load_suite, parse_suite
from hansyn.sources import SOURCES, avtalsregister, malgruppsregister
from hansyn.sources.contract import LoadContext
from hansyn.sources.ingest import ingest_source, parser_version
from tests.conftest import write_text

CTX = LoadContext(pseudonym_key=b"test-key")
NEW_GROUP = "Arbetsmarknadsanställning"
REGISTER_HEADER = (
    "Upphandlings-ID;Diarienummer;Upphandlingens titel;Beställande organisation;"
    "Organisationsnummer för köpare;Upphandlingsslag;Huvudsaklig CPV-kod;Avtalsstart;Avtalsslut;"
    "Beräknat antal arbetstagare;Social hänsyn nivå;Antal krävda platser;Målgrupper;"
    "Leverantör organisationsnummer;Leverantör namn;Utförandeområde\n"
)
REGISTER_HEADER_MALGRUPP = (
    "Personnummer;Målgrupp;Primärområde;Inskrivningsdatum;Utskrivningsdatum;"
    "Anvisad till Upphandlings-ID\n"
)


def register_row(pid: str, level: str = "3", area: str = "01", ptype: str = "Tjänster") -> str:
    return (
        f"{pid};D;Titel;Park- och naturförvaltningen;212000-1355;{ptype};x;2024-01-15;;3;"
        f"{level};2;Nyanländ;5560000001;Grönyta AB;{area}\n"
    )


@pytest.fixture
def seeds(tmp_path, monkeypatch) -> Path:
    """An editable copy of the seeds that the loaders and suites read (HANSYN_SEEDS_DIR); a test
    that also uses hansyn_env, which clears HANSYN_SEEDS_DIR, names it before this one."""
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, folder)
    monkeypatch.setenv("HANSYN_SEEDS_DIR", str(folder))
    return folder


def add_row(folder: Path, seed: str, line: str) -> None:
    path = folder / f"{seed}.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + "\n" + line + "\n", encoding="utf-8")


def register_file(folder: Path) -> Path:
    return write_text(
        folder / "malgruppsregister_2025-12-31.csv",
        REGISTER_HEADER_MALGRUPP
        + "900315-1231;Nyanländ;101;2024-01-10;;\n"
        + f"19850620-2483;{NEW_GROUP};199;2024-05-01;;\n",
    )


def typed(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Rows as the runner reads them from the raw table."""
    con = duckdb.connect()
    con.execute("create schema raw")
    con.register("incoming", frame[list(columns)])
    select = ", ".join(f'cast("{c}" as {t}) as "{c}"' for c, t in columns.items())
    con.execute(f"create table raw.t as select {select} from incoming")
    return _typed_frame(con, "t")


def test_a_target_group_added_to_its_seed_is_accepted_by_the_loader_and_the_suite(seeds, tmp_path):
    path = register_file(tmp_path / "raw")
    before = malgruppsregister.parse(path, CTX)
    assert list(before.rejected["reason"]) == [
        f"'Målgrupp' has unknown value {NEW_GROUP!r} (allowed: Långtidsarbetslös, Nyanländ, "
        "Ung 16–29, Person med funktionsnedsättning, Försörjningsstöd)"
    ]
    source = SOURCES["malgruppsregister"]
    # What the suite says of such a row, were the loader ever to let it through.
    frame = malgruppsregister.parse(path, CTX).rows
    frame = pd.concat([frame, frame.assign(target_group=NEW_GROUP, _row=3)], ignore_index=True)
    checks = validate(load_suite(source), typed(frame, source.columns), "run-1")
    assert not {o.name: o for o in checks}["target_group_allowed"].passed

    add_row(seeds, "target_groups", NEW_GROUP)

    after = malgruppsregister.parse(path, CTX)
    assert after.rejected.empty
    assert list(after.rows["target_group"]) == ["Nyanländ", NEW_GROUP]
    # The reason for another unknown value names the new list.
    assert NEW_GROUP in reference.target_groups()
    checks = validate(load_suite(source), typed(after.rows, source.columns), "run-2")
    assert {o.name: o for o in checks}["target_group_allowed"].passed


def test_a_seed_change_parses_loaded_files_again(hansyn_env, seeds):
    source = SOURCES["malgruppsregister"]
    register_file(hansyn_env / "raw" / "malgruppsregister")
    settings = load_settings()
    first = ingest_source(source, settings, "run-1")
    assert [(f.rows_loaded, f.rows_rejected) for f in first.files] == [(1, 1)]
    assert [f.reused for f in ingest_source(source, settings, "run-2").files] == [True]

    add_row(seeds, "target_groups", NEW_GROUP)

    report = ingest_source(source, settings, "run-3")
    assert [(f.reused, f.rows_loaded, f.rows_rejected) for f in report.files] == [(False, 2, 0)]
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        groups = con.execute(
            "select target_group from raw.malgruppsregister__registrations order by 1"
        ).fetchall()
        rejected = con.execute("select count(*) from audit.rejected_rows").fetchone()
    finally:
        con.close()
    assert groups == [(NEW_GROUP,), ("Nyanländ",)]
    assert rejected == (0,)


def test_parser_version_follows_the_seeds_a_loader_reads(seeds):
    key = b"k"
    versions = {name: parser_version(s, key) for name, s in SOURCES.items()}
    add_row(seeds, "placement_types", "Nystartsjobb")
    changed = {n for n, s in SOURCES.items() if parser_version(s, key) != versions[n]}
    assert changed == {"leverantorsrapporter"}
    add_row(seeds, "stadsomraden", "05,Nya området")
    changed = {n for n, s in SOURCES.items() if parser_version(s, key) != versions[n]}
    assert changed == {"leverantorsrapporter", "avtalsregister"}


def test_every_list_a_loader_checks_is_a_seed_it_declares(seeds):
    # Each loader that checks values names the seeds it reads, and each of them exists.
    declared = {name: set(s.seeds) for name, s in SOURCES.items() if s.seeds}
    assert declared == {
        "avtalsregister": {"procurement_types", "social_criteria_levels", "stadsomraden"},
        "leverantorsrapporter": {"placement_types"},
        "malgruppsregister": {"target_groups"},
        "enkat": {"survey_roles"},
        "omradesstatistik": {"geography"},
    }
    for names in declared.values():
        for seed in names:
            assert reference.rows(seed), seed


def test_register_levels_and_areas_come_from_their_seeds(seeds, tmp_path):
    folder = tmp_path / "raw"
    path = write_text(
        folder / "avtalsregister_2025-01-31.csv",
        REGISTER_HEADER
        + register_row("A", level="5")
        + register_row("B", area="05")
        + register_row("C", ptype="Koncessioner"),
    )
    reasons = list(avtalsregister.parse(path, CTX).rejected["reason"])
    assert reasons == [
        "'Social hänsyn nivå' is outside 0–4: '5'",
        "'Utförandeområde' is not a stadsområde 01–04: '05'",
        "'Upphandlingsslag' has unknown value 'Koncessioner' "
        "(allowed: Tjänster, Varor, Byggentreprenader)",
    ]
    add_row(seeds, "social_criteria_levels", "5,Nivå 5,true")
    add_row(seeds, "stadsomraden", "05,Nya området")
    add_row(seeds, "procurement_types", "Koncessioner")
    parsed = avtalsregister.parse(path, CTX)
    assert parsed.rejected.empty
    assert list(parsed.rows["social_level"]) == [5, 3, 3]
    source = SOURCES["avtalsregister"]
    checks = validate(load_suite(source), typed(parsed.rows, source.columns), "run-1")
    by_name = {o.name: o for o in checks}
    for name in ("social_level_0_to_4", "execution_area_stadsomrade", "procurement_type_allowed"):
        assert by_name[name].passed, by_name[name].detail


def test_levels_that_are_not_consecutive_are_named_one_by_one(seeds, tmp_path):
    (seeds / "stadsomraden.csv").write_text(
        "stadsomrade,stadsomrade_namn\n01,Nordost\n02,Centrum\n05,Nya området\n", encoding="utf-8"
    )
    (seeds / "social_criteria_levels.csv").write_text(
        "social_level,description,is_employment_requirement\n0,a,false\n2,b,false\n4,c,true\n",
        encoding="utf-8",
    )
    path = write_text(
        tmp_path / "avtalsregister_2025-01-31.csv",
        REGISTER_HEADER + register_row("A", level="3") + register_row("B", level="4", area="03"),
    )
    assert list(avtalsregister.parse(path, CTX).rejected["reason"]) == [
        "'Social hänsyn nivå' is not a level of social_criteria_levels: '3'",
        "'Utförandeområde' is not a stadsområde 01, 02, 05: '03'",
    ]


def test_a_suite_value_set_names_a_seed_column(tmp_path):
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "levels.csv").write_text("level,name\n0,noll\n1,ett\n1,igen\n", encoding="utf-8")

    def suite(value_set):
        return {
            "expectations": [{
                "type": "expect_column_values_to_be_in_set",
                "kwargs": {"column": "level", "value_set": value_set},
                "meta": {"check": "level_known"},
            }]
        }  # fmt: skip

    parsed = parse_suite("s", suite({"$seed": "levels", "column": "level"}), seeds_dir=folder)
    assert parsed.checks[0].expectation["kwargs"]["value_set"] == ["0", "1"]
    typed_suite = suite({"$seed": "levels", "column": "level", "type": "integer"})
    assert parse_suite("s", typed_suite, seeds_dir=folder).checks[0].expectation["kwargs"][
        "value_set"
    ] == [0, 1]
    for bad, message in (
        ({"$seed": "nothing", "column": "level"}, "seed 'nothing' not found"),
        ({"$seed": "levels", "column": "other"}, "has no column 'other'"),
        ({"$seed": "levels"}, "'column'"),
        ({"$seed": "levels", "column": "name", "type": "integer"}, "invalid literal"),
        ({"$seed": "levels", "column": "level", "type": "date"}, "type must be one of"),
    ):
        with pytest.raises(SuiteError, match=message):
            parse_suite("s", suite(bad), seeds_dir=folder)


def test_no_suite_file_repeats_a_seed_list():
    # Every list of values a seed holds is referenced, never copied, in the suite files.
    seed_lists = {
        tuple(reference.values(p.stem, column))
        for p in SEEDS_DIR.glob("*.csv")
        for column in reference.rows(p.stem)[0]
    }
    for path in Path(SEEDS_DIR.parent.parent, "expectations").glob("*.json"):
        for expectation in json.loads(path.read_text(encoding="utf-8"))["expectations"]:
            value_set = expectation.get("kwargs", {}).get("value_set")
            if isinstance(value_set, list):
                assert tuple(map(str, value_set)) not in seed_lists, (path.name, value_set)
