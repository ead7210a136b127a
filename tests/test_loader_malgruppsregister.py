"""The target-group register: Windows-1252 and UTF-8 files, pseudonyms shared with the reports,
rejected rows with reasons, a file missing a column refused."""

import datetime as dt
import hashlib
import hmac
import json

import openpyxl
import pytest

from hansyn.sources import leverantorsrapporter, malgruppsregister
from hansyn.sources.contract import FileRefused, LoadContext
from tests.conftest import write_text

KEY = b"test-key"
CTX = LoadContext(pseudonym_key=KEY)
HEADER = (
    "Personnummer;Målgrupp;Primärområde;Inskrivningsdatum;Utskrivningsdatum;"
    "Anvisad till Upphandlings-ID\r\n"
)
# 900315-123|1: a man born 1990-03-15; 850620-248|3: a woman born 1985-06-20 (Luhn digits).
MAN, WOMAN = "199003151231", "198506202483"


def pseudonym(digits12: str) -> str:
    return hmac.new(KEY, digits12.encode(), hashlib.sha256).hexdigest()


def test_windows_1252_register_keeps_swedish_letters(tmp_path):
    text = (
        HEADER
        + "900315-1231;Ung 16–29;101;2023-01-10;;GBG-2024-0001\r\n"
        + "19850620-2483;Person med funktionsnedsättning;199;2022-05-01;2023-04-30;\r\n"
        + "9003151231;Ung 16-29;103;2024-03-01;;\r\n"  # typed with a hyphen
        + "198506202483;Försörjningsstöd;704;2024-01-01;2024-01-01;\r\n"
    )
    path = write_text(tmp_path / "malgruppsregister_2024-12-31.csv", text, encoding="cp1252")
    assert "ä".encode("cp1252") in path.read_bytes()  # really Windows-1252
    result = malgruppsregister.parse(path, CTX)
    assert result.rejected.empty and result.rows_read == 4
    rows = result.rows
    assert list(rows["person_id"]) == [pseudonym(MAN), pseudonym(WOMAN)] * 2
    assert list(rows["target_group"]) == [
        "Ung 16–29", "Person med funktionsnedsättning", "Ung 16–29", "Försörjningsstöd",
    ]  # fmt: skip
    assert list(rows["primaromrade"]) == ["101", "199", "103", "704"]
    assert list(rows["birth_year"]) == [1990, 1985, 1990, 1985]
    assert list(rows["sex"]) == ["M", "F", "M", "F"]
    assert rows.loc[0, "registered_date"] == dt.date(2023, 1, 10)
    assert rows.loc[0, "deregistered_date"] is None
    assert rows.loc[1, "deregistered_date"] == dt.date(2023, 4, 30)
    assert rows.loc[0, "referred_procurement_id"] == "GBG-2024-0001"
    assert rows.loc[1, "referred_procurement_id"] is None
    assert list(rows["_row"]) == [2, 3, 4, 5]
    assert "personnummer" not in rows.columns


def test_same_person_same_pseudonym_as_in_the_suppliers_reports(tmp_path):
    register = write_text(
        tmp_path / "m.csv", "\ufeff" + HEADER + "900315-1231;Nyanländ;101;2023-01-10;;\r\n"
    )
    wb = openpyxl.Workbook()
    wb.active.title = "Rapport"
    wb.active.append(list(leverantorsrapporter.REQUIRED))
    wb.active.append(["K", "5560000001", "19900315-1231", "Praktik", "2024-01-01", None, 50,
                      "2024-Q1"])  # fmt: skip
    wb.save(tmp_path / "r.xlsx")
    from_register = malgruppsregister.parse(register, CTX).rows["person_id"][0]
    from_report = leverantorsrapporter.parse(tmp_path / "r.xlsx", CTX).rows["person_id"][0]
    assert from_register == from_report == pseudonym(MAN)


def test_bad_rows_rejected_with_row_number_and_reason(tmp_path):
    text = (
        HEADER
        + "900315-1231;Nyanländ;101;2023-01-10;;\r\n"  # 2 good
        + "900315-1232;Nyanländ;101;2023-01-10;;\r\n"  # 3 check digit
        + "900315-1231;Arbetssökande;101;2023-01-10;;\r\n"  # 4 unknown Målgrupp
        + "900315-1231;Nyanländ;1O1;2023-01-10;;\r\n"  # 5 letter O in the code
        + "900315-1231;Nyanländ;101;10/01/2023;;\r\n"  # 6 not ISO
        + "900315-1231;Nyanländ;101;2023-01-10;2023-01-09;\r\n"  # 7 out before in
        + "900315-1231;Nyanländ;;2023-01-10;;\r\n"  # 8 no area
        + "19900315;Nyanländ;101;2023-01-10;;\r\n"  # 9 not a personnummer form
        + "\r\n"  # blank line, skipped
        + "850620-2483;nyanländ;101;2023-01-10;;GBG-1\r\n"  # 11 good
    )
    path = write_text(tmp_path / "reg.csv", text)
    result = malgruppsregister.parse(path, CTX)
    assert list(result.rows["_row"]) == [2, 11]
    assert list(result.rows["target_group"]) == ["Nyanländ", "Nyanländ"]
    reasons = dict(zip(result.rejected["row_number"], result.rejected["reason"], strict=True))
    assert reasons == {
        3: "'Personnummer' is not a valid personnummer: check digit fails",
        4: "'Målgrupp' has unknown value 'Arbetssökande' (allowed: Långtidsarbetslös, Nyanländ, "
        "Ung 16–29, Person med funktionsnedsättning, Försörjningsstöd)",
        5: "'Primärområde' is not a 3-digit code: '1O1'",
        6: "'Inskrivningsdatum' is not a date: '10/01/2023'",
        7: "'Utskrivningsdatum' is before 'Inskrivningsdatum'",
        8: "'Primärområde' is empty",
        9: "'Personnummer' is not a valid personnummer: not a personnummer form "
        "(YYYYMMDD-NNNN, YYMMDD-NNNN, YYMMDD+NNNN, …)",
    }
    for raw in result.rejected["raw_values"]:
        assert "personnummer" not in json.loads(raw)
        assert "900315" not in raw
    # The delivered text is kept as it was, not the validated form.
    assert json.loads(result.rejected["raw_values"][1])["target_group"] == "Arbetssökande"


def test_register_missing_a_column_is_refused_naming_it(tmp_path):
    text = (
        "Personnummer;Målgrupp;Inskrivningsdatum;Utskrivningsdatum;Anvisad till Upphandlings-ID\n"
    )
    path = write_text(tmp_path / "export.csv", text + "900315-1231;Nyanländ;2023-01-10;;\n")
    with pytest.raises(FileRefused) as refused:
        malgruppsregister.parse(path, CTX)
    assert str(refused.value) == "export.csv: missing columns: 'Primärområde'"


def test_forms_an_excel_export_produces_are_read_as_meant(tmp_path):
    # 050615-1232 (born 2005, Luhn digit 2) saved by Excel as the number 506151232; the area
    # written with its name.
    text = HEADER + "506151232;Nyanländ;101 Kungsladugård;2023-01-10;;\r\n"
    result = malgruppsregister.parse(write_text(tmp_path / "reg.csv", text), CTX)
    assert result.rejected.empty
    assert result.rows.loc[0, "person_id"] == pseudonym("200506151232")
    assert result.rows.loc[0, "primaromrade"] == "101"
