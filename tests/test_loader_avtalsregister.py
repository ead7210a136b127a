"""The contract register: snapshots by file name, bad rows rejected with their reasons."""

import datetime as dt

import pytest

from hansyn.sources.avtalsregister import parse
from hansyn.sources.contract import FileRefused, LoadContext
from tests.conftest import write_text

CTX = LoadContext(pseudonym_key=b"k")
HEADER = (
    "Upphandlings-ID;Diarienummer;Upphandlingens titel;Beställande organisation;"
    "Organisationsnummer för köpare;Upphandlingsslag;Huvudsaklig CPV-kod;Avtalsstart;Avtalsslut;"
    "Beräknat antal arbetstagare;Social hänsyn nivå;Antal krävda platser;Målgrupper;"
    "Leverantör organisationsnummer;Leverantör namn;Utförandeområde\n"
)


def row(pid, start="2024-01-15", end="", workers="3", level="3", places="2", area="01"):
    return (
        f"{pid};D;Titel;Park- och naturförvaltningen;212000-1355;Tjänster;x;{start};{end};"
        f"{workers};{level};{places};Nyanländ, Ung 16–29;5560000001;Grönyta AB;{area}\n"
    )


def test_snapshot_rows_and_rejections(tmp_path):
    text = (
        HEADER
        + row("A")
        + row("B", end="2024-01-01")
        + row("C", level="5")
        + row("D", workers="-1")
        + row("E", start="15/01/2024")
        + row("F", area="7")
        + row("G", end="2025-01-01", area="")
    )
    path = write_text(tmp_path / "avtalsregister_2025-03-31.csv", text, encoding="cp1252")
    result = parse(path, CTX)
    assert result.rows_read == 7
    rows = result.rows.set_index("procurement_id")
    assert sorted(rows.index) == ["A", "G"]
    assert rows.loc["A", "snapshot_date"] == dt.date(2025, 3, 31)
    assert rows.loc["A", "contract_end"] is None  # empty = open-ended
    assert rows.loc["G", "execution_area"] is None  # empty = the whole city
    assert rows.loc["A", "target_groups"] == "Nyanländ, Ung 16–29"  # cp1252 en dash kept
    reasons = dict(zip(result.rejected["row_number"], result.rejected["reason"], strict=True))
    assert reasons == {
        3: "'Avtalsslut' is before 'Avtalsstart'",
        4: "'Social hänsyn nivå' is outside 0–4: '5'",
        5: "'Beräknat antal arbetstagare' is outside 0–: '-1'",
        6: "'Avtalsstart' is not a date: '15/01/2024'",
        7: "'Utförandeområde' is not a stadsområde 01–04: '7'",
    }


def test_file_name_must_carry_the_snapshot_date(tmp_path):
    path = write_text(tmp_path / "avtalsregister.csv", HEADER + row("A"))
    with pytest.raises(FileRefused, match="avtalsregister_YYYY-MM-DD"):
        parse(path, CTX)
