"""The privacy scanner itself, both ways: clean published outputs pass, and a planted
personnummer, pseudonym or small count in any kind of published file is found.
(The scan of the real sample data's outputs is in tests/test_published_outputs.py.)"""

from __future__ import annotations

import hashlib
import hmac
import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from hansyn.cli import main
from hansyn.config import load_settings
from hansyn.publishing.privacy import (
    _rows,
    declared_privacy,
    parse_swedish_number,
    personnummer_like,
    pseudonym_like,
    published_files,
    relation_equations,
    scan_marts,
    solve_relations,
)
from hansyn.publishing.swap import publish
from hansyn.report.render import write_report
from tests.report_fixture import TABLES, make_published

PLANTED = "19121212-1212"  # Tolvan Tolvansson, the Tax Agency's test personnummer


@pytest.mark.parametrize(
    "text",
    [
        "19121212-1212",  # YYYYMMDD-NNNN
        "191212121212",  # YYYYMMDDNNNN
        "121212-1212",  # YYMMDD-NNNN
        "121212+1212",  # YYMMDD+NNNN (100 years or older)
        "1212121212",  # YYMMDDNNNN
        "19701063-2391",  # samordningsnummer: day 03 + 60
        "19121212-1213",  # a wrong check digit is still someone's number mistyped
        "Kontakt: 850709-9805.",  # inside a sentence
        "rapport_199001011234.xlsx",  # inside a file name
    ],
)
def test_personnummer_forms_are_found(text):
    assert personnummer_like(text), text


@pytest.mark.parametrize(
    "text",
    [
        "2120001355",  # Göteborgs kommun's organisationsnummer: month 20 is no month
        "556353-3412",  # an organisationsnummer with hyphen
        "2024-01-15",  # a date
        "GBG-2021-0053",  # a procurement id
        "1234567,50",  # an amount
        "20241301-1234",  # month 13
        "18001232-1234",  # day 32
        "a" * 20 + "1212121212" + "b" * 34,  # ten digits inside a hash are not a number
        "12121212121212",  # 14 digits
    ],
)
def test_other_numbers_are_not(text):
    assert personnummer_like(text) == [], text


def test_pseudonyms_are_64_hex_digits():
    pseudonym = hmac.new(b"key", b"191212121212", hashlib.sha256).hexdigest()
    assert pseudonym_like(f"x;{pseudonym};y") == [pseudonym]
    assert pseudonym_like(pseudonym[:63]) == []
    assert pseudonym_like(pseudonym + "a") == []  # 65: not this shape


def test_swedish_numbers_in_the_report():
    assert parse_swedish_number("1\u00a0234") == 1234
    assert parse_swedish_number("minst 12") == 12
    assert parse_swedish_number("3,5 %") == 3.5
    assert parse_swedish_number("<5") is None
    assert parse_swedish_number("..") is None
    assert parse_swedish_number("–") is None


def _hide_complementary_cells(warehouse: Path) -> None:
    """The hand-made tables hide only the primary cells: hide, as the models do, the smallest
    shown part of every relation whose hidden part would follow (and what goes with it)."""
    declared = declared_privacy()
    con = duckdb.connect(str(warehouse))
    try:
        while True:
            tables = {t: f"main.{t}" for t in declared}
            tables = {
                t: r
                for t, r in tables.items()
                if con.execute(
                    "select count(*) from duckdb_tables() where table_name = ?", [t]
                ).fetchone()[0]
            }
            rows = {t: _rows(con, f"(select * from {r} order by rowid)") for t, r in tables.items()}
            equations, values = relation_equations(rows, declared)
            found = solve_relations(equations, values)
            if not found:
                return
            eq = found[0][0]
            shown = [c for c in eq.parts if values[c]]
            table, row, column = min(shown, key=lambda c: (values[c], c[1]))
            hidden = [column, *declared[table].get("suppressed_with", {}).get(column, [])]
            con.execute(
                f"update main.{table} set {', '.join(f'{c} = null' for c in hidden)} "
                f"where rowid = (select rowid from main.{table} order by rowid offset {row} limit 1)"
            )
    finally:
        con.close()


