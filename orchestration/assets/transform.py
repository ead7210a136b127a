"""The dbt project as assets: staging → intermediate → marts, its tests as asset checks."""

import logging
import os
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from ..config import load_settings
from ..transform import dbt_project

log = logging.getLogger("hansyn.dbt")


class HansynTranslator(DagsterDbtTranslator):
    """dbt sources in schema `raw` are the ingestion assets; models are grouped by layer."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["identifier"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        return fqn[1] if len(fqn) > 2 else "transform"


@dbt_assets(manifest=dbt_project().manifest_path, dagster_dbt_translator=HansynTranslator())
def hansyn_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    # raise_on_error (the default) fails this step when a test marked error fails, so the
    # publish asset downstream does not run: nothing new is published.
    # dbt's profile reads the warehouse path from the environment: pass the settings' path on.
    settings = load_settings()
    os.environ["HANSYN_WAREHOUSE"] = str(settings.warehouse)
    # A stable target folder keeps dbt's partial parsing between nightly runs.
    target = settings.dbt_target_dir / "build"
    # Unit tests check the SQL on fixed inputs, not the night's data: they run in CI
    # (tests/test_dbt_unit_tests.py), not every night (they were a third of dbt's time).
    args = ["build", "--exclude-resource-type", "unit_test"]
    for event in dbt.cli(args, context=context, target_path=target).stream():
        if isinstance(event, dg.AssetCheckResult) and not event.passed:
            log.warning(
                "dbt test failed: %s on %s",
                event.check_name,
                event.asset_key.to_user_string() if event.asset_key else "",
            )
        yield event
