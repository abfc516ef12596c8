"""Run + rule findings → the report's content (`ReportView`); `maps.report_page` renders it.

Picks and labels: the scenario's purpose and provenance, the district indicators at the
milestone years, district trajectories for fan charts, developer IRR and payback, the rule
checks with their legal basis, gate openings, targets with probabilities, who gains (each
party's NPV) with one sentence per proposed cluster, break-even lease prices beside the market
benchmarks and how take-up answers the price, the calibration table (published figures against
the model's bands), every parameter the run used with its source, and the sensitivity ranking
when one is passed in.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from xml.etree import ElementTree
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator import __version__, appraisal
from simulator.gating import GateOpening
from simulator.headline import scenario_cards, scenario_verdict
from simulator.maps.formatting import fmt_number, fmt_pct
from simulator.words.pages import check_lang, metric_label, term, unit_label, words
from simulator.maps.view import ReportView
from simulator.results import milestone_years
from simulator.rules.book import rule_table
from simulator.rules.findings import Finding
from simulator.run import Run
from simulator.scenario.schema import parameter_table, table_source
from simulator.scenario.wording import local, local_lang
from simulator.tables import bands, draw_stats, targets

if TYPE_CHECKING:  # the type only: sensitivity imports SALib and scipy.stats (half a second)
    from simulator.sensitivity import Sensitivity

__all__ = ["REPORT_METRICS", "CHART_METRICS", "report_view", "assumption_rows", "payback_stats"]

REPORT_METRICS = (
    "gross_area_ha", "leased_area_ha", "occupancy_pct", "jobs", "firms", "farmland_converted_ha",
    "rice_land_converted_ha", "workers_in_commuting", "worker_housing_demand", "unmet_demand_ha",
    "budget_revenue_bn_vnd", "firm_revenue_bn_vnd", "capex_bn_vnd", "cumulative_net_cash_bn_vnd",
    "npv_bn_vnd", "public_npv_bn_vnd")
CHART_METRICS = ("jobs", "leased_area_ha", "budget_revenue_bn_vnd", "cumulative_net_cash_bn_vnd")
_SEVERITY_ORDER = {"fail": 0, "warn": 1, "off": 2, "n/a": 3, "pass": 4}
_UNSAFE_TAGS = {"script", "foreignobject", "iframe", "image", "use", "a", "object", "embed"}


def _plain_svg(svg: str) -> bool:
    """An <svg> whose markup holds no script, embedded content, link or event handler. Only
    elements and attributes are judged: text (a title with `href=` or `javascript:` in it) is
    escaped, so it is words on the chart, not markup."""
    try:
        root = ElementTree.fromstring(svg)
    except ElementTree.ParseError:
        return False
    if _local(root.tag) != "svg":
        return False
    for el in root.iter():
        if _local(el.tag).lower() in _UNSAFE_TAGS:
            return False
        for name, value in el.attrib.items():
            name = _local(name).lower()
            if name.startswith("on") or name == "href" or "javascript:" in value.lower():
                return False
    return True


def _local(name: str) -> str:
    """A tag or attribute name without its `{namespace}`."""
    return name.rsplit("}", 1)[-1]


def _report_digits(metric: str) -> int:
    """Decimals of a metric in the report: one for areas and money (maps: `map_content`)."""
    return 1 if metric.endswith(("_ha", "_bn_vnd")) else 0


def _indicator_rows(run: Run, years: list[int], lang: str) -> tuple[dict[str, Any], ...]:

    r = run.results
    return tuple({"label": metric_label(m, lang), "unit": unit_label(r.units[m], lang),
                  "digits": _report_digits(m), "stats": {y: r.district_at(m, y) for y in years}}
                 for m in REPORT_METRICS if m in r.district)


def _developer(run: Run, lang: str) -> tuple[dict[str, Any], ...]:

    s, r = run.loaded.scenario, run.results
    names = [c.name for c in s.clusters] + [words(lang)["district_total"]]
    order = [len(names) - 1, *range(len(names) - 1)]
    # a cluster that invests nothing in the simulated years (built before the base year) has
    # no IRR and no payback to show: said so, not "0 %"
    invests = [*(r.stats("metrics", "capex_bn_vnd")["p90"].max(axis=1) > 0), True]
    return tuple({"name": names[k], "irr": draw_stats(r.irr[:, k]), "invests": bool(invests[k]),
                  "payback": payback_stats(r.payback[:, k])} for k in order)


def payback_stats(years: np.ndarray) -> dict[str, float | None]:
    """`share`: the share of draws that pay back within the simulated years (NaN: never);
    `p50`: the median payback year over every draw, a year only when at least half pay back
    (a median of the paying draws alone would hide the others)."""
    never = np.isnan(years)
    share = float((~never).mean()) if years.size else 0.0
    waiting = np.where(never, np.inf, years)  # an order statistic: no sorting needed
    median = float(np.quantile(waiting, 0.5, method="inverted_cdf")) if years.size else np.inf
    return {"share": share, "p50": median if np.isfinite(median) else None}


def _rule_text(rid: str, lang: str) -> dict[str, str]:
    """A rule's title and full citation in `lang`, and its short legal reference."""
    rules = rule_table()
    if rid not in rules:
        return {"title": rid, "citation": "", "short": rid}
    r = rules[rid]
    citation = r.citation_vi if lang == "vi" else r.citation
    return {"title": r.title.get(lang, r.title["en"]), "short": r.short,
            "citation": " ".join(citation.split())}


