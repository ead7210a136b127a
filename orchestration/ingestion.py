"""One ingestion asset per source folder: thin wiring over `hansyn.sources.ingest`."""

import dagster as dg

from hansyn.config import load_settings
from hansyn.sources import SOURCES, Source
from hansyn.sources.ingest import ingest_source

INGESTION_GROUP = "ingestion"


def raw_asset_key(source: Source) -> dg.AssetKey:
    return dg.AssetKey(["raw", source.table])


def build_ingestion_asset(source: Source) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_asset_key(source),
        group_name=INGESTION_GROUP,
        description=f"Every file of data/raw/{source.name}/ loaded into raw.{source.table}; "
        "refused and duplicate files left out, rejected rows kept in audit.rejected_rows.",
        kinds={"python", "duckdb"},
    )
    def _ingest(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        report = ingest_source(source, load_settings(), context.run_id)
        for f in report.files:
            if f.status != "loaded" or f.rows_rejected:
                context.log.warning(f"{source.name}/{f.file_name}: {f.status}: {f.message}")
        return dg.MaterializeResult(
            metadata={
                "files": len(report.files),
                "files_refused": len(report.with_status("refused")),
                "files_duplicate": len(report.with_status("duplicate")),
                "rows_loaded": report.rows_loaded,
                "rows_rejected": report.rows_rejected,
                "dagster/row_count": report.rows_loaded,
            }
        )

    return _ingest


ingestion_assets = [build_ingestion_asset(source) for source in SOURCES.values()]

# Every ingestion asset writes the load log and the rejected rows, which dbt reads as the sources
# `audit.*`: declared here so that the lineage runs from the files through them to load_quality.
audit_tables = [
    dg.AssetSpec(
        key=["audit", table],
        deps=[raw_asset_key(source) for source in SOURCES.values()],
        group_name=INGESTION_GROUP,
        description=description,
        kinds={"duckdb"},
    )
    for table, description in {
        "load_log": "audit.load_log: one row per delivered file and load, written by every "
        "ingestion asset (loaded, refused, duplicate; rows read, loaded, rejected; the reason).",
        "rejected_rows": "audit.rejected_rows: every row a loader rejected, with its file, row "
        "number and reason (personnummer columns left out).",
    }.items()
]
