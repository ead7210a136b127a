"""End to end on the sample city: the published files as their readers get them. CSV for Excel
in Swedish settings, indikatorer.duckdb in a DuckDB 1.x client, the report (written by the nightly
job) in headless Chromium with numbers that match the marts, the privacy guard, and `make docs`.
(`hansyn report` and a planted personnummer are tested on a hand-made published folder, in
tests/test_cli.py and tests/test_privacy_guard.py.)"""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import hashlib
import io
import json
import os
import re
import subprocess
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from hansyn.config import PROJECT_ROOT
from hansyn.publishing.privacy import scan_marts
from hansyn.publishing.swap import CSV_DECIMALS, PUBLISHED_DB
from hansyn.report.render import REPORT_FILE
from tests.browser import chromium_available, dump_dom, plain, print_pdf, read_report
from tests.report_fixture import TABLES, make_published

pytestmark = pytest.mark.slow

# Published tables and the columns spec/indicators.md names for them.
SPEC_COLUMNS = {
    "bruttolista": "procurement_id title buyer_organisation procurement_type contract_start "
    "contract_end workers social_level has_employment_requirement required_places supplier_name "
    "in_agency_statistics",
    "procurement_reconciliation": "year buyer_org_number buyer_name agency_procurements "
    "agency_service_procurements in_register missing_from_register",
    "i1_procurement_share": "year buyer_organisation service_procurements "
    "gross_list_procurements with_social_requirement with_employment_requirement "
    "share_social_requirement share_employment_requirement required_places",
    "national_benchmark": "year buyer_org_number buyer_name procurements service_procurements "
    "flagged_social flag_unknown share_flagged rank_share_flagged is_city",
    "i2_benefit_effects": "cohort_year benefit_type target_group individuals recipients_before "
    "recipients_after amount_before_sek amount_after_sek change_sek left_benefit "
    "annualised_saving_sek",
    "i2_effect_estimates": "cohort_year benefit_type target_group treated matched controls "
    "change_per_person_sek counterfactual_change_per_person_sek effect_per_person_sek "
    "effect_ci95_low effect_ci95_high annualised_saving_sek",
    "socioeconomic_value": "year actor wage_related_sek benefits_avoided_sek total_sek "
    "benefits_complete paid_placement_months parameters_valid_from",
    "socioeconomic_parameter_sets": "valid_from parameter placement_type value unit source",
    "i3_placements": "year dimension category placements individuals",
    "i3_individuals": "year individuals placements women men under_30",
    "i4_stakeholder_survey": "wave role dimension respondents mean_score share_positive "
    "ci95_low ci95_high change_from_previous_wave",
    "geographic_distribution": "year stadsomrade key_year distribution_key key_complete "
    "placed_individuals expected_individuals deviation placement_share",
    "geographic_distribution_mellanomrade": "year mellanomrade key_year distribution_key "
    "key_complete placed_individuals expected_individuals deviation placement_share",
    "process_sync": "procurement_id buyer_organisation supplier_name contract_start contract_end "
    "required_places placed_individuals fill_rate referred_candidates first_placement_date "
    "days_to_first_placement status",
    "placement_pipeline": "procurement_id title buyer_organisation supplier_name contract_start "
    "contract_end stadsomrade target_groups required_places placed_individuals remaining_places "
    "waiting_referrals elapsed_share expected_placed_by_now pace days_left due_quarter",
    "candidate_pool": "dimension category candidates waiting_over_6_months referred "
    "open_places_next_year places_per_candidate",
    "load_quality": "source file_name file_sha256 loaded_at rows_read rows_loaded rows_rejected "
    "status message",
    "data_coverage": "source part files_loaded rows_loaded covers_from covers_to last_loaded_at",
    "supplier_reporting": "supplier_org_number supplier_name report_period contracts_running "
    "status received_file placements_reported",
    "supplier_scorecard": "supplier_org_number supplier_name contracts_with_requirement "
    "required_places placed_individuals fill_rate reports_due reports_received reports_missing "
    "reporting_rate last_report_period files_refused rows_rejected",
}


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """`hansyn sample-data` and the nightly job, once for this module, in a temporary folder."""
    from hansyn.sampledata import generate
    from orchestration.refresh import run_refresh

    root = tmp_path_factory.mktemp("sample_city")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HANSYN_RAW_DIR", str(root / "raw"))
        mp.setenv("HANSYN_MARTS_DIR", str(root / "marts"))
        mp.setenv("HANSYN_WAREHOUSE", str(root / "warehouse.duckdb"))
        mp.setenv("HANSYN_PSEUDONYM_KEY", "test-key-not-secret")
        mp.setenv("DAGSTER_HOME", str(root / "dagster_home"))
        for name in list(os.environ):
            if name.startswith(("HANSYN_ALERT", "HANSYN_SMTP")):
                mp.delenv(name)
        generate(root / "raw")
        summary = run_refresh()
        assert summary.published, summary.render()
        yield SimpleNamespace(
            root=root,
            raw=root / "raw",
            marts=root / "marts",
            warehouse=root / "warehouse.duckdb",
            summary=summary,
            tables=sorted(summary.tables),
        )


