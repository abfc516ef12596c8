"""The comparison page: scenario maps side by side (synchronised) and the indicator table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import fragments
from .formatting import fmt_number, fmt_signed, fmt_year, is_missing
from .page import PageBuilder
from .view import ComparisonView, Indicator, MapView

__all__ = ["render_comparison", "indicator_table"]

_FIXED = ("indicator", "unit", "year")
_DIFF = "diff_"


def render_comparison(view: ComparisonView) -> str:
    """A complete HTML document (write it as UTF-8): maps in a grid, then the table."""
    if len(view.views) < 2:
        raise ValueError(f"a comparison needs 2 or more scenarios, got {len(view.views)}")
    years = fragments.join_unique(v.year for v in view.views)
    builder = PageBuilder(f"Scenario comparison — {years}", body_class="ccn-compare")
    subtitle = " vs ".join(v.title for v in view.views)
    builder.html(fragments.page_head(f"Scenario comparison, {years}", subtitle))
    builder.html('<main class="ccn-grid">')
    for v in view.views:
        builder.add_map(v, heading=fragments.comparison_heading(v), title_box=False)
    builder.html("</main>")
    builder.html(indicator_table(view))
    builder.script("ClusterSim.sync(ClusterSim.maps);\nClusterSim.ready();")
    return builder.finish()


def indicator_table(view: ComparisonView) -> str:
    """The escaped HTML table of `view.table` with signed, separated differences."""
    table = view.table
    titles = {v.scenario_id: v.title for v in view.views}
    columns = [c for c in table.columns if c not in _FIXED]
    first = view.views[0]
    return fragments.render(
        "table.html",
        first_title=first.title,
        first_id=first.scenario_id,
        columns=[_heading(str(c), titles) for c in columns],
        rows=[_row(rec, columns, view.views) for rec in table.to_dict("records")],
    )


def _heading(column: str, titles: dict[str, str]) -> dict[str, Any]:
    if column.startswith(_DIFF):
        scenario = column[len(_DIFF):]
        return {"heading": f"Δ {titles.get(scenario, scenario)}", "diff": True}
    return {"heading": titles.get(column, column), "diff": False}


def _row(rec: dict[str, Any], columns: Sequence[Any], views: Sequence[MapView]) -> dict[str, Any]:
    digits = _digits(rec, columns, views[0].indicators)
    cells = []
    for c in columns:
        diff = str(c).startswith(_DIFF)
        fmt = fmt_signed if diff else fmt_number
        cells.append({"text": fmt(rec.get(c), digits), "diff": diff})
    return {
        "indicator": fragments.text(rec.get("indicator")),
        "unit": fragments.text(rec.get("unit")) if "unit" in rec else "",
        "year": fmt_year(rec.get("year")),
        "cells": cells,
    }


def _digits(rec: dict[str, Any], columns: Sequence[Any], indicators: Sequence[Indicator]) -> int:
    """The indicator's own digits; else 0 for whole numbers and 2 otherwise."""
    name = rec.get("indicator")
    for ind in indicators:
        if name in (ind.column, ind.label):
            return ind.digits
    values = [float(rec[c]) for c in columns if not is_missing(rec.get(c))]
    return 0 if all(v.is_integer() for v in values) else 2
