"""The indicator report: one self-contained HTML page (inline CSS, inline SVG) from the published
`indikatorer.duckdb`, for the project office. Plain functions, testable without Dagster.

Every figure comes from the published tables only (the area names included), so the report can
show nothing that an analyst could not already read there. This module reads the tables and
assembles what each section shows; the page itself is the Jinja2 templates in `templates/`, the
charts are `charts.py` and the Swedish formatting `formatting.py`. Person counts are marked
`class="pc"` so that the privacy guard can check them; a hidden count (NULL) shows as "..",
whether the small-number rule or complementary suppression hid it, any other missing value as
"–".
"""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import jinja2

from ..publishing.swap import PUBLISHED_DB, REPORT_FILE
from ..publishing.versions import record_file
from . import charts
from .charts import Bar
from .formatting import (
    FILTERS,
    MISSING,
    PERSON_COUNT_CLASS,
    SUPPRESSED,
    at_least,
    fmt_count,
    fmt_decimal,
    fmt_int,
    fmt_part_year,
    fmt_sek,
    fmt_sek_short,
    fmt_share,
    fmt_signed,
    fmt_ts,
    label,
)

SOURCE_LABELS = {
    "upphandlingsmyndigheten": "Upphandlingsmyndighetens statistik",
    "avtalsregister": "Avtalsregistret",
    "leverantorsrapporter": "Leverantörernas rapporter",
    "malgruppsregister": "Målgruppsregistret",
    "ersattningar": "Ersättningar",
    "omradesstatistik": "Områdesstatistik",
    "enkat": "Enkäten",
}
LOAD_STATUS = {"loaded": "Laddad", "refused": "Vägrad", "duplicate": "Dubblett"}
SYNC_STATUS = [("uppfyllt", "Uppfyllt"), ("pågår", "Pågår"), ("ej uppfyllt", "Ej uppfyllt")]
DIMENSIONS = ["förståelse", "förtroende", "engagemang"]
ROLES = ["Alla", "Upphandlare", "Beställare", "Leverantör", "Jobbmäklare", "Deltagare"]
BENEFITS = ["försörjningsstöd", "arbetslöshetsersättning", "aktivitetsersättning"]
# Persons with no registration (or 199 Ospecificerat) are placed in area 99, which is no area
# of the geography: the published tables carry no name for it.
UNKNOWN_AREA = "99"
UNKNOWN_AREA_NAME = "Okänt område"

TEMPLATES = Path(__file__).parent / "templates"


def environment() -> jinja2.Environment:
    """The templates, with autoescaping and the Swedish formats as filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(FILTERS)
    env.globals.update(
        SUPPRESSED=SUPPRESSED, MISSING=MISSING, PERSON_COUNT_CLASS=PERSON_COUNT_CLASS
    )
    return env


# --- reading the published file -----------------------------------------------------------------


class Published:
    """Read-only access to indikatorer.duckdb, as an analyst would have it."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.con = duckdb.connect(str(self.path), read_only=True)
        self.tables = {r[0] for r in self.con.execute("show tables").fetchall()}

    def close(self) -> None:
        self.con.close()

    def has(self, table: str) -> bool:
        return table in self.tables

    def columns(self, table: str) -> list[str]:
        return [r[0] for r in self.con.execute(f'describe "{table}"').fetchall()]

    def rows(self, sql: str, params: Sequence | None = None) -> list[dict]:
        cursor = self.con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def one(self, sql: str, params: Sequence | None = None) -> dict | None:
        rows = self.rows(sql, params)
        return rows[0] if rows else None


def area_names(pub: Published, level: str) -> dict[str, str]:
    """Names of the stadsområden or mellanområden by code, as the published geographic tables
    carry them (`stadsomrade_namn`, `mellanomrade_namn`); area 99 is "Okänt område"."""
    table = {
        "stadsomrade": "geographic_distribution",
        "mellanomrade": "geographic_distribution_mellanomrade",
    }[level]
    names = {UNKNOWN_AREA: UNKNOWN_AREA_NAME}
    if pub.has(table) and f"{level}_namn" in pub.columns(table):
        for r in pub.rows(
            f"select distinct {level} as code, {level}_namn as name from {table} "
            "where name is not null"
        ):
            names[r["code"]] = r["name"]
    return names


@dataclass
class Section:
    id: str
    title: str
    template: str = ""  # under templates/sections/
    data: dict = field(default_factory=dict)  # what the template shows, as `s.data`
    summary: str = ""  # a short summary for the overview at the top
    missing: str = ""  # the table whose absence leaves the section empty


def _section(pub: Published, id: str, title: str, *tables: str) -> Section:
    """The section shown by templates/sections/<id>.html; `missing` names the first of the
    tables it is made from that is not published (the section then says so and shows nothing)."""
    s = Section(id, title, f"sections/{id}.html")
    s.missing = next((t for t in tables if not pub.has(t)), "")
    return s


