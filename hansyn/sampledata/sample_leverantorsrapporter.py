"""Sample `leverantorsrapporter/`: each supplier's quarterly report in the city's xlsx template.

A placement that goes on is reported again every quarter (its end date only once it is known),
some reports carry a mistake that a corrected file of the same quarter fixes, one file is
delivered twice, a few rows are bad, and two files come in the wrong shape (refused). For the
supplier follow-up: a supplier with nothing to report for a quarter sends the template with its
header row only, others send nothing (missing), one quarter's only file is refused, one report
comes under another name (its rows say whose it is), and a sole trader reports under their
personnummer."""

from __future__ import annotations

import datetime as dt
import random
import shutil
from collections import defaultdict
from pathlib import Path

from .formats import orgnr_form, write_xlsx
from .world import SUPPLIERS, TODAY, World

HEADER = [
    "Upphandlings-ID", "Leverantör organisationsnummer", "Personnummer", "Insatstyp",
    "Startdatum", "Slutdatum", "Omfattning procent", "Rapportperiod",
]  # fmt: skip
SHEET = "Rapport"
SUPPLIER_ORGNR = dict((name, org) for org, name in SUPPLIERS)


def quarter(d: dt.date) -> tuple[int, int]:
    return d.year, (d.month - 1) // 3 + 1


def quarter_end(q: tuple[int, int]) -> dt.date:
    year, n = q
    return dt.date(year, 12, 31) if n == 4 else dt.date(year, 3 * n + 1, 1) - dt.timedelta(days=1)


def next_quarter(q: tuple[int, int]) -> tuple[int, int]:
    return (q[0] + 1, 1) if q[1] == 4 else (q[0], q[1] + 1)


def label(q: tuple[int, int]) -> str:
    return f"{q[0]}-Q{q[1]}"


def _date_cell(rng: random.Random, d: dt.date | None) -> object:
    if d is None:
        return None
    # The template has date cells; some suppliers type the date as text.
    return d.isoformat() if rng.random() < 0.15 else d


def write(world: World, folder: Path, rng: random.Random) -> list[Path]:
    # (supplier org, quarter) -> rows; a wrong row (by id) -> the row its corrected file has.
    reports: dict[tuple[str, tuple[int, int]], list[list[object]]] = defaultdict(list)
    corrections: dict[int, list[object]] = {}
    last_quarter = quarter(TODAY)
    for p in world.placements:
        org = p.contract.supplier_org_number or SUPPLIER_ORGNR.get(p.contract.supplier_name or "")
        org = org or SUPPLIERS[0][0]
        q = quarter(p.start)
        final = min(quarter(p.end), last_quarter) if p.end else last_quarter
        mistake = rng.random() < 0.05  # the last report first sent with a wrong extent
        while q <= final:
            known_end = p.end if p.end and p.end <= quarter_end(q) else None
            row = [
                p.contract.procurement_id, orgnr_form(org, hyphen=rng.random() < 0.7),
                p.person.render(rng), p.placement_type, _date_cell(rng, p.start),
                _date_cell(rng, known_end), p.extent, label(q),
            ]  # fmt: skip
            if q == final and mistake:
                wrong = [*row[:6], 100 if p.extent != 100 else 50, row[7]]
                reports[(org, q)].append(wrong)
                corrections[id(wrong)] = row
            else:
                reports[(org, q)].append(row)
            q = next_quarter(q)

    written = []
    keys = sorted(reports)
    # Bad rows the loader must reject (the good row of the same placement stays in the file).
    for key in rng.sample(keys, k=min(len(keys), 6)):
        good = rng.choice(reports[key])
        pnr = str(good[2])
        bad_check = pnr[:-1] + str((int(pnr[-1]) + 1) % 10)
        reports[key].append([good[0], good[1], bad_check, *good[3:]])
        reports[key].append([*good[:3], "Lönebidrag", *good[4:]])
        start = good[4] if isinstance(good[4], dt.date) else dt.date.fromisoformat(str(good[4]))
        reports[key].append([*good[:5], start - dt.timedelta(days=10), *good[6:]])

    # A report under another name (its rows say whose it is), of a quarter already due.
    due_keys = [k for k in keys if quarter_end(k[1]) + dt.timedelta(days=30) <= TODAY]
    renamed = due_keys[len(due_keys) // 3] if due_keys else None
    for org, q in keys:
        rows = reports[(org, q)]
        rng.shuffle(rows)
        name = f"Kvartalsrapport {label(q)}.xlsx" if (org, q) == renamed else None
        path = folder / (name or f"rapport_{org}_{label(q)}.xlsx")
        written.append(write_xlsx(path, HEADER, rows, sheet=SHEET))
        if any(id(r) in corrections for r in rows):
            # Same quarter, later file name: the corrected report wins over the first one.
            fixed = [corrections.get(id(r), r) for r in rows]
            path = folder / f"rapport_{org}_{label(q)}_rattad.xlsx"
            written.append(write_xlsx(path, HEADER, fixed, sheet=SHEET))

    # The same file delivered twice (a copy under another name): counted once.
    again = folder / written[len(written) // 2].name.replace(".xlsx", "_kopia.xlsx")
    shutil.copyfile(written[len(written) // 2], again)
    written.append(again)

    # Two files in the wrong shape, refused whole (their rows also stand in the right file).
    sample_rows = reports[keys[-1]][:5]
    # The previous template: the sheet is called Blad1, not Rapport.
    written.append(write_xlsx(folder / "rapport_gammal_mall.xlsx", HEADER, sample_rows, "Blad1"))
    written.append(
        write_xlsx(
            folder / "rapport_utan_omfattning.xlsx",
            [h for h in HEADER if h != "Omfattning procent"],
            [r[:6] + r[7:] for r in sample_rows],
            sheet=SHEET,
        )
    )
    written += _quarters_without_placements(world, folder, set(reports))
    return written


def _due_quarters(world: World) -> set[tuple[str, tuple[int, int]]]:
    """(supplier, quarter) that a contract with an employment requirement runs in, with the 30
    days' grace after the quarter passed by the register's date."""
    due = set()
    for c in world.contracts:
        if c.social_level < 3 or not c.supplier_org_number:
            continue
        q, last = quarter(c.start), quarter(min(c.end or TODAY, TODAY))
        while q <= last and quarter_end(q) + dt.timedelta(days=30) <= TODAY:
            due.add((c.supplier_org_number, q))
            q = next_quarter(q)
    return due


def _quarters_without_placements(world: World, folder: Path, reported: set) -> list[Path]:
    """Quarters owed with nothing to report: every third gets the header-only template, one
    gets only a file in the old template (refused: underkänd), the rest nothing (saknas)."""
    written = []
    refused = False
    for i, (org, q) in enumerate(sorted(_due_quarters(world) - reported)):
        path = folder / f"rapport_{org}_{label(q)}.xlsx"
        if i % 3 == 0:
            written.append(write_xlsx(path, HEADER, [], sheet=SHEET))
        elif i % 3 == 2 and not refused:
            written.append(write_xlsx(path, HEADER, [], sheet="Blad1"))
            refused = True
    return written
