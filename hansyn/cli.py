"""The `hansyn` command: sample data, and the nightly refresh run in this process."""

from __future__ import annotations

import json
import logging
import os
import sys
import warnings
from pathlib import Path

import click

# Libraries whose INFO lines are their own housekeeping, not the night's progress: Great
# Expectations registers its docs (200 lines), alembic migrates Dagster's SQLite storage.
# GX sets the level of some of its loggers when imported: those are named one by one.
QUIET_LIBRARIES = (
    "great_expectations",
    "great_expectations.data_context.types.base",
    "alembic",
)


def _setup_logging(verbose: bool = False, quiet: bool = False) -> None:
    """Our progress lines on stderr (`--quiet`: warnings and errors only; `--verbose`: debug,
    and dbt's own per-model lines); the libraries' noise silenced by their loggers' levels."""
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.getLogger("hansyn").setLevel(level)
    # Dagster's own event log is for the UI; the console gets our progress lines.
    for name in ("dagster", "dagster_dbt"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # dagster-dbt warns, on every build, of each dbt test on a source (audit.*, raw.*) or across
    # models that it records as an observation rather than a check (twelve lines); the run's
    # events keep them for the UI.
    logging.getLogger("dagster.builtin").setLevel(logging.DEBUG if verbose else logging.ERROR)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.WARNING)
    # A night with nothing new runs no dbt on purpose, so the marts' blocking checks emit no
    # result and publishing is skipped: Dagster warns of each (nine lines). A failed dbt test
    # fails its step and is named in the summary, so the console loses nothing.
    logging.getLogger("dagster._core.execution.plan.active").setLevel(
        logging.DEBUG if verbose else logging.ERROR
    )
    warnings.filterwarnings("ignore", category=UserWarning, module="dagster")
    # GX's regex metric warns that a suite's pattern has groups (it only tests for a match).
    warnings.filterwarnings(
        "ignore", message="This pattern is interpreted as a regular", category=UserWarning
    )
    # The development key's warning once per command, not once per source.
    from .config import DevelopmentKeyWarning

    warnings.filterwarnings("once", category=DevelopmentKeyWarning)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hansyn")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


@click.group()
@click.version_option(_version(), "--version", prog_name="hansyn", message="%(prog)s %(version)s")
def main() -> None:
    """hansyn: the data platform of Social hänsyn i upphandling."""


@main.command("sample-data")
@click.option("--out", "out", type=click.Path(path_type=Path), default=None, help="Raw folder.")
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--scale", type=float, default=1.0, show_default=True, help="Multiplies volumes.")
@click.option(
    "--next-month",
    is_flag=True,
    help="Add the next month of deliveries to an existing raw folder (benefit extracts and one "
    "supplier's quarterly report) instead of writing a new city.",
)
def sample_data(out: Path | None, seed: int, scale: float, next_month: bool) -> None:
    """Write a synthetic city's deliveries for every source, laid out as data/raw/."""
    from .config import load_settings
    from .sampledata import generate
    from .sampledata.next_month import write_next_month

    out = out or load_settings().raw_dir
    if next_month:
        written = write_next_month(out, seed=seed)
        for source, files in written.items():
            click.echo(f"{source}: {', '.join(f.name for f in files) or 'nothing new'}")
        return
    written = generate(out, seed=seed, scale=scale)
    for source, files in written.items():
        click.echo(f"{source}: {len(files)} files")
    click.echo(f"sample data written to {out}")


@main.command()
@click.option("--verbose", is_flag=True, help="Debug logging, with dbt's line per model and test.")
@click.option("--quiet", is_flag=True, help="Only the summary, warnings and errors (for cron).")
@click.option(
    "--json", "json_out", type=click.Path(path_type=Path), help="Also write the summary as JSON."
)
def refresh(verbose: bool, quiet: bool, json_out: Path | None) -> None:
    """Run the nightly job now, in this process, and print what it did."""
    if verbose and quiet:
        raise click.UsageError("--verbose and --quiet contradict each other: choose one")
    _setup_logging(verbose, quiet)
    from orchestration.refresh import run_refresh

    summary = run_refresh()
    click.echo(summary.render())
    if json_out:
        json_out.write_text(json.dumps(summary.as_dict(), indent=2, default=str), encoding="utf-8")
    sys.exit(0 if summary.published else 1)


@main.command()
@click.option(
    "--marts",
    "marts",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="The marts folder holding indikatorer.duckdb (default: the settings' marts folder).",
)
def report(marts: Path | None) -> None:
    """Write the indicator report (indikatorrapport.html) from the published marts."""
    from .config import load_settings
    from .report.render import write_report

    try:
        path = write_report(marts or load_settings().marts_dir)
    except FileNotFoundError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"indicator report written to {path}")


@main.command("check-privacy")
@click.option(
    "--marts",
    "marts",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="The folder to scan (default: the settings' marts folder).",
)
def check_privacy(marts: Path | None) -> None:
    """Scan every published file for personnummer, pseudonyms and small person counts."""
    from .config import load_settings
    from .publishing.privacy import published_files, scan_marts

    folder = marts or load_settings().marts_dir
    findings = scan_marts(folder)
    for finding in findings:
        click.echo(str(finding))
    click.echo(
        f"{len(published_files(folder))} files scanned in {folder}: "
        + (f"{len(findings)} findings" if findings else "nothing found")
    )
    sys.exit(1 if findings else 0)


@main.command()
def paths() -> None:
    """Print the folders and files the settings point at."""
    from .config import load_settings

    s = load_settings()
    for name in ("raw_dir", "marts_dir", "warehouse", "dbt_target_dir", "feedback_dir"):
        click.echo(f"{name}: {getattr(s, name)}")
    # The instance `hansyn refresh` and `make dev` use (config.py's default when unset).
    source = "DAGSTER_HOME" if os.environ.get("DAGSTER_HOME") else "default"
    click.echo(f"DAGSTER_HOME: {s.dagster_home} ({source})")


if __name__ == "__main__":
    main()
