"""Small charts drawn on the server as SVG: readable without JavaScript, printable, with text alternatives."""
from __future__ import annotations

from xml.sax.saxutils import escape

COLOURS = ["#0b4f8a", "#c4a000", "#a4161a", "#1e6b36", "#7a4b00", "#6b2fa0"]


def bars(labels: list[str], series: list[tuple[str, list[float]]], title: str, width: int = 640) -> str:
    """Grouped horizontal bars: one group per label, one bar per series."""
    row_h, bar_h, left = 14 * len(series) + 12, 12, 170
    height = 40 + row_h * len(labels) + 24
    top = max([v for _, values in series for v in values] + [1])
    scale = (width - left - 60) / top
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>',
             f'<text x="0" y="18" font-size="15" font-weight="700">{escape(title)}</text>']
    for i, label in enumerate(labels):
        y = 36 + i * row_h
        parts.append(f'<text x="{left - 8}" y="{y + row_h / 2}" font-size="12" text-anchor="end">{escape(label)}</text>')
        for j, (_, values) in enumerate(series):
            value = values[i]
            w = max(value * scale, 0)
            parts.append(f'<rect x="{left}" y="{y + j * 14}" width="{w:.1f}" height="{bar_h}" fill="{COLOURS[j % 6]}"/>')
            parts.append(f'<text x="{left + w + 4:.1f}" y="{y + j * 14 + 10}" font-size="11">{value:g}</text>')
    legend_y = height - 10
    for j, (name, _) in enumerate(series):
        x = left + j * 160
        parts.append(f'<rect x="{x}" y="{legend_y - 10}" width="12" height="12" fill="{COLOURS[j % 6]}"/>')
        parts.append(f'<text x="{x + 16}" y="{legend_y}" font-size="12">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def lines(series: list[tuple[str, list[tuple[int, float]]]], title: str, width: int = 640, height: int = 260) -> str:
    """Time series by year (survey indicators)."""
    years = sorted({y for _, points in series for y, _ in points}) or [0]
    values = [v for _, points in series for _, v in points] or [0]
    low, high = 0, max(max(values), 1)
    left, right, top, bottom = 40, 20, 30, 60
    x_of = (lambda y: left + (width - left - right) * (years.index(y) / max(len(years) - 1, 1)))
    y_of = (lambda v: top + (height - top - bottom) * (1 - (v - low) / (high - low)))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>',
             f'<text x="0" y="18" font-size="15" font-weight="700">{escape(title)}</text>',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="#888"/>']
    for y in years:
        parts.append(f'<text x="{x_of(y):.1f}" y="{height - bottom + 16}" font-size="11" text-anchor="middle">{y}</text>')
    for j, (name, points) in enumerate(series):
        coords = " ".join(f"{x_of(y):.1f},{y_of(v):.1f}" for y, v in sorted(points))
        parts.append(f'<polyline points="{coords}" fill="none" stroke="{COLOURS[j % 6]}" stroke-width="2.5"/>')
        for y, v in points:
            parts.append(f'<circle cx="{x_of(y):.1f}" cy="{y_of(v):.1f}" r="3.5" fill="{COLOURS[j % 6]}"/>')
        parts.append(f'<text x="{left + (j % 2) * 300}" y="{height - 22 + (j // 2) * 14}" font-size="11" '
                     f'fill="{COLOURS[j % 6]}">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
