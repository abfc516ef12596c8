"""The comparison page: scenario maps side by side (synchronised, one year for all), maps of
the differences, district jobs of every scenario in one fan chart, and the indicator table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

from . import charts, fragments
from .formatting import fmt_number, fmt_pct, fmt_range, fmt_signed, fmt_year, is_missing
from simulator.words.pages import check_lang, unit_label, words
from .page import PageBuilder, shared_domains
from .view import ComparisonView, Indicator

__all__ = ["render_comparison", "indicator_table"]

_FIXED = ("indicator", "unit", "year")
_DIFF = "diff_"
_BETTER = "p_better_"
_QUANTILES = ("_p10", "_p50", "_p90")


def render_comparison(view: ComparisonView) -> str:
    """A complete HTML document (write it as UTF-8): maps in a grid, fan chart, then the table."""
    if len(view.views) < 2:
        raise ValueError(f"a comparison needs 2 or more scenarios, got {len(view.views)}")
    w = words(check_lang(view.lang))
    years = fragments.join_unique(v.year for v in view.views)
    builder = PageBuilder(f"{w['comparison']} — {years}", body_class="ccn-compare",
                          lang=view.lang)
    subtitle = f" {w['vs']} ".join(v.title for v in view.views)
    builder.html(fragments.page_head(view.heading or f"{w['comparison']}, {years}", subtitle))
    if view.lead:
        builder.html(view.lead)
    if view.cards:
        builder.html('<div class="ccn-block">'
                     + fragments.summary(view.cards, view.verdict, view.lang) + "</div>")
    if view.verdict_rows:
        names = view.names or (view.views[0].scenario_id, view.views[1].scenario_id)
        ids = {"a": names[0], "b": names[1]}
        builder.html(fragments.verdict_table(view.verdict_rows, ids, view.lang))
    if view.differences:
        builder.html(fragments.render("note.html", text=w["difference_note"]))
    builder.shared_controls(view.views[0])
    builder.html('<main class="ccn-grid">')
    domains = shared_domains(view.views)
    for v in view.views:
        builder.add_map(v, heading=fragments.comparison_heading(v), title_box=False,
                        domains=domains)
    for v in view.differences:
        builder.add_map(v, heading=fragments.comparison_heading(v), title_box=False,
                        domains=shared_domains(view.differences))
    builder.html("</main>")
    if view.fans:
        builder.html(_fan_block(view))
    builder.html(indicator_table(view))
    builder.script("ClusterSim.sync(ClusterSim.maps);\nClusterSim.linkYears();\n"
                   "ClusterSim.ready();")
    return builder.finish()


def _fan_block(view: ComparisonView) -> str:
    w = words(view.lang)
    series = [charts.Series(title, band, charts.SERIES_COLORS[i % len(charts.SERIES_COLORS)])
              for i, (title, band) in enumerate(view.fans.items())]
    svg = charts.fan_svg(view.fan_years, series, title=w["fan_jobs_title"],
                         unit=unit_label("workers", view.lang), lang=view.lang, width=760,
                         height=300)
    return str(Markup('<section class="ccn-block ccn-fan-box">{}</section>').format(svg))


def indicator_table(view: ComparisonView) -> str:
    """The escaped HTML table of `view.table`: each scenario's value, then for each other
    scenario the signed difference, its P10–P90 range and P(better) when the table has them."""
    table, w = view.table, words(view.lang)
    names = [n if n != v.scenario_id else _short(v.title, v.scenario_id)
             for v, n in zip(view.views, view.names or [v.scenario_id for v in view.views])]
    titles = {v.scenario_id: Markup('<span data-ccn-source="scenario">{}</span>').format(name)
              for v, name in zip(view.views, names)}  # the author's words
    columns = _columns(table.columns, titles, w)
    first = view.views[0]
    return fragments.render(
        "table.html", t=w,
        caption=Markup(escape(w["table_caption"])).format(
            first=Markup('<span data-ccn-source="scenario">{}</span>').format(first.title),
            first_id=first.scenario_id),
        columns=[{"heading": c["heading"], "css": c["css"]} for c in columns],
        rows=_grouped([_row(rec, columns, view) for rec in table.to_dict("records")]),
    )


def _grouped(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive rows of one indicator share its name and unit cells (`span` rows)."""
    for i, row in enumerate(rows):
        same = i > 0 and (rows[i - 1]["indicator"], rows[i - 1]["unit"]) == (row["indicator"],
                                                                              row["unit"])
        row["span"] = 0 if same else 1
        if same:
            head = next(r for r in reversed(rows[:i]) if r["span"])
            head["span"] += 1
    return rows


