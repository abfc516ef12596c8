"""Number formatting for popups and tables: thousands separators, signed differences."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["MISSING", "fmt_number", "fmt_signed", "fmt_year", "is_missing"]

MISSING = "n/a"


def is_missing(value: Any) -> bool:
    """None, NaN, pandas NA/NaT, text, or anything else that is not a number."""
    if value is None or isinstance(value, str):
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def fmt_number(value: Any, digits: int = 0) -> str:
    """`1234567.891, 1` → ``1,234,567.9``; missing values → ``n/a``."""
    if is_missing(value):
        return MISSING
    text = f"{float(value):,.{digits}f}"
    return text.lstrip("-") if _is_zero(text) else text


def fmt_signed(value: Any, digits: int = 0) -> str:
    """A difference: `1234` → ``+1,234``, `-5.25, 1` → ``-5.2``; a zero difference has no sign."""
    if is_missing(value):
        return MISSING
    text = f"{float(value):+,.{digits}f}"
    return text.lstrip("+-") if _is_zero(text) else text


def fmt_year(value: Any) -> str:
    """A year without a thousands separator."""
    return MISSING if is_missing(value) else str(int(value))


def _is_zero(text: str) -> bool:
    return text.lstrip("+-").replace("0", "").replace(".", "").replace(",", "") == ""
