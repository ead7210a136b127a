"""The indicator report asset: the HTML page for the project office, after every publish."""

import dagster as dg

from hansyn.config import load_settings
from hansyn.publishing.swap import REPORT_FILE

from .publication import published_marts


@dg.asset(
    key="indicator_report",
    group_name="publish",
    deps=[published_marts],
    description="indikatorrapport.html in the marts folder: one self-contained page (inline CSS "
    "and SVG) with every indicator, written by the publication into its new version from that "
    "version's indikatorer.duckdb, so that it always shows the tables beside it.",
    kinds={"html"},
)
def indicator_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    # Not rendered again here: that would open the published indikatorer.duckdb, which an
    # analyst's read-write connection may lock.
    path = load_settings().marts_dir / REPORT_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: the publication wrote no report")
    context.log.info(f"indicator report published at {path}")
    return dg.MaterializeResult(
        metadata={"path": dg.MetadataValue.path(str(path)), "bytes": path.stat().st_size}
    )
