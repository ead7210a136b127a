"""Sample `omradesstatistik/`: PxWeb exports of the population 18–64 and the openly unemployed
by primärområde, one column per year.

Built to exercise the geographic key's rules: statistics for 2021–2024 and a 2025 column that is
all `..` (not yet published, so 2025 takes its key from 2024), one primärområde `..` in 2023
(key_complete false that year), `Uppgift saknas`, the unknown area 199, the municipality's total
row (rejected: not a primärområde), a title line above the header, and the population file in
Windows-1252 from the old export."""

from __future__ import annotations

import random
from pathlib import Path

from .formats import write_csv
from .world import World

YEARS = [2021, 2022, 2023, 2024, 2025]
PUBLISHED = [2021, 2022, 2023, 2024]  # 2025 is in the export, all `..`
# Openly unemployed share of the population 18–64 by stadsområde: Nordost has the most.
RATE = {"01": (0.09, 0.15), "02": (0.025, 0.05), "03": (0.03, 0.06), "04": (0.05, 0.09)}
TITLE = "Befolkning och arbetslöshet 18–64 år efter primärområde och år"


def _with_title(path: Path, title: str, encoding: str) -> Path:
    """PxWeb's "semicolon with heading" export: a title line and an empty line first."""
    body = path.read_bytes().decode(encoding)
    body = body.removeprefix("\ufeff")
    path.write_bytes(f'"{title}"\r\n\r\n{body}'.encode(encoding))
    return path


def write(world: World, folder: Path, rng: random.Random) -> list[Path]:
    population: list[list[object]] = []
    unemployed: list[list[object]] = []
    gap = rng.choice(world.geography)["primaromrade"]  # its 2023 unemployment is `..`
    for area in world.geography:
        label = f"{area['primaromrade']} {area['primaromrade_namn']}"
        base = rng.randint(900, 9000)
        rate = rng.uniform(*RATE[area["stadsomrade"]])
        pop_row: list[object] = [label]
        unemp_row: list[object] = [label]
        for year in YEARS:
            if year not in PUBLISHED:
                pop_row.append("..")
                unemp_row.append("..")
                continue
            pop = round(base * (1 + 0.01 * (year - 2021)) + rng.randint(-40, 40))
            pop_row.append(pop)
            if area["primaromrade"] == gap and year == 2023:
                unemp_row.append("..")
            else:
                unemp_row.append(max(0, round(pop * rate * rng.uniform(0.85, 1.15))))
        population.append(pop_row)
        unemployed.append(unemp_row)
    population.append(["199 Ospecificerat Göteborg", 1650, 1702, "Uppgift saknas", 1811, ".."])
    unemployed.append(["199 Ospecificerat Göteborg", 160, 171, 158, 149, ".."])
    # The export's total row: not a primärområde, rejected with its reason.
    unemployed.append(["1480 Göteborg", 22000, 21500, 20900, 21200, ".."])
    header = ["Område", *map(str, YEARS)]
    written = [
        write_csv(folder / "befolkning_primaromraden.csv", header, population, encoding="cp1252"),
        write_csv(folder / "arbetslosa_primaromraden.csv", header, unemployed),
    ]
    _with_title(written[1], TITLE, "utf-8-sig")
    return written
