"""The supplier follow-up after the dbt build: the feedback files to the suppliers and the
missing reports of the last due quarter (named once, in that night's alert)."""

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from hansyn.alerts.missing_reports import record_missing_reports
from hansyn.config import load_settings
from hansyn.feedback import write_feedback
from hansyn.warehouse import warehouse

from .dbt_assets import hansyn_dbt_assets


@dg.asset(
    key="supplier_followup",
    group_name="publish",
    deps=[
        get_asset_key_for_model([hansyn_dbt_assets], name)
        for name in ("supplier_reporting", "supplier_scorecard")
    ],
    description="Feedback files to the suppliers (a CSV for Excel and a short Swedish text per "
    "supplier with a refused report file or rejected rows) in HANSYN_FEEDBACK_DIR, replaced "
    "each night, never published; and the suppliers whose report for the last due quarter is "
    "missing, recorded for this night's alert once per quarter.",
    kinds={"csv"},
)
def supplier_followup(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = load_settings()
    with warehouse(settings) as con:
        report = write_feedback(settings, con)
        missing = record_missing_reports(con, context.run_id)
    if missing:
        context.log.info(f"{len(missing)} supplier reports missing for the last due quarter")
    return dg.MaterializeResult(
        metadata={
            "feedback_dir": dg.MetadataValue.path(str(report.folder)),
            "suppliers_with_feedback": report.suppliers,
            "missing_reports_alerted": len(missing) if missing is not None else 0,
        }
    )
