"""The indicator report: one self-contained HTML page (inline CSS, inline SVG) from the published
`indikatorer.duckdb`, for the project office. Plain functions, testable without Dagster.

Every figure comes from the published tables only, so the report can show nothing that an analyst
could not already read there. Person counts are marked `class="pc"` so that the privacy guard can
check them; a suppressed count (NULL) shows as "<5", any other missing value as "–".
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import math
import os
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..config import DBT_PROJECT_DIR
from ..publishing.swap import PUBLISHED_DB

REPORT_FILE = "indikatorrapport.html"

NBSP = "\u00a0"
MISSING = "–"
SUPPRESSED = "<5"
PALETTE = ["#00609d", "#e4572e", "#3c9a5f", "#8e5ea2", "#c99700", "#6b7b8c"]

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
UNKNOWN_AREA = "99"


# --- formatting ---------------------------------------------------------------------------------


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _group(digits: str) -> str:
    sign = "−" if digits.startswith("-") else ""
    digits = digits.lstrip("-")
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return sign + NBSP.join(groups)


def fmt_int(value: float | int | None) -> str:
    """1234 → '1 234' (no-break space), None → '–'."""
    if value is None:
        return MISSING
    return _group(str(int(round(value))))


def fmt_decimal(value: float | None, decimals: int = 1) -> str:
    """Swedish decimal comma: 3.456 → '3,5'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    text = f"{value:.{decimals}f}"
    whole, _, frac = text.partition(".")
    return _group(whole) + ("," + frac if frac else "")


def fmt_share(value: float | None, decimals: int = 0) -> str:
    """A fraction 0–1 as a percentage: 0.456 → '46 %'."""
    if value is None:
        return MISSING
    return fmt_decimal(value * 100, decimals) + NBSP + "%"


def fmt_sek(value: float | None) -> str:
    return MISSING if value is None else fmt_int(value) + NBSP + "kr"


def fmt_sek_short(value: float | None) -> str:
    """For chart labels: 2 093 196 → '2,1 mnkr', 712 746 → '713 tkr'."""
    if value is None:
        return MISSING
    if abs(value) >= 1_000_000:
        return fmt_decimal(value / 1_000_000, 1) + NBSP + "mnkr"
    if abs(value) >= 10_000:
        return fmt_int(value / 1000) + NBSP + "tkr"
    return fmt_int(value) + NBSP + "kr"


def fmt_signed(value: float | None, fmt: Callable[[float], str]) -> str:
    if value is None:
        return MISSING
    return ("+" if value > 0 else "") + fmt(value)


def persons(value: int | None) -> str:
    """A person count: suppressed (NULL) shows as '<5'. Marked for the privacy guard."""
    text = SUPPRESSED if value is None else fmt_int(value)
    return f'<span class="pc">{esc(text)}</span>'


