"""Loader for `leverantorsrapporter/`: suppliers' quarterly placement reports (sheet Rapport)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from .common import (
    LoadContext,
    ParsedFile,
    RowValidator,
    Source,
    canonical_personnummer,
    read_xlsx,
)

SHEET = "Rapport"

REQUIRED = {
    "Upphandlings-ID": "procurement_id",
    "Leverantör organisationsnummer": "supplier_org_number",
    "Personnummer": "personnummer",
    "Insatstyp": "placement_type",
    "Startdatum": "start_date",
    "Slutdatum": "end_date",
    "Omfattning procent": "extent_percent",
    "Rapportperiod": "report_period",
}

PLACEMENT_TYPES = ("Anställning", "Lärlingsplats", "Trainee", "Praktik", "Sysselsättning")

COLUMNS = {
    "procurement_id": "varchar",
    "supplier_org_number": "varchar",
    "person_id": "varchar",
    "birth_year": "integer",
    "sex": "varchar",
    "age_at_start": "integer",
    "placement_type": "varchar",
    "start_date": "date",
    "end_date": "date",
    "extent_percent": "integer",
    "report_period": "varchar",
    "_file": "varchar",
    "_row": "bigint",
}


def age_at(personnummer: pd.Series, dates: pd.Series) -> pd.Series:
    """Whole years of age on each date. Computed here so that the birth date itself never
    leaves the loader: only its year and this age go on (under_30 needs the exact age)."""
    births: dict[str, dt.date | None] = {}
    for value in personnummer.unique():
        try:
            births[value] = canonical_personnummer(value)[1]
        except ValueError:
            births[value] = None
    ages = []
    for value, on in zip(personnummer.map(births), dates, strict=True):
        if value is None or on is None or pd.isna(on):
            ages.append(None)
        else:
            ages.append(on.year - value.year - ((on.month, on.day) < (value.month, value.day)))
    return pd.Series(ages, index=personnummer.index, dtype="Int64")


def parse(path: Path, ctx: LoadContext) -> ParsedFile:
    frame = read_xlsx(path, REQUIRED, sheet=SHEET)
    v = RowValidator(frame, SOURCE.name, path.name)
    rows = pd.DataFrame(index=frame.index)
    rows["procurement_id"] = v.text("procurement_id", "Upphandlings-ID", required=True)
    rows["supplier_org_number"] = v.orgnr(
        "supplier_org_number", "Leverantör organisationsnummer", required=False
    )
    person = v.personnummer("personnummer", "Personnummer", ctx.pseudonym_key)
    rows["person_id"] = person["person_id"]
    rows["birth_year"] = person["birth_year"]
    rows["sex"] = person["sex"]
    rows["placement_type"] = v.choice("placement_type", "Insatstyp", PLACEMENT_TYPES)
    rows["start_date"] = v.date("start_date", "Startdatum")
    rows["end_date"] = v.date("end_date", "Slutdatum", required=False)
    both = rows["start_date"].notna() & rows["end_date"].notna()
    ends_early = both & (rows["end_date"].where(both) < rows["start_date"].where(both))
    v.reject(ends_early, "'Slutdatum' is before 'Startdatum'")
    rows["extent_percent"] = v.integer("extent_percent", "Omfattning procent", low=1, high=100)
    period = frame["report_period"].str.upper().str.replace(" ", "", regex=False)
    v.reject(
        ~period.str.fullmatch(r"\d{4}-Q[1-4]"),
        frame["report_period"].map(lambda p: f"'Rapportperiod' is not YYYY-Qn: {p!r}"),
    )
    rows["report_period"] = period
    rows["age_at_start"] = age_at(frame["personnummer"], rows["start_date"])
    return v.result(rows, redact=["personnummer"])


SOURCE = Source(
    name="leverantorsrapporter",
    table="leverantorsrapporter__placements",
    patterns=("*.xlsx", "*.XLSX"),
    parse=parse,
    columns=COLUMNS,
)
