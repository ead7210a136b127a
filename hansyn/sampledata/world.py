"""The synthetic city behind the sample data: contracts, people, registrations and placements.

Every source's writer renders its delivery from this one world, so the sources agree with each
other the way the real ones do (the same people, the same contracts)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from .. import reference

FIRST_YEAR = 2021
LAST_YEAR = 2025
TODAY = dt.date(2026, 3, 31)  # the date of the newest register snapshot

KOMMUN = "2120001355"
# The kommun buys through its förvaltningar (Beställande organisation); each company of the
# seed `city_organisations` buys in its own name.
KOMMUN_UNITS = [
    "Stadsledningskontoret",
    "Park- och naturförvaltningen",
    "Fastighetskontoret",
    "Förskoleförvaltningen",
    "Grundskoleförvaltningen",
    "Äldre samt vård- och omsorgsförvaltningen",
    "Stadsmiljöförvaltningen",
    "Inköp och upphandling",
]
# Buyers that share the city's name but are not the city's (left out of every indicator).
OTHER_BUYERS = [
    ("2021003153", "Göteborgs universitet"),
    ("2220000265", "Göteborgsregionens kommunalförbund"),
    ("2220000752", "Räddningstjänstförbundet Storgöteborg"),
    ("5561217828", "GöteborgsOperan AB"),
]
AGENCY_NAMES = {
    "2120001355": "GÖTEBORGS KOMMUN",
    "5563533412": "GÖTEBORGS SPÅRVÄGAR AKTIEBOLAG",
    "5563626794": "GÖTEBORG ENERGI AKTIEBOLAG",
    "5561143941": "FAMILJEBOSTÄDER I GÖTEBORG AKTIEBOLAG",
    "5560468562": "GÖTEBORGS STADS BOSTADSAKTIEBOLAG",
    "5561194878": "GÖTEBORGS STADS PARKERINGSAKTIEBOLAG",
    "5560082553": "GÖTEBORGS HAMN AKTIEBOLAG",
    "5560953829": "GÖTEBORGS EGNAHEMS AKTIEBOLAG",
    "5560824897": "FÖRVALTNINGS AB GÖTEBORGSLOKALER",
    "5564280369": "GÖTEBORG & CO AB",
    "2021003153": "GÖTEBORGS UNIVERSITET",
    "2220000265": "GÖTEBORGSREGIONENS KOMMUNALFÖRBUND",
    "2220000752": "RÄDDNINGSTJÄNSTFÖRBUNDET STORGÖTEBORG",
    "5561217828": "GÖTEBORGSOPERAN AKTIEBOLAG",
}
SERVICES_CPV = [
    "90910000 Rengöringstjänster",
    "77310000 Plantering och skötsel av grönområden",
    "55520000 Cateringtjänster",
    "50700000 Reparation och underhåll av utrustning i byggnader",
    "79710000 Säkerhetstjänster",
    "60100000 Vägtransporttjänster",
    "90500000 Tjänster i samband med avfall",
    "72512000 Dokumenthanteringstjänster",
]
GOODS_CPV = ["30190000 Diverse kontorsutrustning", "15800000 Diverse livsmedel"]
WORKS_CPV = ["45210000 Byggnadsarbete", "45233000 Anläggningsarbeten för vägar"]
SUPPLIERS = [
    ("5560000001", "Städ & Service i Väst AB"),
    ("5560000019", "Grönyta Göteborg AB"),
    ("5560000027", "Måltid Hisingen AB"),
    ("5560000035", "Fastighetsteknik Nordost AB"),
    ("5560000043", "Trygg Bevakning Sverige AB"),
    ("5560000050", "Kretslopp & Återbruk AB"),
    ("5560000068", "Transport Centrum AB"),
    ("5560000076", "Arkiv och Dokument i Göteborg AB"),
]
# A sole trader (enskild firma): the organisationsnummer is the owner's personnummer.
SOLE_TRADER = ("7503149879", "Lindqvists Fönsterputs")
# How common each kind of placement is in the sample city (a kind the seed `placement_types`
# adds gets the last weight).
PLACEMENT_WEIGHTS = [40, 10, 10, 25, 15]


def city_buyers() -> list[tuple[str, str]]:
    """(org number, Beställande organisation) of the city's buyers."""
    companies = [(o, n) for o, n in reference.city_organisations().items() if o != KOMMUN]
    return [(KOMMUN, unit) for unit in KOMMUN_UNITS] + companies


