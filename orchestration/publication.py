"""The publish asset: runs only when ingestion and every dbt model and blocking test succeeded."""

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from hansyn.config import load_settings
from hansyn.night import record_published
from hansyn.publishing.swap import publish
from hansyn.warehouse import warehouse

from .dbt_assets import PUBLISHED_TABLES, hansyn_dbt_assets


@dg.asset(
    key="published_marts",
    group_name="publish",
    deps=[get_asset_key_for_model([hansyn_dbt_assets], name) for name in PUBLISHED_TABLES],
    description="The marts as Parquet files and indikatorer.duckdb in the marts folder, swapped "
    "in atomically. Readers of the old file are never blocked.",
    kinds={"duckdb", "parquet"},
)
def published_marts(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = load_settings()
    report = publish(settings, PUBLISHED_TABLES)
    with warehouse(settings) as con:  # the next night compares its inputs with these
        record_published(con, settings, context.run_id, report.tables)
    return dg.MaterializeResult(
        metadata={
            "marts_dir": str(report.marts_dir),
            "tables": dg.MetadataValue.json(report.tables),
            "unchanged": report.unchanged,
        }
    )
