"""The nightly job and its schedule."""

import dagster as dg

from hansyn.config import CITY_TIMEZONE, load_settings

JOB_NAME = "nightly_refresh"

# One DuckDB warehouse file allows one writer: run the steps one after another in one process.
# External assets (the audit tables, written by the steps themselves) are not selected.
nightly_refresh = dg.define_asset_job(
    name=JOB_NAME,
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Load every source, build and test the dbt project, publish the marts.",
)

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_refresh_schedule",
    job=nightly_refresh,
    # HANSYN_NIGHTLY_CRON (default 02:00), on the office's clock: 02:00 stays 02:00 in summer.
    cron_schedule=load_settings().nightly_cron,
    execution_timezone=CITY_TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
