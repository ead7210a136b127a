"""Sample `ersattningar/`: three payers' extracts, person by month, each in its own layout.

Social services send a file a year (the oldest in Windows-1252) and, lately, one a month;
unemployment insurance one extract for 2019–2025; the social insurance agency one for a shorter
span, so some persons are not mature for it. Registered persons receive benefits in spells
that end by themselves (EXIT); placed persons were more often paid before their first start,
and the place halves what they are paid in the six months after it (the planted effect that
i2_effect_estimates should find, while before/after alone finds more). Corrections come as
extra rows, repayments as negative amounts, and a few rows are bad."""

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


# Benefit spells end by themselves: a recipient in a spell leaves it with this chance each month,
# and one not in a spell starts one with ENTRY (in a spell about a third of the time).
EXIT, ENTRY = 1 / 6, 1 / 12
# People are placed while on benefits more often than others: a placed person's draw (whether
# they ever receive the benefit, their level, their spells) is made again, up to RETRIES times,
# when they were not paid in the six months before their first start, unless the draw is kept
# (KEEP_UNPAID). The choice depends on "paid before" only, which i2_effect_estimates holds equal
# between a placed person and their controls: among the paid before (and among the others) the
# placed persons' histories are drawn like everyone's. Persons placed later are controls of
# earlier months and bring the selection into those months (as real ones would): the estimate
# leans a little towards more saving than planted.
KEEP_UNPAID, RETRIES = 0.15, 6
# The planted effect: in the six months after the month of their first start, a placed person is
# paid PLANTED_SHARE of what they would have been paid without the place (every row of those
# months, corrections and repayments too).
PLANTED_SHARE = 0.5
BURN_IN = 36  # months simulated before a payer's span, so spells there are already under way


def _history(rng: random.Random, first: dt.date, last: dt.date) -> list[dt.date]:
    """The months of one recipient's spells from `first` to `last`."""
    paid, on = [], rng.random() < ENTRY / (ENTRY + EXIT)
    for m in months(add_months(first, -BURN_IN), last):
        on = rng.random() >= EXIT if on else rng.random() < ENTRY
        if on and m >= first:
            paid.append(m)
    return paid


def _draw(rng: random.Random, benefit: str, share: float, span: tuple) -> tuple[float, list]:
    """Whether a person ever receives the benefit, at what level, and in which months."""
    if rng.random() >= share:
        return 0.0, []
    low, high = LEVEL[benefit]
    return rng.uniform(low, high), _history(rng, *span)


def _rows(
    rng: random.Random, person: Person, paid: list[dt.date], level: float, span: tuple
) -> list[tuple[Person, dt.date, float]]:
    span_first, span_last = span
    rows = []
    for m in paid:
        if not span_first <= m <= span_last:
            continue
        amount = round(level * rng.uniform(0.9, 1.1), 2)
        rows.append((person, m, amount))
        if rng.random() < 0.03:  # a correction, as its own row
            rows.append((person, m, -round(amount * rng.uniform(0.05, 0.3), 2)))
    if paid and rng.random() < 0.05:  # a repayment of an earlier overpayment
        m = rng.choice(paid)
        if span_first <= m <= span_last:
            rows.append((person, m, -round(rng.uniform(500, 3000), 2)))
    return rows


def first_starts(world: World) -> dict[str, dt.date]:
    """Each placed person's first Startdatum (the index date S of indicator 2)."""
    out: dict[str, dt.date] = {}
    for p in world.placements:
        key = p.person.pnr12
        out[key] = min(out.get(key, p.start), p.start)
    return out


def _payments(
    world: World, rng: random.Random
) -> tuple[dict[str, list[tuple[Person, dt.date, float]]], dict[tuple[str, str], float]]:
    """(person, month, amount) rows per benefit, corrections and repayments included, and the
    planted effect per (personnummer, benefit): what the place changed in the after window."""
    first_start = first_starts(world)
    registered = {r.person.pnr12: r for r in world.registrations}
    out: dict[str, list[tuple[Person, dt.date, float]]] = defaultdict(list)
    planted: dict[tuple[str, str], float] = {}
    for person in world.people:
        reg = registered.get(person.pnr12)
        if reg is None:
            continue
        young_or_disabled = (
            reg.target_group == "Person med funktionsnedsättning"
            or dt.date(2024, 1, 1).year - person.birth.year < 30
        )
        start = first_start.get(person.pnr12)
        m0 = start.replace(day=1) if start else None
        for benefit, span in SPANS.items():
            share = SHARE[benefit] if benefit != AKT or young_or_disabled else 0.0
            level, paid = _draw(rng, benefit, share, span)
            if m0 is not None:
                before = set(months(add_months(m0, -6), add_months(m0, -1)))
                for _ in range(RETRIES):
                    if before & set(paid) or rng.random() < KEEP_UNPAID:
                        break
                    level, paid = _draw(rng, benefit, share, span)
            if not paid:
                continue
            rows = _rows(rng, person, paid, level, span)
            if m0 is not None:
                after = set(months(add_months(m0, 1), add_months(m0, 6)))
                natural = sum(a for _, m, a in rows if m in after)
                rows = [
                    (p, m, round(a * PLANTED_SHARE, 2) if m in after else a) for p, m, a in rows
                ]
                effect = sum(a for _, m, a in rows if m in after) - natural
                planted[(person.pnr12, benefit)] = effect
            out[benefit].extend(rows)
    # Each extract's span is its first to last month: make sure both ends have a row (from a
    # person never placed, so that no planted effect is disturbed).
    people = [p for p in world.people if p.pnr12 in registered and p.pnr12 not in first_start]
    for benefit, (span_first, span_last) in SPANS.items():
        for m in (span_first, span_last):
            out[benefit].append((rng.choice(people), m, round(rng.uniform(*LEVEL[benefit]), 2)))
    return out, planted


def planted_effects(world: World, seed: int) -> dict[tuple[str, str], float]:
    """The planted effect per (personnummer YYYYMMDDNNNN, benefit) in SEK over the six months
    after the month of the first start, as `write` plants it for this world and seed (negative:
    less paid than without the place). Persons placed but never paid a benefit have none (0)."""
    return _payments(world, random.Random(f"{seed}-ersattningar"))[1]


def _bad_rows(rows: list[list[object]], rng: random.Random, month_fmt: str) -> None:
    """One invalid check digit, one month that is not a month, one amount that is not one."""
    good = rng.choice(rows)
    pnr = str(good[0])
    rows.append([pnr[:-1] + str((int(pnr[-1]) + 1) % 10), good[1], good[2]])
    rows.append([good[0], "2024-13" if month_fmt == "dash" else "202413", good[2]])
    rows.append([good[0], good[1], "12,34,5"])


def write(world: World, folder: Path, rng: random.Random) -> list[Path]:
    payments, _ = _payments(world, rng)
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
