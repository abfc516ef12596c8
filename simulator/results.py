"""Results: metric arrays (draw, cluster, year), district totals per draw, and summaries."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.uncertainty import quantiles

__all__ = ["METRICS", "Results", "milestone_years"]

# name → unit; every metric is extensive (summed over clusters) except those in _RATIOS.
METRICS: dict[str, str] = {
    "gross_area_ha": "ha",
    "leasable_area_ha": "ha",
    "leased_area_ha": "ha",
    "occupancy_pct": "%",
    "farmland_converted_ha": "ha",
    "jobs": "workers",
    "firm_revenue_bn_vnd": "bn VND/yr",
    "budget_revenue_bn_vnd": "bn VND/yr",
    "capex_bn_vnd": "bn VND/yr",
    "land_lease_revenue_bn_vnd": "bn VND/yr",
    "net_cash_bn_vnd": "bn VND/yr",
    "cumulative_net_cash_bn_vnd": "bn VND",
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
    years: np.ndarray  # (Y,) int
    metrics: dict[str, np.ndarray]  # (draw, cluster, year)
    district: dict[str, np.ndarray]  # (draw, year): per-draw totals (ratios of totals)

    @classmethod
    def from_metrics(cls, scenario_id: str, cluster_ids: tuple[str, ...], years: np.ndarray,
                     metrics: dict[str, np.ndarray]) -> Results:
        m = dict(metrics)
        for name, (num, den) in _RATIOS.items():
            m[name] = _pct(m[num], m[den])
        district = {k: v.sum(axis=1) for k, v in m.items() if k not in _RATIOS}
        for name, (num, den) in _RATIOS.items():
            district[name] = _pct(district[num], district[den])
        return cls(scenario_id, tuple(cluster_ids), years.astype(int),
                   {k: m[k] for k in METRICS}, {k: district[k] for k in METRICS})

    @property
    def draws(self) -> int:
        return next(iter(self.metrics.values())).shape[0]

    def year_index(self, year: int) -> int:
        return int(np.searchsorted(self.years, year))

    def district_at(self, metric: str, year: int) -> dict[str, float]:
        """mean, p10, p50, p90 of the district total in `year`."""
        q = quantiles(self.district[metric][:, self.year_index(year)])
        return {k: float(v) for k, v in q.items()}

    def clusters_at(self, metric: str, year: int, stat: str = "mean") -> np.ndarray:
        """One statistic per cluster in `year`."""
        return quantiles(self.metrics[metric][:, :, self.year_index(year)])[stat]
