"""Feedback to the suppliers: per supplier with a refused report file or rejected rows, what to
correct (file, row, reason, in Swedish), ready for the project office to forward.

Read from the warehouse after dbt has attributed each report file to its supplier; written as a
Swedish-Excel CSV and the same as a short text, in a folder outside the published marts
(HANSYN_FEEDBACK_DIR), replaced as a whole each night. Never a personnummer: a sole trader is
named by their name, and their number in a file name shows as XXXXXXXXXX."""

from __future__ import annotations

import csv
import io
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .config import Settings
from .sources.personnummer import published_text

CSV_BOM = "\ufeff"
CSV_HEADER = ["Fil", "Kvartal", "Rad", "Fel", "Så rättar ni"]
SOURCE = "leverantorsrapporter"


@dataclass
class Problem:
    file_name: str
    report_period: str | None
    row_number: int | None  # None: the whole file was refused
    reason: str  # as the loader wrote it (English)


@dataclass
class SupplierFeedback:
    supplier_key: str
    supplier_org_number: str | None  # None for a sole trader
    supplier_name: str | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.supplier_name or self.supplier_org_number or "okänd leverantör"

    @property
    def file_stem(self) -> str:
        """aterkoppling_<orgnr>_<name>; a sole trader's number never: _enskild_firma instead."""
        name = _slug(self.supplier_name or "")
        number = self.supplier_org_number or "enskild_firma"
        return "_".join(p for p in ("aterkoppling", number, name) if p)


def _slug(text: str) -> str:
    text = text.lower().translate(str.maketrans("åäöéü", "aaoeu"))
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")[:40]


# The loaders' reasons (hansyn/sources) in Swedish, with what the supplier should do.
_ROW_REASONS: list[tuple[re.Pattern, str, str]] = [
    (re.compile(r"'(?P<c>[^']+)' is empty"), "'{c}' är tom", "Fyll i '{c}'."),
    (
        re.compile(r"'(?P<c>[^']+)' has unknown value (?P<v>.+) \(allowed: (?P<a>.+)\)"),
        "'{c}' har ett okänt värde {v}",
        "Välj ett av värdena i mallen: {a}.",
    ),
    (
        re.compile(r"'(?P<c>[^']+)' is not a date: (?P<v>.+)"),
        "'{c}' är inte ett datum: {v}",
        "Skriv datumet som ÅÅÅÅ-MM-DD.",
    ),
    (
        re.compile(r"'(?P<c>[^']+)' is not a valid personnummer"),
        "'{c}' är inte ett giltigt personnummer",
        "Kontrollera personnumret (ÅÅÅÅMMDD-NNNN) mot personens id-handling.",
    ),
    (
        re.compile(r"'(?P<c>[^']+)' is not an organisationsnummer"),
        "'{c}' är inte ett organisationsnummer",
        "Skriv organisationsnumret med tio siffror (NNNNNN-NNNN).",
    ),
    (
        re.compile(r"'Slutdatum' is before 'Startdatum'"),
        "Slutdatum är före Startdatum",
        "Kontrollera Startdatum och Slutdatum.",
    ),
    (
        re.compile(r"'(?P<c>[^']+)' is not a number: (?P<v>.+)"),
        "'{c}' är inte ett tal: {v}",
        "Skriv ett tal, t.ex. 50 eller 37,5.",
    ),
    (
        re.compile(r"'(?P<c>[^']+)' is outside (?P<r>[^:]+): (?P<v>.+)"),
        "'{c}' ligger utanför {r}: {v}",
        "Skriv ett värde inom {r}.",
    ),
    (
        re.compile(r"'Rapportperiod' is not YYYY-Qn: (?P<v>.+)"),
        "'Rapportperiod' är inte på formen ÅÅÅÅ-Qn: {v}",
        "Skriv kvartalet som t.ex. 2025-Q1.",
    ),
]
_FILE_REASONS: list[tuple[re.Pattern, str, str]] = [
    (
        re.compile(r"missing columns: (?P<c>.+)"),
        "Filen saknar kolumner: {c}",
        "Använd stadens mall med alla kolumner och skicka filen igen.",
    ),
    (
        re.compile(r"no sheet '(?P<s>[^']+)'(?: \(sheets: (?P<h>.*)\))?"),
        "Filen har inget blad som heter '{s}' (bladen heter: {h})",
        "Använd stadens mall (bladet Rapport) och skicka filen igen.",
    ),
    (
        re.compile(r"the (?:file|sheet) is empty.*"),
        "Filen är tom",
        "Skicka mallen med rubrikraden, och en rad per person och insats.",
    ),
    (
        re.compile(r"not a readable xlsx workbook.*|cannot read the file.*|not readable.*"),
        "Filen går inte att läsa som en Excel-arbetsbok (xlsx)",
        "Spara rapporten i stadens mall som .xlsx och skicka den igen.",
    ),
]


def in_swedish(reason: str, whole_file: bool) -> tuple[str, str]:
    """(what is wrong, what to correct), in Swedish; an unknown reason is kept as it is."""
    for pattern, wrong, fix in _FILE_REASONS if whole_file else _ROW_REASONS:
        match = pattern.search(reason or "")
        if match:
            parts = {k: (v or "") for k, v in match.groupdict().items()}
            return wrong.format(**parts), fix.format(**parts)
    if whole_file:
        return f"Filen togs inte emot: {reason}", "Rätta filen och skicka den igen."
    return reason, "Rätta raden och skicka en rättad rapport för kvartalet."


