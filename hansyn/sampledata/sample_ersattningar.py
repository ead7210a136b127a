"""Sample `ersattningar/`: three payers' extracts, person by month, each in its own layout.

Social services send a file a year (the oldest in Windows-1252) and, lately, one a month;
unemployment insurance one extract for 2019–2025; the social insurance agency one for a shorter
span, so some persons are not mature for it. Registered persons receive benefits in episodes;
placed persons mostly before their first start and less after. Corrections come as extra rows,
repayments as negative amounts, and a few rows are bad."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from pathlib import Path

from .formats import decimal_comma, write_csv
from .world import Person, World

FS, AE, AKT = "försörjningsstöd", "arbetslöshetsersättning", "aktivitetsersättning"
SPANS = {
    FS: (dt.date(2019, 7, 1), dt.date(2026, 2, 1)),
    AE: (dt.date(2019, 1, 1), dt.date(2025, 12, 1)),
    AKT: (dt.date(2021, 1, 1), dt.date(2025, 9, 1)),
}
SHARE = {FS: 0.35, AE: 0.25, AKT: 0.15}  # of registered persons, who ever receive it
LEVEL = {FS: (3500, 12000), AE: (8000, 21000), AKT: (8500, 11500)}


def add_months(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.month - 1 + n, 12)
    return dt.date(d.year + y, m + 1, 1)


def months(first: dt.date, last: dt.date) -> list[dt.date]:
    out, d = [], first
    while d <= last:
        out.append(d)
        d = add_months(d, 1)
    return out


def _payments(world: World, rng: random.Random) -> dict[str, list[tuple[Person, dt.date, float]]]:
    """(person, month, amount) rows per benefit, corrections and repayments included."""
    first_start: dict[str, dt.date] = {}
    for p in world.placements:
        key = p.person.pnr12
        first_start[key] = min(first_start.get(key, p.start), p.start)
    registered = {r.person.pnr12: r for r in world.registrations}
    out: dict[str, list[tuple[Person, dt.date, float]]] = defaultdict(list)
    for person in world.people:
        reg = registered.get(person.pnr12)
        if reg is None:
            continue
        young_or_disabled = (
            reg.target_group == "Person med funktionsnedsättning"
            or dt.date(2024, 1, 1).year - person.birth.year < 30
        )
        for benefit, (span_first, span_last) in SPANS.items():
            share = SHARE[benefit] if benefit != AKT or young_or_disabled else 0.0
            if rng.random() >= share:
                continue
            low, high = LEVEL[benefit]
            level = rng.uniform(low, high)
            start = first_start.get(person.pnr12)
            if start is not None:
                m0 = start.replace(day=1)
                paid = [m for m in months(add_months(m0, -12), add_months(m0, -1))
                        if rng.random() < 0.85]  # fmt: skip
                stays = rng.random() < 0.3  # most leave the benefit after the placement
                paid += [m for m in months(m0, add_months(m0, 12)) if stays and rng.random() < 0.7]
            else:
                begin = rng.choice(months(span_first, span_last))
                paid = months(begin, add_months(begin, rng.randint(6, 36)))
            for m in paid:
                if not span_first <= m <= span_last:
                    continue
                amount = round(level * rng.uniform(0.9, 1.1), 2)
                out[benefit].append((person, m, amount))
                if rng.random() < 0.03:  # a correction, as its own row
                    out[benefit].append((person, m, -round(amount * rng.uniform(0.05, 0.3), 2)))
            if paid and rng.random() < 0.05:  # a repayment of an earlier overpayment
                m = rng.choice(paid)
                if span_first <= m <= span_last:
                    out[benefit].append((person, m, -round(rng.uniform(500, 3000), 2)))
    # Each extract's span is its first to last month: make sure both ends have a row.
    people = [p for p in world.people if p.pnr12 in registered]
    for benefit, (span_first, span_last) in SPANS.items():
        for m in (span_first, span_last):
            out[benefit].append((rng.choice(people), m, round(rng.uniform(*LEVEL[benefit]), 2)))
    return out


def _bad_rows(rows: list[list[object]], rng: random.Random, month_fmt: str) -> None:
    """One invalid check digit, one month that is not a month, one amount that is not one."""
    good = rng.choice(rows)
    pnr = str(good[0])
    rows.append([pnr[:-1] + str((int(pnr[-1]) + 1) % 10), good[1], good[2]])
    rows.append([good[0], "2024-13" if month_fmt == "dash" else "202413", good[2]])
    rows.append([good[0], good[1], "12,34,5"])


def write(world: World, folder: Path, rng: random.Random) -> list[Path]:
    payments = _payments(world, rng)
    written = []

    # Social services: a file a year (2019–2021 from the old system in Windows-1252), then one a
    # month from 2026. Amounts with decimal comma and a space or no-break space for thousands.
    by_file: dict[str, list[list[object]]] = defaultdict(list)
    for person, m, amount in payments[FS]:
        name = (
            f"forsorjningsstod_{m:%Y-%m}.csv"
            if m.year >= 2026
            else f"forsorjningsstod_{m.year}.csv"
        )
        sep = rng.choice([" ", "\u00a0", ""])
        by_file[name].append([person.render(rng), f"{m:%Y-%m}", decimal_comma(amount, sep)])
    for name in sorted(by_file):
        rows = by_file[name]
        rng.shuffle(rows)
        if name.endswith("2023.csv"):
            _bad_rows(rows, rng, "dash")
        old = name[-8:-4].isdigit() and int(name[-8:-4]) <= 2021
        path = folder / name
        written.append(
            write_csv(path, ["Personnummer", "Utbetalningsmånad", "Belopp"], rows,
                      encoding="cp1252" if old else "utf-8-sig")
        )  # fmt: skip

    # Unemployment insurance: one extract, months as YYYYMM, no thousands separator.
    rows = [[p.render(rng), f"{m:%Y%m}", decimal_comma(a)] for p, m, a in payments[AE]]
    rng.shuffle(rows)
    _bad_rows(rows, rng, "compact")
    first, last = SPANS[AE]
    written.append(
        write_csv(folder / f"arbetsloshetsersattning_{first:%Y%m}-{last:%Y%m}.csv",
                  ["Personnummer", "Period", "Utbetalt belopp"], rows)
    )  # fmt: skip

    # Social insurance agency: one extract, whole kronor with a space for thousands.
    rows = [
        [p.render(rng), f"{m:%Y-%m}", decimal_comma(round(a), " ").removesuffix(",00")]
        for p, m, a in payments[AKT]
    ]
    rng.shuffle(rows)
    first, last = SPANS[AKT]
    written.append(
        write_csv(folder / f"aktivitetsersattning_{first:%Y-%m}_{last:%Y-%m}.csv",
                  ["Personnummer", "Månad", "Belopp kr"], rows)
    )  # fmt: skip
    return written
