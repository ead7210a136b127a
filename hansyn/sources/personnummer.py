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
