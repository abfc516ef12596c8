"""What `clustersim optimise` writes: the best plan as an ordinary scenario file, optimise.json
(every plan simulated, its objectives and constraint probabilities, provenance), plans.csv, the
Pareto front (two objectives) as pareto.csv and pareto.svg, and the plain-text summary."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
from ruamel.yaml import YAML

from simulator import __version__
from simulator.map_content import comparison_view
from simulator.maps.comparison_page import render_comparison
from simulator.maps.formatting import fmt_number
from simulator.optimise.page import (
    cluster_names, decisions_html, measure_text, objective_year, plan_text, plan_wording,
    side_names,
)
from simulator.optimise.plans import Evaluation, plan_scenario
from simulator.optimise.solve import Outcome
from simulator.folders import atomic_folder, copy_into
from simulator.rules.engine import check_all
from simulator.run import Run
from simulator.safe_csv import safe_cell, write_frame
from simulator.scenario.optimise_config import MetricConstraint
from simulator.scenario.wording import Wording, local
from simulator.tables import comparison_table
from simulator.words.optimise import optimise_words

__all__ = ["plan_yaml", "optimise_json", "plans_csv", "pareto_csv", "pareto_svg", "summary_lines",
           "constraint_label", "best_id", "best_title", "optimise_page", "write_optimisation",
           "plan_text", "binding", "binding_counts"]


def best_id(outcome: Outcome) -> str:
    return f"{outcome.run.loaded.scenario.id}-best"[:64]


def constraint_label(c: Any) -> str:
    """How optimise.json, plans.csv and the terminal name a constraint (English; the page
    uses `page.constraint_text`)."""
    if isinstance(c, MetricConstraint):
        bound = f"≥ {c.at_least:g}" if c.at_least is not None else f"≤ {c.at_most:g}"
        return local(c.label, "en") or f"{c.describe()} {bound}, P ≥ {c.probability:g}"
    return f"rule {c.rule}: every decided cluster passes, P ≥ {c.probability:g}"


def plan_yaml(outcome: Outcome) -> str:
    """The best plan as a self-contained scenario file (no `extends`): the planner's resolved
    scenario with the plan's approval years, without what it does not build, with the draws and
    seed of the search — `clustersim run` on it gives the numbers the search saw."""
    ev, best = outcome.evaluator, outcome.best
    scenario = plan_scenario(ev.loaded.scenario, ev.space, best.plan, best_id(outcome))
    scenario = scenario.model_copy(update={
        "draws": ev.draws, "seed": ev.seed,
        "title": plan_wording(outcome, best, "plan_title", title=_wording(scenario.title)),
        "description": plan_wording(outcome, best, "plan_description",
                                    file=Path(ev.loaded.chain[0]).name,
                                    description=_wording(scenario.description))})
    data = scenario.model_dump(mode="json", exclude={"extends", "optimise"}, exclude_none=True)
    yaml = YAML()
    yaml.width, yaml.allow_unicode = 100, True
    buf = io.StringIO()
    yaml.dump(data, buf)
    head = (f"# Written by clustersim {__version__} optimise from {ev.loaded.chain[0]} "
            f"(sha256 {ev.loaded.sha256[:12]}), seed {ev.seed}, {ev.draws} draws.\n"
            f"# Plan: {plan_text(outcome, best)}\n")
    return head + buf.getvalue()


def _wording(text: str | Wording) -> Wording:
    return text if isinstance(text, Wording) else Wording(vi=text or None, en=text or None)


def best_title(outcome: Outcome) -> Wording:
    """The recommended plan's title on its pages: "Recommended: <the plan>", per language."""
    return plan_wording(outcome, outcome.best, "best_title")


def _evaluation(outcome: Outcome, e: Evaluation) -> dict[str, Any]:
    cfg = outcome.evaluator.config
    return {
        "plan": outcome.space.describe(e.plan),
        "objectives": {o.describe(): v for o, v in zip(cfg.objectives, e.objectives)},
        "constraints": [{"constraint": constraint_label(c), "probability": p, "required": r,
                         "met": p >= r - 1e-12, **({"failing": list(f)} if f else {})}
                        for c, p, r, f in zip(cfg.constraints, e.probabilities, e.required,
                                              e.findings)],
        "feasible": e.feasible,
    }


def binding(outcome: Outcome) -> dict[str, int]:
    """`binding_counts` by constraint label."""
    cons = outcome.evaluator.config.constraints
    return {constraint_label(cons[j]): n for j, n in binding_counts(outcome).items()}


def binding_counts(outcome: Outcome) -> dict[int, int]:
    """What stops a better plan: for each constraint (by index), how many of the plans
    simulated that beat the recommendation on the (first) objective miss it (the
    recommendation itself when no plan meets every constraint); most missed first."""
    best, cfg = outcome.best, outcome.evaluator.config
    sense = 1.0 if cfg.objectives[0].sense == "maximise" else -1.0
    evals = list(outcome.result.evaluations.values()) + list(outcome.confirmed.values())
    better = [e for e in evals if not best.feasible and e.plan == best.plan
              or best.feasible and sense * e.objectives[0] > sense * best.objectives[0] + 1e-9]
    counts = {j: sum(1 for e in better if e.probabilities[j] < e.required[j] - 1e-12)
              for j in range(len(cfg.constraints))}
    return {k: v for k, v in sorted(counts.items(), key=lambda kv: -kv[1]) if v}


