"""Sample `malgruppsregister/`: two exports of the target-group register. The older one comes
from the old system in Windows-1252 and lacks later deregistrations; the newer one holds every
registration. A few rows are bad."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from .formats import write_csv
from .world import TODAY, World

HEADER = [
    "Personnummer", "Målgrupp", "Primärområde", "Inskrivningsdatum", "Utskrivningsdatum",
    "Anvisad till Upphandlings-ID",
]  # fmt: skip
OLD_EXPORT = dt.date(2024, 12, 31)


def _rows(world: World, rng: random.Random, as_of: dt.date) -> list[list[object]]:
    rows = []
    for r in world.registrations:
        if r.registered > as_of:
            continue
        out = r.deregistered if r.deregistered and r.deregistered <= as_of else None
        target_group = r.target_group
        if as_of < TODAY and target_group == "Ung 16–29" and rng.random() < 0.5:
            target_group = "Ung 16-29"  # the old system typed a hyphen
        rows.append([
            r.person.render(rng), target_group, r.primaromrade, r.registered.isoformat(),
            out.isoformat() if out else "", r.referred_to or "",
        ])  # fmt: skip
    rng.shuffle(rows)
    return rows


def write(world: World, folder: Path, rng: random.Random) -> list[Path]:
    old = _rows(world, rng, OLD_EXPORT)
    new = _rows(world, rng, TODAY)
    # Rows the loader must reject: a check digit that fails, an unknown Målgrupp, a
    # deregistration before the registration.
    for good in rng.sample(new, k=min(len(new), 2)):
        pnr = str(good[0])
        new.append([pnr[:-1] + str((int(pnr[-1]) + 1) % 10), *good[1:]])
        new.append([good[0], "Arbetssökande", *good[2:]])
        registered = dt.date.fromisoformat(str(good[3]))
        new.append([*good[:4], (registered - dt.timedelta(days=1)).isoformat(), good[5]])
    return [
        write_csv(
            folder / f"malgruppsregister_{OLD_EXPORT.isoformat()}.csv", HEADER, old, "cp1252"
        ),
        write_csv(folder / f"malgruppsregister_{TODAY.isoformat()}.csv", HEADER, new),
    ]
