"""The shared parsing of Swedish deliveries: encodings, headers, personnummer, amounts, dates."""

import pandas as pd
import pytest

from hansyn.sources.contract import FileRefused
from hansyn.sources.personnummer import canonical_personnummer, orgnr_digits, pseudonymise
from hansyn.sources.readers import read_csv
from hansyn.sources.validation import RowValidator
from tests.conftest import write_text


def test_every_personnummer_form_is_the_same_person():
    # 19880320-0420: Luhn over 880320042 gives check digit 0; sex digit 2 (even) = woman.
    forms = ["19880320-0420", "198803200420", "880320-0420", "8803200420"]
    results = {canonical_personnummer(f) for f in forms}
    assert len(results) == 1
    digits, birth, sex = results.pop()
    assert digits == "198803200420"
    assert (birth.year, birth.month, birth.day, sex) == (1988, 3, 20, "F")


def test_plus_means_a_hundred_years_or_older():
    digits, birth, _ = canonical_personnummer("880320+0420")
    assert digits == "188803200420"
    assert birth.year == 1888


def test_samordningsnummer_day_plus_sixty_is_valid():
    # 1988-03-80 (day 20 + 60): check digit over 880380042 is 7.
    digits, birth, sex = canonical_personnummer("880380-0427")
    assert digits == "198803800427"
    assert birth.day == 20
    assert sex == "F"


@pytest.mark.parametrize("bad", ["19880320-0421", "880320-042", "88032O-0420", "", "12345"])
def test_invalid_personnummer_is_refused(bad):
    with pytest.raises(ValueError):
        canonical_personnummer(bad)


def test_pseudonym_is_keyed():
    a = pseudonymise("198803200420", b"key-one")
    assert a == pseudonymise("198803200420", b"key-one")
    assert a != pseudonymise("198803200420", b"key-two")
    assert len(a) == 64 and "198803200420" not in a


def test_orgnr_forms():
    s = pd.Series(["556353-3412", "5563533412", "165563533412", "55635", ""])
    assert orgnr_digits(s).tolist() == ["5563533412", "5563533412", "5563533412", None, None]


def test_windows_1252_bom_and_case_insensitive_headers(tmp_path):
    path = write_text(
        tmp_path / "a.csv",
        "  NAMN ;Belopp\r\nÅsa Öberg;12 345,50\r\nMärta;-7,25\r\n",
        encoding="cp1252",
    )
    frame = read_csv(path, {"Namn": "name", "belopp": "amount"})
    assert frame["name"].tolist() == ["Åsa Öberg", "Märta"]
    assert frame["_row"].tolist() == [2, 3]
    v = RowValidator(frame, "test", path.name)
    assert v.amount("amount", "Belopp").tolist() == [12345.5, -7.25]

    bom = write_text(tmp_path / "b.csv", "\ufeffNamn;Belopp\nÅsa;1\u00a0000,00\n")
    frame = read_csv(bom, {"Namn": "name", "Belopp": "amount"})
    assert frame["name"].tolist() == ["Åsa"]
    assert RowValidator(frame, "t", "b.csv").amount("amount", "Belopp").tolist() == [1000.0]


def test_missing_columns_refuse_the_file_naming_them(tmp_path):
    path = write_text(tmp_path / "c.csv", "Namn;Annat\nx;y\n")
    with pytest.raises(FileRefused) as err:
        read_csv(path, {"Namn": "name", "Belopp": "amount", "Datum": "date"})
    assert err.value.file_name == "c.csv"
    assert "'Belopp'" in err.value.reason and "'Datum'" in err.value.reason


def test_rejected_rows_keep_file_row_and_reason_but_not_the_personnummer(tmp_path):
    path = write_text(
        tmp_path / "p.csv",
        "Personnummer;Datum;Antal\n"
        "19880320-0420;2024-01-31;3\n"
        "19880320-0421;2024-01-31;3\n"
        "19880320-0420;2024-02-30;3\n"
        "19880320-0420;2024-02-01;x\n",
    )
    frame = read_csv(path, {"Personnummer": "pnr", "Datum": "date", "Antal": "n"})
    v = RowValidator(frame, "src", path.name)
    people = v.personnummer("pnr", "Personnummer", b"k")
    rows = people.assign(date=v.date("date", "Datum"), n=v.integer("n", "Antal", low=0))
    result = v.result(rows, redact=["pnr"])
    assert result.rows_read == 4
    assert len(result.rows) == 1
    assert result.rows["birth_year"].tolist() == [1988]
    assert result.rows["_row"].tolist() == [2]
    rejected = result.rejected.set_index("row_number")
    assert rejected.loc[3, "reason"].startswith("'Personnummer' is not a valid personnummer")
    assert rejected.loc[4, "reason"] == "'Datum' is not a date: '2024-02-30'"
    assert rejected.loc[5, "reason"] == "'Antal' is not a whole number: 'x'"
    assert set(rejected["file_name"]) == {"p.csv"}
    assert not rejected["raw_values"].str.contains("19880320").any()