def optimise_json(outcome: Outcome, planner: Evaluation | None) -> str:
    ev, r = outcome.evaluator, outcome.result
    doc: dict[str, Any] = {
        "provenance": {"clustersim": __version__, "scenario": ev.loaded.chain[0],
                       "scenario_sha256": ev.loaded.sha256, "seed": ev.seed, "draws": ev.draws,
                       "method": "exact one-change neighbourhoods + HiGHS MILP proposals, "
                                 "simulated in full on common random numbers (docs/optimise.md)"},
        "problem": ev.config.model_dump(mode="json"),
        "screen_draws": outcome.screen_draws,
        "plans_in_space": ev.space.size(),
        "evaluations": len(r.evaluations),
        "seconds": round(r.seconds, 3),
        "stopped": r.stopped,
        "feasible_found": any(e.feasible for e in r.evaluations.values()),
        "best": _evaluation(outcome, outcome.best),
        "binding": binding(outcome),
        "start": _evaluation(outcome, r.start),
        "planner": None if planner is None else _evaluation(outcome, planner),
        "rounds": r.rounds,
        "pareto_front": [_evaluation(outcome, e) for e in outcome.front],
        "plans": [_evaluation(outcome, e) for e in r.evaluations.values()],
        "confirmed_on_every_draw": [_evaluation(outcome, e) for e in outcome.confirmed.values()],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1, default=_plain) + "\n"


def _plain(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    raise TypeError(type(x).__name__)


def plans_csv(outcome: Outcome) -> str:
    cfg = outcome.evaluator.config
    names = [v.name for v in outcome.space.variables]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([safe_cell(x) for x in (*names, *(o.describe() for o in cfg.objectives),
                *(f"P: {constraint_label(c)}" for c in cfg.constraints), "feasible")])
    for e in outcome.result.evaluations.values():
        w.writerow([*(safe_cell("" if v is None else v) for v in e.plan),
                    *(f"{v:.6f}" for v in e.objectives),
                    *(f"{p:.4f}" for p in e.probabilities), int(e.feasible)])
    return out.getvalue()


def pareto_csv(outcome: Outcome) -> str:
    cfg = outcome.evaluator.config
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([safe_cell(x) for x in (*(v.name for v in outcome.space.variables),
                                         *(o.describe() for o in cfg.objectives))])
    for e in outcome.front:
        w.writerow([*(safe_cell("" if v is None else v) for v in e.plan),
                    *(f"{v:.6f}" for v in e.objectives)])
    return out.getvalue()


def _axis(outcome: Outcome, k: int, lang: str) -> str:
    """An axis title of the Pareto front: the objective and its sense (pareto.svg: English)."""
    o = outcome.evaluator.config.objectives[k]
    if lang == "en":
        return f"{o.describe()} ({o.sense})"
    return f"{measure_text(o, lang, cluster_names(outcome))} ({optimise_words(lang)['sense:' + o.sense]})"


def _tick(value: float, lang: str) -> str:
    return f"{value:,.0f}" if lang == "en" else fmt_number(value, 0, lang)


def pareto_svg(outcome: Outcome, lang: str = "en", width: int = 640, height: int = 400) -> str:
    """Every feasible plan simulated (grey) and the Pareto front (joined, orange), with the
    recommendation ringed; labelled in `lang`."""
    cfg = outcome.evaluator.config
    ok = [e for e in outcome.result.evaluations.values() if e.feasible]
    if len(cfg.objectives) < 2 or not ok:
        return ""
    xs = np.array([e.objectives[0] for e in ok])
    ys = np.array([e.objectives[1] for e in ok])
    pad, left, bottom = 16, 70, 46
    x0, x1 = float(xs.min()), float(xs.max()) or 1.0
    y0, y1 = float(ys.min()), float(ys.max()) or 1.0

    def px(x: float) -> float:
        return left + (x - x0) / ((x1 - x0) or 1.0) * (width - left - pad)

    def py(y: float) -> float:
        return height - bottom - (y - y0) / ((y1 - y0) or 1.0) * (height - bottom - pad)

    dots = "".join(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="#9aa5b1"/>'
                   for x, y in zip(xs, ys))
    front = " ".join(f"{px(e.objectives[0]):.1f},{py(e.objectives[1]):.1f}" for e in outcome.front)
    b = outcome.best
    ring = (f'<circle cx="{px(b.objectives[0]):.1f}" cy="{py(b.objectives[1]):.1f}" r="7" '
            'fill="none" stroke="#1f4e79" stroke-width="2"/>') if b.feasible else ""
    labels = (f'<text x="{(left + width) / 2:.0f}" y="{height - 10}" text-anchor="middle">'
              f'{escape(_axis(outcome, 0, lang))}</text>'
              f'<text x="14" y="{(height - bottom) / 2:.0f}" text-anchor="middle" '
              f'transform="rotate(-90 14 {(height - bottom) / 2:.0f})">'
              f'{escape(_axis(outcome, 1, lang))}</text>'
              f'<text x="{left}" y="{height - bottom + 16}">{_tick(x0, lang)}</text>'
              f'<text x="{width - pad}" y="{height - bottom + 16}" text-anchor="end">'
              f'{_tick(x1, lang)}</text>'
              f'<text x="{left - 4}" y="{height - bottom}" text-anchor="end">{_tick(y0, lang)}</text>'
              f'<text x="{left - 4}" y="{pad + 8}" text-anchor="end">{_tick(y1, lang)}</text>')
    title = "Pareto front" if lang == "en" else optimise_words(lang)["front"]
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" font-family="sans-serif" font-size="11" '
            f'role="img"><title>{escape(title)}</title>'
            f'<rect x="{left}" y="{pad}" width="{width - left - pad}" height="{height - bottom - pad}" '
            f'fill="none" stroke="#ccc"/>{dots}'
            f'<polyline points="{front}" fill="none" stroke="#e07b00" stroke-width="2"/>'
            + "".join(f'<circle cx="{px(e.objectives[0]):.1f}" cy="{py(e.objectives[1]):.1f}" r="4" '
                      f'fill="#e07b00"/>' for e in outcome.front)
            + ring + labels + "</svg>\n")


