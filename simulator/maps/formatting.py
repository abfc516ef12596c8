"""Number formatting for popups and tables: thousands separators, signed differences.

English writes 1,234.5; Vietnamese 1.234,5 (`lang="vi"`). The page's own JS formats the
year-dependent numbers the same way (`ClusterSim.fmt`).
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["MISSING", "fmt_number", "fmt_pct", "fmt_range", "fmt_signed", "fmt_year",
           "is_missing", "separators"]

MISSING = "–"  # no number: an en dash, the same in every language
_SWAP = str.maketrans({",": ".", ".": ","})


def is_missing(value: Any) -> bool:
    """None, NaN, pandas NA/NaT, text, or anything else that is not a number."""
    if value is None or isinstance(value, str):
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def separators(lang: str) -> dict[str, str]:
    """The thousands and decimal separators of a language."""
    return {"thousands": ".", "decimal": ","} if lang == "vi" else {"thousands": ",",
                                                                    "decimal": "."}


def _localise(text: str, lang: str) -> str:
    return text.translate(_SWAP) if lang == "vi" else text


def fmt_number(value: Any, digits: int = 0, lang: str = "en") -> str:
    """`1234567.891, 1` → ``1,234,567.9`` (``1.234.567,9`` in vi); missing → ``n/a``."""
    if is_missing(value):
        return MISSING
    text = f"{float(value):,.{digits}f}"
    return _localise(text.lstrip("-") if _is_zero(text) else text, lang)


def fmt_signed(value: Any, digits: int = 0, lang: str = "en") -> str:
    """A difference: `1234` → ``+1,234``, `-5.25, 1` → ``-5.2``; a zero difference has no sign."""
    if is_missing(value):
        return MISSING
    text = f"{float(value):+,.{digits}f}"
    return _localise(text.lstrip("+-") if _is_zero(text) else text, lang)


def fmt_range(low: Any, high: Any, digits: int = 0, lang: str = "en", signed: bool = False) -> str:
    """``1,000 – 1,500`` (a P10–P90 range); ``n/a`` when either end is missing."""
    if is_missing(low) or is_missing(high):
        return MISSING
    fmt = fmt_signed if signed else fmt_number
    return f"{fmt(low, digits, lang)} – {fmt(high, digits, lang)}"


def fmt_pct(share: Any, lang: str = "en") -> str:
    """A probability 0–1 as a percentage: ``0 %``, ``<1 %``, ``37 %``, ``>99 %``, ``100 %``."""
    if is_missing(share):
        return MISSING
    p = float(share)
    if p <= 0 or p >= 1:
        return f"{100 * min(max(p, 0.0), 1.0):.0f} %"
    if p < 0.005:
        return "<1 %"
    return ">99 %" if p > 0.995 else f"{100 * p:.0f} %"


def fmt_year(value: Any) -> str:
    """A year without a thousands separator."""
    return MISSING if is_missing(value) else str(int(value))


def _is_zero(text: str) -> bool:
    return text.lstrip("+-").replace("0", "").replace(".", "").replace(",", "") == ""
