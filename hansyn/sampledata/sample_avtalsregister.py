"""Sample `avtalsregister/`: three snapshots of the contract register, the oldest from the old
system in Windows-1252, later ones correcting earlier rows."""

from __future__ import annotations

import random
from pathlib import Path

from .formats import orgnr_form, write_csv
from .world import World

HEADER = [
    "Upphandlings-ID", "Diarienummer", "Upphandlingens titel", "Beställande organisation",
    "Organisationsnummer för köpare", "Upphandlingsslag", "Huvudsaklig CPV-kod", "Avtalsstart",
    "Avtalsslut", "Beräknat antal arbetstagare", "Social hänsyn nivå", "Antal krävda platser",
    "Målgrupper", "Leverantör organisationsnummer", "Leverantör namn", "Utförandeområde",
]  # fmt: skip


def write(world: World, folder: Path, rng: random.Random) -> list[Path]:
    written = []
    newest = world.snapshot_dates[-1]
    for i, snapshot in enumerate(world.snapshot_dates):
        rows = []
        for c in world.contracts:
            if c.first_snapshot > snapshot or (c.start > snapshot and not c.listed_before_start):
                continue
            places = c.required_places
            if snapshot != newest and places and rng.random() < 0.2:
                places += 1  # corrected downwards in a later snapshot
            rows.append([
                c.procurement_id, c.diarienummer, c.title, c.buyer_organisation,
                orgnr_form(c.buyer_org_number, hyphen=rng.random() < 0.5), c.procurement_type,
                c.cpv, c.start.isoformat(), c.end.isoformat() if c.end else "", c.workers,
                c.social_level, places, ", ".join(c.target_groups),
                orgnr_form(c.supplier_org_number, hyphen=True) if c.supplier_org_number else "",
                c.supplier_name or "", c.execution_area or "",
            ])  # fmt: skip
        rng.shuffle(rows)
        path = folder / f"avtalsregister_{snapshot.isoformat()}.csv"
        write_csv(path, HEADER, rows, encoding="cp1252" if i == 0 else "utf-8-sig")
        written.append(path)
    return written
