"""End to end: `hansyn refresh` on a hand-written raw folder publishes the indicator-1 tables with
the values worked out by hand below. (That a reader holding the published file never blocks a
publish is tested on publish() itself, in tests/test_publish_formats.py.)"""

import shutil
from pathlib import Path

import pytest

from tests.conftest import REAL_DATA, published, write_text
from tests.pipeline import run_cli

pytestmark = pytest.mark.slow

REGISTER_HEADER = (
    "Upphandlings-ID;Diarienummer;Upphandlingens titel;Beställande organisation;"
    "Organisationsnummer för köpare;Upphandlingsslag;Huvudsaklig CPV-kod;Avtalsstart;Avtalsslut;"
    "Beräknat antal arbetstagare;Social hänsyn nivå;Antal krävda platser;Målgrupper;"
    "Leverantör organisationsnummer;Leverantör namn;Utförandeområde\n"
)
KOMMUN, SPARVAGAR, UNIVERSITET = "212000-1355", "5563533412", "2021003153"


def contract(pid, buyer, org, kind, start, end, workers, level, places):
    return (
        f"{pid};D-{pid};Titel {pid};{buyer};{org};{kind};x;{start};{end};{workers};{level};"
        f"{places};Nyanländ;556000-0001;Lev {pid} AB;01\n"
    )


NEWEST = REGISTER_HEADER + "".join(
    [
        # on the list: ends exactly on start + 4 months - 1 day; level 3 = employment
        contract("P1", "Park", KOMMUN, "Tjänster", "2024-01-15", "2024-05-14", 2, 3, 4),
        # on the list but goods: not in i1
        contract("P2", "Park", KOMMUN, "Varor", "2024-02-01", "", 5, 4, 2),
        # one day short of four months
        contract("Q1", "Park", KOMMUN, "Tjänster", "2024-01-15", "2024-05-13", 10, 4, 3),
        # one worker
        contract("Q2", "Park", KOMMUN, "Tjänster", "2024-03-01", "", 1, 3, 1),
        # open-ended, two workers, level 1: social but not employment
        contract("Q3", "Park", KOMMUN, "Tjänster", "2024-06-01", "", 2, 1, 0),
        contract("Q4", "Fastighetskontoret", KOMMUN, "Tjänster", "2025-01-10", "2027-01-09", 3, 0, 0),
        # month end clamped: 2024-10-31 + 4 months = 2025-02-28, - 1 day = 2025-02-27
        contract("S1", "Göteborgs Spårvägar AB", SPARVAGAR, "Tjänster", "2024-10-31", "2025-02-27", 4, 4, 1),
        # not the city's
        contract("U1", "Göteborgs universitet", UNIVERSITET, "Tjänster", "2024-01-01", "", 9, 4, 5),
    ]
)  # fmt: skip
OLDER = REGISTER_HEADER + contract("Z", "Park", KOMMUN, "Tjänster", "2023-01-01", "", 5, 4, 9)

AGENCY = (
    "\ufeffÅr;Namn för köpare;Organisationsnummer för köpare;Upphandlingsslag;Huvudsaklig CPV-kod;"
    "Typ av avtal;Socialt hållbar upphandling;Upphandlings-ID;Upphandlingens titel;Publiceringsdatum\n"
    "2024;GÖTEBORGS KOMMUN;2120001355;Tjänster;x;Ramavtal;True;P1;t;2024-01-02\n"
    "2024;GÖTEBORGS KOMMUN;2120001355;Varor;x;Ramavtal;Uppgift saknas;P2;t;2024-01-03\n"
    "2024;GÖTEBORGS KOMMUN;2120001355;Tjänster;x;Ramavtal;False;P9;t;2024-01-04\n"
    "2024;GÖTEBORGS SPÅRVÄGAR AKTIEBOLAG;5563533412;Tjänster;x;Kontrakt;;S1;t;2024-08-01\n"
    "2024;GÖTEBORGS UNIVERSITET;2021003153;Tjänster;x;Kontrakt;;U1;t;2024-02-01\n"
)


