"""The indicator report asset: the HTML page for the project office, after every publish."""

import dagster as dg

from hansyn.config import load_settings
from hansyn.report.render import write_report

from .publication import published_marts


@dg.asset(
    key="indicator_report",
    group_name="publish",
    deps=[published_marts],
    description="indikatorrapport.html in the marts folder: one self-contained page (inline CSS "
    "and SVG) with every indicator, read from the published indikatorer.duckdb.",
    kinds={"html"},
)
def indicator_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    path = write_report(load_settings().marts_dir)
    context.log.info(f"indicator report written to {path}")
    return dg.MaterializeResult(
        metadata={"path": dg.MetadataValue.path(str(path)), "bytes": path.stat().st_size}
    )
