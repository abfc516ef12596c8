"""The words of an optimisation in the page's language: the plan ("Phú Vân and Vân Ninh in
2026; Tín An not built", by cluster name), its title and description for the plan's scenario
file, the objective and the constraints, and the section that opens optimise.html (the
recommendation, the constraints met, the decisions, how the search went)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup, escape

from simulator.maps.features import cluster_label
from simulator.maps.formatting import fmt_number, fmt_pct
from simulator.optimise.plans import Evaluation, Variable
from simulator.optimise.solve import Outcome
from simulator.rules.book import rule_table
from simulator.scenario.optimise_config import Measure, MetricConstraint
from simulator.scenario.wording import LANGS, Wording, local
from simulator.words.optimise import optimise_words
from simulator.words.pages import metric_label, unit_label

__all__ = ["plan_text", "plan_wording", "measure_text", "constraint_text", "decisions_html",
           "objective_year", "side_names", "cluster_names"]

_EPS = 1e-12


def side_names(lang: str) -> tuple[str, str]:
    """What the page calls the planner's plan and the recommendation."""
    w = optimise_words(lang)
    return w["name_a"], w["name_b"]


def cluster_names(outcome: Outcome) -> dict[str, str]:
    return {c.id: cluster_label(c.name) for c in outcome.run.loaded.scenario.clusters}


def _decision_name(names: Mapping[str, str], v: Variable, lang: str) -> str:
    name = names.get(v.cluster, v.cluster)
    return name if v.phase is None else f"{name} {optimise_words(lang)['phase'].format(n=v.phase + 1)}"


def _joined(items: list[str], lang: str) -> str:
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {optimise_words(lang)['and']} {items[-1]}"


def plan_text(outcome: Outcome, e: Evaluation, lang: str = "en") -> str:
    """The plan in words, year by year, by cluster name: "Phú Vân and Vân Ninh in 2026;
    Nhất Hiệu in 2028; Tín An not built" (with the phase when phases are decided apart)."""
    w, names = optimise_words(lang), cluster_names(outcome)
    by_year: dict[int | None, list[str]] = {}
    for v, year in zip(outcome.space.variables, e.plan):
        by_year.setdefault(year, []).append(_decision_name(names, v, lang))
    parts = [w["plan_year"].format(names=_joined(by_year[y], lang), year=y)
             for y in sorted(y for y in by_year if y is not None)]
    if None in by_year:
        parts.append(w["plan_none"].format(names=_joined(by_year[None], lang)))
    return "; ".join(parts)


def plan_wording(outcome: Outcome, e: Evaluation, key: str, **more: Any) -> Wording:
    """A text about the plan in both languages (`optimise_words` key, e.g. "title" or
    "plan_description"): `plan` is filled with `plan_text`; a `Wording` in `more` is taken in
    each language."""
    def one(lang: str) -> str:
        filled = {k: local(v, lang) if isinstance(v, Wording) else v for k, v in more.items()}
        return optimise_words(lang)[key].format(plan=plan_text(outcome, e, lang), **filled)
    return Wording(**{lang: one(lang) for lang in LANGS})


def _stat(stat: str, lang: str) -> str:
    w = optimise_words(lang)
    return w["stat:mean"] if stat == "mean" else w["stat:p"].format(n=stat[1:])


def measure_text(m: Measure, lang: str, names: Mapping[str, str]) -> str:
    """`jobs, 2035` / `Việc làm, năm 2035`, with the cluster's name when it is one cluster's."""
    w = optimise_words(lang)
    metric = metric_label(m.metric, lang)
    if m.cluster:
        metric = f"{metric} — {names.get(m.cluster, m.cluster)}"
    return w[f"over:{m.over}"].format(metric=metric, year=m.year, start=m.from_year or w["base"],
                                      end=m.to_year or w["horizon"])


def _number(value: float, lang: str) -> str:
    return fmt_number(value, 0 if float(value).is_integer() else 1, lang)


def constraint_text(c: Any, lang: str, names: Mapping[str, str]) -> str:
    """The constraint as the page names it: the author's label in the page's language, else
    the measure and its bound; a rule constraint by the rule's title."""
    w = optimise_words(lang)
    if isinstance(c, MetricConstraint):
        if c.label:
            return local(c.label, lang)
        sign, value = ("≥", c.at_least) if c.at_least is not None else ("≤", c.at_most)
        return w["bound"].format(measure=measure_text(c, lang, names), sign=sign,
                                 value=_number(float(value or 0), lang))
    title = rule_table()[c.rule].title
    return w["rule_constraint"].format(rule=title.get(lang, title["en"]))


def objective_year(outcome: Outcome) -> int | None:
    """The year of the (first) objective when it is one year's value, else None."""
    o = outcome.evaluator.config.objectives[0]
    return o.year if o.over == "year" else None


