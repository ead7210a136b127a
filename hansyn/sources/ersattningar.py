"""Loader for `ersattningar/`: benefit payments person by month, three payers, three layouts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .contract import FileRefused, LoadContext, ParsedFile, Source
from .readers import read_csv
from .validation import RowValidator


@dataclass(frozen=True)
class Layout:
    """One payer's extract: its file-name prefix, the benefit it pays and its columns."""

    prefix: str
    benefit_type: str
    payer: str
    columns: dict[str, str]  # delivered header -> personnummer | month | amount

    def labels(self) -> dict[str, str]:
        return {out: header for header, out in self.columns.items()}


LAYOUTS = (
    Layout(
        "forsorjningsstod_",
        "försörjningsstöd",
        "Socialtjänsten, Göteborgs Stad",
        {"Personnummer": "personnummer", "Utbetalningsmånad": "month", "Belopp": "amount"},
    ),
    Layout(
        "arbetsloshetsersattning_",
        "arbetslöshetsersättning",
        "Arbetslöshetskassan",
        {"Personnummer": "personnummer", "Period": "month", "Utbetalt belopp": "amount"},
    ),
    Layout(
        "aktivitetsersattning_",
        "aktivitetsersättning",
        "Försäkringskassan",
        {"Personnummer": "personnummer", "Månad": "month", "Belopp kr": "amount"},
    ),
)

COLUMNS = {
    "benefit_type": "varchar",
    "payer": "varchar",
    "person_id": "varchar",
    "birth_year": "integer",
    "sex": "varchar",
    "month": "date",
    "amount": "decimal(18, 2)",
    "_loaded_at": "timestamp",
    "_file": "varchar",
    "_row": "bigint",
}

_FOLD = str.maketrans("åäöÅÄÖ", "aaoAAO")


def layout_of(path: Path) -> Layout:
    """The payer is named by the file name (the three extracts share no header)."""
    name = path.name.casefold().translate(_FOLD)
    for layout in LAYOUTS:
        if name.startswith(layout.prefix):
            return layout
    raise FileRefused(
        path.name,
        "unknown extract: the file name must start with "
        + ", ".join(f"{layout.prefix}" for layout in LAYOUTS),
    )


def _normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """Forms that mean the contract's values; parsing works on these, rejected rows keep what
    was delivered."""
    out = frame.copy()
    pnr = out["personnummer"]  # a number saved by Excel loses its leading zero (born 2000–2009)
    out["personnummer"] = pnr.where(~pnr.str.fullmatch(r"\d{9}"), pnr.str.zfill(10))
    # A month written as a date (its first day, or the payment's day) is that month; an amount
    # with its unit is the amount.
    dates = pd.to_datetime(out["month"].str.replace("-", ""), format="%Y%m%d", errors="coerce")
    is_date = out["month"].str.fullmatch(r"\d{4}-\d{2}-\d{2}|\d{8}") & dates.notna()
    out["month"] = out["month"].where(~is_date, dates.dt.strftime("%Y-%m"))
    out["amount"] = out["amount"].str.replace(r"\s*(kr|sek):?\.?$", "", case=False, regex=True)
    return out


def parse(path: Path, ctx: LoadContext) -> ParsedFile:
    layout = layout_of(path)
    delivered = read_csv(path, layout.columns)
    frame = _normalised(delivered)
    labels = layout.labels()
    v = RowValidator(
        frame,
        SOURCE.name,
        path.name,
        identifiers=["personnummer"],
        delivered=delivered,
        labels=labels,
    )
    rows = pd.DataFrame(index=frame.index)
    rows["benefit_type"] = layout.benefit_type
    rows["payer"] = layout.payer
    person = v.personnummer("personnummer", labels["personnummer"], ctx.pseudonym_key)
    rows["person_id"] = person["person_id"]
    rows["birth_year"] = person["birth_year"]
    rows["sex"] = person["sex"]
    rows["month"] = v.month("month", labels["month"])
    rows["amount"] = v.amount("amount", labels["amount"], delivered["amount"])
    # When the rows were parsed: unchanged files are not parsed again (see ingest), so this is
    # the watermark the incremental monthly fact uses to find new and changed rows.
    rows["_loaded_at"] = dt.datetime.now()
    v.frame = delivered
    return v.result(rows, redact=["personnummer"])


SOURCE = Source(
    name="ersattningar",
    table="ersattningar__payments",
    patterns=("*.csv", "*.CSV"),
    parse=parse,
    columns=COLUMNS,
)
