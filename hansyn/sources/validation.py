"""Row by row parsing of one delivery's text columns: each row kept or rejected with its first
reason, vectorised over the rows."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from .contract import REJECTED_COLUMNS, ParsedFile
from .personnummer import (
    CANDIDATE,
    canonical_personnummer,
    mask_personnummer_in_text,
    orgnr_digits,
    pseudonymise,
)
from .readers import READ_PROBLEM, is_missing

# The one reading of numbers in the deliveries (spec: CSV conventions). Thousands are grouped in
# threes by a space, a no-break space or a narrow no-break space (Excel in a Swedish locale),
# decimals follow a comma. A dot, or a comma before three digits in a whole number, is never
# guessed (`1,000` may be a thousand or one, `11.840` eleven thousand or eleven): the row is
# rejected with the reason. A whole number may end in a zero fraction of one or two digits
# (`4,0`, `1 000,00`: a number column formatted with decimals), which no thousands group is.
_SPACES = " \u00a0\u202f"
_GROUP = f"[{_SPACES}]"
_DIGITS = rf"(?:\d{{1,3}}(?:{_GROUP}\d{{3}})+|\d+)"
_WHOLE = rf"[-\u2212]?{_DIGITS}(?:,0{{1,2}})?"
_DECIMAL = rf"[-\u2212]?{_DIGITS}(?:,\d+)?"
_DOT_IN_WHOLE = "a dot is not read as a thousands or decimal separator: write 1000 or 1 000"
_DOT_IN_DECIMAL = (
    "a dot is not read: write decimals with a comma (1234,50) and thousands with a space (12 345)"
)


def whole_numbers(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Whole numbers from text (`1 000` → 1000), NaN where the text is none; and, for such
    text, the problem in words where it can be named (else None)."""
    ok = text.str.fullmatch(_WHOLE).fillna(False).astype(bool)
    number = _number(text.where(ok).str.replace(r",0+$", "", regex=True))
    return number, _problems(text, ok, _whole_problem)


