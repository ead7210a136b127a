"""The contracts the project office hears of from placement_pipeline: when a contract's pace
turns `efter`, and when it enters its last quarter (its last three months, Avtalsslut ≤ the
reference date + 3 months) with places left. Once per contract and state, not every night.

The night that finds a (contract, state) records it in audit.pipeline_alerts with its run id;
that run's alert (`messages.build_alert`) names it; a later night finds it recorded and says
nothing more about it (a contract that falls behind again after catching up is not named twice)."""

from __future__ import annotations

import datetime as dt

import duckdb

from ..config import Settings
from ..warehouse import warehouse
from .messages import Problem

BEHIND = "efter"
LAST_QUARTER = "sista kvartalet"

# Each state with its rule over marts.placement_pipeline.
_STATES = f"""
select procurement_id, '{BEHIND}' as state from marts.placement_pipeline where pace = 'efter'
union all
select procurement_id, '{LAST_QUARTER}' as state from marts.placement_pipeline
where remaining_places > 0 and contract_end <= reference_date + interval 3 month
"""


def record_pipeline_changes(con: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple[str, str]]:
    """The (procurement_id, state) pairs that hold tonight and were never recorded before:
    recorded now, for this run."""
    new = con.execute(
        f"select s.procurement_id, s.state from ({_STATES}) as s "
        "anti join audit.pipeline_alerts as a "
        "on s.procurement_id = a.procurement_id and s.state = a.state "
        "order by s.state, s.procurement_id"
    ).fetchall()
    now = dt.datetime.now().replace(microsecond=0)
    for procurement_id, state in new:
        con.execute(
            "insert into audit.pipeline_alerts values (?, ?, ?, ?)",
            [procurement_id, state, run_id, now],
        )
    return [(p, s) for p, s in new]


def pipeline_problems(settings: Settings, run_id: str) -> list[Problem]:
    """The run's lines for its alert: each contract it recorded, with what is left to do."""
    if not settings.warehouse.exists():
        return []
    with warehouse(settings, read_only=True) as con:
        exists = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'audit' and table_name = 'pipeline_alerts'"
        ).fetchone()[0]
        if not exists:
            return []
        if not con.execute(
            "select count(*) from audit.pipeline_alerts where run_id = ?", [run_id]
        ).fetchone()[0]:
            return []
        rows = con.execute(
            "select a.state, a.procurement_id, p.buyer_organisation, p.supplier_name, "
            "p.remaining_places, p.days_left, p.contract_end "
            "from audit.pipeline_alerts as a "
            "left join marts.placement_pipeline as p on a.procurement_id = p.procurement_id "
            "where a.run_id = ? order by a.state, a.procurement_id",
            [run_id],
        ).fetchall()
    problems = []
    for state, procurement_id, buyer, supplier, remaining, days_left, end in rows:
        who = ", ".join(x for x in (buyer, supplier) if x)
        left = (
            f"{remaining} places left, {days_left} days to {end}"
            if end
            else f"{remaining} places left"
        )
        what = (
            "behind pace (fewer placed than its elapsed time expects)"
            if state == BEHIND
            else "in its last quarter with places left"
        )
        problems.append(
            Problem(
                "contract_alert",
                "avtalsregister",
                None,
                f"contract {procurement_id} ({who}): {what}; {left}",
            )
        )
    return problems