def query(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_every_table_of_the_spec_is_published_with_its_columns(sample):
    db = sample.marts / PUBLISHED_DB
    assert sorted(SPEC_COLUMNS) == sample.tables
    # The sample city fills every table, so every part of the report and the guard is exercised.
    assert [t for t, rows in sample.summary.tables.items() if rows == 0] == []
    for table, spec in SPEC_COLUMNS.items():
        columns = [r[0] for r in query(db, f'describe "{table}"')]
        assert set(spec.split()) <= set(columns), table
        for suffix in (".parquet", ".csv"):
            assert (sample.marts / f"{table}{suffix}").is_file()


# --- CSV for Excel ------------------------------------------------------------------------------


def test_csv_is_what_swedish_excel_reads(sample):
    con = duckdb.connect()
    for table in sample.tables:
        path = sample.marts / f"{table}.csv"
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), table  # the BOM: Excel then reads UTF-8
        parquet = f"read_parquet('{sample.marts / table}.parquet')"
        schema = con.execute(f"describe select * from {parquet}").fetchall()
        header = next(csv.reader(io.StringIO(raw[3:].decode("utf-8")), delimiter=";"))
        assert header == [c[0] for c in schema], table
        # Read back with the Swedish separators and the Parquet file's types: the same rows.
        types = ", ".join(f"'{name}': '{dtype}'" for name, dtype, *_ in schema)
        back = (
            f"read_csv('{path}', delim=';', decimal_separator=',', header=true, "
            # An empty text is written "" and NULL as nothing: read back, they stay apart.
            f"allow_quoted_nulls=false, columns={{{types}}})"
        )
        # Timestamps are written to the second, floating point to CSV_DECIMALS decimals.
        cols = ", ".join(
            f"date_trunc('second', \"{n}\")"
            if t.startswith("TIMESTAMP")
            else f'round("{n}", {CSV_DECIMALS})'
            if t.startswith(("DOUBLE", "FLOAT", "REAL"))
            else f'"{n}"'
            for n, t, *_ in schema
        )
        for a, b in ((parquet, back), (back, parquet)):
            diff = con.execute(
                f"select count(*) from (select {cols} from {a} except all select {cols} from {b})"
            ).fetchone()[0]
            assert diff == 0, f"{table}: {diff} rows differ"
    # Shares with a decimal comma, as Excel with Swedish settings reads a number: every share
    # is digits with at most one comma, and the sample city has shares that are not whole.
    text = (sample.marts / "i1_procurement_share.csv").read_text(encoding="utf-8-sig")
    shares = [
        row[column]
        for row in csv.DictReader(io.StringIO(text), delimiter=";")
        for column in ("share_social_requirement", "share_employment_requirement")
        if row[column]
    ]
    assert shares and all(re.fullmatch(r"\d+(,\d+)?", s) for s in shares), shares
    assert any("," in s for s in shares)


# --- DuckDB 1.x ---------------------------------------------------------------------------------