def _findings(findings: list[Finding] | None, run: Run, lang: str) -> tuple[dict[str, Any], ...]:
    """One row per rule that fails, warns or is switched off, worst first: the clusters it
    touches, the first year, the largest P(fail), one example message and the remedy;
    `short` is the rule's short legal reference, `citation` its full citation."""
    w = words(lang)
    names = {c.id: c.name for c in run.loaded.scenario.clusters}
    names.update({"district": w["district"], "all": w["district_total"]})
    by_rule: dict[str, list[Finding]] = {}
    for f in findings or []:
        if f.severity in ("fail", "warn", "off"):
            by_rule.setdefault(f.rule, []).append(f)
    rows: list[dict[str, Any]] = []
    for rid, fs in by_rule.items():
        fs.sort(key=lambda f: (_SEVERITY_ORDER[f.severity], -f.p_fail, f.cluster))
        worst = fs[0]
        years = [f.year for f in fs if f.year is not None]
        rows.append({
            "severity": worst.severity, "rule": rid, **_rule_text(rid, lang),
            "clusters": [names.get(f.cluster, f.cluster) for f in fs],
            "cluster": ", ".join(dict.fromkeys(names.get(f.cluster, f.cluster) for f in fs)),
            "n": len(fs), "year": min(years) if years else None,
            "p_fail": max(f.p_fail for f in fs), "message": worst.text(lang),
            "fix": worst.fix_text(lang) if worst.severity in ("fail", "warn") else ""})
    rows.sort(key=lambda r: (_SEVERITY_ORDER[str(r["severity"])], -int(r["n"]), str(r["rule"])))
    return tuple(rows)


def _not_evaluated(findings: list[Finding] | None, run: Run,
                   lang: str) -> tuple[dict[str, Any], ...]:
    """Each check that could not be evaluated, with why, grouped by rule."""
    w = words(lang)
    names = {c.id: c.name for c in run.loaded.scenario.clusters}
    names.update({"district": w["district"], "all": w["district_total"]})
    by_rule: dict[str, list[Finding]] = {}
    for f in findings or []:
        if f.severity == "n/a":
            by_rule.setdefault(f.rule, []).append(f)
    return tuple({"rule": rid, "title": _rule_text(rid, lang)["title"],
                  "items": [{"cluster": names.get(f.cluster, f.cluster), "why": f.text(lang)}
                            for f in fs]} for rid, fs in sorted(by_rule.items()))


def _gates(gates: list[GateOpening] | None, run: Run) -> tuple[dict[str, Any], ...]:
    names = {c.id: c.name for c in run.loaded.scenario.clusters}
    return tuple({**g.summary(), "name": names.get(g.cluster, g.cluster)} for g in gates or [])