def luhn_digit(nine_digits: str) -> str:
    total = 0
    for i, ch in enumerate(nine_digits):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


@dataclass
class Person:
    pnr12: str  # YYYYMMDDNNNN, day + 60 for a samordningsnummer
    birth: dt.date
    sex: str  # 'F' or 'M'

    def render(self, rng: random.Random) -> str:
        """The personnummer in one of the forms the contracts allow."""
        long, short = self.pnr12, self.pnr12[2:]
        sep = "+" if TODAY.year - self.birth.year >= 100 else "-"
        forms = [f"{long[:8]}-{long[8:]}", long, f"{short[:6]}{sep}{short[6:]}"]
        if sep == "-":
            forms.append(short)
        return rng.choice(forms)


@dataclass
class Registration:
    person: Person
    target_group: str
    primaromrade: str
    registered: dt.date
    deregistered: dt.date | None
    referred_to: str | None


@dataclass
class Contract:
    procurement_id: str
    diarienummer: str
    title: str
    buyer_org_number: str
    buyer_organisation: str
    procurement_type: str
    cpv: str
    start: dt.date
    end: dt.date | None
    workers: int
    social_level: int
    required_places: int
    target_groups: list[str]
    supplier_org_number: str | None
    supplier_name: str | None
    execution_area: str | None
    advertised: bool  # in the agency's statistics
    first_snapshot: dt.date
    # Signed before it starts: in the register's snapshots from first_snapshot on, even before
    # its start (the pipeline's contracts that have not started).
    listed_before_start: bool = False


@dataclass
class Placement:
    contract: Contract
    person: Person
    placement_type: str
    start: dt.date
    end: dt.date | None
    extent: int


@dataclass
class World:
    seed: int
    scale: float
    geography: list[dict[str, str]]
    contracts: list[Contract] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    registrations: list[Registration] = field(default_factory=list)
    placements: list[Placement] = field(default_factory=list)
    snapshot_dates: list[dt.date] = field(default_factory=list)


def load_geography() -> list[dict[str, str]]:
    return [dict(r) for r in reference.geography() if r["stadsomrade"]]


def _date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    import calendar

    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def make_person(rng: random.Random, used: set[str]) -> Person:
    while True:
        age_years = rng.choices([rng.randint(16, 29), rng.randint(30, 64), 101], [45, 54, 1])[0]
        birth = _date_between(
            rng, dt.date(2026 - age_years, 1, 1), dt.date(2026 - age_years, 12, 28)
        )
        sex = rng.choice("FM")
        serial = f"{rng.randint(0, 99):02d}"
        sex_digit = rng.choice("02468" if sex == "F" else "13579")
        day = birth.day + (60 if rng.random() < 0.03 else 0)  # samordningsnummer
        nine = f"{birth:%y%m}{day:02d}{serial}{sex_digit}"
        pnr12 = f"{birth.year // 100}{nine}{luhn_digit(nine)}"
        if pnr12 not in used:
            used.add(pnr12)
            return Person(pnr12=pnr12, birth=birth, sex=sex)