def _scrub(text: str) -> str:
    """No personnummer leaves in a feedback file, whatever a reason quotes."""
    return published_text(text or "")


_QUERY = """
with files as (
    select * from intermediate.int_supplier_report_files_attributed
    where supplier_key is not null
),
problems as (
    select supplier_key, file_name, report_period, null::bigint as row_number,
        coalesce(message, 'refused') as reason
    from files where status = 'refused'
    union all
    select files.supplier_key, files.file_name, files.report_period, rejected.row_number,
        rejected.reason
    from files
    inner join audit.rejected_rows as rejected
        on rejected.source = ? and rejected.file_name = files.file_name
    where files.status = 'loaded'
)
select problems.supplier_key, suppliers.supplier_org_number, suppliers.supplier_name,
    problems.file_name, problems.report_period, problems.row_number, problems.reason,
    suppliers.is_sole_trader
from problems
left join intermediate.int_suppliers_identified as suppliers
    on problems.supplier_key = suppliers.supplier_key
order by problems.supplier_key, problems.file_name, problems.row_number nulls first
"""


def supplier_feedback(con: duckdb.DuckDBPyConnection) -> list[SupplierFeedback]:
    """Every supplier with a refused report file or rejected rows, and what went wrong."""
    by_supplier: dict[str, SupplierFeedback] = {}
    for key, org, name, file_name, period, row, reason, sole in con.execute(
        _QUERY, [SOURCE]
    ).fetchall():
        if sole is None:  # not in the register: known by its number, unless a sole trader's
            org = None if key.startswith("X") else key
        feedback = by_supplier.setdefault(key, SupplierFeedback(key, org, name))
        feedback.problems.append(Problem(file_name, period, row, reason))
    return list(by_supplier.values())


def feedback_rows(feedback: SupplierFeedback) -> list[list[str]]:
    rows = []
    for p in feedback.problems:
        wrong, fix = in_swedish(p.reason, whole_file=p.row_number is None)
        row = "hela filen" if p.row_number is None else str(p.row_number)
        rows.append([p.file_name, p.report_period or "", row, wrong, fix])
    return [[_scrub(cell) for cell in row] for row in rows]


def feedback_csv(feedback: SupplierFeedback) -> str:
    """Swedish Excel: UTF-8 with BOM, `;`; a cell that would run as a formula gets a '."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in feedback_rows(feedback):
        writer.writerow(["'" + c if c[:1] in ("=", "+", "-", "@") else c for c in row])
    return CSV_BOM + out.getvalue()


def feedback_text(feedback: SupplierFeedback) -> str:
    rows = feedback_rows(feedback)
    refused = sum(1 for r in rows if r[2] == "hela filen")
    rejected = len(rows) - refused
    summary = []
    if refused:
        summary.append(f"{refused} {'fil' if refused == 1 else 'filer'} kunde inte tas emot")
    if rejected:
        summary.append(f"{rejected} {'rad' if rejected == 1 else 'rader'} kunde inte läsas in")
    lines = [
        f"Till {_scrub(feedback.label)}",
        "",
        "Tack för era kvartalsrapporter om sysselsättningskrav. I de senaste rapporterna "
        + " och ".join(summary)
        + ". Rätta uppgifterna nedan och skicka en rättad rapport i stadens mall "
        "(rapport_<organisationsnummer>_<ÅÅÅÅ-Qn>.xlsx).",
        "",
    ]
    for file_name, period, row, wrong, fix in rows:
        where = file_name + (f" ({period})" if period else "")
        where += ", hela filen" if row == "hela filen" else f", rad {row}"
        lines.append(f"- {where}: {wrong}. {fix}")
    lines += ["", "Med vänliga hälsningar", "Projektkontoret Social hänsyn i upphandling", ""]
    return "\n".join(lines)


@dataclass
class FeedbackReport:
    folder: Path
    files: list[Path]
    suppliers: int


def write_feedback(settings: Settings, con: duckdb.DuckDBPyConnection) -> FeedbackReport:
    """Replace the feedback folder with tonight's files (built beside it, then swapped in)."""
    folder = settings.feedback_dir
    folder.parent.mkdir(parents=True, exist_ok=True)
    building = folder.with_name(folder.name + ".new")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir()
    feedback = supplier_feedback(con)
    written = []
    stems: set[str] = set()
    for item in feedback:
        stem, n = item.file_stem, 2
        while stem in stems:  # two sole traders of the same name
            stem, n = f"{item.file_stem}_{n}", n + 1
        stems.add(stem)
        csv_path, text_path = building / f"{stem}.csv", building / f"{stem}.txt"
        csv_path.write_bytes(feedback_csv(item).encode("utf-8"))
        text_path.write_text(feedback_text(item), encoding="utf-8")
        written += [folder / csv_path.name, folder / text_path.name]
    old = folder.with_name(folder.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    building.rename(folder)
    shutil.rmtree(old, ignore_errors=True)
    return FeedbackReport(folder, written, len(feedback))
