"""End to end: `hansyn refresh` on a hand-written raw folder (area statistics, suppliers' reports,
target-group register) publishes geographic_distribution and geographic_distribution_mellanomrade
with the values worked out by hand below: a year without statistics, a key from an earlier year,
missing values and the small-number rule."""

import csv
from pathlib import Path

import duckdb
import openpyxl
import pytest

from hansyn.config import DBT_PROJECT_DIR
from tests.conftest import published, write_text
from tests.pipeline import luhn, run_cli

pytestmark = pytest.mark.slow

# One primärområde carries each stadsområde's unemployed; all others are 0 (0 is a value).
NORDOST, CENTRUM, CENTRUM_2, SYDVAST, HISINGEN = "301", "101", "102", "501", "402"


def person(n: int) -> str:
    """A valid personnummer, one per n: born 1990-01-01 + n days in January–February."""
    month, day = (1, n) if n <= 28 else (2, n - 28)
    nine = f"90{month:02d}{day:02d}{n % 100:02d}1"
    return f"19{nine}{luhn(nine)}"


def statistics() -> str:
    """arbetslosa_primaromraden.csv for every primärområde of the geography seed.

    2022: 301 500, 101 200, 501 100, 402 200, others 0 → total 1000 (199's 50 is no area's).
    2023: as 2022 but 102 `..` and 402 `Uppgift saknas` → total 500 + 200 + 100 = 800, key
          incomplete; Hisingen's other primärområden are 0, so its key is 0 / 800 = 0.
    2024: all `..` (not yet published): not a statistics year."""
    with (DBT_PROJECT_DIR / "seeds" / "geography.csv").open(encoding="utf-8") as f:
        areas = [(r["primaromrade"], r["primaromrade_namn"]) for r in csv.DictReader(f)]
    given = {NORDOST: 500, CENTRUM: 200, SYDVAST: 100, HISINGEN: 200, "199": 50}
    lines = ["Område;2022;2023;2024"]
    for code, name in areas:
        v2022 = given.get(code, 0)
        v2023 = {CENTRUM_2: "..", HISINGEN: "Uppgift saknas"}.get(code, v2022)
        lines.append(f"{code} {name};{v2022};{v2023};..")
    lines.append("Göteborg;1050;1000;..")  # the total row: rejected
    return "\n".join(lines) + "\n"


# (person number, primärområde at registration or None = never registered, start date)
PLACEMENTS = (
    # 2021: five persons in Nordost; no statistics year on or before 2021.
    [(n, NORDOST, "2021-05-01") for n in range(1, 6)]
    # 2023: Nordost 6 (person 6 placed twice), Centrum 5, Sydväst 2, Hisingen 0, two unknown.
    + [(n, NORDOST, "2023-03-01") for n in range(6, 12)]
    + [(6, NORDOST, "2023-09-01")]
    + [(n, CENTRUM, "2023-04-01") for n in range(12, 17)]
    + [(n, SYDVAST, "2023-04-01") for n in range(17, 19)]
    + [(n, None, "2023-04-01") for n in range(19, 21)]
    # 2025: five in Nordost; the key comes from 2023 (2024 is all `..`).
    + [(n, NORDOST, "2025-02-01") for n in range(21, 26)]
)