def _sum(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _share(part: float | None, whole: float | None) -> float | None:
    return part / whole if whole else None


# --- the sections -------------------------------------------------------------------------------


PACES = [("efter", "Efter"), ("i fas", "I fas"), ("löpande", "Löpande"),
         ("ej startad", "Ej startad"), ("klar", "Klar")]  # fmt: skip
WHOLE_CITY = "00"
POOL_DIMENSIONS = [("target_group", "Per målgrupp"), ("stadsomrade", "Per stadsområde")]


def section_pipeline(pub: Published) -> Section:
    """Looking ahead, what the job brokers act on this week: the contracts behind pace, then
    those that end within two quarters (Avtalsslut no later than the reference date + 6 months)
    with places left, and the candidate pool beside the places open to it."""
    s = _section(
        pub, "framat", "Framåt – platser och kandidater", "placement_pipeline", "candidate_pool"
    )
    if s.missing:
        return s
    names = area_names(pub, "stadsomrade")
    names[WHOLE_CITY] = "Hela staden"
    contracts = pub.rows(
        "select procurement_id, title, buyer_organisation, supplier_name, stadsomrade, "
        "target_groups, remaining_places, waiting_referrals, pace, days_left, contract_end, "
        "contract_end <= reference_date + interval 6 month as due_soon "
        "from placement_pipeline order by days_left nulls last, procurement_id"
    )
    for r in contracts:
        r["area"] = names.get(r["stadsomrade"], r["stadsomrade"])
        r["groups"] = r["target_groups"] or "Alla målgrupper"
    behind = [r for r in contracts if r["pace"] == "efter"]
    due = [r for r in contracts if r["due_soon"] and r["remaining_places"] > 0]
    counts = {pace: sum(1 for r in contracts if r["pace"] == pace) for pace, _ in PACES}
    pool = pub.rows(
        "select dimension, category, candidates, waiting_over_6_months, referred, "
        "open_places_next_year, places_per_candidate from candidate_pool"
    )
    alla = next((r for r in pool if r["dimension"] == "Alla"), None)
    for r in pool:
        r["name"] = (
            names.get(r["category"], r["category"])
            if r["dimension"] == "stadsomrade"
            else r["category"]
        )
    s.data = {
        "paces": [(pace, name, counts[pace]) for pace, name in PACES],
        "remaining": _sum(r["remaining_places"] for r in contracts),
        "behind": behind,
        "due": due,
        "pool": [
            (title, sorted((r for r in pool if r["dimension"] == dim), key=lambda r: r["category"]))
            for dim, title in POOL_DIMENSIONS
        ],
        "alla": alla,
    }
    s.summary = (
        f"{fmt_int(len(behind))} avtal ligger efter i takt, "
        f"{fmt_int(len(due))} slutar inom två kvartal med platser kvar"
    )
    return s


def section_i1(pub: Published) -> Section:
    s = _section(pub, "i1", "Indikator 1 – Upphandlingar med social hänsyn", "i1_procurement_share")
    if s.missing:
        return s
    years = pub.rows(
        "select year, sum(service_procurements) as services, "
        "sum(gross_list_procurements) as gross, sum(with_social_requirement) as social, "
        "sum(with_employment_requirement) as employment, sum(required_places) as places "
        "from i1_procurement_share group by year order by year"
    )
    for y in years:
        y["share_social"] = _share(y["social"], y["gross"])
        y["share_employment"] = _share(y["employment"], y["gross"])
    with_list = [y for y in years if y["gross"]]
    s.data = {"years": years, "last": with_list[-1] if with_list else None}
    if with_list:
        last = with_list[-1]
        y = last["year"]
        s.summary = (
            f"{fmt_share(last['share_employment'])} av tjänsteupphandlingarna på bruttolistan "
            f"hade sysselsättningskrav {y}"
        )
        s.data["trend"] = charts.line_chart(
            "Andel med krav per år",
            [str(r["year"]) for r in years],
            [
                ("Sysselsättningskrav", [r["share_employment"] for r in years]),
                ("Sociala krav", [r["share_social"] for r in years]),
            ],
            fmt_share,
            top=1.0,
            target=(0.5, "mål 50 %"),
        )
        buyers = pub.rows(
            "select buyer_organisation, gross_list_procurements, with_social_requirement, "
            "with_employment_requirement, share_social_requirement, "
            "share_employment_requirement, required_places from i1_procurement_share "
            "where year = ? and gross_list_procurements > 0 "
            "order by share_employment_requirement desc, buyer_organisation",
            [y],
        )
        s.data["buyers"] = buyers
        s.data["buyers_chart"] = charts.hbar_chart(
            f"Andel med sysselsättningskrav per beställare {y}",
            [
                Bar(
                    b["buyer_organisation"] or "(okänd)",
                    b["share_employment_requirement"],
                    fmt_share(b["share_employment_requirement"]),
                )
                for b in buyers
            ],
            max_value=1.0,
        )
    if pub.has("bruttolista"):
        s.data["bruttolista"] = pub.rows(
            "select procurement_type, count(*) as n, "
            "count(*) filter (where has_employment_requirement) as employment, "
            "sum(required_places) filter (where has_employment_requirement) as places "
            "from bruttolista group by procurement_type order by procurement_type"
        )
    if pub.has("procurement_reconciliation"):
        s.data["reconciliation"] = pub.rows(
            "select year, sum(agency_procurements) as agency, "
            "sum(agency_service_procurements) as services, sum(in_register) as in_register, "
            "sum(missing_from_register) as missing from procurement_reconciliation "
            "group by year order by year"
        )
    return s


# The other large cities the report sets the city beside (the agency's organisation numbers),
# with a name for a year in which a city has no row.
PEER_CITIES = {
    "2120000142": "Stockholms kommun",
    "2120001124": "Malmö kommun",
    "2120003005": "Uppsala kommun",
}


def _benchmark_row(key: str, name: str, r: dict | None, municipalities: int) -> dict:
    r = r or {}
    rank = r.get("rank_share_flagged")
    return {
        "key": key,
        "name": r.get("buyer_name") or name,
        "procurements": r.get("procurements"),
        "flagged": r.get("flagged_social"),
        "unknown": r.get("flag_unknown"),
        "share": r.get("share_flagged"),
        "rank": MISSING if rank is None else f"{fmt_int(rank)} av {fmt_int(municipalities)}",
    }


def section_benchmark(pub: Published) -> Section:
    s = _section(
        pub,
        "nationellt",
        "Nationell jämförelse – staden bland Sveriges kommuner",
        "national_benchmark",
    )
    if s.missing:
        return s
    rows = pub.rows(
        "select year, buyer_org_number, buyer_name, procurements, flagged_social, flag_unknown, "
        "share_flagged, rank_share_flagged, is_city from national_benchmark"
    )
    # The nation: the counts summed, then divided; a mean of the shares would weigh a
    # municipality with 20 procurements as much as Stockholm.
    nation = pub.rows(
        "select year, count(*) as municipalities, sum(procurements) as procurements, "
        "sum(flagged_social) as flagged, sum(flag_unknown) as unknown "
        "from national_benchmark group by year order by year"
    )
    register_published = pub.has("i1_procurement_share")
    register = {}
    if register_published:
        register = {
            r["year"]: r
            for r in pub.rows(
                "select year, sum(with_social_requirement) as social, "
                "sum(with_employment_requirement) as employment "
                "from i1_procurement_share group by year"
            )
        }
    years = []
    for n in nation:
        y, count = n["year"], n["municipalities"]
        of_year = {r["buyer_org_number"]: r for r in rows if r["year"] == y}
        city = next((r for r in of_year.values() if r["is_city"]), None)
        shown = [_benchmark_row("stad", "Staden", city, count)]
        shown += [
            _benchmark_row(org, name, of_year.get(org), count) for org, name in PEER_CITIES.items()
        ]
        shown.append(
            {
                "key": "riket",
                "name": f"Hela riket ({fmt_int(count)} kommuner)",
                "procurements": n["procurements"],
                "flagged": n["flagged"],
                "unknown": n["unknown"],
                "share": _share(n["flagged"], n["procurements"]),
                "rank": "",
            }
        )
        own = register.get(y) or {}
        years.append(
            {
                "year": y,
                "rows": shown,
                "city": shown[0],
                "register_social": own.get("social"),
                "register_employment": own.get("employment"),
            }
        )
    s.data = {"years": years, "register_published": register_published, "last": None}
    if not years:
        return s
    last = years[-1]
    s.data["last"] = last
    s.data["chart"] = charts.hbar_chart(
        f"Andel upphandlingar flaggade för social hänsyn {last['year']}",
        [Bar(r["name"], r["share"], fmt_share(r["share"], 1)) for r in last["rows"]],
        max_value=1.0,
    )
    city = last["city"]
    if city["procurements"] is not None:
        s.summary = (
            f"plats {city['rank']} kommuner {last['year']}; {fmt_int(city['unknown'])} av "
            f"{fmt_int(city['procurements'])} upphandlingar utan uppgift om social hänsyn"
        )
    return s


def _marked_sum(values: Iterable[float | None], fmt=fmt_int) -> str:
    """A sum over published cells, "*" when some are hidden. Savings can be negative, so the
    sum of the rest is no floor (not "minst"); only hidden cells left: "–"."""
    values = list(values)
    total = _sum(values)
    hidden = any(v is None for v in values)
    if hidden and not total:
        return MISSING
    return fmt(total) + ("*" if hidden else "")


def effect_estimates(pub: Published, naive: list[dict]) -> dict | None:
    """Indicator 2 against the comparison group: the Alla rows of i2_effect_estimates, newest
    cohort year first, each beside the before/after saving of i2_benefit_effects (`naive`)
    summed over its target groups; a card per benefit for its newest cohort year. None when
    the table is not published."""
    if not pub.has("i2_effect_estimates"):
        return None
    rows = pub.rows(
        "select cohort_year, benefit_type, treated, matched, controls, change_per_person_sek, "
        "counterfactual_change_per_person_sek, effect_per_person_sek, effect_ci95_low, "
        "effect_ci95_high, annualised_saving_sek from i2_effect_estimates "
        "where target_group = 'Alla'"
    )
    order = {b: i for i, b in enumerate(BENEFITS)}

    def benefit_order(r: dict) -> tuple:
        return (order.get(r["benefit_type"], len(BENEFITS)), r["benefit_type"])

    rows.sort(key=lambda r: (-r["cohort_year"], *benefit_order(r)))
    for r in rows:
        cells = [
            n["annualised_saving_sek"]
            for n in naive
            if (n["cohort_year"], n["benefit_type"]) == (r["cohort_year"], r["benefit_type"])
        ]
        r["naive_saving"] = _marked_sum(cells) if cells else MISSING
    newest: dict[str, dict] = {}
    for r in rows:
        newest.setdefault(r["benefit_type"], r)
    last = rows[0]["cohort_year"] if rows else None
    return {
        "rows": rows,
        "cards": sorted(newest.values(), key=benefit_order),
        "last": last,
        "saving": _marked_sum(
            (r["annualised_saving_sek"] for r in rows if r["cohort_year"] == last), fmt_sek
        ),
    }


def section_i2(pub: Published) -> Section:
    s = Section("i2", "Indikator 2 – Minskat behov av ersättning", "sections/i2.html")
    naive_published = pub.has("i2_benefit_effects")
    rows = (
        pub.rows(
            "select cohort_year, benefit_type, target_group, individuals, recipients_before, "
            "recipients_after, amount_before_sek, amount_after_sek, change_sek, left_benefit, "
            "annualised_saving_sek from i2_benefit_effects "
            "order by cohort_year, benefit_type, target_group"
        )
        if naive_published
        else []
    )
    effects = effect_estimates(pub, rows)
    # The effect against the comparison group leads; before/after follows for comparison.
    s.data = {"rows": rows, "naive_published": naive_published, "effects": effects}
    if effects and effects["last"] is not None:
        s.summary = (
            f"{effects['saving']} i årlig besparing mot jämförelsegruppen för kohorten "
            f"{effects['last']}"
        )
    if not rows:
        return s
    years = sorted({r["cohort_year"] for r in rows})
    types = [b for b in BENEFITS if any(r["benefit_type"] == b for r in rows)]
    types += sorted({r["benefit_type"] for r in rows} - set(types))
    last = years[-1]
    latest = [r for r in rows if r["cohort_year"] == last]
    saving = _sum(r["annualised_saving_sek"] for r in latest)
    suppressed = any(r["annualised_saving_sek"] is None for r in latest)
    # Savings can be negative, so a sum without the suppressed groups is no floor: mark it.
    if suppressed and not saving:
        saving_text = MISSING
    else:
        saving_text = fmt_sek(saving) + ("*" if suppressed else "")
    left = []
    for b in types:
        of_type = [r for r in latest if r["benefit_type"] == b]
        total = _sum(r["left_benefit"] for r in of_type)
        left.append((b, at_least(total, any(r["left_benefit"] is None for r in of_type))))
    trend = {
        (y, b): _sum(
            r["annualised_saving_sek"]
            for r in rows
            if r["cohort_year"] == y and r["benefit_type"] == b
        )
        for y in years
        for b in types
    }
    s.data.update(
        last=last,
        latest=latest,
        saving=saving_text,
        saving_suppressed=suppressed,
        left=left,
        trend=charts.column_chart(
            "Årlig besparing per kohortår och ersättning",
            [str(y) for y in years],
            [
                (
                    label(b),
                    [trend[(y, b)] for y in years],
                    [fmt_sek_short(trend[(y, b)]) for y in years],
                )
                for b in types
            ],
            fmt_sek_short,
        ),
    )
    if not s.summary:
        s.summary = f"{saving_text} i årlig besparing för kohorten {last} (före och efter)"
    return s


def _breakdown(pub: Published, year: int, dimension: str, names: dict[str, str]) -> list[dict]:
    """One way of breaking the year down (i3_placements): every category, with its placements
    and persons as published (NULL: hidden)."""
    rows = pub.rows(
        "select category, placements, individuals from i3_placements "
        "where year = ? and dimension = ? order by category",
        [year, dimension],
    )
    return [{**r, "name": names.get(r["category"], r["category"])} for r in rows]


def _breakdown_chart(title: str, rows: list[dict]) -> str:
    return charts.hbar_chart(
        title,
        [Bar(r["name"], r["placements"], fmt_count(r["placements"]), True) for r in rows],
    )


def part_years(pub: Published, source: str) -> dict[int, str]:
    """The years `source` does not cover to 31 December (data_coverage), each with its label
    ('jan–mar 2026, delår'); empty when the table is not published (every year taken as whole)."""
    if not pub.has("data_coverage"):
        return {}
    spans = pub.rows(
        "select covers_from, covers_to from data_coverage where source = ? and part = '' "
        "and covers_to is not null",
        [source],
    )
    parts = {}
    for span in spans:
        end = span["covers_to"]
        if (end.month, end.day) != (12, 31):
            start = span["covers_from"]
            first = start.month if start and start.year == end.year else 1
            parts[end.year] = fmt_part_year(end.year, first, end.month)
    return parts


def section_i3(pub: Published) -> Section:
    s = _section(pub, "i3", "Indikator 3 – Individer i arbete", "i3_individuals")
    if s.missing:
        return s
    years = pub.rows(
        "select year, individuals, placements, women, men, under_30 from i3_individuals "
        "order by year"
    )
    # A year the suppliers' reports do not cover to 31 December is shown as the part it is, and
    # the headline compares whole years (data_coverage).
    parts = part_years(pub, "leverantorsrapporter")
    for r in years:
        r["label"] = parts.get(r["year"], str(r["year"]))
    whole = [r for r in years if r["year"] not in parts]
    last = whole[-1] if whole else (years[-1] if years else None)
    s.data = {"years": years, "last": last}
    if years:
        s.summary = f"{fmt_count(last['individuals'])} personer i arbete {last['label']}"
        if len(whole) > 1:
            before = whole[-2]
            s.summary += f" ({fmt_count(before['individuals'])} år {before['year']})"
        for r in years:
            if r["year"] in parts and r["year"] > last["year"]:
                s.summary += f"; {r['label']}: {fmt_count(r['individuals'])}"
        s.data["trend"] = charts.column_chart(
            "Personer och insatser per år",
            [r["label"] for r in years],
            [
                (
                    "Personer",
                    [r["individuals"] for r in years],
                    [fmt_count(r["individuals"]) for r in years],
                ),
                (
                    "Insatser",
                    [r["placements"] for r in years],
                    [fmt_count(r["placements"]) for r in years],
                ),
            ],
            fmt_int,
            person_counts=True,
        )
    s.data["placements_published"] = pub.has("i3_placements")
    if pub.has("i3_placements"):
        # The newest year may have just begun, with every category under 5: show the newest
        # year that has anything to show.
        newest = pub.one("select max(year) as year from i3_placements where placements > 0")
        y = newest["year"] if newest else None
        if y is not None:
            y = parts.get(y, y)  # the year's label: "jan–mar 2026, delår" for a part-year
            areas = area_names(pub, "stadsomrade")
            year = newest["year"]
            types = _breakdown(pub, year, "placement_type", {})
            groups = _breakdown(pub, year, "target_group", {})
            places = _breakdown(pub, year, "stadsomrade", areas)
            s.data["breakdown"] = {
                "year": y,
                "tables": [
                    ("Insatstyp", types, _breakdown_chart(f"Insatser per insatstyp {y}", types)),
                    ("Målgrupp vid start", groups,
                     _breakdown_chart(f"Insatser per målgrupp {y}", groups)),
                    ("Stadsområde vid start", places,
                     _breakdown_chart(f"Insatser per stadsområde {y}", places)),
                ],
            }  # fmt: skip
    return s


ACTORS = ["kommunen", "regionen", "staten", "individen", "samhället"]
PARAMETER_LABELS = {
    "monthly_wage_sek": "Månadslön vid heltid",
    "employer_fee_rate": "Arbetsgivaravgift",
    "municipal_tax_rate": "Kommunalskatt",
    "regional_tax_rate": "Regionskatt",
}


def _parameter_value(parameter: str, value: float | None) -> str:
    return fmt_sek(value) if parameter == "monthly_wage_sek" else fmt_share(value, 2)


def section_socioeconomic(pub: Published) -> Section:
    s = _section(pub, "nytta", "Samhällsekonomisk nytta – vem vinner vad", "socioeconomic_value")
    if s.missing:
        return s
    rows = pub.rows(
        "select year, actor, wage_related_sek, benefits_avoided_sek, total_sek, "
        "benefits_complete, paid_placement_months, paid_placement_persons, "
        "parameters_valid_from from socioeconomic_value order by year"
    )
    order = {a: i for i, a in enumerate(ACTORS)}
    rows.sort(key=lambda r: (r["year"], order.get(r["actor"], len(ACTORS)), r["actor"]))
    years: dict[int, dict] = {}
    for r in rows:
        y = years.setdefault(
            r["year"],
            {
                "year": r["year"],
                "months": r["paid_placement_months"],
                "persons": r["paid_placement_persons"],
                "valid_from": r["parameters_valid_from"],
                "actors": [],
                "by_actor": {},
            },
        )
        y["actors"].append(r)
        y["by_actor"][r["actor"]] = r
    s.data = {
        "years": list(years.values()),
        "parameter_sets": [],
        "actors": ACTORS,
        "chart": None,
        "last": None,
    }
    if not years:
        return s
    # The parameter sets the years used, each with the years that used it.
    used: dict[object, list[int]] = {}
    for y in years.values():
        used.setdefault(y["valid_from"], []).append(y["year"])
    if pub.has("socioeconomic_parameter_sets"):
        for valid_from, used_in in used.items():
            params = pub.rows(
                "select parameter, placement_type, value, unit, source "
                "from socioeconomic_parameter_sets where valid_from = ? "
                "order by parameter <> 'monthly_wage_sek', parameter, placement_type",
                [valid_from],
            )
            for p in params:
                p["label"] = PARAMETER_LABELS.get(p["parameter"], p["parameter"])
                p["shown"] = _parameter_value(p["parameter"], p["value"])
            s.data["parameter_sets"].append(
                {"valid_from": valid_from, "years": used_in, "parameters": params}
            )
    # The headline: the newest year with both wages and benefits avoided (the newest calendar
    # year is usually under way, and its cohort not yet measured), else the newest shown.
    shown = [y for y in years.values() if (y["by_actor"].get("samhället") or {}).get("total_sek")]
    measured = [
        y
        for y in shown
        if any((y["by_actor"].get(a) or {}).get("benefits_avoided_sek") for a in ACTORS[:4])
    ]
    shown = measured or shown
    labels = [str(y) for y in years]
    s.data["chart"] = charts.column_chart(
        "Nytta per aktör och år (summa)",
        labels,
        [
            (
                label(a),
                [(y["by_actor"].get(a) or {}).get("total_sek") for y in years.values()],
                [
                    fmt_sek_short((y["by_actor"].get(a) or {}).get("total_sek"))
                    for y in years.values()
                ],
            )
            for a in ACTORS[:4]
        ],
        fmt_sek_short,
    )
    if shown:
        last = shown[-1]
        society = last["by_actor"]["samhället"]
        s.data["last"] = {
            "year": last["year"],
            "total": fmt_sek(society["total_sek"]),
            "complete": society["benefits_complete"],
            "months": fmt_int(last["months"]),
        }
        s.summary = f"{fmt_sek_short(society['total_sek'])} för samhället {last['year']}"
    return s


def section_geography(pub: Published) -> Section:
    s = _section(
        pub,
        "geografi",
        "Geografisk fördelning – fördelningsnyckeln mot utfallet",
        "geographic_distribution",
    )
    if s.missing:
        return s
    rows = pub.rows(
        "select year, stadsomrade, key_year, distribution_key, key_complete, placed_individuals, "
        "expected_individuals, deviation, placement_share from geographic_distribution "
        "order by year, stadsomrade"
    )
    s.data = {"rows": rows}
    if not rows:
        return s
    stads = area_names(pub, "stadsomrade")
    for r in rows:
        r["name"] = stads.get(r["stadsomrade"], r["stadsomrade"])
    years = sorted({r["year"] for r in rows})
    y = years[-1]
    latest = [r for r in rows if r["year"] == y]
    key_year = latest[0]["key_year"]
    map_areas = {
        r["stadsomrade"]: {
            "name": r["name"],
            "key": fmt_share(r["distribution_key"]),
            "share": fmt_share(r["placement_share"]),
            "ratio": (r["placement_share"] / r["distribution_key"])
            if r["placement_share"] is not None and r["distribution_key"]
            else None,
        }
        for r in latest
    }
    codes = sorted({r["stadsomrade"] for r in rows})
    deviations = []
    for code in codes:
        values = []
        for yr in years:
            row = next((r for r in rows if r["year"] == yr and r["stadsomrade"] == code), None)
            values.append(row["deviation"] if row else None)
        deviations.append((stads.get(code, code), values))
    s.data.update(
        year=y,
        latest=latest,
        key_year=key_year,
        key_incomplete=key_year is not None and any(r["key_complete"] is False for r in latest),
        columns=charts.column_chart(
            f"Nyckel och utfall per stadsområde {y}",
            [r["name"] for r in latest],
            [
                (
                    "Fördelningsnyckel",
                    [r["distribution_key"] for r in latest],
                    [fmt_share(r["distribution_key"]) for r in latest],
                ),
                (
                    "Andel av placerade",
                    [r["placement_share"] for r in latest],
                    [fmt_share(r["placement_share"]) for r in latest],
                ),
            ],
            fmt_share,
        ),
        map=charts.area_map(f"Karta över stadsområdena {y}", map_areas),
        deviations=charts.deviation_chart(
            "Placerade minus förväntade per stadsområde och år", years, deviations
        ),
        mellanomraden=None,
    )
    if pub.has("geographic_distribution_mellanomrade"):
        mnames = area_names(pub, "mellanomrade")
        mellan = pub.rows(
            "select mellanomrade, distribution_key, placed_individuals, expected_individuals, "
            "deviation, placement_share from geographic_distribution_mellanomrade "
            "where year = ? order by deviation nulls last, mellanomrade",
            [y],
        )
        for r in mellan:
            r["name"] = f"{r['mellanomrade']} {mnames.get(r['mellanomrade'], '')}".strip()
        s.data["mellanomraden"] = mellan
    shown = [r for r in latest if r["deviation"] is not None]
    below = [r for r in shown if r["deviation"] < 0]
    if below:
        worst = min(below, key=lambda r: r["deviation"])
        s.summary = (
            f"{worst['name']} ligger längst under nyckeln {y} "
            f"({fmt_signed(worst['deviation'], lambda v: fmt_decimal(v, 1))} personer)"
        )
    elif shown:
        s.summary = f"inget stadsområde ligger under nyckeln {y}"
    return s


def section_i4(pub: Published) -> Section:
    s = _section(
        pub, "i4", "Indikator 4 – Intressenternas syn på modellen", "i4_stakeholder_survey"
    )
    if s.missing:
        return s
    rows = pub.rows(
        "select wave, role, dimension, respondents, mean_score, share_positive, ci95_low, "
        "ci95_high, change_from_previous_wave from i4_stakeholder_survey order by wave"
    )
    s.data = {"rows": rows}
    if not rows:
        return s
    waves = sorted({r["wave"] for r in rows})
    wave = waves[-1]
    dims = [d for d in DIMENSIONS if any(r["dimension"] == d for r in rows)]
    dims += sorted({r["dimension"] for r in rows} - set(dims))
    roles = [r for r in ROLES if any(x["role"] == r for x in rows)]
    roles += sorted({x["role"] for x in rows} - set(roles))
    cells = {(r["wave"], r["role"], r["dimension"]): r for r in rows}

    def value(w: str, role: str, dim: str, column: str) -> float | None:
        return (cells.get((w, role, dim)) or {}).get(column)

    s.data.update(
        wave=wave,
        # The headline per dimension: all roles together in the latest wave.
        overall=[(d, cells.get((wave, "Alla", d))) for d in dims],
        per_role=[
            (role, d, cells[(wave, role, d)])
            for role in roles
            for d in dims
            if (wave, role, d) in cells
        ],
        roles_chart=charts.column_chart(
            f"Medelvärde per roll och dimension {wave}",
            roles,
            [
                (
                    label(d),
                    [value(wave, r, d, "mean_score") for r in roles],
                    [fmt_decimal(value(wave, r, d, "mean_score"), 1) for r in roles],
                )
                for d in dims
            ],
            lambda v: fmt_decimal(v, 0),
            top=5.0,
            whiskers=[
                [(value(wave, r, d, "ci95_low"), value(wave, r, d, "ci95_high")) for r in roles]
                for d in dims
            ],
        ),
        waves_chart=charts.line_chart(
            "Medelvärde per omgång, alla roller",
            waves,
            [(label(d), [value(w, "Alla", d, "mean_score") for w in waves]) for d in dims],
            lambda v: fmt_decimal(v, 0),
            top=5.0,
        ),
    )
    alla = cells.get((wave, "Alla", dims[0])) if dims else None
    if alla:
        s.summary = f"{label(dims[0])} {fmt_decimal(alla['mean_score'], 2)} av 5 ({wave})"
    return s


def section_process(pub: Published) -> Section:
    s = _section(
        pub, "process", "Processynk – krav, anvisningar och tillsättningar", "process_sync"
    )
    if s.missing:
        return s
    rows = pub.rows(
        "select procurement_id, buyer_organisation, supplier_name, contract_start, contract_end, "
        "required_places, placed_individuals, fill_rate, referred_candidates, "
        "first_placement_date, days_to_first_placement, status from process_sync "
        "order by status, procurement_id"
    )
    counts = {status: sum(1 for r in rows if r["status"] == status) for status, _ in SYNC_STATUS}
    days = sorted(
        r["days_to_first_placement"] for r in rows if r["days_to_first_placement"] is not None
    )
    median = None
    if days:
        mid = len(days) // 2
        median = days[mid] if len(days) % 2 else (days[mid - 1] + days[mid]) / 2
    buyers: dict[str, dict] = {}
    for r in rows:
        b = buyers.setdefault(
            r["buyer_organisation"] or "(okänd)", {"n": 0, "req": 0, "placed": 0, "ej": 0}
        )
        b["n"] += 1
        b["req"] += r["required_places"] or 0
        b["placed"] += r["placed_individuals"] or 0
        b["ej"] += r["status"] == "ej uppfyllt"
    for b in buyers.values():
        b["fill"] = _share(b["placed"], b["req"])
    s.data = {
        "statuses": [(status, name, counts[status]) for status, name in SYNC_STATUS],
        "required": _sum(r["required_places"] for r in rows),
        "placed": _sum(r["placed_individuals"] for r in rows),
        "median_days": median,
        "status_chart": charts.hbar_chart(
            "Avtal per status",
            [Bar(name, counts[status], fmt_int(counts[status])) for status, name in SYNC_STATUS],
        ),
        "buyers": sorted(buyers.items()),
        "failing": [r for r in rows if r["status"] == "ej uppfyllt"],
    }
    s.summary = f"{fmt_int(counts['uppfyllt'])} av {fmt_int(len(rows))} avtal har uppfyllt kravet"
    return s


def section_suppliers(pub: Published) -> Section:
    s = _section(
        pub, "leverantorer", "Leverantörernas rapporter – inkomna, saknade, krävda och tillsatta",
        "supplier_reporting", "supplier_scorecard",
    )  # fmt: skip
    if s.missing:
        return s
    quarters = pub.rows(
        "select report_period as period, count(*) as due, "
        "count(*) filter (where status = 'inkommen') as received, "
        "count(*) filter (where status = 'underkänd') as refused, "
        "count(*) filter (where status = 'saknas') as missing "
        "from supplier_reporting group by report_period order by report_period"
    )
    for q in quarters:
        q["rate"] = _share(q["received"], q["due"])
    missing: dict[tuple, dict] = {}
    for r in pub.rows(
        "select supplier_name, supplier_org_number, report_period, status from supplier_reporting "
        "where status in ('saknas', 'underkänd') order by supplier_name, report_period"
    ):
        org = r["supplier_org_number"] or "enskild firma"
        item = missing.setdefault(
            (r["supplier_name"], org),
            {"name": r["supplier_name"] or org, "org": org, "saknas": [], "underkand": []},
        )
        item["saknas" if r["status"] == "saknas" else "underkand"].append(r["report_period"])
    scorecard = pub.rows(
        "select * from supplier_scorecard order by supplier_name, supplier_org_number"
    )
    for r in scorecard:
        r["org"] = r["supplier_org_number"] or "enskild firma"
    due, received = _sum(q["due"] for q in quarters), _sum(q["received"] for q in quarters)
    s.data = {
        "due": due,
        "received": received,
        "rate": _share(received, due),
        "missing": _sum(q["missing"] + q["refused"] for q in quarters),
        "required": _sum(r["required_places"] for r in scorecard),
        "placed": _sum(r["placed_individuals"] for r in scorecard),
        "quarters": list(reversed(quarters)),
        "rate_chart": charts.line_chart(
            "Andel inkomna rapporter per kvartal",
            [q["period"] for q in quarters],
            [("Inkomna", [q["rate"] for q in quarters])],
            fmt_share,
            top=1.0,
        ),
        "missing_suppliers": sorted(missing.values(), key=lambda m: (m["name"], m["org"])),
        "places_chart": charts.column_chart(
            "Krävda och tillsatta platser",
            [r["supplier_name"] or r["org"] for r in scorecard],
            [
                (
                    "Krävda",
                    [r["required_places"] for r in scorecard],
                    [fmt_int(r["required_places"]) for r in scorecard],
                ),
                (
                    "Tillsatta",
                    [r["placed_individuals"] for r in scorecard],
                    [fmt_int(r["placed_individuals"]) for r in scorecard],
                ),
            ],
            fmt_int,
        ),
        "scorecard": scorecard,
    }
    s.summary = (
        f"{fmt_int(received)} av {fmt_int(due)} förfallna rapporter har kommit in"
        if due
        else "inga rapporter har förfallit än"
    )
    return s


def latest_loads(pub: Published) -> list[dict]:
    """Each delivered file as its most recent load left it (every file is read each night)."""
    checks = "checks_failed" if "checks_failed" in pub.columns("load_quality") else "null"
    return pub.rows(
        "select source, file_name, loaded_at, rows_read, rows_loaded, rows_rejected, status, "
        f"message, {checks} as checks_failed from load_quality "
        "qualify row_number() over (partition by source, file_name order by loaded_at desc) = 1 "
        "order by source, file_name"
    )


def section_quality(pub: Published) -> Section:
    s = _section(pub, "kvalitet", "Datakvalitet – senaste laddningen", "load_quality")
    if s.missing:
        return s
    rows = latest_loads(pub)
    refused = [r for r in rows if r["status"] == "refused"]
    rejected = sum(r["rows_rejected"] or 0 for r in rows)
    checked = [r for r in rows if r["checks_failed"]]
    ok = not refused and not rejected and not checked
    sources: dict[str, dict] = {}
    for r in rows:
        src = sources.setdefault(
            r["source"],
            {"files": 0, "loaded": 0, "refused": 0, "duplicate": 0, "rows": 0, "rej": 0, "chk": 0},
        )
        src["files"] += 1
        src[r["status"]] = src.get(r["status"], 0) + 1
        src["rows"] += r["rows_loaded"] or 0
        src["rej"] += r["rows_rejected"] or 0
        src["chk"] += 1 if r["checks_failed"] else 0
    attention = [
        r for r in rows if r["status"] != "loaded" or r["rows_rejected"] or r["checks_failed"]
    ]
    for r in attention:
        r["source_label"] = SOURCE_LABELS.get(r["source"], r["source"])
        r["status_label"] = LOAD_STATUS.get(r["status"], r["status"])
    s.data = {
        "ok": ok,
        "refused": len(refused),
        "rejected": rejected,
        "checked": len(checked),
        "loaded": sum(1 for r in rows if r["status"] == "loaded"),
        "duplicates": sum(1 for r in rows if r["status"] == "duplicate"),
        "rows_loaded": sum(r["rows_loaded"] or 0 for r in rows),
        "sources": [(SOURCE_LABELS.get(n, n), src) for n, src in sorted(sources.items())],
        "attention": attention,
        # The checks column only when some check failed: most nights it would be empty.
        "with_checks": bool(checked),
    }
    s.summary = (
        "Alla filer laddade utan anmärkning"
        if ok
        else f"{len(refused)} filer vägrade, {fmt_int(rejected)} rader avvisade"
    )
    return s


def data_dates(pub: Published, published_at: dt.datetime) -> list[tuple[str, str]]:
    """The dates the reader needs to judge how fresh the figures are."""
    dates = []
    if pub.has("load_quality"):
        last = pub.one("select max(loaded_at) as t from load_quality")
        if last and last["t"]:
            dates.append(("Senast nya data laddade", fmt_ts(last["t"])))
        snaps = pub.rows(
            "select file_name from load_quality where source = 'avtalsregister' "
            "and status = 'loaded' order by file_name desc limit 1"
        )
        found = re.search(r"\d{4}-\d{2}-\d{2}", snaps[0]["file_name"]) if snaps else None
        if found:
            dates.append(("Avtalsregistrets ögonblicksbild", found.group()))
    dates.append(("Tabellerna publicerade", fmt_ts(published_at)))
    return dates


SECTIONS = [
    section_pipeline,
    section_i1,
    section_benchmark,
    section_i2,
    section_i3,
    section_socioeconomic,
    section_geography,
    section_i4,
    section_process,
    section_suppliers,
    section_quality,
]


def build_report(db_path: Path, published_at: dt.datetime | None = None) -> str:
    """The whole report as one HTML string, from a published indikatorer.duckdb. published_at
    is when its tables were published (by default the file's modification time)."""
    db_path = Path(db_path)
    published_at = published_at or dt.datetime.fromtimestamp(db_path.stat().st_mtime)
    pub = Published(db_path)
    try:
        sections = [build(pub) for build in SECTIONS]
        dates = data_dates(pub, published_at)
    finally:
        pub.close()
    return environment().get_template("report.html").render(sections=sections, dates=dates)


def write_report(marts_dir: Path, published_at: dt.datetime | None = None) -> Path:
    """Write the report beside the published tables, atomically (a reader never sees half)."""
    marts_dir = Path(marts_dir)
    database = marts_dir / PUBLISHED_DB
    if not database.exists():
        raise FileNotFoundError(f"{database} does not exist: run `hansyn refresh` first")
    # Stamped with the publication time of the tables, not the clock: a run that publishes
    # nothing new leaves the report byte for byte as it was.
    text = build_report(database, published_at)
    target = marts_dir / REPORT_FILE
    if target.exists() and target.read_text(encoding="utf-8") == text:
        return target
    temp = marts_dir / f".{REPORT_FILE}.{uuid.uuid4().hex[:8]}"
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, target)
    record_file(marts_dir, REPORT_FILE)  # by hand into a published version: it stays whole
    return target


__all__ = ["REPORT_FILE", "build_report", "write_report"]
