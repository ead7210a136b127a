"""The dbt child process ends with its parent: a killed `hansyn refresh` leaves no dbt running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from hansyn.manifest import dbt_launcher

# A parent that starts the launcher (with `sleep` standing in for dbt), prints its child's pid,
# then waits to be killed.
PARENT = """
import subprocess, sys, time
child = subprocess.Popen([sys.argv[1], "600"])
print(child.pid, flush=True)
time.sleep(600)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_child_ends_when_its_parent_is_killed(tmp_path):
    launcher = dbt_launcher(tmp_path, dbt="/bin/sleep")
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(launcher)], stdout=subprocess.PIPE, text=True
    )
    child = psutil.Process(int(parent.stdout.readline()))
    deadline = time.monotonic() + 10
    while child.cmdline()[:1] != ["/bin/sleep"]:  # the launcher has become the command
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    gone, alive = psutil.wait_procs([child], timeout=10)
    assert gone and not alive


def test_the_launcher_passes_arguments_and_exit_code_on(tmp_path):
    launcher = dbt_launcher(tmp_path, dbt="/bin/sh")
    done = subprocess.run(
        [str(launcher), "-c", "echo $0 $1; exit 3", "a", "b"], capture_output=True
    )
    assert (done.returncode, done.stdout) == (3, b"a b\n")
    # Written once: the same content is not rewritten.
    mtime = launcher.stat().st_mtime_ns
    assert dbt_launcher(tmp_path, dbt="/bin/sh").stat().st_mtime_ns == mtime
