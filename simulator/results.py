"""Results: metric arrays over draws, district totals per draw, and their summaries.

Three kinds of metric arrays:
- cluster metrics (draw, cluster, year), summed over clusters for the district (per draw);
- district-only metrics (draw, year), e.g. in-commuters;
- commune metrics (draw, commune, year), the labour catchment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from simulator import finance
from simulator.uncertainty import quantiles

if TYPE_CHECKING:
    from simulator.inputs import Inputs

__all__ = ["METRICS", "DISTRICT_METRICS", "COMMUNE_METRICS", "BETTER", "Results", "milestone_years"]

# name → unit. Every cluster metric is extensive (summed over clusters) except those in _RATIOS.
METRICS: dict[str, str] = {
    "gross_area_ha": "ha",
    "leasable_area_ha": "ha",
    "leased_area_ha": "ha",
    "occupancy_pct": "%",
    "farmland_converted_ha": "ha",
    "rice_land_converted_ha": "ha",
    "jobs": "workers",
    "firms": "firms",
    "in_commuters": "workers",
    "firm_revenue_bn_vnd": "bn VND/yr",
    "wages_bn_vnd": "bn VND/yr",
    "budget_revenue_bn_vnd": "bn VND/yr",
    "capex_bn_vnd": "bn VND/yr",
    "clearance_cost_bn_vnd": "bn VND/yr",
    "opex_bn_vnd": "bn VND/yr",
    "land_lease_revenue_bn_vnd": "bn VND/yr",
    "net_cash_bn_vnd": "bn VND/yr",
    "cumulative_net_cash_bn_vnd": "bn VND",
    "npv_bn_vnd": "bn VND",
    "public_net_cash_bn_vnd": "bn VND/yr",
    "public_npv_bn_vnd": "bn VND",
}
DISTRICT_METRICS: dict[str, str] = {
    "unmet_demand_ha": "ha/yr",
    "workers_in_commuting": "workers",
    "worker_housing_demand": "workers",
}
COMMUNE_METRICS: dict[str, str] = {
    "labour_available": "workers",
    "workers_supplied": "workers",
    "jobs_reachable": "workers",
    "labour_balance": "workers",
}
# Which way is better, for paired comparisons: +1 more is better, −1 less is better.
BETTER: dict[str, int] = {
    "gross_area_ha": 0, "leasable_area_ha": 0, "leased_area_ha": 1, "occupancy_pct": 1,
    "farmland_converted_ha": -1, "rice_land_converted_ha": -1, "jobs": 1, "firms": 1,
    "in_commuters": -1, "firm_revenue_bn_vnd": 1, "wages_bn_vnd": 1, "budget_revenue_bn_vnd": 1,
    "capex_bn_vnd": -1, "clearance_cost_bn_vnd": -1, "opex_bn_vnd": -1,
    "land_lease_revenue_bn_vnd": 1, "net_cash_bn_vnd": 1, "cumulative_net_cash_bn_vnd": 1,
    "npv_bn_vnd": 1, "public_net_cash_bn_vnd": 1, "public_npv_bn_vnd": 1,
    "unmet_demand_ha": -1, "workers_in_commuting": -1, "worker_housing_demand": -1,
}

# intensive metric → (numerator, denominator) summed over clusters before dividing, × 100
_RATIOS = {"occupancy_pct": ("leased_area_ha", "leasable_area_ha")}


def _pct(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(100.0 * num, den, out=np.zeros_like(num), where=den > 0)


def milestone_years(base: int, horizon: int) -> list[int]:
    """The base year, every year divisible by 5 in between, and the horizon."""
    return sorted({base, horizon, *(y for y in range(base, horizon + 1) if y % 5 == 0)})


@dataclass(frozen=True)
class Results:
    scenario_id: str
    cluster_ids: tuple[str, ...]
    commune_ids: tuple[str, ...]
    years: np.ndarray  # (Y,) int
    units: dict[str, str]  # every metric name (cluster, district-only, commune) → unit
    metrics: dict[str, np.ndarray]  # cluster metrics (draw, cluster, year)
    district: dict[str, np.ndarray]  # (draw, year): per-draw totals, ratios of totals, district-only
    communes: dict[str, np.ndarray]  # (draw, commune, year)
    irr: np.ndarray  # (draw, cluster + 1): developer IRR per cluster, last column the district
    payback: np.ndarray  # (draw, cluster + 1): payback year, NaN when none
    _stats: dict[tuple[str, str], dict[str, np.ndarray]] = field(
        default_factory=dict, compare=False, repr=False)

    def stats(self, kind: str, metric: str) -> dict[str, np.ndarray]:
        """mean, p10, p50, p90 over draws of a `metrics`, `district` or `communes` array,
        computed once and kept (every output reads the same bands)."""
        key = (kind, metric)
        if key not in self._stats:
            self._stats[key] = quantiles(getattr(self, kind)[metric])
        return self._stats[key]

    @classmethod
    def from_metrics(cls, inputs: Inputs, raw: dict[str, np.ndarray], discount_rate: np.ndarray,
                     ) -> Results:
        m = {k: v for k, v in raw.items() if ":" not in k}
        m["in_commuters"] = raw["cluster:in_commuters"]
        for name, (num, den) in _RATIOS.items():
            m[name] = _pct(m[num], m[den])
        district = {k: v.sum(axis=1) for k, v in m.items() if k not in _RATIOS}
        for name, (num, den) in _RATIOS.items():
            district[name] = _pct(district[num], district[den])
        district.update({k.split(":")[1]: v for k, v in raw.items() if k.startswith("district:")})
        communes = {k.split(":")[1]: v for k, v in raw.items() if k.startswith("commune:")}
        communes["labour_balance"] = communes["labour_available"] - communes["workers_supplied"]
        units = {**METRICS, **{k: "workers" for k in m if k.startswith("jobs_")},
                 **DISTRICT_METRICS, **COMMUNE_METRICS}
        years = inputs.years.astype(int)
        flows = np.concatenate([m["net_cash_bn_vnd"], district["net_cash_bn_vnd"][:, None]], axis=1)
        return cls(
            inputs.scenario_id, inputs.cluster_ids, inputs.geo.commune_ids, years, units,
            {k: m[k] for k in units if k in m}, {k: district[k] for k in units if k in district},
            communes, finance.irr(flows), finance.payback_year(np.cumsum(flows, axis=-1), years))

    @property
    def draws(self) -> int:
        return next(iter(self.metrics.values())).shape[0]

    def year_index(self, year: int) -> int:
        return int(np.searchsorted(self.years, year))

    def district_at(self, metric: str, year: int) -> dict[str, float]:
        """mean, p10, p50, p90 of the district value in `year` (totals taken per draw)."""
        t = self.year_index(year)
        return {k: float(v[t]) for k, v in self.stats("district", metric).items()}

    def clusters_at(self, metric: str, year: int, stat: str = "mean") -> np.ndarray:
        """One statistic per cluster in `year`."""
        return self.stats("metrics", metric)[stat][:, self.year_index(year)]

    def values(self, metric: str, year: int, cluster: str | None = None) -> np.ndarray:
        """Per-draw values of a district total, or of one cluster, in `year`."""
        t = self.year_index(year)
        if cluster is None:
            return self.district[metric][:, t]
        return self.metrics[metric][:, self.cluster_ids.index(cluster), t]

    def probability(self, metric: str, year: int, *, at_least: float | None = None,
                    at_most: float | None = None, cluster: str | None = None) -> float:
        """Share of draws meeting a target (value ≥ at_least, or ≤ at_most)."""
        v = self.values(metric, year, cluster)
        met = v >= at_least if at_least is not None else v <= at_most  # type: ignore[operator]
        return float(met.mean())

    def communes_at(self, metric: str, year: int, stat: str = "mean") -> np.ndarray:
        return self.stats("communes", metric)[stat][:, self.year_index(year)]
