"""`make bench`: how long the nightly job takes and how much memory it needs as the city grows.

For each scale of `hansyn sample-data` (1, 10, 50 and 200 unless --scales says otherwise), in
a temporary folder of its own:
1. writes the sample city at that scale;
2. runs the full refresh (`hansyn refresh --json`, a subprocess) on an empty warehouse and
   measures its wall time and the peak memory of the whole process tree (the refresh and the dbt
   subprocess it starts: the sum of their resident set sizes, sampled every 50 ms);
3. runs the floor (`bench/floor.py`: `bench/floor.sql`, the published tables computed straight
   from the raw files by one hand-written DuckDB script, the workbooks read with calamine as the
   loaders read them) on the same raw files;
4. runs the night again with nothing delivered (`nothing new`: validation, dbt and publishing
   skipped), measured the same;
5. adds the next month of deliveries (`hansyn sample-data --next-month`) and runs the nightly
   incremental refresh on the warehouse of step 2, measuring the same.
Each refresh's stages (ingest, validation, dbt, publish, other) come from its JSON summary.
Then it prints one table and whether each target is met, and writes every figure as JSON.

The paths of the warehouse and the dbt target are the same for every scale (the folder is
emptied between scales), so that dbt's partial parsing holds as it does on the server from one
night to the next; the one-off parse is done first and reported on its own line."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HANSYN = str(BIN / "hansyn")
DBT = str(BIN / "dbt")
STAGES = ("ingest", "validation", "dbt", "publish", "other")

# The targets of docs/scaling.md (on the 2-core machine).
FLOOR_RATIO_MAX = 4.0  # scale-50 full refresh vs the floor
NOTHING_NEW_SHARE_MAX = 0.25  # a night with nothing new vs the full refresh, at scale 1
MONTH_GROWTH_MAX = 1.5  # a month of new deliveries at scale 50 vs at scale 1
NATIONAL_SCALE = 200.0
NATIONAL_SECONDS_MAX = 300.0  # scale-200 full refresh
NATIONAL_PEAK_MB_MAX = 6144.0
RUNS = ("full", "nothing new", "incremental")


@dataclass
class Measured:
    wall_seconds: float
    peak_mb: float
    returncode: int
    stages: dict[str, float] = field(default_factory=dict)
    detail: dict = field(default_factory=dict)


@dataclass
class ScaleResult:
    scale: float
    raw_mb: float = 0.0
    generate_seconds: float = 0.0
    full: Measured | None = None
    floor: Measured | None = None
    quiet: Measured | None = None  # the same night again, nothing delivered
    incremental: Measured | None = None
    floor_check: dict[str, str] = field(default_factory=dict)  # table -> "same" or difference

    @property
    def ratio(self) -> float | None:
        if self.full and self.floor and self.floor.wall_seconds:
            return self.full.wall_seconds / self.floor.wall_seconds
        return None

    def runs(self) -> list[tuple[str, Measured]]:
        measured = (self.full, self.quiet, self.incremental)
        return [(n, m) for n, m in zip(RUNS, measured, strict=True) if m is not None]


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


def run_measured(cmd: list[str], env: dict[str, str], log: Path) -> Measured:
    """Run a command, sampling the resident memory of it and all its descendants."""
    peak = 0
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        watched = psutil.Process(proc.pid)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _tree_rss(watched))
                done.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        returncode = proc.wait()
        done.set()
        sampler.join()
    wall = time.perf_counter() - started
    return Measured(round(wall, 2), round(peak / 2**20, 1), returncode)


def _env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HANSYN_", "DAGSTER_"))}
    env.update(
        HANSYN_RAW_DIR=str(work / "raw"),
        HANSYN_WAREHOUSE=str(work / "warehouse.duckdb"),
        HANSYN_MARTS_DIR=str(work / "marts"),
        HANSYN_DBT_TARGET=str(work / "dbt_target"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        PYTHONWARNINGS="ignore",
    )
    return env


def _fresh(work: Path) -> None:
    """Empty the scale's folders; the dbt target stays (partial parsing)."""
    for name in ("raw", "marts", "floor"):
        shutil.rmtree(work / name, ignore_errors=True)
    for name in ("warehouse.duckdb", "warehouse.duckdb.wal"):
        (work / name).unlink(missing_ok=True)
    (work / "floor").mkdir()


