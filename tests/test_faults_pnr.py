"""Issue 24, fault classes 9 and 10: a personnummer in any written form (glued to letters, with an
en dash, a space or a no-break space), in any column (free text, coded, an id, a number), in a
file name or in a rejected value, is masked before it is stored or said anywhere: the warehouse,
the load messages, the log, the alert; the privacy guard (`hansyn check-privacy`) finds every
form in a published file, and leaves ids, dates, amounts and organisationsnummer alone."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import re
import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest
from click.testing import CliRunner

from hansyn.alerts.messages import build_alert, run_loads
from hansyn.cli import main
from hansyn.config import AlertSettings, load_settings
from hansyn.publishing.privacy import personnummer_like
from hansyn.sources import SOURCES
from hansyn.sources.ingest import ingest_source
from hansyn.sources.personnummer import mask_personnummer_in_text, masked_logger
from hansyn.sources.readers import decode
from tests.conftest import REAL_DATA, write_text
from tests.test_faults import baseline  # noqa: F401 (the sample city, published once)

# One person, born 1985-01-01: 850101-123 and its Luhn digit, every other digit doubled from
# the left: 8→16→7, 5, 0, 1, 0, 1, 1→2, 2, 3→6; 7+5+0+1+0+1+2+2+6 = 24, so 10 − 4 = 6.
DIGITS = "8501011236"
FORMS = {
    "glued to letters, 12 digits": "pnr198501011236",
    "glued to a name, hyphen": "Anna850101-1236",
    "en dash (the register's dash normaliser)": "850101–1236",
    "em dash": "850101—1236",
    "minus sign": "850101−1236",
    "space": "850101 1236",
    "no-break space, 12 digits": "19850101\u00a01236",
    "narrow no-break space": "850101\u202f1236",
}
# Whatever separator stands between the digits, the ten digits in a row are the person.
_SEPARATORS = re.compile(r"[\s\-+\u2010-\u2015\u2212]")


def carries_the_person(text: str) -> bool:
    return DIGITS in _SEPARATORS.sub("", text)


def warehouse_text(settings) -> str:
    """Every value of every table of the warehouse, in every schema, as one text."""
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
        assert tables
        parts = []
        for schema, table in tables:
            for row in con.execute(f'select * from "{schema}"."{table}"').fetchall():
                parts.append(" | ".join(str(v) for v in row))
        return "\n".join(parts)
    finally:
        con.close()


# The register's columns in the contract's order, with a good row's values.
REGISTER = {
    "Upphandlings-ID": "GBG-2024-0001",
    "Diarienummer": "2024/1234",
    "Upphandlingens titel": "Städning",
    "Beställande organisation": "Park- och naturförvaltningen",
    "Organisationsnummer för köpare": "212000-1355",
    "Upphandlingsslag": "Tjänster",
    "Huvudsaklig CPV-kod": "72512000 Dokumenthanteringstjänster",
    "Avtalsstart": "2024-01-15",
    "Avtalsslut": "",
    "Beräknat antal arbetstagare": "3",
    "Social hänsyn nivå": "3",
    "Antal krävda platser": "2",
    "Målgrupper": "Nyanländ, Ung 16–29",
    "Leverantör organisationsnummer": "556353-3412",
    "Leverantör namn": "Grönyta AB",
    "Utförandeområde": "01",
}


def register_file(folder: Path, rows: list[dict[str, str]]) -> Path:
    lines = [";".join(REGISTER)]
    for i, changes in enumerate(rows, start=1):
        values = {**REGISTER, "Upphandlings-ID": f"GBG-2024-{i:04d}", **changes}
        lines.append(";".join(values.values()))
    return write_text(folder / "avtalsregister_2025-03-31.csv", "\n".join(lines) + "\n")


SURVEY_HEADER = "Svars-ID;Omgång;Roll;F1;F2;F3;F4;F5;F6;F7;F8;F9\n"


def survey_row(response_id: str, role: str = "Upphandlare") -> str:
    return f"{response_id};2026-H2;{role};4;4;4;4;4;4;4;4;4\n"


def _alert_text(settings, run_id: str) -> str:
    alert = build_alert(run_id, run_loads(settings, run_id), [], [], AlertSettings())
    assert alert is not None
    return alert.subject + "\n" + alert.text + json.dumps(alert.payload(), ensure_ascii=False)


# --- the rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_every_written_form_is_masked_and_found_by_the_guard(form):
    text = f"Kontakt {form}, tack"
    masked, count = mask_personnummer_in_text(text)
    assert count == 1 and "[personnummer]" in masked
    assert not carries_the_person(masked)
    assert len(personnummer_like(text)) == 1
    assert personnummer_like(masked) == []


@pytest.mark.parametrize(
    "text",
    [
        "GBG-2024-0001",  # Upphandlings-ID
        "2024/1234",  # Diarienummer
        "KS-2024-0123",
        "2024-01-01",
        "2024-01-01 12:00",
        "20240101 1200",  # a date and a time, split by a space: its Luhn digit fails
        "72512000 Dokumenthanteringstjänster",  # CPV
        "72512000-8",
        "556353-3412",  # organisationsnummer: month digits 35
        "2120001355",  # Göteborgs kommun: month digits 20
        "16556353-3412",
        "1 338 469 kr",
        "1109151234,50",  # an amount's whole part
        "12 345 678,50",
        "UPH-198001011234X",  # a code: glued to letters and its Luhn digit fails
        "070-123 45 67",  # a mobile number as it is written
        "a3f5" + "8501011236" + "c0" * 25,  # a SHA-256 or a pseudonym: 64 hex digits
        "X1a2b3c4d5",  # a sole trader's token
        "run 6f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f",
    ],
)
def test_ids_dates_amounts_and_organisation_numbers_are_left_alone(text):
    assert mask_personnummer_in_text(text) == (text, 0)
    assert personnummer_like(text) == []


def test_the_real_agency_statistics_hold_no_false_personnummer():
    """Every cell of the agency's real exports (ids, titles, CPV codes, amounts, dates) passes
    unmasked, but for the buyers' organisationsnummer: two in the country are written as a
    personnummer is (500805-8538, 780917-1056: a real date, a valid check digit), and are taken
    for one, as a sole trader's number is (their token in the warehouse)."""
    cells, shaped_as_persons = 0, set()
    for path in sorted((REAL_DATA / "upphandlingsmyndigheten_2021").glob("*")):
        if path.suffix == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as f:
                rows = list(csv.reader(f, delimiter=";"))
        elif path.suffix == ".xlsx":
            wb = openpyxl.load_workbook(path, read_only=True)
            rows = [list(row) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)]
            wb.close()
        else:
            continue
        header = [str(h) for h in rows[0]]
        for row in rows[1:]:
            for column, cell in zip(header, row, strict=False):
                if cell is None:
                    continue
                cells += 1
                if mask_personnummer_in_text(str(cell))[1]:
                    assert column == "Organisationsnummer för köpare", (path.name, column, cell)
                    shaped_as_persons.add(str(cell))
    assert cells > 1000
    assert shaped_as_persons <= {"5008058538", "7809171056"}


