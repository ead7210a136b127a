"""placement_pipeline and candidate_pool: the privacy guard's reading of candidate_pool's
relation (per dimension, the categories sum to the one Alla row), on rows written in the test.
The marts' rules themselves are dbt unit tests in dbt_project/models/marts/_pipeline__models.yml."""

from __future__ import annotations

import dagster as dg

from hansyn.alerts.pipeline_changes import record_pipeline_changes
from hansyn.config import load_settings
from hansyn.publishing.privacy import declared_privacy, relation_equations, solve_relations
from hansyn.warehouse import warehouse
from orchestration.run_alerts import alert_for_run
from tests.alert_servers import alert_env, assert_nothing_sent, smtp_server, webhook_server  # noqa: F401

TARGET_GROUPS = [
    "Långtidsarbetslös",
    "Nyanländ",
    "Ung 16–29",
    "Person med funktionsnedsättning",
    "Försörjningsstöd",
]


def pool(target_groups: list, areas: list, alla) -> list[dict]:
    """candidate_pool's rows with these candidates (None: hidden); the other counts 0."""
    rows = [("target_group", g, n) for g, n in zip(TARGET_GROUPS, target_groups, strict=True)]
    rows += [
        ("stadsomrade", a, n) for a, n in zip(["01", "02", "03", "04", "99"], areas, strict=True)
    ]
    rows.append(("Alla", "Alla", alla))
    return [
        {"dimension": d, "category": c, "candidates": n, "waiting_over_6_months": 0, "referred": 0}
        for d, c, n in rows
    ]


def test_each_dimension_sums_to_the_alla_row_and_alla_is_no_part():
    """Three relations (candidates, waiting, referred) × two dimensions = six equations, each
    with the Alla row (row 10) as its total and its dimension's five rows as parts; the Alla
    row's own group has no parts and is no equation (it would say Alla = 0)."""
    equations, values = relation_equations(
        {"candidate_pool": pool([2, 6, 7, 0, 5], [5, 5, 9, 0, 1], 20)}, declared_privacy()
    )
    mine = [eq for eq in equations if eq.table == "candidate_pool"]
    assert sorted((eq.relation, eq.group) for eq in mine) == sorted(
        (relation, f"dimension={dimension}")
        for relation in (
            "categories_candidates_sum_to_alla",
            "categories_waiting_sum_to_alla",
            "categories_referred_sum_to_alla",
        )
        for dimension in ("target_group", "stadsomrade")
    )
    for eq in mine:
        assert eq.total == ("candidate_pool", 10, eq.total[2])
        start = 0 if eq.group == "dimension=target_group" else 5
        assert [p[1] for p in eq.parts] == list(range(start, start + 5))
    assert values[("candidate_pool", 10, "candidates")] == 20


def test_a_lone_hidden_category_is_found_and_a_protected_pair_is_not():
    """Långtidsarbetslös hidden alone: 20 − 6 − 7 − 0 − 5 = 2 gives it back. Hidden with
    Försörjningsstöd (the model's complementary cell), the pair sums to 7: any split of 7 into
    two counts of at least 1 fits, so nothing follows. The areas: 99 and 01 hidden, 6 over 2."""
    declared = declared_privacy()
    lone = pool([None, 6, 7, 0, 5], [None, 5, 9, 0, None], 20)
    found = solve_relations(*relation_equations({"candidate_pool": lone}, declared))
    assert [(cell, eq.group) for eq, cell, _ in found] == [
        (("candidate_pool", 0, "candidates"), "dimension=target_group")
    ]

    pair = pool([None, 6, 7, 0, None], [None, 5, 9, 0, None], 20)
    assert solve_relations(*relation_equations({"candidate_pool": pair}, declared)) == []


# --- the report's section "Framåt – platser och kandidater" ---------------------------------