def _du_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 1)


def parse_once(work: Path, env: dict[str, str]) -> float:
    """The one-off dbt parse of a new deployment (manifest for Dagster, partial parse for
    `dbt build`); not part of a nightly run."""
    started = time.perf_counter()
    for target in (work / "dbt_target", work / "dbt_target" / "build"):
        subprocess.run(
            [DBT, "parse", "--quiet", "--project-dir", str(ROOT / "dbt_project"),
             "--profiles-dir", str(ROOT / "dbt_project"), "--target-path", str(target)],
            env=env, cwd=ROOT, check=True,
        )  # fmt: skip
    return round(time.perf_counter() - started, 2)


def refresh(work: Path, env: dict[str, str], name: str) -> Measured:
    summary = work / f"{name}.json"
    summary.unlink(missing_ok=True)
    measured = run_measured([HANSYN, "refresh", "--json", str(summary)], env, work / f"{name}.log")
    if summary.exists():
        data = json.loads(summary.read_text(encoding="utf-8"))
        measured.stages = {k: data["stage_seconds"].get(k, 0.0) for k in STAGES}
        measured.detail = {
            "published": data["published"],
            "wall_seconds_in_process": data["wall_seconds"],
            "rows_loaded": sum((f["rows_loaded"] or 0) for f in data["files"]),
            "files_parsed": sum(
                1 for f in data["files"] if f["status"] == "loaded" and f["rows_loaded"]
            ),
            "failures": data["failures"],
            "nothing_new_since": data.get("nothing_new_since"),
        }
    return measured


def run_floor(work: Path, env: dict[str, str]) -> Measured:
    summary = work / "floor" / "floor.json"
    measured = run_measured(
        [sys.executable, str(ROOT / "bench" / "floor.py"), "--raw", str(work / "raw"),
         "--out", str(work / "floor"), "--json", str(summary)],
        env, work / "floor.log",
    )  # fmt: skip
    if summary.exists():
        measured.detail = json.loads(summary.read_text(encoding="utf-8"))
    return measured


