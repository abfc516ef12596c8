"""Plans of the `optimise:` problem and their evaluation on common random numbers.

A *plan* gives each decision variable a value: an approval year in its window, or None (not
built). `PlanSpace` lists the variables; `Evaluator` turns a plan into an ordinary scenario
(the planner's, with approval years changed and unbuilt clusters or phases dropped), simulates
it with the planner's seed and draws — parameter draws are keyed by parameter identity, so a
parameter the plans share has the same value in draw k of every plan — and reads the
objective(s) and constraints per draw.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from simulator.geodata import ClusterGeometries, GeoArrays
from simulator.inputs import build_inputs
from simulator.results import Results
from simulator.rules.engine import build_context, checks
from simulator.run import Run, simulate_run
from simulator.scenario.load import LoadedScenario
from simulator.scenario.wording import Wording
from simulator.scenario.optimise_config import (
    Measure, MetricConstraint, Objective, OptimiseConfig, RuleConstraint,
)

__all__ = ["Plan", "Variable", "PlanSpace", "Evaluation", "Evaluator", "measure_values",
           "statistic", "rule_keys", "plan_scenario", "objective_sense"]

Plan = tuple[int | None, ...]  # one value per variable: approval year, or None (not built)


@dataclass(frozen=True)
class Variable:
    """One decision: a cluster's approval year (phase None: the first phase's, the others
    keeping their offsets) or one phase's."""

    cluster: str
    phase: int | None
    options: tuple[int | None, ...]

    @property
    def name(self) -> str:
        return self.cluster if self.phase is None else f"{self.cluster}[{self.phase}]"


@dataclass(frozen=True)
class PlanSpace:
    variables: tuple[Variable, ...]

    @classmethod
    def of(cls, scenario: Any) -> PlanSpace:
        cfg: OptimiseConfig = scenario.optimise
        clusters = {c.id: c for c in scenario.clusters}
        out = []
        for d in cfg.decisions:
            if d.per_phase:
                out += [Variable(d.cluster, k, d.options()) for k in range(len(clusters[d.cluster].phases))]
            else:
                out.append(Variable(d.cluster, None, d.options()))
        return cls(tuple(out))

    def valid(self, plan: Plan) -> bool:
        """Phases of a cluster in order: a phase not before the one before it, and none built
        after a phase that is not."""
        for a, b, va, vb in zip(self.variables, self.variables[1:], plan, plan[1:]):
            if a.cluster != b.cluster:
                continue
            if va is None and vb is not None or (va is not None and vb is not None and vb < va):
                return False
        return True

    def size(self) -> int:
        return int(np.prod([len(v.options) for v in self.variables], dtype=float))

    def nearest(self, scenario: Any) -> Plan:
        """The planner's own plan, each year moved to the nearest option of its window."""
        clusters = {c.id: c for c in scenario.clusters}
        plan = []
        for v in self.variables:
            phases = clusters[v.cluster].phases
            year = phases[v.phase or 0].approval_year
            years = [o for o in v.options if o is not None]
            plan.append(min(years, key=lambda o: (abs(o - year), o)))
        return tuple(plan)

    def describe(self, plan: Plan) -> dict[str, int | None]:
        return {v.name: o for v, o in zip(self.variables, plan)}


def _plan_cluster(c: Any, values: list[tuple[Variable, int | None]]) -> Any:
    """The cluster with the plan's approval years (None: dropped; phases cut after the first
    unbuilt one, so that kept phases keep their index and so their draws)."""
    phases = list(c.phases)
    if len(values) == 1 and values[0][0].phase is None:
        year = values[0][1]
        if year is None:
            return None
        shift = year - min(p.approval_year for p in phases)
        new = [p.model_copy(update={"approval_year": p.approval_year + shift}) for p in phases]
    else:
        new = []
        for v, year in sorted(values, key=lambda t: t[0].phase or 0):
            if year is None:
                break
            new.append(phases[v.phase or 0].model_copy(update={"approval_year": year}))
        if not new:
            return None
    return c.model_copy(update={"phases": new})


def plan_scenario(scenario: Any, space: PlanSpace, plan: Plan, plan_id: str | None = None,
                  title: str | Wording | None = None) -> Any:
    """The scenario a plan stands for: the planner's, with the plan's approval years and
    without the clusters (or trailing phases) it does not build. Validated again."""
    by_cluster: dict[str, list[tuple[Variable, int | None]]] = {}
    for v, o in zip(space.variables, plan):
        by_cluster.setdefault(v.cluster, []).append((v, o))
    clusters = []
    for c in scenario.clusters:
        planned = _plan_cluster(c, by_cluster[c.id]) if c.id in by_cluster else c
        if planned is not None:
            clusters.append(planned)
    update: dict[str, Any] = {"clusters": clusters}
    if plan_id is not None:
        update["id"] = plan_id
    if title is not None:
        update["title"] = title
    return scenario.model_copy(update=update)


def measure_values(results: Results, m: Measure, base_rate: float) -> np.ndarray:
    """The measure per draw (D,). A cluster the plan does not build counts 0."""
    if m.cluster is None:
        arr = results.district[m.metric]
    elif m.cluster in results.cluster_ids:
        arr = results.metrics.column(m.metric, results.cluster_ids.index(m.cluster))
    else:
        return np.zeros(results.draws)
    years = results.years
    if m.over == "year":
        return np.asarray(arr[:, results.year_index(int(m.year or years[-1]))], dtype=float)
    lo, hi = m.from_year or int(years[0]), m.to_year or int(years[-1])
    sel = (years >= lo) & (years <= hi)
    part = arr[:, sel]
    if m.over == "sum":
        return np.asarray(part.sum(axis=1))
    if m.over == "discounted":
        rate = base_rate if m.discount_rate is None else m.discount_rate
        factor = (1.0 + rate) ** -(years[sel] - years[0]).astype(float)
        return np.asarray(part @ factor)
    return np.asarray(part.max(axis=1) if m.over == "max" else part.min(axis=1))