def test_the_report_leads_with_the_contracts_behind_pace_and_the_pool(tmp_path):
    """On the hand-made tables of tests/report_fixture.py: the section comes first; the
    contracts behind pace are A1 (91 days left) then A6 (275); those ending by R + 6 months
    (2026-09-30) with places left are A1 and A2 (A4 ends in May but is klar); places left 18;
    A2 works in the whole city for any target group. The pool: Alla 30 candidates, 18 open
    places → 0,60 per candidate; Nyanländ's hidden count and its places per candidate show as
    '..' (the report's mark for a hidden value), and no person count 1–4 is shown."""
    import re

    from hansyn.publishing.privacy import scan_html
    from hansyn.report import render
    from tests.browser import plain, read_report
    from tests.report_fixture import make_published

    db = make_published(tmp_path / "marts" / "indikatorer.duckdb")
    path = render.write_report(db.parent)
    html = path.read_text(encoding="utf-8")
    dom = read_report(html)

    assert list(dom.sections)[0] == "framat"
    m = {k: plain(v) for k, v in dom.metrics.items() if k.startswith("framat.")}
    assert m == {
        "framat.pace.efter": "2",
        "framat.pace.i fas": "1",
        "framat.pace.löpande": "1",
        "framat.pace.ej startad": "1",
        "framat.pace.klar": "1",
        "framat.remaining": "18",
        "framat.candidates": "30",
        "framat.places_per_candidate": "0,60",
    }
    section = html.split('<section id="framat">', 1)[1].split("</section>", 1)[0]
    behind = re.findall(r'<tr data-pace="efter"><td>(\w+)', section)
    assert behind == ["A1", "A6"]
    due = re.findall(r'<tr data-due="(\w+)">(.*?)</tr>', section)
    assert [d[0] for d in due] == ["A1", "A2"]
    a2 = plain(re.sub(r"<[^>]+>", "|", due[1][1]))
    assert "Hela staden|" in a2 and "Alla målgrupper|" in a2 and "|183|" in a2
    nyanland = re.search(r"<tr><td>Nyanländ</td>(.*?)</tr>", section).group(1)
    cells = [plain(c) for c in re.findall(r'<td class="num">(.*?)</td>', nyanland)]
    assert [re.sub(r"<[^>]+>", "", c) for c in cells] == ["..", "..", "0", "12", ".."]
    assert scan_html(path) == []


# --- the alert: once per contract and state -------------------------------------------------

PIPELINE = [
    # procurement_id, buyer, supplier, contract_end, remaining_places, pace, days_left, R
    ("K1", "Fastighetskontoret", "Bygg AB", "2026-12-31", 5, "efter", 275, "2026-03-31"),
    ("K2", "Fastighetskontoret", "Städ AB", "2026-06-30", 2, "i fas", 91, "2026-03-31"),
    ("K3", "Park- och naturförvaltningen", "Grön AB", "2026-05-31", 0, "klar", 61, "2026-03-31"),
    ("K4", "Park- och naturförvaltningen", None, None, 3, "löpande", None, "2026-03-31"),
    ("K5", "Park- och naturförvaltningen", "Väg AB", "2026-07-01", 1, "i fas", 92, "2026-03-31"),
]


def _placement_pipeline(con, rows) -> None:
    con.execute("create schema if not exists marts")
    con.execute(
        "create or replace table marts.placement_pipeline (procurement_id varchar, "
        "buyer_organisation varchar, supplier_name varchar, contract_end date, "
        "remaining_places bigint, pace varchar, days_left integer, reference_date date)"
    )
    con.executemany("insert into marts.placement_pipeline values (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def test_the_office_hears_of_a_contract_once_per_state(alert_env, caplog):  # noqa: F811
    """Night 1 (R = 2026-03-31, last quarter: ending on or before 2026-06-30): K1 is behind
    pace; K2 ends 2026-06-30 with 2 places left (its last three months); K3 ends in May but
    is klar, K4 is open-ended and K5 ends 2026-07-01, a day after R + 3 months: none of them.
    Night 2, the same: nothing is sent. Night 3: K2 falls behind too, a new state of it, and
    only that is named (K1, still behind, is not named again)."""
    import logging

    mailbox, hook = alert_env
    caplog.set_level(logging.INFO, logger="hansyn.alerts")
    settings = load_settings()
    instance = dg.DagsterInstance.ephemeral()
    with warehouse(settings) as con:
        _placement_pipeline(con, PIPELINE)
        assert record_pipeline_changes(con, "night-1") == [
            ("K1", "efter"),
            ("K2", "sista kvartalet"),
        ]
    alert = alert_for_run(instance, "night-1", settings)
    assert alert is not None and "2 contracts to follow up" in alert.subject, caplog.text
    (body,) = mailbox.bodies()
    assert (
        "contract K1 (Fastighetskontoret, Bygg AB): behind pace (fewer placed than its elapsed "
        "time expects); 5 places left, 275 days to 2026-12-31"
    ) in body
    assert (
        "contract K2 (Fastighetskontoret, Städ AB): in its last quarter with places left; "
        "2 places left, 91 days to 2026-06-30"
    ) in body
    assert "K3" not in body and "K4" not in body and "K5" not in body

    mailbox.clear()
    hook.clear()
    with warehouse(settings) as con:
        assert record_pipeline_changes(con, "night-2") == []
    assert alert_for_run(instance, "night-2", settings) is None
    assert_nothing_sent(mailbox, hook)

    behind = [(*r[:5], "efter", *r[6:]) if r[0] == "K2" else r for r in PIPELINE]
    with warehouse(settings) as con:
        _placement_pipeline(con, behind)
        assert record_pipeline_changes(con, "night-3") == [("K2", "efter")]
    alert_for_run(instance, "night-3", settings)
    (body,) = mailbox.bodies()
    assert "contract K2 (Fastighetskontoret, Städ AB): behind pace" in body
    assert "K1" not in body
