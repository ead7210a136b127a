"""Loader for `avtalsregister/`: full snapshots of the city's contract register, one per date.

Upphandlingsslag, Social hänsyn nivå and Utförandeområde are checked against the seeds
`procurement_types`, `social_criteria_levels` and `stadsomraden`."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from .. import reference
from .contract import FileRefused, LoadContext, ParsedFile, Source
from .personnummer import mask_sole_traders
from .readers import read_csv
from .validation import RowValidator

REQUIRED = {
    "Upphandlings-ID": "procurement_id",
    "Diarienummer": "diarienummer",
    "Upphandlingens titel": "title",
    "Beställande organisation": "buyer_organisation",
    "Organisationsnummer för köpare": "buyer_org_number",
    "Upphandlingsslag": "procurement_type",
    "Huvudsaklig CPV-kod": "main_cpv",
    "Avtalsstart": "contract_start",
    "Avtalsslut": "contract_end",
    "Beräknat antal arbetstagare": "workers",
    "Social hänsyn nivå": "social_level",
    "Antal krävda platser": "required_places",
    "Målgrupper": "target_groups",
    "Leverantör organisationsnummer": "supplier_org_number",
    "Leverantör namn": "supplier_name",
    "Utförandeområde": "execution_area",
}

LABELS = {out: header for header, out in REQUIRED.items()}
ORG_NUMBERS = ("buyer_org_number", "supplier_org_number")

COLUMNS = {
    "snapshot_date": "date",
    "procurement_id": "varchar",
    "diarienummer": "varchar",
    "title": "varchar",
    "buyer_organisation": "varchar",
    "buyer_org_number": "varchar",
    "procurement_type": "varchar",
    "main_cpv": "varchar",
    "contract_start": "date",
    "contract_end": "date",
    "workers": "integer",
    "social_level": "integer",
    "required_places": "integer",
    "target_groups": "varchar",
    "supplier_org_number": "varchar",
    "supplier_name": "varchar",
    "execution_area": "varchar",
    "_file": "varchar",
    "_row": "bigint",
}

_NAME = re.compile(r"avtalsregister_(\d{4}-\d{2}-\d{2})\.csv", re.IGNORECASE)


def snapshot_date(path: Path) -> dt.date:
    match = _NAME.fullmatch(path.name)
    if not match:
        raise FileRefused(path.name, "file name must be avtalsregister_YYYY-MM-DD.csv")
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError as e:
        raise FileRefused(path.name, f"the file name's date is not a date: {e}") from e


def refuse_future_snapshot(path: Path, snapshot: dt.date, arrived: dt.date) -> None:
    """A snapshot is the register as it stood on its date: one dated after the night it
    arrived is a mistyped date (`2052-11-30` for `2025-11-30`), and taken as the newest it
    would hide the real current register. The night counts in Göteborg's time."""
    if snapshot > arrived:
        raise FileRefused(
            path.name,
            f"dated {snapshot:%Y-%m-%d} in its name, after the night it arrived "
            f"({arrived:%Y-%m-%d}): a snapshot cannot be of a later date (a mistyped date?); "
            "rename the file to the register's real date",
        )


def span(codes: list[str]) -> str:
    """`01–04` for consecutive codes, else the codes one by one (`01, 02, 05`)."""
    numbers = [int(c) for c in codes if c.isdigit()]
    consecutive = len(numbers) == len(codes) > 1 and numbers == list(
        range(numbers[0], numbers[0] + len(numbers))
    )
    return f"{codes[0]}–{codes[-1]}" if consecutive else ", ".join(codes)


def parse(path: Path, ctx: LoadContext) -> ParsedFile:
    snapshot = snapshot_date(path)
    refuse_future_snapshot(path, snapshot, ctx.arrived(path.name))
    levels = sorted(reference.criteria_levels())
    areas = sorted(reference.stadsomraden())
    allowed_areas = span(areas)
    frame = read_csv(path, REQUIRED)
    v = RowValidator(frame, SOURCE.name, path.name, identifiers=ORG_NUMBERS, labels=LABELS)
    rows = pd.DataFrame(index=frame.index)
    rows["snapshot_date"] = snapshot
    rows["procurement_id"] = v.text("procurement_id", "Upphandlings-ID", required=True)
    rows["diarienummer"] = v.text("diarienummer", "Diarienummer")
    rows["title"] = v.text("title", "Upphandlingens titel")
    rows["buyer_organisation"] = v.text("buyer_organisation", "Beställande organisation")
    # A personnummer in an organisationsnummer column is a sole trader's: it enters as its token.
    rows["buyer_org_number"] = mask_sole_traders(
        v.orgnr("buyer_org_number", "Organisationsnummer för köpare"), ctx.pseudonym_key
    )
    rows["procurement_type"] = v.choice(
        "procurement_type", "Upphandlingsslag", reference.procurement_types()
    )
    rows["main_cpv"] = v.text("main_cpv", "Huvudsaklig CPV-kod")
    rows["contract_start"] = v.date("contract_start", "Avtalsstart")
    rows["contract_end"] = v.date("contract_end", "Avtalsslut", required=False)
    ends_early = rows["contract_end"].notna() & rows["contract_start"].notna()
    ends_early &= rows["contract_end"].where(ends_early) < rows["contract_start"].where(ends_early)
    v.reject(ends_early, "'Avtalsslut' is before 'Avtalsstart'")
    rows["workers"] = v.integer("workers", "Beräknat antal arbetstagare", low=0)
    rows["social_level"] = v.integer(
        "social_level", "Social hänsyn nivå", low=levels[0], high=levels[-1]
    )
    v.reject_values(
        rows["social_level"].notna() & ~rows["social_level"].isin(levels),
        frame["social_level"],
        lambda x: f"'Social hänsyn nivå' is not a level of social_criteria_levels: {x!r}",
    )
    rows["required_places"] = v.integer("required_places", "Antal krävda platser", low=0)
    rows["target_groups"] = v.text("target_groups", "Målgrupper")
    rows["supplier_org_number"] = mask_sole_traders(
        v.orgnr("supplier_org_number", "Leverantör organisationsnummer", required=False),
        ctx.pseudonym_key,
    )
    rows["supplier_name"] = v.text("supplier_name", "Leverantör namn")
    area = frame["execution_area"].str.zfill(2).where(frame["execution_area"] != "", None)
    v.reject(
        area.notna() & ~area.isin(areas),
        frame["execution_area"].map(
            lambda a: f"'Utförandeområde' is not a stadsområde {allowed_areas}: {a!r}"
        ),
    )
    rows["execution_area"] = area
    return v.result(rows)


SOURCE = Source(
    name="avtalsregister",
    table="avtalsregister__contracts",
    patterns=("*.csv",),
    parse=parse,
    columns=COLUMNS,
    seeds=("procurement_types", "social_criteria_levels", "stadsomraden"),
)
