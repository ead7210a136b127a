"""Sample `enkat/`: the stakeholder survey's exports, one file per wave and a corrected export.

Built to exercise every rule of indicator 4: five waves, all five roles, groups of 1–4
respondents so the small-number rule bites, a role left out of one wave (the previous-wave
rule), `Vet ej` and empty answers, a Svars-ID repeated in a wave (within a file and in a later
corrected export), answers outside 1–5 (rejected at load), and one export from the old tool in
Windows-1252."""

from __future__ import annotations

import random
from pathlib import Path

from .formats import write_csv
from .world import World

WAVES = ["2023-H2", "2024-H1", "2024-H2", "2025-H1", "2025-H2"]
ITEMS = [f"F{i}" for i in range(1, 10)]
HEADER = ["Svars-ID", "Omgång", "Roll", *ITEMS]

# Respondents per role (of the seed survey_roles) and wave at scale 1.
BASE = {"Upphandlare": 24, "Beställare": 30, "Leverantör": 14, "Jobbmäklare": 9, "Deltagare": 20}
# Fixed small groups (not scaled), so the small-number rule always bites; 0 = not surveyed.
SMALL = {
    ("2023-H2", "Leverantör"): 3,
    ("2024-H1", "Jobbmäklare"): 4,
    ("2024-H1", "Deltagare"): 0,
    ("2025-H2", "Jobbmäklare"): 2,
}
# Where each role stands at the first wave (1–5), and how much it gains per wave.
LEVEL = {
    "Upphandlare": 3.2,
    "Beställare": 2.9,
    "Leverantör": 3.0,
    "Jobbmäklare": 3.8,
    "Deltagare": 3.4,
}
GAIN = {
    "Upphandlare": 0.15,
    "Beställare": 0.1,
    "Leverantör": 0.2,
    "Jobbmäklare": 0.05,
    "Deltagare": 0.1,
}
# Trust starts lower, engagement higher, than understanding.
DIMENSION_SHIFT = [0.0, 0.0, 0.0, -0.4, -0.4, -0.4, 0.3, 0.3, 0.3]


def _answer(rng: random.Random, mean: float) -> str:
    roll = rng.random()
    if roll < 0.07:
        return "Vet ej"
    if roll < 0.11:
        return ""
    return str(min(5, max(1, round(rng.gauss(mean, 0.9)))))


def _respondent(rng: random.Random, wave_no: int, role: str) -> list[str]:
    level = LEVEL[role] + GAIN[role] * wave_no
    person = rng.gauss(0, 0.5)  # some respondents are more positive throughout
    return [_answer(rng, level + person + shift) for shift in DIMENSION_SHIFT]


def write(world: World, folder: Path, rng: random.Random) -> list[Path]:
    written = []
    for wave_no, wave in enumerate(WAVES):
        rows = []
        for role in BASE:  # the roles of the seed survey_roles that the sample city has
            n = SMALL.get((wave, role), max(6, round(BASE[role] * world.scale)))
            for _ in range(n):
                rows.append([None, wave, role, *_respondent(rng, wave_no, role)])
        rng.shuffle(rows)
        tag = wave.replace("-", "")
        for i, row in enumerate(rows, start=1):
            row[0] = f"{tag}-{i:04d}"
        if wave == "2024-H2":
            # The tool exported one respondent twice; the later row counts.
            again = list(rows[5])
            again[3:] = _respondent(rng, wave_no, again[2])
            rows.append(again)
            # Answers outside 1–5: these rows are rejected at load, with the item named.
            rows[7][3 + 4] = "6"
            rows[11][3 + 0] = "0"
        name = f"enkat_{wave}.csv"
        # The 2023 export came from the old survey tool in Windows-1252.
        encoding = "cp1252" if wave == "2023-H2" else "utf-8-sig"
        written.append(write_csv(folder / name, HEADER, rows, encoding=encoding))
        if wave == "2025-H1":
            # A corrected export for three respondents: the newer file's rows count.
            corrected = [[*row[:3], *_respondent(rng, wave_no, row[2])] for row in rows[:3]]
            written.append(write_csv(folder / f"enkat_{wave}_rattelse.csv", HEADER, corrected))
    return written