def statistic(values: np.ndarray, stat: str) -> float:
    if stat == "mean":
        return float(values.mean())
    return float(np.quantile(values, int(stat[1:]) / 100.0))


def met(values: np.ndarray, c: MetricConstraint) -> np.ndarray:
    """Per draw, whether the bound holds."""
    if c.at_least is not None:
        return np.asarray(values >= c.at_least - 1e-9)
    return np.asarray(values <= float(c.at_most or 0.0) + 1e-9)


@dataclass(frozen=True)
class Evaluation:
    """One plan simulated on every draw."""

    plan: Plan
    objectives: tuple[float, ...]  # the statistic of each objective
    objective_draws: tuple[np.ndarray, ...]  # (D,) per objective
    constraint_draws: tuple[np.ndarray, ...]  # (D,) per metric constraint; P(fail) per rule_keys of a rule
    probabilities: tuple[float, ...]  # achieved: share of draws meeting / min P(pass) of a rule
    required: tuple[float, ...]
    findings: tuple[tuple[str, ...], ...]  # per constraint: clusters failing a rule constraint

    @property
    def shortfalls(self) -> tuple[float, ...]:
        return tuple(max(0.0, r - p) for p, r in zip(self.probabilities, self.required))

    @property
    def feasible(self) -> bool:
        return all(s <= 1e-12 for s in self.shortfalls)

    @property
    def violation(self) -> float:
        return float(sum(self.shortfalls))


@dataclass(frozen=True)
class Evaluator:
    """Everything needed to simulate a plan: picklable, so that Dask workers can run it."""

    loaded: LoadedScenario
    geometries: ClusterGeometries
    geo: GeoArrays
    space: PlanSpace
    draws: int
    seed: int
    hold_bytes: int | None = None

    @property
    def config(self) -> OptimiseConfig:
        cfg: OptimiseConfig = self.loaded.scenario.optimise
        return cfg

    def run(self, plan: Plan, plan_id: str | None = None,
            layers: dict[str, Any] | None = None, title: str | Wording | None = None) -> Run:
        """The plan's scenario simulated: the numbers `clustersim run` gives for it."""
        scenario = plan_scenario(self.loaded.scenario, self.space, plan, plan_id, title)
        ids = [c.id for c in self.loaded.scenario.clusters]
        keep = np.array([ids.index(c.id) for c in scenario.clusters], dtype=np.intp)
        g = self.geo
        geo = replace(g, access_km=g.access_km[keep], distance_km=g.distance_km[keep],
                      cluster_commune=g.cluster_commune[keep])
        frame = self.geometries.frame.iloc[keep].reset_index(drop=True)
        loaded = replace(self.loaded, scenario=scenario)
        inputs = build_inputs(scenario, geo, draws=self.draws, seed=self.seed)
        return simulate_run(loaded, ClusterGeometries(frame, ()), inputs, layers or {},
                            hold_bytes=self.hold_bytes)

    def __call__(self, plan: Plan) -> Evaluation:
        return self.score(self.run(plan), plan)

    def score(self, run: Run, plan: Plan) -> Evaluation:
        """The objectives and constraints of a simulated plan (or of the planner's own run)."""
        cfg, r = self.config, run.results
        rate = self.loaded.scenario.district.params.discount_rate.central()
        objective_draws = tuple(measure_values(r, o, rate) for o in cfg.objectives)
        draws, probs, required = [], [], []
        failing: list[tuple[str, ...]] = []
        for c in cfg.constraints:
            if isinstance(c, MetricConstraint):
                values = measure_values(r, c, rate)
                draws.append(values)
                probs.append(float(met(values, c).mean()))
                failing.append(())
            else:
                p_fail, who = _rule_fail(run, c)
                draws.append(p_fail)
                probs.append(1.0 - float(p_fail.max()))
                failing.append(who)
            required.append(c.probability)
        return Evaluation(plan, tuple(statistic(v, o.stat) for v, o in zip(objective_draws, cfg.objectives)),
                          objective_draws, tuple(draws), tuple(probs), tuple(required),
                          tuple(failing))


def _rule_fail(run: Run, c: RuleConstraint) -> tuple[np.ndarray, tuple[str, ...]]:
    """P(fail) of the rule for each of `rule_keys` (0 where it does not apply or the cluster
    is not built), and those failing it at the required probability."""
    ctx = build_context(run, spatial=False)
    keys = rule_keys(run.loaded.scenario)
    if c.rule in ctx.off:
        return np.zeros(len(keys)), ()
    p_fail = {f.cluster: f.p_fail for f in checks()[c.rule](ctx)}
    values = np.array([p_fail.get(k, 0.0) for k in keys])
    return values, tuple(k for k, v in zip(keys, values) if v > 1.0 - c.probability + 1e-12)


def rule_keys(scenario: Any) -> tuple[str, ...]:
    """Whose findings a rule constraint reads: the decided clusters and the district (the
    other clusters are the planner's given, not the plan's to fix)."""
    return (*(d.cluster for d in scenario.optimise.decisions), "district")


def objective_sense(o: Objective) -> float:
    return 1.0 if o.sense == "maximise" else -1.0
