"""Colour classes for mapped quantities: ColorBrewer schemes, round class breaks, legend labels.

Sequential quantities get a "zero" class (white) and five equal classes up to a round maximum;
differences get a diverging scheme with a neutral "no change" class in the middle. The breaks
hold for every year of the slider, so colours compare across years. A quantity whose class
width is declared (`Variable.step`, see `map_content.CLASS_STEPS`) gets those breaks on every
map, whatever the values, with an open last class ("≥ 4 000"): one colour means the same number
on every map of every run and comparison.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from .formatting import fmt_number, fmt_signed
from .view import Variable

__all__ = ["SCHEMES", "ZERO_COLOR", "Classes", "classes_for"]

# ColorBrewer 2.0 (Brewer, Harrower; colorbrewer2.org), all rated colour-blind safe.
SCHEMES: dict[str, tuple[str, ...]] = {
    "Blues": ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"),
    "Greens": ("#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c"),
    "Oranges": ("#feedde", "#fdbe85", "#fd8d3c", "#e6550d", "#a63603"),
    "YlOrBr": ("#ffffd4", "#fed98e", "#fe9929", "#d95f0e", "#993404"),
    "RdPu": ("#feebe2", "#fbb4b9", "#f768a1", "#c51b8a", "#7a0177"),
    "BrBG": ("#8c510a", "#d8b365", "#f6e8c3", "#f5f5f5", "#c7eae5", "#5ab4ac", "#01665e"),
    "PuOr": ("#b35806", "#f1a340", "#fee0b6", "#f7f7f7", "#d8daeb", "#998ec3", "#542788"),
}
ZERO_COLOR = "#ffffff"


def _nice_step(raw: float) -> float:
    if not math.isfinite(raw) or raw <= 0:
        return 1.0
    mag: float = 10 ** math.floor(math.log10(raw))
    return next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw * (1 - 1e-9))


@dataclass(frozen=True)
class Classes:
    """Class k has colour `colors[k]` and legend text `labels[k]`."""

    colors: tuple[str, ...]
    labels: tuple[str, ...]
    step: float
    zero: float  # |v| below this counts as zero
    diverging: bool

    def index(self, value: float) -> int:
        if self.diverging:
            if abs(value) < self.zero:
                return 3
            k = min(2, int(abs(value) // self.step))
            return 2 - k if value < 0 else 4 + k
        if abs(value) < self.zero:
            return 0
        return 1 + min(4, max(0, int(value // self.step)))


def classes_for(var: Variable, lang: str = "en", domain: Iterable[float] = ()) -> Classes:
    """Round classes: the declared `var.step` (open last class), else classes covering every
    value of `var` (all features, all years) and `domain`."""
    zero = 0.5 * 10 ** -var.digits
    if var.step is not None:
        step, open_end = var.step, True
    else:
        values = [v for b in var.values.values() for v in b.p50 if math.isfinite(v)]
        top = max((abs(v) for v in [*values, *domain]), default=0.0)
        step, open_end = _nice_step(top / (3 if var.diverging else 5)), False
    digits = next(d for d in range(6) if abs(step * 10 ** d - round(step * 10 ** d)) < 1e-9)
    labels = (_diverging_labels if var.diverging else _sequential_labels)(step, digits, lang,
                                                                          open_end)
    colors = SCHEMES[var.scheme]
    if var.diverging:
        return Classes(colors, labels, step, zero, True)
    return Classes((ZERO_COLOR, *colors), labels, step, zero, False)


def _sequential_labels(step: float, digits: int, lang: str, open_end: bool) -> tuple[str, ...]:
    n = [fmt_number(k * step, digits, lang) for k in range(6)]
    last = f"≥ {n[4]}" if open_end else f"{n[4]} – {n[5]}"
    return ("0", f"> 0 – {n[1]}", *(f"{n[k]} – {n[k + 1]}" for k in range(1, 4)), last)


def _diverging_labels(step: float, digits: int, lang: str, open_end: bool) -> tuple[str, ...]:
    e = {k: fmt_signed(k * step, digits, lang) for k in (-3, -2, -1, 1, 2, 3)}
    low, high = ((f"≤ {e[-2]}", f"≥ {e[2]}") if open_end
                 else (f"{e[-3]} … {e[-2]}", f"{e[2]} … {e[3]}"))
    return (low, f"{e[-2]} … {e[-1]}", f"{e[-1]} … 0", "0", f"0 … {e[1]}", f"{e[1]} … {e[2]}",
            high)
