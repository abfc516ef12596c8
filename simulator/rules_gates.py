"""Occupancy gates of Decree 32/2024/NĐ-CP: a new cluster needs the district's other clusters
full enough; an expansion needs its parent ≥ 60 % occupied and its infrastructure built.

Each gate is evaluated in every simulated year over every draw on the run as planned
(`gating: report`); `gate_openings` gives, per draw, the first year from the planned approval on
in which all of a cluster's gates hold — the year it could be approved under `gating: enforce`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.rules import (
    EPS, Context, Finding, approval_year, build_context, fmt_q, judge, na, not_applicable,
)

if TYPE_CHECKING:
    from simulator.results import Results
    from simulator.run import Run
    from simulator.scenario.rules_config import RulesConfig

__all__ = [
    "check_new_cluster_gate", "check_expansion_occupancy", "check_expansion_infrastructure",
    "new_cluster_state", "built_share", "GateOpening", "gate_openings",
]


def new_cluster_state(r: Results, ci: int, t: dict[str, float]) -> tuple[np.ndarray, ...]:
    """(ok, occupancy %, unleased ha), each (draw, year), of the open clusters other than ci:
    the district's totals less the cluster's own (a cluster with no leasable land adds none)."""
    total = r.district["leasable_area_ha"] - r.metrics.column("leasable_area_ha", ci)
    used = r.district["leased_area_ha"] - r.metrics.column("leased_area_ha", ci)
    occ = np.divide(100.0 * used, total, out=np.zeros_like(total), where=total > 0)
    unleased = total - used
    ok = ((total <= 0) | (occ > t["min_average_occupancy_pct"])
          | (unleased <= t["max_unleased_ha"] + EPS))
    return ok, occ, unleased


def built_share(r: Results, ci: int) -> np.ndarray:
    """Share of the cluster's approved area with construction finished, (draw, year).

    Uses a `built_ha` metric when the model provides one; otherwise infers it from
    leasable / gross reaching its highest value (all approved phases open)."""
    gross = r.metrics.column("gross_area_ha", ci)

    def share(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = np.zeros(np.broadcast_shapes(a.shape, b.shape))
        return np.asarray(np.divide(a, b, out=out, where=b > 0))

    if "built_ha" in r.metrics:
        return share(r.metrics.column("built_ha", ci), gross)
    ratio = share(r.metrics.column("leasable_area_ha", ci), gross)
    top = ratio.max(axis=1, keepdims=True)
    return np.where((top > 0) & (ratio >= top - EPS), 1.0, share(ratio, top))


def _first_ok(ok: np.ndarray, years: np.ndarray, start: int) -> np.ndarray:
    """Per draw, the first year from index `start` on in which `ok` holds (nan: never)."""
    tail = ok[:, start:]
    first = tail.argmax(axis=1)
    return np.where(tail.any(axis=1), years[start:][first].astype(float), np.nan)


def _opening_text(opening: np.ndarray) -> str:
    never = np.isnan(opening).mean()
    if never == 1:
        return "the condition never holds within the simulated years"
    text = f"the condition first holds in {fmt_q(opening[~np.isnan(opening)])}"
    return text + (f"; never within the simulated years in {never:.0%} of draws" if never else "")


def check_new_cluster_gate(ctx: Context) -> list[Finding]:
    out, r, t = [], ctx.results, ctx.t("new_cluster_gate")
    for ci, c in enumerate(ctx.scenario.clusters):
        if c.expands is not None:
            continue
        if f := not_applicable(ctx, "new_cluster_gate", c, simulated=True):
            out.append(f)
            continue
        a = approval_year(c)
        i = r.year_index(a)
        ok, occ, unleased = new_cluster_state(r, ci, t)
        msg = (f"at approval in {a} the other open clusters are {fmt_q(occ[:, i])} % occupied "
               f"with {fmt_q(unleased[:, i])} ha unleased (needs > "
               f"{t['min_average_occupancy_pct']:g} % or ≤ {t['max_unleased_ha']:g} ha); "
               f"{_opening_text(_first_ok(ok, r.years, i))}")
        out.append(judge(ctx, "new_cluster_gate", c.id, ~ok[:, i], msg, year=a))
    return out


def _expansions(ctx: Context, rid: str) -> list[tuple[Any, int | None, Finding | None]]:
    """(cluster, parent index, n/a finding) of each expansion."""
    out = []
    for c in ctx.scenario.clusters:
        if c.expands is None:
            continue
        f = not_applicable(ctx, rid, c, simulated=True)
        if f is None and c.expands not in ctx.results.cluster_ids:
            f = na(ctx, rid, c.id, f"expands {c.expands}, which is not in the scenario")
        out.append((c, None if f else ctx.index(c.expands), f))
    return out


def check_expansion_occupancy(ctx: Context) -> list[Finding]:
    out, r, t = [], ctx.results, ctx.t("expansion_occupancy")
    for c, pi, skip in _expansions(ctx, "expansion_occupancy"):
        if skip or pi is None:
            out += [skip] if skip else []
            continue
        a, occ = approval_year(c), r.metrics.column("occupancy_pct", pi)
        ok = occ >= t["min_occupancy_pct"] - EPS
        i = r.year_index(a)
        msg = (f"{c.expands} is {fmt_q(occ[:, i])} % occupied at approval in {a} (needs ≥ "
               f"{t['min_occupancy_pct']:g} %); {_opening_text(_first_ok(ok, r.years, i))}")
        out.append(judge(ctx, "expansion_occupancy", c.id, ~ok[:, i], msg, year=a))
    return out


def check_expansion_infrastructure(ctx: Context) -> list[Finding]:
    out, r, t = [], ctx.results, ctx.t("expansion_infrastructure")
    for c, pi, skip in _expansions(ctx, "expansion_infrastructure"):
        if skip or pi is None:
            out += [skip] if skip else []
            continue
        a, built = approval_year(c), built_share(r, pi)
        ok = built >= t["min_built_share"] - EPS
        i = r.year_index(a)
        msg = (f"{c.expands} has {fmt_q(100 * built[:, i])} % of its area built at approval in "
               f"{a} (needs {100 * t['min_built_share']:g} %); "
               f"{_opening_text(_first_ok(ok, r.years, i))}")
        out.append(judge(ctx, "expansion_infrastructure", c.id, ~ok[:, i], msg, year=a))
    return out


@dataclass(frozen=True)
class GateOpening:
    """When a gated cluster could be approved: per draw, the first year from its planned
    approval on in which all its gates hold (nan: not within the simulated years)."""

    cluster: str
    rules: tuple[str, ...]
    planned_year: int
    opening_year: np.ndarray  # (draw,)

    def summary(self) -> dict[str, Any]:
        y = self.opening_year
        opened = y[~np.isnan(y)]
        out: dict[str, Any] = {
            "cluster": self.cluster, "rules": list(self.rules), "planned_year": self.planned_year,
            "p_on_time": float((y == self.planned_year).mean()),
            "p_never": float(np.isnan(y).mean()),
        }
        if opened.size:
            q = np.quantile(opened - self.planned_year, (0.1, 0.5, 0.9))
            out["delay_years"] = {"mean": float((opened - self.planned_year).mean()),
                                  "p10": float(q[0]), "p50": float(q[1]), "p90": float(q[2])}
        return out


def _gates(ctx: Context, ci: int, c: Any) -> tuple[tuple[str, ...], np.ndarray]:
    """(gate rule ids, ok (draw, year)) of one cluster; rules switched off are left out."""
    r = ctx.results
    ok = np.ones((r.draws, len(r.years)), dtype=bool)
    rules: list[str] = []
    if c.expands is None:
        rules.append("new_cluster_gate")
        ok &= new_cluster_state(r, ci, ctx.t("new_cluster_gate"))[0]
    elif c.expands in r.cluster_ids:
        pi = ctx.index(c.expands)
        rules += ["expansion_occupancy", "expansion_infrastructure"]
        if "expansion_occupancy" not in ctx.off:
            occ_min = ctx.t("expansion_occupancy")["min_occupancy_pct"]
            ok &= r.metrics.column("occupancy_pct", pi) >= occ_min - EPS
        if "expansion_infrastructure" not in ctx.off:
            ok &= built_share(r, pi) >= ctx.t("expansion_infrastructure")["min_built_share"] - EPS
    active = tuple(x for x in rules if x not in ctx.off)
    return active, ok


def gate_openings(run: Run, config: RulesConfig | None = None) -> list[GateOpening]:
    """Every cluster approved within the simulated years that a gate applies to."""
    ctx = build_context(run, config, spatial=False)
    out = []
    for ci, c in enumerate(ctx.scenario.clusters):
        rules, ok = _gates(ctx, ci, c)
        a = approval_year(c)
        if not rules or not ctx.results.years[0] <= a <= ctx.results.years[-1]:
            continue
        start = ctx.results.year_index(a)
        out.append(GateOpening(c.id, rules, a, _first_ok(ok, ctx.results.years, start)))
    return out
