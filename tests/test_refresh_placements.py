"""End to end: `run_refresh()` on a hand-written raw folder (register snapshot, quarterly
reports, target-group register) publishes i3_placements, i3_individuals and process_sync with
the values worked out by hand below, and no published file holds a personnummer or pseudonym."""

import datetime as dt
import hashlib
import hmac
import re
import shutil

import duckdb
import openpyxl
import pytest

from tests.conftest import published, write_text
from tests.pipeline import pnr

pytestmark = pytest.mark.slow

KEY = b"test-key-not-secret"  # the hansyn_env fixture's HANSYN_PSEUDONYM_KEY
HEX64 = re.compile(r"[0-9a-fA-F]{64}")


# name: (personnummer, sex, birth date)
PEOPLE = {
    "P1": (pnr("19950601", "242"), "F"),
    "P2": (pnr("19900120", "131"), "M"),
    "P3": (pnr("20001231", "482"), "F"),
    "P4": (pnr("19940701", "213"), "M"),  # 29 on 2024-05-01, 30 from 2024-07-01
    "P5": (pnr("19800303", "364"), "F"),
    "P6": (pnr("19990270", "115"), "M"),  # samordningsnummer: born 1999-02-10 (day + 60)
    "P7": (pnr("19700505", "626"), "F"),  # never registered
    "P8": (pnr("20010101", "557"), "M"),  # registered twice on the same day
    "P10": (pnr("19850909", "448"), "F"),  # registered the day after the start
    "P11": (pnr("19920202", "271"), "M"),  # only in the refused workbook
    "P12": (pnr("19880808", "339"), "M"),  # registered, referred, never placed
}
BAD = PEOPLE["P3"][0][:-1] + str((int(PEOPLE["P3"][0][-1]) + 1) % 10)  # check digit fails


def form(name: str, i: int) -> str:
    """The same person's number in the four forms, in turn."""
    d = PEOPLE[name][0]
    return [f"{d[:8]}-{d[8:]}", d, f"{d[2:8]}-{d[8:]}", d[2:]][i % 4]


REPORT_HEADER = [
    "Upphandlings-ID", "Leverantör organisationsnummer", "Personnummer", "Insatstyp",
    "Startdatum", "Slutdatum", "Omfattning procent", "Rapportperiod",
]  # fmt: skip


