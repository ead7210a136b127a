"""The `hansyn` command: sample data, and the nightly refresh run in this process."""

from __future__ import annotations

import json
import logging
import os
import sys
import warnings
from pathlib import Path

import click


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    logging.getLogger("hansyn").setLevel(logging.DEBUG if verbose else logging.INFO)
    # Dagster's own event log is for the UI; the console gets our progress lines.
    for name in ("dagster", "dagster_dbt"):
        logging.getLogger(name).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", category=UserWarning, module="dagster")


@click.group()
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
@click.option("--verbose", is_flag=True, help="Debug logging.")
@click.option(
    "--json", "json_out", type=click.Path(path_type=Path), help="Also write the summary as JSON."
)
def refresh(verbose: bool, json_out: Path | None) -> None:
    """Run the nightly job now, in this process, and print what it did."""
    _setup_logging(verbose)
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
    for name in ("raw_dir", "marts_dir", "warehouse", "dbt_target_dir"):
        click.echo(f"{name}: {getattr(s, name)}")
    click.echo(f"DAGSTER_HOME: {os.environ.get('DAGSTER_HOME', '(not set: ephemeral)')}")


if __name__ == "__main__":
    main()