@pytest.fixture(scope="module")
def published_once(tmp_path_factory):
    """Every table of the spec published for real (DuckDB, Parquet, CSV) and the report."""
    root = tmp_path_factory.mktemp("published")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HANSYN_WAREHOUSE", str(root / "warehouse.duckdb"))
        mp.setenv("HANSYN_MARTS_DIR", str(root / "marts"))
        settings = load_settings()
        make_published(settings.warehouse)
        _hide_complementary_cells(settings.warehouse)
        publish(settings, sorted(TABLES), schema="main")
        write_report(settings.marts_dir)
    return root / "marts"


@pytest.fixture
def marts(published_once, tmp_path):
    """A copy of the published folder for one test to plant things in."""
    return Path(shutil.copytree(published_once, tmp_path / "marts"))


def test_clean_outputs_pass(marts):
    files = published_files(marts)
    # The fixture's 19 tables (the spec's 20 but data_coverage, without which the report takes
    # every year as whole) × (Parquet + CSV) + indikatorer.duckdb + the report
    assert len(TABLES) == 19
    assert len(files) == 19 * 2 + 2
    assert {p.suffix for p in files} == {".duckdb", ".parquet", ".csv", ".html"}
    # load_quality.file_sha256 holds 64-hex file hashes: allowed in that column only.
    assert scan_marts(marts) == []
    assert CliRunner().invoke(main, ["check-privacy", "--marts", str(marts)]).exit_code == 0


def _kinds(findings, file):
    return {f.kind for f in findings if f.file == file}


def test_planted_personnummer_in_csv(marts):
    with (marts / "bruttolista.csv").open("a", encoding="utf-8") as f:
        f.write(f"GBG-9;Städning, kontakt {PLANTED};X;Tjänster;2024-01-01;;2;0;false;0;Y;true\n")
    findings = scan_marts(marts)
    assert _kinds(findings, "bruttolista.csv") == {"personnummer"}
    assert PLANTED not in " ".join(str(f) for f in findings)  # the log does not repeat it
    result = CliRunner().invoke(main, ["check-privacy", "--marts", str(marts)])
    assert result.exit_code == 1
    assert "bruttolista.csv line 5: personnummer" in result.output


def test_planted_personnummer_in_parquet(marts):
    duckdb.sql(
        "copy (select 'GBG-9' as procurement_id, '121212+1212' as supplier_name) "
        f"to '{marts / 'bruttolista.parquet'}' (format parquet)"
    )
    assert _kinds(scan_marts(marts), "bruttolista.parquet") == {"personnummer"}


def test_planted_personnummer_in_duckdb_as_a_number(marts):
    con = duckdb.connect(str(marts / "indikatorer.duckdb"))
    con.execute("create table notes (id bigint)")
    con.execute("insert into notes values (191212121212)")
    con.close()
    findings = [f for f in scan_marts(marts) if f.file == "indikatorer.duckdb"]
    assert [(f.where, f.kind) for f in findings] == [("notes.id", "personnummer")]


def test_planted_personnummer_in_the_report(marts):
    report = marts / "indikatorrapport.html"
    report.write_text(
        report.read_text(encoding="utf-8").replace("</footer>", f"<p>{PLANTED}</p></footer>"),
        encoding="utf-8",
    )
    assert _kinds(scan_marts(marts), "indikatorrapport.html") == {"personnummer"}


