"""The benchmark's parts: the next month of deliveries, the incremental load it causes, the
floor's comparison with the published tables, and the verdicts on the targets."""

from __future__ import annotations

import csv
import hashlib
import sys
from pathlib import Path

import duckdb
import openpyxl

from hansyn.config import load_settings
from hansyn.sampledata import generate
from hansyn.sampledata.next_month import write_next_month
from hansyn.sources import SOURCES
from hansyn.sources.ingest import ingest_source
from hansyn.sources.readers import decode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import floor  # noqa: E402

import bench  # noqa: E402


def rows(path: Path) -> list[list[str]]:
    return list(csv.reader(decode(path.read_bytes()).splitlines()[1:], delimiter=";"))


def amount(text: str) -> float:
    return float(text.replace(" ", "").replace("\u00a0", "").replace(",", "."))


def test_next_month_continues_each_payer_and_one_supplier(tmp_path):
    raw = tmp_path / "raw"
    generate(raw, seed=11, scale=0.3)
    benefits = raw / "ersattningar"
    # The sample's newest months: social services 2026-02 (monthly files), unemployment
    # insurance 2025-12, the social insurance agency 2025-09.
    previous = {
        r[0]: amount(r[2]) for r in rows(benefits / "forsorjningsstod_2026-02.csv")
        if r[1] == "2026-02" and amount(r[2]) > 0
    }  # fmt: skip

    written = write_next_month(raw, seed=11)

    names = sorted(p.name for p in written["ersattningar"])
    assert names == [
        "aktivitetsersattning_2025-10_2025-10.csv",
        "arbetsloshetsersattning_202601-202601.csv",
        "forsorjningsstod_2026-03.csv",
    ]
    march = rows(benefits / "forsorjningsstod_2026-03.csv")
    assert march and {r[1] for r in march} == {"2026-03"}
    # Every recipient was paid in February; a payment is February's ±5 %, a correction negative.
    for pnr, _, text in march:
        assert pnr in previous
        value = amount(text)
        assert value < 0 or 0.95 * previous[pnr] - 0.01 <= value <= 1.05 * previous[pnr] + 0.01
    assert {r[1] for r in rows(benefits / "arbetsloshetsersattning_202601-202601.csv")} == {
        "202601"
    }
    # One supplier reports the next quarter: the ongoing placements of its newest report.
    (report,) = written["leverantorsrapporter"]
    org = report.name.split("_")[1]
    assert report.name == f"rapport_{org}_2026-Q2.xlsx"
    # Its newest report: the last file of 2026-Q1 in name order (a corrected one wins).
    newest = sorted((raw / "leverantorsrapporter").glob(f"rapport_{org}_2026-Q1*.xlsx"))[-1]
    before = [r for r in openpyxl.load_workbook(newest).active.iter_rows(min_row=2, values_only=True)
              if r[5] is None]  # fmt: skip
    after = list(openpyxl.load_workbook(report).active.iter_rows(min_row=2, values_only=True))
    assert [r[:7] for r in after] == [r[:7] for r in before]
    assert {r[7] for r in after} == {"2026-Q2"}

    # Again: the month after, and the same seed writes the same bytes.
    again = write_next_month(raw, seed=11)
    assert "forsorjningsstod_2026-04.csv" in {p.name for p in again["ersattningar"]}


def test_next_month_is_deterministic(tmp_path):
    digests = []
    for name in ("a", "b"):
        generate(tmp_path / name, seed=5, scale=0.2)
        written = write_next_month(tmp_path / name, seed=5)
        digests.append(
            {
                p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                for ps in written.values()
                for p in ps
            }
        )
    assert digests[0] == digests[1] and len(digests[0]) == 4