def test_the_hansyn_loggers_mask_a_number_in_message_and_traceback(caplog):
    log = masked_logger("hansyn.test_faults_pnr")
    caplog.set_level(logging.INFO, logger="hansyn")
    try:
        raise ValueError(f"could not convert {FORMS['space']!r}")
    except ValueError:
        log.exception("%s/%s: unexpected error", "enkat", FORMS["glued to letters, 12 digits"])
    assert "[personnummer]" in caplog.text
    assert not carries_the_person(caplog.text)


# --- class 9: any form, in any column, a file name or a rejected value -----------------------


@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_a_personnummer_in_any_form_is_masked_before_it_is_stored_or_said(form, hansyn_env, caplog):
    """In a register: a title (stored), a coded column (Upphandlingsslag: rejected, its value
    quoted), a date and a whole number (rejected, quoted); in a survey export: the file's name,
    an id (stored) and a role (rejected). Nothing of the number is in any table of the
    warehouse, the log or the alert; the rows are kept or rejected as they would be with any
    other text, and the file's message counts the cells masked."""
    caplog.set_level(logging.DEBUG, logger="hansyn")
    raw = hansyn_env / "raw"
    register_file(
        raw / "avtalsregister",
        [
            {"Upphandlingens titel": f"Städ hos {form}"},
            {"Upphandlingsslag": form},
            {"Avtalsstart": form},
            {"Beräknat antal arbetstagare": form},
        ],
    )
    name = f"enkat_2026-H2_{form}.csv"
    write_text(
        raw / "enkat" / name,
        SURVEY_HEADER + survey_row(f"r-{form}") + survey_row("r2", role=form),
    )
    settings = load_settings()

    register = ingest_source(SOURCES["avtalsregister"], settings, "run-1")
    survey = ingest_source(SOURCES["enkat"], settings, "run-1")

    (contracts,) = register.files
    assert (contracts.rows_loaded, contracts.rows_rejected) == (1, 3)
    assert "4 cells masked ([personnummer])" in contracts.message
    masked = mask_personnummer_in_text(form)[0]  # `Anna[personnummer]` for `Anna850101-1236`
    assert f"'Upphandlingsslag' has unknown value {masked!r}" in contracts.message
    (responses,) = survey.files
    assert (responses.status, responses.rows_loaded, responses.rows_rejected) == ("loaded", 1, 1)
    assert not carries_the_person(responses.file_name)
    text = warehouse_text(settings)
    assert "[personnummer]" in text
    assert not carries_the_person(text)
    assert not carries_the_person(caplog.text)
    assert not carries_the_person(_alert_text(settings, "run-1"))


