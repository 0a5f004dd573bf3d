"""Plots as inline SVG strings: no plotting library, no script, no network, so a report opens anywhere.

Every plot is an ``<svg class="plot">`` with a ``<title>`` per mark (the browser shows it as a tooltip).
Values are fractions (0.25 = 25%); NaN bounds draw a dot without whiskers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#eeca3b", "#9d755d")
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


@dataclass(frozen=True)
class Interval:
    label: str
    value: float
    lo: float = math.nan
    hi: float = math.nan
    color: str = PALETTE[0]
    note: str = ""  # appended to the tooltip


def _ok(x: float | None) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def _pct(x: float, signed: bool = False) -> str:
    return f"{x * 100:+.0f}%" if signed else f"{x * 100:.0f}%"


CHAR_W = 7.2  # upper bound of a 12px system-ui character's width (digits and lower case), for label room
PLOT_W = 420  # the drawing area right of the labels


def fit_labels(labels: Sequence[str], label_width: int | None, width: int) -> tuple[int, int]:
    """(label width, total width) so that the longest label fits left of the axis (long model names were
    clipped at the left edge): at least ``label_width``, and the plot area keeps ``PLOT_W``."""
    need = int(max((len(label) for label in labels), default=0) * CHAR_W) + 16
    lw = max(label_width or 120, need)
    return lw, max(width, lw + PLOT_W)


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (f'<svg class="plot" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" {FONT}>'
            f'<title>{escape(title)}</title>{"".join(body)}</svg>')


def _axis(x0: float, x1: float, top: int, bottom: int, lo: float, hi: float, signed: bool) -> list[str]:
    out = []
    steps = 4 if hi - lo <= 1 else 8
    for i in range(steps + 1):
        v = lo + (hi - lo) * i / steps
        x = x0 + (x1 - x0) * i / steps
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="#e5e5e5"/>')
        out.append(f'<text x="{x:.1f}" y="{bottom + 14}" text-anchor="middle" fill="#555">{_pct(v, signed)}</text>')
    return out


def interval_plot(rows: Sequence[Interval], *, title: str, lo: float = 0.0, hi: float = 1.0,
                  zero: float | None = None, width: int = 640, label_width: int | None = None) -> str:
    """A dot per row with its interval as whiskers (pass rates on 0..1, differences on -1..1 with ``zero``)."""
    label_width, width = fit_labels([r.label for r in rows], label_width, width)
    row_h, top = 24, 8
    height = top + row_h * max(len(rows), 1) + 26
    x0, x1 = label_width, width - 28
    signed = lo < 0

    def sx(v: float) -> float:
        return x0 + (x1 - x0) * (min(max(v, lo), hi) - lo) / (hi - lo)

    body = _axis(x0, x1, top, height - 24, lo, hi, signed)
    if zero is not None:
        body.append(f'<line x1="{sx(zero):.1f}" y1="{top}" x2="{sx(zero):.1f}" y2="{height - 24}" '
                    'stroke="#333" stroke-dasharray="4 3"/>')
    for i, row in enumerate(rows):
        y = top + row_h * i + row_h / 2
        body.append(f'<text x="{x0 - 8}" y="{y + 4:.1f}" text-anchor="end">{escape(row.label)}</text>')
        if not _ok(row.value):
            continue
        tip = f"{row.label}: {_pct(row.value, signed)}"
        if _ok(row.lo) and _ok(row.hi):
            tip += f" [{_pct(row.lo, signed)}, {_pct(row.hi, signed)}]"
            body.append(f'<line x1="{sx(row.lo):.1f}" y1="{y:.1f}" x2="{sx(row.hi):.1f}" y2="{y:.1f}" '
                        f'stroke="{row.color}" stroke-width="2"/>')
            for edge in (row.lo, row.hi):
                body.append(f'<line x1="{sx(edge):.1f}" y1="{y - 5:.1f}" x2="{sx(edge):.1f}" y2="{y + 5:.1f}" '
                            f'stroke="{row.color}" stroke-width="2"/>')
        tip += f" {row.note}" if row.note else ""
        body.append(f'<circle cx="{sx(row.value):.1f}" cy="{y:.1f}" r="5" fill="{row.color}">'
                    f'<title>{escape(tip)}</title></circle>')
    return _svg(width, height, body, title)


def grouped_bars(groups: Sequence[tuple[str, Sequence[tuple[str, float]]]], *, title: str,
                 colors: dict[str, str], width: int = 640, label_width: int | None = None) -> str:
    """Horizontal bars on 0..1, one group per label (e.g. a rule) and one bar per series (e.g. an arm)."""
    label_width, width = fit_labels([label for label, _ in groups], label_width, width)
    bar_h = 10
    heights = [max(len(bars), 1) * bar_h + 8 for _, bars in groups]
    height = 8 + sum(heights) + 26 + 18
    x0, x1 = label_width, width - 28
    body = _axis(x0, x1, 8, height - 42, 0.0, 1.0, False)
    y = 8
    for (label, bars), h in zip(groups, heights, strict=True):
        body.append(f'<text x="{x0 - 8}" y="{y + h / 2 + 4:.1f}" text-anchor="end">{escape(label)}</text>')
        for j, (series, value) in enumerate(bars):
            if not _ok(value):
                continue
            w = (x1 - x0) * max(0.0, min(1.0, value))
            body.append(f'<rect x="{x0}" y="{y + 4 + j * bar_h}" width="{max(w, 1):.1f}" height="{bar_h - 2}" '
                        f'fill="{colors.get(series, PALETTE[0])}"><title>{escape(f"{label} · {series}: {_pct(value)}")}'
                        f'</title></rect>')
        y += h
    legend_x = x0
    for series, color in colors.items():
        body.append(f'<rect x="{legend_x}" y="{height - 14}" width="10" height="10" fill="{color}"/>'
                    f'<text x="{legend_x + 14}" y="{height - 5}">{escape(series)}</text>')
        legend_x += 24 + 7 * len(series)
    return _svg(width, height, body, title)


def line_plot(x_labels: Sequence[str], series: dict[str, Sequence[tuple[float, float, float]]], *, title: str,
              lo: float = 0.0, hi: float = 1.0, width: int = 720, height: int = 260) -> str:
    """Lines over x (nights), each point (value, lo, hi) with a shaded interval band; a legend below."""
    left, right, top, bottom = 48, 16, 10, height - 60
    n = max(len(x_labels), 1)
    signed = lo < 0

    def sx(i: int) -> float:
        return left + (width - left - right) * (i / (n - 1) if n > 1 else 0.5)

    def sy(v: float) -> float:
        return bottom - (bottom - top) * (min(max(v, lo), hi) - lo) / (hi - lo)

    body = []
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        body.append(f'<line x1="{left}" y1="{sy(v):.1f}" x2="{width - right}" y2="{sy(v):.1f}" stroke="#e5e5e5"/>'
                    f'<text x="{left - 6}" y="{sy(v) + 4:.1f}" text-anchor="end" fill="#555">{_pct(v, signed)}</text>')
    step = max(1, math.ceil(n / 10))
    for i, label in enumerate(x_labels):
        if i % step == 0 or i == n - 1:
            body.append(f'<text x="{sx(i):.1f}" y="{bottom + 16}" text-anchor="middle" fill="#555">'
                        f'{escape(label)}</text>')
    for j, (name, points) in enumerate(series.items()):
        color = PALETTE[j % len(PALETTE)]
        band = [(i, p) for i, p in enumerate(points) if _ok(p[0]) and _ok(p[1]) and _ok(p[2])]
        if len(band) > 1:
            upper = " ".join(f"{sx(i):.1f},{sy(p[2]):.1f}" for i, p in band)
            lower = " ".join(f"{sx(i):.1f},{sy(p[1]):.1f}" for i, p in reversed(band))
            body.append(f'<polygon points="{upper} {lower}" fill="{color}" fill-opacity="0.15" stroke="none"/>')
        pts = [(i, p) for i, p in enumerate(points) if _ok(p[0])]
        if len(pts) > 1:
            path = " ".join(f"{sx(i):.1f},{sy(p[0]):.1f}" for i, p in pts)
            body.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for i, p in pts:
            body.append(f'<circle cx="{sx(i):.1f}" cy="{sy(p[0]):.1f}" r="3.5" fill="{color}"><title>'
                        f'{escape(f"{name} · {x_labels[i]}: {_pct(p[0], signed)}")}</title></circle>')
        lx = left + (j % 3) * 220
        ly = height - 30 + (j // 3) * 14
        body.append(f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="{color}"/>'
                    f'<text x="{lx + 14}" y="{ly}">{escape(name)}</text>')
    height += 14 * max(0, (len(series) - 1) // 3)
    return _svg(width, height, body, title)


def dumbbell_plot(rows: Sequence[tuple[str, float, float]], *, title: str, names: tuple[str, str],
                  width: int = 640, label_width: int | None = None) -> str:
    """Per row a baseline dot and a candidate dot joined by a line (red when the candidate is lower)."""
    label_width, width = fit_labels([label for label, _, _ in rows], label_width, width)
    row_h, top = 22, 8
    height = top + row_h * max(len(rows), 1) + 44
    x0, x1 = label_width, width - 28

    def sx(v: float) -> float:
        return x0 + (x1 - x0) * min(max(v, 0.0), 1.0)

    body = _axis(x0, x1, top, height - 42, 0.0, 1.0, False)
    for i, (label, a, b) in enumerate(rows):
        y = top + row_h * i + row_h / 2
        color = PALETTE[3] if b < a else (PALETTE[2] if b > a else "#999")
        body.append(f'<text x="{x0 - 8}" y="{y + 4:.1f}" text-anchor="end">{escape(label)}</text>'
                    f'<line x1="{sx(a):.1f}" y1="{y:.1f}" x2="{sx(b):.1f}" y2="{y:.1f}" stroke="{color}" '
                    f'stroke-width="3"/><circle cx="{sx(a):.1f}" cy="{y:.1f}" r="4" fill="#fff" stroke="#555">'
                    f'<title>{escape(f"{label} · {names[0]}: {_pct(a)}")}</title></circle>'
                    f'<circle cx="{sx(b):.1f}" cy="{y:.1f}" r="4.5" fill="{color}">'
                    f'<title>{escape(f"{label} · {names[1]}: {_pct(b)}")}</title></circle>')
    body.append(f'<circle cx="{x0 + 5}" cy="{height - 10}" r="4" fill="#fff" stroke="#555"/>'
                f'<text x="{x0 + 14}" y="{height - 6}">{escape(names[0])}</text>'
                f'<circle cx="{x0 + 180}" cy="{height - 10}" r="4.5" fill="#555"/>'
                f'<text x="{x0 + 190}" y="{height - 6}">{escape(names[1])} (red: lower, green: higher)</text>')
    return _svg(width, height, body, title)