def build_world(seed: int = 2026, scale: float = 1.0) -> World:
    rng = random.Random(seed)
    world = World(seed=seed, scale=scale, geography=load_geography())
    n_contracts = max(20, round(150 * scale))
    world.snapshot_dates = [dt.date(2025, 6, 30), dt.date(2025, 12, 31), TODAY]
    buyers = city_buyers()
    target_groups = list(reference.target_groups())
    areas = [*sorted(reference.stadsomraden()), None]
    placement_types = list(reference.placement_types())
    weights = [
        PLACEMENT_WEIGHTS[min(i, len(PLACEMENT_WEIGHTS) - 1)] for i in range(len(placement_types))
    ]

    for i in range(n_contracts):
        year = rng.randint(FIRST_YEAR, LAST_YEAR)
        city = rng.random() < 0.92
        org, buyer = rng.choice(buyers if city else OTHER_BUYERS)
        kind = rng.choices(["Tjänster", "Varor", "Byggentreprenader"], [70, 15, 15])[0]
        cpv = rng.choice(
            {"Tjänster": SERVICES_CPV, "Varor": GOODS_CPV, "Byggentreprenader": WORKS_CPV}[kind]
        )
        start = _date_between(rng, dt.date(year, 1, 1), dt.date(year, 12, 31))
        shape = rng.random()
        if shape < 0.12:
            end = None  # open-ended
        elif shape < 0.17:
            end = _add_months(start, 4) - dt.timedelta(days=1)  # exactly on the boundary
        elif shape < 0.22:
            end = _add_months(start, 4) - dt.timedelta(days=2)  # one day short
        elif shape < 0.30:
            end = start + dt.timedelta(days=rng.randint(20, 100))  # short
        else:
            end = _add_months(start, rng.choice([12, 24, 36, 48]))
        workers = rng.choices([0, 1, 2, rng.randint(3, 40)], [5, 15, 15, 65])[0]
        level = (
            rng.choices([0, 1, 2, 3, 4], [35, 10, 10, 30, 15])[0]
            if kind == "Tjänster"
            else (rng.choices([0, 1, 2, 3, 4], [70, 10, 5, 10, 5])[0])
        )
        places = rng.randint(1, 6) if level >= 3 else 0
        supplier = rng.choice(SUPPLIERS)
        first_snapshot = (
            rng.choice(world.snapshot_dates)
            if start.year == LAST_YEAR
            else (world.snapshot_dates[0])
        )
        world.contracts.append(
            Contract(
                procurement_id=f"GBG-{year}-{i + 1:04d}",
                diarienummer=f"{year}/{rng.randint(100, 9999)}",
                title=f"{cpv.split(' ', 1)[1]} {rng.choice(['2.0', 'ramavtal', ''])}".strip(),
                buyer_org_number=org,
                buyer_organisation=buyer,
                procurement_type=kind,
                cpv=cpv,
                start=start,
                end=end,
                workers=workers,
                social_level=level,
                required_places=places,
                target_groups=rng.sample(target_groups, k=rng.randint(1, 3)) if level else [],
                supplier_org_number=supplier[0] if rng.random() > 0.05 else None,
                supplier_name=supplier[1],
                execution_area=rng.choice(areas),
                advertised=rng.random() < 0.8,
                first_snapshot=first_snapshot,
            )
        )

    # A sole trader, whose organisationsnummer is their personnummer, holds some of the
    # contracts with an employment requirement (chosen without the random stream, so the rest of
    # the city stays as it was): never published, masked in the report files' names.
    for contract in world.contracts[3::9]:
        if contract.social_level >= 3 and contract.supplier_org_number:
            contract.supplier_org_number, contract.supplier_name = SOLE_TRADER
    used: set[str] = set()
    n_people = max(60, round(700 * scale))
    world.people = [make_person(rng, used) for _ in range(n_people)]
    employment_contracts = [c for c in world.contracts if c.social_level >= 3]
    primar = [g["primaromrade"] for g in world.geography]
    for person in world.people:
        if rng.random() < 0.08:
            continue  # never registered: target group Okänd, area 99
        for _ in range(rng.choices([1, 2, 3], [75, 20, 5])[0]):
            registered = _date_between(rng, dt.date(2019, 1, 1), dt.date(2025, 10, 31))
            out = registered + dt.timedelta(days=rng.randint(60, 900))
            world.registrations.append(
                Registration(
                    person=person,
                    target_group=rng.choice(target_groups),
                    primaromrade="199" if rng.random() < 0.03 else rng.choice(primar),
                    registered=registered,
                    deregistered=out if out < TODAY and rng.random() < 0.5 else None,
                    referred_to=rng.choice(employment_contracts).procurement_id
                    if employment_contracts and rng.random() < 0.4
                    else None,
                )
            )

    for person in world.people:
        if rng.random() > 0.55 or not employment_contracts:
            continue
        for _ in range(rng.choices([1, 2], [85, 15])[0]):
            contract = rng.choice(employment_contracts)
            latest = min(contract.end or TODAY, TODAY - dt.timedelta(days=30))
            if latest <= contract.start:
                continue
            start = _date_between(rng, contract.start, latest)
            end = None if rng.random() < 0.3 else start + dt.timedelta(days=rng.randint(30, 540))
            world.placements.append(
                Placement(
                    contract=contract,
                    person=person,
                    placement_type=rng.choices(placement_types, weights)[0],
                    start=start,
                    end=end,
                    extent=rng.choice([25, 50, 75, 100, 100, 100]),
                )
            )
    _add_pipeline(world, random.Random(f"{seed}-pipeline"), used)
    return world


