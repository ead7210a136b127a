"""End to end on the sample city: i2_effect_estimates finds the effect planted in the benefit
extracts (hansyn/sampledata/sample_ersattningar.py), which before/after alone overstates.

The sample plants it as: in the six months after the month of their first start, a placed
person is paid half (PLANTED_SHARE) of what they would have been paid without the place. The
true effect of an `Alla` row is the mean of that planted change over the row's matched persons
(0 for a person the benefit never paid), known exactly from the generator. A 95 % interval
misses about one time in twenty, so the test asks for most rows, not all."""

from __future__ import annotations

import os
from collections import defaultdict

import duckdb
import pytest

from hansyn.sampledata import generate
from hansyn.sampledata.sample_ersattningar import PLANTED_SHARE, planted_effects
from hansyn.sampledata.world import build_world
from hansyn.sources.personnummer import pseudonymise

pytestmark = pytest.mark.slow

KEY = "test-key-not-secret"
SEED = 2026


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """The sample city (seed 2026, scale 1) through the nightly job, in a temporary folder."""
    from orchestration.refresh import run_refresh

    root = tmp_path_factory.mktemp("effect_city")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HANSYN_RAW_DIR", str(root / "raw"))
        mp.setenv("HANSYN_MARTS_DIR", str(root / "marts"))
        mp.setenv("HANSYN_WAREHOUSE", str(root / "warehouse.duckdb"))
        mp.setenv("HANSYN_PSEUDONYM_KEY", KEY)
        mp.setenv("DAGSTER_HOME", str(root / "dagster_home"))
        for name in list(os.environ):
            if name.startswith(("HANSYN_ALERT", "HANSYN_SMTP")):
                mp.delenv(name)
        generate(root / "raw", seed=SEED)
        summary = run_refresh()
        assert summary.published, summary.render()
        yield root


def _query(path, sql):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def planted_by_row(root) -> dict[tuple[int, str], float]:
    """The true effect of every (cohort_year, benefit_type): the mean planted change over the
    persons the warehouse matched (whom the published row averages over)."""
    planted = {
        (pseudonymise(pnr, KEY.encode()), benefit): effect
        for (pnr, benefit), effect in planted_effects(build_world(seed=SEED), SEED).items()
    }
    matched = _query(
        root / "warehouse.duckdb",
        "select cohort_year, benefit_type, person_id from intermediate.int_effect_cohorts_matched "
        "where is_matched",
    )
    effects = defaultdict(list)
    for year, benefit, person in matched:
        effects[(year, benefit)].append(planted.get((person, benefit), 0.0))
    return {row: sum(values) / len(values) for row, values in effects.items()}


def test_the_intervals_cover_the_planted_effect_in_most_alla_rows(city):
    assert PLANTED_SHARE == 0.5  # the value this test and the notes below speak of
    truth = planted_by_row(city)
    rows = _query(
        city / "marts" / "indikatorer.duckdb",
        "select cohort_year, benefit_type, effect_ci95_low, effect_ci95_high "
        "from i2_effect_estimates where target_group = 'Alla' and effect_ci95_low is not null",
    )
    assert len(rows) >= 12  # five cohort years × three benefits, a few not mature or hidden
    covered = [low <= truth[(year, benefit)] <= high for year, benefit, low, high in rows]
    # Seen on seed 2026: 15 of 15 rows covered. Asked: four in five; fifteen 95 % intervals
    # miss four or more about one time in 200. (People placed later are among the controls and,
    # placed while on benefits, were paid more: the estimates lean a little below the truth.)
    assert sum(covered) / len(covered) >= 0.8, list(zip(rows, covered, strict=True))
    # The effect is real: the planted change is negative in every row.
    assert all(truth[(year, benefit)] < 0 for year, benefit, *_ in rows)


def test_before_after_alone_overstates_the_effect(city):
    rows = _query(
        city / "marts" / "indikatorer.duckdb",
        "select change_per_person_sek, counterfactual_change_per_person_sek, "
        "effect_per_person_sek from i2_effect_estimates "
        "where target_group = 'Alla' and effect_per_person_sek is not null",
    )
    # Spells end by themselves and the placed were mostly paid before: the comparison group's
    # change is negative (what would have happened anyway), so the placed persons' own change
    # is larger than the effect in most rows and summed over all of them.
    falling = [counterfactual < 0 for _, counterfactual, _ in rows]
    assert sum(falling) >= 0.8 * len(rows)
    assert sum(change for change, _, _ in rows) < sum(effect for *_, effect in rows)