def _param_unit(key: str) -> str:
    """The unit of a parameter key such as `district.params.fill_years`."""
    table, last = parameter_table(), key.rsplit(".", 1)[-1]
    if ".sectors." in key:
        sector = key.split(".sectors.", 1)[1]
        return table.get(sector, {}).get("unit", "")
    phase_units = {"area_ha": "ha", "share": "share of cluster area",
                   "clearance_years": "years", "construction_years": "years"}
    if ".phases[" in key:
        return phase_units.get(last, "")
    return table.get(last, {}).get("unit", "")


def _number(value: float, lang: str) -> str:

    if float(value).is_integer():
        return fmt_number(value, 0, lang)
    text = f"{float(value):.4g}"
    return text.replace(".", ",") if lang == "vi" else text


def _dist_text(dist: Any, lang: str) -> str:
    """``triangular (low 2, mode 3, high 4)``; a fixed value is just the number."""
    spec = dist.model_dump(exclude={"source"})
    kind = spec.pop("dist", "")
    if kind == "fixed":
        return _number(spec["value"], lang)
    args = ", ".join(f"{term(k, lang)} {_number(v, lang)}" for k, v in spec.items()
                     if isinstance(v, (int, float)))
    return f"{term(kind, lang)} ({args})"


def assumption_rows(run: Run, lang: str = "en") -> tuple[dict[str, Any], ...]:
    """Every distinct parameter the run used: key, value or distribution, unit, source, whether
    it is an assumption (no source, or a source that says `assumption`) and whether the source
    is the scenario author's (`cited`: shown as written) rather than a parameters.csv default's
    (shown in `lang`)."""
    specs = run.inputs.all_specs()
    rows = []
    for key in sorted(specs, key=lambda k: (".phases[" in k, k)):
        source = (specs[key].dist.source or "").strip()
        shown = table_source(source, lang)
        rows.append({"key": key, "value": _dist_text(specs[key].dist, lang),
                     "unit": unit_label(_param_unit(key), lang), "source": shown or source,
                     "cited": bool(source) and shown is None,
                     "assumption": not source or source.lower().startswith("assumption"),
                     "group": "phases" if ".phases[" in key else "parameters"})
    return tuple(rows)


def _sensitivity(s: Sensitivity | None) -> dict[str, Any]:
    if s is None:
        return {}
    svg = s.svg  # drawn by sensitivity.sensitivity_for_report, before any page is built
    if svg is not None and not _plain_svg(svg):
        raise ValueError("sensitivity.svg: expected a plain <svg> chart (no script, event "
                         "handler, link or embedded content)")
    ranking = s.shown if s.shown is not None else s.ranking  # labels in the page's language
    key = "ST" if ranking is not None and "ST" in ranking else "mu_star"
    rows = () if ranking is None else tuple(
        {"label": rec.get("label", rec.get("input")), "value": rec.get(key),
         "share": rec.get("ST_share")} for rec in ranking.head(12).to_dict("records"))
    return {"sensitivity_svg": svg, "sensitivity_text": s.sentence, "sensitivity_rows": rows}


_SENTENCE_PARTIES = ("workers", "households", "public", "developer")


def _gains_sentence(name: str, parties: dict[str, dict[str, Any]], lang: str) -> str:
    w = words(lang)

    def listing(items: list[str]) -> str:
        return w["and"].join(items) if items else w["nobody"]

    up = [f"{w['party:' + p].lower()} ({fmt_pct(parties[p]['p_gain'], lang)})"
          for p in _SENTENCE_PARTIES if parties[p]["p_gain"] >= 0.5]
    down = [f"{w['party:' + p].lower()} ({fmt_pct(1 - parties[p]['p_gain'], lang)})"
            for p in _SENTENCE_PARTIES if parties[p]["p_gain"] < 0.5]
    return w["gains_sentence"].format(name=name, gainers=listing(up), losers=listing(down))


def _who_gains(run: Run, lang: str) -> dict[str, Any]:
    gains = appraisal.who_gains(run.results)
    names = {c.id: c.name for c in run.loaded.scenario.clusters}
    rows = [{"name": words(lang)["district_total"], "parties": gains["district"], "total": True}]
    rows += [{"name": names[c], "parties": gains["by_cluster"][c], "total": False}
             for c in run.results.cluster_ids]
    sentences = tuple(_gains_sentence(names[c], gains["by_cluster"][c], lang)
                      for c in appraisal.decision_clusters(run))
    return {"who_gains": tuple(rows), "gains_sentences": sentences}


