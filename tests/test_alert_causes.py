"""A failed step's alert says the cause in words, not "Error occurred while executing op …"."""

from __future__ import annotations

from hansyn.alerts.messages import cause_in_words

STEP = (
    "DagsterExecutionStepExecutionError",
    'Error occurred while executing op "published_marts":',
)


def test_a_read_only_folder():
    cause = ("PermissionError", "[Errno 13] Permission denied: '/srv/marts/.publishing-1a2b'")
    assert cause_in_words([STEP, cause]) == (
        "a folder or file is read-only to hansyn (permission denied: /srv/marts/.publishing-1a2b) "
        "(PermissionError: [Errno 13] Permission denied: '/srv/marts/.publishing-1a2b')"
    )


def test_a_full_disk():
    cause = (
        "IOException",
        'IO Error: Could not write file "/srv/wh.duckdb.wal": No space left on device',
    )
    words = cause_in_words([STEP, cause])
    assert words.startswith("the disk is full (no space left on the device) (IOException: ")


def test_a_lock_held_by_another_process_in_dbts_log():
    dbt = (
        "DagsterDbtCliRuntimeError",
        "The dbt CLI process with command\n\n`dbt build`\n\nfailed with exit code `2`.\n"
        'Runtime Error\n  IO Error: Could not set lock on file "/srv/warehouse.duckdb": '
        "Conflicting lock is held in /usr/bin/python3.11 (PID 4242) by user hansyn.",
    )
    assert cause_in_words([STEP, dbt]).startswith(
        "the warehouse is locked by another process (PID 4242, /usr/bin/python3.11): another run"
    )


def test_an_unknown_cause_is_named_by_the_deepest_error():
    cause = ("ValueError", "something odd\nmore lines")
    assert cause_in_words([STEP, cause]) == "ValueError: something odd"
    assert cause_in_words([]) == "failed without a message"
