"""Helpers of the end-to-end tests: the `hansyn` command as a user runs it, dbt on the project
with this test's environment, and the Luhn digit that makes a hand-written personnummer valid."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """`hansyn <args>` in a process of its own, with this test's environment."""
    exe = Path(sys.executable).parent / "hansyn"
    return subprocess.run(
        [str(exe), *args], capture_output=True, text=True, env=os.environ.copy(), timeout=900
    )


def run_dbt(*args: str, target) -> subprocess.CompletedProcess:
    """`dbt <args>` on the project, its artefacts in `target`, with this test's environment."""
    from hansyn.config import DBT_PROJECT_DIR
    from hansyn.manifest import dbt_command

    return subprocess.run(
        [dbt_command(), *args, "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target)],
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def luhn(nine: str) -> str:
    """The check digit of a personnummer's nine digits after the century."""
    total = 0
    for i, ch in enumerate(nine):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def pnr(birth: str, serial: str) -> str:
    """A valid personnummer, 12 digits, from its birth date YYYYMMDD and three serial digits
    (the last is the sex: odd = man)."""
    return birth + serial + luhn(birth[2:] + serial)