def workbook(path, rows, sheet="Rapport"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(REPORT_HEADER)
    for r in rows:
        ws.append(r)
    wb.save(path)


def r(pid, who, i, kind, start, end, extent, period):
    person = who if who == BAD else form(who, i)
    start = dt.date.fromisoformat(start) if i % 2 else start  # date cells and typed text
    return [pid, "556000-0001", person, kind, start, end, extent, period]


def write_reports(folder):
    folder.mkdir(parents=True)
    q1 = [
        r("K1", "P1", 0, "Anställning", "2024-02-01", None, 100, "2024-Q1"),
        r("K1", "P2", 1, "Anställning", "2024-03-15", None, 50, "2024-Q1"),
    ]
    q2 = [
        r("K1", "P1", 1, "Anställning", "2024-02-01", None, 100, "2024-Q2"),  # repeated
        r("K1", "P2", 2, "Anställning", "2024-03-15", None, 75, "2024-Q2"),  # corrects extent
        r("K1", "P3", 3, "Anställning", "2024-04-01", None, 100, "2024-Q2"),
        r("K1", "P4", 0, "Anställning", "2024-05-01", None, 100, "2024-Q2"),
        r("K1", BAD, 0, "Anställning", "2024-04-01", None, 100, "2024-Q2"),  # rejected
        r("K1", "P3", 1, "Lönebidrag", "2024-04-01", None, 100, "2024-Q2"),  # rejected
        r("K1", "P4", 2, "Praktik", "2024-05-01", "2024-04-30", 100, "2024-Q2"),  # rejected
    ]
    q3 = [
        r("K1", "P1", 2, "Anställning", "2024-02-01", None, 100, "2024-Q3"),
        r("K1", "P8", 3, "Anställning", "2024-08-01", None, 100, "2024-Q3"),
        r("X-UNREG", "P7", 0, "Sysselsättning", "2024-09-01", None, 50, "2024-Q3"),
    ]
    q4 = [
        r("K1", "P1", 3, "Anställning", "2024-02-01", "2024-11-30", 100, "2024-Q4"),
        r("K1", "P10", 0, "Anställning", "2024-10-01", None, 100, "2024-Q4"),
    ]
    k2 = [
        r("K2", "P5", 0, "Anställning", "2024-06-01", None, 100, "2024-Q2"),
        r("K2", "P5", 1, "Anställning", "2024-06-01", None, 100, "2024-Q3"),
        r("K2", "P6", 2, "Anställning", "2024-07-01", None, 100, "2024-Q3"),
        r("K2", "P5", 3, "Anställning", "2024-06-01", None, 100, "2024-Q4"),
        r("K2", "P1", 0, "Praktik", "2024-12-01", None, 25, "2024-Q4"),
    ]
    k3 = [r("K3", "P2", 1, "Trainee", "2025-02-01", "2025-05-31", 100, "2025-Q1")]
    workbook(folder / "rapport_5560000001_2024-Q1.xlsx", q1)
    workbook(folder / "rapport_5560000001_2024-Q2.xlsx", q2)
    # The Q2 file delivered twice: the later name is the duplicate.
    shutil.copyfile(
        folder / "rapport_5560000001_2024-Q2.xlsx", folder / "rapport_5560000001_2024-Q2_igen.xlsx"
    )
    workbook(folder / "rapport_5560000001_2024-Q3.xlsx", q3)
    workbook(folder / "rapport_5560000001_2024-Q4.xlsx", q4)
    workbook(folder / "rapport_5560000019_2024.xlsx", k2)
    workbook(folder / "rapport_5560000019_2025-Q1.xlsx", k3)
    # The old template (sheet Blad1): refused whole, so P11 is never counted.
    workbook(
        folder / "rapport_gammal_mall.xlsx",
        [r("K1", "P11", 0, "Anställning", "2024-05-05", None, 100, "2024-Q2")],
        sheet="Blad1",
    )


REGISTER_HEADER = (
    "Personnummer;Målgrupp;Primärområde;Inskrivningsdatum;Utskrivningsdatum;"
    "Anvisad till Upphandlings-ID\r\n"
)


def write_register(folder):
    old = REGISTER_HEADER + "".join(
        f"{line}\r\n"
        for line in [
            f"{form('P1', 2)};Nyanländ;101;2023-03-01;;K1",
            f"{form('P2', 2)};Nyanländ;101;2023-03-01;;K1",
            f"{form('P2', 3)};Långtidsarbetslös;301;2025-01-15;;K3",
            f"{form('P3', 0)};Nyanländ;101;2023-03-01;;",
            f"{form('P4', 1)};Nyanländ;101;2023-03-01;;",
            f"{form('P5', 2)};Nyanländ;101;2023-03-01;;",
            f"{form('P6', 3)};Nyanländ;101;2023-03-01;;",
            f"{form('P8', 0)};Ung 16–29;301;2023-05-01;;",
            f"{form('P8', 1)};Långtidsarbetslös;501;2023-05-01;;",
            f"{form('P10', 2)};Nyanländ;101;2024-10-02;;",
            f"{form('P12', 3)};Nyanländ;101;2023-01-01;;K2",
            f"{BAD};Nyanländ;101;2023-01-01;;K2",  # rejected
        ]
    )
    write_text(folder / "malgruppsregister_2025-12-31.csv", old, encoding="cp1252")
    # A later export repeats P1's registration with the deregistration filled in.
    new = REGISTER_HEADER + f"{form('P1', 0)};Nyanländ;101;2023-03-01;2024-12-31;K1\r\n"
    write_text(folder / "malgruppsregister_2026-03-31.csv", "\ufeff" + new)


CONTRACT_HEADER = (
    "Upphandlings-ID;Diarienummer;Upphandlingens titel;Beställande organisation;"
    "Organisationsnummer för köpare;Upphandlingsslag;Huvudsaklig CPV-kod;Avtalsstart;Avtalsslut;"
    "Beräknat antal arbetstagare;Social hänsyn nivå;Antal krävda platser;Målgrupper;"
    "Leverantör organisationsnummer;Leverantör namn;Utförandeområde\n"
)


def contract(pid, org, start, end, level, places, supplier):
    return (
        f"{pid};D-{pid};Titel {pid};Park- och naturförvaltningen;{org};Tjänster;x;{start};{end};"
        f"10;{level};{places};Nyanländ;556000-0001;{supplier};01\n"
    )


def write_contracts(folder):
    text = CONTRACT_HEADER + "".join(
        [
            contract("K1", "2120001355", "2023-01-01", "2024-12-31", 3, 3, "Grönyta AB"),
            contract("K2", "2120001355", "2024-01-01", "", 4, 4, "Städ AB"),
            contract("K3", "2120001355", "2025-01-01", "2025-06-30", 3, 2, "Grönyta AB"),
            contract("K4", "2120001355", "2024-01-01", "", 1, 0, "Städ AB"),  # no employment req.
            contract("U1", "2021003153", "2024-01-01", "", 4, 5, "Städ AB"),  # the university
        ]
    )
    write_text(folder / "avtalsregister_2026-03-31.csv", text)


def test_refresh_publishes_indicator_3_and_process_sync_as_worked_out_by_hand(hansyn_env):
    raw = hansyn_env / "raw"
    write_reports(raw / "leverantorsrapporter")
    write_register(raw / "malgruppsregister")
    write_contracts(raw / "avtalsregister")
    from orchestration.refresh import run_refresh

    summary = run_refresh()
    assert summary.published, summary.render()

    # Placements after deduplication (one per contract, person, type, start):
    #   K1 Anställning: P1 02-01, P2 03-15, P3 04-01, P4 05-01, P8 08-01, P10 10-01 (2024)
    #   K2: P5 Anställning 06-01, P6 Anställning 07-01, P1 Praktik 12-01 (2024)
    #   X-UNREG (not in the register): P7 Sysselsättning 2024-09-01
    #   K3: P2 Trainee 2025-02-01
    # Target group and area at the start: P1–P6 Nyanländ in 101 (02); P8's two registrations
    # of 2023-05-01 tie → Långtidsarbetslös (before Ung) in 501 (03); P10 registered the day
    # after her start → Okänd, 99; P7 never registered → Okänd, 99; P2 on 2025-02-01 has the
    # newer registration of 2025-01-15 → Långtidsarbetslös in 301 (01).
    # i3_placements, one way at a time, every category in both years (0 where nothing started).
    # 2024 by type: Anställning P1 P2 P3 P4 P8 P10 P5 P6 = 8 of 8 persons; Praktik P1 and
    # Sysselsättning P7 are 1 each (hidden), which the year's 10 would give back (2 over 2), so
    # the smallest shown, Anställning, is hidden too (10 over 3).
    # By target group: Nyanländ P1 (twice) P2–P6 = 7 placements of 6 persons, shown;
    # Långtidsarbetslös P8 1 and Okänd P10 P7 2 are hidden (3 over 2: enough).
    # By area: 02 = Nyanländ's 7 and 6; 03 P8 1; 99 P10 P7 2. geographic_distribution hides 03
    # (1 person) and with it 02 (the smallest shown area; the revealed total is 7), so they are
    # hidden here too; 99 (2 persons) is hidden: 10 over 3.
    # 2025: P2 alone (Trainee, Långtidsarbetslös, 01): 1 person, hidden everywhere.
    expected = {
        (year, dimension, category): (0, 0)
        for year in (2024, 2025)
        for dimension, categories in {
            "placement_type": ["Anställning", "Lärlingsplats", "Praktik", "Sysselsättning",
                               "Trainee"],
            "target_group": ["Långtidsarbetslös", "Nyanländ", "Ung 16–29",
                             "Person med funktionsnedsättning", "Försörjningsstöd", "Okänd"],
            "stadsomrade": ["01", "02", "03", "04", "99"],
        }.items()
        for category in categories
    }  # fmt: skip
    hidden = (None, None)
    expected |= {
        (2024, "placement_type", "Anställning"): hidden,
        (2024, "placement_type", "Praktik"): hidden,
        (2024, "placement_type", "Sysselsättning"): hidden,
        (2024, "target_group", "Nyanländ"): (7, 6),
        (2024, "target_group", "Långtidsarbetslös"): hidden,
        (2024, "target_group", "Okänd"): hidden,
        (2024, "stadsomrade", "02"): hidden,
        (2024, "stadsomrade", "03"): hidden,
        (2024, "stadsomrade", "99"): hidden,
        (2025, "placement_type", "Trainee"): hidden,
        (2025, "target_group", "Långtidsarbetslös"): hidden,
        (2025, "stadsomrade", "01"): hidden,
    }
    rows = published(
        hansyn_env,
        "select year, dimension, category, placements, individuals from i3_placements",
    )
    assert {(y, d, c): (p, n) for y, d, c, p, n in rows} == expected and len(rows) == 32
    assert published(
        hansyn_env,
        "select year, placed_individuals from geographic_distribution "
        "where stadsomrade in ('02', '03') order by all",
    ) == [(2024, None), (2024, None), (2025, 0), (2025, 0)]
    # 2024: P1–P8 and P10 = 9 persons, 10 placements (P1 twice); women P1 P3 P5 P7 P10 = 5;
    # men P2 P4 P6 P8 = 4 → NULL, and so women too (9 − 5 would give the men back: hidden
    # parts 4 + 5 = 9 > 2). Under 30 at their first start that year: P1 28, P3 23, P4 29 (turns
    # 30 on 2024-07-01), P6 25, P8 23 = 5; P2 34, P5 44, P7 54, P10 39 are not.
    # 2025: P2 alone → 1 person: NULL; no woman → 0 (a zero is not hidden: no complementary
    # part left, and the total is hidden); nobody under 30 → 0.
    assert published(
        hansyn_env,
        "select year, individuals, placements, women, men, under_30 from i3_individuals "
        "order by year",
    ) == [(2024, 9, 10, None, None, 5), (2025, None, None, 0, None, 0)]
    # K1: 3 required, P1 P2 P3 P4 P8 P10 placed = 6 → fill 2.0, uppfyllt; referred P1 P2 = 2;
    #     first 2024-02-01 = 365 + 31 = 396 days after 2023-01-01.
    # K2: 4 required, P5 P6 P1 = 3 → 0.75, open-ended → pågår; referred P12 = 1 (the bad row
    #     is rejected); first 2024-06-01 = 31+29+31+30+31 = 152 days after 2024-01-01.
    # K3: 2 required, P2 = 1 → 0.5, ended 2025-06-30 before the snapshot 2026-03-31 →
    #     ej uppfyllt; referred P2 = 1; first 2025-02-01, 31 days. K4 (level 1) and U1 (the
    #     university) have no row; X-UNREG neither. Exempt from the small-number rule.
    assert published(
        hansyn_env,
        "select procurement_id, required_places, placed_individuals, fill_rate, "
        "referred_candidates, first_placement_date, days_to_first_placement, status "
        "from process_sync order by procurement_id",
    ) == [
        ("K1", 3, 6, 2.0, 2, dt.date(2024, 2, 1), 396, "uppfyllt"),
        ("K2", 4, 3, 0.75, 1, dt.date(2024, 6, 1), 152, "pågår"),
        ("K3", 2, 1, 0.5, 1, dt.date(2025, 2, 1), 31, "ej uppfyllt"),
    ]

    # In the warehouse: P2's Q2 report corrected the extent; the duplicate and the refused
    # workbook are logged; rejected rows kept with file, row and reason.
    con = duckdb.connect(str(hansyn_env / "warehouse.duckdb"), read_only=True)
    try:
        p2 = hmac.new(KEY, PEOPLE["P2"][0].encode(), hashlib.sha256).hexdigest()
        assert con.execute(
            "select extent_percent, report_rows, latest_report_period "
            "from intermediate.int_placements_deduplicated "
            "where person_id = ? and placement_type = 'Anställning'",
            [p2],
        ).fetchall() == [(75, 2, "2024-Q2")]
        statuses = dict(
            con.execute(
                "select file_name, status from audit.load_log where source in "
                "('leverantorsrapporter', 'malgruppsregister')"
            ).fetchall()
        )
        assert statuses["rapport_5560000001_2024-Q2_igen.xlsx"] == "duplicate"
        assert statuses["rapport_gammal_mall.xlsx"] == "refused"
        rejected = con.execute(
            "select source, file_name, row_number, reason from audit.rejected_rows "
            "where source in ('leverantorsrapporter', 'malgruppsregister') order by all"
        ).fetchall()
    finally:
        con.close()
    assert rejected == [
        ("leverantorsrapporter", "rapport_5560000001_2024-Q2.xlsx", 6,
         "'Personnummer' is not a valid personnummer: check digit fails"),
        ("leverantorsrapporter", "rapport_5560000001_2024-Q2.xlsx", 7,
         "'Insatstyp' has unknown value 'Lönebidrag' (allowed: Anställning, Lärlingsplats, "
         "Trainee, Praktik, Sysselsättning)"),
        ("leverantorsrapporter", "rapport_5560000001_2024-Q2.xlsx", 8,
         "'Slutdatum' is before 'Startdatum'"),
        ("malgruppsregister", "malgruppsregister_2025-12-31.csv", 13,
         "'Personnummer' is not a valid personnummer: check digit fails"),
    ]  # fmt: skip

    assert_no_person_in_published_files(hansyn_env / "marts")


def assert_no_person_in_published_files(marts):
    """Every value of every published table, in the database file and in the Parquet files:
    no personnummer in any form, no pseudonym, no 64-hex string at all."""
    numbers = {p[0] for p in PEOPLE.values()} | {BAD}
    needles = set()
    for d in numbers:
        needles |= {d, f"{d[:8]}-{d[8:]}", d[2:], f"{d[2:8]}-{d[8:]}"}
        needles.add(hmac.new(KEY, d.encode(), hashlib.sha256).hexdigest())
    con = duckdb.connect()
    try:
        con.execute(f"attach '{marts / 'indikatorer.duckdb'}' as pub (read_only)")
        relations = [
            f"pub.main.{t}"
            for (t,) in con.execute(
                "select table_name from duckdb_tables() where database_name = 'pub'"
            ).fetchall()
        ] + [f"read_parquet('{p}')" for p in sorted(marts.glob("*.parquet"))]
        assert len(relations) > 6
        for relation in relations:
            columns = [c[0] for c in con.execute(f"describe select * from {relation}").fetchall()]
            assert not {"person_id", "personnummer"} & set(columns), relation
            for column in columns:
                values = con.execute(
                    f'select distinct cast("{column}" as varchar) from {relation}'
                ).fetchall()
                for (value,) in values:
                    if value is None:
                        continue
                    assert not any(n in value for n in needles), f"{relation}.{column}"
                    if column != "file_sha256":
                        assert not HEX64.search(value), f"{relation}.{column}"
    finally:
        con.close()
    for path in marts.iterdir():
        if path.is_file():
            data = path.read_bytes()
            assert not any(n.encode() in data for n in needles), path.name