def bench_scale(scale: float, work: Path, seed: int, env: dict[str, str]) -> ScaleResult:
    result = ScaleResult(scale=scale)
    _fresh(work)
    print(f"\n== scale {scale:g}", flush=True)
    started = time.perf_counter()
    subprocess.run(
        [HANSYN, "sample-data", "--out", str(work / "raw"), "--scale", str(scale),
         "--seed", str(seed)],
        env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    result.generate_seconds = round(time.perf_counter() - started, 2)
    result.raw_mb = _du_mb(work / "raw")
    print(f"   sample data: {result.raw_mb} MB in {result.generate_seconds} s", flush=True)

    result.full = refresh(work, env, f"full_{scale:g}")
    print(f"   full refresh: {result.full.wall_seconds} s, {result.full.peak_mb} MB "
          f"(exit {result.full.returncode}) {result.full.stages}", flush=True)  # fmt: skip

    result.floor = run_floor(work, env)
    print(f"   floor: {result.floor.wall_seconds} s, {result.floor.peak_mb} MB "
          f"(exit {result.floor.returncode})", flush=True)  # fmt: skip
    if result.floor.returncode == 0:
        from floor import compare  # bench/ is on sys.path: this script's folder

        result.floor_check = compare(work / "floor" / "floor.duckdb", work / "marts")

    result.quiet = refresh(work, env, f"nothing_new_{scale:g}")
    since = result.quiet.detail.get("nothing_new_since")
    print(f"   nothing new: {result.quiet.wall_seconds} s, {result.quiet.peak_mb} MB "
          f"(exit {result.quiet.returncode}, nothing new since {since}) "
          f"{result.quiet.stages}", flush=True)  # fmt: skip

    subprocess.run(
        [HANSYN, "sample-data", "--next-month", "--out", str(work / "raw"), "--seed", str(seed)],
        env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    result.incremental = refresh(work, env, f"incremental_{scale:g}")
    print(f"   incremental refresh: {result.incremental.wall_seconds} s, "
          f"{result.incremental.peak_mb} MB (exit {result.incremental.returncode}) "
          f"{result.incremental.stages}", flush=True)  # fmt: skip
    return result


# --- the report ------------------------------------------------------------------------------


def _f(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def table(results: list[ScaleResult]) -> str:
    head = ["scale", "raw MB", "run", "wall s", "peak MB", *STAGES, "floor s", "÷ floor"]
    rows = []
    for r in results:
        for name, m in r.runs():
            rows.append([
                f"{r.scale:g}", _f(r.raw_mb), name, _f(m.wall_seconds), _f(m.peak_mb, 0),
                *(_f(m.stages.get(s)) for s in STAGES),
                _f(r.floor.wall_seconds) if name == "full" and r.floor else "",
                _f(r.ratio, 2) if name == "full" else "",
            ])  # fmt: skip
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]
    line = "  ".join(f"{{:>{w}}}" for w in widths)
    out = [line.format(*head), line.format(*("-" * w for w in widths))]
    out += [line.format(*row) for row in rows]
    return "\n".join(out)


def markdown(results: list[ScaleResult], verdicts, info: dict, load_end: list[float]) -> str:
    """The same figures as a Markdown table, for docs/scaling.md."""
    head = ["scale", "raw MB", "run", "wall s", "peak MB", *STAGES, "floor s", "full ÷ floor"]
    lines = [
        f"Measured {info['date']} on {info['cpus']} CPUs, {info['memory_gb']} GB; load average "
        f"{info['load_average_at_start'][0]} at the start, {load_end[0]} at the end.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---:|" * len(head),
    ]
    for r in results:
        for name, m in r.runs():
            cells = [f"{r.scale:g}", _f(r.raw_mb), name, _f(m.wall_seconds), _f(m.peak_mb, 0),
                     *(_f(m.stages.get(s)) for s in STAGES),
                     _f(r.floor.wall_seconds) if name == "full" and r.floor else "",
                     _f(r.ratio, 2) if name == "full" else ""]  # fmt: skip
            lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for name, met, figures in verdicts:
        mark = "not measured" if met is None else ("**met**" if met else "**not met**")
        lines.append(f"- {name}: {figures} — {mark}")
    return "\n".join(lines) + "\n"


def targets(results: list[ScaleResult]) -> list[tuple[str, bool | None, str]]:
    """(target, met or None when not measured in this run, the figures)."""
    by_scale = {r.scale: r for r in results}
    small, big, national = by_scale.get(1.0), by_scale.get(50.0), by_scale.get(NATIONAL_SCALE)
    out: list[tuple[str, bool | None, str]] = []

    name = f"scale 50 full refresh ≤ {FLOOR_RATIO_MAX:g} × the floor"
    if big and big.ratio is not None:
        out.append((name, big.full.returncode == 0 and big.ratio <= FLOOR_RATIO_MAX,
                    f"{big.full.wall_seconds:.1f} s / {big.floor.wall_seconds:.1f} s = "
                    f"{big.ratio:.2f}×"))  # fmt: skip
    else:
        out.append((name, None, "scale 50 not run"))

    name = f"a night with nothing new ≤ {NOTHING_NEW_SHARE_MAX:.0%} of a full refresh at scale 1"
    if small and small.full and small.quiet:
        share = small.quiet.wall_seconds / small.full.wall_seconds
        skipped = bool(small.quiet.detail.get("nothing_new_since"))
        note = "" if skipped else " (not skipped: something was new)"
        out.append((name, small.quiet.returncode == 0 and skipped
                    and share <= NOTHING_NEW_SHARE_MAX,
                    f"{small.quiet.wall_seconds:.1f} s / {small.full.wall_seconds:.1f} s = "
                    f"{share:.0%}{note}"))  # fmt: skip
    else:
        out.append((name, None, "scale 1 not run"))

    name = f"a month of new deliveries at scale 50 ≤ {MONTH_GROWTH_MAX:g} × at scale 1"
    if big and small and big.incremental and small.incremental:
        growth = big.incremental.wall_seconds / small.incremental.wall_seconds
        out.append((name, big.incremental.returncode == 0 and growth <= MONTH_GROWTH_MAX,
                    f"{big.incremental.wall_seconds:.1f} s / {small.incremental.wall_seconds:.1f}"
                    f" s = {growth:.2f}×"))  # fmt: skip
    else:
        out.append((name, None, "needs scales 1 and 50"))

    minutes = NATIONAL_SECONDS_MAX / 60
    gb = NATIONAL_PEAK_MB_MAX / 1024
    if national and national.full:
        ok = national.full.returncode == 0
        out.append((f"scale 200 full refresh ≤ {minutes:g} min",
                    ok and national.full.wall_seconds <= NATIONAL_SECONDS_MAX,
                    f"{national.full.wall_seconds:.1f} s"))  # fmt: skip
        peak = max(m.peak_mb for _, m in national.runs())
        out.append((f"scale 200 peak memory ≤ {gb:g} GB", peak <= NATIONAL_PEAK_MB_MAX,
                    f"{peak:.0f} MB"))  # fmt: skip
    else:
        out.append((f"scale 200 full refresh ≤ {minutes:g} min", None, "scale 200 not run"))
        out.append((f"scale 200 peak memory ≤ {gb:g} GB", None, "scale 200 not run"))
    return out


def conditions() -> dict:
    load1, load5, load15 = os.getloadavg()
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "load_average_at_start": [round(load1, 2), round(load5, 2), round(load15, 2)],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scales", default="1,10,50,200", help="comma-separated (default 1,10,50,200)"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the working folder")
    parser.add_argument(
        "--json", type=Path, default=ROOT / "build" / "bench" / "results.json",
        help="where to write every figure (default build/bench/results.json)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    scales = [float(s) for s in args.scales.split(",") if s.strip()]
    work = args.work or Path(tempfile.mkdtemp(prefix="hansyn-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    env = _env(work)
    info = conditions()
    print(f"hansyn bench: scales {', '.join(f'{s:g}' for s in scales)} in {work}")
    print(f"  {info['date']}, {info['cpus']} CPUs, {info['memory_gb']} GB, "
          f"load average {info['load_average_at_start']}")  # fmt: skip
    results: list[ScaleResult] = []
    try:
        parse_seconds = parse_once(work, env)
        print(f"  one-off dbt parse (a new deployment, not nightly): {parse_seconds} s")
        for scale in scales:
            results.append(bench_scale(scale, work, args.seed, env))
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    load_end = [round(x, 2) for x in os.getloadavg()]
    print("\nStages in seconds, from Dagster's step timings; wall = the whole `hansyn refresh` "
          "process (start-up included); peak = the process tree's resident memory.")  # fmt: skip
    print(table(results))
    print()
    for r in results:
        if r.floor and r.floor.detail:
            d = r.floor.detail
            print(f"floor at scale {r.scale:g}: xlsx → CSV {d.get('xlsx_seconds', 0):.1f} s, "
                  f"SQL {d.get('sql_seconds', 0):.1f} s; tables the same as published: "
                  + ", ".join(f"{t} {s}" for t, s in r.floor_check.items()))  # fmt: skip
    print()
    failed = [r for r in results for _, m in r.runs() if m.returncode != 0]
    for r in failed:
        print(f"WARNING: a refresh at scale {r.scale:g} exited non-zero: see its log")
    verdicts = targets(results)
    for name, met, figures in verdicts:
        mark = "n/a" if met is None else ("MET" if met else "NOT MET")
        print(f"  {mark:8} {name}: {figures}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "conditions": {**info, "load_average_at_end": load_end},
                "one_off_parse_seconds": parse_seconds,
                "results": [{**asdict(r), "floor_ratio": r.ratio} for r in results],
                "targets": [{"target": n, "met": m, "figures": f} for n, m, f in verdicts],
            },
            indent=2,
            default=str,
        ),
        encoding="utf-8",
    )
    (args.json.with_suffix(".md")).write_text(
        markdown(results, verdicts, info, load_end), encoding="utf-8"
    )
    print(f"\nfigures written to {args.json} and {args.json.with_suffix('.md')}")
    return 0 if all(m is not False for _, m, _ in verdicts) and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
