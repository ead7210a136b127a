"""Loader for `leverantorsrapporter/`: suppliers' quarterly placement reports (sheet Rapport)."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import pandas as pd

from .. import reference
from .contract import FileRefused, LoadContext, ParsedFile, Source, split_by_file
from .personnummer import canonical_personnummer, mask_sole_traders
from .readers import read_xlsx
from .validation import RowValidator, decimal_numbers

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
    "extent_percent": "double",
    "report_period": "varchar",
    "_file": "varchar",
    "_row": "bigint",
}


@functools.lru_cache(maxsize=1 << 18)
def _birth_date(value: str) -> dt.date | None:
    """Once per distinct number in a process: the same persons recur in every quarter's file."""
    try:
        return canonical_personnummer(value)[1]
    except ValueError:
        return None


def age_at(personnummer: pd.Series, dates: pd.Series) -> pd.Series:
    """Whole years of age on each date. Computed here so that the birth date itself never
    leaves the loader: only its year and this age go on (under_30 needs the exact age)."""
    births = {value: _birth_date(value) for value in personnummer.unique()}
    born = pd.to_datetime(personnummer.map(births), errors="coerce")
    on = pd.to_datetime(dates, errors="coerce")
    birthday_to_come = (on.dt.month * 100 + on.dt.day) < (born.dt.month * 100 + born.dt.day)
    ages = on.dt.year - born.dt.year - birthday_to_come.astype("Int64")
    return ages.where(born.notna() & on.notna()).astype("Int64")


_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_PERIOD = r"(?P<y>\d{4})\s*-?\s*Q\s*(?P<q>[1-4])|Q\s*(?P<q2>[1-4])\s*-?\s*(?P<y2>\d{4})"


def _normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """Forms Excel and suppliers produce that mean the contract's values. Parsing works on
    these; the rejected rows keep what was delivered."""
    out = frame.copy()
    # A personnummer typed as a number loses its leading zero (born 2000–2009, YYMMDDNNNN).
    pnr = out["personnummer"]
    out["personnummer"] = pnr.where(~pnr.str.fullmatch(r"\d{9}"), pnr.str.zfill(10))
    # A date cell formatted as a number shows Excel's serial day number.
    for col in ("start_date", "end_date"):
        serial = pd.to_numeric(out[col].where(out[col].str.fullmatch(r"\d{5}")), errors="coerce")
        as_date = (_EXCEL_EPOCH + pd.to_timedelta(serial, unit="D")).dt.strftime("%Y-%m-%d")
        out[col] = out[col].where(serial.isna(), as_date)
    period = out["report_period"].str.upper().str.extract(_PERIOD)
    year, quarter = period["y"].fillna(period["y2"]), period["q"].fillna(period["q2"])
    out["report_period"] = (year + "-Q" + quarter).where(year.notna(), out["report_period"])
    return out


def parse(path: Path, ctx: LoadContext) -> ParsedFile:
    result = parse_many([path], ctx)[path.name]
    if isinstance(result, FileRefused):
        raise result
    return result


def parse_many(paths: list[Path], ctx: LoadContext) -> dict[str, ParsedFile | FileRefused]:
    """Many quarterly reports at once: each read on its own (a refused file is refused alone),
    their rows validated together (every rule is about one row), then split by file."""
    out: dict[str, ParsedFile | FileRefused] = {}
    frames = []
    for path in paths:
        try:
            frames.append(read_xlsx(path, REQUIRED, sheet=SHEET).assign(_file=path.name))
        except FileRefused as e:
            out[path.name] = e
    if frames:
        delivered = pd.concat(frames, ignore_index=True)
        read = [p.name for p in paths if p.name not in out]
        parsed, masked = _parse_rows(delivered, ctx)
        out.update(split_by_file(parsed, delivered["_file"], read, masked))
    return out


def _parse_rows(
    delivered: pd.DataFrame, ctx: LoadContext
) -> tuple[ParsedFile, dict[str, dict[str, int]]]:
    """The rows of every file, and the cells masked ([personnummer]) per file and header."""
    frame = _normalised(delivered)
    v = RowValidator(
        frame,
        SOURCE.name,
        "",
        identifiers=["personnummer", "supplier_org_number"],
        delivered=delivered,
        labels={out: header for header, out in REQUIRED.items()},
    )
    rows = pd.DataFrame(index=frame.index)
    rows["procurement_id"] = v.text("procurement_id", "Upphandlings-ID", required=True)
    # A sole trader's organisationsnummer is their personnummer: it enters as its token.
    rows["supplier_org_number"] = mask_sole_traders(
        v.orgnr("supplier_org_number", "Leverantör organisationsnummer", required=False),
        ctx.pseudonym_key,
    )
    person = v.personnummer("personnummer", "Personnummer", ctx.pseudonym_key)
    rows["person_id"] = person["person_id"]
    rows["birth_year"] = person["birth_year"]
    rows["sex"] = person["sex"]
    rows["placement_type"] = v.choice("placement_type", "Insatstyp", reference.placement_types())
    rows["start_date"] = v.date("start_date", "Startdatum")
    rows["end_date"] = v.date("end_date", "Slutdatum", required=False)
    both = rows["start_date"].notna() & rows["end_date"].notna()
    ends_early = both & (rows["end_date"].where(both) < rows["start_date"].where(both))
    v.reject(ends_early, "'Slutdatum' is before 'Startdatum'")
    rows["extent_percent"] = _extent(v, frame["extent_percent"], delivered["extent_percent"])
    v.reject(
        ~frame["report_period"].str.fullmatch(r"\d{4}-Q[1-4]"),
        delivered["report_period"].map(lambda p: f"'Rapportperiod' is not YYYY-Qn: {p!r}"),
    )
    rows["report_period"] = frame["report_period"]
    rows["age_at_start"] = age_at(frame["personnummer"], rows["start_date"])
    v.frame = delivered  # rejected rows keep the delivered text
    files = delivered["_file"]
    masked = {name: v.masked_cells(files == name) for name in files.unique()}
    return v.result(rows, redact=["personnummer"]), masked


def _extent(v: RowValidator, text: pd.Series, delivered: pd.Series) -> pd.Series:
    """Omfattning procent, 1–100; `75 %` and `37,5` are accepted. Not used by any indicator, so
    an empty cell is NULL rather than a reason to lose the placement."""
    cleaned = text.str.replace(r"\s*%$", "", regex=True)
    number, problem = decimal_numbers(cleaned)
    empty = cleaned == ""
    v.reject_number(
        ~empty & number.isna(), delivered, problem, "'Omfattning procent' is not a number"
    )
    v.reject(
        number.notna() & ((number < 1) | (number > 100)),
        delivered.map(lambda x: f"'Omfattning procent' is outside 1–100: {x!r}"),
    )
    return number


SOURCE = Source(
    name="leverantorsrapporter",
    table="leverantorsrapporter__placements",
    patterns=("*.xlsx", "*.XLSX"),
    parse=parse,
    columns=COLUMNS,
    parse_many=parse_many,
    seeds=("placement_types",),
)
