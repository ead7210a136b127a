"""Helpers of the end-to-end tests: the `hansyn` command as a user runs it, and the Luhn digit
that makes a hand-written personnummer valid."""

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


def luhn(nine: str) -> str:
    """The check digit of a personnummer's nine digits after the century."""
    total = 0
    for i, ch in enumerate(nine):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)
