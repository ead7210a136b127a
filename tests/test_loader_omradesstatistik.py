"""The area-statistics loader on hand-written PxWeb exports: missing values, unknown areas,
title lines, refused files."""

import json

import pytest

from hansyn.sources import SOURCES, omradesstatistik
from hansyn.sources.contract import FileRefused, LoadContext
from tests.conftest import write_text

CTX = LoadContext(pseudonym_key=b"test")


def parse(tmp_path, text, name="arbetslosa_primaromraden.csv", encoding="utf-8"):
    return omradesstatistik.parse(write_text(tmp_path / name, text, encoding), CTX)


def values(parsed, code):
    row = parsed.rows.loc[parsed.rows["primaromrade"] == code].iloc[0]
    return json.loads(row["values_by_year"])


def test_registered_as_a_source():
    assert SOURCES["omradesstatistik"].table == "omradesstatistik__area_values"


def test_missing_values_are_null_never_zero(tmp_path):
    parsed = parse(
        tmp_path,
        "Område;2021;2022;2023;2024\n"
        "101 Kungsladugård;123;..;Uppgift saknas;0\n"
        "102 Sanna;1 234;\u00a012\u00a0345 ;;7\n"
        "199 Ospecificerat Göteborg;5;6;7;8\n",
    )
    assert parsed.rejected.empty
    assert parsed.rows["measure"].unique().tolist() == ["arbetslosa"]
    # `..`, `Uppgift saknas` and empty are null; 0 stays 0; thousands separators are dropped.
    assert values(parsed, "101") == {"2021": 123.0, "2022": None, "2023": None, "2024": 0.0}
    assert values(parsed, "102") == {"2021": 1234.0, "2022": 12345.0, "2023": None, "2024": 7.0}
    # 199 (Ospecificerat Göteborg) is a known primärområde of the geography.
    assert values(parsed, "199")["2024"] == 8.0
    assert parsed.rows[["area_label", "_file", "_row"]].values.tolist() == [
        ["101 Kungsladugård", "arbetslosa_primaromraden.csv", 2],
        ["102 Sanna", "arbetslosa_primaromraden.csv", 3],
        ["199 Ospecificerat Göteborg", "arbetslosa_primaromraden.csv", 4],
    ]


def test_unknown_areas_and_bad_values_are_rejected_with_line_and_reason(tmp_path):
    parsed = parse(
        tmp_path,
        "Område;2021;2022\n"
        "101 Kungsladugård;10;11\n"
        "Göteborg;22000;21000\n"
        "999 Ingenstans;1;2\n"
        "102 Kungsladugård;3;4\n"
        "103;-5;4\n"
        "104 Stigberget;tio;4\n"
        ";1;2\n",
    )
    assert parsed.rows["primaromrade"].tolist() == ["101"]
    assert parsed.rejected[["row_number", "reason"]].values.tolist() == [
        [3, "'Område' is not a known primärområde of the geography: 'Göteborg'"],
        [4, "'Område' is not a known primärområde of the geography: '999 Ingenstans'"],
        [5, "'Område' '102 Kungsladugård': primärområde 102 is 'Sanna' in the geography"],
        [6, "'2021' is not a number ≥ 0, '..' or 'Uppgift saknas': '-5'"],
        [7, "'2021' is not a number ≥ 0, '..' or 'Uppgift saknas': 'tio'"],
        [8, "'Område' is empty"],
    ]
    assert len(parsed.rows) + len(parsed.rejected) == parsed.rows_read == 7
    assert json.loads(parsed.rejected.iloc[0]["raw_values"])["area_label"] == "Göteborg"


def test_an_area_on_two_lines_of_one_file_is_rejected_on_both(tmp_path):
    # Which of the two lines is right is unknown: the area becomes missing, never double.
    parsed = parse(tmp_path, "Område;2021\n101;1\n102;2\n101 Kungsladugård;3\n")
    assert parsed.rows["primaromrade"].tolist() == ["102"]
    assert parsed.rejected[["row_number", "reason"]].values.tolist() == [
        [2, "primärområde 101 stands on more than one line of the file (lines 2, 4)"],
        [4, "primärområde 101 stands on more than one line of the file (lines 2, 4)"],
    ]


def test_an_export_with_no_area_rows_loads_nothing(tmp_path):
    parsed = parse(tmp_path, "Område;2021;2022\n")
    assert parsed.rows.empty and parsed.rejected.empty and parsed.rows_read == 0


def test_a_bare_code_and_names_in_other_case_are_accepted(tmp_path):
    parsed = parse(tmp_path, "Område;2021\n101;1\n102 SANNA;2\n")
    assert parsed.rejected.empty
    assert parsed.rows["primaromrade"].tolist() == ["101", "102"]


def test_pxweb_title_line_quotes_and_windows_1252(tmp_path):
    text = (
        '"Befolkning 18-64 år efter område och år"\r\n'
        "\r\n"
        '"Område";"2022";"2023"\r\n'
        '"301 Gamlestaden";"4000";"4100"\r\n'
        '"502 Långedrag";"..";"2100"\r\n'
    )
    parsed = parse(tmp_path, text, name="befolkning_primaromraden.csv", encoding="cp1252")
    assert parsed.rejected.empty
    assert parsed.rows["measure"].unique().tolist() == ["befolkning"]
    assert parsed.rows["area_label"].tolist() == ["301 Gamlestaden", "502 Långedrag"]
    assert values(parsed, "502") == {"2022": None, "2023": 2100.0}
    assert parsed.rows["_row"].tolist() == [4, 5]  # lines in the file, title included


def test_an_unknown_file_name_is_refused(tmp_path):
    with pytest.raises(FileRefused) as refused:
        parse(tmp_path, "Område;2021\n101;1\n", name="inkomster_primaromraden.csv")
    assert refused.value.file_name == "inkomster_primaromraden.csv"
    assert "arbetslosa_primaromraden" in refused.value.reason


def test_a_file_without_the_area_column_or_years_is_refused(tmp_path):
    with pytest.raises(FileRefused) as refused:
        parse(tmp_path, "Region;2021\n101;1\n")
    assert refused.value.reason == "missing columns: 'Område'"
    with pytest.raises(FileRefused) as refused:
        parse(tmp_path, "Område;Antal\n101;1\n")
    assert refused.value.reason == "no year columns (a column per year: 2021, 2022, …)"
