"""national_benchmark: the sample city's agency delivery holds the rest of the country, and the
real 2021 national file, delivered as the agency's statistics, publishes the real figures."""

from __future__ import annotations

import random
import shutil

import pytest

from hansyn.sampledata import build_world, sample_upphandlingsmyndigheten
from hansyn.sources.contract import LoadContext
from hansyn.sources.upphandlingsmyndigheten import parse
from tests.conftest import REAL_DATA, published

REAL_FILE = REAL_DATA / "upphandlingsmyndigheten_2021" / "number_of_procurements.xlsx"


def _sample_agency(folder, seed=2026):
    world = build_world(seed=seed)
    folder.mkdir(parents=True)
    return sample_upphandlingsmyndigheten.write(
        world, folder, random.Random(f"{seed}-upphandlingsmyndigheten")
    )


def test_sample_agency_delivery_covers_the_country_deterministically(tmp_path):
    first = _sample_agency(tmp_path / "a")
    again = _sample_agency(tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]

    ctx = LoadContext(pseudonym_key=b"k")
    raw, cleaned = (parse(p, ctx) for p in first[:2])
    orgs = set(raw.rows["buyer_org_number"]) | set(cleaned.rows["buyer_org_number"])
    municipalities = {o for o in orgs if o.startswith("212000")}
    assert "2120001355" in municipalities and len(municipalities) >= 9
    assert {"2321000131", "2021006545"} <= orgs  # a region and a state agency: left out
    # Every form of the flag: the raw CSV names kinds and says Uppgift saknas, the copy is 1/0.
    raw_text = set(raw.rows["socially_sustainable_text"].dropna())
    assert {"Arbetsrättsliga villkor", "True", "False"} <= raw_text
    assert raw.rows["socially_sustainable"].isna().any()
    assert {"1", "0", "True", "False"} <= set(cleaned.rows["socially_sustainable_text"].dropna())
    assert cleaned.rows["socially_sustainable"].isna().any()


@pytest.mark.slow
def test_real_national_file_publishes_the_real_benchmark(hansyn_env):
    """The agency's 2021 statistics as the only delivery: the figures counted in the file."""
    agency = hansyn_env / "raw" / "upphandlingsmyndigheten"
    agency.mkdir()
    shutil.copy(REAL_FILE, agency)
    from orchestration.refresh import run_refresh

    summary = run_refresh()
    assert summary.published, summary.render()

    def one(sql):
        return published(hansyn_env, sql)[0]

    assert one(
        "select count(*), sum(procurements), sum(flagged_social), count(*) filter (where is_city) "
        "from national_benchmark where year = 2021"
    ) == (272, 8122, 701, 1)
    assert one(
        "select buyer_name, flagged_social, procurements from national_benchmark "
        "where year = 2021 and buyer_org_number = '2120000142'"
    ) == ("STOCKHOLMS KOMMUN", 214, 368)
    city = one(
        "select buyer_org_number, buyer_name, flagged_social, procurements, flag_unknown, "
        "share_flagged, rank_share_flagged from national_benchmark where year = 2021 and is_city"
    )
    assert city[:6] == ("2120001355", "GÖTEBORGS KOMMUN", 0, 296, 296, 0.0)
    # Share 0 ranks behind every municipality that flagged anything, level with the rest.
    flagging = one(
        "select count(*) from national_benchmark where year = 2021 and flagged_social > 0"
    )[0]
    assert city[6] == flagging + 1