def label(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def metric(name: str, text: str, cls: str = "") -> str:
    """A figure the tests find again by name (data-metric), showing `text`."""
    extra = f" {cls}" if cls else ""
    return f'<span class="figure{extra}" data-metric="{esc(name)}">{text}</span>'


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


# --- reference names (the project's seeds) ------------------------------------------------------


def area_names() -> dict[str, dict[str, str]]:
    """Names of stadsområden and mellanområden from the seeds, keyed by code."""
    names: dict[str, dict[str, str]] = {"stadsomrade": {}, "mellanomrade": {}}
    seeds = DBT_PROJECT_DIR / "seeds"
    try:
        with (seeds / "geography.csv").open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                if row.get("stadsomrade"):
                    names["stadsomrade"][row["stadsomrade"]] = row["stadsomrade_namn"]
                if row.get("mellanomrade"):
                    names["mellanomrade"][row["mellanomrade"]] = row["mellanomrade_namn"]
    except FileNotFoundError:
        pass
    names["stadsomrade"][UNKNOWN_AREA] = "Okänt område"
    names["mellanomrade"][UNKNOWN_AREA] = "Okänt område"
    return names


# --- charts (inline SVG) ------------------------------------------------------------------------


def _nice_step(raw: float) -> float:
    """The smallest of 1, 2, 5 × 10^k at or above raw, so that axis labels are round."""
    if raw <= 0:
        return 1.0
    exponent = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if raw <= multiple * exponent * (1 + 1e-9):
            return multiple * exponent
    return 10 * exponent


def _scale(max_value: float, ticks: int = 5) -> tuple[float, float]:
    """(top, step) of an axis from 0 that holds max_value in about `ticks` round steps."""
    step = _nice_step(max_value / ticks) if max_value > 0 else 1.0
    return step * max(1, math.ceil(max_value / step - 1e-9)), step


def _svg(width: int, height: int, title: str, body: Iterable[str]) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{esc(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{esc(title)}</title>{''.join(body)}</svg>"
    )


def _text(x: float, y: float, text: str, cls: str = "", anchor: str = "start") -> str:
    c = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{c}>{esc(text)}</text>'


@dataclass
class Bar:
    label: str
    value: float | None
    display: str  # what to write beside the bar ("<5", "–", "46 %")
    person_count: bool = False


def hbar_chart(title: str, bars: list[Bar], max_value: float | None = None) -> str:
    """Horizontal bars with their value written at the end; a missing value has no bar."""
    if not bars:
        return ""
    label_w, bar_w, value_w, row_h = 230, 400, 110, 26
    width, height = label_w + bar_w + value_w, row_h * len(bars) + 10
    top = max_value or _scale(max((b.value or 0) for b in bars))[0]
    body = []
    for i, bar in enumerate(bars):
        y = 5 + i * row_h
        body.append(_text(label_w - 8, y + 17, _short(bar.label, 32), "lbl", "end"))
        length = 0.0 if bar.value is None else max(0.0, bar.value) / top * bar_w
        if length > 0:
            body.append(
                f'<rect x="{label_w}" y="{y + 4}" width="{length:.1f}" height="{row_h - 8}" '
                f'fill="{PALETTE[0]}"><title>{esc(bar.label)}: {esc(bar.display)}</title></rect>'
            )
        cls = "val pc" if bar.person_count else "val"
        body.append(_text(label_w + length + 6, y + 17, bar.display, cls))
    return _svg(width, height, title, body)


def _y_axis(
    top: float, step: float, x0: int, x1: int, y0: int, y1: int, fmt: Callable[[float], str]
) -> list[str]:
    parts = []
    for i in range(round(top / step) + 1):
        value = step * i
        y = y1 - (y1 - y0) * value / top
        parts.append(f'<line x1="{x0}" x2="{x1}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(_text(x0 - 6, y + 4, fmt(value), "axis", "end"))
    return parts


def _legend(names: list[str], x: int, y: int) -> list[str]:
    parts, offset = [], 0
    for i, name in enumerate(names):
        colour = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<rect x="{x + offset}" y="{y - 10}" width="12" height="12" fill="{colour}"/>'
        )
        parts.append(_text(x + offset + 16, y, name, "lbl"))
        offset += 26 + 7 * len(name)
    return parts


def line_chart(
    title: str,
    x_labels: list[str],
    series: list[tuple[str, list[float | None]]],
    fmt: Callable[[float], str],
    top: float | None = None,
    target: tuple[float, str] | None = None,
) -> str:
    """A line per series over the x labels (years, waves); a missing value breaks the line."""
    if not x_labels:
        return ""
    width, height = 740, 270
    x0, x1, y0, y1 = 70, width - 40, 36, height - 34
    values = [v for _, vs in series for v in vs if v is not None]
    top, step_y = _scale(top or max(values + [target[0] if target else 0] + [0]))
    step = (x1 - x0) / max(1, len(x_labels) - 1) if len(x_labels) > 1 else 0
    xs = [x0 + step * i if len(x_labels) > 1 else (x0 + x1) / 2 for i in range(len(x_labels))]

    def y_of(v: float) -> float:
        return y1 - (y1 - y0) * max(0.0, min(v, top)) / top

    body = _y_axis(top, step_y, x0, x1, y0, y1, fmt)
    body += [_text(x, y1 + 18, lab, "axis", "middle") for x, lab in zip(xs, x_labels, strict=True)]
    if target:
        ty = y_of(target[0])
        body.append(f'<line x1="{x0}" x2="{x1}" y1="{ty:.1f}" y2="{ty:.1f}" class="target"/>')
        body.append(_text(x1, ty - 5, target[1], "lbl target-lbl", "end"))
    for i, (name, vs) in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        segment: list[str] = []
        segments = []
        for x, v in zip(xs, vs, strict=True):
            if v is None:
                if segment:
                    segments.append(segment)
                segment = []
            else:
                segment.append(f"{x:.1f},{y_of(v):.1f}")
        if segment:
            segments.append(segment)
        for seg in segments:
            body.append(
                f'<polyline points="{" ".join(seg)}" fill="none" stroke="{colour}" '
                'stroke-width="2.5"/>'
            )
        for x, v, lab in zip(xs, vs, x_labels, strict=True):
            if v is not None:
                body.append(
                    f'<circle cx="{x:.1f}" cy="{y_of(v):.1f}" r="4" fill="{colour}">'
                    f"<title>{esc(name)} {esc(lab)}: {esc(fmt(v))}</title></circle>"
                )
        last = [(x, v) for x, v in zip(xs, vs, strict=True) if v is not None]
        if last and len(series) == 1:
            body.append(_text(last[-1][0], y_of(last[-1][1]) - 9, fmt(last[-1][1]), "val", "end"))
    if len(series) > 1 or series[0][0]:
        body += _legend([name for name, _ in series], x0, 16)
    return _svg(width, height, title, body)


def column_chart(
    title: str,
    categories: list[str],
    series: list[tuple[str, list[float | None], list[str]]],
    fmt: Callable[[float], str],
    top: float | None = None,
    whiskers: list[list[tuple[float | None, float | None]]] | None = None,
    person_counts: bool = False,
) -> str:
    """Grouped vertical bars: one group per category, one bar per series, labelled above."""
    if not categories:
        return ""
    width, height = 740, 290
    x0, x1, y0, y1 = 70, width - 10, 40, height - 40
    values = [v for _, vs, _ in series for v in vs if v is not None]
    if whiskers:
        values += [hi for ws in whiskers for _, hi in ws if hi is not None]
    top, step_y = _scale(top or max(values + [0]))
    group_w = (x1 - x0) / len(categories)
    bar_w = min(46.0, (group_w - 14) / len(series))

    def y_of(v: float) -> float:
        return y1 - (y1 - y0) * max(0.0, min(v, top)) / top

    body = _y_axis(top, step_y, x0, x1, y0, y1, fmt)
    for c, category in enumerate(categories):
        gx = x0 + group_w * c + (group_w - bar_w * len(series)) / 2
        body.append(
            _text(x0 + group_w * (c + 0.5), y1 + 18, _short(category, 22), "axis", "middle")
        )
        for s, (name, vs, shown) in enumerate(series):
            v, x = vs[c], gx + s * bar_w
            colour = PALETTE[s % len(PALETTE)]
            if v is not None and v > 0:
                body.append(
                    f'<rect x="{x + 1:.1f}" y="{y_of(v):.1f}" width="{bar_w - 2:.1f}" '
                    f'height="{y1 - y_of(v):.1f}" fill="{colour}"><title>{esc(category)}, '
                    f"{esc(name)}: {esc(shown[c])}</title></rect>"
                )
            if whiskers and whiskers[s][c][0] is not None and whiskers[s][c][1] is not None:
                lo, hi = whiskers[s][c]
                cx = x + bar_w / 2
                body.append(
                    f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{y_of(lo):.1f}" y2="{y_of(hi):.1f}" '
                    'class="whisker"/>'
                )
            label_y = y_of(v if v is not None else 0) - 5
            if whiskers and whiskers[s][c][1] is not None:
                label_y = min(label_y, y_of(whiskers[s][c][1]) - 5)
            cls = "val small pc" if person_counts else "val small"
            body.append(_text(x + bar_w / 2, label_y, shown[c], cls, "middle"))
    if len(series) > 1:
        body += _legend([name for name, _, _ in series], x0, 16)
    return _svg(width, height, title, body)


# A schematic map of the four stadsområden (not to scale): Hisingen north of the river, Nordost
# to the north-east, Centrum in the middle, Sydväst to the south-west.
_MAP_SHAPES = {
    "04": ("40,40 170,22 205,70 190,128 120,150 52,128 28,80", (112, 82)),
    "01": ("210,30 330,24 350,120 300,150 232,138 208,86", (282, 84)),
    "02": ("128,170 196,140 236,150 300,162 318,208 240,232 160,222", (228, 190)),
    "03": ("34,158 118,172 152,228 236,240 220,300 60,300 24,230", (124, 252)),
}


def area_map(title: str, areas: dict[str, dict]) -> str:
    """Each area coloured by placed ÷ expected (blue above its key, orange below), with its
    key and its share of the placed individuals."""
    body = [
        '<path d="M10,150 C70,150 120,160 160,150 S230,128 330,150" class="river"/>',
        _text(12, 142, "Göta älv", "axis"),
    ]
    for code, (points, (cx, cy)) in _MAP_SHAPES.items():
        area = areas.get(code)
        fill = "#d9dde2"
        if area and area.get("ratio") is not None:
            r = max(-0.5, min(0.5, area["ratio"] - 1))
            strength = abs(r) / 0.5
            base = (0, 96, 157) if r >= 0 else (228, 87, 46)
            mix = [round(255 - (255 - c) * (0.25 + 0.75 * strength)) for c in base]
            fill = "#{:02x}{:02x}{:02x}".format(*mix)
        name = area["name"] if area else code
        body.append(
            f'<polygon points="{points}" fill="{fill}" class="area">'
            f"<title>{esc(name)}</title></polygon>"
        )
        body.append(_text(cx, cy - 8, name, "lbl strong", "middle"))
        if area:
            body.append(_text(cx, cy + 8, f"nyckel {area['key']}", "axis", "middle"))
            body.append(_text(cx, cy + 22, f"utfall {area['share']}", "axis", "middle"))
    return _svg(360, 310, title, ['<g class="map">', *body, "</g>"])


# --- HTML pieces --------------------------------------------------------------------------------


# Soft hyphens in long compound words, so that narrow tables (print, laptops) wrap headers.
_SOFT_HYPHENS = {
    "Sysselsättningskrav": "Sysselsättnings\u00adkrav",
    "sysselsättningskrav": "sysselsättnings\u00adkrav",
    "Tjänsteupphandlingar": "Tjänste\u00adupphandlingar",
    "bruttolistan": "brutto\u00adlistan",
    "Förändring": "För\u00adändring",
    "Konfidensintervall": "Konfidens\u00adintervall",
}


def _hyphenate(text: str) -> str:
    for word, hyphenated in _SOFT_HYPHENS.items():
        text = text.replace(word, hyphenated)
    return text


def table(headers: list[str], rows: list[list[str]], numeric_from: int = 1, cls: str = "") -> str:
    """Rows of already formatted (escaped) cells; columns from numeric_from are right-aligned."""
    head = "".join(
        f'<th class="{"num" if i >= numeric_from else ""}">{esc(_hyphenate(h))}</th>'
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"num" if i >= numeric_from else ""}">{c}</td>' for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return (
        f'<div class="tablewrap"><table class="{cls}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def figure(chart: str, caption: str) -> str:
    return f"<figure>{chart}<figcaption>{esc(caption)}</figcaption></figure>" if chart else ""


def headline(name: str, value_html: str, text: str) -> str:
    return (
        f'<div class="card"><div class="big">{metric(name, value_html)}</div>'
        f"<div>{esc(text)}</div></div>"
    )


def not_published(table_name: str) -> str:
    return (
        f'<p class="missing" data-missing="{esc(table_name)}">Tabellen <code>{esc(table_name)}'
        "</code> är inte publicerad ännu: avsnittet fylls i när den finns.</p>"
    )


@dataclass
class Section:
    id: str
    title: str
    body: str
    headline: str = ""  # a short summary for the overview at the top

    def render(self) -> str:
        return f'<section id="{self.id}"><h2>{esc(self.title)}</h2>{self.body}</section>'


def _sum(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _at_least(total: float | None, any_suppressed: bool) -> str:
    """A sum over published cells. With suppressed cells it is only a floor ("minst N"); when
    nothing but suppressed cells is left, the sum is unknown (several cells of 1–4 can make
    more than 4), so it shows as "–", never as a small number."""
    if any_suppressed and not total:
        return MISSING
    return ("minst " if any_suppressed else "") + fmt_int(total)


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


# --- the sections -------------------------------------------------------------------------------


def section_i1(pub: Published) -> Section:
    title = "Indikator 1 – Upphandlingar med social hänsyn"
    if not pub.has("i1_procurement_share"):
        return Section("i1", title, not_published("i1_procurement_share"))
    years = pub.rows(
        "select year, sum(service_procurements) as services, "
        "sum(gross_list_procurements) as gross, sum(with_social_requirement) as social, "
        "sum(with_employment_requirement) as employment, sum(required_places) as places "
        "from i1_procurement_share group by year order by year"
    )
    for y in years:
        y["share_social"] = y["social"] / y["gross"] if y["gross"] else None
        y["share_employment"] = y["employment"] / y["gross"] if y["gross"] else None
    with_list = [y for y in years if y["gross"]]
    parts = [
        "<p>Andelen av stadens tjänsteupphandlingar på bruttolistan (minst fyra månader, mer "
        "än en arbetstagare) som har sociala krav (nivå 1–4) respektive sysselsättningskrav "
        "(nivå 3–4 enligt referenstabellen). Stadens mål: minst hälften av "
        "tjänsteupphandlingarna använder modellen.</p>"
    ]
    summary = ""
    if not with_list:
        parts.append("<p>Inga tjänsteupphandlingar på bruttolistan ännu.</p>")
    else:
        last = with_list[-1]
        y = last["year"]
        parts.append(
            '<div class="cards">'
            + headline(
                "i1.share_employment",
                fmt_share(last["share_employment"]),
                f"med sysselsättningskrav {y} ({fmt_int(last['employment'])} av "
                f"{fmt_int(last['gross'])} på bruttolistan)",
            )
            + headline(
                "i1.share_social",
                fmt_share(last["share_social"]),
                f"med sociala krav {y} ({fmt_int(last['social'])} av {fmt_int(last['gross'])})",
            )
            + headline(
                "i1.required_places",
                fmt_int(last["places"]),
                f"krävda platser för målgrupperna i upphandlingar från {y}",
            )
            + "</div>"
        )
        summary = (
            f"{fmt_share(last['share_employment'])} av tjänsteupphandlingarna på bruttolistan "
            f"hade sysselsättningskrav {y}"
        )
        parts.append(
            figure(
                line_chart(
                    "Andel med krav per år",
                    [str(r["year"]) for r in years],
                    [
                        ("Sysselsättningskrav", [r["share_employment"] for r in years]),
                        ("Sociala krav", [r["share_social"] for r in years]),
                    ],
                    lambda v: fmt_share(v),
                    top=1.0,
                    target=(0.5, "mål 50 %"),
                ),
                "Utveckling över år (år för avtalsstart). Streckad linje: stadens mål.",
            )
        )
        buyers = pub.rows(
            "select buyer_organisation, gross_list_procurements, with_social_requirement, "
            "with_employment_requirement, share_social_requirement, "
            "share_employment_requirement, required_places from i1_procurement_share "
            "where year = ? and gross_list_procurements > 0 "
            "order by share_employment_requirement desc, buyer_organisation",
            [y],
        )
        parts.append(f"<h3>Per beställande organisation {y}</h3>")
        parts.append(
            figure(
                hbar_chart(
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
                ),
                "Andel av beställarens tjänsteupphandlingar på bruttolistan.",
            )
        )
        parts.append(
            table(
                [
                    "Beställare",
                    "På bruttolistan",
                    "Sociala krav",
                    "Sysselsättningskrav",
                    "Andel sysselsättningskrav",
                    "Krävda platser",
                ],
                [
                    [
                        esc(b["buyer_organisation"] or "(okänd)"),
                        fmt_int(b["gross_list_procurements"]),
                        fmt_int(b["with_social_requirement"]),
                        fmt_int(b["with_employment_requirement"]),
                        fmt_share(b["share_employment_requirement"]),
                        fmt_int(b["required_places"]),
                    ]
                    for b in buyers
                ],
            )
        )
    parts.append("<h3>Alla år</h3>")
    parts.append(
        table(
            [
                "År",
                "Tjänsteupphandlingar",
                "På bruttolistan",
                "Sociala krav",
                "Sysselsättningskrav",
                "Andel sociala krav",
                "Andel sysselsättningskrav",
                "Krävda platser",
            ],
            [
                [
                    str(r["year"]),
                    fmt_int(r["services"]),
                    fmt_int(r["gross"]),
                    fmt_int(r["social"]),
                    fmt_int(r["employment"]),
                    fmt_share(r["share_social"]),
                    fmt_share(r["share_employment"]),
                    fmt_int(r["places"]),
                ]
                for r in years
            ],
        )
    )
    parts.append(_bruttolista(pub))
    parts.append(_reconciliation(pub))
    return Section("i1", title, "".join(parts), summary)


def _bruttolista(pub: Published) -> str:
    if not pub.has("bruttolista"):
        return "<h3>Bruttolistan</h3>" + not_published("bruttolista")
    rows = pub.rows(
        "select procurement_type, count(*) as n, "
        "count(*) filter (where has_employment_requirement) as employment, "
        "sum(required_places) filter (where has_employment_requirement) as places "
        "from bruttolista group by procurement_type order by procurement_type"
    )
    total = sum(r["n"] for r in rows)
    return (
        "<h3>Bruttolistan</h3>"
        f"<p>{metric('bruttolista.total', fmt_int(total))} upphandlingar i det aktuella "
        "avtalsregistret står på bruttolistan, alla upphandlingsslag.</p>"
        + table(
            ["Upphandlingsslag", "På bruttolistan", "Med sysselsättningskrav", "Krävda platser"],
            [
                [
                    esc(r["procurement_type"] or "(okänt)"),
                    fmt_int(r["n"]),
                    fmt_int(r["employment"]),
                    fmt_int(r["places"]),
                ]
                for r in rows
            ],
        )
    )


def _reconciliation(pub: Published) -> str:
    if not pub.has("procurement_reconciliation"):
        return "<h3>Avstämning mot annonserade upphandlingar</h3>" + not_published(
            "procurement_reconciliation"
        )
    rows = pub.rows(
        "select year, sum(agency_procurements) as agency, "
        "sum(agency_service_procurements) as services, sum(in_register) as in_register, "
        "sum(missing_from_register) as missing from procurement_reconciliation "
        "group by year order by year"
    )
    return (
        "<h3>Avstämning mot annonserade upphandlingar</h3>"
        "<p>Upphandlingar som stadens organisationer annonserat enligt Upphandlingsmyndighetens "
        "statistik, och hur många av dem som finns i avtalsregistret.</p>"
        + table(
            ["År", "Annonserade", "Varav tjänster", "I avtalsregistret", "Saknas i registret"],
            [
                [
                    str(r["year"]),
                    fmt_int(r["agency"]),
                    fmt_int(r["services"]),
                    fmt_int(r["in_register"]),
                    metric(f"reconciliation.missing.{r['year']}", fmt_int(r["missing"])),
                ]
                for r in rows
            ],
        )
    )


def section_i2(pub: Published) -> Section:
    title = "Indikator 2 – Minskat behov av ersättning"
    if not pub.has("i2_benefit_effects"):
        return Section("i2", title, not_published("i2_benefit_effects"))
    rows = pub.rows(
        "select cohort_year, benefit_type, target_group, individuals, recipients_before, "
        "recipients_after, amount_before_sek, amount_after_sek, change_sek, left_benefit, "
        "annualised_saving_sek from i2_benefit_effects "
        "order by cohort_year, benefit_type, target_group"
    )
    parts = [
        "<p>För varje person med en insats jämförs ersättningarna sex månader före och sex "
        "månader efter startmånaden. Årlig besparing = 2 × (före − efter). Personer räknas bara "
        "för en ersättning när utbetalarens underlag täcker båda fönstren.</p>"
    ]
    if not rows:
        return Section("i2", title, "".join(parts) + "<p>Inga kohorter ännu.</p>")
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
    cards = [
        headline(
            "i2.saving",
            saving_text,
            f"årlig besparing för kohorten {last}, alla ersättningar"
            + (" (*utom grupper med färre än 5 personer)" if suppressed else ""),
        )
    ]
    for b in types:
        of_type = [r for r in latest if r["benefit_type"] == b]
        left = _sum(r["left_benefit"] for r in of_type)
        cards.append(
            headline(
                f"i2.left.{b}",
                '<span class="pc">'
                + esc(_at_least(left, any(r["left_benefit"] is None for r in of_type)))
                + "</span>",
                f"lämnade {b} (kohort {last})",
            )
        )
    parts.append('<div class="cards">' + "".join(cards) + "</div>")
    trend = {
        (y, b): _sum(
            r["annualised_saving_sek"]
            for r in rows
            if r["cohort_year"] == y and r["benefit_type"] == b
        )
        for y in years
        for b in types
    }
    parts.append(
        figure(
            column_chart(
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
            "Summan över målgrupperna; målgrupper med färre än 5 personer ingår inte.",
        )
    )
    parts.append(f"<h3>Kohorten {last} per ersättning och målgrupp</h3>")
    parts.append(
        table(
            [
                "Ersättning",
                "Målgrupp",
                "Personer",
                "Mottagare före",
                "Mottagare efter",
                "Lämnade",
                "Belopp före (kr)",
                "Belopp efter (kr)",
                "Förändring (kr)",
                "Årlig besparing (kr)",
            ],
            [
                [
                    esc(label(r["benefit_type"])),
                    esc(r["target_group"]),
                    persons(r["individuals"]),
                    persons(r["recipients_before"]),
                    persons(r["recipients_after"]),
                    persons(r["left_benefit"]),
                    fmt_int(r["amount_before_sek"]),
                    fmt_int(r["amount_after_sek"]),
                    fmt_signed(r["change_sek"], fmt_int),
                    fmt_int(r["annualised_saving_sek"]),
                ]
                for r in latest
            ],
            numeric_from=2,
            cls="compact",
        )
    )
    summary = f"{saving_text} i årlig besparing för kohorten {last}"
    return Section("i2", title, "".join(parts), summary)


def _breakdown(pub: Published, year: int, column: str, names: dict[str, str]) -> list[Bar]:
    rows = pub.rows(
        f"select {column} as key, sum(placements) as placements, "
        "count(*) filter (where placements is null) as suppressed "
        f"from i3_placements where year = ? group by {column} order by {column}",
        [year],
    )
    return [
        Bar(
            names.get(r["key"], r["key"] or "(okänd)"),
            r["placements"],
            _at_least(r["placements"], r["suppressed"] > 0),
            person_count=True,
        )
        for r in rows
    ]


def section_i3(pub: Published) -> Section:
    title = "Indikator 3 – Individer i arbete"
    if not pub.has("i3_individuals"):
        return Section("i3", title, not_published("i3_individuals"))
    years = pub.rows(
        "select year, individuals, placements, women, men, under_30 from i3_individuals "
        "order by year"
    )
    parts = [
        "<p>Personer som fått en anställning, lärlingsplats, traineeplats, praktik eller "
        "sysselsättning genom ett avtal med sysselsättningskrav, per år då insatsen startade.</p>"
    ]
    summary = ""
    if years:
        last = years[-1]
        y = last["year"]
        parts.append(
            '<div class="cards">'
            + headline("i3.individuals", persons(last["individuals"]), f"personer i arbete {y}")
            + headline("i3.placements", persons(last["placements"]), f"insatser som startade {y}")
            + headline("i3.women", persons(last["women"]), f"kvinnor {y}")
            + headline("i3.men", persons(last["men"]), f"män {y}")
            + headline("i3.under_30", persons(last["under_30"]), f"under 30 år {y}")
            + "</div>"
        )
        shown = SUPPRESSED if last["individuals"] is None else fmt_int(last["individuals"])
        summary = f"{shown} personer i arbete {y}"
        if len(years) > 1:
            before = years[-2]
            was = SUPPRESSED if before["individuals"] is None else fmt_int(before["individuals"])
            summary += f" ({was} år {before['year']})"
        parts.append(
            figure(
                column_chart(
                    "Personer och insatser per år",
                    [str(r["year"]) for r in years],
                    [
                        (
                            "Personer",
                            [r["individuals"] for r in years],
                            [
                                SUPPRESSED
                                if r["individuals"] is None
                                else fmt_int(r["individuals"])
                                for r in years
                            ],
                        ),
                        (
                            "Insatser",
                            [r["placements"] for r in years],
                            [
                                SUPPRESSED if r["placements"] is None else fmt_int(r["placements"])
                                for r in years
                            ],
                        ),
                    ],
                    lambda v: fmt_int(v),
                    person_counts=True,
                ),
                "Utveckling över år (år då insatsen startade).",
            )
        )
        parts.append(
            table(
                ["År", "Personer", "Insatser", "Kvinnor", "Män", "Under 30 år"],
                [
                    [
                        str(r["year"]),
                        persons(r["individuals"]),
                        persons(r["placements"]),
                        persons(r["women"]),
                        persons(r["men"]),
                        persons(r["under_30"]),
                    ]
                    for r in years
                ],
            )
        )
    if not pub.has("i3_placements"):
        parts.append(not_published("i3_placements"))
    else:
        # The newest year may have just begun, with every cell under 5: show the newest year
        # that has anything to show.
        newest = pub.one("select max(year) as year from i3_placements where placements is not null")
        y = newest["year"] if newest else None
    if pub.has("i3_placements") and y is not None:
        names = area_names()["stadsomrade"]
        parts.append(
            f"<h3>Insatser {y} per insatstyp, målgrupp och stadsområde</h3>"
            "<p>Antal insatser. Celler med färre än 5 personer redovisas inte och ingår inte i "
            "summorna: då står ”minst” framför summan, och ”–” när inget annat finns.</p>"
            + figure(
                hbar_chart(f"Insatser per insatstyp {y}", _breakdown(pub, y, "placement_type", {})),
                "Per insatstyp.",
            )
            + figure(
                hbar_chart(f"Insatser per målgrupp {y}", _breakdown(pub, y, "target_group", {})),
                "Per målgrupp vid start.",
            )
            + figure(
                hbar_chart(
                    f"Insatser per stadsområde {y}", _breakdown(pub, y, "stadsomrade", names)
                ),
                "Per stadsområde där personen bodde vid start (Okänt område: ingen inskrivning).",
            )
        )
    return Section("i3", title, "".join(parts), summary)


def section_geography(pub: Published) -> Section:
    title = "Geografisk fördelning – fördelningsnyckeln mot utfallet"
    if not pub.has("geographic_distribution"):
        return Section("geografi", title, not_published("geographic_distribution"))
    names = area_names()
    rows = pub.rows(
        "select year, stadsomrade, key_year, distribution_key, key_complete, placed_individuals, "
        "expected_individuals, deviation, placement_share from geographic_distribution "
        "order by year, stadsomrade"
    )
    parts = [
        "<p>Fördelningsnyckeln är stadsområdets andel av de öppet arbetslösa (senaste "
        "statistikår till och med året). Utfallet är områdets andel av de personer som fått en "
        "insats. Förväntat = nyckeln × alla placerade i de fyra områdena.</p>"
    ]
    if not rows:
        return Section("geografi", title, "".join(parts) + "<p>Inga år ännu.</p>")
    years = sorted({r["year"] for r in rows})
    y = years[-1]
    latest = [r for r in rows if r["year"] == y]
    key_year = latest[0]["key_year"]
    if key_year is None:
        parts.append(
            f'<p class="warn">Ingen fördelningsnyckel för {y}: det finns ingen statistik över '
            "öppet arbetslösa för året eller åren före.</p>"
        )
    elif any(r["key_complete"] is False for r in latest):
        parts.append(
            '<p class="warn">Nyckeln är ofullständig: värden saknas för något primärområde '
            f"statistikåret {esc(key_year)}, så summan (och varje områdes andel) är osäker.</p>"
        )
    stads = names["stadsomrade"]
    map_areas = {
        r["stadsomrade"]: {
            "name": stads.get(r["stadsomrade"], r["stadsomrade"]),
            "key": fmt_share(r["distribution_key"]),
            "share": fmt_share(r["placement_share"]),
            "ratio": (r["placement_share"] / r["distribution_key"])
            if r["placement_share"] is not None and r["distribution_key"]
            else None,
        }
        for r in latest
    }
    parts.append(
        figure(
            column_chart(
                f"Nyckel och utfall per stadsområde {y}",
                [stads.get(r["stadsomrade"], r["stadsomrade"]) for r in latest],
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
                lambda v: fmt_share(v),
            ),
            f"Nyckel (statistikår {key_year if key_year is not None else MISSING}) mot andel "
            f"av placerade {y}.",
        )
    )
    parts.append(
        '<div class="mapgrid">'
        + figure(
            area_map(f"Karta över stadsområdena {y}", map_areas),
            "Schematisk karta. Blått: fler placerade än nyckeln, orange: färre.",
        )
        + table(
            ["Stadsområde", "Nyckel", "Placerade", "Förväntade", "Avvikelse", "Andel av placerade"],
            [
                [
                    esc(stads.get(r["stadsomrade"], r["stadsomrade"])),
                    metric(f"geo.key.{r['stadsomrade']}", fmt_share(r["distribution_key"], 1)),
                    persons(r["placed_individuals"]),
                    fmt_decimal(r["expected_individuals"], 1),
                    fmt_signed(r["deviation"], lambda v: fmt_decimal(v, 1)),
                    metric(f"geo.share.{r['stadsomrade']}", fmt_share(r["placement_share"], 1)),
                ]
                for r in latest
            ],
        )
        + "</div>"
    )
    codes = sorted({r["stadsomrade"] for r in rows})
    parts.append(
        figure(
            _deviation_chart(rows, years, codes, stads),
            "Placerade minus förväntade personer per stadsområde och år (0 = enligt nyckeln).",
        )
    )
    if pub.has("geographic_distribution_mellanomrade"):
        mellan = pub.rows(
            "select mellanomrade, distribution_key, placed_individuals, expected_individuals, "
            "deviation, placement_share from geographic_distribution_mellanomrade "
            "where year = ? order by deviation nulls last, mellanomrade",
            [y],
        )
        mnames = names["mellanomrade"]
        parts.append(f"<h3>Per mellanområde {y}</h3>")
        parts.append(
            table(
                ["Mellanområde", "Nyckel", "Placerade", "Förväntade", "Avvikelse", "Andel"],
                [
                    [
                        esc(f"{r['mellanomrade']} {mnames.get(r['mellanomrade'], '')}".strip()),
                        fmt_share(r["distribution_key"], 1),
                        persons(r["placed_individuals"]),
                        fmt_decimal(r["expected_individuals"], 1),
                        fmt_signed(r["deviation"], lambda v: fmt_decimal(v, 1)),
                        fmt_share(r["placement_share"], 1),
                    ]
                    for r in mellan
                ],
            )
        )
    else:
        parts.append(not_published("geographic_distribution_mellanomrade"))
    shown = [r for r in latest if r["deviation"] is not None]
    below = [r for r in shown if r["deviation"] < 0]
    if below:
        worst = min(below, key=lambda r: r["deviation"])
        summary = (
            f"{stads.get(worst['stadsomrade'], worst['stadsomrade'])} ligger längst under "
            f"nyckeln {y} ({fmt_signed(worst['deviation'], lambda v: fmt_decimal(v, 1))} personer)"
        )
    elif shown:
        summary = f"inget stadsområde ligger under nyckeln {y}"
    else:
        summary = ""
    return Section("geografi", title, "".join(parts), summary)


def _deviation_chart(rows: list[dict], years: list[int], codes: list[str], names: dict) -> str:
    """Placed minus expected per area and year: the trend of the distribution key's outcome."""
    series = []
    for code in codes:
        values = []
        for yr in years:
            row = next((r for r in rows if r["year"] == yr and r["stadsomrade"] == code), None)
            values.append(row["deviation"] if row else None)
        series.append((names.get(code, code), values))
    flat = [abs(v) for _, vs in series for v in vs if v is not None]
    top, step = _scale(max(flat + [0]), ticks=3)
    # Deviations are signed: draw them around a zero line in the middle of the chart.
    width, height = 740, 270
    x0, x1, y0, y1 = 70, width - 40, 36, height - 34
    dx = (x1 - x0) / max(1, len(years) - 1) if len(years) > 1 else 0
    xs = [x0 + dx * i if len(years) > 1 else (x0 + x1) / 2 for i in range(len(years))]
    mid = (y0 + y1) / 2

    def y_of(v: float) -> float:
        return mid - (y1 - y0) / 2 * v / top

    body = []
    n = round(top / step)
    for tick in (step * i for i in range(-n, n + 1)):
        y = y_of(tick)
        body.append(
            f'<line x1="{x0}" x2="{x1}" y1="{y:.1f}" y2="{y:.1f}" '
            f'class="{"zero" if tick == 0 else "grid"}"/>'
        )
        body.append(
            _text(
                x0 - 6,
                y + 4,
                fmt_signed(tick, lambda v: fmt_decimal(v, 0 if step >= 1 else 1)) if tick else "0",
                "axis",
                "end",
            )
        )
    body += [_text(x, y1 + 18, str(yr), "axis", "middle") for x, yr in zip(xs, years, strict=True)]
    for i, (name, values) in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        points = [
            f"{x:.1f},{y_of(v):.1f}" for x, v in zip(xs, values, strict=True) if v is not None
        ]
        if len(points) > 1:
            body.append(
                f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
                'stroke-width="2.5"/>'
            )
        for x, v, yr in zip(xs, values, years, strict=True):
            if v is not None:
                body.append(
                    f'<circle cx="{x:.1f}" cy="{y_of(v):.1f}" r="4" fill="{colour}"><title>'
                    f"{esc(name)} {yr}: {esc(fmt_signed(v, lambda d: fmt_decimal(d, 1)))}"
                    "</title></circle>"
                )
    body += _legend([name for name, _ in series], x0, 16)
    return _svg(width, height, "Placerade minus förväntade per stadsområde och år", body)


def section_i4(pub: Published) -> Section:
    title = "Indikator 4 – Intressenternas syn på modellen"
    if not pub.has("i4_stakeholder_survey"):
        return Section("i4", title, not_published("i4_stakeholder_survey"))
    rows = pub.rows(
        "select wave, role, dimension, respondents, mean_score, share_positive, ci95_low, "
        "ci95_high, change_from_previous_wave from i4_stakeholder_survey order by wave"
    )
    parts = [
        "<p>Enkät till upphandlare, beställare, leverantörer, jobbmäklare och deltagare. Skala "
        "1–5; andel positiva = medelvärde för dimensionen minst 4. Konfidensintervall 95 %.</p>"
    ]
    if not rows:
        return Section("i4", title, "".join(parts) + "<p>Inga svar ännu.</p>")
    waves = sorted({r["wave"] for r in rows})
    wave = waves[-1]
    dims = [d for d in DIMENSIONS if any(r["dimension"] == d for r in rows)]
    dims += sorted({r["dimension"] for r in rows} - set(dims))
    roles = [r for r in ROLES if any(x["role"] == r for x in rows)]
    roles += sorted({x["role"] for x in rows} - set(roles))

    def cell(w: str, role: str, dim: str) -> dict | None:
        return next(
            (r for r in rows if r["wave"] == w and r["role"] == role and r["dimension"] == dim),
            None,
        )

    cards = []
    for d in dims:
        c = cell(wave, "Alla", d)
        cards.append(
            headline(
                f"i4.mean.{d}",
                fmt_decimal(c["mean_score"], 2) if c else MISSING,
                f"{label(d)}, alla roller {wave} "
                f"({fmt_share(c['share_positive']) if c else MISSING} positiva)",
            )
        )
    parts.append('<div class="cards">' + "".join(cards) + "</div>")
    parts.append(
        figure(
            column_chart(
                f"Medelvärde per roll och dimension {wave}",
                roles,
                [
                    (
                        label(d),
                        [(cell(wave, r, d) or {}).get("mean_score") for r in roles],
                        [fmt_decimal((cell(wave, r, d) or {}).get("mean_score"), 1) for r in roles],
                    )
                    for d in dims
                ],
                lambda v: fmt_decimal(v, 0),
                top=5.0,
                whiskers=[
                    [
                        (
                            (cell(wave, r, d) or {}).get("ci95_low"),
                            (cell(wave, r, d) or {}).get("ci95_high"),
                        )
                        for r in roles
                    ]
                    for d in dims
                ],
            ),
            "Medelvärde 1–5 med 95 % konfidensintervall. Roller med färre än 5 svarande "
            "visas inte.",
        )
    )
    parts.append(
        figure(
            line_chart(
                "Medelvärde per omgång, alla roller",
                waves,
                [
                    (label(d), [(cell(w, "Alla", d) or {}).get("mean_score") for w in waves])
                    for d in dims
                ],
                lambda v: fmt_decimal(v, 0),
                top=5.0,
            ),
            "Utveckling mellan enkätomgångarna, alla roller tillsammans.",
        )
    )
    parts.append(f"<h3>Omgång {esc(wave)} per roll</h3>")
    parts.append(
        table(
            [
                "Roll",
                "Dimension",
                "Svarande",
                "Medelvärde",
                "Andel positiva",
                "Konfidensintervall",
                "Förändring",
            ],
            [
                [
                    esc(r),
                    esc(label(d)),
                    persons(c["respondents"]),
                    fmt_decimal(c["mean_score"], 2),
                    fmt_share(c["share_positive"]),
                    (
                        f"{fmt_decimal(c['ci95_low'], 2)}–{fmt_decimal(c['ci95_high'], 2)}"
                        if c["ci95_low"] is not None and c["ci95_high"] is not None
                        else MISSING
                    ),
                    fmt_signed(c["change_from_previous_wave"], lambda v: fmt_decimal(v, 2)),
                ]
                for r in roles
                for d in dims
                if (c := cell(wave, r, d)) is not None
            ],
            numeric_from=2,
        )
    )
    alla = cell(wave, "Alla", dims[0]) if dims else None
    summary = f"{label(dims[0])} {fmt_decimal(alla['mean_score'], 2)} av 5 ({wave})" if alla else ""
    return Section("i4", title, "".join(parts), summary)


def section_process(pub: Published) -> Section:
    title = "Processynk – krav, anvisningar och tillsättningar"
    if not pub.has("process_sync"):
        return Section("process", title, not_published("process_sync"))
    rows = pub.rows(
        "select procurement_id, buyer_organisation, supplier_name, contract_start, contract_end, "
        "required_places, placed_individuals, fill_rate, referred_candidates, "
        "first_placement_date, days_to_first_placement, status from process_sync "
        "order by status, procurement_id"
    )
    parts = [
        "<p>Varje upphandling med sysselsättningskrav: krävda platser, anvisade kandidater och "
        "tillsatta personer. Avtal, inte personer: småtalsregeln gäller inte här.</p>"
    ]
    counts = {s: sum(1 for r in rows if r["status"] == s) for s, _ in SYNC_STATUS}
    required = _sum(r["required_places"] for r in rows)
    placed = _sum(r["placed_individuals"] for r in rows)
    days = sorted(
        r["days_to_first_placement"] for r in rows if r["days_to_first_placement"] is not None
    )
    median = None
    if days:
        mid = len(days) // 2
        median = days[mid] if len(days) % 2 else (days[mid - 1] + days[mid]) / 2
    parts.append(
        '<div class="cards">'
        + "".join(
            headline(f"process.status.{s}", fmt_int(counts[s]), f"avtal: {name.lower()}")
            for s, name in SYNC_STATUS
        )
        + headline(
            "process.placed", fmt_int(placed), f"tillsatta av {fmt_int(required)} krävda platser"
        )
        + headline(
            "process.median_days",
            fmt_decimal(median, 0) if median is not None else MISSING,
            "dagar (median) från avtalsstart till första tillsättning",
        )
        + "</div>"
    )
    parts.append(
        figure(
            hbar_chart(
                "Avtal per status",
                [Bar(name, counts[s], fmt_int(counts[s])) for s, name in SYNC_STATUS],
            ),
            "Uppfyllt: minst så många tillsatta som krävda platser. Pågår: avtalet löper.",
        )
    )
    buyers: dict[str, dict] = {}
    for r in rows:
        b = buyers.setdefault(
            r["buyer_organisation"] or "(okänd)", {"n": 0, "req": 0, "placed": 0, "ej": 0}
        )
        b["n"] += 1
        b["req"] += r["required_places"] or 0
        b["placed"] += r["placed_individuals"] or 0
        b["ej"] += r["status"] == "ej uppfyllt"
    parts.append("<h3>Per beställare</h3>")
    parts.append(
        table(
            ["Beställare", "Avtal", "Krävda platser", "Tillsatta", "Fyllnadsgrad", "Ej uppfyllda"],
            [
                [
                    esc(name),
                    fmt_int(b["n"]),
                    fmt_int(b["req"]),
                    fmt_int(b["placed"]),
                    fmt_share(b["placed"] / b["req"]) if b["req"] else MISSING,
                    fmt_int(b["ej"]),
                ]
                for name, b in sorted(buyers.items())
            ],
        )
    )
    failing = [r for r in rows if r["status"] == "ej uppfyllt"]
    if failing:
        parts.append("<h3>Avslutade avtal där kravet inte uppfylldes</h3>")
        parts.append(
            table(
                [
                    "Upphandling",
                    "Beställare",
                    "Leverantör",
                    "Avtalsslut",
                    "Krävda",
                    "Tillsatta",
                    "Anvisade",
                ],
                [
                    [
                        esc(r["procurement_id"]),
                        esc(r["buyer_organisation"] or ""),
                        esc(r["supplier_name"] or ""),
                        esc(r["contract_end"] or MISSING),
                        fmt_int(r["required_places"]),
                        fmt_int(r["placed_individuals"]),
                        fmt_int(r["referred_candidates"]),
                    ]
                    for r in failing
                ],
                numeric_from=4,
            )
        )
    summary = f"{fmt_int(counts['uppfyllt'])} av {fmt_int(len(rows))} avtal har uppfyllt kravet"
    return Section("process", title, "".join(parts), summary)


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
    title = "Datakvalitet – senaste laddningen"
    if not pub.has("load_quality"):
        return Section("kvalitet", title, not_published("load_quality"))
    rows = latest_loads(pub)
    refused = [r for r in rows if r["status"] == "refused"]
    rejected = sum(r["rows_rejected"] or 0 for r in rows)
    loaded = sum(1 for r in rows if r["status"] == "loaded")
    duplicates = sum(1 for r in rows if r["status"] == "duplicate")
    checked = [r for r in rows if r["checks_failed"]]
    ok = not refused and not rejected and not checked
    if ok:
        status = (
            '<p class="ok">Alla filer laddades utan avvisade rader och klarade kontrollerna.</p>'
        )
    else:
        status = (
            f'<p class="warn">{len(refused)} filer vägrades, {fmt_int(rejected)} rader '
            f"avvisades och {len(checked)} filer fick anmärkningar i kvalitetskontrollerna. "
            "Avvisade rader finns med fil, radnummer och orsak i lagret (audit.rejected_rows).</p>"
        )
    sources: dict[str, dict] = {}
    for r in rows:
        s = sources.setdefault(
            r["source"],
            {"files": 0, "loaded": 0, "refused": 0, "duplicate": 0, "rows": 0, "rej": 0, "chk": 0},
        )
        s["files"] += 1
        s[r["status"]] = s.get(r["status"], 0) + 1
        s["rows"] += r["rows_loaded"] or 0
        s["rej"] += r["rows_rejected"] or 0
        s["chk"] += 1 if r["checks_failed"] else 0
    parts = [
        status,
        '<div class="cards">'
        + headline("quality.loaded", fmt_int(loaded), "filer laddade")
        + headline("quality.refused", fmt_int(len(refused)), "filer vägrade")
        + headline("quality.duplicates", fmt_int(duplicates), "dubbletter (räknas inte två gånger)")
        + headline(
            "quality.rows_loaded",
            fmt_int(sum(r["rows_loaded"] or 0 for r in rows)),
            "rader laddade",
        )
        + headline("quality.rows_rejected", fmt_int(rejected), "rader avvisade")
        + "</div>",
        "<h3>Per källa</h3>",
        table(
            [
                "Källa",
                "Filer",
                "Laddade",
                "Vägrade",
                "Dubbletter",
                "Rader laddade",
                "Rader avvisade",
                "Filer med anmärkning",
            ],
            [
                [
                    esc(SOURCE_LABELS.get(name, name)),
                    fmt_int(s["files"]),
                    fmt_int(s["loaded"]),
                    fmt_int(s["refused"]),
                    fmt_int(s["duplicate"]),
                    fmt_int(s["rows"]),
                    fmt_int(s["rej"]),
                    fmt_int(s["chk"]),
                ]
                for name, s in sorted(sources.items())
            ],
        ),
    ]
    attention = [
        r for r in rows if r["status"] != "loaded" or r["rows_rejected"] or r["checks_failed"]
    ]
    if attention:
        parts.append("<h3>Filer att titta på</h3>")
        # The checks column only when some check failed: most nights it would be empty.
        with_checks = bool(checked)
        headers = ["Källa", "Fil", "Status", "Meddelande"]
        headers += ["Kontroller"] if with_checks else []
        headers += ["Laddad", "Avvisade rader"]
        body = []
        for r in attention:
            row = [
                esc(SOURCE_LABELS.get(r["source"], r["source"])),
                esc(r["file_name"]),
                f'<span class="status-{esc(r["status"])}">'
                f"{esc(LOAD_STATUS.get(r['status'], r['status']))}</span>",
                f'<span class="msg">{esc(r["message"] or "")}</span>',
            ]
            if with_checks:
                row.append(f'<span class="msg">{esc(r["checks_failed"] or "")}</span>')
            row += [f'<span class="nowrap">{esc(_fmt_ts(r["loaded_at"]))}</span>']
            row += [fmt_int(r["rows_rejected"])]
            body.append(row)
        parts.append(table(headers, body, numeric_from=len(headers) - 1, cls="compact"))
    summary = (
        "Alla filer laddade utan anmärkning"
        if ok
        else f"{len(refused)} filer vägrade, {fmt_int(rejected)} rader avvisade"
    )
    return Section("kvalitet", title, "".join(parts), summary)


def _fmt_ts(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value) if value is not None else MISSING


def data_dates(pub: Published) -> list[tuple[str, str]]:
    """The dates the reader needs to judge how fresh the figures are."""
    dates = []
    if pub.has("load_quality"):
        last = pub.one("select max(loaded_at) as t from load_quality")
        if last and last["t"]:
            dates.append(("Senast nya data laddade", _fmt_ts(last["t"])))
        snaps = pub.rows(
            "select file_name from load_quality where source = 'avtalsregister' "
            "and status = 'loaded' order by file_name desc limit 1"
        )
        found = re.search(r"\d{4}-\d{2}-\d{2}", snaps[0]["file_name"]) if snaps else None
        if found:
            dates.append(("Avtalsregistrets ögonblicksbild", found.group()))
    published = dt.datetime.fromtimestamp(pub.path.stat().st_mtime)
    dates.append(("Tabellerna publicerade", _fmt_ts(published)))
    return dates


SECTIONS = [
    section_i1,
    section_i2,
    section_i3,
    section_geography,
    section_i4,
    section_process,
    section_quality,
]

CSS = """
:root { --blue: #00609d; --ink: #1d2730; --muted: #5b6770; --line: #d5dbe0; --bg: #f5f7f9; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1120px; padding: 1.5rem 1.5rem 3rem; color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
header { border-bottom: 4px solid var(--blue); margin-bottom: 1rem; }
h1 { font-size: 1.7rem; margin: 0 0 .3rem; }
h2 { font-size: 1.3rem; color: var(--blue); border-bottom: 1px solid var(--line);
  padding-bottom: .2rem; margin-top: 2.2rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
.meta { color: var(--muted); display: flex; flex-wrap: wrap; gap: .3rem 1.5rem;
  margin: .4rem 0 1rem; }
.meta b { color: var(--ink); font-weight: 600; }
nav ol { columns: 2; margin: .3rem 0 1rem; padding-left: 1.2rem; }
nav a { color: var(--blue); }
.overview { display: grid; grid-template-columns: repeat(auto-fit, minmax(240px, 1fr)); gap: .6rem;
  padding: 0; list-style: none; }
.overview li { background: var(--bg); border-left: 4px solid var(--blue); padding: .5rem .7rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: .7rem;
  margin: .8rem 0; }
.card { background: var(--bg); border-radius: 6px; padding: .6rem .8rem; }
.card .big { font-size: 1.7rem; font-weight: 700; color: var(--blue); line-height: 1.2; }
figure { margin: 1rem 0; }
figcaption { color: var(--muted); font-size: .85rem; }
svg.chart { width: 100%; height: auto; max-width: 760px; display: block; }
svg text { font: 12px system-ui, sans-serif; fill: var(--ink); }
svg text.axis { fill: var(--muted); font-size: 11px; }
svg text.val { font-weight: 600; }
svg text.small { font-size: 10.5px; }
svg text.strong { font-weight: 700; }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .zero { stroke: var(--muted); stroke-width: 1.2; }
svg .target { stroke: #c0392b; stroke-dasharray: 6 4; stroke-width: 1.5; }
svg text.target-lbl { fill: #c0392b; }
svg .whisker { stroke: var(--ink); stroke-width: 1.5; }
svg .river { stroke: #7fb2d9; stroke-width: 6; fill: none; }
svg .area { stroke: #fff; stroke-width: 3; }
svg.chart .map text { paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.mapgrid { display: grid; grid-template-columns: minmax(260px, 340px) 1fr; gap: 1rem;
  align-items: start; }
@media (max-width: 800px) { .mapgrid { grid-template-columns: 1fr; } }
.tablewrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .9rem; }
th, td { padding: .3rem .5rem; border-bottom: 1px solid var(--line); text-align: left;
  vertical-align: top; }
th { background: var(--bg); font-weight: 600; white-space: normal; vertical-align: bottom; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
table.compact { font-size: .82rem; }
table.compact th, table.compact td { padding: .25rem .35rem; }
td.num { white-space: nowrap; }
.msg { color: var(--muted); font-size: .85rem; }
.nowrap { white-space: nowrap; }
.ok { background: #e6f4ea; border-left: 4px solid #3c9a5f; padding: .5rem .8rem; }
.warn { background: #fdf0e6; border-left: 4px solid #e4572e; padding: .5rem .8rem; }
.missing { background: var(--bg); border: 1px dashed var(--line); padding: .6rem .8rem;
  color: var(--muted); }
.status-refused { color: #b3261e; font-weight: 600; }
.status-duplicate { color: var(--muted); }
footer { margin-top: 2.5rem; border-top: 1px solid var(--line); color: var(--muted);
  font-size: .85rem; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav { display: none; }
  h2 { break-after: avoid; margin-top: 1.2rem; }
  section { break-before: page; }
  section:first-of-type { break-before: auto; }
  figure, .card, tr, .cards { break-inside: avoid; }
  .card { border: 1px solid var(--line); }
  a { color: inherit; text-decoration: none; }
  .tablewrap { overflow: visible; }
  table { font-size: 8.5pt; }
  table.compact { font-size: 7.5pt; }
  svg.chart { max-width: 100%; }
}
"""


def build_report(db_path: Path, generated_at: dt.datetime | None = None) -> str:
    """The whole report as one HTML string, from a published indikatorer.duckdb."""
    generated_at = generated_at or dt.datetime.now()
    pub = Published(db_path)
    try:
        sections = [build(pub) for build in SECTIONS]
        dates = data_dates(pub)
    finally:
        pub.close()
    dates.append(("Tabellerna publicerade", _fmt_ts(generated_at)))
    meta = "".join(f'<span>{esc(k)}: <b data-date="{esc(k)}">{esc(v)}</b></span>' for k, v in dates)
    nav = "".join(f'<li><a href="#{s.id}">{esc(s.title)}</a></li>' for s in sections)
    overview = "".join(
        f'<li><a href="#{s.id}">{esc(s.title.split(" – ")[0])}</a>: {esc(s.headline)}</li>'
        for s in sections
        if s.headline
    )
    return (
        '<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Social hänsyn i upphandling – indikatorrapport</title>"
        f"<style>{CSS}</style></head><body>"
        "<header><h1>Social hänsyn i upphandling – indikatorrapport</h1>"
        f'<div class="meta">{meta}</div></header>'
        f'<nav aria-label="Innehåll"><ol>{nav}</ol></nav>'
        f'<h2 id="sammanfattning">Sammanfattning</h2><ul class="overview">{overview}</ul>'
        + "".join(s.render() for s in sections)
        + "<footer><p><b>Om siffrorna.</b> Alla siffror kommer från de publicerade tabellerna i "
        "indikatorer.duckdb. Småtalsregeln: antal personer från 1 till 4 redovisas inte "
        f"(visas som ”{SUPPRESSED}”), och inte heller summor, medelvärden eller andelar som "
        f"bygger på så få personer. ”{MISSING}” betyder att värdet saknas eller inte kan "
        "beräknas (till exempel en andel när nämnaren är noll). Noll visas som 0.</p></footer>"
        "</body></html>"
    )


def write_report(marts_dir: Path, generated_at: dt.datetime | None = None) -> Path:
    """Write the report beside the published tables, atomically (a reader never sees half)."""
    marts_dir = Path(marts_dir)
    database = marts_dir / PUBLISHED_DB
    if not database.exists():
        raise FileNotFoundError(f"{database} does not exist: run `hansyn refresh` first")
    # Stamped with the publication time of the tables, not the clock: a run that publishes
    # nothing new leaves the report byte for byte as it was.
    generated_at = generated_at or dt.datetime.fromtimestamp(database.stat().st_mtime)
    text = build_report(database, generated_at)
    target = marts_dir / REPORT_FILE
    if target.exists() and target.read_text(encoding="utf-8") == text:
        return target
    temp = marts_dir / f".{REPORT_FILE}.{uuid.uuid4().hex[:8]}"
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, target)
    return target


__all__ = ["REPORT_FILE", "build_report", "write_report"]
