"""End to end: `hansyn refresh` on a hand-written survey folder publishes i4_stakeholder_survey
with the values worked out by hand below."""

import duckdb
import pytest

from tests.conftest import published, write_text
from tests.pipeline import run_cli

pytestmark = pytest.mark.slow

HEADER = "Svars-ID;Omgång;Roll;F1;F2;F3;F4;F5;F6;F7;F8;F9\n"

# förståelse = F1–F3, förtroende = F4–F6 (all 3 here), engagemang = F7–F9 (never answered).
WAVE_1 = HEADER + (
    "U1;2024-H1;Upphandlare;4;4;4;3;3;3;;;\n"             # förståelse 4
    "U2;2024-H1;Upphandlare;5;Vet ej;;3;3;3;;;\n"         # 5 (Vet ej and empty left out)
    "U3;2024-H1;Upphandlare;2;3;4;3;3;3;;;\n"             # 3, replaced by the later row below
    "U4;2024-H1;Upphandlare;3;3;Vet ej;3;3;3;;;\n"        # 3
    "U5;2024-H1;Upphandlare;1;1;1;3;3;3;;;\n"             # 1, replaced by the corrected file
    "L1;2024-H1;Leverantör;5;5;5;3;3;3;;;\n"              # 5
    "L2;2024-H1;Leverantör;Vet ej;Vet ej;Vet ej;3;3;3;;;\n"  # no förståelse score
    "X1;2024-H1;Upphandlare;4;7;4;3;3;3;;;\n"             # rejected: F2 outside 1–5
    "U3;2024-H1;Upphandlare;2;2;2;3;3;3;;;\n"             # U3 again, last in file: 2
)  # fmt: skip
CORRECTION = HEADER + "U5;2024-H1;Upphandlare;4;5;Vet ej;3;3;3;;;\n"  # U5 now 4.5
WAVE_2 = HEADER + "".join(
    f"U{i};2024-H2;Upphandlare;4;4;4;;;;;;\n" for i in range(1, 6)
)  # same Svars-IDs in another wave: other respondents


def test_refresh_publishes_i4_as_worked_out_by_hand(hansyn_env):
    raw = hansyn_env / "raw" / "enkat"
    write_text(raw / "enkat_2024-H1.csv", WAVE_1, "cp1252")
    write_text(raw / "enkat_2024-H1_rattelse.csv", CORRECTION)
    write_text(raw / "enkat_2024-H2.csv", WAVE_2)
    write_text(raw / "enkat_2024-H2_kopia.csv", WAVE_2)  # same content again: counts once

    done = run_cli("refresh")
    assert done.returncode == 0, done.stdout + done.stderr

    rows = published(
        hansyn_env,
        "select wave, role, dimension, respondents, mean_score, share_positive, ci95_low, "
        "ci95_high, previous_wave, change_from_previous_wave from i4_stakeholder_survey "
        "order by wave, role, dimension",
    )
    got = {(r[0], r[1], r[2]): r[3:] for r in rows}
    assert sorted(got) == [
        ("2024-H1", "Alla", "förståelse"),
        ("2024-H1", "Alla", "förtroende"),
        ("2024-H1", "Leverantör", "förståelse"),
        ("2024-H1", "Leverantör", "förtroende"),
        ("2024-H1", "Upphandlare", "förståelse"),
        ("2024-H1", "Upphandlare", "förtroende"),
        ("2024-H2", "Alla", "förståelse"),
        ("2024-H2", "Upphandlare", "förståelse"),
    ]

    # Upphandlare 2024-H1 förståelse: U1 4, U2 5, U3 2 (its last row), U4 3, U5 4.5 (corrected):
    # 5 respondents. Leverantör: L1 only (L2 answered no förståelse item) → 1: hidden. Alla
    # publishes 6 = 5 + 1, so Upphandlare's 5 would give Leverantör's 1 back: the smallest shown
    # part (5) is hidden too (5 + 1 = 6 > 2), and with its count every value computed from it.
    assert got[("2024-H1", "Upphandlare", "förståelse")] == (None,) * 7
    assert got[("2024-H1", "Leverantör", "förståelse")] == (None,) * 7
    # förtroende: everyone 3. Leverantör has 2 respondents (hidden), Upphandlare 5 (hidden
    # beside it, as above), Alla 7.
    assert got[("2024-H1", "Leverantör", "förtroende")] == (None,) * 7
    assert got[("2024-H1", "Upphandlare", "förtroende")] == (None,) * 7
    assert got[("2024-H1", "Alla", "förtroende")] == (7, 3.0, 0.0, 3.0, 3.0, None, None)
    # Alla 2024-H1 förståelse: 4, 5, 2, 3, 4.5 and L1's 5 → 23.5 / 6; positive 4 of 6;
    # squared deviations sum to Σx² − (Σx)² / 6 = 99.25 − 552.25 / 6 = 7.2083…, sample variance
    # 1.4416…, half width 1.96 · √(1.4416… / 6) = 0.9607…
    n, mean, share, low, high, prev, change = got[("2024-H1", "Alla", "förståelse")]
    assert (n, prev, change) == (6, None, None)
    assert mean == pytest.approx(23.5 / 6)
    assert share == pytest.approx(4 / 6)
    half = 1.96 * ((99.25 - 23.5**2 / 6) / 5 / 6) ** 0.5
    assert (low, high) == pytest.approx((23.5 / 6 - half, 23.5 / 6 + half))
    # 2024-H2: five Upphandlare at 4 (the copied file counted once), the only role: shown. Its
    # change from 2024-H1 would give the hidden 2024-H1 mean back (4.0 − change), so it is NULL.
    assert got[("2024-H2", "Upphandlare", "förståelse")] == pytest.approx(
        (5, 4.0, 1.0, 4.0, 4.0, "2024-H1", None)
    )
    n, mean, *_, prev, change = got[("2024-H2", "Alla", "förståelse")]
    assert (n, mean, prev) == (5, 4.0, "2024-H1")
    assert change == pytest.approx(4.0 - 23.5 / 6)

    # The rejected row is kept, with its file, line and reason; the copy is a duplicate.
    con = duckdb.connect(str(hansyn_env / "warehouse.duckdb"), read_only=True)
    try:
        rejected = con.execute(
            "select file_name, row_number, reason from audit.rejected_rows where source = 'enkat'"
        ).fetchall()
        statuses = con.execute(
            "select file_name, status from audit.load_log where source = 'enkat' order by 1"
        ).fetchall()
    finally:
        con.close()
    assert rejected == [("enkat_2024-H1.csv", 9, "'F2' is outside 1–5: '7'")]
    assert statuses == [
        ("enkat_2024-H1.csv", "loaded"),
        ("enkat_2024-H1_rattelse.csv", "loaded"),
        ("enkat_2024-H2.csv", "loaded"),
        ("enkat_2024-H2_kopia.csv", "duplicate"),
    ]
