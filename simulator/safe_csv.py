"""CSV cells a spreadsheet will not run: free text (a sector or cluster name, a title) that
starts with `=`, `+`, `-`, `@`, a tab or a carriage return is written with a leading `'`, so
Excel and LibreOffice show it as text instead of evaluating it as a formula (OWASP, "CSV
injection"). Numbers are never touched; every CSV writer of the package goes through here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["FORMULA_STARTS", "safe_cell", "safe_frame", "write_frame"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """`value` itself, or `'value` for text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells are `safe_cell`ed (column names too)."""
    out = df.rename(columns=safe_cell)
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(safe_cell)
    return out


def write_frame(df: pd.DataFrame, path: str | Path, *, float_format: str) -> None:
    """`df` as UTF-8 CSV with `\\n` line ends, without its index, text cells made safe."""
    safe_frame(df).to_csv(path, index=False, float_format=float_format, lineterminator="\n",
                          encoding="utf-8")
