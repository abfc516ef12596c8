"""The search: exact neighbourhoods, a MILP over the neighbourhood's per-draw contributions,
full simulation of what it proposes, repeated from the best plan (docs/optimise.md).

Each round around the incumbent plan x:
1. every plan that changes one decision of x (a cluster's year, or not built) is simulated on
   the common draws: the *exact* effect of each change, including competition and gates;
2. a MILP (scipy.optimize.milp, HiGHS) combines those effects additively — one option per
   decision, the chance constraints as "the bound holds in at least p·n of a sample of the
   draws" with a binary per draw — and proposes the best few plans not yet simulated;
3. these are simulated in full, which corrects the additive guess for the interactions;
4. the best plan simulated so far becomes the incumbent; the search stops when a round finds
   nothing better (x is then a local optimum: no single change and no MILP proposal improves
   it) or the budget is spent.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from simulator.optimise.plans import Evaluation, Plan, PlanSpace

__all__ = ["Search", "SearchResult", "rank_key", "pareto_front"]

_MILP_DRAWS = 50  # draws of the chance constraints in the MILP (an even sample of them)
_MILP_NODES = 200  # branch-and-bound nodes per solve: a deterministic limit (time is not)
_MILP_SECONDS = 60.0  # a safety cap only
_BATCH = 8  # plans simulated together (on Dask: in parallel) between budget checks


def rank_key(e: Evaluation, senses: Sequence[float], weights: Sequence[float],
             scales: Sequence[float]) -> tuple[float, ...]:
    """Smaller is better: feasible before infeasible (by total shortfall of probability), then
    the weighted objective, then the plan itself (a fixed order for ties)."""
    score = sum(w * s * v / sc for w, s, v, sc in zip(weights, senses, e.objectives, scales))
    order = tuple(-1.0 if o is None else float(o) for o in e.plan)
    return (0.0 if e.feasible else 1.0, e.violation, -score, *order)


def pareto_front(evals: Sequence[Evaluation], senses: Sequence[float]) -> list[Evaluation]:
    """The feasible plans no other feasible plan beats on both objectives."""
    ok = [e for e in evals if e.feasible]
    out = []
    for e in ok:
        a = np.array(senses) * e.objectives
        if not any(np.all(np.array(senses) * f.objectives >= a)
                   and np.any(np.array(senses) * f.objectives > a) for f in ok):
            out.append(e)
    return sorted(out, key=lambda e: e.objectives[0])


@dataclass
class SearchResult:
    best: Evaluation
    start: Evaluation
    evaluations: dict[Plan, Evaluation]
    rounds: list[dict[str, object]] = field(default_factory=list)
    stopped: str = ""
    seconds: float = 0.0


class Search:
    """`evaluate` simulates a batch of plans (locally or on Dask) and returns their
    Evaluations in order; `progress(done, budget)` is told after every batch."""

    def __init__(self, space: PlanSpace, evaluate: Callable[[list[Plan]], list[Evaluation]], *,
                 senses: Sequence[float], bounds: Sequence[tuple[float | None, float | None]],
                 evaluations: int = 400, seconds: float = 100.0, candidates: int = 4,
                 progress: Callable[[int, int], None] | None = None) -> None:
        self.space, self._evaluate = space, evaluate
        self.senses, self.bounds = tuple(senses), tuple(bounds)
        self.budget, self.seconds, self.candidates = evaluations, seconds, candidates
        self.progress = progress
        self.cache: dict[Plan, Evaluation] = {}
        self._t0 = time.perf_counter()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self._t0

    # -- evaluation with budget ------------------------------------------------------------
    def _left(self) -> int:
        if time.perf_counter() - self._t0 > self.seconds:
            return 0
        return self.budget - len(self.cache)

    def evaluate(self, plans: list[Plan]) -> list[Evaluation]:
        """Simulate the plans not yet simulated, a few at a time (`_BATCH`), while the budget
        of evaluations and seconds lasts."""
        new = list(dict.fromkeys(p for p in plans if p not in self.cache))
        for i in range(0, len(new), _BATCH):
            batch = new[i: i + _BATCH][: max(0, self._left())]
            if not batch:
                break
            for e in self._evaluate(batch):
                self.cache[e.plan] = e
            if self.progress is not None:
                self.progress(len(self.cache), self.budget)
        return [self.cache[p] for p in plans if p in self.cache]

    # -- the neighbourhood -----------------------------------------------------------------
    def _repair(self, plan: list[int | None], k: int) -> Plan:
        """After setting decision k, keep the phases of its cluster in order."""
        vs = self.space.variables
        for j in range(len(vs)):
            if j == k or vs[j].cluster != vs[k].cluster:
                continue
            yk, yj = plan[k], plan[j]
            if j > k:
                plan[j] = None if yk is None else (yj if yj is not None and yj >= yk else yk)
            elif yk is not None:
                plan[j] = yk if yj is None or yj > yk else yj
        return tuple(plan)

    def moves(self, x: Plan) -> dict[tuple[int, int], Plan]:
        """(decision, option index) → the plan changing that decision of x (phases repaired)."""
        out = {}
        for k, v in enumerate(self.space.variables):
            for i, o in enumerate(v.options):
                if o != x[k]:
                    plan = list(x)
                    plan[k] = o
                    out[(k, i)] = self._repair(plan, k)
        return out

    # -- the round -------------------------------------------------------------------------
    def best(self, weights: Sequence[float], scales: Sequence[float]) -> Evaluation:
        return min(self.cache.values(), key=lambda e: rank_key(e, self.senses, weights, scales))

    def round(self, x: Evaluation, weights: Sequence[float], scales: Sequence[float]) -> dict[str, object]:
        moves = self.moves(x.plan)
        self.evaluate(list(moves.values()))
        known = {m: self.cache[p] for m, p in moves.items() if p in self.cache}
        proposals = self.milp_proposals(x, known, weights, scales)
        self.evaluate(proposals)
        return {"incumbent": list(x.plan), "neighbours": len(known), "proposed": len(proposals),
                "evaluated": len(self.cache)}

    def _promising(self, best: Evaluation, visited: set[Plan], weights: Sequence[float],
                   scales: Sequence[float]) -> Evaluation | None:
        """An infeasible plan to search around when no feasible plan improved: among those
        that beat the best on the objective, the one closest to meeting the constraints."""
        goal = rank_key(best, self.senses, weights, scales)[2]
        better = [e for e in self.cache.values() if e.plan not in visited and not e.feasible
                  and rank_key(e, self.senses, weights, scales)[2] < goal]
        return min(better, key=lambda e: (e.violation, rank_key(e, self.senses, weights, scales)),
                   default=None)

    def run(self, start: Plan, weights: Sequence[float] = (1.0, 0.0),
            scales: Sequence[float] = (1.0, 1.0), max_rounds: int = 50,
            patience: int = 2) -> SearchResult:
        """Rounds around the incumbent. When a round improves nothing, the search goes on for
        `patience` rounds from the promising infeasible plan nearest to feasibility (gates
        often need several decisions to move together); it stops after that, or at the budget."""
        first = self.evaluate([start])[0]
        rounds: list[dict[str, object]] = []
        stopped = "budget"
        best = self.best(weights, scales)
        x: Evaluation | None = best
        visited: set[Plan] = set()
        idle = 0
        for _ in range(max_rounds):
            if self._left() <= 0 or x is None:
                break
            visited.add(x.plan)
            rounds.append(self.round(x, weights, scales))
            new = self.best(weights, scales)
            idle = 0 if new.plan != best.plan else idle + 1
            best = new
            x = best if best.plan not in visited else self._promising(best, visited, weights, scales)
            if idle > patience or x is None:
                stopped = "local optimum" if self._left() > 0 else "budget"
                break
        return SearchResult(best, first, self.cache, rounds, stopped, time.perf_counter() - self._t0)

    # -- the MILP --------------------------------------------------------------------------
    def milp_proposals(self, x: Evaluation, known: dict[tuple[int, int], Evaluation],
                       weights: Sequence[float], scales: Sequence[float]) -> list[Plan]:
        """Up to `candidates` plans not yet simulated, best first by the additive model."""
        model = _Milp(self, x, known, weights, scales)
        out: list[Plan] = []
        for _ in range(self.candidates):
            plan = model.solve(list(self.cache) + out)
            if plan is None:
                break
            out.append(plan)
        return out


class _Milp:
    """y[k, i]: decision k takes option i; z[j, d]: constraint j holds in sampled draw d;
    s[j]: shortfall of constraint j (penalised, so that the MILP always has a solution)."""

    def __init__(self, search: Search, x: Evaluation, known: dict[tuple[int, int], Evaluation],
                 weights: Sequence[float], scales: Sequence[float]) -> None:
        self.search, self.x = search, x
        vs = search.space.variables
        self.cols = [(k, i) for k, v in enumerate(vs) for i in range(len(v.options))
                     if (k, i) in known or v.options[i] == x.plan[k]]
        self.known = known
        n_draws = len(x.objective_draws[0])
        self.sample = np.unique(np.linspace(0, n_draws - 1, min(n_draws, _MILP_DRAWS)).astype(int))
        self.weights, self.scales = weights, scales

    def _delta(self, col: tuple[int, int], which: str, j: int) -> np.ndarray:
        e = self.known.get(col)
        base = getattr(self.x, which)[j]
        return np.zeros_like(base) if e is None else getattr(e, which)[j] - base

    def solve(self, exclude: list[Plan]) -> Plan | None:
        vs, n_y = self.search.space.variables, len(self.cols)
        cons = self.search.bounds
        chance = [j for j, b in enumerate(cons) if b[0] is not None or b[1] is not None]
        n_s = len(self.sample)
        n = n_y + len(chance) * n_s + len(self.x.required)
        c = np.zeros(n)
        gain = np.zeros(n_y)
        for j, (w, s, sc) in enumerate(zip(self.weights, self.search.senses, self.scales)):
            if w:
                gain += np.array([w * s * self._delta(col, "objective_draws", j).mean() / sc
                                  for col in self.cols])
        c[:n_y] = -gain / (np.abs(gain).max() + 1e-12)
        c[n - len(self.x.required):] = 10.0  # per draw (or per unit of probability × draws)
        rows, lo, hi = [], [], []

        def add(row: np.ndarray, a: float, b: float) -> None:
            rows.append(row)
            lo.append(a)
            hi.append(b)

        for k in range(len(vs)):
            add(np.array([1.0 if col[0] == k else 0.0 for col in self.cols] + [0.0] * (n - n_y)), 1, 1)
        self._order_rows(add, n)
        self._constraint_rows(add, n, chance)
        for plan in exclude:
            row = np.zeros(n)
            for ci, (k, i) in enumerate(self.cols):
                row[ci] = 1.0 if vs[k].options[i] == plan[k] else 0.0
            add(row, -np.inf, len(vs) - 1)
        integrality = np.r_[np.ones(n - len(self.x.required)), np.zeros(len(self.x.required))]
        upper = np.r_[np.ones(n - len(self.x.required)), np.full(len(self.x.required), np.inf)]
        res = milp(c, constraints=LinearConstraint(np.array(rows), lo, hi), integrality=integrality,
                   bounds=Bounds(np.zeros(n), upper),
                   options={"node_limit": _MILP_NODES, "time_limit": _MILP_SECONDS})
        if res.x is None:
            return None
        chosen: list[int | None] = list(self.x.plan)
        for ci, (k, i) in enumerate(self.cols):
            if res.x[ci] > 0.5:
                chosen[k] = vs[k].options[i]
        return tuple(chosen)

    def _order_rows(self, add: Callable[[np.ndarray, float, float], None], n: int) -> None:
        """Phases of one cluster in order: forbid every incompatible pair of options."""
        vs = self.search.space.variables
        for a, ca in enumerate(self.cols):
            for b, cb in enumerate(self.cols):
                ka, kb = ca[0], cb[0]
                if kb != ka + 1 or vs[ka].cluster != vs[kb].cluster:
                    continue
                oa, ob = vs[ka].options[ca[1]], vs[kb].options[cb[1]]
                if (oa is None and ob is not None) or (oa is not None and ob is not None and ob < oa):
                    row = np.zeros(n)
                    row[a] = row[b] = 1.0
                    add(row, -np.inf, 1)

    def _constraint_rows(self, add: Callable[[np.ndarray, float, float], None], n: int,
                         chance: list[int]) -> None:
        n_y, n_s = len(self.cols), len(self.sample)
        slack0 = n - len(self.x.required)
        for jj, j in enumerate(chance):
            at_least, at_most = self.search.bounds[j]
            g = self.x.constraint_draws[j][self.sample]
            deltas = np.array([self._delta(col, "constraint_draws", j)[self.sample] for col in self.cols])
            low = g + _extreme(deltas, self.cols, np.min)
            high = g + _extreme(deltas, self.cols, np.max)
            for d in range(n_s):
                row = np.zeros(n)
                row[:n_y] = deltas[:, d]
                zi = n_y + jj * n_s + d
                if at_least is not None:
                    big = max(0.0, at_least - low[d]) + 1.0
                    row[zi] = -big
                    add(row, at_least - g[d] - big, np.inf)
                else:
                    big = max(0.0, high[d] - float(at_most or 0.0)) + 1.0
                    row[zi] = big
                    add(row, -np.inf, float(at_most or 0.0) - g[d] + big)
            row = np.zeros(n)
            row[n_y + jj * n_s: n_y + (jj + 1) * n_s] = 1.0
            row[slack0 + j] = 1.0
            add(row, math.ceil(self.x.required[j] * n_s - 1e-9), np.inf)
        for j, b in enumerate(self.search.bounds):
            if j in chance:
                continue
            deltas = np.array([self._delta(col, "constraint_draws", j) for col in self.cols])
            for i, p_fail in enumerate(self.x.constraint_draws[j]):  # a rule: P(fail) per cluster
                row = np.zeros(n)
                row[:n_y] = deltas[:, i]
                row[slack0 + j] = -1.0 / max(1, n_s)
                add(row, -np.inf, (1.0 - self.x.required[j]) - float(p_fail))


def _extreme(deltas: np.ndarray, cols: list[tuple[int, int]], fn: Callable[..., np.ndarray]) -> np.ndarray:
    """Σ over decisions of the most extreme change any of its options makes, per draw."""
    out = np.zeros(deltas.shape[1])
    for k in sorted({k for k, _ in cols}):
        rows = [ci for ci, col in enumerate(cols) if col[0] == k]
        out += fn(deltas[rows], axis=0)
    return out
