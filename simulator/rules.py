"""Rule engine: Decree 32/2024/NĐ-CP, QCVN 01 and TCVN 4449 checks on a simulated run.

Rules are data (`rules.yaml`: id, citation, severity, thresholds); each has one `check_*`
function returning one `Finding` per cluster (or one for the district): the area and land-use
rules in `rules_land`, the occupancy gates in `rules_gates`, the spatial rules in
`rules_spatial`. This module holds the engine they share; `rules_report` prints and exports.
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
from functools import cache
from importlib import resources
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from simulator import constraints as sc

if TYPE_CHECKING:
    from simulator.results import Results
    from simulator.run import Run
    from simulator.scenario.rules_config import RulesConfig

__all__ = [
    "Finding", "Rule", "Context", "rule_table", "known_thresholds", "build_context", "check_all",
    "checks", "merged_thresholds", "approval_year", "judge", "na", "not_applicable", "fmt_q", "EPS",
]

Severity = Literal["pass", "warn", "fail", "off", "n/a"]
EPS = 1e-9


@dataclass(frozen=True)
class Rule:
    id: str
    short: str
    title: dict[str, str]
    citation: str
    confidence: str
    severity: Literal["warn", "fail"]
    applies_from: int
    thresholds: dict[str, float]
    fix: str


@cache
def _yaml() -> dict[str, Any]:
    from ruamel.yaml import YAML

    text = resources.files("simulator").joinpath("rules.yaml").read_text(encoding="utf-8")
    return YAML(typ="safe").load(text)  # type: ignore[no-any-return]


@cache
def rule_table() -> dict[str, Rule]:
    """The rules of rules.yaml by id, in file order."""
    return {r["id"]: Rule(**{**r, "thresholds": {k: float(v) for k, v in r["thresholds"].items()}})
            for r in _yaml()["rules"]}


def known_thresholds() -> dict[str, dict[str, float]]:
    """Default thresholds by rule id, plus the `engine` settings."""
    out = {"engine": {k: float(v) for k, v in _yaml()["engine"]["thresholds"].items()}}
    return out | {rid: dict(r.thresholds) for rid, r in rule_table().items()}


@dataclass(frozen=True)
class Finding:
    """One rule on one cluster (or `district` / `all`), over every draw and year."""

    rule: str
    citation: str
    cluster: str
    year: int | None  # first year failing; the year checked when it passes
    severity: Severity
    p_fail: float  # share of draws failing in at least one checked year
    message: str
    fix: str
    p_fail_by_year: dict[int, float] = field(default_factory=dict)  # years with P > 0
    overridden: tuple[str, ...] = ()  # threshold names the scenario changed


@dataclass(frozen=True)
class Context:
    """What the checks read: the scenario, its results, outlines and spatial constraints."""

    scenario: Any
    results: Results
    outlines: Any  # GeoDataFrame in EPSG:5897: id, geometry, accuracy (same order as clusters)
    constraints: sc.Constraints | None
    layers_problem: str
    thresholds: dict[str, dict[str, float]]
    overridden: dict[str, tuple[str, ...]]
    off: tuple[str, ...] = ()

    def t(self, rule: str) -> dict[str, float]:
        return self.thresholds[rule]

    def index(self, cluster_id: str) -> int:
        return self.results.cluster_ids.index(cluster_id)


def approval_year(c: Any) -> int:
    return int(min(p.approval_year for p in c.phases))


def merged_thresholds(config: RulesConfig | None = None) -> dict[str, dict[str, float]]:
    """rules.yaml thresholds with the config's overrides applied."""
    from simulator.scenario.rules_config import RulesConfig

    return _merged(config or RulesConfig())[0]


def _merged(config: RulesConfig) -> tuple[dict[str, dict[str, float]], dict[str, tuple[str, ...]]]:
    merged = known_thresholds()
    changed = {}
    for rule, values in config.thresholds.items():
        merged[rule] = merged[rule] | {k: float(v) for k, v in values.items()}
        default = known_thresholds()[rule]
        changed[rule] = tuple(k for k, v in values.items() if float(v) != default[k])
    return merged, {k: v for k, v in changed.items() if v}


