"""Personnummer and organisationsnummer: validated with python-stdnum, and the keyed hash that
stands for a person in the warehouse (the number itself never enters it)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
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


# Free text (a title, a supplier's name, a diarienummer) that carries a personnummer: the
# forms of sources.md standing alone (not inside a longer code, nor an amount's whole part),
# whose date exists, check digit or not (a mistyped personnummer is still one). A sole
# trader's organisationsnummer (is_sole_trader) is one too. The publication's privacy guard
# looks for the same.
PERSONNUMMER_MASK = "[personnummer]"
_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])(?<!\d[.,])(?:\d{8}-?\d{4}|\d{6}[-+]?\d{4})(?![0-9A-Za-z])(?![.,]\d)"
)


def _looks_like_personnummer(form: str) -> bool:
    digits = re.sub(r"\D", "", form)
    if len(digits) == 12 and digits[:2] not in {"18", "19", "20"}:
        return False
    if not is_sole_trader(digits[-10:]):  # the month digits 01–12, as for an orgnr
        return False
    month, day = int(digits[-8:-6]), int(digits[-6:-4])
    try:
        dt.date(2000, month, day - 60 if day > 60 else day)  # 2000: 29 February exists
    except ValueError:
        return False
    return True


def mask_personnummer_in_text(text: str) -> tuple[str, int]:
    """`text` with every personnummer in it as [personnummer], and how many there were."""
    count = 0

    def mask(match: re.Match) -> str:
        nonlocal count
        if not _looks_like_personnummer(match.group()):
            return match.group()
        count += 1
        return PERSONNUMMER_MASK

    return _IN_TEXT.sub(mask, text), count


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


# Sole traders: an organisationsnummer that is the owner's personnummer (month digits 01–12).
# It never enters the warehouse: a supplier column and a file name carry a keyed token instead,
# X and nine hex digits, the same for the same number wherever it stands (so a report's file
# name still says whose it is), and published as XXXXXXXXXX.
SOLE_TRADER_TOKEN = re.compile(r"(?<![0-9A-Za-z])X[0-9a-f]{9}(?![0-9A-Za-z])")
PUBLISHED_MASK = "XXXXXXXXXX"
# A personnummer form standing alone in a text (a file name, a rejected row's values).
_NUMBER_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{2})?(\d{6})[-+]?(\d{4})(?![0-9A-Za-z])")


def is_sole_trader(org_number: str) -> bool:
    """A 10-digit organisationsnummer whose month digits are 01–12 is a personnummer."""
    return len(org_number) == 10 and org_number.isdigit() and "01" <= org_number[2:4] <= "12"


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
    """Every personnummer form in `text` whose month digits are 01–12 as its token: a sole
    trader's report `rapport_<number>_2025-Q1.xlsx` becomes `rapport_X…_2025-Q1.xlsx`."""

    def token(match: re.Match) -> str:
        ten = match.group(2) + match.group(3)
        return sole_trader_token(ten, key) if is_sole_trader(ten) else match.group()

    return _NUMBER_IN_TEXT.sub(token, text) if isinstance(text, str) else text


def published_text(text: str) -> str:
    """A file name or message as it may leave the warehouse: tokens as XXXXXXXXXX."""
    return SOLE_TRADER_TOKEN.sub(PUBLISHED_MASK, text) if isinstance(text, str) else text
