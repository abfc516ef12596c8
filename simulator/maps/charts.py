"""Inline SVG fan charts (P10–P90 band, median line), readable without JavaScript.

Every text that reaches an SVG goes through `markupsafe.escape`; numbers are formatted here.
A chart may carry a marker for one year (`ccn-fan-now`); the page's JS moves it along the
x axis using the SVG's `data-x0` / `data-dx` (pixels of the first year and per year).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

from markupsafe import Markup, escape

from .formatting import fmt_number
from .view import Band

__all__ = ["SERIES_COLORS", "Series", "fan_svg", "nice_ticks", "spark_svg"]

SERIES_COLORS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a")  # ColorBrewer Dark2


@dataclass(frozen=True)
class Series:
    label: str
    band: Band
    color: str = SERIES_COLORS[0]


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (about n of them)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(n - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw - 1e-12)
    start = math.floor(lo / step + 1e-9) * step
    count = math.ceil((hi - start) / step - 1e-9)
    return [round(start + i * step, 10) for i in range(count + 1)]


def _digits(ticks: Sequence[float]) -> int:
    step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    return 0 if step >= 1 else min(3, math.ceil(-math.log10(step)))


class _Frame:
    """Pixel mapping of (year index, value) for a plot area."""

    def __init__(self, n: int, ticks: Sequence[float], box: tuple[float, float, float, float]):
        self.x0, self.y0, self.w, self.h = box
        self.n, self.lo, self.hi = n, ticks[0], ticks[-1]

    def x(self, i: int) -> float:
        return self.x0 + (self.w * i / (self.n - 1) if self.n > 1 else self.w / 2)

    def y(self, v: float) -> float:
        return self.y0 + self.h * (1 - (v - self.lo) / (self.hi - self.lo))

    @property
    def dx(self) -> float:
        return self.w / (self.n - 1) if self.n > 1 else 0.0


def _band_paths(f: _Frame, s: Series) -> str:
    b = s.band
    top = [f"{f.x(i):.1f},{f.y(v):.1f}" for i, v in enumerate(b.p90)]
    bottom = [f"{f.x(i):.1f},{f.y(v):.1f}" for i, v in reversed(list(enumerate(b.p10)))]
    line = [f"{f.x(i):.1f},{f.y(v):.1f}" for i, v in enumerate(b.p50)]
    return (f'<path d="M{" L".join(top + bottom)} Z" fill="{s.color}" fill-opacity="0.22" '
            f'stroke="none"/><path d="M{" L".join(line)}" fill="none" stroke="{s.color}" '
            f'stroke-width="2"/>')


def _range(series: Sequence[Series]) -> tuple[float, float]:
    values = [v for s in series for v in (*s.band.p10, *s.band.p90, *s.band.p50)]
    finite = [v for v in values if math.isfinite(v)] or [0.0]
    lo, hi = min(0.0, min(finite)), max(0.0, max(finite))
    return lo, hi if hi > lo else lo + 1.0


def _marker(f: _Frame, index: int | None) -> str:
    if index is None:
        return ""
    x = f.x(index)
    return (f'<line class="ccn-fan-now" x1="{x:.1f}" x2="{x:.1f}" y1="{f.y0:.1f}" '
            f'y2="{f.y0 + f.h:.1f}" stroke="#252525" stroke-width="1" stroke-dasharray="3 2"/>')


def _year_ticks(years: Sequence[int]) -> list[int]:
    step = 5 if len(years) > 12 else (2 if len(years) > 6 else 1)
    inner = [i for i, y in enumerate(years) if y % step == 0]
    return sorted({0, len(years) - 1, *inner})


def fan_svg(years: Sequence[int], series: Sequence[Series], *, title: str, unit: str,
            lang: str = "en", width: int = 520, height: int = 230) -> Markup:
    """A full chart: y grid and labels, years on x, one band and median line per series,
    a legend when there is more than one series."""
    ticks = nice_ticks(*_range(series))
    left, top, bottom = 64, 30, 24 + (16 * len(series) if len(series) > 1 else 0)
    f = _Frame(len(years), ticks, (left, top, width - left - 26, height - top - bottom))
    d = _digits(ticks)
    parts = [f'<text x="4" y="16" font-weight="600">{escape(title)}</text>',
             f'<text x="{width - 8}" y="16" text-anchor="end" fill="#555">{escape(unit)}</text>']
    for t in ticks:
        parts.append(f'<line x1="{left}" x2="{left + f.w:.1f}" y1="{f.y(t):.1f}" '
                     f'y2="{f.y(t):.1f}" stroke="{"#999" if t == 0 else "#e3e3e3"}"/>'
                     f'<text x="{left - 6}" y="{f.y(t) + 4:.1f}" text-anchor="end">'
                     f'{escape(fmt_number(t, d, lang))}</text>')
    for i in _year_ticks(years):
        parts.append(f'<text x="{f.x(i):.1f}" y="{f.y0 + f.h + 16:.1f}" '
                     f'text-anchor="middle">{years[i]}</text>')
    parts += [_band_paths(f, s) for s in series]
    if len(series) > 1:
        for i, s in enumerate(series):
            y = height - 16 * (len(series) - i) + 2
            parts.append(f'<rect x="{left}" y="{y}" width="14" height="10" fill="{s.color}"/>'
                         f'<text x="{left + 18}" y="{y + 9}" data-ccn-source="scenario">'
                         f'{escape(s.label)}</text>')
    return _svg(width, height, title, "".join(parts))


class _SparkStyle(TypedDict):
    width: int
    height: int
    color: str


_SPARK: _SparkStyle = {"width": 150, "height": 58, "color": "#3f007d"}


def spark_svg(years: Sequence[int], band: Band, *, title: str, digits: int,
              marker: int | None, lang: str = "en") -> Markup:
    """A popup-sized fan chart (150 × 58 px): band, median, top value, first and last year,
    and a marker at year index `marker`."""
    width, height, color = _SPARK["width"], _SPARK["height"], str(_SPARK["color"])
    ticks = [*_range([Series("", band)])]
    f = _Frame(len(years), ticks, (4, 12, width - 8, height - 26))
    top = fmt_number(ticks[1], digits, lang)
    parts = [
        f'<line x1="{f.x0}" x2="{f.x0 + f.w}" y1="{f.y(ticks[0]):.1f}" y2="{f.y(ticks[0]):.1f}"'
        f' stroke="#bbb"/>',
        _band_paths(f, Series("", band, color)), _marker(f, marker),
        f'<text x="{f.x0}" y="9" font-size="9" fill="#555">{escape(top)}</text>',
        f'<text x="{f.x0}" y="{height - 3}" font-size="9">{years[0]}</text>',
        f'<text x="{f.x0 + f.w}" y="{height - 3}" font-size="9" text-anchor="end">'
        f'{years[-1]}</text>',
    ]
    extra = f' class="ccn-spark" data-x0="{f.x0}" data-dx="{f.dx:.4f}"'
    return _svg(width, height, title, "".join(parts), extra)


def _svg(width: int, height: int, title: str, body: str, extra: str = "") -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" font-family="system-ui, sans-serif" '
        f'font-size="11"{extra}><title>{escape(title)}</title>{body}</svg>')