def write_raw(raw: Path) -> None:
    write_text(raw / "avtalsregister" / "avtalsregister_2024-06-30.csv", OLDER, "cp1252")
    write_text(raw / "avtalsregister" / "avtalsregister_2025-01-31.csv", NEWEST)
    write_text(raw / "upphandlingsmyndigheten" / "statistik_2024.csv", AGENCY)


def test_refresh_publishes_indicator_1_as_worked_out_by_hand(hansyn_env):
    write_raw(hansyn_env / "raw")
    done = run_cli("refresh")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "published" in done.stdout and "bruttolista" in done.stdout

    assert published(
        hansyn_env,
        "select procurement_id, procurement_type, workers, has_employment_requirement, "
        "in_agency_statistics from bruttolista order by procurement_id",
    ) == [
        ("P1", "Tjänster", 2, True, True),
        ("P2", "Varor", 5, True, True),
        ("Q3", "Tjänster", 2, False, False),
        ("Q4", "Tjänster", 3, False, False),
        ("S1", "Tjänster", 4, True, True),
    ]
    # Park 2024: services P1 Q1 Q2 Q3 = 4; on the list P1 Q3 = 2; social (≥1) P1 Q3 = 2;
    # employment P1 = 1 → 2/2 = 1.0 and 1/2 = 0.5; places of P1 = 4.
    assert published(
        hansyn_env,
        "select year, buyer_organisation, service_procurements, gross_list_procurements, "
        "with_social_requirement, with_employment_requirement, share_social_requirement, "
        "share_employment_requirement, required_places from i1_procurement_share "
        "order by year, buyer_organisation",
    ) == [
        (2024, "Göteborgs Spårvägar AB", 1, 1, 1, 1, 1.0, 1.0, 1),
        (2024, "Park", 4, 2, 2, 1, 1.0, 0.5, 4),
        (2025, "Fastighetskontoret", 1, 1, 0, 0, 0.0, 0.0, 0),
    ]
    # Kommun 2024: P1 P2 P9 advertised (services P1 P9), in the register P1 P2, P9 missing.
    assert published(
        hansyn_env,
        "select year, buyer_org_number, buyer_name, agency_procurements, "
        "agency_service_procurements, in_register, missing_from_register "
        "from procurement_reconciliation order by buyer_org_number",
    ) == [
        (2024, "2120001355", "GÖTEBORGS KOMMUN", 3, 2, 2, 1),
        (2024, "5563533412", "GÖTEBORGS SPÅRVÄGAR AKTIEBOLAG", 1, 1, 1, 0),
    ]
    marts = hansyn_env / "marts"
    for table in ("bruttolista", "i1_procurement_share", "procurement_reconciliation"):
        assert (marts / f"{table}.parquet").exists()
    tables = {
        r[0] for r in published(hansyn_env, "select table_name from information_schema.tables")
    }
    assert {"bruttolista", "i1_procurement_share", "procurement_reconciliation"} <= tables
    assert not any(t.startswith(("stg_", "int_")) for t in tables)


def test_real_statistics_reconcile_per_city_organisation(hansyn_env):
    """The real 2021 export: each city organisation's real count, and nobody else."""
    raw = hansyn_env / "raw"
    write_text(raw / "avtalsregister" / "avtalsregister_2025-01-31.csv", NEWEST)
    (raw / "upphandlingsmyndigheten").mkdir()
    shutil.copy(
        REAL_DATA / "upphandlingsmyndigheten_2021" / "number_of_procurements.xlsx",
        raw / "upphandlingsmyndigheten",
    )
    from orchestration.refresh import run_refresh

    summary = run_refresh()
    assert summary.published, summary.render()
    rows = dict(
        published(
            hansyn_env,
            "select buyer_org_number, agency_procurements from procurement_reconciliation "
            "where year = 2021",
        )
    )
    # Counted in the agency's Göteborg extract (goteborg_buyers_number_of_procurements_2021.csv).
    assert rows == {
        "2120001355": 296,
        "5563533412": 32,
        "5563626794": 29,
        "5561143941": 28,
        "5560468562": 23,
        "5561194878": 13,
        "5560082553": 9,
        "5560953829": 6,
        "5564280369": 3,
        "5560824897": 2,
    }
