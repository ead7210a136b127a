"""The Dagster code location: every asset, check, job, schedule and sensor, assembled here."""

import dagster as dg
from dagster_dbt import DbtCliResource

from .assets.ingestion import ingestion_assets
from .assets.publish import published_marts
from .assets.quality import quality_checks
from .assets.report import indicator_report
from .assets.transform import hansyn_dbt_assets
from .sensors import sensors
from .transform import dbt_command, dbt_project

# One DuckDB warehouse file allows one writer: run the steps one after another in one process.
nightly_refresh = dg.define_asset_job(
    name="nightly_refresh",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Load every source, build and test the dbt project, publish the marts.",
)

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_refresh_schedule",
    job=nightly_refresh,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/Stockholm",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

defs = dg.Definitions(
    assets=[*ingestion_assets, hansyn_dbt_assets, published_marts, indicator_report],
    asset_checks=quality_checks,
    jobs=[nightly_refresh],
    schedules=[nightly_schedule],
    sensors=sensors,
    resources={
        "dbt": DbtCliResource(project_dir=dbt_project(), dbt_executable=dbt_command()),
    },
)
