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


# A dbt that answers --version, writes its pid, prints a line that is not UTF-8 (dagster-dbt's
# reader fails on it while this process lives on) and then keeps running.
FAKE_DBT = """#!{python}
import os, sys, time
if "--version" in sys.argv:
    print("Core:\\n  - installed: 1.11.0")
    sys.exit(0)
with open({pid_file!r}, "w") as f:
    f.write(str(os.getpid()))
sys.stdout.buffer.write(b"\\xff\\xfe not UTF-8\\n")
sys.stdout.flush()
time.sleep(600)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_dbt_is_ended_when_the_step_fails_reading_its_output(hansyn_env):
    import dagster as dg
    from dagster_dbt import DbtCliResource

    from hansyn.config import load_settings
    from hansyn.sources import SOURCES
    from hansyn.sources.ingest import ingest_source
    from orchestration.dbt_assets import hansyn_dbt_assets, hansyn_dbt_project
    from tests.conftest import write_text
    from tests.test_loader_avtalsregister import HEADER, row

    # A night with something loaded: a night with nothing stops before dbt starts.
    write_text(hansyn_env / "raw/avtalsregister/avtalsregister_2025-12-31.csv", HEADER + row("A"))
    ingest_source(SOURCES["avtalsregister"], load_settings(), "run-1")
    pid_file = hansyn_env / "dbt.pid"
    fake = hansyn_env / "fake-dbt"
    fake.write_text(FAKE_DBT.format(python=sys.executable, pid_file=str(pid_file)))
    fake.chmod(0o755)
    launcher = dbt_launcher(hansyn_env / "launcher", dbt=str(fake))
    dbt = DbtCliResource(project_dir=hansyn_dbt_project(), dbt_executable=str(launcher))
    result = dg.materialize(
        [hansyn_dbt_assets],
        resources={"dbt": dbt},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert "UnicodeDecodeError" in str(failure.step_failure_data.error)
    pid = int(pid_file.read_text())
    try:
        # Ended and waited for by the step (no zombie either), not left running beside this
        # process, which lives on.
        assert not psutil.pid_exists(pid)
    finally:
        if psutil.pid_exists(pid):
            os.kill(pid, signal.SIGKILL)


def test_ended_on_failure_ends_a_process_that_ignores_sigterm():
    from orchestration.dbt_assets import ended_on_failure

    stubborn = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, time\n"
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint(flush=True)\ntime.sleep(600)",
        ],
        stdout=subprocess.PIPE,
    )
    stubborn.stdout.readline()  # SIGTERM is ignored from here on

    def events():
        with ended_on_failure(stubborn, timeout=0.5):
            yield 1
            yield 2

    stream = events()
    assert next(stream) == 1
    stream.close()  # Dagster stopped reading: GeneratorExit inside the block
    assert stubborn.returncode == -signal.SIGKILL
    # A block that ends normally leaves the process alone.
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    with ended_on_failure(done):
        pass
    assert done.returncode == 0
