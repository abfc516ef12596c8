"""`clustersim optimise` in memory: the planner's run → the problem → the search → an Outcome."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable

from simulator.errors import ScenarioError
from simulator.geodata import access_features, geo_arrays
from simulator.optimise.plans import Evaluation, Evaluator, Plan, PlanSpace, objective_sense
from simulator.optimise.search import Search, SearchResult, pareto_front, rank_key
from simulator.run import Run
from simulator.optimise.checks import check_optimise
from simulator.scenario.optimise_config import MetricConstraint

__all__ = ["Outcome", "solve", "problem_evaluator"]

_PARETO_WEIGHTS = (0.25, 0.5, 0.75, 1.0)  # weight of the second objective, after the first alone


@dataclass(frozen=True)
class Outcome:
    run: Run  # the planner's own scenario
    evaluator: Evaluator
    result: SearchResult
    front: tuple[Evaluation, ...]  # two objectives: the feasible non-dominated plans
    screen_draws: int  # draws the search compared plans on
    confirmed: dict[Plan, Evaluation]  # the best plans simulated again on every draw

    @property
    def space(self) -> PlanSpace:
        return self.evaluator.space

    @property
    def best(self) -> Evaluation:
        return self.result.best


def problem_evaluator(run: Run, hold_bytes: int | None = None) -> Evaluator:
    """Check the `optimise:` section against the run (located errors) and build the evaluator."""
    loaded = run.loaded
    metrics = set(run.results.district) | set(run.results.metrics)
    problems = check_optimise(loaded, metrics)
    if problems:
        raise ScenarioError(problems)
    geo = geo_arrays(run.geometries.frame, run.layers["communes"], access_features(run.layers))
    return Evaluator(loaded, run.geometries, geo, PlanSpace.of(loaded.scenario), run.draws,
                     run.seed, hold_bytes)


def _batch(evaluator: Evaluator, client: Any) -> Callable[[list[Plan]], list[Evaluation]]:
    if client is None:
        return lambda plans: [evaluator(p) for p in plans]
    [remote] = client.scatter([evaluator], broadcast=True)

    def on_dask(plans: list[Plan]) -> list[Evaluation]:
        futures = [client.submit(_call, remote, p, pure=False) for p in plans]
        return list(client.gather(futures))

    return on_dask


def _call(evaluator: Evaluator, plan: Plan) -> Evaluation:
    return evaluator(plan)


def solve(run: Run, *, client: Any = None, hold_bytes: int | None = None,
          progress: Callable[[int, int], None] | None = None) -> Outcome:
    """Search the plan space of the run's `optimise:` section from the planner's own plan, on
    the first `budget.screen_draws` draws; then simulate the best plans (and the planner's, and
    the Pareto front) on every draw and recommend the best of those."""
    evaluator = problem_evaluator(run, hold_bytes)
    cfg = evaluator.config
    senses = [objective_sense(o) for o in cfg.objectives]
    bounds = [(c.at_least, c.at_most) if isinstance(c, MetricConstraint) else (None, None)
              for c in cfg.constraints]
    screener = replace(evaluator, draws=min(evaluator.draws, cfg.budget.screen_draws))
    search = Search(evaluator.space, _batch(screener, client), senses=senses, bounds=bounds,
                    evaluations=cfg.budget.evaluations, seconds=cfg.budget.seconds,
                    candidates=cfg.budget.candidates, progress=progress)
    start = evaluator.space.nearest(run.loaded.scenario)
    if len(senses) == 2:  # half the budget for the first objective, half for the front
        search.budget = max(1, cfg.budget.evaluations // 2)
    result = search.run(start)
    front: list[Evaluation] = []
    if len(senses) == 2:
        for k, w in enumerate(_PARETO_WEIGHTS, start=1):
            search.budget = len(search.cache) + (cfg.budget.evaluations - len(search.cache)) // (
                len(_PARETO_WEIGHTS) - k + 1)
            scales = _scales(list(search.cache.values()))
            search.run(start, weights=(1.0 - w, w), scales=scales, max_rounds=2)
        result.evaluations = search.cache
        front = pareto_front(list(search.cache.values()), senses)
    confirmed: dict[Plan, Evaluation] = {}
    if screener.draws < evaluator.draws:
        ranked = sorted(search.cache.values(), key=lambda e: rank_key(e, senses, (1.0, 0.0), (1.0, 1.0)))
        plans = [start, *(e.plan for e in ranked[: cfg.budget.confirm]), *(e.plan for e in front)]
        full = _batch(evaluator, client)(list(dict.fromkeys(plans)))
        confirmed = {e.plan: e for e in full}
        result.start = confirmed[start]
        result.best = min(full, key=lambda e: rank_key(e, senses, (1.0, 0.0), (1.0, 1.0)))
        front = pareto_front(full, senses) if len(senses) == 2 else []
        if progress is not None:
            progress(len(search.cache) + len(full), cfg.budget.evaluations + len(full))
    result.seconds = search.elapsed
    return Outcome(run, evaluator, result, tuple(front), screener.draws, confirmed)


def _scales(evals: list[Evaluation]) -> tuple[float, float]:
    """Each objective's spread over the plans simulated so far (to weigh them together)."""
    out = []
    for k in range(2):
        values = [e.objectives[k] for e in evals]
        out.append(max(max(values) - min(values), 1e-9))
    return out[0], out[1]
