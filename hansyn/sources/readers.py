"""Reading the deliveries: Swedish CSV (UTF-8 or Windows-1252, `;` or `,`) and xlsx workbooks as
text columns renamed to English, with the line a person opening the file sees."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .contract import FileRefused

# One cell longer than this many characters rejects its row, never the file: far above any real
# cell (a title or a note is a few thousand at most; an xlsx cell holds 32,767), far below what
# would swell the warehouse. Python's csv reader stops the whole file at 131,072 by default.
FIELD_LIMIT = 100_000
# The reader's own reason for a row it read but cannot pass on whole (a cell over FIELD_LIMIT):
# a column present only then; RowValidator rejects such a row before any other rule.
READ_PROBLEM = "_read_problem"
# What is kept of an oversized cell for the rejected row: its start and its size.
_KEPT_OF_OVERSIZED = 200


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, which older systems send; UTF-16 or
    UTF-32 when a byte-order mark says so (Excel's "Unicode text"). Raises UnicodeError for
    bytes that are none of them (a binary file, UTF-16 without a mark)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    if "\x00" in text:
        raise UnicodeError("NUL bytes: not a text file (UTF-16 without a byte-order mark?)")
    return text


# Longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _norm_header(name: object) -> str:
    return re.sub(r"\s+", " ", str(name if name is not None else "")).strip().casefold()


def _match_columns(
    file_name: str, header: list[str], required: dict[str, str], optional: dict[str, str]
) -> dict[int, str]:
    """Map column positions to output names; refuse the file when a required column is missing."""
    positions = {}
    for i, h in enumerate(header):
        positions.setdefault(_norm_header(h), i)
    mapping: dict[int, str] = {}
    missing = []
    for wanted, out in {**required, **optional}.items():
        pos = positions.get(_norm_header(wanted))
        if pos is None:
            if wanted in required:
                missing.append(wanted)
            continue
        mapping[pos] = out
    if missing:
        raise FileRefused(file_name, "missing columns: " + ", ".join(repr(m) for m in missing))
    return mapping


def read_csv(
    path: Path, required: dict[str, str], optional: dict[str, str] | None = None
) -> pd.DataFrame:
    """A delivered CSV as text columns renamed to English, plus `_row` (the line in the file)."""
    optional = optional or {}
    try:
        data = path.read_bytes()
    except OSError as e:
        raise FileRefused(path.name, f"cannot read the file: {e}") from e
    try:
        text = decode(data)
    except UnicodeError as e:
        raise FileRefused(path.name, f"not readable as UTF-8 or Windows-1252 text: {e}") from e
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise FileRefused(path.name, "the file is empty or has no header row")
    # The contract says `;`; copies made by others may use `,`.
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    try:
        if '"' in text or any(not line.strip() for line in text.splitlines()[1:]):
            frame, mapping = _read_csv_lines(path.name, text, delimiter, required, optional)
        else:
            # No quotes and no blank lines: record n is line n + 1, and pandas' C parser is fast.
            header = first_line.rstrip("\r").split(delimiter)
            mapping = _match_columns(path.name, header, required, optional)
            frame = pd.read_csv(
                io.StringIO(text),
                sep=delimiter,
                dtype=str,
                keep_default_na=False,
                header=0,
                usecols=sorted(mapping),
                quoting=csv.QUOTE_NONE,
                engine="c",
            )
            frame.columns = [mapping[i] for i in sorted(mapping)]
            frame = frame.astype(object)
            frame["_row"] = np.arange(2, len(frame) + 2)
            # A line with only delimiters is as blank as an empty one.
            values = frame.drop(columns="_row").fillna("")
            filled = values.apply(lambda c: c.str.strip() != "").any(axis=1)
            frame = frame[filled].reset_index(drop=True)
    except (csv.Error, pd.errors.ParserError, ValueError) as e:
        raise FileRefused(path.name, f"not a readable CSV: {e}") from e
    return oversized_cells(_strip(frame), _labels(mapping, required, optional))


def _read_csv_lines(file_name, text, delimiter, required, optional):
    """Records and the line each starts on, as a person opening the file sees it (header line
    1): a quoted field may span lines, and blank lines are skipped but counted."""
    lines = csv_records(text, delimiter)
    _, header = next(lines)
    mapping = _match_columns(file_name, header, required, optional)
    cols = sorted(mapping)
    records, numbers = [], []
    for start, record in lines:
        values = [record[i] if i < len(record) else "" for i in cols]
        if any(v.strip() for v in values):
            records.append(values)
            numbers.append(start)
    frame = pd.DataFrame(records, columns=[mapping[i] for i in cols], dtype=object)
    frame["_row"] = numbers
    return frame, mapping


def csv_records(text: str, delimiter: str):
    """(the line a record starts on, its fields) for every record of a CSV text: a quoted field
    may span lines. No field is too long for the reader: FIELD_LIMIT is applied per row, after
    reading (`oversized_cells`), so that one huge cell rejects its row, not the file."""
    # The csv module's limit is process-wide; no field is longer than the text, so raising
    # the limit to the text's length (never lowering it) is safe for every other reader.
    if csv.field_size_limit() <= len(text):
        csv.field_size_limit(len(text) + 1)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    for record in reader:
        yield start, record
        start = reader.line_num + 1


def oversized_cells(frame: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Rows with a cell over FIELD_LIMIT characters get their reason in READ_PROBLEM (naming the
    column by `labels`: column → delivered header) and keep the cell's start only."""
    problems = None
    for col in (c for c in labels if c in frame.columns):
        cells = frame[col].to_numpy()
        if max(map(len, cells), default=0) <= FIELD_LIMIT:  # almost always: one fast pass
            continue
        lengths = pd.Series(list(map(len, cells)), index=frame.index)
        over = lengths > FIELD_LIMIT
        if problems is None:
            problems = pd.Series([None] * len(frame), index=frame.index, dtype=object)
        first = over & problems.isna()
        problems[first] = [
            f"'{labels[col]}' holds {n:,} characters, more than the limit of {FIELD_LIMIT:,} "
            "for one cell"
            for n in lengths[first]
        ]
        frame.loc[over, col] = [
            f"{v[:_KEPT_OF_OVERSIZED]}… ({len(v):,} characters)" for v in frame.loc[over, col]
        ]
    if problems is not None:
        frame[READ_PROBLEM] = problems
    return frame


