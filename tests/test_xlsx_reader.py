"""Workbooks read with calamine give the cells openpyxl gave: the real national file and awkward
supplier workbooks written here; error cells and damaged files."""

import datetime as dt
import os
import zipfile

import openpyxl
import pytest

from hansyn.sources import readers
from hansyn.sources.contract import FileRefused
from hansyn.sources.leverantorsrapporter import REQUIRED, SHEET
from hansyn.sources.readers import _openpyxl_rows, cell_text, read_xlsx, sheet_rows

from .conftest import REAL_DATA

NATIONAL = REAL_DATA / "upphandlingsmyndigheten_2021" / "number_of_procurements.xlsx"
HEADER = list(REQUIRED)


def texts(rows):
    """Cell texts, rows without a filled cell left out (as the loaders skip them)."""
    out = []
    for number, row in enumerate(rows, start=1):
        cells = [cell_text(v) for v in row]
        while cells and cells[-1] == "":
            cells.pop()
        if cells:
            out.append((number, cells))
    return out


@pytest.mark.slow  # openpyxl takes half a minute on the 18,000 rows
def test_the_real_national_file_reads_as_openpyxl_reads_it():
    sheet = openpyxl.load_workbook(NATIONAL, read_only=True).sheetnames[0]
    fast = sheet_rows(NATIONAL)
    assert len(fast) == 18_422
    assert texts(fast) == texts(_openpyxl_rows(NATIONAL, sheet))


def awkward(path, write_only=False):
    """A supplier's report as people make them: dates typed, serial numbers formatted as dates
    and not, numbers stored as text, whole numbers as floats, empty cells, a blank row in the
    middle, blank rows and a stray format at the end."""
    wb = openpyxl.Workbook(write_only=write_only)
    ws = wb.create_sheet("Rapport") if write_only else wb.active
    if not write_only:
        ws.title = "Rapport"
    rows = [
        HEADER,
        ["GBG-1", "5560000001", "199003151231", "Anställning", dt.datetime(2024, 3, 15),
         dt.date(2024, 6, 30), 100, "2024-Q1"],
        ["GBG-2", 5560000001, "19900315-1231", "Praktik", "2024-03-14", None, 50.0, "2024-Q2"],
        ["GBG-3", None, 199003151231, "Trainee", 45366, "", "75", "2024-Q3"],
        [None] * 8,
        ["GBG-4", "", "  850620-2483 ", "Praktik", dt.datetime(2024, 3, 15, 8, 30), 45473.5, 62.5,
         "2024-Q4"],
        ["GBG-5", "556000-0001", "0012", "Praktik", "15/3/2024", "2024-06-30", "", "2024-Q4"],
    ]  # fmt: skip
    for row in rows:
        ws.append(row)
    if not write_only:
        ws.cell(4, 5).number_format = "yyyy-mm-dd"  # 45366 shown as 2024-03-15
        ws.cell(6, 6).number_format = "0.0"  # 45473.5 stays a number
        ws.append([None] * 8)
        ws.append([None] * 8)
        ws.cell(12, 3).number_format = "@"  # a formatted empty cell far below the data
    wb.save(path)
    return path


EXPECTED = [
    ["GBG-1", "5560000001", "199003151231", "Anställning", "2024-03-15", "2024-06-30", "100",
     "2024-Q1", 2],
    ["GBG-2", "5560000001", "19900315-1231", "Praktik", "2024-03-14", "", "50", "2024-Q2", 3],
    ["GBG-3", "", "199003151231", "Trainee", "2024-03-15", "", "75", "2024-Q3", 4],
    # A number cell with decimals is written with the decimal comma the parsers read.
    ["GBG-4", "", "850620-2483", "Praktik", "2024-03-15T08:30:00", "45473,5", "62,5", "2024-Q4",
     6],
    ["GBG-5", "556000-0001", "0012", "Praktik", "15/3/2024", "2024-06-30", "", "2024-Q4", 7],
]  # fmt: skip


@pytest.mark.parametrize("write_only", [False, True], ids=["workbook", "write-only workbook"])
def test_awkward_supplier_workbook_reads_cell_for_cell(tmp_path, write_only):
    path = awkward(tmp_path / "rapport.xlsx", write_only)
    frame = read_xlsx(path, REQUIRED, sheet=SHEET)
    got = frame.values.tolist()
    if write_only:  # no number formats: the serial number is a number
        expected = [list(r) for r in EXPECTED]
        expected[2][4] = "45366"
    else:
        expected = EXPECTED
    assert got == expected
    assert texts(sheet_rows(path, SHEET)) == texts(_openpyxl_rows(path, SHEET))


