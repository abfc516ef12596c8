"""Occupancy gates of Decree 32/2024/NĐ-CP as a model stage: a new cluster needs the district's
other clusters full enough; an expansion needs its parent ≥ 60 % occupied and its
infrastructure built.

Works on the scenario's clusters, the results' arrays and the rule book's thresholds (no `Run`):
`gate_openings` gives, per draw, the first year from the planned approval on in which all of a
cluster's gates hold — the year it could be approved under `gating: enforce` (`run.py`). The
checks that report the gates (`rules.gates`) use the same states.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.results import Results
from simulator.rules.book import EPS, merged_thresholds
from simulator.scenario.rules_config import RulesConfig

__all__ = ["approval_year", "new_cluster_state", "approved_since_base", "rice_land_since_base", "built_share", "first_ok", "GateOpening",
           "openings", "gate_openings"]


def approval_year(c: Any) -> int:
    """A cluster's approval year: that of its first phase."""
    return int(min(p.approval_year for p in c.phases))


def new_cluster_state(r: Results, ci: int, t: dict[str, float]) -> tuple[np.ndarray, ...]:
    """(ok, occupancy %, unleased ha), each (draw, year), of the open clusters other than ci:
    the district's totals less the cluster's own (a cluster with no leasable land adds none).
    Computed once per run, cluster and thresholds: the gate's check and its openings read it."""
    def compute() -> tuple[np.ndarray, ...]:
        total = r.district["leasable_area_ha"] - r.metrics.column("leasable_area_ha", ci)
        used = r.district["leased_area_ha"] - r.metrics.column("leased_area_ha", ci)
        occ = np.divide(100.0 * used, total, out=np.zeros_like(total), where=total > 0)
        unleased = total - used
        ok = ((total <= 0) | (occ > t["min_average_occupancy_pct"])
              | (unleased <= t["max_unleased_ha"] + EPS))
        return ok, occ, unleased

    key = f"new_cluster_state:{ci}:{t['min_average_occupancy_pct']!r}:{t['max_unleased_ha']!r}"
    return r.memo(key, compute)


def approved_since_base(r: Results, clusters: Iterable[Any]) -> np.ndarray:
    """Per cluster, 1.0 if it is approved in or after the base year, else 0.0."""
    return np.array([approval_year(c) >= r.years[0] for c in clusters], dtype=float)


def rice_land_since_base(r: Results, clusters: Iterable[Any]) -> np.ndarray:
    """Per draw and year, the rice land converted by the clusters approved from the base year
    on (`clusters`: the run's; conversions approved earlier are not counted): the quantity
    the rice-land rule caps. Computed once per run and set of approvals (the memo key): the
    rule and the scenario cards read it."""
    weights = approved_since_base(r, clusters)
    return r.memo(f"rice_land_since_base:{weights.tobytes().hex()}", lambda: r.metrics.weighted_sum(
        "rice_land_converted_ha", weights[:, None])[:, 0])


def _share(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.zeros(np.broadcast_shapes(a.shape, b.shape))
    return np.asarray(np.divide(a, b, out=out, where=b > 0))


def built_share(r: Results, ci: int) -> np.ndarray:
    """Share of the cluster's approved area with construction finished, (draw, year).

    Uses a `built_ha` metric when the model provides one; otherwise infers it from
    leasable / gross reaching its highest value (all approved phases open)."""
    gross = r.metrics.column("gross_area_ha", ci)
    if "built_ha" in r.metrics:
        return _share(r.metrics.column("built_ha", ci), gross)
    ratio = _share(r.metrics.column("leasable_area_ha", ci), gross)
    top = ratio.max(axis=1, keepdims=True)
    return np.where((top > 0) & (ratio >= top - EPS), 1.0, _share(ratio, top))


def first_ok(ok: np.ndarray, years: np.ndarray, start: int) -> np.ndarray:
    """Per draw, the first year from index `start` on in which `ok` holds (nan: never)."""
    tail = ok[:, start:]
    first = tail.argmax(axis=1)
    return np.where(tail.any(axis=1), years[start:][first].astype(float), np.nan)


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


def _gates(r: Results, ci: int, c: Any, t: dict[str, dict[str, float]],
           off: tuple[str, ...]) -> tuple[tuple[str, ...], np.ndarray]:
    """(gate rule ids, ok (draw, year)) of one cluster; rules switched off are left out."""
    ok = np.ones((r.draws, len(r.years)), dtype=bool)
    rules: list[str] = []
    if c.expands is None:
        rules.append("new_cluster_gate")
        ok &= new_cluster_state(r, ci, t["new_cluster_gate"])[0]
    elif c.expands in r.cluster_ids:
        pi = r.cluster_ids.index(c.expands)
        rules += ["expansion_occupancy", "expansion_infrastructure"]
        if "expansion_occupancy" not in off:
            occ_min = t["expansion_occupancy"]["min_occupancy_pct"]
            ok &= r.metrics.column("occupancy_pct", pi) >= occ_min - EPS
        if "expansion_infrastructure" not in off:
            ok &= built_share(r, pi) >= t["expansion_infrastructure"]["min_built_share"] - EPS
    active = tuple(x for x in rules if x not in off)
    return active, ok


def openings(clusters: Iterable[Any], r: Results, thresholds: dict[str, dict[str, float]],
             off: tuple[str, ...] = ()) -> list[GateOpening]:
    """Every cluster approved within the simulated years that a gate applies to, with the
    first year (per draw) in which its gates hold; `off`: gate rules switched off."""
    out = []
    for ci, c in enumerate(clusters):
        a = approval_year(c)
        if not r.years[0] <= a <= r.years[-1]:
            continue  # approved before the simulated years (or after): no gate to pass in them
        rules, ok = _gates(r, ci, c, thresholds, off)
        if not rules:
            continue
        out.append(GateOpening(c.id, rules, a, first_ok(ok, r.years, r.year_index(a))))
    return out


def gate_openings(scenario: Any, r: Results, config: RulesConfig | None = None,
                  ) -> list[GateOpening]:
    """`openings` with the thresholds and switches of `config` (default: the scenario's
    `rules:` section) applied to rules.yaml's."""
    cfg = config or getattr(scenario, "rules", None) or RulesConfig()
    return openings(scenario.clusters, r, merged_thresholds(cfg.thresholds)[0], tuple(cfg.off))