def test_the_next_month_parses_only_the_new_files(hansyn_env):
    raw = hansyn_env / "raw"
    generate(raw, seed=3, scale=0.2)
    settings = load_settings()
    for name in ("ersattningar", "leverantorsrapporter"):
        ingest_source(SOURCES[name], settings, "night-1")
    written = write_next_month(raw, seed=3)

    parsed = {}
    for name in ("ersattningar", "leverantorsrapporter"):
        report = ingest_source(SOURCES[name], settings, "night-2")
        parsed[name] = sorted(
            f.file_name for f in report.files if not f.reused and f.status != "duplicate"
        )
    assert parsed == {k: sorted(p.name for p in v) for k, v in written.items()}


def test_floor_compare_finds_the_differing_rows(tmp_path):
    marts = tmp_path / "marts"
    marts.mkdir()
    con = duckdb.connect(str(tmp_path / "floor.duckdb"))
    con.execute("create table t (year integer, share double, n bigint)")
    con.execute("insert into t values (2024, 1/3, 3), (2025, 0.5, 2)")
    con.execute("create table u (year integer)")
    con.execute(
        f"copy (select 2024 as year, 0.3333333333333333 as share, 3::bigint as n union all "
        f"select 2025, 0.5, 4) to '{marts / 't.parquet'}' (format parquet)"
    )
    con.close()
    assert floor.compare(tmp_path / "floor.duckdb", marts) == {
        # 1/3 equals its 16-digit decimal after rounding; (2025, 0.5, 2) vs (2025, 0.5, 4) do not.
        "t": "1 rows only in the floor, 1 only published",
        "u": "not published",
    }


def measured(wall: float, peak: float = 500.0) -> bench.Measured:
    return bench.Measured(wall_seconds=wall, peak_mb=peak, returncode=0)


def test_targets_by_hand():
    quiet = measured(10)
    quiet.detail = {"nothing_new_since": "2026-12-01 02:00"}
    small = bench.ScaleResult(scale=1.0, full=measured(60), quiet=quiet, incremental=measured(40))
    big = bench.ScaleResult(
        scale=50.0, full=measured(300, 3000), floor=measured(80), incremental=measured(90, 4200)
    )
    national = bench.ScaleResult(
        scale=200.0, full=measured(290, 5000), incremental=measured(100, 6200)
    )
    verdicts = {n: (met, f) for n, met, f in bench.targets([small, big, national])}
    # 300 / 80 = 3.75 ≤ 4.
    assert verdicts["scale 50 full refresh ≤ 4 × the floor"] == (True, "300.0 s / 80.0 s = 3.75×")
    # 10 / 60 = 17 % ≤ 25 %.
    assert verdicts["a night with nothing new ≤ 25% of a full refresh at scale 1"] == (
        True, "10.0 s / 60.0 s = 17%"
    )  # fmt: skip
    # 90 / 40 = 2.25 > 1.5.
    month = verdicts["a month of new deliveries at scale 50 ≤ 1.5 × at scale 1"]
    assert month[0] is False and month[1].endswith("= 2.25×")
    assert verdicts["scale 200 full refresh ≤ 5 min"] == (True, "290.0 s")
    # The peak of the scale-200 runs: 6200 MB > 6144 MB.
    assert verdicts["scale 200 peak memory ≤ 6 GB"] == (False, "6200 MB")
    # A quiet night that was not skipped does not meet its target, however fast.
    quiet.detail = {"nothing_new_since": None}
    again = {n: met for n, met, _ in bench.targets([small])}
    assert again["a night with nothing new ≤ 25% of a full refresh at scale 1"] is False
    only_small = {n: met for n, met, _ in bench.targets([bench.ScaleResult(scale=1.0)])}
    assert set(only_small.values()) == {None}


def test_stage_of_sorts_the_steps():
    from orchestration.refresh import stage_of

    assert stage_of("raw__ersattningar__payments") == "ingest"
    assert stage_of("quality_checks_ersattningar") == "validation"
    assert stage_of("hansyn_dbt_assets") == "dbt"
    assert stage_of("published_marts") == "publish"
    assert stage_of("indicator_report") == "publish"
