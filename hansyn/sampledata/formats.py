"""Writing deliveries the way the city's systems and partners do: `;` CSV, BOM or Windows-1252,
decimal comma, and the city's xlsx template."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

FIXED_TIME = dt.datetime(2026, 1, 1)


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    encoding: str = "utf-8-sig",
    delimiter: str = ";",
) -> Path:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[object]], sheet: str
) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(_deterministic_zip(buffer.getvalue()))
    return path


def _deterministic_zip(data: bytes) -> bytes:
    """openpyxl stamps the save time into the zip entries and docProps/core.xml: fix both, so
    that a seed's output is the same bytes on every run."""
    import re
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*",
                    rb"\g<1>" + FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode(),
                    content,
                )
            info = zipfile.ZipInfo(item.filename, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, content)
    return out.getvalue()


def decimal_comma(amount: float, thousands: str = "") -> str:
    """1234.5 → '1234,50' (or '1 234,50' with a thousands separator)."""
    text = f"{amount:,.2f}".replace(",", "\u0000").replace(".", ",")
    return text.replace("\u0000", thousands)


def orgnr_form(orgnr: str, hyphen: bool) -> str:
    return f"{orgnr[:6]}-{orgnr[6:]}" if hyphen else orgnr
