"""The publish asset: runs only when ingestion and every dbt model and blocking test succeeded."""

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from hansyn.config import load_settings
from hansyn.manifest import published_descriptions
from hansyn.night import record_published
from hansyn.publishing.swap import publish
from hansyn.report.render import write_report
from hansyn.warehouse import warehouse

from .dbt_assets import PUBLISHED_TABLES, hansyn_dbt_assets, hansyn_dbt_project


@dg.asset(
    key="published_marts",
    group_name="publish",
    deps=[get_asset_key_for_model([hansyn_dbt_assets], name) for name in PUBLISHED_TABLES],
    description="The marts as Parquet, CSV and indikatorer.duckdb, with the indicator report, "
    "in a new version of the marts folder switched in at once. Readers of the old files are "
    "never blocked; a damaged or half-written earlier publication is repaired and named.",
    kinds={"duckdb", "parquet"},
)
def published_marts(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = load_settings()
    report = publish(
        settings,
        PUBLISHED_TABLES,
        run_id=context.run_id,
        report=write_report,
        dictionary=published_descriptions(hansyn_dbt_project().manifest_path),
    )
    for what in report.cleaned:
        context.log.warning(f"removed {what}")
    for what in report.repaired:
        context.log.warning(f"repaired the publication: {what}")
    with warehouse(settings) as con:  # the next night compares its inputs with these
        record_published(con, settings, context.run_id, report.tables)
    return dg.MaterializeResult(
        metadata={
            "marts_dir": str(report.marts_dir),
            "tables": dg.MetadataValue.json(report.tables),
            "unchanged": report.unchanged,
            "repaired": dg.MetadataValue.json(report.repaired),
            "cleaned_up": dg.MetadataValue.json(report.cleaned),
        }
    )
