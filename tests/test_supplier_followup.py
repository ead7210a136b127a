"""The supplier follow-up: the missing-report alert once per quarter (delivered to a real SMTP
server), and the feedback files per supplier (Swedish Excel CSV and text, never a number)."""

from __future__ import annotations

import logging

import dagster as dg

from hansyn.alerts.missing_reports import record_missing_reports
from hansyn.config import load_settings
from hansyn.feedback import in_swedish, write_feedback
from hansyn.warehouse import warehouse
from orchestration.run_alerts import alert_for_run
from tests.alert_servers import alert_env, assert_nothing_sent, smtp_server, webhook_server  # noqa: F401

REPORTING = [
    # supplier_org_number, supplier_name, report_period, status
    ("5560000001", "Städ & Service i Väst AB", "2025-Q3", "saknas"),
    ("5560000001", "Städ & Service i Väst AB", "2025-Q4", "saknas"),
    ("5560000019", "Grönyta Göteborg AB", "2025-Q4", "inkommen"),
    ("5560000027", "Måltid Hisingen AB", "2025-Q4", "underkänd"),
    (None, "Lindqvists Fönsterputs", "2025-Q4", "saknas"),
]


def _supplier_reporting(con, rows) -> None:
    con.execute("create schema if not exists marts")
    con.execute(
        "create or replace table marts.supplier_reporting (supplier_org_number varchar, "
        "supplier_name varchar, report_period varchar, status varchar)"
    )
    con.executemany("insert into marts.supplier_reporting values (?, ?, ?, ?)", rows)


def test_missing_reports_alerted_once_per_quarter(alert_env, caplog):  # noqa: F811
    mailbox, hook = alert_env
    caplog.set_level(logging.INFO, logger="hansyn.alerts")
    settings = load_settings()
    instance = dg.DagsterInstance.ephemeral()
    with warehouse(settings) as con:
        _supplier_reporting(con, REPORTING)
        missing = record_missing_reports(con, "night-1")
    assert [m["status"] for m in missing] == ["saknas", "underkänd", "saknas"]

    alert = alert_for_run(instance, "night-1", settings)

    assert alert is not None and "3 supplier reports missing" in alert.subject
    # Delivery is synchronous; if it failed, the log says why.
    assert len(mailbox.bodies()) == 1, caplog.text
    (body,) = mailbox.bodies()
    assert "Lindqvists Fönsterputs (enskild firma): report for 2025-Q4 missing (saknas)" in body
    assert "Städ & Service i Väst AB (5560000001): report for 2025-Q4 missing" in body
    assert "Måltid Hisingen AB (5560000027): report for 2025-Q4 refused only" in body
    assert "2025-Q3" not in body  # only the last due quarter
    assert "Grönyta" not in body
    assert len(hook.posts) == 1

    # The next night: the same quarter, nothing new to say.
    mailbox.clear()
    hook.clear()
    with warehouse(settings) as con:
        assert record_missing_reports(con, "night-2") is None
    assert alert_for_run(instance, "night-2", settings) is None
    assert_nothing_sent(mailbox, hook)

    # When the next quarter falls due, its missing reports are alerted (once).
    with warehouse(settings) as con:
        _supplier_reporting(
            con, [*REPORTING, ("5560000019", "Grönyta Göteborg AB", "2026-Q1", "saknas")]
        )
        record_missing_reports(con, "night-3")
    alert = alert_for_run(instance, "night-3", settings)
    assert alert is not None, caplog.text
    assert len(mailbox.bodies()) == 1, caplog.text
    (body,) = mailbox.bodies()
    assert "Grönyta Göteborg AB (5560000019): report for 2026-Q1 missing" in body
    assert "2025-Q4" not in body


def _attributed(con) -> None:
    con.execute("create schema if not exists intermediate")
    con.execute(
        "create or replace table intermediate.int_supplier_report_files_attributed ("
        "file_name varchar, status varchar, rows_rejected bigint, message varchar, "
        "supplier_key varchar, report_period varchar)"
    )
    con.executemany(
        "insert into intermediate.int_supplier_report_files_attributed values (?, ?, ?, ?, ?, ?)",
        [
            ("rapport_5560000001_2025-Q1.xlsx", "loaded", 2, None, "5560000001", "2025-Q1"),
            ("rapport_5560000001_2025-Q2.xlsx", "refused", 0,
             "no sheet 'Rapport' (sheets: Blad1)", "5560000001", "2025-Q2"),
            ("rapport_X1a2b3c4d5_2025-Q1.xlsx", "loaded", 1, None, "X1a2b3c4d5", "2025-Q1"),
            ("rapport_5560000019_2025-Q1.xlsx", "loaded", 0, None, "5560000019", "2025-Q1"),
            ("blandat.xlsx", "loaded", 1, None, None, None),
        ],
    )  # fmt: skip
    con.execute(
        "create or replace table intermediate.int_suppliers_identified (supplier_key varchar, "
        "supplier_org_number varchar, supplier_name varchar, is_sole_trader boolean)"
    )
    con.executemany(
        "insert into intermediate.int_suppliers_identified values (?, ?, ?, ?)",
        [
            ("5560000001", "5560000001", "Städ & Service i Väst AB", False),
            ("X1a2b3c4d5", None, "Lindqvists Fönsterputs", True),
            ("5560000019", "5560000019", "Grönyta Göteborg AB", False),
        ],
    )
    con.executemany(
        "insert into audit.rejected_rows values ('r', now(), 'leverantorsrapporter', ?, ?, ?, '{}')",
        [
            ("rapport_5560000001_2025-Q1.xlsx", 3, "'Slutdatum' is before 'Startdatum'"),
            ("rapport_5560000001_2025-Q1.xlsx", 7,
             "'Insatstyp' has unknown value 'Lönebidrag' (allowed: Anställning, Praktik)"),
            ("rapport_X1a2b3c4d5_2025-Q1.xlsx", 2,
             "'Leverantör organisationsnummer' is not an organisationsnummer: '750314-98790'"),
            ("blandat.xlsx", 4, "'Startdatum' is empty"),
        ],
    )  # fmt: skip