DUCKDB1_CLIENT = """
import duckdb, json, sys
con = duckdb.connect(sys.argv[1], read_only=True)
out = {"version": duckdb.__version__, "tables": {}}
for (t,) in con.execute(
    "select table_name from information_schema.tables order by table_name"
).fetchall():
    cursor = con.execute(f'select * from "{t}"')
    rows = cursor.fetchall()
    out["tables"][t] = {
        "columns": [d[0] for d in cursor.description],
        "rows": sorted(json.dumps(list(r), default=str) for r in rows),
    }
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def duckdb1_python():
    """DuckDB 1.4.4 in its own venv (.venv-duckdb1/, `make duckdb1`), as BI drivers bundle it."""
    python = PROJECT_ROOT / ".venv-duckdb1" / "bin" / "python"
    with open("/tmp/hansyn-duckdb1.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test sessions must not build it at once
        subprocess.run(["make", "-s", "duckdb1"], cwd=PROJECT_ROOT, check=True)
    return python


def read_with_duckdb1(python: Path, db: Path) -> dict:
    result = subprocess.run(
        [str(python), "-c", DUCKDB1_CLIENT, str(db)],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    return json.loads(result.stdout)


def read_with_this_duckdb(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    tables = {}
    for (t,) in con.execute(
        "select table_name from information_schema.tables order by table_name"
    ).fetchall():
        cursor = con.execute(f'select * from "{t}"')
        rows = cursor.fetchall()
        tables[t] = {
            "columns": [d[0] for d in cursor.description],
            "rows": sorted(json.dumps(list(r), default=str) for r in rows),
        }
    con.close()
    return tables


def test_duckdb1_reads_every_published_table(sample, duckdb1_python):
    db = sample.marts / PUBLISHED_DB
    old = read_with_duckdb1(duckdb1_python, db)
    assert old["version"] == "1.4.4"
    assert sorted(old["tables"]) == sample.tables
    # Same columns and the same rows as DuckDB 2.0 reads, table by table.
    assert old["tables"] == read_with_this_duckdb(db)
    for table, rows in sample.summary.tables.items():
        assert len(old["tables"][table]["rows"]) == rows, table


def test_duckdb1_reads_every_column_type_of_the_spec(tmp_path, duckdb1_python):
    # The hand-made file has every table of the spec, with NULLs in every kind of column.
    db = make_published(tmp_path / PUBLISHED_DB)
    old = read_with_duckdb1(duckdb1_python, db)
    assert sorted(old["tables"]) == sorted(TABLES)
    assert old["tables"] == read_with_this_duckdb(db)


# --- the report ---------------------------------------------------------------------------------


def _swedish(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",")


@pytest.mark.skipif(not chromium_available(), reason="chromium is not installed")
def test_report_renders_every_section_with_the_marts_numbers(sample, tmp_path):
    report = sample.marts / REPORT_FILE
    db = sample.marts / PUBLISHED_DB
    assert report.stat().st_mtime >= db.stat().st_mtime  # written by the nightly job, after
    dom = read_report(dump_dom(report, tmp_path / "profile"))
    assert list(dom.sections) == [
        "framat", "i1", "nationellt", "i2", "i3", "nytta", "geografi", "i4", "process",
        "leverantorer", "kvalitet",
    ]  # fmt: skip
    assert dom.missing == []
    m = {k: plain(v) for k, v in dom.metrics.items()}

    # Indicator 1: the latest year with services on the gross list, summed over buyers.
    year, gross, employment, social = query(
        db,
        "select year, sum(gross_list_procurements), sum(with_employment_requirement), "
        "sum(with_social_requirement) from i1_procurement_share group by year "
        "having sum(gross_list_procurements) > 0 order by year desc limit 1",
    )[0]
    assert m["i1.share_employment"] == f"{employment / gross * 100:.0f} %"
    assert m["i1.share_social"] == f"{social / gross * 100:.0f} %"
    assert m["bruttolista.total"] == str(query(db, "select count(*) from bruttolista")[0][0])

    # Indicator 2: the latest cohort's annualised saving over every cell shown.
    saving, hidden = query(
        db,
        "select sum(annualised_saving_sek), count(*) filter (where annualised_saving_sek is null) "
        "from i2_benefit_effects where cohort_year = (select max(cohort_year) "
        "from i2_benefit_effects)",
    )[0]
    if hidden and not saving:
        assert m["i2.saving"] == "–"
    else:
        assert m["i2.saving"] == f"{_swedish(saving, 0)} kr" + ("*" if hidden else "")

    # Indicator 2 against the comparison group: each benefit's newest Alla row leads.
    def sek(value: float) -> str:
        return _swedish(value, 0).replace("-", "−")

    for cohort, benefit, effect, low, high in query(
        db,
        "select cohort_year, benefit_type, effect_per_person_sek, effect_ci95_low, "
        "effect_ci95_high from i2_effect_estimates where target_group = 'Alla' "
        "qualify row_number() over (partition by benefit_type order by cohort_year desc) = 1",
    ):
        assert m[f"i2.effect.{benefit}"] == ("–" if effect is None else sek(effect) + " kr")
        interval = "–" if low is None or high is None else f"{sek(low)} till {sek(high)}"
        assert m[f"i2.ci.{cohort}.{benefit}"] == interval, benefit

    # The national benchmark: the city's rank and share each year, and the nation's share as
    # the counts summed, then divided.
    for year, rank, municipalities, share, nation in query(
        db,
        "select year, max(rank_share_flagged) filter (where is_city), count(*), "
        "max(share_flagged) filter (where is_city), sum(flagged_social) / sum(procurements) "
        "from national_benchmark group by year",
    ):
        if rank is not None:
            assert m[f"benchmark.rank.{year}.stad"] == f"{rank} av {municipalities}"
            assert m[f"benchmark.share.{year}.stad"] == f"{_swedish(share * 100, 1)} %"
        assert m[f"benchmark.share.{year}.riket"] == f"{_swedish(nation * 100, 1)} %"

    # Indicator 3: the headline is i3_individuals of the latest whole year, the last one the
    # suppliers' reports cover to 31 December (data_coverage; the sample city's run to 31 March).
    individuals, women, men = query(
        db,
        "select individuals, women, men from i3_individuals where year <= ("
        "  select year(covers_to) - case when month(covers_to) = 12 and day(covers_to) = 31 "
        "  then 0 else 1 end from data_coverage where source = 'leverantorsrapporter') "
        "order by year desc limit 1",
    )[0]
    assert query(
        db, "select covers_to from data_coverage where source = 'leverantorsrapporter'"
    ) == [(dt.date(2026, 3, 31),)]
    assert "jan–mar 2026, delår" in plain(dom.texts["i3"])
    for name, value in (("i3.individuals", individuals), ("i3.women", women), ("i3.men", men)):
        assert m[name] == (".." if value is None else _swedish(value, 0)), name

    # Geography: the key and the share of each stadsområde in the latest year.
    for area, key, share in query(
        db,
        "select stadsomrade, distribution_key, placement_share from geographic_distribution "
        "where year = (select max(year) from geographic_distribution)",
    ):
        assert m[f"geo.key.{area}"] == f"{_swedish(key * 100, 1)} %"
        assert m[f"geo.share.{area}"] == ("–" if share is None else f"{_swedish(share * 100, 1)} %")

    # Indicator 4: every dimension's mean for all roles in the latest wave.
    for dimension, mean in query(
        db,
        "select dimension, mean_score from i4_stakeholder_survey where role = 'Alla' "
        "and wave = (select max(wave) from i4_stakeholder_survey)",
    ):
        assert m[f"i4.mean.{dimension}"] == ("–" if mean is None else _swedish(mean, 2))

    # Process sync: contracts per status.
    for status, n in query(db, "select status, count(*) from process_sync group by status"):
        assert m[f"process.status.{status}"] == str(n)

    # Socioeconomic value: every year's total per actor, * where a saving was NULL.
    for year, actor, total, complete in query(
        db, "select year, actor, total_sek, benefits_complete from socioeconomic_value"
    ):
        shown = "–" if total is None else _swedish(total, 0).replace("-", "−")
        assert m[f"nytta.total.{year}.{actor}"] == shown + ("" if complete else "*")

    # Data quality: this run's files as the refresh summary counted them.
    files = sample.summary.files
    assert m["quality.loaded"] == str(sum(1 for f in files if f[2] == "loaded"))
    assert m["quality.refused"] == str(sum(1 for f in files if f[2] == "refused"))
    assert m["quality.rows_loaded"] == _swedish(sum(f[3] or 0 for f in files), 0)
    assert m["quality.rows_rejected"] == _swedish(sum(f[4] or 0 for f in files), 0)
    last = query(db, "select strftime(max(loaded_at), '%Y-%m-%d %H:%M') from load_quality")[0][0]
    assert dom.dates["Senast nya data laddade"] == last

    # Charts in every indicator section, and the printed report starts each section on a page.
    for section in ["i1", "nationellt", "i2", "i3", "nytta", "geografi", "i4", "process"]:
        assert dom.svgs[section] >= 1, section
    assert dom.svgs["leverantorer"] >= 1
    assert print_pdf(report, tmp_path / "profile", tmp_path / "report.pdf") >= 10


def test_the_readme_questions_run_on_the_published_file(sample):
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Four questions answered in SQL", 1)[1].split("\n## ", 1)[0]
    queries = re.findall(r"```sql\n(.*?)```", section, flags=re.S)
    assert len(queries) == 4
    target, unfilled, effects, areas = (query(sample.marts / PUBLISHED_DB, q) for q in queries)
    years = {
        r[0] for r in query(sample.marts / PUBLISHED_DB, "select year from i1_procurement_share")
    }
    assert {r[0] for r in target} == years
    failing = query(
        sample.marts / PUBLISHED_DB,
        "select count(*) from process_sync where status = 'ej uppfyllt'",
    )
    assert len(unfilled) == failing[0][0]
    assert len(areas) == 4  # the four stadsområden
    alla = query(
        sample.marts / PUBLISHED_DB,
        "select count(*) from i2_effect_estimates where target_group = 'Alla'",
    )
    assert len(effects) == alla[0][0] > 0


def test_the_sample_benefit_extracts_supersede_nothing(sample):
    """The sample payers' extracts cover months of their own (a file a year, then one a month),
    so the newest-extract rule (int_benefit_extract_months_attributed) leaves every row counted
    and the sample's published figures are those of the plain sums."""
    messages = query(
        sample.marts / PUBLISHED_DB,
        "select file_name, message from load_quality where source = 'ersattningar'",
    )
    assert len(messages) == 11  # forsorjningsstod_2019…2026-02 (9), one of each other payer
    assert [m for m in messages if m[1] and "supersede" in m[1]] == []


