"""What every loader shares: reading Swedish CSV and xlsx deliveries, parsing their values, and
splitting a file into good rows and rejected rows with reasons."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import hmac
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from stdnum import luhn
from stdnum.exceptions import InvalidChecksum
from stdnum.se import personnummer as stdnum_personnummer

REJECTED_COLUMNS = ["source", "file_name", "row_number", "reason", "raw_values"]


class FileRefused(Exception):
    """The whole file does not fit its contract and is left out."""

    def __init__(self, file_name: str, reason: str):
        super().__init__(f"{file_name}: {reason}")
        self.file_name = file_name
        self.reason = reason


@dataclass
class LoadContext:
    """What a loader needs besides the file: the pseudonymisation key."""

    pseudonym_key: bytes


@dataclass
class ParsedFile:
    """A loaded file: rows that fit the contract, and the rejected ones with their reasons."""

    rows: pd.DataFrame
    rejected: pd.DataFrame
    rows_read: int


@dataclass(frozen=True)
class Source:
    """One folder of `data/raw/`: its files, its warehouse table and how to parse a file.

    `parse_many`, when a loader has it, parses several files in one go (their rows validated
    together, then split by file): a source of many small files, such as the suppliers'
    quarterly reports, then pays pandas' fixed cost per operation once, not once per file."""

    name: str
    table: str
    patterns: tuple[str, ...]
    parse: Callable[[Path, LoadContext], ParsedFile]
    columns: dict[str, str] = field(default_factory=dict)  # output column -> duckdb type
    parse_many: Callable[[list[Path], LoadContext], dict[str, ParsedFile | FileRefused]] | None = (
        None
    )

    def files(self, raw_dir: Path) -> list[Path]:
        folder = raw_dir / self.name
        if not folder.is_dir():
            return []
        found = {p for pattern in self.patterns for p in folder.glob(pattern) if p.is_file()}
        # Newest file = last in file-name order (spec): keep that order everywhere.
        return sorted(found, key=lambda p: p.name)


# --- reading ---------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, which older systems send."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


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
        text = decode(path.read_bytes())
    except OSError as e:
        raise FileRefused(path.name, f"cannot read the file: {e}") from e
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise FileRefused(path.name, "the file is empty or has no header row")
    # The contract says `;`; copies made by others may use `,`.
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    header = next(csv.reader([first_line], delimiter=delimiter))
    mapping = _match_columns(path.name, header, required, optional)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            header=0,
            usecols=sorted(mapping),
            skip_blank_lines=True,
            engine="c",
        )
    except (pd.errors.ParserError, ValueError) as e:
        raise FileRefused(path.name, f"not a readable CSV: {e}") from e
    frame.columns = [mapping[i] for i in sorted(mapping)]
    frame = frame.astype(object)
    # Line numbers as a person opening the file sees them (header is line 1). Blank lines are
    # skipped by the parser, so recover real numbers from the text when there are any.
    lines = text.splitlines()
    if any(not ln.strip() for ln in lines[1:]) and not any('"' in ln for ln in lines):
        numbers = [i + 1 for i, ln in enumerate(lines) if i > 0 and ln.strip()]
        frame["_row"] = numbers[: len(frame)]
    else:
        frame["_row"] = np.arange(2, len(frame) + 2)
    return _strip(frame)


def _cell_text(value: object) -> str:
    if type(value) is str:  # most cells: no conversion
        return value
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(
    path: Path,
    required: dict[str, str],
    optional: dict[str, str] | None = None,
    sheet: str | None = None,
) -> pd.DataFrame:
    """A delivered workbook (header in row 1) as text columns, plus `_row` (the sheet row)."""
    import openpyxl

    optional = optional or {}
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a file that is not a workbook
        raise FileRefused(path.name, f"not a readable xlsx workbook: {e}") from e
    try:
        if sheet is None:
            ws = workbook[workbook.sheetnames[0]]
        elif sheet in workbook.sheetnames:
            ws = workbook[sheet]
        else:
            raise FileRefused(
                path.name, f"no sheet {sheet!r} (sheets: {', '.join(workbook.sheetnames)})"
            )
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise FileRefused(path.name, "the sheet is empty")
        mapping = _match_columns(path.name, [_cell_text(h) for h in header], required, optional)
        cols = sorted(mapping)
        records = []
        numbers = []
        for number, row in enumerate(rows, start=2):
            values = [_cell_text(row[i]) if i < len(row) else "" for i in cols]
            if any(v.strip() for v in values):
                records.append(values)
                numbers.append(number)
    finally:
        workbook.close()
    frame = pd.DataFrame(records, columns=[mapping[i] for i in cols], dtype=object)
    frame["_row"] = numbers
    return _strip(frame)


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


