"""The indicator report (hansyn/report/) on a hand-made published file: every figure worked out
on paper from tests/report_fixture.py; no Dagster, no dbt."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from hansyn.publishing.privacy import scan_html
from hansyn.report import charts
from hansyn.report import formatting as f
from hansyn.report import render as r
from tests.browser import chromium_available, dump_dom, plain, print_pdf, read_report
from tests.report_fixture import TABLES, make_published

GENERATED = dt.datetime(2025, 3, 1, 6, 0)


@pytest.fixture
def full_report(tmp_path):
    db = make_published(tmp_path / "marts" / "indikatorer.duckdb")
    path = r.write_report(db.parent, GENERATED)
    return path


def test_swedish_number_formats():
    assert plain(f.fmt_int(1234567)) == "1 234 567"
    assert plain(f.fmt_int(-180000)) == "−180 000"
    assert f.fmt_int(0) == "0"
    assert f.fmt_int(None) == "–"
    assert plain(f.fmt_share(0.456)) == "46 %"
    assert plain(f.fmt_share(16 / 35, 1)) == "45,7 %"  # 0.457142…
    assert f.fmt_decimal(3.456, 2) == "3,46"
    assert plain(f.fmt_sek(360000)) == "360 000 kr"
    assert f.fmt_signed(0.75, lambda v: f.fmt_decimal(v, 1)) == "+0,8"
    # Every hidden count the same way, primary or complementary (formatting.SUPPRESSED).
    assert f.persons(None) == '<span class="pc">..</span>'
    assert f.persons(0) == '<span class="pc">0</span>'
    # An interval of negative amounts: "till", since a dash would read as a minus.
    assert plain(f.fmt_interval(-11000, -5000)) == "−11 000 till −5 000"
    assert f.fmt_interval(None, 1000) == "–"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (f.fmt_int(1234567), 1234567),
        (f.fmt_int(-180000), -180000),
        (f.fmt_decimal(-1234.5, 1), -1234.5),
        (f.fmt_share(0.457, 1), 45.7),
        (f.fmt_sek(360000), 360000),
        (f.at_least(12, True), 12),
        (f.fmt_signed(2.5, f.fmt_decimal), 2.5),
        (f.fmt_count(None), None),
        (f.MISSING, None),
    ],
)
def test_what_the_report_writes_the_privacy_guard_reads_back(text, value):
    # The guard reads person counts back from the HTML: the two must agree on the format.
    assert f.parse_swedish_number(text) == value


@pytest.mark.parametrize(
    ("max_value", "expected"),
    [
        (0.83, (1.0, 0.2)),  # 0.83 / 5 = 0.166 → step 0.2, five steps
        (50, (50, 10)),
        (3, (3, 1)),  # 0.6 → 1: whole persons
        (460000, (500000, 100000)),  # 92 000 → 100 000
        (0, (1.0, 1.0)),
    ],
)
def test_axis_scale_is_round(max_value, expected):
    top, step = charts.scale(max_value)
    assert (pytest.approx(top), pytest.approx(step)) == expected


def test_every_figure_matches_the_tables(full_report):
    dom = read_report(full_report.read_text(encoding="utf-8"))
    m = {k: plain(v) for k, v in dom.metrics.items()}
    # Indicator 1, 2024: gross list 4 + 2 (+0) = 6; employment 2 + 1 = 3 → 50 %;
    # social 3 + 2 = 5 → 5/6 = 83 %; places 6 + 2 = 8.
    assert m["i1.share_employment"] == "50 %"
    assert m["i1.share_social"] == "83 %"
    assert m["i1.required_places"] == "8"
    assert m["bruttolista.total"] == "3"
    assert m["reconciliation.missing.2023"] == "2"  # 2 + 0
    # Indicator 2, cohort 2024: 360 000 + 100 000; Nyanländ is suppressed, so marked with *
    # (a saving can be negative: the sum of the rest is no floor).
    assert m["i2.saving"] == "460 000 kr*"
    assert m["i2.left.försörjningsstöd"] == "minst 6"
    assert m["i2.left.arbetslöshetsersättning"] == "0"  # zero stays zero
    # Indicator 3, 2024 straight from i3_individuals; under_30 is suppressed.
    assert (m["i3.individuals"], m["i3.placements"]) == ("42", "50")
    assert (m["i3.women"], m["i3.men"], m["i3.under_30"]) == ("20", "22", "..")
    # Geography 2024: key 40 %; share 16 / 35 = 45,7 %; Sydväst suppressed → no share.
    assert m["geo.key.01"] == "40,0 %"
    assert m["geo.share.01"] == "45,7 %"
    assert m["geo.share.03"] == "–"
    # Indicator 4, wave 2025-H1, role Alla.
    assert m["i4.mean.förståelse"] == "3,80"
    assert m["i4.mean.förtroende"] == "3,50"
    assert m["i4.mean.engagemang"] == "4,10"
    # Process sync: statuses 1/1/2; placed 3 + 1 + 0 + 2 = 6; median of 20, 40, 100 days = 40.
    assert m["process.status.uppfyllt"] == "1"
    assert m["process.status.pågår"] == "1"
    assert m["process.status.ej uppfyllt"] == "2"
    assert m["process.placed"] == "6"
    assert m["process.median_days"] == "40"
    # Load quality, each source's latest load (2025-03-01): avtalsregister 2 files + enkat 1
    # loaded, 1 refused, 1 duplicate; rows 100 + 118 + 50 = 268; rejected 2.
    assert m["quality.loaded"] == "3"
    assert m["quality.refused"] == "1"
    assert m["quality.duplicates"] == "1"
    assert m["quality.rows_loaded"] == "268"
    assert m["quality.rows_rejected"] == "2"
    # The header: each date once, in this order (a dictionary would hide a repeated label).
    assert dom.date_labels == [
        "Senast nya data laddade",
        "Avtalsregistrets ögonblicksbild",
        "Tabellerna publicerade",
    ]
    assert dom.dates["Senast nya data laddade"] == "2025-03-01 02:01"
    assert dom.dates["Avtalsregistrets ögonblicksbild"] == "2025-03-01"
    assert dom.dates["Tabellerna publicerade"] == "2025-03-01 06:00"
    assert dom.missing == []


def test_breakdowns_trends_and_labels(full_report):
    html = full_report.read_text(encoding="utf-8")
    dom = read_report(html)
    assert list(dom.sections) == [
        "framat", "i1", "nationellt", "i2", "i3", "nytta", "geografi", "i4", "process",
        "leverantorer", "kvalitet",
    ]  # fmt: skip
    # A chart in every section but data quality (a table); trends over years and waves.
    sections = ["i1", "nationellt", "i2", "i3", "nytta", "geografi", "i4", "process"]
    for section in [*sections, "leverantorer"]:
        assert dom.svgs[section] >= 1, section
    i3 = plain(dom.texts["i3"])
    # Placements 2024 one way at a time, every category (the bars' tooltips, "label: value";
    # a hidden category has no bar, and its row says "..").
    assert "Anställning: 20" in i3 and "Trainee: 18" in i3
    # (table rows as "category placements persons", the cells' texts run together)
    assert "\nPraktik....\n" in i3 and "\nLärlingsplats00\n" in i3
    assert "\nOkänd86\n" in i3  # no registration at the start
    assert "Nordost: 20" in i3 and "Centrum: 12" in i3
    assert "\nOkänt område....\n" in i3  # area 99
    assert "minst" not in i3  # nothing is summed over hidden cells any more
    geo = plain(dom.texts["geografi"])
    assert "Karta över stadsområdena 2024" in geo
    assert "35 Kungsladugård-Sanna" in geo  # mellanområde name from the published table
    # 2024 deviations +2, +3, –, +0,75: no area is below its key.
    assert "inget stadsområde ligger under nyckeln 2024" in html
    i4 = plain(dom.texts["i4"])
    assert "Upphandlare" in i4 and "3,60–4,40" in i4  # CI per role
    quality = plain(dom.texts["kvalitet"])
    assert "Vägrad" in quality and "trasig.xlsx: missing columns Personnummer" in quality
    assert "1 filer vägrades, 2 rader avvisades och 1 filer fick anmärkningar" in quality
    assert "answers_in_range: 1 of 50 rows break it" in quality
    # Per source: avtalsregister 2 files (its 2025-01-01 file counted once, at its latest load),
    # 218 rows loaded (100 + 118), 2 rejected.
    # (files 2, loaded 2, refused 0, duplicates 0, rows 218, rejected 2, remarks 0)
    assert "Avtalsregistret220021820" in quality.replace(" ", "")


def test_socioeconomic_value_per_year_and_actor_with_its_parameters(full_report):
    html = full_report.read_text(encoding="utf-8")
    dom = read_report(html)
    m = {k: plain(v) for k, v in dom.metrics.items()}
    # The headline is 2024, the newest year with benefits avoided (2025's cohort is not yet
    # measured); a NULL saving there marks samhället incomplete.
    assert m["nytta.samhallet"] == "131 420 kr"
    assert m["nytta.months"] == "8"
    assert "131 tkr för samhället 2024" in plain(html)
    assert m["nytta.total.2024.kommunen"] == "41 120"
    assert m["nytta.total.2024.staten"] == "36 420*"
    assert m["nytta.total.2024.samhället"] == "131 420*"
    assert m["nytta.total.2025.individen"] == "42 000"
    assert m["nytta.total.2023.samhället"] == "–"  # 3 persons in paid work
    text = plain(dom.texts["nytta"])
    cells = "".join(text.split())  # the table's cells run together without their spaces
    # The split per actor: individen's wage 67 400 and the benefits it no longer gets.
    assert "2024Individen67400−25000*42400" in cells  # * a saving of it is NULL
    # Each set used, with the years that used it, its values and sources.
    assert "Gäller från 2000-01-01, används för 2023, 2024." in text
    assert "Gäller från 2025-01-01, används för 2025." in text
    assert "ArbetsgivaravgiftandelavbruttolönenArbetsgivaravgifter(Skatteverket)31,42%" in cells
    assert "MånadslönvidheltidAnställningkrpermånadvidheltidNyttavtal30000kr" in cells
    for word in ("undanträngning", "hälsa", "det långa loppet"):
        assert word in text


def test_indicator_2_leads_with_the_effect_against_the_comparison_group(full_report):
    html = full_report.read_text(encoding="utf-8")
    dom = read_report(html)
    m = {k: plain(v) for k, v in dom.metrics.items()}
    text = plain(dom.texts["i2"])
    # The effect comes first, before/after after it.
    assert text.index("Effekt mot en jämförelsegrupp") < text.index("Före och efter")
    # Cards: each benefit's newest cohort (2024), Alla rows only (Långtidsarbetslös's −9 000
    # is a target group's, not the headline).
    assert m["i2.effect.försörjningsstöd"] == "−8 000 kr"
    assert m["i2.effect.arbetslöshetsersättning"] == "−1 500 kr"
    assert m["i2.effect.aktivitetsersättning"] == "–"  # 3 matched: hidden
    assert "(95 %: −11 000 till −5 000 kr); matchade: 15 av 17" in text
    assert "(95 %: −4 000 till 1 000 kr); matchade: 8 av 8" in text
    assert "(95 %: –); matchade: .. av 7" in text
    # Cohort 2024 against the comparison group: 240 000 + 24 000, aktivitetsersättning hidden.
    assert m["i2.effect_saving"] == "264 000 kr*"
    assert "264 000 kr* i årlig besparing mot jämförelsegruppen för kohorten 2024" in plain(html)
    # The table, newest cohort first: effect, interval, saving −2 × effect × matched, and
    # before/after's saving summed over the target groups beside it.
    assert m["i2.effect.2024.försörjningsstöd"] == "−8 000"
    assert m["i2.ci.2024.försörjningsstöd"] == "−11 000 till −5 000"
    assert m["i2.effect_saving.2024.försörjningsstöd"] == "240 000"  # 2 × 8 000 × 15
    assert m["i2.naive_saving.2024.försörjningsstöd"] == "360 000*"  # Nyanländ, Ung hidden
    assert m["i2.ci.2024.arbetslöshetsersättning"] == "−4 000 till 1 000"
    assert m["i2.effect_saving.2024.arbetslöshetsersättning"] == "24 000"  # 2 × 1 500 × 8
    assert m["i2.naive_saving.2024.arbetslöshetsersättning"] == "100 000"
    assert m["i2.ci.2024.aktivitetsersättning"] == "–"
    assert m["i2.effect_saving.2024.aktivitetsersättning"] == "–"
    assert m["i2.naive_saving.2024.aktivitetsersättning"] == "0"  # zero stays zero
    assert m["i2.effect_saving.2023.försörjningsstöd"] == "324 000"  # 2 × 9 000 × 18
    assert m["i2.naive_saving.2023.försörjningsstöd"] == "500 000"
    cells = "".join(text.split())
    # 2024 försörjningsstöd: persons 17, matched 15, controls 34, change −12 000,
    # comparison group −4 000 → effect −8 000.
    assert "2024Försörjningsstöd171534−12000−4000−8000" in cells
    assert cells.index("2024Försörjningsstöd") < cells.index("2023Försörjningsstöd")
    # What the comparison group is and what it cannot rule out, for the project office.
    for words in (
        "första dagen i samma månad",
        "samma målgrupp",
        "samma ersättningsläge",
        "inom sex månader",
        "inte slumpmässigt",
        "motivation",
        "hälsa",
        "nära sitt slut",
        "inte med osäkerheten i jämförelsegruppens medelvärden",
    ):
        assert words in text, words


def test_indicator_2_without_the_effect_table_says_so(tmp_path):
    db = make_published(tmp_path / "indikatorer.duckdb", ["i2_benefit_effects"])
    dom = read_report(r.build_report(db, GENERATED))
    assert "i2_effect_estimates" in dom.missing
    assert "i2_benefit_effects" not in dom.missing
    assert plain(dom.metrics["i2.saving"]) == "460 000 kr*"  # before/after still shown
    db = make_published(tmp_path / "effekt" / "indikatorer.duckdb", ["i2_effect_estimates"])
    dom = read_report(r.build_report(db, GENERATED))
    assert "i2_benefit_effects" in dom.missing and "i2_effect_estimates" not in dom.missing
    m = {k: plain(v) for k, v in dom.metrics.items()}
    assert m["i2.effect.försörjningsstöd"] == "−8 000 kr"
    assert m["i2.naive_saving.2024.försörjningsstöd"] == "–"  # nothing to compare with


def test_national_benchmark_beside_the_large_cities_and_the_register(full_report):
    html = full_report.read_text(encoding="utf-8")
    dom = read_report(html)
    m = {k: plain(v) for k, v in dom.metrics.items()}
    # 2024, six municipalities: shares 0, 0,55, 0,10, 0,10, 0,5, 0 → the city shares rank 5.
    assert m["benchmark.rank"] == "5 av 6"
    assert m["benchmark.rank.2024.stad"] == "5 av 6"
    assert m["benchmark.share.2024.stad"] == "0,0 %"
    assert (m["benchmark.rank.2024.2120000142"], m["benchmark.share.2024.2120000142"]) == (
        "1 av 6",
        "55,0 %",
    )
    # Malmö and Uppsala tie at 10 %: both 3, and the next rank (4) is skipped.
    assert m["benchmark.rank.2024.2120001124"] == m["benchmark.rank.2024.2120003005"] == "3 av 6"
    # The nation: (0 + 220 + 20 + 10 + 25 + 0) / (300 + 400 + 200 + 100 + 50 + 50)
    # = 275 / 1 100 = 25 %, not the mean of the shares (1,25 / 6 = 20,8 %).
    assert m["benchmark.share.2024.riket"] == "25,0 %"
    # 2023: 2 / 280 = 0,7 %; Stockholm 214 / 368 = 58,2 %; Uppsala has no row; the nation
    # (2 + 214 + 19) / (280 + 368 + 190) = 235 / 838 = 28,0 %.
    assert m["benchmark.share.2023.stad"] == "0,7 %"
    assert m["benchmark.rank.2023.stad"] == "3 av 3"
    assert m["benchmark.share.2023.2120000142"] == "58,2 %"
    assert m["benchmark.share.2023.2120003005"] == m["benchmark.rank.2023.2120003005"] == "–"
    assert m["benchmark.share.2023.riket"] == "28,0 %"
    # The unknown flags beside the register (i1_procurement_share, summed over buyers):
    # 2024 social 3 + 2 + 0 = 5, employment 2 + 1 + 0 = 3; 2023 1 and 1.
    assert (m["benchmark.unknown"], m["benchmark.register"]) == ("290", "5")
    assert (m["benchmark.unknown.2024"], m["benchmark.register_social.2024"]) == ("290", "5")
    assert (m["benchmark.unknown.2023"], m["benchmark.register_social.2023"]) == ("270", "1")
    text = plain(dom.texts["nationellt"])
    cells = "".join(text.split())
    assert "2024Helariket(6kommuner)110027567025,0%" in cells
    assert "upphandlingar med sociala krav (3 med sysselsättningskrav) med avtalsstart 2024" in text
    # Worded as missing reporting, not as missing requirements.
    assert "inte att kraven saknas" in text
    assert "inte rapporteras till den nationella statistiken" in text
    assert "plats 5 av 6 kommuner 2024; 290 av 300 upphandlingar utan uppgift" in plain(html)


def test_national_benchmark_without_the_register_says_so(tmp_path):
    db = make_published(tmp_path / "indikatorer.duckdb", ["national_benchmark"])
    dom = read_report(r.build_report(db, GENERATED))
    assert "i1_procurement_share" in dom.missing
    assert "national_benchmark" not in dom.missing
    m = {k: plain(v) for k, v in dom.metrics.items()}
    assert (m["benchmark.unknown.2024"], m["benchmark.register_social.2024"]) == ("290", "–")
    assert "inte att kraven saknas" not in plain(dom.texts["nationellt"])


def test_self_contained_swedish_and_printable(full_report):
    html = full_report.read_text(encoding="utf-8")
    assert '<html lang="sv">' in html
    for external in ("<script", "<link", "src=", "@import", "url(", "https://"):
        assert external not in html, external
    assert "@media print" in html and "@page" in html
    assert html.count("<svg") >= 10


def test_small_numbers_are_never_shown(full_report):
    html = full_report.read_text(encoding="utf-8")
    assert scan_html(full_report) == []
    # Every hidden count of the fixture shows as "..": i2 Nyanländ's 4 counts, i3 under_30
    # (card and table: 2), the placed of Sydväst and of mellanområde 36 (2), the Deltagare's
    # respondents (1), the persons in paid work in 2023 (1), i2 Ung 16–29's 4 counts and the
    # matched of aktivitetsersättning against the comparison group (card and table: 2), the
    # candidate pool's 8 (Långtidsarbetslös' and Ung 16–29's referred, Nyanländ's candidates
    # and waiting, Försörjningsstöd's candidates, area 03's candidates and waiting, 99's
    # candidates), and i3_placements' six hidden categories of 2024 (placements and persons
    # each: 12) → 4 + 2 + 2 + 1 + 1 + 4 + 2 + 8 + 12 = 36.
    assert html.count('class="pc">..<') == 36
    assert "&lt;5" not in html  # a complementary cell is ≥ 5: nothing says "under 5"


def test_sections_say_when_a_table_is_not_published(tmp_path):
    only = ["i1_procurement_share", "bruttolista", "procurement_reconciliation"]
    db = make_published(tmp_path / "indikatorer.duckdb", only)
    dom = read_report(r.build_report(db, GENERATED))
    assert set(dom.missing) == {
        "i2_benefit_effects",
        "i3_individuals",
        "geographic_distribution",
        "i4_stakeholder_survey",
        "process_sync",
        "load_quality",
        "socioeconomic_value",
        "i2_effect_estimates",
        "national_benchmark",
        "supplier_reporting",
        "placement_pipeline",
    }
    assert plain(dom.metrics["i1.share_employment"]) == "50 %"


def test_an_empty_file_gives_a_report_that_says_so(tmp_path):
    db = make_published(tmp_path / "indikatorer.duckdb", [])
    dom = read_report(r.build_report(db, GENERATED))
    # Indicator 2 says so for both its tables (the effect and before/after); the suppliers'
    # section names the first of its two.
    assert len(dom.missing) == 12
    assert set(dom.missing) >= {"i1_procurement_share", "i3_individuals", "load_quality"}


def test_write_report_is_atomic_and_needs_the_published_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="indikatorer.duckdb"):
        r.write_report(tmp_path)
    make_published(tmp_path / "indikatorer.duckdb")
    path = r.write_report(tmp_path)
    assert path.name == "indikatorrapport.html"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "indikatorer.duckdb",
        "indikatorrapport.html",
    ]


@pytest.mark.skipif(not chromium_available(), reason="chromium is not installed")
def test_chromium_renders_every_section(full_report, tmp_path):
    dom = read_report(dump_dom(full_report, tmp_path / "profile"))
    assert dom.sections == {
        "framat": "Framåt – platser och kandidater",
        "i1": "Indikator 1 – Upphandlingar med social hänsyn",
        "nationellt": "Nationell jämförelse – staden bland Sveriges kommuner",
        "i2": "Indikator 2 – Minskat behov av ersättning",
        "i3": "Indikator 3 – Individer i arbete",
        "nytta": "Samhällsekonomisk nytta – vem vinner vad",
        "geografi": "Geografisk fördelning – fördelningsnyckeln mot utfallet",
        "i4": "Indikator 4 – Intressenternas syn på modellen",
        "process": "Processynk – krav, anvisningar och tillsättningar",
        "leverantorer": "Leverantörernas rapporter – inkomna, saknade, krävda och tillsatta",
        "kvalitet": "Datakvalitet – senaste laddningen",
    }
    assert plain(dom.metrics["i3.individuals"]) == "42"
    assert plain(dom.metrics["i2.saving"]) == "460 000 kr*"
    assert plain(dom.metrics["i2.effect.försörjningsstöd"]) == "−8 000 kr"
    assert plain(dom.metrics["benchmark.share.2024.riket"]) == "25,0 %"
    # The print CSS starts each of the 11 sections on a new page (summary first).
    pages = print_pdf(full_report, tmp_path / "profile", tmp_path / "report.pdf")
    assert pages >= 10


def test_every_fixture_table_is_in_the_report():
    # Guards the fixture itself: a table of the spec missing here would go untested.
    assert set(TABLES) == {
        "i1_procurement_share",
        "bruttolista",
        "procurement_reconciliation",
        "i2_benefit_effects",
        "i3_individuals",
        "i3_placements",
        "geographic_distribution",
        "geographic_distribution_mellanomrade",
        "i4_stakeholder_survey",
        "process_sync",
        "load_quality",
        "socioeconomic_value",
        "socioeconomic_parameter_sets",
        "i2_effect_estimates",
        "national_benchmark",
        "supplier_reporting",
        "supplier_scorecard",
        "placement_pipeline",
        "candidate_pool",
    }


def test_an_incomplete_or_missing_key_is_flagged(tmp_path):
    db = make_published(tmp_path / "indikatorer.duckdb")
    con = duckdb.connect(str(db))
    con.execute("update geographic_distribution set key_complete = false where year = 2024")
    con.close()
    assert "Nyckeln är ofullständig" in r.build_report(db, GENERATED)
    con = duckdb.connect(str(db))
    con.execute(
        "update geographic_distribution set key_year = null, distribution_key = null, "
        "expected_individuals = null, deviation = null where year = 2024"
    )
    con.close()
    html = r.build_report(db, GENERATED)
    assert "Ingen fördelningsnyckel för 2024" in html
    assert plain(read_report(html).metrics["geo.key.01"]) == "–"


def test_sums_over_suppressed_cells_never_show_a_small_number():
    assert f.at_least(12, True) == "minst 12"
    assert f.at_least(12, False) == "12"
    # Only suppressed cells (each 1–4, together maybe more): unknown, not "<5" nor "0".
    assert f.at_least(None, True) == "–"
    assert f.at_least(0, True) == "–"
    assert f.at_least(0, False) == "0"


def test_breakdowns_use_the_newest_year_with_something_to_show(tmp_path):
    db = make_published(tmp_path / "indikatorer.duckdb")
    con = duckdb.connect(str(db))
    # a year just begun, every count under 5
    con.execute("insert into i3_individuals values (2025, null, null, null, null, 0)")
    con.execute("insert into i3_placements values (2025, 'placement_type', 'Praktik', null, null)")
    con.execute("insert into i3_placements values (2025, 'placement_type', 'Trainee', 0, 0)")
    con.close()
    html = r.build_report(db, GENERATED)
    assert "Insatser 2024 per insatstyp" in html
    # The headline is still the newest year, and the summary gives the year before.
    assert ".. personer i arbete 2025 (42 år 2024)" in html


def test_a_run_that_published_nothing_new_leaves_the_report_as_it_was(tmp_path):
    db = make_published(tmp_path / "marts" / "indikatorer.duckdb")
    first = r.write_report(db.parent)
    content, mtime = first.read_bytes(), first.stat().st_mtime_ns
    # stamped with the tables' publication time, not the clock
    published_at = dt.datetime.fromtimestamp(db.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    assert read_report(content.decode("utf-8")).dates["Tabellerna publicerade"] == published_at
    again = r.write_report(db.parent)
    assert again.read_bytes() == content
    assert again.stat().st_mtime_ns == mtime


def test_area_names_come_from_the_published_file(tmp_path):
    # Renamed in the published tables only: the report must show the new names, whatever the
    # repository's seeds say.
    db = make_published(tmp_path / "indikatorer.duckdb")
    con = duckdb.connect(str(db))
    con.execute(
        "update geographic_distribution set stadsomrade_namn = 'Nordöst' where stadsomrade = '01'"
    )
    con.execute(
        "update geographic_distribution_mellanomrade set mellanomrade_namn = 'Sanna' "
        "where mellanomrade = '35'"
    )
    con.close()
    dom = read_report(r.build_report(db, GENERATED))
    assert "Nordöst: 20" in plain(dom.texts["i3"])  # the placements per stadsområde
    geo = plain(dom.texts["geografi"])
    assert "Nordöst" in geo and "Nordost" not in geo
    assert "35 Sanna" in geo and "Kungsladugård" not in geo


def test_the_templates_escape_what_the_tables_hold(tmp_path):
    db = make_published(tmp_path / "indikatorer.duckdb")
    con = duckdb.connect(str(db))
    con.execute(
        "update process_sync set supplier_name = '<script>x</script>' where status = 'ej uppfyllt'"
    )
    con.close()
    html = r.build_report(db, GENERATED)
    assert "<script" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


def test_every_template_is_shipped_with_the_package():
    # An installed hansyn (not an editable checkout) has only the files package-data names;
    # setuptools expands each pattern as a glob under the package, as here.
    import tomllib
    from pathlib import Path

    root = Path(r.__file__).resolve().parents[1]  # hansyn/
    project = tomllib.loads((root.parent / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = {
        p
        for pattern in project["tool"]["setuptools"]["package-data"]["hansyn"]
        for p in root.glob(pattern)
    }
    templates = {p for p in r.TEMPLATES.rglob("*") if p.is_file()}
    assert r.TEMPLATES / "report.html" in templates
    assert sorted(p.name for p in templates - shipped) == []


def test_the_suppliers_section(full_report):
    dom = read_report(full_report.read_text(encoding="utf-8"))
    # 6 of the 8 due reports in (3 + 3 of 4 + 4); Städ AB's 2025-Q1 missing and the sole
    # trader's 2024-Q4 refused: 2 not in; 18 persons in 23 required places (see the fixture).
    assert plain(dom.metrics["suppliers.rate"]) == "75 %"
    assert plain(dom.metrics["suppliers.missing"]) == "2"
    assert plain(dom.metrics["suppliers.places"]) == "18"
    text = plain(dom.texts["leverantorer"])
    assert "(6 av 8)" in text
    assert "av 23 krävda platser" in text
    # The sole trader is named, never numbered.
    assert "Anna Andersson Städ" in text
    assert "enskild firma" in text
