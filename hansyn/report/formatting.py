"""Swedish number and date formatting for the report, and the reading of it back (privacy guard).

Decimal comma, no-break space between thousands, "−" (U+2212) for a minus sign, "46 %" for a
share, ".." for a hidden person count and "–" for any other missing value. The templates use
these functions as filters; `parse_swedish_number` sits beside them so that what the report
writes and what the guard reads cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable

from markupsafe import Markup

NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space: also accepted when reading a number back
MINUS = "−"
MISSING = "–"
# Every hidden person count, primary (1–4) or complementary (hidden so that a 1–4 cannot be
# worked out), shows the same way: marking the complementary ones would tell the reader they
# are ≥ 5, a bound the suppression does not protect against (women "<5", men "–" with 6
# persons gives women = 1). ".." is Statistics Sweden's sign for a value not given.
SUPPRESSED = ".."
# The class that marks a person count in the HTML; the privacy guard checks every such element.
PERSON_COUNT_CLASS = "pc"


def _group(digits: str) -> str:
    sign = MINUS if digits.startswith("-") else ""
    digits = digits.lstrip("-")
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return sign + NBSP.join(groups)


def fmt_int(value: float | int | None) -> str:
    """1234 → '1 234' (no-break space), None → '–'."""
    if value is None:
        return MISSING
    return _group(str(int(round(value))))


def fmt_decimal(value: float | None, decimals: int = 1) -> str:
    """Swedish decimal comma: 3.456 → '3,5'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    text = f"{value:.{decimals}f}"
    whole, _, frac = text.partition(".")
    return _group(whole) + ("," + frac if frac else "")


def fmt_share(value: float | None, decimals: int = 0) -> str:
    """A fraction 0–1 as a percentage: 0.456 → '46 %'."""
    if value is None:
        return MISSING
    return fmt_decimal(value * 100, decimals) + NBSP + "%"


def fmt_sek(value: float | None) -> str:
    return MISSING if value is None else fmt_int(value) + NBSP + "kr"


def fmt_sek_short(value: float | None) -> str:
    """For chart labels: 2 093 196 → '2,1 mnkr', 712 746 → '713 tkr'."""
    if value is None:
        return MISSING
    if abs(value) >= 1_000_000:
        return fmt_decimal(value / 1_000_000, 1) + NBSP + "mnkr"
    if abs(value) >= 10_000:
        return fmt_int(value / 1000) + NBSP + "tkr"
    return fmt_int(value) + NBSP + "kr"


def fmt_signed(value: float | None, fmt: Callable[[float], str]) -> str:
    """'+' before a positive value (a change); the minus comes from the number itself."""
    if value is None:
        return MISSING
    return ("+" if value > 0 else "") + fmt(value)


def fmt_signed_decimal(value: float | None, decimals: int = 1) -> str:
    return fmt_signed(value, lambda v: fmt_decimal(v, decimals))


def fmt_interval(
    low: float | None, high: float | None, fmt: Callable[[float | None], str] = fmt_int
) -> str:
    """An interval as '−11 000 till −5 000' (a dash between negative numbers reads as a minus);
    '–' when either bound is missing."""
    if low is None or high is None:
        return MISSING
    return f"{fmt(low)} till {fmt(high)}"


def fmt_count(value: int | None) -> str:
    """A person count as text: hidden (NULL) shows as '..', whatever hid it."""
    return SUPPRESSED if value is None else fmt_int(value)


def persons(value: int | None) -> Markup:
    """A person count, marked for the privacy guard."""
    return Markup('<span class="{}">{}</span>').format(PERSON_COUNT_CLASS, fmt_count(value))


def fmt_ts(value: object) -> str:
    """A time stamp to the minute: 2025-03-01 06:00."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value) if value is not None else MISSING


def at_least(total: float | None, any_suppressed: bool) -> str:
    """A sum over published cells. With suppressed cells it is only a floor ("minst N"); when
    nothing but suppressed cells is left, the sum is unknown (several cells of 1–4 can make
    more than 4), so it shows as "–", never as a small number."""
    if any_suppressed and not total:
        return MISSING
    return ("minst " if any_suppressed else "") + fmt_int(total)


MONTHS = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def fmt_part_year(year: int, first_month: int, last_month: int) -> str:
    """A year its data do not cover to 31 December, named as the part it is: 'jan–mar 2026,
    delår'."""
    months = MONTHS[first_month - 1]
    if last_month != first_month:
        months += f"–{MONTHS[last_month - 1]}"
    return f"{months} {year}, delår"


def label(text: str) -> str:
    """First letter upper case: 'försörjningsstöd' → 'Försörjningsstöd'."""
    return text[:1].upper() + text[1:] if text else text


def short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


# Soft hyphens in long compound words, so that narrow tables (print, laptops) wrap headers.
_SOFT_HYPHENS = {
    "Sysselsättningskrav": "Sysselsättnings\u00adkrav",
    "sysselsättningskrav": "sysselsättnings\u00adkrav",
    "Tjänsteupphandlingar": "Tjänste\u00adupphandlingar",
    "bruttolistan": "brutto\u00adlistan",
    "Förändring": "För\u00adändring",
    "Konfidensintervall": "Konfidens\u00adintervall",
    "Jämförelsegruppen": "Jämförelse\u00adgruppen",
}


def hyphenate(text: str) -> str:
    for word, hyphenated in _SOFT_HYPHENS.items():
        text = text.replace(word, hyphenated)
    return text


def parse_swedish_number(text: str) -> float | None:
    """What the functions above write, read back: '1 234,5' → 1234.5, 'minst 12' → 12,
    '46 %' → 46; anything else ('–', '..', '<5', empty) → None."""
    cleaned = re.sub(r"^minst", "", text.strip())  # "minst 12": a floor, still a count
    cleaned = re.sub(rf"[\s{NBSP}{NNBSP}]", "", cleaned).replace(MINUS, "-").replace(",", ".")
    cleaned = re.sub(r"(kr|%|st)$", "", cleaned)
    try:
        return float(cleaned)
    except ValueError:
        return None


# The names the templates know them by: {{ value | share(1) }}, {{ count | persons }}.
FILTERS = {
    "number": fmt_int,
    "decimal": fmt_decimal,
    "share": fmt_share,
    "sek": fmt_sek,
    "sek_short": fmt_sek_short,
    "signed": fmt_signed_decimal,
    "signed_int": lambda v: fmt_signed(v, fmt_int),
    "count": fmt_count,
    "interval": fmt_interval,
    "persons": persons,
    "timestamp": fmt_ts,
    "label": label,
    "hyphenate": hyphenate,
}

__all__ = [
    "FILTERS",
    "MISSING",
    "NBSP",
    "PERSON_COUNT_CLASS",
    "SUPPRESSED",
    "at_least",
    "fmt_count",
    "fmt_decimal",
    "fmt_int",
    "fmt_interval",
    "fmt_sek",
    "fmt_sek_short",
    "fmt_share",
    "fmt_signed",
    "fmt_ts",
    "label",
    "parse_swedish_number",
    "persons",
]
