"""The agency's statistics: raw and cleaned flag forms, `;` and `,` copies, and the real files."""

import collections

import pandas as pd

from hansyn.sources.contract import LoadContext
from hansyn.sources.upphandlingsmyndigheten import parse, parse_flag
from tests.conftest import REAL_DATA, write_text

CTX = LoadContext(pseudonym_key=b"k")
HEADER = (
    "År;Namn för köpare;Organisationsnummer för köpare;Upphandlingsslag;Huvudsaklig CPV-kod;"
    "Typ av avtal;Socialt hållbar upphandling;Upphandlings-ID;Upphandlingens titel;"
    "Publiceringsdatum;Förfarande\n"
)


def test_raw_form_flags_unknown_is_not_false(tmp_path):
    path = write_text(
        tmp_path / "raw.csv",
        "\ufeff" + HEADER
        + "2021;GÖTEBORGS KOMMUN;212000-1355;Tjänster;90910000 Rengöring;Ramavtal;"
        "Sysselsättningsmöjligheter;A1;Städ;2021-01-04;Öppet\n"
        "2021;GÖTEBORGS KOMMUN;2120001355;Varor;x;Kontrakt;Uppgift saknas;A2;Mat;2021-02-01;Öppet\n"
        "2021;GÖTEBORGS KOMMUN;2120001355;Uppgift saknas;x;Kontrakt;False;A3;Mat;;Öppet\n"
        "2021;GÖTEBORGS KOMMUN;2120001355;Tjänster;x;Kontrakt;0;;Utan id;2021-03-01;Öppet\n",
    )  # fmt: skip
    result = parse(path, CTX)
    assert result.rows_read == 4
    rows = result.rows.set_index("procurement_id")
    assert rows.loc["A1", "socially_sustainable"] is True
    assert rows.loc["A2", "socially_sustainable"] is None
    assert rows.loc["A3", "socially_sustainable"] is False
    assert rows.loc["A3", "procurement_type"] is None  # "Uppgift saknas" is unknown
    assert rows.loc["A1", "buyer_org_number"] == "2120001355"
    assert result.rejected["row_number"].tolist() == [5]
    assert result.rejected["reason"].tolist() == ["'Upphandlings-ID' is empty"]


def test_flags_with_spaces_or_missing_cells_are_read_as_written():
    values = pd.Series([" False ", " 0", "Nej ", "  ", None, float("nan"), " Uppgift saknas ",
                        " Sysselsättning ", "TRUE"])  # fmt: skip
    assert parse_flag(values).tolist() == [False, False, False, None, None, None, None, True, True]


def test_cleaned_comma_copy(tmp_path):
    path = write_text(
        tmp_path / "copy.csv",
        HEADER.replace(";", ",")
        + "2022,GÖTEBORG ENERGI AKTIEBOLAG,5563626794,Tjänster,x,Ramavtal,1,B1,\"Drift, underhåll\","
        "2022-05-05,Öppet\n",
    )  # fmt: skip
    result = parse(path, CTX)
    assert result.rows["title"].tolist() == ["Drift, underhåll"]
    assert result.rows["socially_sustainable"].tolist() == [True]
    assert result.rows["year"].tolist() == [2022]


def test_real_national_xlsx_loads_whole():
    result = parse(REAL_DATA / "upphandlingsmyndigheten_2021" / "number_of_procurements.xlsx", CTX)
    assert result.rows_read == 18421  # the README of the real data: 18,421 rows
    assert len(result.rows) == 18421
    assert result.rejected.empty
    city = result.rows[result.rows["buyer_org_number"] == "2120001355"]
    assert city["procurement_id"].nunique() == 296  # the Göteborg extract's kommun rows


def test_real_goteborg_extract_counts_per_buyer():
    result = parse(
        REAL_DATA
        / "upphandlingsmyndigheten_2021"
        / "goteborg_buyers_number_of_procurements_2021.csv",
        CTX,
    )
    counts = collections.Counter(result.rows["buyer_org_number"])
    assert len(result.rows) == 522
    assert counts["2120001355"] == 296
    assert counts["5563533412"] == 32
    assert counts["2021003153"] == 41  # the university: in the file, never in the city's tables


def test_a_table_of_another_kind_is_refused():
    from hansyn.sources.contract import FileRefused

    try:
        parse(REAL_DATA / "upphandlingsmyndigheten_2021" / "number_of_social_procurements.csv", CTX)
    except FileRefused as e:
        assert e.file_name == "number_of_social_procurements.csv"
        assert "'Upphandlings-ID'" in e.reason
    else:
        raise AssertionError("a file without the contract's columns must be refused")