def test_feedback_files_per_supplier_replaced_each_night(hansyn_env):
    settings = load_settings()
    assert settings.feedback_dir == hansyn_env / "feedback"  # beside the marts, not in them
    (settings.feedback_dir).mkdir()
    (settings.feedback_dir / "aterkoppling_gammal.csv").write_text("last night's")
    with warehouse(settings) as con:
        _attributed(con)
        report = write_feedback(settings, con)

    names = sorted(p.name for p in settings.feedback_dir.iterdir())
    assert names == [
        "aterkoppling_5560000001_stad_service_i_vast_ab.csv",
        "aterkoppling_5560000001_stad_service_i_vast_ab.txt",
        "aterkoppling_enskild_firma_lindqvists_fonsterputs.csv",
        "aterkoppling_enskild_firma_lindqvists_fonsterputs.txt",
    ]  # no file for a supplier with nothing to correct; last night's files are gone
    assert report.suppliers == 2
    raw = (settings.feedback_dir / names[0]).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "Fil;Kvartal;Rad;Fel;Så rättar ni"
    assert lines[1].startswith("rapport_5560000001_2025-Q1.xlsx;2025-Q1;3;Slutdatum är före")
    assert lines[2].startswith("rapport_5560000001_2025-Q1.xlsx;2025-Q1;7;'Insatstyp' har ett")
    assert lines[3].startswith(
        "rapport_5560000001_2025-Q2.xlsx;2025-Q2;hela filen;Filen har inget blad som heter"
    )
    sole = "\n".join((settings.feedback_dir / n).read_text(encoding="utf-8-sig") for n in names[2:])
    assert "rapport_XXXXXXXXXX_2025-Q1.xlsx" in sole
    assert "X1a2b3c4d5" not in sole and "750314" not in sole
    text = (settings.feedback_dir / names[1]).read_text(encoding="utf-8")
    assert text.startswith("Till Städ & Service i Väst AB")
    assert "1 fil kunde inte tas emot och 2 rader kunde inte läsas in" in text


def test_reasons_in_swedish_with_what_to_correct():
    assert in_swedish("'Startdatum' is not a date: '2025-13-01'", whole_file=False) == (
        "'Startdatum' är inte ett datum: '2025-13-01'",
        "Skriv datumet som ÅÅÅÅ-MM-DD.",
    )
    assert in_swedish("missing columns: 'Omfattning procent'", whole_file=True)[0] == (
        "Filen saknar kolumner: 'Omfattning procent'"
    )
    wrong, fix = in_swedish("something new", whole_file=False)
    assert wrong == "something new" and fix.startswith("Rätta raden")


def test_report_section_on_the_suppliers(tmp_path):
    import duckdb

    from hansyn.report.render import build_report

    db = tmp_path / "indikatorer.duckdb"
    con = duckdb.connect(str(db))
    con.execute(
        "create table supplier_reporting (supplier_org_number varchar, supplier_name varchar, "
        "report_period varchar, contracts_running bigint, status varchar, "
        "received_file varchar, placements_reported bigint, is_sole_trader boolean)"
    )
    con.execute(
        """insert into supplier_reporting values
        ('5560000001', 'Städ AB', '2025-Q3', 1, 'inkommen', 'rapport_5560000001_2025-Q3.xlsx', 2, false),
        ('5560000001', 'Städ AB', '2025-Q4', 1, 'saknas', null, 0, false),
        (null, 'Lindqvists Fönsterputs', '2025-Q3', 1, 'underkänd', null, 0, true),
        (null, 'Lindqvists Fönsterputs', '2025-Q4', 1, 'inkommen', 'rapport_XXXXXXXXXX_2025-Q4.xlsx', 0, true)"""
    )
    con.execute(
        "create table supplier_scorecard as select * from (values "
        "('5560000001', 'Städ AB', 1, 4, 3, 0.75, 2, 1, 1, 0.5, '2025-Q3', 0, 2, false), "
        "(null, 'Lindqvists Fönsterputs', 1, 0, 0, null, 2, 1, 1, 0.5, '2025-Q4', 1, 0, true)) "
        "t(supplier_org_number, supplier_name, contracts_with_requirement, required_places, "
        "placed_individuals, fill_rate, reports_due, reports_received, reports_missing, "
        "reporting_rate, last_report_period, files_refused, rows_rejected, is_sole_trader)"
    )
    con.close()

    html = build_report(db)

    section = html[html.index('id="leverantorer"') :]
    section = section[: section.index("</section>")]
    assert "50\u00a0%" in section  # 2 of 4 due reports received
    assert "rapporter saknas eller är underkända" in section
    assert "enskild firma" in section and "Lindqvists Fönsterputs" in section
    assert "75\u00a0%" in section  # Städ AB: 3 of 4 places
