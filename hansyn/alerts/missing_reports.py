"""The suppliers whose report for the last due quarter is missing: found once per quarter, on the
first night after its 30 days' grace, and named in that night's alert (not every night).

The night that finds them records the quarter in audit.supplier_reminders with its run id; that
run's alert (`messages.build_alert`) lists them; a later night finds the quarter recorded and
says nothing until the next quarter falls due."""

from __future__ import annotations

import datetime as dt
import json

import duckdb

from ..config import Settings
from ..warehouse import warehouse
from .messages import Problem

_LAST_DUE = """
select max(report_period) from marts.supplier_reporting
"""
_MISSING = """
select supplier_name, supplier_org_number, status
from marts.supplier_reporting
where report_period = ? and status in ('saknas', 'underkänd')
order by supplier_name, supplier_org_number
"""


def _supplier(name: str | None, org: str | None) -> str:
    if org is None:  # a sole trader: their number is never shown
        return f"{name or 'okänd leverantör'} (enskild firma)"
    return f"{name} ({org})" if name else org


def record_missing_reports(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict] | None:
    """The suppliers missing the last due quarter's report, when this quarter has not been
    recorded before (recorded now, for this run); None when it was, or nothing is due."""
    quarter = con.execute(_LAST_DUE).fetchone()[0]
    if quarter is None:
        return None
    seen = con.execute(
        "select count(*) from audit.supplier_reminders where report_period = ?", [quarter]
    ).fetchone()[0]
    if seen:
        return None
    missing = [
        {"supplier": _supplier(name, org), "status": status}
        for name, org, status in con.execute(_MISSING, [quarter]).fetchall()
    ]
    con.execute(
        "insert into audit.supplier_reminders values (?, ?, ?, ?)",
        [quarter, run_id, dt.datetime.now().replace(microsecond=0), json.dumps(missing)],
    )
    return missing


def reminder_problems(settings: Settings, run_id: str) -> list[Problem]:
    """The run's missing-report lines for its alert (none unless the run recorded a quarter)."""
    if not settings.warehouse.exists():
        return []
    with warehouse(settings, read_only=True) as con:
        exists = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'audit' and table_name = 'supplier_reminders'"
        ).fetchone()[0]
        if not exists:
            return []
        rows = con.execute(
            "select report_period, suppliers from audit.supplier_reminders where run_id = ?",
            [run_id],
        ).fetchall()
    problems = []
    for quarter, suppliers in rows:
        for item in json.loads(suppliers):
            what = (
                f"report for {quarter} missing (saknas)"
                if item["status"] == "saknas"
                else f"report for {quarter} refused only (underkänd): a corrected file is due"
            )
            problems.append(
                Problem(
                    "report_missing", "leverantorsrapporter", None, f"{item['supplier']}: {what}"
                )
            )
    return problems
