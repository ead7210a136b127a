"""Free text never carries a person: a personnummer in a title, a supplier's name or a
diarienummer is masked at load, counted in the file's message, and never reaches the warehouse."""

import duckdb
import pytest

from hansyn.config import load_settings
from hansyn.publishing.privacy import personnummer_like
from hansyn.sources import SOURCES
from hansyn.sources.contract import LoadContext
from hansyn.sources.enkat import parse as parse_enkat
from hansyn.sources.ingest import ingest_source
from hansyn.sources.personnummer import mask_personnummer_in_text
from hansyn.sources.upphandlingsmyndigheten import parse as parse_agency
from tests.conftest import write_text
from tests.test_loader_avtalsregister import HEADER, row

CTX = LoadContext(pseudonym_key=b"k")
PNR = "19800101-1234"  # valid date, wrong check digit: still a personnummer


def register_row(pid, title="Titel", diarienummer="D", supplier="Grönyta AB", level="3"):
    return (
        row(pid, level=level)
        .replace(";D;Titel;", f";{diarienummer};{title};")
        .replace(";Grönyta AB;", f";{supplier};")
    )


@pytest.mark.parametrize(
    "text, masked, count",
    [
        (f"Städning, kontakt {PNR}", "Städning, kontakt [personnummer]", 1),
        ("Konsult 800101-1234 och 8001611234", "Konsult [personnummer] och [personnummer]", 2),
        ("Enskild firma 800101+1234", "Enskild firma [personnummer]", 1),
        # an organisationsnummer (month 35, 20), an amount, a longer code: no person
        ("Göteborgs Spårvägar AB 556353-3412", "Göteborgs Spårvägar AB 556353-3412", 0),
        ("Göteborgs kommun 212000-1355", "Göteborgs kommun 212000-1355", 0),
        ("Belopp 1109151234,50 kr", "Belopp 1109151234,50 kr", 0),
        ("Dnr KS-2024-0123, UPH-198001011234X", "Dnr KS-2024-0123, UPH-198001011234X", 0),
    ],
)
def test_mask_agrees_with_the_publication_guard(text, masked, count):
    assert mask_personnummer_in_text(text) == (masked, count)
    # What the loader masks is what the guard would find, and what it leaves the guard passes.
    assert len(personnummer_like(text)) == count
    assert personnummer_like(masked) == []


def test_register_masks_title_supplier_name_and_diarienummer(tmp_path):
    text = (
        HEADER
        + register_row("A", title=f"Städ hos {PNR}")
        + register_row("B", supplier="Anna Andersson 800101-1234", diarienummer="8001011234")
        + register_row("C")
        # rejected, but its raw values are kept: masked there too
        + register_row("D", title=f"Fönsterputs {PNR}", level="9")
    )
    path = write_text(tmp_path / "avtalsregister_2025-03-31.csv", text)
    result = SOURCES["avtalsregister"].parse(path, CTX)
    rows = result.rows.set_index("procurement_id")
    assert rows.loc["A", "title"] == "Städ hos [personnummer]"
    assert rows.loc["B", "supplier_name"] == "Anna Andersson [personnummer]"
    assert rows.loc["B", "diarienummer"] == "[personnummer]"
    assert rows.loc["C", "title"] == "Titel"
    assert result.masked_cells == {
        "Diarienummer": 1,
        "Upphandlingens titel": 2,
        "Leverantör namn": 1,
    }
    (raw_values,) = result.rejected["raw_values"]
    assert "Fönsterputs [personnummer]" in raw_values and "1234" not in raw_values


def test_agency_titles_are_masked(tmp_path):
    header = (
        "År;Namn för köpare;Organisationsnummer för köpare;Upphandlingsslag;Huvudsaklig CPV-kod;"
        "Typ av avtal;Socialt hållbar upphandling;Upphandlings-ID;Upphandlingens titel;"
        "Publiceringsdatum\n"
    )
    line = "2021;Göteborgs kommun;212000-1355;Tjänster;x;Ramavtal;False;U1;Konsult {};2021-05-01\n"
    path = write_text(tmp_path / "stat.csv", header + line.format(PNR))
    result = parse_agency(path, CTX)
    assert list(result.rows["title"]) == ["Konsult [personnummer]"]
    assert result.masked_cells == {"Upphandlingens titel": 1}


def test_survey_comments_are_not_read(tmp_path):
    """A comment column the survey tool may add is no column of the contract: never loaded,
    not even in a rejected row's raw values."""
    items = ";".join(f"F{i}" for i in range(1, 10))
    text = (
        f"Svars-ID;Omgång;Roll;{items};Kommentar\n"
        f"r1;2024-H1;Leverantör;{';'.join(['4'] * 9)};ring mig {PNR}\n"
        f"r2;2024-H1;Okänd roll;{';'.join(['4'] * 9)};ring mig {PNR}\n"
    )
    result = parse_enkat(write_text(tmp_path / "enkat.csv", text), CTX)
    assert len(result.rows) == 1 and len(result.rejected) == 1
    assert PNR not in result.rows.to_csv() + result.rejected.to_csv()


def test_masked_cells_counted_in_load_quality_and_never_in_the_warehouse(hansyn_env):
    folder = hansyn_env / "raw" / "avtalsregister"
    write_text(
        folder / "avtalsregister_2025-03-31.csv",
        HEADER
        + register_row("A", title=f"Städ hos {PNR}")
        + register_row("B", supplier="Anna Andersson 800101-1234")
        + register_row("C", title=f"Fönsterputs {PNR}", level="9"),
    )
    settings = load_settings()
    report = ingest_source(SOURCES["avtalsregister"], settings, "run-1")
    (file_report,) = report.files
    assert (file_report.status, file_report.rows_loaded, file_report.rows_rejected) == (
        "loaded",
        2,
        1,
    )
    assert (
        "3 cells masked ([personnummer]): Upphandlingens titel 2, Leverantör namn 1"
        in file_report.message
    )
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        (message,) = con.execute("select message from audit.load_log").fetchone()
        assert "3 cells masked" in message
        # No table or column of the warehouse holds the number in any form.
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = "
            "current_database()"
        ).fetchall()
        for schema, table in tables:
            text = con.execute(f'select * from "{schema}"."{table}"').fetchdf().to_csv()
            assert not personnummer_like(text), (schema, table)
    finally:
        con.close()