def _constraints_table(outcome: Outcome, planner: Evaluation | None, lang: str,
                       names: Mapping[str, str]) -> str:
    w, best = optimise_words(lang), outcome.best
    head = '<th scope="col">' + w["constraint"] + "</th>" + "".join(
        f'<th scope="col" class="num">{w[k]}</th>' for k in ("needs", "recommended", "planner"))

    def cell(e: Evaluation | None, j: int) -> str:
        if e is None:
            return '<td class="num">–</td>'
        ok = e.probabilities[j] >= e.required[j] - _EPS
        return (f'<td class="num ccn-{"met" if ok else "missed"}">'
                f'{fmt_pct(e.probabilities[j], lang)}<br><small>{w["met" if ok else "missed"]}'
                "</small></td>")

    rows = "".join(
        f"<tr><th scope=\"row\">{escape(constraint_text(c, lang, names))}</th>"
        f"<td class=\"num\">{fmt_pct(best.required[j], lang)}</td>{cell(best, j)}"
        f"{cell(planner, j)}</tr>"
        for j, c in enumerate(outcome.evaluator.config.constraints))
    return (f'<h3>{w["constraints"]}</h3><div class="ccn-table-wrap"><table class="ccn-table">'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>")


def _decisions_table(outcome: Outcome, lang: str, names: Mapping[str, str]) -> str:
    w = optimise_words(lang)
    planner = {c.id: c for c in outcome.run.loaded.scenario.clusters}
    rows = []
    for v, year in zip(outcome.space.variables, outcome.best.plan):
        was = planner[v.cluster].phases[v.phase or 0].approval_year
        phase = w["all_phases"] if v.phase is None else w["phase"].format(n=v.phase + 1)
        rows.append(f"<tr><th scope=\"row\">{escape(names.get(v.cluster, v.cluster))}</th>"
                    f"<td>{escape(phase)}</td><td>{was}</td>"
                    f"<td><b>{'—' if year is None else year}</b></td></tr>")
    head = "".join(f"<th scope=\"col\">{w[k]}</th>"
                   for k in ("cluster", "decision", "planner", "recommended"))
    return (f'<h3>{w["heading"]}</h3><div class="ccn-table-wrap"><table class="ccn-table '
            f'ccn-decisions"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
            "</table></div>")


def _objective_line(outcome: Outcome, planner: Evaluation | None, lang: str,
                    names: Mapping[str, str]) -> str:
    w, o = optimise_words(lang), outcome.evaluator.config.objectives[0]
    unit = unit_label(outcome.run.results.units.get(o.metric, ""), lang)
    measure = f"{measure_text(o, lang, names)} ({_stat(o.stat, lang)})"
    sense = w[f"sense:{o.sense}"]
    if planner is None:
        return w["objective"].format(measure=measure, sense=sense) + "."
    return w["objective_value"].format(
        measure=measure, sense=sense,
        best=f"{_number(round(outcome.best.objectives[0]), lang)} {unit}",
        planner=f"{_number(round(planner.objectives[0]), lang)} {unit}") + "."


def _binding_line(outcome: Outcome, stops: Mapping[int, int], lang: str,
                  names: Mapping[str, str]) -> str:
    w, cons = optimise_words(lang), outcome.evaluator.config.constraints
    items = [w["binding_item"].format(constraint=constraint_text(cons[j], lang, names),
                                      n=fmt_number(n, 0, lang))
             for j, n in list(stops.items())[:2]]
    return w["binding"].format(items="; ".join(items)) if items else ""


def decisions_html(outcome: Outcome, planner: Evaluation | None, stops: Mapping[int, int],
                   svg: str, lang: str) -> str:
    """The section that opens optimise.html: the recommended plan in words, the objective
    against the planner's plan, each constraint's probability for both, what stops a better
    plan (`stops`: constraint index → better plans missing it), the decisions, the search, and
    the Pareto front `svg` (trusted, may be "")."""
    w, names, best = optimise_words(lang), cluster_names(outcome), outcome.best
    r, ev = outcome.result, outcome.evaluator
    search = w["search"].format(
        done=fmt_number(len(r.evaluations), 0, lang), total=fmt_number(outcome.space.size(), 0, lang),
        screen=fmt_number(outcome.screen_draws, 0, lang),
        confirmed=fmt_number(len(outcome.confirmed), 0, lang), draws=fmt_number(ev.draws, 0, lang),
        why=w.get(f"stopped:{r.stopped}", r.stopped))
    parts = [f'<section class="ccn-block ccn-optimise"><h2>{w["recommendation"]}</h2>',
             f'<p class="ccn-verdict">{escape(plan_text(outcome, best, lang))}</p>',
             f"<p>{escape(_objective_line(outcome, planner, lang, names))}</p>"]
    if not best.feasible:
        parts.append(f'<p class="ccn-missed">{w["feasible_none"]}</p>')
    if ev.config.constraints:
        parts.append(_constraints_table(outcome, planner, lang, names))
        binding = _binding_line(outcome, stops, lang, names)
        parts.append(f"<p>{escape(binding)}</p>" if binding else "")
    parts += [_decisions_table(outcome, lang, names), f'<p class="ccn-note">{escape(search)}</p>',
              str(Markup("<h3>{}</h3>").format(w["front"])) + svg if svg else "", "</section>\n"]
    return "".join(parts)
