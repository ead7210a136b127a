"""Loader for `omradesstatistik/`: PxWeb exports of the city's statistics by primärområde.

A file is one measure (from its name: `arbetslosa_primaromraden*.csv` openly unemployed 18–64,
`befolkning_primaromraden*.csv` population 18–64), one row per area (`Område`, e.g.
`101 Kungsladugård`) and one column per year. A row's values are kept as one JSON object
year → number (`{"2021": 312, "2022": null}`, null where the export has `..`, `Uppgift saknas`
or nothing: missing, never zero); staging unpivots it to (measure, primaromrade, year, value).
Every area must be a primärområde of the seed `geography` (code, and name when given), once per
file, else the row is rejected with a reason."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .. import reference
from .contract import FileRefused, LoadContext, ParsedFile, Source
from .readers import csv_records, decode, oversized_cells
from .validation import RowValidator, decimal_numbers

MEASURES = {"arbetslosa": "arbetslosa", "befolkning": "befolkning"}
AREA_HEADER = "Område"

COLUMNS = {
    "measure": "varchar",
    "primaromrade": "varchar",
    "area_label": "varchar",
    "values_by_year": "varchar",
    "_file": "varchar",
    "_row": "bigint",
}

_NAME = re.compile(r"(arbetslosa|befolkning)_primaromraden.*\.csv", re.IGNORECASE)
_YEAR = re.compile(r"(19|20)\d{2}")
_AREA = re.compile(r"(\d{3})(?:\s+(.*))?")
_MISSING = {"", "..", "uppgift saknas"}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def measure_of(path: Path) -> str:
    match = _NAME.fullmatch(path.name)
    if not match:
        raise FileRefused(
            path.name,
            "file name must be arbetslosa_primaromraden*.csv or befolkning_primaromraden*.csv",
        )
    return MEASURES[match.group(1).lower()]


def read_export(path: Path) -> tuple[pd.DataFrame, list[str]]:
    """The area column and the year columns as text, with `_row` the line in the file.

    PxWeb may put a title line above the header: the header is the first line whose first
    cell is `Område`."""
    try:
        text = decode(path.read_bytes())
    except OSError as e:
        raise FileRefused(path.name, f"cannot read the file: {e}") from e
    except UnicodeError as e:
        raise FileRefused(path.name, f"not readable as UTF-8 or Windows-1252 text: {e}") from e
    first = text.splitlines()[0] if text else ""
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    # Each record with the line it starts on: a quoted cell may span lines.
    starts, records = [], []
    for start, record in csv_records(text, delimiter):
        starts.append(start)
        records.append(record)
    header_at = next(
        (i for i, r in enumerate(records[:10]) if r and _norm(r[0]) == _norm(AREA_HEADER)), None
    )
    if header_at is None:
        raise FileRefused(path.name, f"missing columns: '{AREA_HEADER}'")
    header = [h.strip() for h in records[header_at]]
    years = [(i, h) for i, h in enumerate(header) if _YEAR.fullmatch(h)]
    if not years:
        raise FileRefused(path.name, "no year columns (a column per year: 2021, 2022, …)")
    rows, numbers = [], []
    for number, record in zip(starts[header_at + 1 :], records[header_at + 1 :], strict=True):
        if not any(cell.strip() for cell in record):
            continue
        cells = [record[i].strip() if i < len(record) else "" for i in range(len(header))]
        rows.append([cells[0], *(cells[i] for i, _ in years)])
        numbers.append(number)
    year_names = [y for _, y in years]
    frame = pd.DataFrame(rows, columns=["area_label", *year_names], dtype=object)
    frame["_row"] = numbers
    labels = {"area_label": AREA_HEADER, **{y: y for y in year_names}}
    return oversized_cells(frame, labels), year_names


def _values_json(v: RowValidator, frame: pd.DataFrame, years: list[str]) -> pd.Series:
    """The row's values as JSON year → number or null; a value that is neither a number ≥ 0
    nor a missing-value mark rejects the row."""
    json_text = pd.Series("{", index=frame.index, dtype=object)
    for n, year in enumerate(years):
        raw = frame[year]
        missing = raw.str.casefold().isin(_MISSING)
        # Thousands may be separated by a space or no-break space; decimals by a comma.
        number, problem = decimal_numbers(raw)
        v.reject_number(
            ~missing & (number.isna() | (number < 0)),
            raw,
            problem,
            f"'{year}' is not a number ≥ 0, '..' or 'Uppgift saknas'",
        )
        value = number.map(lambda x: "null" if pd.isna(x) else repr(float(x)))
        json_text = json_text + ("," if n else "") + f'"{year}":' + value.astype(object)
    return json_text + "}"


def parse(path: Path, ctx: LoadContext) -> ParsedFile:
    measure = measure_of(path)
    frame, years = read_export(path)
    known = reference.primaromraden()
    v = RowValidator(frame, SOURCE.name, path.name, labels={"area_label": AREA_HEADER})
    label = frame["area_label"]
    parts = label.str.extract(_AREA.pattern)
    code, name = parts[0], parts[1].fillna("")
    v.reject(label == "", "'Område' is empty")
    v.reject(
        code.isna() | ~code.isin(known.keys()),
        label.map(lambda x: f"'Område' is not a known primärområde of the geography: {x!r}"),
    )
    # A known code with another name: the export and the geography disagree on the area.
    seed_name = code.map(known)
    wrong_name = seed_name.notna() & (name != "")
    wrong_name &= name.map(_norm) != seed_name.fillna("").map(_norm)
    reasons = [
        f"'Område' {x!r}: primärområde {c} is {n!r} in the geography" if bad else None
        for x, c, n, bad in zip(label, code, seed_name, wrong_name, strict=True)
    ]
    v.reject(wrong_name, pd.Series(reasons, index=frame.index, dtype=object))
    # The same primärområde on two lines of one export: which line is right is unknown, so
    # every such line is rejected (the area is then missing, never counted twice).
    lines = frame["_row"].groupby(code).transform(lambda r: ", ".join(map(str, r)))
    repeated = code.notna() & code.duplicated(keep=False)
    reasons = [
        f"primärområde {c} stands on more than one line of the file (lines {n})" if bad else None
        for c, n, bad in zip(code, lines, repeated, strict=True)
    ]
    v.reject(repeated, pd.Series(reasons, index=frame.index, dtype=object))
    rows = pd.DataFrame(index=frame.index)
    rows["measure"] = measure
    rows["primaromrade"] = code
    rows["area_label"] = label
    rows["values_by_year"] = _values_json(v, frame, years)
    return v.result(rows)


SOURCE = Source(
    name="omradesstatistik",
    table="omradesstatistik__area_values",
    patterns=("*.csv",),
    parse=parse,
    columns=COLUMNS,
    seeds=("geography",),
)
