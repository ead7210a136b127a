"""Loader for `malgruppsregister/`: the target-group register, one row per registration."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .common import LoadContext, ParsedFile, RowValidator, Source, read_csv

REQUIRED = {
    "Personnummer": "personnummer",
    "Målgrupp": "target_group",
    "Primärområde": "primaromrade",
    "Inskrivningsdatum": "registered_date",
    "Utskrivningsdatum": "deregistered_date",
    "Anvisad till Upphandlings-ID": "referred_procurement_id",
}

TARGET_GROUPS = (
    "Långtidsarbetslös",
    "Nyanländ",
    "Ung 16–29",
    "Person med funktionsnedsättning",
    "Försörjningsstöd",
)

COLUMNS = {
    "person_id": "varchar",
    "birth_year": "integer",
    "sex": "varchar",
    "target_group": "varchar",
    "primaromrade": "varchar",
    "registered_date": "date",
    "deregistered_date": "date",
    "referred_procurement_id": "varchar",
    "_file": "varchar",
    "_row": "bigint",
}


def _dash_variants(values: pd.Series) -> pd.Series:
    """`Ung 16-29` typed with a hyphen (or an en dash lost in a Windows-1252 export) is the
    register's `Ung 16–29`."""
    return values.str.replace(r"(?<=\d)\s*[-‐‑‒—]\s*(?=\d)", "–", regex=True)


def parse(path: Path, ctx: LoadContext) -> ParsedFile:
    frame = read_csv(path, REQUIRED)
    v = RowValidator(frame, SOURCE.name, path.name)
    rows = pd.DataFrame(index=frame.index)
    person = v.personnummer("personnummer", "Personnummer", ctx.pseudonym_key)
    rows["person_id"] = person["person_id"]
    rows["birth_year"] = person["birth_year"]
    rows["sex"] = person["sex"]
    # Validate the dash-normalised text, but keep the delivered text in the rejected rows.
    v.frame = frame.assign(target_group=_dash_variants(frame["target_group"]))
    rows["target_group"] = v.choice("target_group", "Målgrupp", TARGET_GROUPS)
    v.frame = frame
    area = v.text("primaromrade", "Primärområde", required=True)
    v.reject(
        area.notna() & ~frame["primaromrade"].str.fullmatch(r"\d{3}"),
        frame["primaromrade"].map(lambda a: f"'Primärområde' is not a 3-digit code: {a!r}"),
    )
    rows["primaromrade"] = area
    rows["registered_date"] = v.date("registered_date", "Inskrivningsdatum")
    rows["deregistered_date"] = v.date("deregistered_date", "Utskrivningsdatum", required=False)
    both = rows["registered_date"].notna() & rows["deregistered_date"].notna()
    out_early = both & (rows["deregistered_date"].where(both) < rows["registered_date"].where(both))
    v.reject(out_early, "'Utskrivningsdatum' is before 'Inskrivningsdatum'")
    rows["referred_procurement_id"] = v.text(
        "referred_procurement_id", "Anvisad till Upphandlings-ID"
    )
    return v.result(rows, redact=["personnummer"])


SOURCE = Source(
    name="malgruppsregister",
    table="malgruppsregister__registrations",
    patterns=("*.csv", "*.CSV"),
    parse=parse,
    columns=COLUMNS,
)
