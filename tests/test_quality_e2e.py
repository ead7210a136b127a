"""End to end, one delivery at a time through `hansyn refresh`: clean data sends no data-quality
alert (only the supplier follow-up's, once) and a second run changes nothing and sends nothing;
a file with a missing column, a file with bad rows and a file delivered twice are each reported
once (load_quality, e-mail over real SMTP, webhook) while the rest publishes; a register snapshot
whose row count collapses, and one whose keys repeat, block publication and leave every
published file byte for byte as it was."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from tests.alert_servers import (  # noqa: F401
    alert_env,
    assert_nothing_sent,
    smtp_server,
    wait_for,
    webhook_server,
)
from tests.conftest import published, write_text
from tests.pipeline import run_cli

pytestmark = pytest.mark.slow

REGISTER_HEADER = (
    "Upphandlings-ID;Diarienummer;Upphandlingens titel;Beställande organisation;"
    "Organisationsnummer för köpare;Upphandlingsslag;Huvudsaklig CPV-kod;Avtalsstart;Avtalsslut;"
    "Beräknat antal arbetstagare;Social hänsyn nivå;Antal krävda platser;Målgrupper;"
    "Leverantör organisationsnummer;Leverantör namn;Utförandeområde\n"
)
AGENCY_HEADER = (
    "År;Namn för köpare;Organisationsnummer för köpare;Upphandlingsslag;Huvudsaklig CPV-kod;"
    "Typ av avtal;Socialt hållbar upphandling;Upphandlings-ID;Upphandlingens titel;"
    "Publiceringsdatum\n"
)


def contract(n: int) -> str:
    return (
        f"P{n:02d};D-{n};Titel {n};Park- och naturförvaltningen;212000-1355;Tjänster;x;"
        f"2024-0{1 + n % 9}-01;;{2 + n};{n % 5};{n % 3};Nyanländ;556000-0001;Lev {n} AB;01\n"
    )


def register(*numbers: int) -> str:
    return REGISTER_HEADER + "".join(contract(n) for n in numbers)


def agency_row(year: str, pid: str) -> str:
    return f"{year};GÖTEBORGS KOMMUN;2120001355;Tjänster;x;Ramavtal;False;{pid};t;2025-01-02\n"


AGENCY_2025 = AGENCY_HEADER + "".join(agency_row("2025", f"P{n:02d}") for n in (1, 2, 3, 4))
# The År column is missing: the whole file is refused.
AGENCY_NO_YEAR = (
    AGENCY_HEADER.replace("År;", "")
    + "GÖTEBORGS KOMMUN;2120001355;Tjänster;x;Ramavtal;False;X1;t;2024-01-02\n"
)
# Four rows: line 3 has a year that is not a number, line 5 no Upphandlings-ID.
AGENCY_2024_BAD_ROWS = AGENCY_HEADER + "".join(
    [agency_row("2024", "A1"), agency_row("tjugo", "A2"), agency_row("2024", "A3"),
     agency_row("2024", "")]
)  # fmt: skip


def published_hashes(marts: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(marts.iterdir())
        if p.is_file()
    }


def without_report(hashes: dict[str, str]) -> dict[str, str]:
    return {name: h for name, h in hashes.items() if not name.endswith(".html")}


def warehouse(tmp: Path, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(tmp / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


QUALITY_COLUMNS = (
    "source, file_name, status, rows_read, rows_loaded, rows_rejected, message, checks_failed"
)


def load_quality_published(tmp: Path) -> list[tuple]:
    return published(tmp, f"select {QUALITY_COLUMNS} from load_quality order by 1, 2")


def load_quality_warehouse(tmp: Path) -> list[tuple]:
    return warehouse(tmp, f"select {QUALITY_COLUMNS} from marts.load_quality order by 1, 2")


def expect_one_alert(mailbox, hook) -> tuple[str, str, dict]:
    assert wait_for(lambda: len(mailbox.messages) >= 1 and len(hook.posts) >= 1)
    assert len(mailbox.messages) == 1, mailbox.subjects()
    assert len(hook.posts) == 1
    assert mailbox.envelopes[0]["to"] == ["projektkontoret@example.se", "analytiker@example.se"]
    subject, post = mailbox.subjects()[0], hook.posts[0]["json"]
    body = mailbox.bodies()[0].replace("\r\n", "\n")
    assert post["title"] == subject
    assert post["text"].strip() == body.strip()
    assert post["run_url"].startswith("http://dagster.example:3000/runs/")
    assert post["run_url"] in body
    mailbox.clear()
    hook.clear()
    return subject, body, post


def test_one_delivery_at_a_time(alert_env, hansyn_env):  # noqa: F811
    mailbox, hook = alert_env
    raw, marts = hansyn_env / "raw", hansyn_env / "marts"
    reg, agency = raw / "avtalsregister", raw / "upphandlingsmyndigheten"
    write_text(reg / "avtalsregister_2025-12-31.csv", register(*range(1, 11)))
    write_text(reg / "avtalsregister_2026-03-31.csv", register(*range(1, 12)))
    write_text(agency / "statistik_2025.csv", AGENCY_2025)

    # 1. Clean data: published. The one alert is the supplier follow-up's: the contracts have
    # employment requirements, so 556000-0001 owes a report for 2025-Q4 (due 30 days after
    # 2025-12-31, before the snapshot of 2026-03-31) and sent none. No data-quality problem.
    done = run_cli("refresh")
    assert done.returncode == 0, done.stdout + done.stderr
    clean = [
        ("avtalsregister", "avtalsregister_2025-12-31.csv", "loaded", 10, 10, 0, None, None),
        ("avtalsregister", "avtalsregister_2026-03-31.csv", "loaded", 11, 11, 0, None, None),
        ("upphandlingsmyndigheten", "statistik_2025.csv", "loaded", 4, 4, 0, None, None),
    ]
    assert load_quality_published(hansyn_env) == clean
    subject, body, post = expect_one_alert(mailbox, hook)
    assert subject.startswith("hansyn: published – 1 supplier report missing (run ")
    assert "Lev 1 AB (5560000001): report for 2025-Q4 missing (saknas)" in body
    assert [p["kind"] for p in post["problems"]] == ["report_missing"]
    first_loaded = published(hansyn_env, "select file_name, loaded_at from load_quality")
    hashes_after_first_run = published_hashes(marts)

    # 2. The same files again: the published tables are the same, and still no alert.
    before = {t: published(hansyn_env, f"select * from {t} order by all") for t in (
        "load_quality", "bruttolista", "i1_procurement_share", "procurement_reconciliation")}  # fmt: skip
    done = run_cli("refresh")
    assert done.returncode == 0, done.stdout + done.stderr
    after = {t: published(hansyn_env, f"select * from {t} order by all") for t in before}
    assert after == before
    # Byte for byte too (the HTML report says when it was made, so it is left out).
    assert without_report(published_hashes(marts)) == without_report(hashes_after_first_run)
    assert published(hansyn_env, "select file_name, loaded_at from load_quality") == first_loaded
    assert "alert:" not in done.stdout  # the summary names the alert it sent, if any
    assert_nothing_sent(mailbox, hook)  # the missing report was alerted once, not every night

    # 3. A file with a missing column: refused, reported; the rest publishes.
    write_text(agency / "statistik_2024_utan_ar.csv", AGENCY_NO_YEAR)
    done = run_cli("refresh")
    assert done.returncode == 0, done.stdout + done.stderr
    refused = ("upphandlingsmyndigheten", "statistik_2024_utan_ar.csv", "refused", 0, 0, 0,
               "missing columns: 'År'", None)  # fmt: skip
    assert load_quality_published(hansyn_env) == sorted([*clean, refused])
    subject, body, post = expect_one_alert(mailbox, hook)
    assert subject.startswith("hansyn: published – 1 file refused (run ")
    assert (
        "- upphandlingsmyndigheten/statistik_2024_utan_ar.csv: file refused, not loaded: "
        "missing columns: 'År'" in body
    )
    assert [(p["kind"], p["file_name"]) for p in post["problems"]] == [
        ("refused", "statistik_2024_utan_ar.csv")
    ]

    # 4. A file with bad rows: 4 read, 2 rejected (line 3: year 'tjugo'; line 5: no id), 2 loaded.
    write_text(agency / "statistik_2024.csv", AGENCY_2024_BAD_ROWS)
    done = run_cli("refresh")
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {r[1]: r for r in load_quality_published(hansyn_env)}
    bad = rows["statistik_2024.csv"]
    assert bad[:6] == ("upphandlingsmyndigheten", "statistik_2024.csv", "loaded", 4, 2, 2)
    assert "1 × 'År' is not a whole number: 'tjugo'" in bad[6]
    assert "1 × 'Upphandlings-ID' is empty" in bad[6]
    assert warehouse(
        hansyn_env,
        "select row_number, reason from audit.rejected_rows where file_name = ? order by 1",
        ["statistik_2024.csv"],
    ) == [(3, "'År' is not a whole number: 'tjugo'"), (5, "'Upphandlings-ID' is empty")]
    # The two good rows were published: A1 and A3 in 2024.
    assert published(
        hansyn_env, "select year, agency_procurements from procurement_reconciliation order by 1"
    ) == [(2024, 2), (2025, 4)]
    subject, body, post = expect_one_alert(mailbox, hook)
    assert subject.startswith("hansyn: published – 2 rows rejected (run ")
    assert (
        "- upphandlingsmyndigheten/statistik_2024.csv: 2 of 4 rows rejected, the rest loaded"
        in (body)
    )
    # The refused file was reported once, in step 3; it is still in the folder but not new.
    assert "statistik_2024_utan_ar.csv" not in body
    assert [(p["kind"], p["rows"]) for p in post["problems"]] == [("rejected_rows", 2)]

    # 5. The same file delivered twice: the later name is the duplicate, counted once.
    write_text(agency / "statistik_2025_kopia.csv", AGENCY_2025)
    done = run_cli("refresh")
    assert done.returncode == 0, done.stdout + done.stderr
    assert load_quality_published(hansyn_env)[-1] == (
        "upphandlingsmyndigheten", "statistik_2025_kopia.csv", "duplicate", 0, 0, 0,
        "same content as statistik_2025.csv: not counted again", None,
    )  # fmt: skip
    assert published(
        hansyn_env, "select year, agency_procurements from procurement_reconciliation order by 1"
    ) == [(2024, 2), (2025, 4)]
    subject, body, post = expect_one_alert(mailbox, hook)
    assert subject.startswith("hansyn: published – 1 duplicate file (run ")
    assert (
        "- upphandlingsmyndigheten/statistik_2025_kopia.csv: duplicate delivery: same content as "
        "statistik_2025.csv: not counted again" in body
    )
    good = published_hashes(marts)
    good_quality = load_quality_published(hansyn_env)

    # 6. A new register snapshot whose row count collapses: 3 rows against the previous
    # snapshot's 11; at least ceil(0.7 × 11) = 8 expected. Blocking: nothing is published.
    write_text(reg / "avtalsregister_2026-04-30.csv", register(1, 2, 3))
    done = run_cli("refresh")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "NOT PUBLISHED" in done.stdout
    assert published_hashes(marts) == good
    detail = (
        "avtalsregister_2026-04-30.csv has 3 rows; at least 8 expected (70% of the 11 rows of "
        "the previous snapshot avtalsregister_2026-03-31.csv)"
    )
    # The warehouse's load_quality shows the blocked load; the published one is as it was.
    rows = {r[1]: r for r in load_quality_warehouse(hansyn_env)}
    assert rows["avtalsregister_2026-04-30.csv"] == (
        "avtalsregister", "avtalsregister_2026-04-30.csv", "loaded", 3, 3, 0, None,
        f"row_count_vs_previous_snapshot (blocking): {detail}",
    )  # fmt: skip
    assert rows["avtalsregister_2026-03-31.csv"][7] is None
    assert load_quality_published(hansyn_env) == good_quality
    subject, body, post = expect_one_alert(mailbox, hook)
    assert subject.startswith("hansyn: NOT PUBLISHED – 1 check failed (run ")
    assert (
        "- avtalsregister/avtalsregister_2026-04-30.csv: check row_count_vs_previous_snapshot "
        f"failed (blocking: nothing new published): {detail} (3 rows)" in body
    )
    assert f"the last good published files in {marts} are unchanged, byte for byte" in body
    assert post["published"] is False
    assert [(p["kind"], p["source"], p["file_name"], p["rows"], p["blocking"])
            for p in post["problems"]] == [
        ("check_failed", "avtalsregister", "avtalsregister_2026-04-30.csv", 3, True)
    ]  # fmt: skip

    # 7. The office removes that snapshot; the next one repeats an Upphandlings-ID (P05 on
    # lines 6 and 13 of 13): keys no longer unique, blocking again. The check reads the whole
    # raw table: 10 + 11 + 12 rows of the three snapshots = 33.
    (reg / "avtalsregister_2026-04-30.csv").unlink()
    write_text(reg / "avtalsregister_2026-05-31.csv", register(*range(1, 12), 5))
    done = run_cli("refresh")
    assert done.returncode == 1, done.stdout + done.stderr
    assert published_hashes(marts) == good
    subject, body, post = expect_one_alert(mailbox, hook)
    assert subject.startswith("hansyn: NOT PUBLISHED – 1 check failed (run ")
    assert (
        "- avtalsregister/avtalsregister_2026-05-31.csv: check procurement_id_unique_in_snapshot "
        "failed (blocking: nothing new published): 2 of 33 rows break it" in body
    )
    assert "avtalsregister_2026-05-31.csv row 6; avtalsregister_2026-05-31.csv row 13" in body
