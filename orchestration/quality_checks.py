"""The data-quality checks: each source's GX suite as asset checks on its ingestion asset.

A failed `critical` expectation is a blocking check with severity ERROR: Dagster then fails the
check step and skips everything downstream (dbt, publish), so nothing new is published."""

import dagster as dg

from hansyn.config import load_settings
from hansyn.quality.runner import run_quality_checks
from hansyn.quality.suites import load_suite
from hansyn.sources import SOURCES, Source

from .ingestion import raw_asset_key


def build_quality_checks(source: Source) -> dg.AssetChecksDefinition:
    suite = load_suite(source)
    key = raw_asset_key(source)
    origin = f"expectations/{suite.path.name}" if suite.path else "the generic suite"
    specs = [
        dg.AssetCheckSpec(
            name=check.name,
            asset=key,
            blocking=check.blocking,
            description=f"{check.description} ({'blocking' if check.blocking else 'warns'}; "
            f"{check.expectation['type']}, {origin})",
        )
        for check in suite.checks
    ]

    @dg.multi_asset_check(
        specs=specs,
        name=f"quality_checks_{source.name}",
        description=f"Great Expectations suite of {source.name} ({origin}) on raw.{source.table}.",
    )
    def _checks(context: dg.AssetCheckExecutionContext):
        outcomes = run_quality_checks(source, load_settings(), context.run.run_id)
        for o in outcomes:
            yield dg.AssetCheckResult(
                asset_key=key,
                check_name=o.name,
                passed=o.passed,
                severity=dg.AssetCheckSeverity.ERROR if o.blocking else dg.AssetCheckSeverity.WARN,
                description=o.message,
                metadata={
                    "source": source.name,
                    "file_name": o.file_name or "",
                    "rows": o.observed if o.observed is not None else -1,
                    "detail": o.detail,
                    "blocking": o.blocking,
                    "expectation": dg.MetadataValue.json(o.metadata),
                },
            )

    return _checks


quality_checks = [build_quality_checks(source) for source in SOURCES.values()]

# The checks above write their outcomes to audit.quality_checks, which dbt reads as a source.
quality_checks_log = dg.AssetSpec(
    key=["audit", "quality_checks"],
    deps=[raw_asset_key(source) for source in SOURCES.values()],
    group_name="ingestion",
    description="audit.quality_checks: the outcome of every data-quality check of every run, "
    "written by the checks on the ingestion assets.",
    kinds={"duckdb"},
)