def _breakeven(run: Run, lang: str) -> dict[str, Any]:
    r, y = run.results, int(run.results.years[-1])
    be = appraisal.breakeven(r)
    names = {c.id: c.name for c in run.loaded.scenario.clusters}
    specs = dict(zip(run.inputs.cluster_ids, run.inputs.cluster_specs["lease_price_bn_vnd_per_ha"]))
    rows = [{"name": words(lang)["district_uniform"], "stats": be["district"], "total": True,
             "assumed": None, "p_profit": float((r.values("npv_bn_vnd", y) > 0).mean())}]
    rows += [{"name": names[c], "stats": be["by_cluster"][c], "total": False,
              "assumed": specs[c].dist.central(),
              "p_profit": float((r.values("npv_bn_vnd", y, c) > 0).mean())}
             for c in r.cluster_ids if be["by_cluster"][c]["p50"] is not None]
    return {"breakeven": tuple(rows), "benchmarks": tuple(be["benchmarks"])}


def _calibration(run: Run) -> tuple[dict[str, Any], ...]:
    names = {c.id: c.name for c in run.loaded.scenario.clusters}
    return tuple({**row, "cluster_name": names.get(row.get("cluster") or "", "")}
                 for row in appraisal.calibration_rows(run))


def _price_response(run: Run, rows: list[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    names = {c.id: c.name for c in run.loaded.scenario.clusters}
    return tuple({**row, "name": names[row["cluster"]]} for row in rows)


def report_view(run: Run, *, findings: list[Finding] | None = None,
                gates: list[GateOpening] | None = None,
                lang: str = "vi", sensitivity: Sensitivity | None = None,
                price_response: appraisal.PriceRows = None) -> ReportView:
    """Everything report.html shows, picked from the run, labelled in `lang`.
    `price_response`: `appraisal.price_response` rows, computed once by the caller (it re-runs
    the model), or what gives them (`appraisal.PriceRows`: asked for last, once everything
    else is picked), else none are shown."""
    s, r = run.loaded.scenario, run.results
    check_lang(lang)
    years = milestone_years(s.base_year, s.horizon_year)
    counts = {k: sum(f.severity == k for f in findings or []) for k in _SEVERITY_ORDER}
    view = ReportView(
        lang=lang, title=local(s.title, lang), scenario_id=s.id,
        description=local(s.description, lang), title_lang=local_lang(s.title, lang),
        description_lang=local_lang(s.description, lang),
        provenance={"version": __version__, "seed": run.seed, "draws": run.draws,
                    "scenario_sha256": run.loaded.sha256,
                    "files": [Path(p).name for p in run.loaded.chain],
                    "years": f"{s.base_year}–{s.horizon_year}",
                    "takeup": term(s.district.takeup, lang)},
        milestones=tuple(years), indicators=_indicator_rows(run, years, lang),
        years=tuple(int(y) for y in r.years),
        charts=tuple((metric_label(m, lang), unit_label(r.units[m], lang),
                      bands(r.district[m][:, None, :], ("ALL",))["ALL"]) for m in CHART_METRICS),
        developer=_developer(run, lang), findings=_findings(findings, run, lang), counts=counts,
        not_evaluated=_not_evaluated(findings, run, lang),
        gates=_gates(gates, run),
        targets=tuple({"label": t["label"], "probability": t["probability"],
                       "source": t.get("source"), "lang": local_lang(g.label, lang)}
                      for t, g in zip(targets(run, lang), s.targets, strict=True)),
        assumptions=assumption_rows(run, lang), notes=tuple(run.geometries.warnings),
        **_who_gains(run, lang), **_breakeven(run, lang), calibration=_calibration(run),
        cards=scenario_cards(run, findings, targets(run, lang), lang),
        verdict=scenario_verdict(run, findings, lang), **_sensitivity(sensitivity))
    return dataclasses.replace(view, price_response=_price_response(
        run, appraisal.rows_now(price_response)))
