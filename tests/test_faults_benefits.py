"""Issue 24, classes 1 and 2: benefit extracts re-sent by a payer are never counted twice.

Spec sources.md §5: for every payer and month the rows come from the newest extract whose span
covers that month (last in file-name order); an older extract's rows for that month are kept in
the warehouse, counted nowhere, and load_quality says so. The nights run on the hand-computed
city of test_refresh_benefits (placements, register and four extracts), whose figures are
worked out there: försörjningsstöd, Nyanländ, cohort 2024 = 10 individuals, 5 recipients before,
5 after, 58 500 kr before, 19 000 after, 3 who left; arbetslöshetsersättning, Nyanländ = 11, 1,
0, 15 000, 0, 1."""

import duckdb
import pytest

from tests.conftest import published
from tests.test_refresh_benefits import (
    contracts,
    csv,
    unsuppressed,
    write_benefits,
    write_placements_and_register,
)

pytestmark = pytest.mark.slow

FS_NYANLAND = (10, 5, 5, 58500.0, 19000.0, 3)
AE_NYANLAND = (11, 1, 0, 15000.0, 0.0, 1)
# Every published figure that benefit amounts reach.
FIGURES = (
    "select * from i2_benefit_effects order by all",
    "select * from i2_effect_estimates order by all",
    "select * from socioeconomic_value order by all",
)


def the_city(raw):
    write_placements_and_register(raw)
    write_benefits(raw)
    contracts(raw)


def resaved(path, name):
    """The extract as a spreadsheet saves it again: same rows, a BOM and CRLF line ends."""
    lines = path.read_bytes().decode("cp1252" if path.name.endswith("2023.csv") else "utf-8")
    text = "\r\n".join(lines.splitlines()) + "\r\n"
    copy = path.with_name(name)
    copy.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert copy.read_bytes() != path.read_bytes()  # not a byte-for-byte duplicate
    return copy


def benefit_messages(tmp) -> dict[str, str | None]:
    return dict(
        published(
            tmp,
            "select file_name, message from load_quality "
            "where source = 'ersattningar' and status = 'loaded'",
        )
    )


def figures(tmp) -> list[list[tuple]]:
    return [published(tmp, sql) for sql in FIGURES]


def test_an_extract_saved_again_under_a_new_name_counts_once(hansyn_env):
    """Class 1: both payers' extracts saved again by a spreadsheet (BOM + CRLF) under a new name
    arrive on the next night. Each copy is the newest extract covering its months, so it counts
    for them and the original counts for none: every figure, the savings included, stays what
    the single files gave, and load_quality names the copy on the original."""
    raw = hansyn_env / "raw"
    the_city(raw)
    from orchestration.refresh import run_refresh

    assert run_refresh().published
    assert unsuppressed(hansyn_env, "försörjningsstöd", "Nyanländ") == FS_NYANLAND
    single = figures(hansyn_env)

    folder = raw / "ersattningar"
    resaved(folder / "forsorjningsstod_2024.csv", "forsorjningsstod_2024 (1).csv")
    resaved(
        folder / "arbetsloshetsersattning_202306-202412.csv",
        "arbetsloshetsersattning_202306-202412_kopia.csv",
    )
    summary = run_refresh()
    assert summary.published, summary.render()

    # Counted twice, försörjningsstöd's before would be 22 000 + 2 × 36 500 = 95 000 (2024.csv's
    # January–March twice) and its after 38 000, arbetslöshetsersättning's before 30 000.
    assert unsuppressed(hansyn_env, "försörjningsstöd", "Nyanländ") == FS_NYANLAND
    assert unsuppressed(hansyn_env, "arbetslöshetsersättning", "Nyanländ") == AE_NYANLAND
    assert figures(hansyn_env) == single
    messages = benefit_messages(hansyn_env)
    # forsorjningsstod_2024.csv's months are 2024-01…2024-10, the AE extract's 2023-06…2024-12.
    assert messages["forsorjningsstod_2024.csv"] == (
        "rows of 2024-01…2024-10 superseded by forsorjningsstod_2024 (1).csv "
        "(a newer extract of those months): kept, not counted"
    )
    assert messages["forsorjningsstod_2024 (1).csv"] == (
        "supersedes forsorjningsstod_2024.csv for 2024-01…2024-10"
    )
    assert messages["arbetsloshetsersattning_202306-202412.csv"] == (
        "rows of 2023-06…2024-12 superseded by arbetsloshetsersattning_202306-202412_kopia.csv "
        "(a newer extract of those months): kept, not counted"
    )
    assert messages["forsorjningsstod_2023.csv"] is None


def test_a_corrected_month_replaces_that_month_only(hansyn_env):
    """Class 2: social services send a correction of June 2024 as a file of its own on a later
    night. June counts from the correction only; 2024.csv's other months still count; its June
    rows stay in the warehouse; load_quality names the month and the correction. When the
    correction is taken away again, 2024.csv's June counts again."""
    raw = hansyn_env / "raw"
    the_city(raw)
    from orchestration.refresh import run_refresh

    assert run_refresh().published
    assert unsuppressed(hansyn_env, "försörjningsstöd", "Nyanländ") == FS_NYANLAND

    # June in 2024.csv: N2 3 000, N4 2 000, N11 1 200. The correction restates June with N2's
    # payment corrected to 2 000.
    correction = raw / "ersattningar" / "forsorjningsstod_2024-06_rattelse.csv"
    correction.write_text(
        csv(
            "Personnummer;Utbetalningsmånad;Belopp",
            [("N2", "2024-06", "2 000,00"), ("N4", "2024-06", "2 000,00")]
            + [("N11", "2024-06", "1 200,00")],
        ),
        encoding="utf-8",
    )
    summary = run_refresh()
    assert summary.published, summary.render()
    # After windows (2024-05…2024-10): N2 2 000 + 3 000 + 3 000 = 8 000 (was 9 000), the rest as
    # before → after 19 000 − 1 000 = 18 000. Before (2023-10…2024-03, 2024.csv's January–March
    # among them) stays 58 500. Added instead of replacing, June would count twice: after
    # 19 000 + 2 000 + 2 000 + 1 200 = 24 200.
    assert unsuppressed(hansyn_env, "försörjningsstöd", "Nyanländ") == (
        10, 5, 5, 58500.0, 18000.0, 3,
    )  # fmt: skip
    messages = benefit_messages(hansyn_env)
    assert messages["forsorjningsstod_2024.csv"] == (
        "rows of 2024-06 superseded by forsorjningsstod_2024-06_rattelse.csv "
        "(a newer extract of those months): kept, not counted"
    )
    assert messages["forsorjningsstod_2024-06_rattelse.csv"] == (
        "supersedes forsorjningsstod_2024.csv for 2024-06"
    )
    con = duckdb.connect(str(hansyn_env / "warehouse.duckdb"), read_only=True)
    try:
        kept = con.execute(
            "select sum(amount) from raw.ersattningar__payments "
            "where _file = 'forsorjningsstod_2024.csv' and month = date '2024-06-01'"
        ).fetchone()[0]
    finally:
        con.close()
    assert float(kept) == 6200.0  # N2 3 000 + N4 2 000 + N11 1 200, kept though not counted

    correction.unlink()
    summary = run_refresh()
    assert summary.published, summary.render()
    assert unsuppressed(hansyn_env, "försörjningsstöd", "Nyanländ") == FS_NYANLAND
    assert benefit_messages(hansyn_env)["forsorjningsstod_2024.csv"] is None