# --- class 10: a column that was never masked --------------------------------------------------


def test_a_personnummer_in_a_column_that_was_not_masked_never_enters_the_warehouse(
    hansyn_env, caplog
):
    """Beställande organisation, Målgrupper, the CPV code, the buyer's organisationsnummer and
    the agency's buyer name and contract type; the register's referral id; a supplier report's
    Upphandlings-ID; a survey's Svars-ID; an area's label; a benefit's amount. Each is masked in
    the row (or its row rejected with the value masked), never stored as delivered."""
    caplog.set_level(logging.DEBUG, logger="hansyn")
    raw = hansyn_env / "raw"
    glued, dash, space = (
        FORMS["glued to a name, hyphen"],
        DIGITS[:6] + "-" + DIGITS[6:],
        "850101 1236",
    )
    register_file(
        raw / "avtalsregister",
        [
            {"Beställande organisation": f"Kontakt {glued}"},
            {"Målgrupper": f"Nyanländ, {dash}"},
            {"Huvudsaklig CPV-kod": space},
            {"Organisationsnummer för köpare": dash},  # a sole trader's number: its token
        ],
    )
    agency_header = (
        "År;Namn för köpare;Organisationsnummer för köpare;Upphandlingsslag;Huvudsaklig CPV-kod;"
        "Typ av avtal;Socialt hållbar upphandling;Upphandlings-ID;Upphandlingens titel;"
        "Publiceringsdatum\n"
    )
    write_text(
        raw / "upphandlingsmyndigheten" / "stat.csv",
        agency_header
        + f"2021;Firma {glued};{dash};Tjänster;{space};Ramavtal;False;U1;Titel;2021-05-01\n"
        + f"2021;Göteborgs kommun;212000-1355;Tjänster;x;{dash};False;U2;Titel;2021-05-01\n",
    )
    write_text(
        raw / "malgruppsregister" / "malgruppsregister_2024-12-31.csv",
        "Personnummer;Målgrupp;Primärområde;Inskrivningsdatum;Utskrivningsdatum;"
        "Anvisad till Upphandlings-ID\n"
        f"900315-1231;Nyanländ;101;2023-01-10;;GBG-{glued}\n"
        f"900315-1231;{dash};101;2023-01-10;;\n",
    )
    folder = raw / "leverantorsrapporter"
    folder.mkdir(parents=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Rapport"
    ws.append(
        [
            "Upphandlings-ID", "Leverantör organisationsnummer", "Personnummer", "Insatstyp",
            "Startdatum", "Slutdatum", "Omfattning procent", "Rapportperiod",
        ]
    )  # fmt: skip
    ws.append(
        [glued, "5560000001", "900315-1231", "Praktik", dt.date(2025, 2, 1), None, 50, "2025-Q1"]
    )
    ws.append(
        [
            "GBG-1",
            "5560000001",
            "900315-1231",
            "Praktik",
            dt.date(2025, 2, 1),
            None,
            space,
            "2025-Q1",
        ]
    )
    wb.save(folder / "rapport_5560000001_2025-Q1.xlsx")
    write_text(raw / "enkat" / "enkat_2026-H2.csv", SURVEY_HEADER + survey_row(glued))
    write_text(
        raw / "omradesstatistik" / "arbetslosa_primaromraden.csv",
        f"Område;2021\n101 Kungsladugård;12\n{glued};13\n",
    )
    write_text(
        raw / "ersattningar" / "forsorjningsstod_2024-06.csv",
        f"Personnummer;Utbetalningsmånad;Belopp\n900315-1231;2024-06;1234,50\n"
        f"900315-1231;2024-06;{space}\n",
    )
    settings = load_settings()

    reports = {name: ingest_source(source, settings, "run-1") for name, source in SOURCES.items()}

    loaded = {
        name: [(f.status, f.rows_loaded, f.rows_rejected) for f in report.files]
        for name, report in reports.items()
    }
    assert loaded == {
        # Beställande organisation and Målgrupper masked in the row, the CPV too; the buyer's
        # number is a sole trader's: its token.
        "avtalsregister": [("loaded", 4, 0)],
        "upphandlingsmyndigheten": [("loaded", 2, 0)],
        # the referral id masked; Målgrupp not a target group: rejected
        "malgruppsregister": [("loaded", 1, 1)],
        # the id masked; Omfattning procent not a number: rejected
        "leverantorsrapporter": [("loaded", 1, 1)],
        "enkat": [("loaded", 1, 0)],
        # the label is no primärområde: rejected
        "omradesstatistik": [("loaded", 1, 1)],
        # the amount is no amount: rejected
        "ersattningar": [("loaded", 1, 1)],
    }
    (contracts,) = reports["avtalsregister"].files
    assert (
        "3 cells masked ([personnummer]): Beställande organisation 1, Huvudsaklig CPV-kod 1, "
        "Målgrupper 1"
    ) in contracts.message
    text = warehouse_text(settings)
    assert not carries_the_person(text)
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        register = con.execute(
            "select buyer_organisation, target_groups, main_cpv, buyer_org_number "
            "from raw.avtalsregister__contracts order by procurement_id"
        ).fetchall()
    finally:
        con.close()
    assert register[0][0] == "Kontakt Anna[personnummer]"
    assert register[1][1] == "Nyanländ, [personnummer]"
    assert register[2][2] == "[personnummer]"
    assert re.fullmatch(r"X[0-9a-f]{9}", register[3][3])
    assert not carries_the_person(caplog.text)
    assert not carries_the_person(_alert_text(settings, "run-1"))


# --- the guard: hansyn check-privacy ------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_check_privacy_finds_each_form_in_a_published_csv(form, tmp_path):
    marts = tmp_path / "marts"
    write_text(
        marts / "bruttolista.csv",
        "procurement_id;title;supplier_name\n"
        "GBG-2024-0001;Städning 2024-01-01;Grönyta AB 556353-3412\n"
        f"GBG-2024-0002;Städ hos {form};Grönyta AB\n",
    )
    result = CliRunner().invoke(main, ["check-privacy", "--marts", str(marts)])
    assert result.exit_code == 1, result.output
    assert "bruttolista.csv line 3: personnummer" in result.output
    assert "line 2" not in result.output


def test_check_privacy_passes_ids_dates_amounts_and_organisation_numbers(tmp_path):
    marts = tmp_path / "marts"
    write_text(
        marts / "bruttolista.csv",
        "procurement_id;diarienummer;main_cpv;buyer_org_number;amount;start\n"
        "GBG-2024-0001;2024/1234;72512000 Dokumenthanteringstjänster;2120001355;"
        "1 109 151 234,50;2024-01-01\n"
        "UPH-198001011234X;KS-2024-0123;72512000-8;556353-3412;12 345 678;20240101 1200\n",
    )
    result = CliRunner().invoke(main, ["check-privacy", "--marts", str(marts)])
    assert result.exit_code == 0, result.output


# --- a whole night ----------------------------------------------------------------------------


@pytest.mark.slow
def test_a_night_with_every_form_publishes_none_and_says_none(request, tmp_path, monkeypatch):
    """The sample city's newest register snapshot delivered again with a personnummer in a
    title, Beställande organisation, Målgrupper, the CPV code and Upphandlingsslag (a rejected
    value), and a survey export with one in its name and an id: the night publishes (one
    rejected row), and no table of the warehouse (raw, audit, staging, intermediate, marts),
    no published file, no alert and nothing Dagster logged holds the number; `hansyn
    check-privacy` finds nothing."""
    from tests.test_faults import _env, _night

    root = tmp_path / "city"
    shutil.copytree(request.getfixturevalue("baseline"), root, symlinks=True)
    _env(monkeypatch, root)
    newest = sorted((root / "raw" / "avtalsregister").glob("avtalsregister_*.csv"))[-1]
    rows = list(csv.reader(io.StringIO(decode(newest.read_bytes())), delimiter=";"))
    header = rows[0]
    plants = [
        ("Upphandlingens titel", FORMS["glued to letters, 12 digits"]),
        ("Beställande organisation", FORMS["glued to a name, hyphen"]),
        ("Målgrupper", FORMS["en dash (the register's dash normaliser)"]),
        ("Huvudsaklig CPV-kod", FORMS["space"]),
        ("Leverantör namn", FORMS["no-break space, 12 digits"]),
        ("Upphandlingsslag", FORMS["narrow no-break space"]),  # rejected, its value quoted
    ]
    for row, (column, form) in zip(rows[1:], plants, strict=False):
        row[header.index(column)] = f"{row[header.index(column)]} {form}"
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(rows)
    newest.write_text(out.getvalue(), encoding="utf-8")
    write_text(
        root / "raw" / "enkat" / "enkat_2026-H2_pnr198501011236.csv",
        SURVEY_HEADER + survey_row(f"Svar {FORMS['em dash']}") + survey_row("r-ok"),
    )

    summary, alert = _night(monkeypatch)

    assert summary.published, summary.render()
    assert alert is not None
    assert not carries_the_person(alert.subject + alert.text + json.dumps(alert.payload()))
    assert not carries_the_person(summary.render())
    settings = load_settings()
    assert "[personnummer]" in warehouse_text(settings)
    assert not carries_the_person(warehouse_text(settings))
    for path in sorted((root / "marts").rglob("*")):
        if path.suffix in (".csv", ".html"):
            assert not carries_the_person(path.read_text(encoding="utf-8-sig")), path.name
    con = duckdb.connect(str(root / "marts" / "indikatorer.duckdb"), read_only=True)
    try:
        published_tables = con.execute("select table_name from duckdb_tables()").fetchall()
        for (table,) in published_tables:
            rows = con.execute(f'select * from "{table}"').fetchall()
            assert not carries_the_person(str(rows)), table
        quality = con.execute("select file_name, message from load_quality").fetchall()
    finally:
        con.close()
    survey = [name for name, _ in quality if name.startswith("enkat_2026-H2")]
    assert survey == ["enkat_2026-H2_pnrXXXXXXXXXX.csv"], survey
    # Dagster's run records and captured logs.
    for path in (root / "dagster_home").rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", errors="replace")
            assert not carries_the_person(text), path
    result = CliRunner().invoke(main, ["check-privacy", "--marts", str(root / "marts")])
    assert result.exit_code == 0, result.output