def decimal_numbers(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers with a decimal comma from text (`12 345,50` → 12345.5), NaN where the text is
    none; and, for such text, the problem in words where it can be named (else None)."""
    ok = text.str.fullmatch(_DECIMAL).fillna(False).astype(bool)
    return _number(text.where(ok)), _problems(text, ok, _decimal_problem)


def _problems(text: pd.Series, ok: pd.Series, problem: Callable[[str], str | None]):
    """The problem of each text that is not a number, worked out for those rows only."""
    out = pd.Series([None] * len(text), index=text.index, dtype=object)
    bad = ~ok & text.notna()
    if bad.any():
        out[bad] = [problem(str(v)) for v in text[bad]]
    return out


def _number(text: pd.Series) -> pd.Series:
    plain = text.str.replace(_GROUP, "", regex=True).str.replace(",", ".", regex=False)
    return pd.to_numeric(plain.str.replace("\u2212", "-", regex=False), errors="coerce")


def _grouping_problem(value: str) -> str | None:
    if re.search(_GROUP, value) and re.fullmatch(rf"[-\u2212]?[\d{_SPACES}]+(,\d+)?", value):
        return "thousands are separated in groups of three digits"
    return None


def _whole_problem(value: str) -> str | None:
    if "." in value:
        return _DOT_IN_WHOLE
    if re.fullmatch(rf"[-\u2212]?{_DIGITS}(,\d{{3}})+", value):
        return "a comma is not read as a thousands separator: write 1000 or 1 000"
    if re.fullmatch(rf"[-\u2212]?{_DIGITS},\d+", value):
        return "it has decimals"
    return _grouping_problem(value)


def _decimal_problem(value: str) -> str | None:
    if "." in value:
        return _DOT_IN_DECIMAL
    return _grouping_problem(value)


def mask_cells(values: pd.Series) -> tuple[pd.Series, pd.Series | None]:
    """`values` with every personnummer in a cell as [personnummer], and which cells changed
    (None when none did). Each distinct value is looked at once: a column of months or amounts
    has few."""
    uniques = pd.Series(pd.unique(values.to_numpy(dtype=object)), dtype=object)
    candidates = uniques[
        uniques.map(lambda u: isinstance(u, str) and len(u) >= 10 and bool(CANDIDATE.search(u)))
    ]
    masked = {}
    for value in candidates:
        text, count = mask_personnummer_in_text(value)
        if count:
            masked[value] = text
    if not masked:
        return values, None
    hit = values.isin(list(masked))
    return values.where(~hit, values.map(masked)), hit


class RowValidator:
    """Parses the text columns of one file, remembering the first reason each row is rejected.

    Vectorised over the rows (a file may have millions): a reason that quotes a row's value is
    written only for the rows rejected, and a personnummer is validated once per distinct value."""

    def __init__(
        self,
        frame: pd.DataFrame,
        source: str,
        file_name: str,
        identifiers: Iterable[str] = (),
        delivered: pd.DataFrame | None = None,
        labels: dict[str, str] | None = None,
    ):
        """`delivered`: the file's text before a loader normalised it (what a rejected row
        keeps); `labels`: column → delivered header; `identifiers`: the columns of personal or
        organisation numbers, left unmasked (a column of personnummer is all hits: looking at
        each is time lost).

        Every cell, of `frame` and of `delivered`, is masked in place before anything reads it:
        a personnummer typed into any column (a title, a coded column, an id) is [personnummer]
        in the row, in a reason that quotes it and in a rejected row's values; a coded column
        then fails its list check like any unknown value. Only `personnummer` (which
        pseudonymises) and `orgnr` (a sole trader's number is one) read a column as delivered."""
        self.frame = frame
        self.source = source
        self.file_name = file_name
        self.reason = pd.Series([None] * len(frame), index=frame.index, dtype=object)
        self.out: dict[str, pd.Series] = {}
        self.labels = dict(labels or {})
        self.masked_rows: dict[str, pd.Series] = {}  # column → cells with a personnummer masked
        self._as_delivered: dict[str, pd.Series] = {}  # a masked column's cells before masking
        skip = {"_row", "_file", READ_PROBLEM, *identifiers}
        for table in (frame, delivered):
            for col in [c for c in (table.columns if table is not None else ()) if c not in skip]:
                original = table[col]
                table[col], hit = mask_cells(original)
                if hit is not None and table is frame:
                    self.masked_rows[col] = hit
                    self._as_delivered[col] = original
        if READ_PROBLEM in frame.columns:  # a row the reader could not pass on whole
            self.reject(frame[READ_PROBLEM].notna(), frame[READ_PROBLEM])

    def _number_column(self, col: str) -> pd.Series:
        """A column of personal or organisation numbers as delivered: its numbers are
        pseudonymised or tokenised, not masked (nor counted as masked)."""
        self.masked_rows.pop(col, None)
        return self._as_delivered.pop(col, self.frame[col])

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

    def reject_number(self, mask: pd.Series, raw: pd.Series, problem: pd.Series, what: str):
        """Reject the rows of `mask` with `what: 'value' (problem)`, built for those rows only
        (the problem as `whole_numbers` and `decimal_numbers` name it, when they can)."""
        mask = mask.fillna(False).astype(bool) & self.reason.isna()
        if mask.any():
            self.reason[mask] = [
                f"{what}: {v!r}" + (f" ({p})" if p else "")
                for v, p in zip(raw[mask], problem[mask], strict=True)
            ]

    def text(self, col: str, label: str, required: bool = False) -> pd.Series:
        self.labels.setdefault(col, label)
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
        self.labels.setdefault(col, label)
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
        self.labels.setdefault(col, label)
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
        self.labels.setdefault(col, label)
        raw = self.frame[col]
        empty = is_missing(raw)
        number, problem = whole_numbers(raw)
        self.reject_number(~empty & number.isna(), raw, problem, f"'{label}' is not a whole number")
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

    def amount(self, col: str, label: str, delivered: pd.Series | None = None) -> pd.Series:
        """Amounts with decimal comma and space/no-break-space thousands separators. A reason
        quotes `delivered` when given (the cell as delivered, before a loader's normalising)."""
        self.labels.setdefault(col, label)
        raw = self.frame[col]
        number, problem = decimal_numbers(raw)
        shown = raw if delivered is None else delivered
        self.reject_number(number.isna(), shown, problem, f"'{label}' is not an amount")
        self.out[col] = number
        return number

    def orgnr(self, col: str, label: str, required: bool = True) -> pd.Series:
        self.labels.setdefault(col, label)
        raw = self._number_column(col)
        empty = is_missing(raw)
        digits = orgnr_digits(raw)
        # An identifier column is not masked up front (a sole trader's number is one): the
        # reason quotes the value masked.
        self.reject_values(
            ~empty & digits.isna(),
            raw,
            lambda v: (
                f"'{label}' is not an organisationsnummer: {mask_personnummer_in_text(v)[0]!r}"
            ),
        )
        if required:
            self.reject(empty, f"'{label}' is empty")
        self.out[col] = digits.where(~empty, None)
        return self.out[col]

    def personnummer(self, col: str, label: str, key: bytes) -> pd.DataFrame:
        """Validate and pseudonymise; returns person_id, birth_year, sex. The number stays here."""
        raw = self._number_column(col)
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
        internal = ("_row", "_file", READ_PROBLEM, *redact)
        raw_cols = [c for c in self.frame.columns if c not in internal]
        raw_values = [
            json.dumps(
                {c: _masked(v) for c, v in zip(raw_cols, vals, strict=True)}, ensure_ascii=False
            )
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
            rows=good.reset_index(drop=True),
            rejected=rejected,
            rows_read=len(self.frame),
            masked_cells=self.masked_cells(),
        )

    def masked_cells(self, rows: pd.Series | None = None) -> dict[str, int]:
        """Cells masked per delivered header, in the rows of `rows` (a boolean mask) or all."""
        counts = {}
        for col, hit in self.masked_rows.items():
            n = int((hit if rows is None else hit & rows).sum())
            if n:
                counts[self.labels.get(col, col)] = n
        return counts


def _masked(value: object) -> object:
    """A rejected row's cell as it may be stored (an identifier column's too)."""
    return mask_personnummer_in_text(value)[0] if isinstance(value, str) else value
