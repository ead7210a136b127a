"""The next month of deliveries on top of an existing raw folder: what the nightly job meets on
the night after a month closes (the benchmark's incremental refresh).

A month brings, in the formats of sources.md:
- each benefit payer's extract for its next month (the month after the newest month it has
  delivered), one file per payer: `forsorjningsstod_YYYY-MM.csv`,
  `arbetsloshetsersattning_YYYYMM-YYYYMM.csv`, `aktivitetsersattning_YYYY-MM_YYYY-MM.csv`.
  Who is paid follows the payer's newest month: most recipients go on, at about the same
  amount, a few stop, a few corrections come as their own rows;
- one supplier's quarterly report (suppliers report in different months): the supplier whose
  newest report is the oldest reports its next quarter, every ongoing placement (no Slutdatum)
  again.

The target-group register (a full snapshot a few times a year), the contract register, the
survey and the area statistics do not come monthly and are left as they are. Deterministic for a
seed and a raw folder; running it again adds the month after."""

from __future__ import annotations

import csv
import datetime as dt
import random
import re
from collections import defaultdict
from pathlib import Path

from ..sources.readers import decode
from .formats import decimal_comma, write_csv, write_xlsx

# (file-name prefix, header, month format, amount format) of each payer's extract.
PAYERS = {
    "forsorjningsstod_": (["Personnummer", "Utbetalningsmånad", "Belopp"], "%Y-%m", "comma"),
    "arbetsloshetsersattning_": (["Personnummer", "Period", "Utbetalt belopp"], "%Y%m", "plain"),
    "aktivitetsersattning_": (["Personnummer", "Månad", "Belopp kr"], "%Y-%m", "whole"),
}
_MONTH = re.compile(r"^(\d{4})-?(\d{2})$")
_REPORT = re.compile(r"rapport_(\d{10})_(\d{4})-Q([1-4])(_rattad)?\.xlsx")


def _add_month(d: dt.date) -> dt.date:
    return dt.date(d.year + d.month // 12, d.month % 12 + 1, 1)


def _read_rows(path: Path) -> list[list[str]]:
    text = decode(path.read_bytes())
    return list(csv.reader(text.splitlines()[1:], delimiter=";"))


def _month(text: str) -> dt.date | None:
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def _amount(text: str) -> float | None:
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text).replace(",", ".").replace("−", "-")
    try:
        return float(cleaned)
    except ValueError:
        return None


def _format_amount(amount: float, style: str) -> str:
    if style == "whole":
        return decimal_comma(round(amount), " ").removesuffix(",00")
    if style == "comma":
        return decimal_comma(amount, " ")
    return decimal_comma(amount)


def _newest_month(files: list[Path]) -> tuple[dt.date, dict[str, float]]:
    """The newest month in a payer's extracts, and who was paid what in it."""
    paid: dict[dt.date, dict[str, float]] = defaultdict(dict)
    for path in files:
        for row in _read_rows(path):
            if len(row) < 3:
                continue
            month, amount = _month(row[1]), _amount(row[2])
            if month is None or amount is None or amount <= 0:
                continue
            paid[month][row[0].strip()] = amount
    newest = max(paid)
    return newest, paid[newest]


def write_benefit_month(folder: Path, rng: random.Random) -> list[Path]:
    """Each payer's extract for the month after its newest one."""
    written = []
    for prefix, (header, month_format, style) in PAYERS.items():
        files = sorted(folder.glob(f"{prefix}*.csv"))
        if not files:
            continue
        newest, recipients = _newest_month(files)
        month = _add_month(newest)
        rows = []
        for pnr in sorted(recipients):
            if rng.random() < 0.08:  # left the benefit
                continue
            amount = round(recipients[pnr] * rng.uniform(0.95, 1.05), 2)
            rows.append([pnr, f"{month:{month_format}}", _format_amount(amount, style)])
            if rng.random() < 0.03:  # a correction, as its own row
                correction = -round(amount * rng.uniform(0.05, 0.3), 2)
                rows.append([pnr, f"{month:{month_format}}", _format_amount(correction, style)])
        rng.shuffle(rows)
        tag = f"{month:{month_format}}"
        name = {
            "forsorjningsstod_": f"forsorjningsstod_{tag}.csv",
            "arbetsloshetsersattning_": f"arbetsloshetsersattning_{tag}-{tag}.csv",
            "aktivitetsersattning_": f"aktivitetsersattning_{tag}_{tag}.csv",
        }[prefix]
        written.append(write_csv(folder / name, header, rows))
    return written


def write_supplier_report(folder: Path) -> list[Path]:
    """The next quarter's report of the supplier whose newest report is the oldest: every
    placement of its newest report that has no Slutdatum, reported again."""
    import openpyxl

    from .sample_leverantorsrapporter import HEADER, SHEET, label, next_quarter

    newest: dict[str, tuple[tuple[int, int], str]] = {}
    for path in folder.glob("rapport_*.xlsx"):
        match = _REPORT.fullmatch(path.name)
        if not match:
            continue
        org, q = match.group(1), (int(match.group(2)), int(match.group(3)))
        if org not in newest or (q, path.name) > newest[org]:
            newest[org] = (q, path.name)
    if not newest:
        return []
    org = min(newest, key=lambda o: (newest[o][0], o))
    quarter, name = newest[org]
    wb = openpyxl.load_workbook(folder / name, read_only=True)
    try:
        rows = [list(r) for r in wb[SHEET].iter_rows(min_row=2, values_only=True)]
    finally:
        wb.close()
    period = label(next_quarter(quarter))
    ongoing = [[*r[:7], period] for r in rows if r and r[0] and r[5] in (None, "")]
    path = folder / f"rapport_{org}_{period}.xlsx"
    return [write_xlsx(path, HEADER, ongoing, sheet=SHEET)]


def write_next_month(raw_dir: Path, seed: int = 2026) -> dict[str, list[Path]]:
    """Add the next month of deliveries to the raw folder; returns the files written."""
    raw_dir = Path(raw_dir)
    benefits = raw_dir / "ersattningar"
    reports = raw_dir / "leverantorsrapporter"
    existing = len(list(benefits.glob("*.csv"))) if benefits.is_dir() else 0
    rng = random.Random(f"{seed}-next-month-{existing}")
    written: dict[str, list[Path]] = {}
    if benefits.is_dir():
        written["ersattningar"] = write_benefit_month(benefits, rng)
    if reports.is_dir():
        written["leverantorsrapporter"] = write_supplier_report(reports)
    from . import settle

    settle(path for paths in written.values() for path in paths)
    return written