# --- values ------------------------------------------------------------------------------------

_MISSING = {"", "uppgift saknas", ".."}


def is_missing(series: pd.Series) -> pd.Series:
    return series.str.casefold().isin(_MISSING)


@functools.lru_cache(maxsize=1 << 20)
def pseudonymise(canonical_personnummer: str, key: bytes) -> str:
    """The keyed hash that stands for a person in the warehouse (same person, same pseudonym);
    remembered for the process like canonical_personnummer."""
    return hmac.new(key, canonical_personnummer.encode("ascii"), hashlib.sha256).hexdigest()


_FORM = re.compile(r"\d{6}[-+]?\d{4}|\d{8}-?\d{4}")
_NOT_A_FORM = "not a personnummer form (YYYYMMDD-NNNN, YYMMDD-NNNN, YYMMDD+NNNN, …)"


def canonical_personnummer(value: str) -> tuple[str, dt.date, str]:
    """(YYYYMMDDNNNN, birth date, sex 'F'/'M') of any accepted form; ValueError when invalid.

    python-stdnum resolves the century of 10-digit forms (`+` = 100 years or older), checks the
    date and the Luhn digit. It does not know samordningsnummer (day + 60), so their date is
    checked with the day moved back and their Luhn digit on the number as written.

    Remembered per value for the process: a person stands in many deliveries (every quarterly
    report, every benefit month), and stdnum's checks are the costliest step of a load."""
    raw = value.strip()
    if not _FORM.fullmatch(raw):
        raise ValueError(_NOT_A_FORM)
    # YYYYMMDD-NNNN and YYYYMMDDNNNN (and YYMMDD-NNNN and YYMMDDNNNN) are the same number to
    # stdnum: check each once.
    result = _canonical_or_reason(raw.replace("-", ""))
    if isinstance(result, str):
        raise ValueError(result)
    return result


@functools.lru_cache(maxsize=1 << 20)
def _canonical_or_reason(value: str) -> tuple[str, dt.date, str] | str:
    try:
        return _canonical(value)
    except ValueError as e:
        return str(e)


def _canonical(value: str) -> tuple[str, dt.date, str]:
    raw = value.strip()
    if not _FORM.fullmatch(raw):
        raise ValueError(_NOT_A_FORM)
    number = stdnum_personnummer.compact(raw)  # 'YYMMDD-NNNN' or 'YYYYMMDD-NNNN'
    day = int(number[-7:-5])
    probe = f"{number[:-7]}{day - 60:02d}{number[-5:]}" if day > 60 else number
    try:
        birth = stdnum_personnummer.get_birth_date(probe)
        luhn.validate(re.sub(r"\D", "", number)[-10:])
    except Exception as e:  # stdnum's ValidationError subclasses
        reason = "check digit fails" if isinstance(e, InvalidChecksum) else "no such date"
        raise ValueError(reason) from e
    sex = stdnum_personnummer.get_gender(number)
    digits = re.sub(r"\D", "", number)
    if len(digits) == 10:
        digits = f"{birth.year // 100:02d}{digits}"
    return digits, birth, sex


def orgnr_digits(series: pd.Series) -> pd.Series:
    """Organisationsnummer as 10 digits ('NNNNNN-NNNN', 10 digits, or 16-prefixed 12 digits)."""
    digits = series.str.replace(r"\D", "", regex=True)
    digits = digits.where(~((digits.str.len() == 12) & digits.str.startswith("16")), digits.str[2:])
    return digits.astype(object).where(digits.str.len() == 10, None)


