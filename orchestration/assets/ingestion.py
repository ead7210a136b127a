"""One ingestion asset per source folder: thin wiring over `orchestration.ingest`."""

import dagster as dg

from ..config import load_settings
from ..ingest import ingest_source
from ..loaders import SOURCES, Source

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

    _ingest.__name__ = f"ingest_{source.name}"
    return _ingest


ingestion_assets = [build_ingestion_asset(source) for source in SOURCES.values()]
