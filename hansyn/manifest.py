"""The dbt project's manifest: parsed when a model, seed or macro is newer than it, and the
published tables it lists (every model under models/marts/)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .config import DBT_PROJECT_DIR

MARTS_FOLDER = "marts"


def _newest_source_mtime() -> float:
    newest = 0.0
    for folder in ("models", "seeds", "macros", "tests"):
        for path in (DBT_PROJECT_DIR / folder).rglob("*"):
            if path.is_file():
                newest = max(newest, path.stat().st_mtime)
    for name in ("dbt_project.yml", "profiles.yml"):
        newest = max(newest, (DBT_PROJECT_DIR / name).stat().st_mtime)
    return newest


def dbt_command() -> str:
    """The dbt executable of this environment (the venv's, not whatever is on PATH)."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


_LAUNCHER = """#!{python}
# dbt, ended with the process that started it: written by hansyn (hansyn/manifest.py).
import ctypes, os, signal, sys
try:  # Linux: the kernel sends SIGTERM when the parent dies (PR_SET_PDEATHSIG = 1)
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
except (OSError, AttributeError):
    pass
if os.getppid() == 1:  # the parent was gone before the line above
    sys.exit(1)
os.execv({dbt!r}, [{dbt!r}, *sys.argv[1:]])
"""


def dbt_launcher(folder: Path, dbt: str | None = None) -> Path:
    """An executable that runs dbt (`dbt`, by default this environment's) so that it ends when
    its parent does: a killed `hansyn refresh` or Dagster step never leaves a dbt process
    writing to the warehouse. Written into `folder` (dbt's target folder) when it differs."""
    dbt = dbt or dbt_command()
    path = folder / "dbt-ended-with-parent"
    text = _LAUNCHER.format(python=sys.executable, dbt=dbt)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}")
        partial.write_text(text, encoding="utf-8")
        partial.chmod(0o755)
        os.replace(partial, path)
    return path


def ensure_manifest(target_dir: Path) -> Path:
    """Parse the project when the manifest is missing or older than a model, seed or macro."""
    manifest = target_dir / "manifest.json"
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime():
        subprocess.run(
            [
                dbt_command(),
                "parse",
                "--quiet",
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--target-path",
                str(target_dir),
            ],
            check=True,
            env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        )
    return manifest


def published_models(manifest_path: Path) -> list[str]:
    """The models under models/marts/: each is a published table."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1:2] == [MARTS_FOLDER]
    )


@dataclass(frozen=True)
class TableDoc:
    """A published table's description and its columns' descriptions, as the dbt YAML says."""

    description: str
    columns: dict[str, str]


def _one_line(text: str | None) -> str:
    # YAML's folded and literal blocks leave line breaks a BI tool's tooltip shows as they are.
    return " ".join((text or "").split())


def published_descriptions(manifest_path: Path) -> dict[str, TableDoc]:
    """Every published table's dbt description and its columns' (the data dictionary that
    indikatorer.duckdb carries as comments); a column without one is left out."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    docs = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["fqn"][1:2] == [MARTS_FOLDER]:
            docs[node["name"]] = TableDoc(
                description=_one_line(node.get("description")),
                columns={
                    name: _one_line(column.get("description"))
                    for name, column in node.get("columns", {}).items()
                    if _one_line(column.get("description"))
                },
            )
    return docs
