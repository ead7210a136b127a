"""Suppliers' reports: every personnummer form, pseudonyms, rejected rows, refused workbooks."""

import datetime as dt
import hashlib
import hmac
import json

import openpyxl
import pytest

from hansyn.sources.contract import FileRefused, LoadContext
from hansyn.sources.leverantorsrapporter import parse

KEY = b"test-key"
CTX = LoadContext(pseudonym_key=KEY)
HEADER = [
    "Upphandlings-ID", "Leverantör organisationsnummer", "Personnummer", "Insatstyp",
    "Startdatum", "Slutdatum", "Omfattning procent", "Rapportperiod",
]  # fmt: skip

# Valid numbers (Luhn digit worked out on the nine digits after the century):
# 900315-123|1 a man born 1990-03-15; 850620-248|3 a woman born 1985-06-20;
# 200505+123|6 a man born 1920-05-05 ('+': 100 or older); 900375-123|8 a samordningsnummer
# (day 15 + 60) of a man born 1990-03-15.
MAN = "199003151231"
WOMAN = "198506202483"


def pseudonym(digits12: str) -> str:
    return hmac.new(KEY, digits12.encode(), hashlib.sha256).hexdigest()


def workbook(path, rows, header=HEADER, sheet="Rapport"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def report(pnr, kind="Anställning", start=dt.date(2024, 3, 15), end=None, extent=100,
           period="2024-Q1", pid="GBG-2024-0001"):  # fmt: skip
    return [pid, "556000-0001", pnr, kind, start, end, extent, period]


def test_every_personnummer_form_is_the_same_person(tmp_path):
    path = workbook(
        tmp_path / "r.xlsx",
        [
            report("19900315-1231"),
            report("199003151231", period="2024-Q2"),
            report("900315-1231", period="2024-Q3"),
            report("9003151231", period="2024-Q4", end=dt.date(2024, 12, 31)),
            report("850620-2483", kind="Praktik", start="2024-03-14", extent=50),
            report("200505+1236", kind="Sysselsättning", start=dt.date(2024, 5, 4)),
            report("900375-1238", kind="Trainee", start=dt.date(2024, 3, 14)),
        ],
    )
    result = parse(path, CTX)
    assert result.rows_read == 7 and result.rejected.empty
    rows = result.rows
    # The four forms of one number → one pseudonym, HMAC-SHA256 of the 12 digits.
    assert set(rows.loc[:3, "person_id"]) == {pseudonym(MAN)}
    assert rows.loc[4, "person_id"] == pseudonym(WOMAN)
    assert rows.loc[5, "person_id"] == pseudonym("192005051236")
    assert rows.loc[6, "person_id"] == pseudonym("199003751238")
    assert list(rows["sex"]) == ["M", "M", "M", "M", "F", "M", "M"]
    assert list(rows["birth_year"]) == [1990, 1990, 1990, 1990, 1985, 1920, 1990]
    # Age on Startdatum: born 1990-03-15, start 2024-03-15 → 34 (birthday that day);
    # born 1985-06-20, start 2024-03-14 → 38; born 1920-05-05, start 2024-05-04 → 103 (the
    # day before the 104th birthday); samordningsnummer born 1990-03-15, start 2024-03-14 → 33.
    assert list(rows["age_at_start"]) == [34, 34, 34, 34, 38, 103, 33]
    assert rows.loc[4, "start_date"] == dt.date(2024, 3, 14)  # a date typed as text
    assert rows.loc[3, "end_date"] == dt.date(2024, 12, 31)
    assert rows.loc[0, "end_date"] is None  # empty = still going on
    assert rows.loc[0, "supplier_org_number"] == "5560000001"
    assert list(rows["report_period"]) == [
        "2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2024-Q1", "2024-Q1", "2024-Q1",
    ]  # fmt: skip
    assert list(rows["_row"]) == [2, 3, 4, 5, 6, 7, 8]
    assert "personnummer" not in rows.columns


def test_bad_rows_are_rejected_with_row_and_reason_and_the_rest_loads(tmp_path):
    path = workbook(
        tmp_path / "rapport_q1.xlsx",
        [
            report(MAN),  # row 2: good
            report("19900315-1232"),  # row 3: check digit
            report(WOMAN, kind="Lönebidrag"),  # row 4
            report(WOMAN, start="15/03/2024"),  # row 5
            report(WOMAN, end=dt.date(2024, 3, 1)),  # row 6: ends before it starts
            report(WOMAN, extent=0),  # row 7
            report(WOMAN, period="2024-Q5"),  # row 8
            report(WOMAN, pid=None),  # row 9
            [None] * 8,  # row 10: blank, skipped
            report(WOMAN, kind="praktik"),  # row 11: good, case-insensitive type
        ],
    )
    result = parse(path, CTX)
    assert result.rows_read == 9
    assert list(result.rows["_row"]) == [2, 11]
    assert list(result.rows["placement_type"]) == ["Anställning", "Praktik"]
    reasons = dict(zip(result.rejected["row_number"], result.rejected["reason"], strict=True))
    assert reasons == {
        3: "'Personnummer' is not a valid personnummer: check digit fails",
        4: "'Insatstyp' has unknown value 'Lönebidrag' (allowed: Anställning, Lärlingsplats, "
        "Trainee, Praktik, Sysselsättning)",
        5: "'Startdatum' is not a date: '15/03/2024'",
        6: "'Slutdatum' is before 'Startdatum'",
        7: "'Omfattning procent' is outside 1–100: '0'",
        8: "'Rapportperiod' is not YYYY-Qn: '2024-Q5'",
        9: "'Upphandlings-ID' is empty",
    }
    assert set(result.rejected["file_name"]) == {"rapport_q1.xlsx"}
    # The rejected rows are kept without the personnummer, not even a bad one.
    for raw in result.rejected["raw_values"]:
        values = json.loads(raw)
        assert "personnummer" not in values
        assert "1990" not in raw and "850620" not in raw
    assert json.loads(result.rejected["raw_values"][1])["placement_type"] == "Lönebidrag"


def test_headers_match_trimmed_and_case_insensitively_extra_columns_kept_out(tmp_path):
    header = [" upphandlings-id ", *HEADER[1:], "Kommentar"]
    path = workbook(tmp_path / "r.xlsx", [[*report(MAN), "fritext"]], header=header)
    result = parse(path, CTX)
    assert list(result.rows["procurement_id"]) == ["GBG-2024-0001"]
    assert "Kommentar" not in result.rows.columns


def test_workbook_without_the_rapport_sheet_is_refused(tmp_path):
    path = workbook(tmp_path / "gammal_mall.xlsx", [report(MAN)], sheet="Blad1")
    with pytest.raises(FileRefused) as refused:
        parse(path, CTX)
    assert refused.value.file_name == "gammal_mall.xlsx"
    assert refused.value.reason == "no sheet 'Rapport' (sheets: Blad1)"


def test_workbook_missing_a_column_is_refused_naming_it(tmp_path):
    header = [h for h in HEADER if h not in ("Omfattning procent", "Rapportperiod")]
    path = workbook(tmp_path / "utan.xlsx", [report(MAN)[:6]], header=header)
    with pytest.raises(FileRefused) as refused:
        parse(path, CTX)
    assert str(refused.value) == (
        "utan.xlsx: missing columns: 'Omfattning procent', 'Rapportperiod'"
    )


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "rapport.xlsx"
    path.write_text("Upphandlings-ID;Personnummer\n", encoding="utf-8")
    with pytest.raises(FileRefused) as refused:
        parse(path, CTX)
    assert refused.value.reason.startswith("not a readable xlsx workbook")


def test_forms_excel_and_suppliers_produce_are_read_as_meant(tmp_path):
    path = workbook(
        tmp_path / "r.xlsx",
        [
            # A personnummer typed as a number: 050615-1232 loses its leading zero.
            report(506151232, start=45352, period="2024 Q1", extent="75 %"),
            report(MAN, period="Q2-2024", extent="37,5"),
            report(MAN, kind="Praktik", period="2024q3", extent=None),
            report(MAN, kind="Trainee", period="2024-Q7", extent="full"),
        ],
    )
    result = parse(path, CTX)
    rows = result.rows
    assert rows.loc[0, "person_id"] == pseudonym("200506151232")
    assert rows.loc[0, "birth_year"] == 2005
    assert rows.loc[0, "start_date"] == dt.date(2024, 3, 1)  # Excel's day 45352
    assert list(rows["report_period"]) == ["2024-Q1", "2024-Q2", "2024-Q3"]
    assert list(rows["extent_percent"].fillna(-1)) == [75.0, 37.5, -1]  # empty: NULL, kept
    # Row 5 has two faults; the first found is reported, with the text as delivered.
    assert dict(zip(result.rejected["row_number"], result.rejected["reason"], strict=True)) == {
        5: "'Omfattning procent' is not a number: 'full'",
    }
