"""Sample `upphandlingsmyndigheten/`: the national statistics in the agency's raw CSV form and in
the cleaned xlsx form of the open-data copy, with the city's advertised procurements and those of
other municipalities, a region and a state agency in them."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from .formats import write_csv, write_xlsx
from .world import AGENCY_NAMES, World

HEADER = [
    "År", "Namn för köpare", "Organisationsnummer för köpare", "Sektor för köpare",
    "Delsektor för köpare", "Juridisk form för köpare", "SNI-Avdelning för köpare",
    "Upphandlingsslag", "CPV-Huvudgrupp", "CPV-Grupp", "CPV-Undergrupp", "CPV-Kategori",
    "CPV-Underkategori", "Huvudsaklig CPV-kod", "Rättslig grund", "Direktivstyrd", "Förfarande",
    "Typ av avtal", "Dynamiskt inköpssystem", "Elektronisk auktion", "Anbudsområden",
    "Samordnad upphandling", "Miljömässigt hållbar upphandling", "Socialt hållbar upphandling",
    "Innovationsupphandling", "Reserverad upphandling", "Reserverat genomförande",
    "Annonsdatabas", "Överprövad", "Upphandlings-ID", "Upphandlingens titel",
    "Publiceringsdatum", "Antal upphandlingar, Summa",
]  # fmt: skip
OTHER_MUNICIPALITIES = [
    ("2120001132", "LUNDS KOMMUN"),
    ("2120002742", "LULEÅ KOMMUN"),
    ("2120000142", "STOCKHOLMS KOMMUN"),
    ("2120001124", "MALMÖ KOMMUN"),
]
# More of the country for national_benchmark, drawn after the rows above so that those (and the
# city's) stay as they were: municipalities, and buyers that are none (left out of it).
MORE_BUYERS = [
    ("2120003005", "UPPSALA KOMMUN"),
    ("2120002528", "ÖSTERSUNDS KOMMUN"),
    ("2120002783", "KIRUNA KOMMUN"),
    ("2120001223", "LAHOLMS KOMMUN"),
    ("2321000131", "VÄSTRA GÖTALANDSREGIONEN"),
    ("2021006545", "TRAFIKVERKET"),
]
# Per buyer, how often a procurement is flagged socially sustainable and how often the flag is
# unknown (the rest: false), so that the municipalities' shares and ranks differ.
FLAG_ODDS = {
    "2120000142": (0.55, 0.35),
    "2120001124": (0.10, 0.80),
    "2120003005": (0.15, 0.70),
    "2120002742": (0.30, 0.40),
    "2120001132": (0.20, 0.20),
    "2120002528": (0.25, 0.50),
    "2120002783": (0.00, 0.90),
    "2120001223": (0.30, 0.30),
}
KINDS = [
    "Sysselsättningsmöjligheter för långtidsarbetslösa",
    "Arbetsrättsliga villkor",
    "Lärlingsplatser",
]


def _national_flag(rng: random.Random, org: str, raw_form: bool) -> str:
    """Socialt hållbar upphandling for a buyer outside the city, in every delivered form."""
    flagged, unknown = FLAG_ODDS.get(org, (0.2, 0.4))
    draw = rng.random()
    if draw < flagged:
        return rng.choice([*KINDS, "True"]) if raw_form else rng.choice(["True", "1"])
    if draw < flagged + unknown:
        return "Uppgift saknas" if raw_form else ""
    return "False" if raw_form else rng.choice(["False", "0"])


def _row(rng: random.Random, year: int, org: str, name: str, kind: str, cpv: str, pid: str,
         title: str, published: str, social: str, raw_form: bool) -> list[object]:  # fmt: skip
    unknown = "Uppgift saknas" if raw_form else ""
    yes, no = ("True", "False") if rng.random() < 0.5 or raw_form else ("1", "0")
    return [
        year, name, org if raw_form else org, "Kommun" if org.startswith("212") else "Bolag",
        unknown, unknown, unknown, kind, cpv, unknown, unknown, unknown, unknown, cpv,
        "Direktiv 2014/24/EU", yes, "Öppet förfarande", rng.choice(["Ramavtal", "Kontrakt"]),
        no, no, unknown, no, rng.choice([yes, no, unknown]), social, no, no, no,
        "Mercell Annonsdatabas", no, pid, title, published, 1,
    ]  # fmt: skip


def _rows(world: World, rng: random.Random, years: range, raw_form: bool) -> list[list[object]]:
    rows = []
    # Its own generator: the national rows' flags and buyers leave the draws of `rng` as they were.
    national = random.Random(f"{world.seed}-national-{years.start}")
    for c in world.contracts:
        published = c.start.replace(day=1)
        year = published.year
        if not c.advertised or year not in years:
            continue
        social = (
            ("Sysselsättningsmöjligheter för långtidsarbetslösa" if raw_form else "True")
            if (c.social_level >= 3)
            else ("Uppgift saknas" if raw_form else "")
            if rng.random() < 0.2
            else "False"
        )
        rows.append(
            _row(
                rng,
                year,
                c.buyer_org_number,
                AGENCY_NAMES[c.buyer_org_number],
                c.procurement_type,
                c.cpv,
                c.procurement_id,
                c.title,
                published.isoformat(),
                social,
                raw_form,
            )  # fmt: skip
        )
    # The rest of the country, and procurements the city advertised but never registered.
    for year in years:
        for i in range(round(40 * world.scale)):
            org, name = rng.choice(OTHER_MUNICIPALITIES)
            rows.append(
                _row(
                    rng,
                    year,
                    org,
                    name,
                    rng.choice(["Tjänster", "Varor"]),
                    "90910000 Rengöringstjänster",
                    f"NAT-{year}-{i:05d}",
                    "Städning",
                    f"{year}-03-01",
                    _national_flag(national, org, raw_form),
                    raw_form,
                )  # fmt: skip
            )
        for i in range(round(6 * world.scale)):
            org = rng.choice(["2120001355", "5563533412", "5561143941"])
            rows.append(
                _row(
                    rng,
                    year,
                    org,
                    AGENCY_NAMES[org],
                    "Tjänster",
                    "79710000 Säkerhetstjänster",
                    f"UNREG-{year}-{i:03d}",
                    "Bevakning",
                    f"{year}-05-01",
                    "False",
                    raw_form,
                )  # fmt: skip
            )
    for year in years:
        for i in range(round(30 * world.scale)):
            org, name = national.choice(MORE_BUYERS)
            rows.append(
                _row(
                    national,
                    year,
                    org,
                    name,
                    national.choice(["Tjänster", "Varor", "Byggentreprenader"]),
                    "90910000 Rengöringstjänster",
                    f"NAT-{year}-X{i:04d}",
                    "Lokalvård",
                    f"{year}-09-01",
                    _national_flag(national, org, raw_form),
                    raw_form,
                )  # fmt: skip
            )
    return rows


def write(world: World, folder: Path, rng: random.Random) -> list[Path]:
    raw = folder / "antal_upphandlingar_2021-2023.csv"
    write_csv(raw, HEADER, _rows(world, rng, range(2021, 2024), raw_form=True))
    cleaned = folder / "antal_upphandlingar_2024-2025.xlsx"
    write_xlsx(
        cleaned, HEADER, _rows(world, rng, range(2024, 2026), raw_form=False),
        sheet="Antal upphandlingar, Summa",
    )  # fmt: skip
    # Delivered twice: the later name is the duplicate and must not count again.
    again = folder / "antal_upphandlingar_2024-2025_kopia.xlsx"
    shutil.copyfile(cleaned, again)
    return [raw, cleaned, again]
