"""Loader for `upphandlingsmyndigheten/`: the agency's statistics, table "Antal upphandlingar"."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .contract import LoadContext, ParsedFile, Source
from .personnummer import mask_sole_traders, orgnr_digits
from .readers import read_csv, read_xlsx
from .validation import RowValidator

REQUIRED = {
    "År": "year",
    "Namn för köpare": "buyer_name",
    "Organisationsnummer för köpare": "buyer_org_number",
    "Upphandlingsslag": "procurement_type",
    "Huvudsaklig CPV-kod": "main_cpv",
    "Typ av avtal": "contract_type",
    "Socialt hållbar upphandling": "socially_sustainable",
    "Upphandlings-ID": "procurement_id",
    "Upphandlingens titel": "title",
    "Publiceringsdatum": "published_date",
}

COLUMNS = {
    "year": "integer",
    "buyer_name": "varchar",
    "buyer_org_number": "varchar",
    "procurement_type": "varchar",
    "main_cpv": "varchar",
    "contract_type": "varchar",
    "socially_sustainable": "boolean",
    "socially_sustainable_text": "varchar",
    "procurement_id": "varchar",
    "title": "varchar",
    "published_date": "date",
    "_file": "varchar",
    "_row": "bigint",
}


def parse_flag(values: pd.Series) -> pd.Series:
    """True/False, 1/0, empty, `Uppgift saknas`, or a text naming the requirement (= true).

    Unknown is not false: empty, blank and `Uppgift saknas` stay NULL (a cell the reader gave
    as missing too: it must not count as a requirement). Spaces around a value do not count."""
    folded = values.fillna("").astype(str).str.strip().str.casefold()
    out = pd.Series([True] * len(values), index=values.index, dtype=object)
    out[folded.isin({"false", "0", "falskt", "nej"})] = False
    out[folded.isin({"", "uppgift saknas"})] = None
    return out


def parse(path: Path, ctx: LoadContext) -> ParsedFile:
    if path.suffix.lower() == ".xlsx":
        frame = read_xlsx(path, REQUIRED)
    else:
        frame = read_csv(path, REQUIRED)
    labels = {out: header for header, out in REQUIRED.items()}
    v = RowValidator(frame, SOURCE.name, path.name, identifiers=["buyer_org_number"], labels=labels)
    rows = pd.DataFrame(index=frame.index)
    rows["year"] = v.integer("year", "År", low=1990, high=2100)
    rows["buyer_name"] = v.text("buyer_name", "Namn för köpare")
    # A national file: a buyer with a malformed number is never the city's, so the row stays
    # with the number NULL instead of being rejected. A personnummer there (a sole trader's)
    # enters as its token.
    rows["buyer_org_number"] = mask_sole_traders(
        orgnr_digits(frame["buyer_org_number"]), ctx.pseudonym_key
    )
    rows["procurement_type"] = v.text("procurement_type", "Upphandlingsslag")
    rows["main_cpv"] = v.text("main_cpv", "Huvudsaklig CPV-kod")
    rows["contract_type"] = v.text("contract_type", "Typ av avtal")
    rows["socially_sustainable"] = parse_flag(frame["socially_sustainable"])
    rows["socially_sustainable_text"] = v.text(
        "socially_sustainable", "Socialt hållbar upphandling"
    )
    rows["procurement_id"] = v.text("procurement_id", "Upphandlings-ID", required=True)
    rows["title"] = v.text("title", "Upphandlingens titel")
    rows["published_date"] = v.date("published_date", "Publiceringsdatum", required=False)
    return v.result(rows)


SOURCE = Source(
    name="upphandlingsmyndigheten",
    table="upphandlingsmyndigheten__procurements",
    patterns=("*.xlsx", "*.csv"),
    parse=parse,
    columns=COLUMNS,
)
