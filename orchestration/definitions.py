"""The Dagster code location: every asset, check, job, schedule and sensor, assembled here."""

import dagster as dg

from .dbt_assets import dbt_resource, hansyn_dbt_assets
from .indicator_report import indicator_report
from .ingestion import audit_tables, ingestion_assets
from .pipeline_followup import pipeline_followup
from .publication import published_marts
from .quality_checks import quality_checks, quality_checks_log
from .schedules import nightly_refresh, nightly_schedule
from .sensors import sensors
from .sqlite_storage import install as commit_instance_storage_lazily
from .supplier_followup import supplier_followup

# Every process that loads the code location (hansyn refresh, dagster dev's run workers).
commit_instance_storage_lazily()

defs = dg.Definitions(
    assets=[
        *ingestion_assets,
        *audit_tables,
        quality_checks_log,
        hansyn_dbt_assets,
        published_marts,
        indicator_report,
        supplier_followup,
        pipeline_followup,
    ],
    asset_checks=quality_checks,
    jobs=[nightly_refresh],
    schedules=[nightly_schedule],
    sensors=sensors,
    resources={"dbt": dbt_resource()},
)
