"""Rule findings: Decree 32/2024/NĐ-CP, QCVN 01 and TCVN 4449 checks on a simulated run.

Rules are data (`rules.yaml`, read by `rules.book`: id, citation, severity, thresholds); each
has one `check_*` function returning one `Finding` per cluster (or one for the district): the
area and land-use rules in `rules.land`, the occupancy gates in `rules.gates`, the spatial rules
in `rules.spatial`. This module holds what they share (Finding, Context, judge); `rules.engine`
runs them, `rules.check_table` prints and exports.
Rules that depend
on results are checked in every simulated year over every draw: P(fail) is the share of draws
that fail in at least one checked year, `p_fail_by_year` the share in each year.

Severity of a finding: `pass` (no draw fails), `fail` (a rule of severity fail breaks in at least
`engine.fail_at_probability` of draws in some year), `warn` (breaks in fewer draws, or the rule
is of severity warn, or the outline is schematic so a spatial result is indicative), `off`
(switched off by the scenario) and `n/a` (the rule cannot be checked: data or years missing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from simulator import constraints as sc
from simulator.gating import approval_year
from simulator.results import Results
from simulator.rules.book import EPS, Rule, rule_table
from simulator.words.findings import Msg, msg, render
from simulator.words.rules import fix_words

__all__ = ["Severity", "Finding", "Context", "judge", "na", "not_applicable", "found"]

Severity = Literal["pass", "warn", "fail", "off", "n/a"]


@dataclass(frozen=True)
class Finding:
    """One rule on one cluster (or `district` / `all`), over every draw and year."""

    rule: str
    citation: str
    cluster: str
    year: int | None  # first year failing; the year checked when it passes
    severity: Severity
    p_fail: float  # share of draws failing in at least one checked year
    message: str  # in English; `text(lang)` in a language
    fix: str  # in English; `fix_text(lang)` in a language
    p_fail_by_year: dict[int, float] = field(default_factory=dict)  # years with P > 0
    overridden: tuple[str, ...] = ()  # threshold names the scenario changed
    key: str = ""  # the message's key in simulator.words.findings, and its parameters
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def text(self, lang: str = "en") -> str:
        """The message in a language (the English `message` when it has no key)."""
        return render(msg(self.key, **self.params), lang) if self.key else self.message

    def fix_text(self, lang: str = "en") -> str:
        return fix_words(self.rule, lang)


@dataclass(frozen=True)
class Context:
    """What the checks read: the scenario, its results, outlines and spatial constraints."""

    scenario: Any
    results: Results
    outlines: Any  # GeoDataFrame in EPSG:5897: id, geometry, accuracy (same order as clusters)
    constraints: sc.Constraints | None
    layers_problem: Msg
    thresholds: dict[str, dict[str, float]]
    overridden: dict[str, tuple[str, ...]]
    off: tuple[str, ...] = ()

    def t(self, rule: str) -> dict[str, float]:
        return self.thresholds[rule]

    def index(self, cluster_id: str) -> int:
        return self.results.cluster_ids.index(cluster_id)


def _severity(ctx: Context, rule: Rule, p: float, soften: bool) -> Severity:
    if p <= 0:
        return "pass"
    if rule.severity == "warn" or soften or p < ctx.t("engine")["fail_at_probability"] - EPS:
        return "warn"
    return "fail"


def found(rid: str, cluster: str, year: int | None, severity: Severity, p: float,
          message: Msg, by_year: dict[int, float], overridden: tuple[str, ...]) -> Finding:
    """A finding whose message is a key and parameters (`simulator.words.findings`)."""
    rule = rule_table()[rid]
    return Finding(rid, rule.citation, cluster, year, severity, p, render(message), rule.fix,
                   by_year, overridden, message["key"], message["params"])


def judge(ctx: Context, rid: str, cluster: str, failing: Any, message: Msg, *,
           year: int | None = None, soften: bool = False) -> Finding:
    """failing: bool, (draw,) bools at `year`, or (draw, year) bools over the results' years."""
    rule = rule_table()[rid]
    f = np.asarray(failing, dtype=bool)
    if f.ndim == 2:
        share = f.mean(axis=0)
        pairs = zip(ctx.results.years, share, strict=True)
        by_year = {int(y): float(s) for y, s in pairs if s > 0}
        p, year = float(f.any(axis=1).mean()), (min(by_year) if by_year else year)
    elif f.ndim == 1 and year is None:
        raise ValueError("judge: a (draw,) array needs the year it was checked in")
    else:
        p = float(f.mean())
        by_year = {year: p} if p > 0 and year is not None else {}
    if soften and p > 0:
        message = msg("schematic", inner=message)
    return found(rid, cluster, year, _severity(ctx, rule, p, soften), p, message, by_year,
                 ctx.overridden.get(rid, ()))


def na(ctx: Context, rid: str, cluster: str, why: Msg, year: int | None = None) -> Finding:
    return found(rid, cluster, year, "n/a", 0.0, why, {}, ctx.overridden.get(rid, ()))


def not_applicable(ctx: Context, rid: str, c: Any, *, simulated: bool = False) -> Finding | None:
    """n/a when the cluster was approved before the rule, or (simulated) outside the years run."""
    a, rule, years = approval_year(c), rule_table()[rid], ctx.results.years
    if a < rule.applies_from:
        return na(ctx, rid, c.id, msg("approved_before", year=a, applies=rule.applies_from), a)
    if simulated and not years[0] <= a <= years[-1]:
        return na(ctx, rid, c.id, msg("approved_outside", year=a, start=int(years[0]),
                                      end=int(years[-1])), a)
    return None
