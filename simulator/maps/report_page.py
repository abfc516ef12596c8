"""report.html from a `ReportView`: one autoescaped template, inline CSS, inline SVG charts.

No JavaScript: the page reads and prints as it is. Like the maps, it passes `check_offline`.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from markupsafe import Markup, escape

from . import charts, fragments
from .assets import check_offline, style_tag, summary_css
from .formatting import fmt_number, fmt_pct, fmt_range, fmt_year, is_missing
from simulator.scenario.wording import in_lang
from simulator.words.pages import check_lang, words
from .view import ReportView

__all__ = ["render_report_page"]


def _css() -> str:
    own = resources.files(__package__).joinpath("templates", "report.css").read_text("utf-8")
    return summary_css() + "\n" + own


def _cell(stats: dict[str, float], digits: int, lang: str) -> dict[str, str]:
    """The median and, below it, P10–P90 (a mean could fall outside its own band)."""
    return {"mean": fmt_number(stats.get("p50"), digits, lang),
            "range": fmt_range(stats.get("p10"), stats.get("p90"), digits, lang)}


def _developer_rows(view: ReportView) -> list[dict[str, Any]]:
    lang = view.lang

    def irr(s: dict[str, float]) -> dict[str, str]:
        pct = {k: 100 * v for k, v in s.items() if k != "share"}
        return {**_cell(pct, 1, lang), "share": fmt_pct(s.get("share"), lang)}

    def payback(s: dict[str, float]) -> dict[str, str]:
        return {"share": fmt_pct(s.get("share"), lang),
                "year": "–" if is_missing(s.get("p50")) else fmt_year(s.get("p50"))}

    return [{"name": d["name"], "irr": irr(d["irr"]), "payback": payback(d["payback"]),
             "invests": d["invests"]} for d in view.developer]


def _checks(view: ReportView) -> list[dict[str, Any]]:
    return [{**f, "year": fmt_year(f["year"]) if f["year"] is not None else "–",
             "p_fail": fmt_pct(f["p_fail"], view.lang)} for f in view.findings]


def _cited(view: ReportView) -> list[dict[str, Any]]:
    """Each rule of the checks table once, with its full citation."""
    return list({f["rule"]: {"rule": f["rule"], "title": f["title"], "short": f["short"],
                             "citation": f["citation"]} for f in view.findings}.values())


def _gates(view: ReportView) -> list[dict[str, Any]]:
    out = []
    for g in view.gates:
        delay = g.get("delay_years")
        out.append({"name": g["name"], "rules": ", ".join(g["rules"]),
                    "planned": fmt_year(g["planned_year"]),
                    "on_time": fmt_pct(g["p_on_time"], view.lang),
                    "never": fmt_pct(g["p_never"], view.lang),
                    "delay": fmt_range(delay["p10"], delay["p90"], 0, view.lang) if delay
                    else "–"})
    return out


def _charts(view: ReportView) -> list[Markup]:
    return [charts.fan_svg(view.years, [charts.Series(label, band)], title=label, unit=unit,
                           lang=view.lang, width=520, height=230)
            for label, unit, band in view.charts]


_PARTIES = ("developer", "public", "central", "city", "households", "workers")


def _band_cell(st: dict[str, Any], digits: int, lang: str, centre: str = "p50") -> dict[str, str]:
    return {"mean": fmt_number(st.get(centre), digits, lang),
            "range": fmt_range(st.get("p10"), st.get("p90"), digits, lang)}


def _who_gains_rows(view: ReportView) -> list[dict[str, Any]]:
    lang = view.lang
    return [{"name": r["name"], "total": r["total"],
             "cells": [{**_band_cell(r["parties"][p], 0, lang),
                        "p": fmt_pct(r["parties"][p]["p_gain"], lang)} for p in _PARTIES]}
            for r in view.who_gains]


def _breakeven_rows(view: ReportView) -> list[dict[str, Any]]:
    lang = view.lang
    return [{"name": r["name"], "total": r["total"],
             "assumed": fmt_number(r["assumed"], 1, lang) if r["assumed"] is not None else "–",
             **_band_cell(r["stats"], 1, lang), "usd": _band_cell(r["stats"]["usd_per_m2"], 0, lang),
             "p_profit": fmt_pct(r["p_profit"], lang)} for r in view.breakeven]


def _benchmark_rows(view: ReportView) -> list[dict[str, Any]]:
    lang = view.lang
    return [{"what": in_lang(b, "what", lang), "bn": fmt_number(b["published"], 1, lang),
             "usd": fmt_number(b["published"] / 0.25, 0, lang), "year": in_lang(b, "year", lang),
             "source": in_lang(b, "source", lang)} for b in view.benchmarks]


def _price_rows(view: ReportView) -> list[dict[str, Any]]:
    lang = view.lang
    return [{"name": r["name"], "price": fmt_number(r["breakeven_p50"], 1, lang),
             "default": _band_cell(r["leased_ha_years"]["default"], 0, lang),
             "at_be": _band_cell(r["leased_ha_years"]["at_breakeven"], 0, lang),
             "npv": _band_cell(r["developer_npv"]["at_breakeven"], 0, lang),
             "moved": _band_cell(r["moved_to_others_ha_years"], 0, lang)}
            for r in view.price_response]


def _digits_for(x: float) -> int:
    return 0 if abs(x) >= 100 else 1 if abs(x) >= 10 else 2 if abs(x) >= 1 else 3


def _calibration_rows(view: ReportView, w: dict[str, str]) -> list[dict[str, Any]]:
    lang, out = view.lang, []
    for r in view.calibration:
        d, m = _digits_for(r["published"]), r["model"]
        out.append({"quantity": w.get("q:" + r["quantity"], r["quantity"]),
                    "what": in_lang(r, "what", lang),
                    "cluster": r["cluster_name"], "published": fmt_number(r["published"], d, lang),
                    "band": " – ".join(fmt_number(m[k], d, lang) for k in ("p10", "p50", "p90")),
                    "unit": in_lang(r, "unit", lang), "source": in_lang(r, "source", lang),
                    "year": in_lang(r, "year", lang),
                    "outside": r["outside"]})
    return out


def _money(view: ReportView, w: dict[str, str]) -> dict[str, Any]:
    """The who-gains, break-even, price-response and calibration tables, formatted."""
    return {"gains": _who_gains_rows(view), "parties": [w["party:" + p] for p in _PARTIES],
            "breakeven": _breakeven_rows(view), "benchmarks": _benchmark_rows(view),
            "price_rows": _price_rows(view), "calibration": _calibration_rows(view, w)}


def render_report_page(view: ReportView) -> str:
    """A complete HTML document (write it as UTF-8)."""
    w = words(check_lang(view.lang))
    assumed = sum(a["assumption"] for a in view.assumptions)
    c = view.counts
    html = fragments.render(
        "report.html.j2", t=w, v=view, css=Markup(style_tag(_css())),
        provenance=view.provenance, sha=str(view.provenance.get("scenario_sha256", "")),
        draws=fmt_number(view.provenance.get("draws"), 0, view.lang),
        indicators=[{"label": i["label"], "unit": i["unit"],
                     "cells": [_cell(i["stats"][y], i["digits"], view.lang)
                               for y in view.milestones]} for i in view.indicators],
        summary=Markup(fragments.summary(view.cards, view.verdict, view.lang))
        if view.cards else None,
        charts=_charts(view), developer=_developer_rows(view), checks=_checks(view),
        map_svg=Markup(view.map_svg) if view.map_svg else None,
        no_sensitivity=Markup(escape(w["no_sensitivity"])).format(
            command=Markup("<code>clustersim sensitivity</code>")),
        cited=_cited(view), na_count=sum(len(r["items"]) for r in view.not_evaluated),
        counts=w["checks_counts"].format(fail=c.get("fail", 0), warn=c.get("warn", 0),
                                         off=c.get("off", 0), na=c.get("n/a", 0),
                                         pass_=c.get("pass", 0)),
        gates=_gates(view), targets=[{"label": t["label"], "source": t.get("source"),
                                      "lang": t.get("lang", ""),
                                      "p": fmt_pct(t["probability"], view.lang)}
                                     for t in view.targets],
        params=[a for a in view.assumptions if a["group"] != "phases"],
        phases=[a for a in view.assumptions if a["group"] == "phases"],
        assumed=w["assumption_note"].format(n=assumed, total=len(view.assumptions)),
        svg=Markup(view.sensitivity_svg) if view.sensitivity_svg else None,
        sens_rows=[{"label": r["label"], "value": fmt_number(r["value"], 3, view.lang),
                    "share": fmt_pct(r["share"], view.lang) if not is_missing(r["share"])
                    else ""} for r in view.sensitivity_rows],
        **_money(view, w),
    )
    return check_offline("<!DOCTYPE html>\n" + html)