def _short(title: str, scenario_id: str) -> str:
    """A column heading: the title when it is short, else the scenario id."""
    return title if len(title) <= 32 else scenario_id


def _columns(names: Sequence[Any], titles: Mapping[str, str], w: dict[str, str],
             ) -> list[dict[str, str]]:
    """Shown columns in table order: scenario values, Δ, Δ P10–P90 (merged), P(better)."""
    present = {str(c) for c in names}
    out: list[dict[str, str]] = []
    for c in map(str, names):
        if c in _FIXED or c.endswith(_QUANTILES) and c.startswith(_DIFF):
            continue
        if c.startswith(_BETTER):
            b = c[len(_BETTER):]
            out.append({"key": c, "kind": "p", "css": "ccn-pbetter",
                        "heading": Markup(escape(w["p_better_of"])).format(b=titles.get(b, b))})
        elif c.startswith(_DIFF):
            b = c[len(_DIFF):]
            out.append({"key": c, "kind": "diff", "css": "ccn-diff",
                        "heading": Markup(escape(w["delta_of"])).format(b=titles.get(b, b))})
            if {f"{c}_p10", f"{c}_p90"} <= present:
                out.append({"key": c, "kind": "range", "css": "ccn-range",
                            "heading": Markup(escape(w["range_of"])).format(b=titles.get(b, b))})
        else:
            out.append({"key": c, "kind": "value", "css": "", "heading": titles.get(c, c)})
    return out


def _cell(rec: dict[str, Any], col: dict[str, Any], digits: int, lang: str) -> str:
    key, kind = col["key"], col["kind"]
    if kind == "p":
        if is_missing(rec.get(key)):
            return "–"
        band = [rec.get(f"{_DIFF}{key[len(_BETTER):]}{q}") for q in ("_p10", "_p90")]
        if all(v is not None and not is_missing(v) and abs(float(v)) <= 1e-9 for v in band):
            return words(lang)["winner:tie"]  # Δ is 0 from P10 to P90: not "0 % better"
        return fmt_pct(rec[key], lang)
    if kind == "range":
        return fmt_range(rec.get(f"{key}_p10"), rec.get(f"{key}_p90"), digits, lang, signed=True)
    fmt = fmt_signed if kind == "diff" else fmt_number
    return fmt(rec.get(key), digits, lang)


def _row(rec: dict[str, Any], columns: list[dict[str, Any]], view: ComparisonView,
         ) -> dict[str, Any]:
    name = rec.get("indicator")
    shown = view.labels.get(str(name))
    digits = _digits(rec, columns, view, shown)
    unit = shown.unit if shown else (fragments.text(rec.get("unit")) if "unit" in rec else "")
    return {
        "indicator": shown.label if shown else fragments.text(name),
        "unit": unit, "year": fmt_year(rec.get("year")),
        "cells": [{"text": _cell(rec, c, digits, view.lang), "css": c["css"]} for c in columns],
    }


def _digits(rec: dict[str, Any], columns: list[dict[str, Any]], view: ComparisonView,
            shown: Indicator | None) -> int:
    """The indicator's own digits; else 0 for whole numbers and 2 otherwise."""
    if shown is not None:
        return shown.digits
    name = rec.get("indicator")
    for ind in view.views[0].indicators:
        if name in (ind.column, ind.label):
            return ind.digits
    keys = [c["key"] for c in columns if c["kind"] in ("value", "diff")]
    values = [float(rec[k]) for k in keys if not is_missing(rec.get(k))]
    return 0 if all(v.is_integer() for v in values) else 2
