"""The `optimise:` section against the rest of the scenario and the results contract: cluster
ids, years within the simulated ones, metric names (any metric the results hold, so new ones of
the contract are objectives at once) and contradictory bounds — each problem located."""

from __future__ import annotations

import difflib
from typing import Any

from simulator.errors import Problem
from simulator.scenario.load import LoadedScenario
from simulator.scenario.optimise_config import Measure, MetricConstraint, OptimiseConfig

__all__ = ["check_optimise"]


def _loc_problem(loaded: LoadedScenario, loc: tuple[Any, ...], expected: str, found: str) -> Problem:
    file, line, where = loaded.sources.locate(loc)
    return Problem(file, line, where, expected, found)


def _check_measure(loaded: LoadedScenario, loc: tuple[Any, ...], m: Measure,
                   metrics: set[str]) -> list[Problem]:
    s, out = loaded.scenario, []
    if m.metric not in metrics:
        close = difflib.get_close_matches(m.metric, sorted(metrics), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        out.append(_loc_problem(loaded, (*loc, "metric"), "a metric of the results" + hint + ": "
                                + ", ".join(sorted(metrics)), repr(m.metric)))
    if m.cluster is not None and m.cluster not in {c.id for c in s.clusters}:
        out.append(_loc_problem(loaded, (*loc, "cluster"), "a cluster id of the scenario",
                                repr(m.cluster)))
    for key in ("year", "from_year", "to_year"):
        y = getattr(m, key)
        if y is not None and not s.base_year <= y <= s.horizon_year:
            out.append(_loc_problem(loaded, (*loc, key), f"a year within {s.base_year}–"
                                    f"{s.horizon_year}", str(y)))
    return out


def _check_decisions(loaded: LoadedScenario, cfg: OptimiseConfig) -> list[Problem]:
    s, out = loaded.scenario, []
    ids, seen = {c.id: c for c in s.clusters}, set()
    for i, d in enumerate(cfg.decisions):
        loc = ("optimise", "decisions", i)
        if d.cluster not in ids:
            out.append(_loc_problem(loaded, (*loc, "cluster"), "a cluster id of the scenario",
                                    repr(d.cluster)))
        elif d.cluster in seen:
            out.append(_loc_problem(loaded, (*loc, "cluster"), "each cluster decided once",
                                    f"{d.cluster!r} again"))
        seen.add(d.cluster)
        if not (s.base_year <= d.years[0] and d.years[1] <= s.horizon_year):
            out.append(_loc_problem(loaded, (*loc, "years"), f"a window within {s.base_year}–"
                                    f"{s.horizon_year}", f"[{d.years[0]}, {d.years[1]}]"))
    return out


def _same_measure(a: MetricConstraint, b: MetricConstraint) -> bool:
    keys = ("metric", "cluster", "over", "year", "from_year", "to_year", "discount_rate")
    return all(getattr(a, k) == getattr(b, k) for k in keys)


def _contradictions(loaded: LoadedScenario, cfg: OptimiseConfig) -> list[Problem]:
    """P(X ≥ a) + P(X ≤ b) ≤ 1 when a > b: two such bounds whose probabilities add up to more
    than 1 cannot both hold."""
    out = []
    cons = [(i, c) for i, c in enumerate(cfg.constraints) if isinstance(c, MetricConstraint)]
    for i, lo in cons:
        for j, hi in cons:
            if (lo.at_least is None or hi.at_most is None or not _same_measure(lo, hi)
                    or lo.at_least <= hi.at_most or lo.probability + hi.probability <= 1):
                continue
            out.append(_loc_problem(
                loaded, ("optimise", "constraints", j), "constraints that can hold together",
                f"{hi.metric} ≤ {hi.at_most:g} with P ≥ {hi.probability:g} contradicts "
                f"constraints[{i}]: ≥ {lo.at_least:g} with P ≥ {lo.probability:g}"))
    return out


def check_optimise(loaded: LoadedScenario, metrics: set[str]) -> list[Problem]:
    """Every problem of the `optimise:` section against the scenario and the metric names."""
    cfg: OptimiseConfig | None = getattr(loaded.scenario, "optimise", None)
    if cfg is None:
        return [_loc_problem(loaded, (), "an `optimise:` section (docs/optimise.md)", "none")]
    out = _check_decisions(loaded, cfg)
    for i, o in enumerate(cfg.objectives):
        out += _check_measure(loaded, ("optimise", "objectives", i), o, metrics)
    for i, c in enumerate(cfg.constraints):
        if isinstance(c, MetricConstraint):
            out += _check_measure(loaded, ("optimise", "constraints", i), c, metrics)
    return out + _contradictions(loaded, cfg)