def test_pseudonyms_and_person_columns_are_found(marts):
    pseudonym = hmac.new(b"key", b"191212121212", hashlib.sha256).hexdigest()
    duckdb.sql(
        f"copy (select 2024 as year, '{pseudonym}' as person_id) "
        f"to '{marts / 'i3_individuals.parquet'}' (format parquet)"
    )
    # A hash outside file_sha256 is a pseudonym, even in load_quality.
    csv = marts / "load_quality.csv"
    text = csv.read_text(encoding="utf-8-sig")
    csv.write_text("\ufeff" + text.replace(";2 × Avtalsstart", f";{pseudonym}"), encoding="utf-8")
    findings = scan_marts(marts)
    assert _kinds(findings, "i3_individuals.parquet") == {"forbidden_column", "pseudonym"}
    assert [(f.where, f.kind) for f in findings if f.file == "load_quality.csv"] == [
        ("load_quality.message", "pseudonym")
    ]


def test_small_counts_are_found_in_every_kind_of_file(marts):
    con = duckdb.connect(str(marts / "indikatorer.duckdb"))
    con.execute("update i3_individuals set women = 3 where year = 2024")
    con.close()
    csv = marts / "i4_stakeholder_survey.csv"
    lines = csv.read_text(encoding="utf-8-sig").splitlines()
    lines[-1] = "2025-H1;Deltagare;förståelse;4;;;;;"
    csv.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    report = marts / "indikatorrapport.html"
    html = report.read_text(encoding="utf-8")
    report.write_text(html.replace('class="pc">42<', 'class="pc">2<', 1), encoding="utf-8")
    findings = scan_marts(marts)
    where = {(f.file, f.where, f.kind) for f in findings}
    assert ("indikatorer.duckdb", "i3_individuals.women", "small_count") in where
    assert ("i4_stakeholder_survey.csv", "i4_stakeholder_survey.respondents", "small_count") in (
        where
    )
    assert {f.kind for f in findings if f.file == "indikatorrapport.html"} == {"small_count"}
    assert len(findings) == 3


def test_a_mean_over_suppressed_respondents_is_found(marts):
    con = duckdb.connect(str(marts / "indikatorer.duckdb"))
    # Deltagare 2025-H1 has respondents NULL: its mean must be NULL too.
    con.execute("update i4_stakeholder_survey set mean_score = 3.2 where role = 'Deltagare'")
    # Sydväst 2024 has placed NULL: a deviation would give it back (placed = expected + dev).
    con.execute(
        "update geographic_distribution set deviation = -5.75 "
        "where year = 2024 and stadsomrade = '03'"
    )
    con.close()
    findings = [f for f in scan_marts(marts) if f.file == "indikatorer.duckdb"]
    assert sorted((f.where, f.kind) for f in findings) == [
        ("geographic_distribution.deviation", "not_suppressed"),
        ("i4_stakeholder_survey.mean_score", "not_suppressed"),
    ]


def test_a_csv_that_does_not_parse_is_reported_not_skipped(marts):
    with (marts / "i3_placements.csv").open("a", encoding="utf-8") as f:
        f.write('2024;"Praktik;Nyanländ\n')  # an unclosed quote
    findings = scan_marts(marts)
    assert [(f.file, f.kind) for f in findings] == [("i3_placements.csv", "unreadable")]


def test_an_amount_paid_to_suppressed_recipients_is_found(marts):
    con = duckdb.connect(str(marts / "indikatorer.duckdb"))
    # 12 persons counted, but only 1–4 of them were paid after the start: the after-amount is
    # what those few were paid, and the change and the saving give it back.
    con.execute(
        "update i2_benefit_effects set recipients_after = null "
        "where cohort_year = 2024 and benefit_type = 'försörjningsstöd' "
        "and target_group = 'Långtidsarbetslös'"
    )
    con.close()
    findings = [f for f in scan_marts(marts) if f.file == "indikatorer.duckdb"]
    assert sorted(f.where for f in findings) == [
        "i2_benefit_effects.amount_after_sek",
        "i2_benefit_effects.annualised_saving_sek",
        "i2_benefit_effects.change_sek",
    ]
