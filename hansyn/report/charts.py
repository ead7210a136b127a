"""The report's charts as inline SVG (no script, no external file): horizontal bars, lines over
years, grouped columns, the signed deviation trend and the schematic map of the stadsområden.

Each function takes values already read from the published tables and the texts to write on the
chart, and returns the SVG as markup safe to put in a template; every text in it is escaped."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape

from .formatting import fmt_decimal, fmt_signed, short

PALETTE = ["#00609d", "#e4572e", "#3c9a5f", "#8e5ea2", "#c99700", "#6b7b8c"]


def esc(value: object) -> str:
    return str(escape(value))


def _nice_step(raw: float) -> float:
    """The smallest of 1, 2, 5 × 10^k at or above raw, so that axis labels are round."""
    if raw <= 0:
        return 1.0
    exponent = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if raw <= multiple * exponent * (1 + 1e-9):
            return multiple * exponent
    return 10 * exponent


def scale(max_value: float, ticks: int = 5) -> tuple[float, float]:
    """(top, step) of an axis from 0 that holds max_value in about `ticks` round steps."""
    step = _nice_step(max_value / ticks) if max_value > 0 else 1.0
    return step * max(1, math.ceil(max_value / step - 1e-9)), step


def _svg(width: int, height: int, title: str, body: Iterable[str]) -> Markup:
    return Markup(
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


def hbar_chart(title: str, bars: list[Bar], max_value: float | None = None) -> Markup:
    """Horizontal bars with their value written at the end; a missing value has no bar."""
    if not bars:
        return Markup("")
    label_w, bar_w, value_w, row_h = 230, 400, 110, 26
    width, height = label_w + bar_w + value_w, row_h * len(bars) + 10
    top = max_value or scale(max((b.value or 0) for b in bars))[0]
    body = []
    for i, bar in enumerate(bars):
        y = 5 + i * row_h
        body.append(_text(label_w - 8, y + 17, short(bar.label, 32), "lbl", "end"))
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
) -> Markup:
    """A line per series over the x labels (years, waves); a missing value breaks the line."""
    if not x_labels:
        return Markup("")
    width, height = 740, 270
    x0, x1, y0, y1 = 70, width - 40, 36, height - 34
    values = [v for _, vs in series for v in vs if v is not None]
    top, step_y = scale(top or max(values + [target[0] if target else 0] + [0]))
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
) -> Markup:
    """Grouped vertical bars: one group per category, one bar per series, labelled above."""
    if not categories:
        return Markup("")
    width, height = 740, 290
    x0, x1, y0, y1 = 70, width - 10, 40, height - 40
    values = [v for _, vs, _ in series for v in vs if v is not None]
    if whiskers:
        values += [hi for ws in whiskers for _, hi in ws if hi is not None]
    top, step_y = scale(top or max(values + [0]))
    group_w = (x1 - x0) / len(categories)
    bar_w = min(46.0, (group_w - 14) / len(series))

    def y_of(v: float) -> float:
        return y1 - (y1 - y0) * max(0.0, min(v, top)) / top

    body = _y_axis(top, step_y, x0, x1, y0, y1, fmt)
    for c, category in enumerate(categories):
        gx = x0 + group_w * c + (group_w - bar_w * len(series)) / 2
        body.append(_text(x0 + group_w * (c + 0.5), y1 + 18, short(category, 22), "axis", "middle"))
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


def area_map(title: str, areas: dict[str, dict]) -> Markup:
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


def deviation_chart(
    title: str, years: list[int], series: list[tuple[str, list[float | None]]]
) -> Markup:
    """Placed minus expected per area and year: the trend of the distribution key's outcome."""
    flat = [abs(v) for _, vs in series for v in vs if v is not None]
    top, step = scale(max(flat + [0]), ticks=3)
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
    return _svg(width, height, title, body)
