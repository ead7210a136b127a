"""The contracts of placement_pipeline that fell behind pace or entered their last quarter with
places left, recorded after the dbt build for this night's alert (once per contract and state)."""

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from hansyn.alerts.pipeline_changes import record_pipeline_changes
from hansyn.config import load_settings
from hansyn.warehouse import warehouse

from .dbt_assets import hansyn_dbt_assets


@dg.asset(
    key="pipeline_followup",
    group_name="publish",
    deps=[get_asset_key_for_model([hansyn_dbt_assets], "placement_pipeline")],
    description="The contracts whose pace turned 'efter' or that entered their last quarter "
    "with places left since they were last named: recorded in audit.pipeline_alerts for this "
    "night's alert, once per contract and state.",
)
def pipeline_followup(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    with warehouse(load_settings()) as con:
        recorded = record_pipeline_changes(con, context.run_id)
    if recorded:
        context.log.info(f"{len(recorded)} contracts to name in the alert: {recorded}")
    return dg.MaterializeResult(metadata={"contracts_alerted": len(recorded)})