def test_a_header_not_in_row_one_reads_as_before(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Rapport"
    for i, name in enumerate(HEADER):
        ws.cell(3, 2 + i, name)
    ws.cell(4, 2, "GBG-1")
    wb.save(tmp_path / "r.xlsx")
    rows = sheet_rows(tmp_path / "r.xlsx", SHEET)
    assert rows[2][1] == "Upphandlings-ID"  # positions are the sheet's, from A1
    assert texts(rows) == texts(_openpyxl_rows(tmp_path / "r.xlsx", SHEET))
    with pytest.raises(FileRefused, match="missing columns"):
        read_xlsx(tmp_path / "r.xlsx", REQUIRED, sheet=SHEET)


def test_an_error_cell_keeps_its_text_so_the_row_is_not_read_as_empty(tmp_path, monkeypatch):
    """calamine reads `#N/A` as an empty cell; such a workbook is read with openpyxl."""
    path = awkward(tmp_path / "rapport.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Rapport"]["F3"] = "#N/A"  # openpyxl writes it as an error cell (t="e")
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        assert b't="e"' in z.read("xl/worksheets/sheet1.xml")
    used = []
    monkeypatch.setattr(readers, "_openpyxl_rows", lambda *a: used.append(a) or _openpyxl_rows(*a))
    frame = read_xlsx(path, REQUIRED, sheet=SHEET)
    assert used
    assert frame.loc[frame["_row"] == 3, "end_date"].tolist() == ["#N/A"]


def test_a_workbook_without_error_cells_is_not_read_twice(tmp_path, monkeypatch):
    path = awkward(tmp_path / "rapport.xlsx")
    monkeypatch.setattr(readers, "_openpyxl_rows", lambda *a: pytest.fail("openpyxl used"))
    assert len(read_xlsx(path, REQUIRED, sheet=SHEET)) == 5


def _damaged(tmp_path, name, member, transform):
    good = awkward(tmp_path / "good.xlsx")
    out = tmp_path / name
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == member:
                data = transform(data)
                if data is None:
                    continue
            zout.writestr(item, data)
    return out


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda t: (t / "a.xlsx").write_bytes(os.urandom(3000)) and t / "a.xlsx",
         "not an xlsx (zip) archive, or a damaged one"),
        (lambda t: (t / "a.xlsx").write_bytes(b"") or t / "a.xlsx",
         "not an xlsx (zip) archive, or a damaged one"),
        (lambda t: (t / "a.xlsx").write_text("Upphandlings-ID;Personnummer\n") and t / "a.xlsx",
         "not an xlsx (zip) archive, or a damaged one"),
        (lambda t: (t / "a.xlsx").write_bytes(awkward(t / "g.xlsx").read_bytes()[:3000])
         and t / "a.xlsx", "not an xlsx (zip) archive, or a damaged one"),
        (lambda t: _damaged(t, "a.xlsx", "xl/worksheets/sheet1.xml", lambda d: d[: len(d) // 2]),
         "damaged XML inside the workbook"),
        (lambda t: _damaged(t, "a.xlsx", "xl/worksheets/sheet1.xml", lambda d: None),
         "a sheet the workbook lists is missing from the file"),
    ],
    ids=["random bytes", "empty file", "a CSV named .xlsx", "truncated", "broken sheet XML",
         "sheet missing"],
)  # fmt: skip
def test_a_damaged_workbook_is_refused_with_the_reason(tmp_path, make, reason):
    path = make(tmp_path)
    with pytest.raises(FileRefused) as refused:
        read_xlsx(path, REQUIRED, sheet=SHEET)
    assert refused.value.file_name == "a.xlsx"
    assert refused.value.reason.startswith(f"not a readable xlsx workbook: {reason}")


def test_a_missing_sheet_names_the_sheets(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Blad1"
    wb.create_sheet("Instruktioner")
    wb.save(tmp_path / "r.xlsx")
    with pytest.raises(FileRefused) as refused:
        read_xlsx(tmp_path / "r.xlsx", REQUIRED, sheet=SHEET)
    assert refused.value.reason == "no sheet 'Rapport' (sheets: Blad1, Instruktioner)"


def test_an_empty_sheet_is_refused(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Rapport"
    wb.save(tmp_path / "r.xlsx")
    with pytest.raises(FileRefused, match="the sheet is empty"):
        read_xlsx(tmp_path / "r.xlsx", REQUIRED, sheet=SHEET)
