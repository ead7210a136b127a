"""The dbt project as assets: staging → intermediate → marts, its tests as asset checks."""

import logging
import os
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, redirect_stdout
from functools import cache
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from hansyn.config import DBT_PROJECT_DIR, load_settings
from hansyn.manifest import dbt_command, dbt_launcher, published_models
from hansyn.night import inputs_fingerprint, nothing_new_since, record_building
from hansyn.quality.baselines import nothing_loaded
from hansyn.sources.personnummer import masked_logger
from hansyn.warehouse import warehouse

from .schedules import JOB_NAME

log = masked_logger("hansyn.dbt")


@cache
def hansyn_dbt_project() -> DbtProject:
    """Built once. Under `dagster dev` the manifest is parsed again when the code is reloaded;
    anywhere else it must have been prepared (`hansyn refresh` and the tests prepare it)."""
    project = DbtProject(
        project_dir=DBT_PROJECT_DIR,
        profiles_dir=DBT_PROJECT_DIR,
        target_path=load_settings().dbt_target_dir,
    )
    project.prepare_if_dev()
    return project


class HansynTranslator(DagsterDbtTranslator):
    """A dbt source is the asset that writes it: `raw.<table>` the source's ingestion asset,
    `audit.<table>` the audit table of the same key; models are grouped by folder."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["identifier"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        return fqn[1] if len(fqn) > 2 else "transform"


@dbt_assets(manifest=hansyn_dbt_project().manifest_path, dagster_dbt_translator=HansynTranslator())
def hansyn_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    # raise_on_error (the default) fails this step when a test marked error fails, so the
    # publish asset downstream does not run: nothing new is published.
    # dbt's profile reads the warehouse path from the environment: pass the settings' path on.
    settings = load_settings()
    # Nothing the marts are made from changed since the last publication: the nightly job
    # builds no model, so the publish asset and the report downstream are skipped and the
    # published files stay. A materialization started by hand always builds.
    with warehouse(settings) as con:
        last = nothing_new_since(con, settings) if context.run.job_name == JOB_NAME else None
        if last is not None:
            context.log.info(f"nothing new since {last.at:%Y-%m-%d %H:%M}: dbt not run")
            return
        # No source has a row: the marts would be empty tables published as a success.
        empty = nothing_loaded(con)
        if empty is not None:
            raise dg.Failure(description=empty)
        record_building(con, context.run_id, inputs_fingerprint(con, settings))
    os.environ["HANSYN_WAREHOUSE"] = str(settings.warehouse)
    # A stable target folder keeps dbt's partial parsing between nightly runs.
    target = settings.dbt_target_dir / "build"
    # Unit tests check the SQL on fixed inputs, not the night's data: they run in CI
    # (tests/test_dbt_unit_tests.py), not every night (they were a third of dbt's time).
    args = ["build", "--exclude-resource-type", "unit_test"]
    invocation = dbt.cli(args, context=context, target_path=target)
    built, passed, failed = 0, 0, 0
    with ended_on_failure(invocation.process), dbt_echo(target):
        for event in invocation.stream():
            if isinstance(event, dg.AssetCheckResult):
                passed += event.passed
                failed += not event.passed
                if not event.passed:
                    log.warning(
                        "dbt test failed: %s on %s",
                        event.check_name,
                        event.asset_key.to_user_string() if event.asset_key else "",
                    )
            elif isinstance(event, dg.Output | dg.AssetMaterialization):
                built += 1
            yield event
    summary = f"dbt build: {built} models and seeds built, {passed} tests passed, {failed} failed"
    log.info(summary)
    context.log.info(summary)


@contextmanager
def dbt_echo(target) -> Iterator[None]:
    """dagster-dbt writes every line of dbt's log to stdout (some 700 a night, one per model and
    test) and has no setting for it; dbt keeps the same lines in `<target>/dbt.log`. They reach
    the console only with `hansyn refresh --verbose` (the `hansyn.dbt` logger at DEBUG); the
    step logs one summary line, and a failed test or model is logged and fails the step."""
    if log.isEnabledFor(logging.DEBUG):
        yield
        return
    log.debug("dbt's own log: %s", target / "dbt.log")
    with open(os.devnull, "w") as devnull, redirect_stdout(devnull):
        yield


@contextmanager
def ended_on_failure(process: subprocess.Popen, timeout: float = 10.0) -> Iterator[None]:
    """Ends and waits for the dbt process when the block fails: reading dbt's output raised, or
    the step stopped consuming the events (a generator closed). The launcher ends dbt only when
    this process dies; a step that fails while the process lives on (`dagster dev`, a test)
    would leave dbt writing to the warehouse beside the next run."""
    try:
        yield
    except BaseException:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        raise


def dbt_resource() -> DbtCliResource:
    # dbt runs as a child that ends with this process: a killed run leaves no dbt behind.
    launcher = dbt_launcher(load_settings().dbt_target_dir, dbt_command())
    return DbtCliResource(project_dir=hansyn_dbt_project(), dbt_executable=str(launcher))


PUBLISHED_TABLES = published_models(hansyn_dbt_project().manifest_path)