def _labels(mapping: dict[int, str], *contracts: dict[str, str]) -> dict[str, str]:
    """Each output column's header as the contract names it."""
    header = {out: name for contract in contracts for name, out in contract.items()}
    return {out: header.get(out, out) for out in mapping.values()}


def cell_text(value: object) -> str:
    if type(value) is str:  # most cells: no conversion
        return value
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        # A number cell is a number, not text to guess: written as the parsers read it (the
        # Swedish decimal comma; a dot is never read as one).
        return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
    return str(value)


def read_xlsx(
    path: Path,
    required: dict[str, str],
    optional: dict[str, str] | None = None,
    sheet: str | None = None,
) -> pd.DataFrame:
    """A delivered workbook (header in row 1) as text columns, plus `_row` (the sheet row)."""
    optional = optional or {}
    rows = iter(sheet_rows(path, sheet))
    header = next(rows, None)
    if header is None:
        raise FileRefused(path.name, "the sheet is empty")
    mapping = _match_columns(path.name, [cell_text(h) for h in header], required, optional)
    cols = sorted(mapping)
    records = []
    numbers = []
    for number, row in enumerate(rows, start=2):
        values = [cell_text(row[i]) if i < len(row) else "" for i in cols]
        if any(v.strip() for v in values):
            records.append(values)
            numbers.append(number)
    frame = pd.DataFrame(records, columns=[mapping[i] for i in cols], dtype=object)
    frame["_row"] = numbers
    return oversized_cells(_strip(frame), _labels(mapping, required, optional))


def sheet_rows(path: Path, sheet: str | None = None) -> list[list[object]]:
    """Every row of a workbook's sheet (the named one, else the first) from A1, as cell values;
    refuses a file that is not a readable workbook or has no such sheet.

    Read with calamine (Rust, some 30 times faster than openpyxl on the suppliers' reports),
    which gives the values openpyxl gives (dates as dates, numbers as floats, text as text)
    except for an error cell (`#N/A`, `#DIV/0!`), which it reads as empty: a workbook with one
    is read with openpyxl, which keeps the error's text, so that such a cell is rejected with
    a reason instead of passing as a missing value."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as e:  # calamine's errors (zip, XML, password) and OSError
        raise FileRefused(path.name, f"not a readable xlsx workbook: {_unreadable(e)}") from e
    try:
        names = workbook.sheet_names
        if sheet is None and names:
            sheet = names[0]
        elif sheet not in names:
            raise FileRefused(path.name, f"no sheet {sheet!r} (sheets: {', '.join(names)})")
        if _has_error_cells(path):
            return _openpyxl_rows(path, sheet)
        try:
            return workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except Exception as e:
            raise FileRefused(path.name, f"not a readable xlsx workbook: {_unreadable(e)}") from e
    finally:
        workbook.close()


def _unreadable(error: Exception) -> str:
    """calamine's error in words (its own messages are terse: `XmlError: c`)."""
    kind = type(error).__name__
    detail = str(error).strip()
    what = {
        "ZipError": "not an xlsx (zip) archive, or a damaged one",
        "XmlError": "damaged XML inside the workbook",
        "PasswordError": "the workbook is password-protected",
        "WorksheetNotFound": "a sheet the workbook lists is missing from the file",
    }.get(kind)
    if what is None:
        return f"{kind}: {detail}" if detail else kind
    return f"{what} ({detail})" if detail else what


# An error cell in a sheet's XML: <c r="A2" t="e">. Searched in the raw bytes, in chunks.
_ERROR_CELL = (b' t="e"', b" t='e'")


def _has_error_cells(path: Path) -> bool:
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                    continue
                with archive.open(name) as member:
                    tail = b""
                    for chunk in iter(lambda m=member: m.read(1 << 20), b""):
                        window = tail + chunk
                        if any(marker in window for marker in _ERROR_CELL):
                            return True
                        tail = window[-8:]
    except (OSError, zipfile.BadZipFile):
        return False  # calamine read it: let its reading stand
    return False


def _openpyxl_rows(path: Path, sheet: str) -> list[list[object]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a file that is not a workbook
        raise FileRefused(path.name, f"not a readable xlsx workbook: {e}") from e
    try:
        return [list(row) for row in workbook[sheet].iter_rows(values_only=True)]
    finally:
        workbook.close()


def _strip(frame: pd.DataFrame) -> pd.DataFrame:
    for col in frame.columns:
        if col != "_row":
            # object, not pandas 3's str dtype: missing values stay None, not NaN.
            frame[col] = frame[col].fillna("").astype(str).str.strip().astype(object)
    return frame


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


_MISSING = {"", "uppgift saknas", ".."}


def is_missing(series: pd.Series) -> pd.Series:
    return series.str.casefold().isin(_MISSING)