def _constraints(layers: sc.Layers | None, t: dict[str, dict[str, float]]) -> tuple[Any, str]:
    try:
        return sc.build_constraints(layers or sc.load_layers(), t), ""
    except Exception as e:  # a missing or unreadable GeoPackage makes the spatial rules n/a
        return None, f"district layers unavailable ({e})"


def build_context(run: Run, config: RulesConfig | None = None, *,
                  layers: sc.Layers | None = None, spatial: bool = True) -> Context:
    """Merge thresholds, project the outlines and build the constraints once (`spatial`)."""
    from simulator.geodata import METRIC_CRS
    from simulator.scenario.rules_config import RulesConfig

    scenario = run.loaded.scenario
    cfg = config or getattr(scenario, "rules", None) or RulesConfig()
    thresholds, overridden = _merged(cfg)
    if layers is None and getattr(run, "layers", None):
        layers = sc.load_layers(run.layers)  # the scenario's own layers, planner files included
    cons, problem = _constraints(layers, thresholds) if spatial else (None, "not built")
    outlines = run.geometries.frame.to_crs(METRIC_CRS)
    return Context(scenario, run.results, outlines, cons, problem, thresholds, overridden,
                   tuple(cfg.off))


def _severity(ctx: Context, rule: Rule, p: float, soften: bool) -> Severity:
    if p <= 0:
        return "pass"
    if rule.severity == "warn" or soften or p < ctx.t("engine")["fail_at_probability"] - EPS:
        return "warn"
    return "fail"


def judge(ctx: Context, rid: str, cluster: str, failing: Any, message: str, *,
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
        message += " (schematic outline: confirm with a surveyed one)"
    return Finding(rid, rule.citation, cluster, year, _severity(ctx, rule, p, soften), p,
                   message, rule.fix, by_year, ctx.overridden.get(rid, ()))


def na(ctx: Context, rid: str, cluster: str, why: str, year: int | None = None) -> Finding:
    rule = rule_table()[rid]
    return Finding(rid, rule.citation, cluster, year, "n/a", 0.0, why, rule.fix, {},
                   ctx.overridden.get(rid, ()))


def not_applicable(ctx: Context, rid: str, c: Any, *, simulated: bool = False) -> Finding | None:
    """n/a when the cluster was approved before the rule, or (simulated) outside the years run."""
    a, rule, years = approval_year(c), rule_table()[rid], ctx.results.years
    if a < rule.applies_from:
        return na(ctx, rid, c.id, f"approved {a}, before the rule applies ({rule.applies_from})", a)
    if simulated and not years[0] <= a <= years[-1]:
        return na(ctx, rid, c.id, f"approved {a}, outside the simulated years "
                                   f"{years[0]}–{years[-1]}", a)
    return None


def fmt_q(a: np.ndarray) -> str:
    p10, p50, p90 = np.quantile(a, (0.1, 0.5, 0.9))
    return f"{p50:.0f}" if np.isclose(p10, p90) else f"{p50:.0f} (P10 {p10:.0f}, P90 {p90:.0f})"




def checks() -> dict[str, Callable[[Context], list[Finding]]]:
    """rule id → check function, in rules.yaml order."""
    from simulator import rules_gates, rules_land, rules_spatial

    found: dict[str, Callable[[Context], list[Finding]]] = {}
    for module in (rules_land, rules_gates, rules_spatial):
        found |= {name.removeprefix("check_"): getattr(module, name)
                  for name in module.__all__ if name.startswith("check_")}
    missing = set(rule_table()) ^ set(found)
    if missing:
        raise RuntimeError(f"rules.yaml and the check_* functions disagree on {sorted(missing)}")
    return {rid: found[rid] for rid in rule_table()}


def check_all(run: Run, config: RulesConfig | None = None, *,
              layers: sc.Layers | None = None) -> list[Finding]:
    """Every rule on every cluster; `config` defaults to the scenario's `rules:` section.

    `layers` replaces the bundled district layers (tests, other districts)."""
    ctx = build_context(run, config, layers=layers)
    out: list[Finding] = []
    for rid, check in checks().items():
        if rid in ctx.off:
            rule = rule_table()[rid]
            out.append(Finding(rid, rule.citation, "all", None, "off", 0.0,
                               "switched off by the scenario (rules.off)", rule.fix))
            continue
        out.extend(check(ctx))
    return out
