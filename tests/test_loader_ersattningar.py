"""Benefit extracts: the three payers' layouts, Swedish amounts and months, rejected rows, refused
files."""

import datetime as dt
import hashlib
import hmac
import json

import pytest

from hansyn.sources.contract import FileRefused, LoadContext
from hansyn.sources.ersattningar import parse
from tests.conftest import write_text

KEY = b"test-key"
CTX = LoadContext(pseudonym_key=KEY)
# 900315-123|1: a man born 1990-03-15; 850620-248|3: a woman born 1985-06-20 (Luhn digits).
MAN, WOMAN = "199003151231", "198506202483"


def pseudonym(digits12: str) -> str:
    return hmac.new(KEY, digits12.encode(), hashlib.sha256).hexdigest()


def test_income_support_layout_windows_1252_decimal_comma_and_thousands(tmp_path):
    text = (
        "Personnummer;Utbetalningsmånad;Belopp\r\n"
        "19900315-1231;2024-01;12 345,50\r\n"  # space for thousands
        "9003151231;2024-01;-1\u00a0200,00\r\n"  # a correction, no-break space
        "850620-2483;2024-02;8000\r\n"
        "198506202483;2024-03;-250,75\r\n"  # a repayment
    )
    path = write_text(tmp_path / "forsorjningsstod_2024.csv", text, "cp1252")
    result = parse(path, CTX)
    assert result.rejected.empty
    rows = result.rows
    assert set(rows["benefit_type"]) == {"försörjningsstöd"}
    assert list(rows["person_id"]) == [pseudonym(MAN)] * 2 + [pseudonym(WOMAN)] * 2
    assert list(rows["month"]) == [
        dt.date(2024, 1, 1), dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1),
    ]  # fmt: skip
    assert list(rows["amount"]) == [12345.50, -1200.00, 8000.00, -250.75]
    assert list(rows["sex"]) == ["M", "M", "F", "F"]
    assert list(rows["_row"]) == [2, 3, 4, 5]
    assert rows["_loaded_at"].notna().all()
    assert "personnummer" not in rows.columns


def test_unemployment_layout_months_as_yyyymm(tmp_path):
    text = (
        "\ufeffPersonnummer;Period;Utbetalt belopp\n"
        "900315-1231;202312;15 000,00\n"
        "900315-1231;2024-01;14999,9\n"  # the other month form is accepted too
        "900315-1231;202402;\u2212500,00\n"  # a repayment with a typographic minus
    )
    result = parse(write_text(tmp_path / "arbetsloshetsersattning_2023-2024.csv", text), CTX)
    assert result.rejected.empty
    assert set(result.rows["benefit_type"]) == {"arbetslöshetsersättning"}
    assert list(result.rows["month"]) == [
        dt.date(2023, 12, 1), dt.date(2024, 1, 1), dt.date(2024, 2, 1),
    ]  # fmt: skip
    assert list(result.rows["amount"]) == [15000.0, 14999.9, -500.0]


def test_activity_compensation_layout_headers_matched_loosely(tmp_path):
    text = " personnummer ; MÅNAD ;Belopp kr\n850620-2483;2025-06;10 250\n"
    result = parse(write_text(tmp_path / "Aktivitetsersattning_2025.csv", text), CTX)
    assert result.rejected.empty
    assert set(result.rows["benefit_type"]) == {"aktivitetsersättning"}
    assert list(result.rows["amount"]) == [10250.0]
    assert list(result.rows["person_id"]) == [pseudonym(WOMAN)]


def test_bad_rows_rejected_with_row_and_reason(tmp_path):
    text = (
        "Personnummer;Månad;Belopp kr\n"
        "850620-2483;2025-06;10 250\n"  # 2 good
        "850620-2484;2025-06;10 250\n"  # 3 check digit
        "850620-2483;2025-13;10 250\n"  # 4 no such month
        "850620-2483;juni 2025;10 250\n"  # 5 not a month
        "850620-2483;2025-06;12,34,5\n"  # 6 not an amount
        "850620-2483;2025-06;\n"  # 7 empty amount
    )
    result = parse(write_text(tmp_path / "aktivitetsersattning_2025.csv", text), CTX)
    assert list(result.rows["_row"]) == [2]
    reasons = dict(zip(result.rejected["row_number"], result.rejected["reason"], strict=True))
    assert reasons == {
        3: "'Personnummer' is not a valid personnummer: check digit fails",
        4: "'Månad' is not a month: '2025-13'",
        5: "'Månad' is not a month: 'juni 2025'",
        6: "'Belopp kr' is not an amount: '12,34,5'",
        7: "'Belopp kr' is not an amount: ''",
    }
    for raw in result.rejected["raw_values"]:
        assert "personnummer" not in json.loads(raw) and "850620" not in raw


def test_a_layout_with_the_wrong_columns_is_refused(tmp_path):
    # Income support's file name with the unemployment insurance's columns.
    text = "Personnummer;Period;Utbetalt belopp\n900315-1231;202312;15 000,00\n"
    with pytest.raises(FileRefused) as refused:
        parse(write_text(tmp_path / "forsorjningsstod_2023.csv", text), CTX)
    assert str(refused.value) == (
        "forsorjningsstod_2023.csv: missing columns: 'Utbetalningsmånad', 'Belopp'"
    )


def test_a_file_of_no_known_payer_is_refused(tmp_path):
    text = "Personnummer;Månad;Belopp\n900315-1231;2023-12;100\n"
    with pytest.raises(FileRefused) as refused:
        parse(write_text(tmp_path / "bostadsbidrag_2023.csv", text), CTX)
    assert refused.value.reason == (
        "unknown extract: the file name must start with forsorjningsstod_, "
        "arbetsloshetsersattning_, aktivitetsersattning_"
    )


def test_months_as_first_days_and_amounts_with_their_unit(tmp_path):
    text = (
        "Personnummer;Utbetalningsmånad;Belopp\n"
        "900315-1231;2024-01-01;1 234,50 kr\n"
        "900315-1231;2024-02;-300 SEK\n"
        "900315-1231;2024-02-15;100\n"  # the payment's day: its month
        "900315-1231;20240301;100\n"
        "900315-1231;2024-02-30;100\n"  # no such date: rejected as delivered
    )
    result = parse(write_text(tmp_path / "forsorjningsstod_2024.csv", text), CTX)
    assert list(result.rows["month"]) == [
        dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1),
    ]  # fmt: skip
    assert list(result.rows["amount"]) == [1234.50, -300.0, 100.0, 100.0]
    assert list(result.rejected["reason"]) == ["'Utbetalningsmånad' is not a month: '2024-02-30'"]
