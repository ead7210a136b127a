"""Personnummer and organisationsnummer: validated with python-stdnum, and the keyed hash that
stands for a person in the warehouse (the number itself never enters it)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import logging
import re

import pandas as pd
from stdnum import luhn
from stdnum.exceptions import InvalidChecksum
from stdnum.se import personnummer as stdnum_personnummer


@functools.lru_cache(maxsize=1 << 20)
def pseudonymise(canonical_personnummer: str, key: bytes) -> str:
    """The keyed hash that stands for a person in the warehouse (same person, same pseudonym);
    remembered for the process like canonical_personnummer."""
    return hmac.new(key, canonical_personnummer.encode("ascii"), hashlib.sha256).hexdigest()


# A personnummer wherever it is written in a text (a cell, a file name, a reason, a message):
# 10 or 12 digits with at most one separator before the last four, not inside a longer run of
# digits nor the whole part of a decimal number (1109151234,50 kronor is no one's number), its
# date real (a samordningsnummer's day + 60, a 12-digit form born 18xx–20xx, never in the
# future). Letters may touch it (`pnr191212121212`, `Anna121212-1212`). A mistyped number in
# its written form (hyphen, plus or none, standing alone) is still one, check digit or not; one
# glued to letters or split by a space must pass the Luhn check too, so that a code such as
# UPH-198001011234X or a date and time 20240101 1200 is left alone. A run of 32 or more hex
# digits is a hash (a pseudonym, a file's SHA-256), never a person. The loaders' masking, the
# file names and messages, and the publication's privacy guard all use this one rule.
PERSONNUMMER_MASK = "[personnummer]"
# Hyphen and its look-alikes (the register's dash normaliser writes an en dash), plus, and the
# spaces a spreadsheet or a word processor puts in.
SEPARATORS = "-+\u2010\u2011\u2012\u2013\u2014\u2212 \u00a0\u202f"
_SPACES = " \u00a0\u202f"
CANDIDATE = re.compile(
    rf"(?<!\d)(?<!\d[.,])(\d{{6}}(?:\d{{2}})?)([{SEPARATORS}]?)(\d{{4}})(?!\d)(?![.,]\d)"
)
# The candidates for DuckDB's regexp_matches (RE2 has no look-around), checked in Python.
CANDIDATE_SQL = rf"\d{{6}}[{SEPARATORS}]?\d{{4}}"
_HEX = frozenset("0123456789abcdefABCDEF")
_HASH_LENGTH = 32


@functools.lru_cache(maxsize=1 << 16)
def _dated(digits: str, plus: bool) -> bool:
    """The date part is a real birth date (stdnum resolves a 10-digit form's century)."""
    if len(digits) == 12 and digits[:2] not in {"18", "19", "20"}:
        return False
    day = int(digits[-6:-4])
    probe = f"{digits[:-6]}{day - 60 if day > 60 else day:02d}{'+' if plus else '-'}{digits[-4:]}"
    try:
        born = stdnum_personnummer.get_birth_date(probe)
    except Exception:  # stdnum's InvalidComponent, or a day 00
        return False
    return born <= dt.date.today()


def _in_hash(text: str, start: int, end: int) -> bool:
    while start > 0 and text[start - 1] in _HEX:
        start -= 1
    while end < len(text) and text[end] in _HEX:
        end += 1
    return end - start >= _HASH_LENGTH


def _is_personnummer(text: str, match: re.Match) -> bool:
    date_part, separator, serial = match.groups()
    digits = date_part + serial
    if not _dated(digits, separator == "+"):
        return False
    start, end = match.span()
    glued = (start > 0 and text[start - 1].isalpha()) or (end < len(text) and text[end].isalpha())
    if not separator and glued and _in_hash(text, start, end):
        return False
    if glued or (separator and separator in _SPACES):
        return luhn.is_valid(digits[-10:])
    return True


def personnummer_in_text(text: str) -> list[re.Match]:
    """Every personnummer written in `text` (the rule above), as matches."""
    if not isinstance(text, str) or not any(c.isdigit() for c in text):
        return []
    return [m for m in CANDIDATE.finditer(text) if _is_personnummer(text, m)]


def find_personnummer(text: str) -> list[str]:
    """The personnummer written in `text`, as written."""
    return [m.group() for m in personnummer_in_text(text)]


def _replace(text: str, replacement) -> tuple[str, int]:
    found = personnummer_in_text(text)
    if not found:
        return text, 0
    parts, at = [], 0
    for match in found:
        parts += [text[at : match.start()], replacement(match)]
        at = match.end()
    return "".join(parts) + text[at:], len(found)


def mask_personnummer_in_text(text: str) -> tuple[str, int]:
    """`text` with every personnummer in it as [personnummer], and how many there were."""
    return _replace(text, lambda _: PERSONNUMMER_MASK)


class MaskPersonnummer(logging.Filter):
    """A log record with every personnummer in its message and traceback masked: what the
    hansyn loggers say reaches the console, Dagster's captured logs and the run's event log."""

    def filter(self, record: logging.LogRecord) -> bool:
        masked, count = mask_personnummer_in_text(record.getMessage())
        if count:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        for name in ("exc_text", "stack_info"):
            text = getattr(record, name, None)
            if text:
                setattr(record, name, mask_personnummer_in_text(text)[0])
        return True


_LOG_FILTER = MaskPersonnummer()


def masked_logger(name: str) -> logging.Logger:
    """The logger `name` (one of hansyn's), saying no personnummer."""
    logger = logging.getLogger(name)
    if _LOG_FILTER not in logger.filters:
        logger.addFilter(_LOG_FILTER)
    return logger


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


# Sole traders: an organisationsnummer that is the owner's personnummer (a birth date first).
# It never enters the warehouse: a supplier column and a file name carry a keyed token instead,
# X and nine hex digits, the same for the same number wherever it stands (so a report's file
# name still says whose it is), and published as XXXXXXXXXX.
# A token may follow letters (`pnrX…` for `pnr191212121212` in a file name).
SOLE_TRADER_TOKEN = re.compile(r"(?<![0-9])X[0-9a-f]{9}(?![0-9a-f])")
PUBLISHED_MASK = "XXXXXXXXXX"


def is_sole_trader(org_number: str) -> bool:
    """A 10-digit organisationsnummer whose first six digits are a birth date is a personnummer
    (a company's month digits are 20 or more)."""
    return (
        isinstance(org_number, str)
        and len(org_number) == 10
        and org_number.isdigit()
        and _dated(org_number, False)
    )


@functools.lru_cache(maxsize=1 << 16)
def sole_trader_token(org_number: str, key: bytes) -> str:
    digest = hmac.new(key, b"sole-trader|" + org_number.encode("ascii"), hashlib.sha256)
    return "X" + digest.hexdigest()[:9]


def mask_sole_traders(org_numbers: pd.Series, key: bytes) -> pd.Series:
    """10-digit organisationsnummer (orgnr_digits) with each sole trader's number as its token."""
    return org_numbers.map(
        lambda n: sole_trader_token(n, key) if isinstance(n, str) and is_sole_trader(n) else n
    )


def mask_numbers_in_text(text: str, key: bytes) -> str:
    """Every personnummer in `text` as the token of its ten digits: a sole trader's report
    `rapport_<number>_2025-Q1.xlsx` becomes `rapport_X…_2025-Q1.xlsx`, the same token its
    supplier column holds; anyone else's number is hidden the same way."""
    if not isinstance(text, str):
        return text

    def token(match: re.Match) -> str:
        return sole_trader_token((match.group(1) + match.group(3))[-10:], key)

    return _replace(text, token)[0]


def published_text(text: str) -> str:
    """A file name or message as it may leave the warehouse: tokens, and any personnummer that
    got this far, as XXXXXXXXXX."""
    if not isinstance(text, str):
        return text
    return SOLE_TRADER_TOKEN.sub(PUBLISHED_MASK, _replace(text, lambda _: PUBLISHED_MASK)[0])