class RowValidator:
    """Parses the text columns of one file, remembering the first reason each row is rejected.

    Vectorised over the rows (a file may have millions): a reason that quotes a row's value is
    written only for the rows rejected, and a personnummer is validated once per distinct value."""

    def __init__(self, frame: pd.DataFrame, source: str, file_name: str):
        self.frame = frame
        self.source = source
        self.file_name = file_name
        self.reason = pd.Series([None] * len(frame), index=frame.index, dtype=object)
        self.out: dict[str, pd.Series] = {}

    def reject(self, mask: pd.Series, reason: str | pd.Series) -> None:
        mask = mask.fillna(False).astype(bool) & self.reason.isna()
        if not mask.any():
            return
        if isinstance(reason, pd.Series):
            self.reason[mask] = reason[mask]
        else:
            self.reason[mask] = reason

    def reject_values(self, mask: pd.Series, values: pd.Series, reason: Callable[[object], str]):
        """Reject the rows of `mask` with `reason(value)`, built only for those rows."""
        mask = mask.fillna(False).astype(bool) & self.reason.isna()
        if mask.any():
            self.reason[mask] = values[mask].map(reason)

    def text(self, col: str, label: str, required: bool = False) -> pd.Series:
        values = self.frame[col].where(~is_missing(self.frame[col]), None)
        if required:
            self.reject(values.isna(), f"'{label}' is empty")
        self.out[col] = values
        return values

    def choice(self, col: str, label: str, allowed: Iterable[str], required: bool = True):
        allowed = list(allowed)
        by_fold = {a.casefold(): a for a in allowed}
        values = self.text(col, label, required=required)
        mapped = values.str.casefold().map(by_fold)
        if mapped.isna().all():
            mapped = pd.Series([None] * len(values), index=values.index, dtype=object)
        bad = values.notna() & mapped.isna()
        names = ", ".join(allowed)
        self.reject_values(
            bad, values, lambda v: f"'{label}' has unknown value {v!r} (allowed: {names})"
        )
        self.out[col] = mapped
        return mapped

    def date(self, col: str, label: str, required: bool = True) -> pd.Series:
        raw = self.frame[col]
        empty = is_missing(raw)
        text = raw.str.slice(0, 10)
        parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        ok_form = raw.str.fullmatch(r"\d{4}-\d{2}-\d{2}([ T]00:00(:00)?)?")
        parsed = parsed.where(ok_form & ~empty)
        self.reject_values(~empty & parsed.isna(), raw, lambda v: f"'{label}' is not a date: {v!r}")
        if required:
            self.reject(empty, f"'{label}' is empty")
        values = parsed.dt.date.astype(object).where(parsed.notna(), None)
        self.out[col] = values
        return values

    def month(self, col: str, label: str) -> pd.Series:
        """`YYYY-MM` or `YYYYMM` → first day of the month."""
        raw = self.frame[col]
        norm = raw.str.replace(r"^(\d{4})-?(\d{2})$", r"\1-\2-01", regex=True)
        parsed = pd.to_datetime(norm, format="%Y-%m-%d", errors="coerce")
        self.reject_values(parsed.isna(), raw, lambda v: f"'{label}' is not a month: {v!r}")
        values = parsed.dt.date.astype(object).where(parsed.notna(), None)
        self.out[col] = values
        return values

    def integer(
        self,
        col: str,
        label: str,
        low: int | None = None,
        high: int | None = None,
        required: bool = True,
    ) -> pd.Series:
        raw = self.frame[col]
        empty = is_missing(raw)
        cleaned = raw.str.replace(r"[\s\u00a0]", "", regex=True).str.replace(
            r"[,.]0+$", "", regex=True
        )
        number = pd.to_numeric(cleaned.where(cleaned.str.fullmatch(r"-?\d+")), errors="coerce")
        self.reject_values(
            ~empty & number.isna(), raw, lambda v: f"'{label}' is not a whole number: {v!r}"
        )
        if required:
            self.reject(empty, f"'{label}' is empty")
        if low is not None or high is not None:
            lo = -np.inf if low is None else low
            hi = np.inf if high is None else high
            out_of_range = number.notna() & ((number < lo) | (number > hi))
            bounds = f"{'' if low is None else low}–{'' if high is None else high}"
            self.reject_values(out_of_range, raw, lambda v: f"'{label}' is outside {bounds}: {v!r}")
        values = number.astype("Int64")
        self.out[col] = values
        return values

    def amount(self, col: str, label: str) -> pd.Series:
        """Amounts with decimal comma and space/no-break-space thousands separators."""
        raw = self.frame[col]
        cleaned = raw.str.replace(r"[\s\u00a0\u202f]", "", regex=True).str.replace(
            ",", ".", regex=False
        )
        ok = cleaned.str.fullmatch(r"[-−]?\d+(\.\d+)?")
        number = pd.to_numeric(cleaned.str.replace("−", "-").where(ok), errors="coerce")
        self.reject_values(number.isna(), raw, lambda v: f"'{label}' is not an amount: {v!r}")
        self.out[col] = number
        return number

    def orgnr(self, col: str, label: str, required: bool = True) -> pd.Series:
        raw = self.frame[col]
        empty = is_missing(raw)
        digits = orgnr_digits(raw)
        self.reject_values(
            ~empty & digits.isna(), raw, lambda v: f"'{label}' is not an organisationsnummer: {v!r}"
        )
        if required:
            self.reject(empty, f"'{label}' is empty")
        self.out[col] = digits.where(~empty, None)
        return self.out[col]

    def personnummer(self, col: str, label: str, key: bytes) -> pd.DataFrame:
        """Validate and pseudonymise; returns person_id, birth_year, sex. The number stays here."""
        raw = self.frame[col]
        # Each distinct value once; then every row takes its value's result by position.
        codes, uniques = pd.factorize(raw, use_na_sentinel=False)
        n = len(uniques)
        person_ids = np.full(n, None, dtype=object)
        years = np.full(n, None, dtype=object)
        sexes = np.full(n, None, dtype=object)
        errors = np.full(n, None, dtype=object)
        for i, value in enumerate(uniques):
            try:
                digits, birth, sex = canonical_personnummer(value)
                person_ids[i], years[i], sexes[i] = pseudonymise(digits, key), birth.year, sex
            except ValueError as e:
                errors[i] = f"'{label}' is not a valid personnummer: {e}"
        error = pd.Series(errors[codes], index=raw.index, dtype=object)
        self.reject(error.notna(), error)
        by_row = {"person_id": person_ids, "birth_year": years, "sex": sexes}
        frame = pd.DataFrame({k: pd.Series(v[codes], index=raw.index) for k, v in by_row.items()})
        frame["birth_year"] = frame["birth_year"].astype("Int64")
        return frame

    def result(self, rows: pd.DataFrame, redact: Iterable[str] = ()) -> ParsedFile:
        """Split into good rows (with `_file`, `_row`) and rejected rows.

        `redact` names raw columns that hold personal numbers: they are not kept in the
        rejected rows, so a personnummer never enters the warehouse, not even a bad one."""
        bad = self.reason.notna()
        good = rows.loc[~bad].copy()
        # Several files validated together carry each row's file in `_file` (parse_many).
        by_row = "_file" in self.frame.columns
        good["_file"] = self.frame.loc[~bad, "_file"] if by_row else self.file_name
        good["_row"] = self.frame.loc[~bad, "_row"].astype("int64")
        redact = set(redact)
        raw_cols = [c for c in self.frame.columns if c not in ("_row", "_file", *redact)]
        raw_values = [
            json.dumps(dict(zip(raw_cols, vals, strict=True)), ensure_ascii=False)
            for vals in self.frame.loc[bad, raw_cols].itertuples(index=False, name=None)
        ]
        rejected = pd.DataFrame(
            {
                "source": self.source,
                "file_name": self.frame.loc[bad, "_file"].astype(str).array
                if by_row
                else self.file_name,
                "row_number": self.frame.loc[bad, "_row"].astype("int64").to_numpy(),
                "reason": self.reason[bad].to_numpy(),
                "raw_values": raw_values,
            },
            columns=REJECTED_COLUMNS,
        )
        return ParsedFile(
            rows=good.reset_index(drop=True), rejected=rejected, rows_read=len(self.frame)
        )


def empty_rejected() -> pd.DataFrame:
    return pd.DataFrame(columns=REJECTED_COLUMNS)


def split_by_file(parsed: ParsedFile, files: pd.Series, names: list[str]) -> dict[str, ParsedFile]:
    """Several files parsed together (their rows' files in `files`) as one ParsedFile each."""
    rows = dict(tuple(parsed.rows.groupby("_file", sort=False)))
    rejected = dict(tuple(parsed.rejected.groupby("file_name", sort=False)))
    read = files.value_counts()
    return {
        name: ParsedFile(
            rows=rows.get(name, parsed.rows.iloc[0:0]).reset_index(drop=True),
            rejected=rejected.get(name, parsed.rejected.iloc[0:0]).reset_index(drop=True),
            rows_read=int(read.get(name, 0)),
        )
        for name in names
    }