def summary_lines(outcome: Outcome, planner: Evaluation | None) -> list[str]:
    """What the terminal says: the recommendation, against the planner's plan, or why none."""
    r, cfg, best = outcome.result, outcome.evaluator.config, outcome.best
    o = cfg.objectives[0]
    lines = [f"{len(r.evaluations)} plans of {outcome.space.size():,} simulated on "
             f"{outcome.screen_draws} draws, {len(outcome.confirmed)} again on all "
             f"{outcome.evaluator.draws}, in {r.seconds:.0f} s ({r.stopped})"]
    if not best.feasible:
        lines.append("no plan found meets every constraint; the closest misses:")
        lines += [f"  {constraint_label(c)}: P = {p:.2f} < {q:g}" for c, p, q
                  in zip(cfg.constraints, best.probabilities, best.required) if p < q - 1e-12]
        return lines
    lines.append(f"recommended: {plan_text(outcome, best)}")
    stops = binding(outcome)
    if stops:
        lines.append("  binding: " + "; ".join(f"{k} (missed by {v} better plans)"
                                               for k, v in list(stops.items())[:2]))
    lines.append(f"  {o.describe()} {o.stat}: {best.objectives[0]:,.1f}")
    if planner is not None:
        verdict = "meets" if planner.feasible else "misses"
        lines.append(f"  planner's plan: {planner.objectives[0]:,.1f} ({verdict} the constraints)")
    for c, p, q in zip(cfg.constraints, best.probabilities, best.required):
        lines.append(f"  {constraint_label(c)}: P = {p:.2f} (needs {q:g})")
    return lines


def optimise_page(outcome: Outcome, runs: list[Run], table: Any, lang: str,
                  planner: Evaluation | None = None) -> str:
    """The recommendation first (the plan in words, the objective against the planner's plan,
    the constraints, the decisions, the search, and for two objectives the Pareto front), then
    the paired comparison of the planner's plan and the recommendation in the objective's year
    (cards, verdict table, maps side by side, their difference, the table with P(better))."""
    findings = [check_all(r) for r in runs]
    view = comparison_view(runs, table, findings, lang=lang, year=objective_year(outcome),
                           names=side_names(lang))
    lead = decisions_html(outcome, planner, binding_counts(outcome), pareto_svg(outcome, lang),
                          lang)
    heading = optimise_words(lang)["page_title"]
    return render_comparison(dataclasses.replace(view, heading=heading, lead=lead))


def write_optimisation(outcome: Outcome, planner: Evaluation, best_run: Run, out: Path, *,
                       overwrite: bool, maps_dir: Path | None = None, lang: str = "vi") -> Path:
    """Into `out`, atomically: <id>-best.yaml, optimise.json, plans.csv, comparison.csv,
    optimise.html and, for two objectives, pareto.csv and pareto.svg."""
    runs = [outcome.run, best_run]
    table = comparison_table(runs)
    page = optimise_page(outcome, runs, table, lang, planner)
    files = {f"{best_id(outcome)}.yaml": plan_yaml(outcome),
             "optimise.json": optimise_json(outcome, planner), "plans.csv": plans_csv(outcome),
             "optimise.html": page}
    if len(outcome.evaluator.config.objectives) == 2:
        files.update({"pareto.csv": pareto_csv(outcome), "pareto.svg": pareto_svg(outcome)})
    with atomic_folder(out, overwrite=overwrite) as tmp:
        for name, text in files.items():
            (tmp / name).write_text(text, encoding="utf-8")
        write_frame(table, tmp / "comparison.csv", float_format="%.6f")
    if maps_dir is not None:
        copy_into(Path(maps_dir), {f"{outcome.run.loaded.scenario.id}-optimise.html":
                                   out / "optimise.html"})
    return out
