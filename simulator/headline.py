"""Headline figures for leadership: 5–7 cards and a one-sentence verdict per page.

A scenario (`scenario_cards`, `scenario_verdict`): district jobs and budget revenue at the
horizon, the developer's and the public NPV with the share of draws where each is ≥ 0,
farmland converted and rice land against the rule's cap, rule failures, targets. A comparison
(`comparison_cards`, `verdict_rows`, `comparison_verdict`): the paired differences B − A of the
same metrics, each judged in its metric's direction (`results.BETTER`, declared once), ties
shown as ties.

Every figure is the median over draws with its P10–P90; shares are of draws. Numbers are
computed here and formatted in the page's language; the renderers only place them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from simulator.gating import rice_land_since_base
from simulator.maps.formatting import fmt_number, fmt_pct, fmt_signed
from simulator.words.pages import metric_label, unit_label, words
from simulator.maps.view import Card
from simulator.results import BETTER
from simulator.rules.book import merged_thresholds
from simulator.rules.findings import Finding
from simulator.run import Run

__all__ = ["HEADLINE_METRICS", "TIE_SHARE", "comparison_cards", "comparison_verdict",
           "rice_since_base", "scenario_cards", "scenario_verdict", "verdict_rows"]

HEADLINE_METRICS = ("jobs", "budget_revenue_bn_vnd", "npv_bn_vnd", "public_npv_bn_vnd",
                    "farmland_converted_ha", "rice_land_converted_ha")
# |median difference| below this share of the larger |median| (or both zero): a tie
TIE_SHARE = 0.005
_NPV = ("npv_bn_vnd", "public_npv_bn_vnd")


def _digits(metric: str) -> int:
    return 1 if metric.endswith("_ha") else 0


def _q(values: np.ndarray) -> tuple[float, float, float]:
    p10, p50, p90 = np.quantile(values, (0.1, 0.5, 0.9))
    return float(p50), float(p10), float(p90)


def _band(values: np.ndarray, digits: int, lang: str, signed: bool = False) -> tuple[str, str]:
    """(median, "P10–P90 a – b") as text."""
    fmt = fmt_signed if signed else fmt_number
    p50, p10, p90 = _q(values)
    return fmt(p50, digits, lang), f"P10–P90: {fmt(p10, digits, lang)} – {fmt(p90, digits, lang)}"


def _unit(run: Run, metric: str, lang: str) -> str:
    return unit_label(run.results.units[metric], lang)


def rice_since_base(run: Run) -> np.ndarray:
    """Per draw, rice land converted by the horizon by clusters approved from the base year on:
    the quantity the rice-land rule caps (conversions approved earlier are not counted)."""
    total: np.ndarray = rice_land_since_base(run.results, run.loaded.scenario.clusters)
    return total[:, -1]


def _rice_cap(run: Run) -> float:
    cfg = getattr(run.loaded.scenario, "rules", None)
    merged, _ = merged_thresholds(getattr(cfg, "thresholds", None))
    return float(merged["rice_land"]["max_district_ha"])


def _metric_card(run: Run, metric: str, lang: str) -> Card:
    r, year, w = run.results, run.loaded.scenario.horizon_year, words(lang)
    values = r.values(metric, year)
    value, band = _band(values, _digits(metric), lang)
    card = Card(metric, w[f"card:{metric}"].format(year=year), value, _unit(run, metric, lang),
                band)
    if metric in _NPV:
        share = float((values >= 0).mean())
        return Card(card.key, card.label, card.value, card.unit, card.band,
                    w["card_npv_ok"].format(p=fmt_pct(share, lang)),
                    tone="good" if share >= 0.5 else "bad")
    return card


def _land_card(run: Run, lang: str) -> Card:
    """Farmland converted (all clusters) and the rice land the rule counts, against its cap."""
    r, year, w = run.results, run.loaded.scenario.horizon_year, words(lang)
    farm, _ = _band(r.values("farmland_converted_ha", year), 1, lang)
    rice_all = float(np.median(r.values("rice_land_converted_ha", year)))
    rice = rice_since_base(run)
    cap = _rice_cap(run)
    share = float((rice <= cap + 1e-9).mean())
    value, band = _band(rice, 1, lang)
    return Card("land", w["card:land"].format(year=year), value, "ha", band,
                w["card_rice_cap"].format(cap=fmt_number(cap, 0, lang),
                                          p=fmt_pct(share, lang)),
                note=w["card_rice_note"].format(farm=farm, all=fmt_number(rice_all, 1, lang),
                                                base=r.years[0]),
                tone="good" if share >= 0.5 else "bad")


def _rule_counts(findings: Sequence[Finding] | None) -> dict[str, int]:
    """Distinct rules failing, warning, not evaluated (the worst result of each rule)."""
    worst: dict[str, str] = {}
    order = {"fail": 0, "warn": 1, "n/a": 2, "off": 3, "pass": 4}
    for f in findings or ():
        if f.rule not in worst or order[f.severity] < order[worst[f.rule]]:
            worst[f.rule] = f.severity
    return {s: sum(v == s for v in worst.values()) for s in ("fail", "warn", "n/a")}


def _rules_card(findings: Sequence[Finding] | None, lang: str) -> Card:
    w, n = words(lang), _rule_counts(findings)
    return Card("rules", w["card:rules"], fmt_number(n["fail"], 0, lang), w["card_rules_unit"],
                w["card_rules_band"].format(warn=fmt_number(n["warn"], 0, lang),
                                            na=fmt_number(n["n/a"], 0, lang)),
                tone="bad" if n["fail"] else "good")


def _targets_card(targets: Sequence[dict[str, Any]], lang: str) -> Card:
    w = words(lang)
    if not targets:
        return Card("targets", w["card:targets"], "–", "", w["no_targets"])
    likely = sum(t["probability"] >= 0.5 for t in targets)
    worst = min(targets, key=lambda t: t["probability"])
    return Card("targets", w["card:targets"], f"{likely}/{len(targets)}", w["card_targets_unit"],
                w["card_targets_band"].format(p=fmt_pct(worst["probability"], lang)),
                tone="good" if likely == len(targets) else "bad")


def scenario_cards(run: Run, findings: Sequence[Finding] | None,
                   targets: Sequence[dict[str, Any]], lang: str) -> tuple[Card, ...]:
    """Jobs, budget revenue, developer NPV, public NPV, land, rules, targets (7 cards)."""
    metrics = [m for m in ("jobs", "budget_revenue_bn_vnd", *_NPV) if m in run.results.district]
    land = ([_land_card(run, lang)] if {"farmland_converted_ha", "rice_land_converted_ha"}
            <= set(run.results.district) else [])
    return (*(_metric_card(run, m, lang) for m in metrics), *land, _rules_card(findings, lang),
            _targets_card(targets, lang))


def scenario_verdict(run: Run, findings: Sequence[Finding] | None, lang: str) -> str:
    """One sentence from the numbers: jobs, who is in profit how often, rule failures."""
    r, s, w = run.results, run.loaded.scenario, words(lang)
    year = s.horizon_year
    jobs, band = _band(r.values("jobs", year), 0, lang)
    dev = float((r.values("npv_bn_vnd", year) >= 0).mean())
    pub = float((r.values("public_npv_bn_vnd", year) >= 0).mean())
    fails = _rule_counts(findings)["fail"]
    return w["verdict"].format(
        jobs=jobs, year=year, band=band, dev=fmt_pct(dev, lang), pub=fmt_pct(pub, lang),
        rules=w["verdict_rules_fail"].format(n=fails) if fails else w["verdict_rules_ok"])


# ---------------------------------------------------------------- comparison


def _paired(a: Run, b: Run, metric: str, year: int) -> np.ndarray:
    va, vb = a.results.values(metric, year), b.results.values(metric, year)
    diff: np.ndarray = vb - va if va.shape == vb.shape else np.array([vb.mean() - va.mean()])
    return diff


def _judge(a: Run, b: Run, metric: str, year: int) -> dict[str, Any]:
    """The paired difference B − A of a metric: median, P10, P90, P(B better) and the
    verdict: "b", "a", "tie", or "none" (the metric has no better direction)."""
    diff = _paired(a, b, metric, year)
    p50, p10, p90 = _q(diff)
    scale = max(abs(float(np.median(a.results.values(metric, year)))),
                abs(float(np.median(b.results.values(metric, year)))))
    better = BETTER.get(metric, 0)
    p_better = float((better * diff > 1e-9).mean()) if better else None
    if np.all(np.abs(diff) <= 1e-9) or abs(p50) <= TIE_SHARE * scale:
        winner = "tie"
    elif not better:
        winner = "none"
    else:
        winner = "b" if better * p50 > 0 else "a"
    return {"metric": metric, "median": p50, "p10": p10, "p90": p90, "p_better": p_better,
            "winner": winner}


def _year_names(a: Run, b: Run, year: int | None, names: Sequence[str] | None,
                ) -> tuple[int, dict[str, str]]:
    """The year compared (default: the last common horizon) and what A and B are called
    (default: their scenario ids)."""
    if year is None:
        year = min(a.loaded.scenario.horizon_year, b.loaded.scenario.horizon_year)
    ids = names or (a.results.scenario_id, b.results.scenario_id)
    return year, {"a": ids[0], "b": ids[1]}


def _judged(a: Run, b: Run, year: int) -> Iterator[tuple[str, dict[str, Any], int]]:
    """(metric, `_judge` of B − A, decimals) of each headline metric both runs have."""
    for m in HEADLINE_METRICS:
        if m in a.results.district and m in b.results.district:
            yield m, _judge(a, b, m, year), _digits(m)


def verdict_rows(a: Run, b: Run, lang: str, year: int | None = None,
                 names: Sequence[str] | None = None) -> tuple[dict[str, Any], ...]:
    """One row per headline metric in `year` (default: the last common horizon): A's and B's
    medians, the paired Δ (median and P10–P90), which is better ("how sure": P(better) over
    the draws). `names`: what A and B are called (default: their scenario ids)."""
    w = words(lang)
    year, who = _year_names(a, b, year, names)
    rows = []
    for m, j, d in _judged(a, b, year):
        better = BETTER.get(m, 0)
        rows.append({
            "label": metric_label(m, lang), "unit": _unit(a, m, lang), "year": year,
            "direction": w[f"direction:{better}"],
            "a": fmt_number(float(np.median(a.results.values(m, year))), d, lang),
            "b": fmt_number(float(np.median(b.results.values(m, year))), d, lang),
            "delta": fmt_signed(j["median"], d, lang),
            "band": f"{fmt_signed(j['p10'], d, lang)} – {fmt_signed(j['p90'], d, lang)}",
            "winner": j["winner"],
            "verdict": w[f"winner:{j['winner']}"].format(**who),
            "sure": "" if j["p_better"] is None or j["winner"] in ("tie", "none")
            else fmt_pct(j["p_better"] if j["winner"] == "b" else 1 - j["p_better"], lang)})
    return tuple(rows)


def comparison_cards(a: Run, b: Run, lang: str, year: int | None = None,
                     names: Sequence[str] | None = None) -> tuple[Card, ...]:
    """B − A of each headline metric as a card: Δ median, its P10–P90, P(B better)."""
    w = words(lang)
    year, who = _year_names(a, b, year, names)
    out = []
    for m, j, d in _judged(a, b, year):
        extra = ("" if j["p_better"] is None else
                 w["card_p_better"].format(b=who["b"], p=fmt_pct(j["p_better"], lang)))
        tone = {"b": "good", "a": "bad"}.get(j["winner"], "neutral")
        out.append(Card(m, f"Δ {metric_label(m, lang)}, {year}", fmt_signed(j["median"], d, lang),
                        _unit(a, m, lang),
                        f"P10–P90: {fmt_signed(j['p10'], d, lang)} – "
                        f"{fmt_signed(j['p90'], d, lang)}", extra, tone=tone))
    return tuple(out)


def comparison_verdict(a: Run, b: Run, lang: str, year: int | None = None,
                       names: Sequence[str] | None = None) -> str:
    """One sentence: B against A on jobs, developer NPV, farmland; and on how many headline
    metrics B is better, worse, tied."""
    w = words(lang)
    year, who = _year_names(a, b, year, names)
    rows = verdict_rows(a, b, lang, year, names)
    jobs = _judge(a, b, "jobs", year)
    npv = _judge(a, b, "npv_bn_vnd", year)
    farm = _judge(a, b, "farmland_converted_ha", year)
    return w["cmp_verdict"].format(
        a=who["a"], b=who["b"], year=year,
        jobs=fmt_signed(jobs["median"], 0, lang),
        jobs_band=f"{fmt_signed(jobs['p10'], 0, lang)} – {fmt_signed(jobs['p90'], 0, lang)}",
        npv=fmt_signed(npv["median"], 0, lang), farm=fmt_signed(farm["median"], 1, lang),
        better=sum(r["winner"] == "b" for r in rows), worse=sum(r["winner"] == "a" for r in rows),
        ties=sum(r["winner"] == "tie" for r in rows), n=len(rows))
