"""The survey loader on hand-written exports: missing answers, rejected rows, refused files."""

import json

import pytest

from hansyn.sources import SOURCES, enkat
from hansyn.sources.contract import FileRefused, LoadContext
from tests.conftest import write_text

CTX = LoadContext(pseudonym_key=b"test")
HEADER = "Svars-ID;Omgång;Roll;F1;F2;F3;F4;F5;F6;F7;F8;F9\n"


def parse(tmp_path, text, name="enkat_2024-H1.csv", encoding="utf-8"):
    return enkat.parse(write_text(tmp_path / "enkat" / name, text, encoding), CTX)


def answers(parsed, response_id):
    row = parsed.rows.loc[parsed.rows["response_id"] == response_id].iloc[0]
    return json.loads(row["answers"])


def test_registered_as_a_source():
    assert SOURCES["enkat"].table == "enkat__responses"
    assert SOURCES["enkat"].patterns == ("*.csv",)


def test_vet_ej_and_empty_are_kept_as_missing_not_zero(tmp_path):
    parsed = parse(
        tmp_path,
        HEADER
        + "A1;2024-H1;Upphandlare;4;5;Vet ej;;3;2;1;5;4\n"
        + "A2;2024-h1;deltagare;VET EJ; 2 ;4,0;1;1;1;5;5;5\n",
    )
    assert parsed.rows_read == 2
    assert parsed.rejected.empty
    assert answers(parsed, "A1") == {
        "F1": "4", "F2": "5", "F3": "Vet ej", "F4": "", "F5": "3",
        "F6": "2", "F7": "1", "F8": "5", "F9": "4",
    }  # fmt: skip
    # Case of wave and role normalised; " 2 " trimmed; "4,0" is a four.
    a2 = parsed.rows.loc[parsed.rows["response_id"] == "A2"].iloc[0]
    assert (a2["wave"], a2["role"]) == ("2024-H1", "Deltagare")
    assert answers(parsed, "A2")["F1"] == "Vet ej"
    assert answers(parsed, "A2")["F2"] == "2"
    assert answers(parsed, "A2")["F3"] == "4"
    # File and line are kept, for "the newest file, last in it" in dbt.
    assert parsed.rows[["_file", "_row"]].values.tolist() == [
        ["enkat_2024-H1.csv", 2],
        ["enkat_2024-H1.csv", 3],
    ]


def test_answers_outside_1_to_5_reject_the_row_with_item_and_line(tmp_path):
    parsed = parse(
        tmp_path,
        HEADER
        + "A1;2024-H1;Upphandlare;4;5;3;3;3;3;3;3;3\n"
        + "A2;2024-H1;Upphandlare;4;6;3;3;3;3;3;3;3\n"
        + "A3;2024-H1;Leverantör;0;3;3;3;3;3;3;3;3\n"
        + "A4;2024-H1;Leverantör;3;3;3;3;3;3;3;3;-1\n"
        + "A5;2024-H1;Leverantör;3;3;bra;3;3;3;3;3;3\n"
        + "A6;2024-H1;Leverantör;3;3;3;3;3;3;3;3;3,5\n",
    )
    assert parsed.rows["response_id"].tolist() == ["A1"]
    assert parsed.rejected[["row_number", "reason"]].values.tolist() == [
        [3, "'F2' is outside 1–5: '6'"],
        [4, "'F1' is outside 1–5: '0'"],
        [5, "'F9' is outside 1–5: '-1'"],
        [6, "'F3' is not an answer 1–5, empty or Vet ej: 'bra'"],
        [7, "'F9' is not an answer 1–5, empty or Vet ej: '3,5'"],
    ]
    # Nothing lost: every row read is loaded or rejected, and a rejected row keeps its values.
    assert len(parsed.rows) + len(parsed.rejected) == parsed.rows_read == 6
    kept = json.loads(parsed.rejected.iloc[0]["raw_values"])
    assert kept["response_id"] == "A2" and kept["F2"] == "6"
    assert set(parsed.rejected["file_name"]) == {"enkat_2024-H1.csv"}


def test_unknown_role_bad_wave_and_missing_svars_id_are_rejected(tmp_path):
    parsed = parse(
        tmp_path,
        HEADER
        + "A1;2024-H1;Chef;4;5;3;3;3;3;3;3;3\n"
        + "A2;2024-H3;Deltagare;4;5;3;3;3;3;3;3;3\n"
        + "A3;2024;Deltagare;4;5;3;3;3;3;3;3;3\n"
        + ";2024-H1;Deltagare;4;5;3;3;3;3;3;3;3\n"
        + "A5;;Deltagare;4;5;3;3;3;3;3;3;3\n",
    )
    assert parsed.rows.empty
    reasons = dict(zip(parsed.rejected["row_number"], parsed.rejected["reason"], strict=True))
    assert reasons[2].startswith("'Roll' has unknown value 'Chef'")
    assert reasons[3] == "'Omgång' is not a wave YYYY-H1 or YYYY-H2: '2024-H3'"
    assert reasons[4] == "'Omgång' is not a wave YYYY-H1 or YYYY-H2: '2024'"
    assert reasons[5] == "'Svars-ID' is empty"
    assert reasons[6] == "'Omgång' is empty"


def test_a_file_without_an_item_column_is_refused_naming_it(tmp_path):
    with pytest.raises(FileRefused) as refused:
        parse(tmp_path, "Svars-ID;Omgång;Roll;F1;F2;F3;F4;F5;F6;F7;F8\nA1;2024-H1;Deltagare;1;1;1;1;1;1;1;1\n")  # fmt: skip
    assert refused.value.file_name == "enkat_2024-H1.csv"
    assert refused.value.reason == "missing columns: 'F9'"


def test_windows_1252_export_keeps_a_umlauts(tmp_path):
    parsed = parse(
        tmp_path,
        HEADER
        + "B1;2023-H2;Beställare;1;2;3;4;5;1;2;3;4\n"
        + "B2;2023-H2;Leverantör;Vet ej;;;;;;;;\n",
        encoding="cp1252",
    )
    assert parsed.rows["role"].tolist() == ["Beställare", "Leverantör"]
    assert answers(parsed, "B2") == {f"F{i}": ("Vet ej" if i == 1 else "") for i in range(1, 10)}


def test_items_added_by_the_office_are_kept_and_headers_match_loosely(tmp_path):
    # Extra columns (F10, a comment) and headers in other case and with spaces.
    parsed = parse(
        tmp_path,
        " svars-id ;OMGÅNG;roll;F1;F2;F3;F4;F5;F6;F7;F8;F9;F10;Kommentar\n"
        "C1;2025-H2;Jobbmäklare;5;5;5;4;4;4;3;3;3;2;Bra\n",
    )
    assert answers(parsed, "C1")["F10"] == "2"
    assert "Kommentar" not in answers(parsed, "C1")
    assert parsed.rows.iloc[0][["wave", "role"]].tolist() == ["2025-H2", "Jobbmäklare"]