def write_raw(raw: Path) -> None:
    write_text(raw / "omradesstatistik" / "arbetslosa_primaromraden.csv", statistics())
    write_text(
        raw / "omradesstatistik" / "befolkning_primaromraden.csv",
        "Område;2022\n301 Gamlestaden;4000\n",
    )
    register = ["Personnummer;Målgrupp;Primärområde;Inskrivningsdatum;Utskrivningsdatum;"
                "Anvisad till Upphandlings-ID"]  # fmt: skip
    seen = set()
    for n, area, _ in PLACEMENTS:
        if area and n not in seen:
            seen.add(n)
            register.append(f"{person(n)};Nyanländ;{area};2020-01-01;;")
    write_text(raw / "malgruppsregister" / "malgruppsregister_2025-12-31.csv", "\n".join(register))
    (raw / "leverantorsrapporter").mkdir(parents=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Rapport"
    ws.append(["Upphandlings-ID", "Leverantör organisationsnummer", "Personnummer", "Insatstyp",
               "Startdatum", "Slutdatum", "Omfattning procent", "Rapportperiod"])  # fmt: skip
    for n, _, start in PLACEMENTS:
        quarter = f"{start[:4]}-Q{(int(start[5:7]) - 1) // 3 + 1}"
        ws.append(["K1", "556000-0001", person(n), "Anställning", start, None, 100, quarter])
    wb.save(raw / "leverantorsrapporter" / "rapport_5560000001.xlsx")


def test_refresh_publishes_the_geographic_tables_as_worked_out_by_hand(hansyn_env):
    write_raw(hansyn_env / "raw")
    done = run_cli("refresh")
    assert done.returncode == 0, done.stdout + done.stderr

    rows = published(
        hansyn_env,
        "select year, stadsomrade, key_year, distribution_key, key_complete, placed_individuals, "
        "expected_individuals, deviation, placement_share from geographic_distribution "
        "order by year, stadsomrade",
    )
    got = {(r[0], r[1]): r[2:] for r in rows}
    # A row for each of the four areas in every year in which a placement starts (2023's
    # unknown-area persons make no year of their own; 2022 and 2024 have no placement).
    assert sorted(got) == [(y, a) for y in (2021, 2023, 2025) for a in ("01", "02", "03", "04")]

    # 2021: no statistics year on or before it → no key, incomplete, nothing expected.
    # Placed: Nordost 5 of 5 → share 1; the others 0 (0 stays 0).
    assert got[(2021, "01")] == (None, None, False, 5, None, None, 1.0)
    for area in ("02", "03", "04"):
        assert got[(2021, area)] == (None, None, False, 0, None, None, 0.0)

    # 2023: key from 2023 (incomplete; total 800): 01 500/800 = 0.625, 02 200/800 = 0.25,
    # 03 100/800 = 0.125, 04 0/800 = 0. Placed: 01 6 (person 6 twice counts once), 02 5,
    # 03 2 → NULL, 04 0; the two unknown-area persons are left out; total 6 + 5 + 2 = 13.
    # 01 expected 0.625 × 13 = 8.125, deviation 6 − 8.125 = −2.125, share 6 / 13.
    assert got[(2023, "01")] == pytest.approx((2023, 0.625, False, 6, 8.125, -2.125, 6 / 13))
    # 03 placed 2 → NULL, and its deviation and share; expected 0.125 × 13 = 1.625.
    assert got[(2023, "03")] == (2023, 0.125, False, None, 1.625, None, None)
    # 02 placed 5, hidden too (complementary): the total 13 follows from 01's expected / key
    # (8.125 / 0.625), so 13 − 6 − 0 would give 03's 2 back. The smallest shown non-zero part,
    # 5, is hidden with it: 5 + 2 = 7 > 2 hidden parts. Its expected 0.25 × 13 = 3.25 stays
    # (from the total and the key, not from its count); deviation and share go with the count.
    assert got[(2023, "02")] == (2023, 0.25, False, None, 3.25, None, None)
    assert got[(2023, "04")] == (2023, 0.0, False, 0, 0.0, 0.0, 0.0)

    # 2025: 2024 is all `..`, so the key is 2023's. Nordost 5 of 5: expected 0.625 × 5 =
    # 3.125, deviation 1.875; Centrum expected 1.25, deviation −1.25; Sydväst 0.625, −0.625.
    assert got[(2025, "01")] == pytest.approx((2023, 0.625, False, 5, 3.125, 1.875, 1.0))
    assert got[(2025, "02")] == pytest.approx((2023, 0.25, False, 0, 1.25, -1.25, 0.0))
    assert got[(2025, "03")] == pytest.approx((2023, 0.125, False, 0, 0.625, -0.625, 0.0))
    assert got[(2025, "04")] == pytest.approx((2023, 0.0, False, 0, 0.0, 0.0, 0.0))

    # One level down: 301 is in mellanområde 12 (Gamlestaden-Utby), 101 and 102 in 35
    # (Kungsladugård-Sanna). 2023: 12 has 500/800 = 0.625 and 6 persons of the 13 → expected
    # 8.125; 35 has 200/800 = 0.25 (102 missing) and 5 persons → expected 3.25, its count
    # hidden as one level up (with Sydväst's 2 it is the smallest shown part of 2023's 13).
    mellan = published(
        hansyn_env,
        "select year, mellanomrade, mellanomrade_namn, key_year, distribution_key, key_complete, "
        "placed_individuals, expected_individuals, deviation from "
        "geographic_distribution_mellanomrade where year = 2023 and mellanomrade in ('12', '35') "
        "order by mellanomrade",
    )
    assert len(mellan) == 2
    assert mellan[0] == pytest.approx(
        (2023, "12", "Gamlestaden-Utby", 2023, 0.625, False, 6, 8.125, -2.125)
    )
    assert mellan[1] == pytest.approx(
        (2023, "35", "Kungsladugård-Sanna", 2023, 0.25, False, None, 3.25, None)
    )
    (n_areas,) = published(
        hansyn_env, "select count(distinct mellanomrade) from geographic_distribution_mellanomrade"
    )[0]
    assert n_areas == 36

    # The total row was rejected with its line and reason, and kept.
    con = duckdb.connect(str(hansyn_env / "warehouse.duckdb"), read_only=True)
    try:
        rejected = con.execute(
            "select file_name, row_number, reason from audit.rejected_rows "
            "where source = 'omradesstatistik'"
        ).fetchall()
    finally:
        con.close()
    assert rejected == [
        (
            "arbetslosa_primaromraden.csv",
            99,  # header + 97 geography rows (96 primärområden and 199) + this one
            "'Område' is not a known primärområde of the geography: 'Göteborg'",
        )
    ]