# --- the privacy guard --------------------------------------------------------------------------


def test_privacy_guard_passes_on_the_sample_outputs(sample):
    assert scan_marts(sample.marts) == []
    # The 64-hex strings that are allowed (load_quality.file_sha256) are the raw files' hashes,
    # not pseudonyms of persons.
    hashes = {
        r[0] for r in query(sample.marts / PUBLISHED_DB, "select file_sha256 from load_quality")
    }
    raw = {hashlib.sha256(p.read_bytes()).hexdigest() for p in sample.raw.rglob("*") if p.is_file()}
    assert hashes and hashes <= raw
    pseudonyms = set()
    con = duckdb.connect(str(sample.warehouse), read_only=True)
    for schema, table in con.execute(
        "select table_schema, table_name from information_schema.columns "
        "where column_name = 'person_id' and table_schema not in ('marts')"
    ).fetchall():
        pseudonyms |= {
            r[0]
            for r in con.execute(f'select distinct person_id from "{schema}"."{table}"').fetchall()
        }
    con.close()
    assert pseudonyms, "the sample city has persons"
    assert not hashes & pseudonyms


# --- dbt docs -----------------------------------------------------------------------------------


def test_make_docs_writes_one_static_file_and_every_column_is_described(sample, tmp_path):
    target = Path(os.environ["HANSYN_DBT_TARGET"])
    out = tmp_path / "docs" / "hansyn-dbt-docs.html"
    env = {
        **os.environ,
        "HANSYN_WAREHOUSE": str(sample.warehouse),
        "HANSYN_DBT_TARGET": str(target),
    }
    # -o: the venv is given (do not reinstall it from the test).
    subprocess.run(
        ["make", "-s", "-o", ".venv/.installed", "docs", f"DOCS={out}"],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    html = out.read_text(encoding="utf-8")
    assert list(out.parent.iterdir()) == [out]  # one file, the manifest and catalog inside
    assert "Rules every published table follows" in html  # the overview page
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    catalog = json.loads((target / "catalog.json").read_text(encoding="utf-8"))
    undescribed = []
    for node_id, node in manifest["nodes"].items():
        if node["resource_type"] not in ("model", "seed"):
            continue
        if not node["description"].strip():
            undescribed.append(node["name"])
        described = {c.lower() for c, v in node["columns"].items() if v["description"].strip()}
        # Every column the warehouse really has (the catalog), not only those in the YAML.
        actual = catalog["nodes"].get(node_id, {}).get("columns", {})
        undescribed += [f"{node['name']}.{c}" for c in actual if c.lower() not in described]
    assert undescribed == []
    # Each published table has its page: its model node, embedded in the one file, with the
    # columns the catalog read from the warehouse.
    project = manifest["metadata"]["project_name"]
    for table in sample.tables:
        unique_id = f"model.{project}.{table}"
        assert manifest["nodes"][unique_id]["resource_type"] == "model", table
        assert f'"unique_id": "{unique_id}"' in html, table
        assert catalog["nodes"][unique_id]["columns"], table
