"""Charts as inline SVG, rendered on the server: no JavaScript library, no network.

Every label is escaped here, because the result is inserted into pages as markup.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from markupsafe import Markup, escape

PALETTE = {
    "created": "#2e7d32",
    "updated": "#1565c0",
    "archived": "#6d4c41",
    "rejected": "#c62828",
    "cpu": "#1565c0",
    "bar": "#5c6bc0",
}
FONT = 'font-family="system-ui, sans-serif" font-size="11"'


def nice_max(value: float) -> float:
    """The smallest 1/2/5 × 10^n at or above `value`, so axes get round ticks."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _svg(width: int, height: int, label: str, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" role="img" aria-label="{escape(label)}">'
        f"<title>{escape(label)}</title>"
    )
    return Markup(head + "".join(body) + "</svg>")  # every interpolated text is escaped by the callers


def _y_axis(left: int, top: int, plot_w: int, plot_h: int, y_max: float, unit: str) -> list[str]:
    parts = []
    for i in range(5):
        value = y_max * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e0e0e0"/>')
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555" {FONT}>'
            f"{escape(_number(value))}{escape(unit)}</text>"
        )
    return parts


def line_chart(
    points: Sequence[tuple[datetime, float]],
    label: str,
    unit: str = "",
    y_max: float | None = None,
    width: int = 720,
    height: int = 220,
) -> Markup:
    """A time series: `points` are (time, value), any order."""
    left, right, top, bottom = 48, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    ordered = sorted(points)
    top_value = y_max if y_max is not None else nice_max(max((v for _, v in ordered), default=0.0))
    body = _y_axis(left, top, plot_w, plot_h, top_value, unit)
    if not ordered:
        body.append(f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle" {FONT}>no data</text>')
        return _svg(width, height, label, body)
    start, end = ordered[0][0], ordered[-1][0]
    span = max((end - start).total_seconds(), 1.0)

    def xy(moment: datetime, value: float) -> tuple[float, float]:
        x = left + plot_w * (moment - start).total_seconds() / span if len(ordered) > 1 else left + plot_w / 2
        y = top + plot_h - plot_h * min(value, top_value) / top_value
        return x, y

    coords = [xy(t, v) for t, v in ordered]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    body.append(f'<polyline points="{path}" fill="none" stroke="{PALETTE["cpu"]}" stroke-width="2"/>')
    for (moment, value), (x, y) in zip(ordered, coords, strict=True):
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{PALETTE["cpu"]}">'
            f"<title>{escape(moment.strftime('%H:%M'))} UTC: {escape(_number(value))}{escape(unit)}</title></circle>"
        )
    for moment in (start, end) if len(ordered) > 1 else (start,):
        x, _ = xy(moment, 0)
        anchor = "start" if moment == start else "end"
        body.append(
            f'<text x="{x:.1f}" y="{height - 8}" text-anchor="{anchor}" fill="#555" {FONT}>'
            f"{escape(moment.strftime('%H:%M'))} UTC</text>"
        )
    return _svg(width, height, label, body)


def stacked_bars(
    bars: Sequence[tuple[str, dict[str, int]]],
    series: Sequence[str],
    label: str,
    width: int = 720,
    height: int = 240,
) -> Markup:
    """One bar per item (oldest left), stacked by `series`; hover a segment for its numbers."""
    left, right, top, bottom = 56, 12, 28, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(values.get(s, 0) for s in series) for _, values in bars]
    top_value = nice_max(max(totals, default=0))
    body = _y_axis(left, top, plot_w, plot_h, top_value, "")
    for i, name in enumerate(series):  # legend
        legend_x = left + i * 110
        body.append(f'<rect x="{legend_x}" y="6" width="10" height="10" fill="{PALETTE.get(name, PALETTE["bar"])}"/>')
        body.append(f'<text x="{legend_x + 14}" y="15" fill="#333" {FONT}>{escape(name)}</text>')
    if not bars:
        body.append(f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle" {FONT}>no runs</text>')
        return _svg(width, height, label, body)
    slot = plot_w / len(bars)
    bar_w = max(min(slot * 0.7, 40), 2)
    for i, (name, values) in enumerate(bars):
        x = left + slot * i + (slot - bar_w) / 2
        y: float = top + plot_h
        for serie in series:
            value = values.get(serie, 0)
            if value <= 0:
                continue
            h = plot_h * value / top_value
            y -= h
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE.get(serie, PALETTE["bar"])}"><title>{escape(name)}: '
                f"{escape(_number(value))} {escape(serie)}</title></rect>"
            )
        if totals[i] > 0:  # the total on top: small bars stay readable next to big ones
            body.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" fill="#333" {FONT}>'
                f"{escape(_number(totals[i]))}</text>"
            )
    for i in sorted({0, len(bars) - 1}):
        anchor = "start" if i == 0 else "end"
        x = left + slot * i + (0 if i == 0 else slot)
        body.append(
            f'<text x="{x:.1f}" y="{height - 8}" text-anchor="{anchor}" fill="#555" {FONT}>{escape(bars[i][0])}</text>'
        )
    return _svg(width, height, label, body)


def horizontal_bars(items: Sequence[tuple[str, float]], label: str, unit: str = "", width: int = 720) -> Markup:
    """One labelled bar per item, longest first as given."""
    row_h, left, right = 22, 260, 80
    height = max(row_h * len(items) + 8, 30)
    plot_w = width - left - right
    top_value = max((v for _, v in items), default=0.0) or 1.0
    body: list[str] = []
    for i, (name, value) in enumerate(items):
        y = 4 + i * row_h
        shown = name if len(name) <= 40 else name[:39] + "…"
        w = max(plot_w * value / top_value, 1.0)
        body.append(
            f'<text x="{left - 8}" y="{y + 14}" text-anchor="end" fill="#333" {FONT}>{escape(shown)}'
            f"<title>{escape(name)}</title></text>"
        )
        body.append(f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{PALETTE["bar"]}"/>')
        value_text = f"{escape(_number(value))}{escape(unit)}"
        body.append(f'<text x="{left + w + 6:.1f}" y="{y + 14}" fill="#333" {FONT}>{value_text}</text>')
    if not items:
        body.append(f'<text x="{width / 2}" y="20" text-anchor="middle" {FONT}>nothing to show</text>')
    return _svg(width, height, label, body)