# The contracts signed in the newest snapshot's quarter (TODAY = 2026-03-31), one for each pace
# of placement_pipeline: (start, end, places, area, target groups, with a supplier yet).
# Byggentreprenader, as most employment requirements are, and not advertised: indicator 1's
# services, the agency's statistics and the suppliers' due reports stay as they were.
PIPELINE_CONTRACTS = [
    # ej startad: starts after the snapshot.
    (dt.date(2026, 5, 1), dt.date(2027, 10, 31), 4, "02", ["Nyanländ", "Långtidsarbetslös"], True),
    (dt.date(2026, 9, 1), None, 3, None, [], False),  # not awarded yet, open to every group
    # löpande: open-ended, started.
    (dt.date(2026, 1, 15), None, 5, "04", ["Ung 16–29"], True),
    # efter: 6 × 90/181 days = 2.98 expected by now, nobody placed; ends within a quarter.
    (dt.date(2026, 1, 1), dt.date(2026, 6, 30), 6, "01", ["Försörjningsstöd"], True),
    # efter: 8 × 90/273 = 2.6 expected; ends within two quarters.
    (dt.date(2026, 1, 1), dt.date(2026, 9, 30), 8, None, ["Långtidsarbetslös", "Ung 16–29"], True),
    # i fas: 3 × 59/730 = 0.24 expected, floor 0.
    (dt.date(2026, 2, 1), dt.date(2028, 1, 31), 3, "03", ["Nyanländ"], True),
]


def _add_pipeline(world: World, rng: random.Random, used: set[str]) -> None:
    """The contracts of PIPELINE_CONTRACTS, and persons registered this winter whom the job
    brokers referred to them (no placement yet: they wait). Drawn from their own generator and
    added after everything else, so that the rest of the city is as it was."""
    buyers = city_buyers()
    added = []
    for i, (start, end, places, area, groups, awarded) in enumerate(PIPELINE_CONTRACTS):
        org, buyer = rng.choice(buyers)
        cpv = rng.choice(WORKS_CPV)
        supplier = rng.choice(SUPPLIERS) if awarded else (None, None)
        contract = Contract(
            procurement_id=f"GBG-2026-{9001 + i:04d}",
            diarienummer=f"2026/{rng.randint(100, 9999)}",
            title=f"{cpv.split(' ', 1)[1]} etapp {i + 1}",
            buyer_org_number=org,
            buyer_organisation=buyer,
            procurement_type="Byggentreprenader",
            cpv=cpv,
            start=start,
            end=end,
            workers=rng.randint(10, 40),
            social_level=rng.choice([3, 4]),
            required_places=places,
            target_groups=groups,
            supplier_org_number=supplier[0],
            supplier_name=supplier[1],
            execution_area=area,
            advertised=False,
            first_snapshot=world.snapshot_dates[-1],
            listed_before_start=True,
        )
        world.contracts.append(contract)
        added.append(contract)
    target_groups = list(reference.target_groups())
    primar = [g["primaromrade"] for g in world.geography]
    for _ in range(max(6, round(20 * world.scale))):
        world.registrations.append(
            Registration(
                person=make_person(rng, used),
                target_group=rng.choice(target_groups),
                primaromrade=rng.choice(primar),
                registered=_date_between(rng, dt.date(2026, 1, 2), dt.date(2026, 3, 20)),
                deregistered=None,
                referred_to=rng.choice(added).procurement_id,
            )
        )
