"""Loader for `malgruppsregister/`: the target-group register, one row per registration.

Målgrupp is one of the seed `target_groups`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import reference
from .contract import LoadContext, ParsedFile, Source
from .readers import read_csv
from .validation import RowValidator

REQUIRED = {
    "Personnummer": "personnummer",
    "Målgrupp": "target_group",
    "Primärområde": "primaromrade",
    "Inskrivningsdatum": "registered_date",
    "Utskrivningsdatum": "deregistered_date",
    "Anvisad till Upphandlings-ID": "referred_procurement_id",
}

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


def _normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """Forms an export through Excel produces that mean the contract's values. Parsing works on
    these; the rejected rows keep what was delivered."""
    out = frame.copy()
    pnr = out["personnummer"]  # a number saved by Excel loses its leading zero (born 2000–2009)
    out["personnummer"] = pnr.where(~pnr.str.fullmatch(r"\d{9}"), pnr.str.zfill(10))
    out["target_group"] = _dash_variants(out["target_group"])
    # `101 Kungsladugård`, the code with its name, is the code.
    out["primaromrade"] = out["primaromrade"].str.replace(r"^(\d{3})\s+\D.*$", r"\1", regex=True)
    return out


def parse(path: Path, ctx: LoadContext) -> ParsedFile:
    delivered = read_csv(path, REQUIRED)
    frame = _normalised(delivered)
    v = RowValidator(
        frame,
        SOURCE.name,
        path.name,
        identifiers=["personnummer"],
        delivered=delivered,
        labels={out: header for header, out in REQUIRED.items()},
    )
    rows = pd.DataFrame(index=frame.index)
    person = v.personnummer("personnummer", "Personnummer", ctx.pseudonym_key)
    rows["person_id"] = person["person_id"]
    rows["birth_year"] = person["birth_year"]
    rows["sex"] = person["sex"]
    rows["target_group"] = v.choice("target_group", "Målgrupp", reference.target_groups())
    area = v.text("primaromrade", "Primärområde", required=True)
    v.reject(
        area.notna() & ~frame["primaromrade"].str.fullmatch(r"\d{3}"),
        delivered["primaromrade"].map(lambda a: f"'Primärområde' is not a 3-digit code: {a!r}"),
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
    v.frame = delivered  # rejected rows keep the delivered text
    return v.result(rows, redact=["personnummer"])


SOURCE = Source(
    name="malgruppsregister",
    table="malgruppsregister__registrations",
    patterns=("*.csv", "*.CSV"),
    parse=parse,
    columns=COLUMNS,
    seeds=("target_groups",),
)
