"""The dbt project's manifest: parsed when a model, seed or macro is newer than it, and the
published tables it lists (every model under models/marts/)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
