"""Results: metric arrays over draws, district totals per draw, and their summaries.

Three kinds of metric arrays:
- cluster metrics (draw, cluster, year), summed over clusters for the district (per draw);
- district-only metrics (draw, year), e.g. in-commuters;
- commune metrics (draw, commune, year), the labour catchment.
"""

from __future__ import annotations

import copy
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, TypeVar

import numpy as np

from simulator import kernels
from simulator.uncertainty import quantiles

if TYPE_CHECKING:
    from simulator.inputs import Inputs

__all__ = ["METRICS", "DISTRICT_METRICS", "COMMUNE_METRICS", "BETTER", "RATIOS", "ClusterDraws",
           "HeldDraws", "Product", "Results", "bands", "milestone_years", "pct"]

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
    "central_npv_bn_vnd": "bn VND",
    "city_npv_bn_vnd": "bn VND",
    "farm_income_lost_bn_vnd": "bn VND/yr",
    "households_npv_bn_vnd": "bn VND",
    "workers_npv_bn_vnd": "bn VND",
    "recovery_cost_npv_bn_vnd": "bn VND",
    "leased_ha_npv": "ha",
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
    "central_npv_bn_vnd": 1, "city_npv_bn_vnd": 1, "farm_income_lost_bn_vnd": -1,
    "households_npv_bn_vnd": 1, "workers_npv_bn_vnd": 1, "recovery_cost_npv_bn_vnd": -1,
    "leased_ha_npv": 1,
    "unmet_demand_ha": -1, "workers_in_commuting": -1, "worker_housing_demand": -1,
}

# intensive metric → (numerator, denominator) summed over clusters before dividing, × 100
RATIOS = {"occupancy_pct": ("leased_area_ha", "leasable_area_ha")}


_THREADS = min(4, os.cpu_count() or 1)  # threads for the bands of the metrics of a block
_T = TypeVar("_T")


def pct(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    share: np.ndarray = np.divide(100.0 * num, den, out=np.zeros_like(num), where=den > 0)
    return share


BlockSummary = tuple[dict[str, dict[str, np.ndarray]], np.ndarray, np.ndarray]
# (net cash, cumulative net cash, years) → (IRR, payback year), each (draw, row): the model's
# developer indicators (`model.developer_indicators`), handed in so results need not know finance
DeveloperIndicators = Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Product:
    """The draws of a cluster metric that is a rate times another: rate · x, x (draw, cluster,
    year) another metric's draws (held, or itself a Product) and rate (draw, cluster), each
    product rounded once, the bits kernels.cluster_metrics writes (`model.held_rows`: such a
    metric is held as its rate). Its bands are found without forming the product array
    (`bands`)."""

    x: np.ndarray | Product
    rate: np.ndarray

    def values(self) -> np.ndarray:
        """The draws (draw, cluster, year), formed now."""
        x = self.x if isinstance(self.x, np.ndarray) else self.x.values()
        v: np.ndarray = self.rate[:, :, None] * x
        return v

    def clusters(self, block: slice) -> Product:
        """The product of a block of clusters (views)."""
        x = self.x[:, block] if isinstance(self.x, np.ndarray) else self.x.clusters(block)
        return Product(x, self.rate[:, block])

    def factors(self) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """The held draws and the rates applied to them in turn (the innermost first)."""
        if isinstance(self.x, np.ndarray):
            return self.x, (self.rate,)
        held, rates = self.x.factors()
        return held, (*rates, self.rate)


def bands(draws: np.ndarray | Product) -> dict[str, np.ndarray]:
    """`quantiles` of a metric's draws (draw, cluster, year), a Product's without forming it."""
    if isinstance(draws, Product):
        return quantiles(*draws.factors())
    return quantiles(draws)


def block_summary(arrays: Mapping[str, np.ndarray | Product], years: np.ndarray,
                  developer: DeveloperIndicators) -> BlockSummary:
    """What a block of clusters contributes: the bands of each metric (cluster, year), the
    developer IRR and the payback year (draw, cluster), the IRR on a thread beside the bands."""
    with ThreadPoolExecutor(_THREADS) as pool:  # the compiled kernels run without the GIL
        net, cumulative = (v if isinstance(v, np.ndarray) else v.values() for v in
                           (arrays["net_cash_bn_vnd"], arrays["cumulative_net_cash_bn_vnd"]))
        finance = pool.submit(developer, net, cumulative, years)
        summaries = dict(zip(arrays, pool.map(bands, arrays.values())))
        return (summaries, *finance.result())


class ClusterDraws:
    """The per-cluster metric arrays (draw, cluster, year), read block by block of clusters.

    `HeldDraws` holds them in memory; `model.RecomputedDraws` recomputes each block when it is
    read, for runs too large to hold. Everything that reads per-cluster draws goes through
    `blocks`, `column` and `weighted_sum`, so both give the same numbers."""

    def __init__(self, names: tuple[str, ...], draws: int, clusters: int, years: int,
                 block_slices: list[slice]) -> None:
        self.names, self.draws, self.clusters, self.years = names, draws, clusters, years
        self.block_slices = block_slices
        self._cached: tuple[slice, Mapping[str, np.ndarray]] | None = None

    def compute(self, block: slice) -> Mapping[str, np.ndarray]:
        raise NotImplementedError

    def block(self, block: slice) -> Mapping[str, np.ndarray]:
        if self._cached is None or self._cached[0] != block:
            self._cached = (block, self.compute(block))
        return self._cached[1]

    def blocks(self) -> Iterator[tuple[slice, Mapping[str, np.ndarray]]]:
        for sl in self.block_slices:
            yield sl, self.block(sl)

    def block_summaries(self, years: np.ndarray, developer: DeveloperIndicators,
                        client: Any = None) -> Iterator[tuple[slice, BlockSummary]]:
        """`block_summary` of every block, in order (here: locally; `client` is for
        implementations that can spread the blocks on Dask)."""
        for sl, arrays in self.blocks():
            yield sl, block_summary(arrays, years, developer)

    def column(self, metric: str, ci: int) -> np.ndarray:
        """One cluster's draws (draw, year)."""
        sl = next(s for s in self.block_slices if s.start <= ci < s.stop)
        return self.block(sl)[metric][:, ci - sl.start]

    def columns_at(self, names: list[str], t: int) -> Iterator[tuple[int, dict[str, np.ndarray]]]:
        """(cluster index, {name: its draws in year index t}) for every cluster in order, read
        block by block: each block's year t of a metric is copied at once, row by row of draws
        (one strided column a cluster would read a cache line per draw)."""
        for sl, arrays in self.blocks():
            at = {m: np.ascontiguousarray(arrays[m][:, :, t]) for m in names}
            for j in range(sl.stop - sl.start):
                yield sl.start + j, {m: v[:, j] for m, v in at.items()}

    def weighted_sum(self, metric: str, weights: np.ndarray) -> np.ndarray:
        """Σ_c w_ck · x_c per draw: (draw, K, year) for weights (cluster, K), added cluster by
        cluster in order, skipping zero weights (the same numbers whatever the blocks)."""
        out = np.zeros((self.draws, weights.shape[1], self.years))
        w = np.ascontiguousarray(weights, dtype=float)
        for sl, arrays in self.blocks():
            kernels.add_weighted(arrays[metric], w, sl.start, out)
        return out

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __len__(self) -> int:
        return len(self.names)


class HeldDraws(ClusterDraws):
    """Every per-cluster array in memory, a Product's formed when first read; `draws["jobs"]`
    is the whole (draw, cluster, year) array."""

    def __init__(self, arrays: dict[str, np.ndarray | Product]) -> None:
        first = next(v for v in arrays.values() if isinstance(v, np.ndarray))
        super().__init__(tuple(arrays), first.shape[0], first.shape[1], first.shape[2],
                         [slice(0, first.shape[1])])
        self.arrays = arrays
        self._formed: dict[str, np.ndarray] = {}

    def block_summaries(self, years: np.ndarray, developer: DeveloperIndicators,
                        client: Any = None) -> Iterator[tuple[slice, BlockSummary]]:
        """`block_summary` of the held draws, the Products' bands without forming them."""
        for sl in self.block_slices:
            yield sl, block_summary({k: v[:, sl] if isinstance(v, np.ndarray) else v.clusters(sl)
                                     for k, v in self.arrays.items()}, years, developer)

    def compute(self, block: slice) -> Mapping[str, np.ndarray]:
        return _HeldBlock(self.arrays, self._formed, block)

    def __getitem__(self, name: str) -> np.ndarray:
        return _held_array(self.arrays, self._formed, name)

    def column(self, metric: str, ci: int) -> np.ndarray:
        """One cluster's draws (draw, year), a Product's formed for that cluster alone."""
        held = self.arrays[metric]
        if isinstance(held, np.ndarray) or metric in self._formed:
            return self[metric][:, ci]
        return held.clusters(slice(ci, ci + 1)).values()[:, 0]

    def weighted_sum(self, metric: str, weights: np.ndarray) -> np.ndarray:
        """`ClusterDraws.weighted_sum`, a Product's draws formed cluster by cluster (those of
        nonzero weight), not as one array."""
        held = self.arrays[metric]
        if isinstance(held, np.ndarray) or metric in self._formed:
            return super().weighted_sum(metric, weights)
        out = np.zeros((self.draws, weights.shape[1], self.years))
        w = np.ascontiguousarray(weights, dtype=float)
        for c in np.flatnonzero(w.any(axis=1)):
            kernels.add_weighted(held.clusters(slice(c, c + 1)).values(), w, int(c), out)
        return out


def _held_array(arrays: dict[str, np.ndarray | Product], formed: dict[str, np.ndarray],
                name: str) -> np.ndarray:
    """A held metric's draws (draw, cluster, year): its array, or a Product's formed once
    (kept in `formed`)."""
    held = arrays[name]
    if isinstance(held, np.ndarray):
        return held
    if name not in formed:
        formed[name] = held.values()
    return formed[name]


class _HeldBlock(Mapping[str, np.ndarray]):
    """A block of clusters of held draws (`HeldDraws.compute`): views of the held arrays, a
    Product's draws formed when first read. It holds the arrays, not the HeldDraws that caches
    it (`ClusterDraws.block`): no reference cycle, so the run's arrays are freed as soon as its
    results are let go, not at the cyclic collector's next pass (which `clustersim` pauses)."""

    def __init__(self, arrays: dict[str, np.ndarray | Product], formed: dict[str, np.ndarray],
                 block: slice) -> None:
        self._arrays, self._formed, self._block = arrays, formed, block

    def __getitem__(self, name: str) -> np.ndarray:
        return _held_array(self._arrays, self._formed, name)[:, self._block]

    def __iter__(self) -> Iterator[str]:
        return iter(self._arrays)

    def __len__(self) -> int:
        return len(self._arrays)


def _shared(value: Any) -> Any:
    """`value` as `Results.memo` hands it to each caller, who may change what it is given but
    not what the next one gets: dicts, lists and tuples copied level by level, each array a
    read-only view (writing into it raises ValueError, without copying its bytes), text,
    numbers and None as they are (immutable); anything else deep-copied."""
    kind = type(value)
    if kind is np.ndarray:
        view = value.view()
        view.flags.writeable = False
        return view
    if kind is dict:
        return {k: _shared(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return kind(_shared(v) for v in value)
    if value is None or kind in (str, float, int, bool) or isinstance(value, np.generic):
        return value
    return copy.deepcopy(value)


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
    metrics: ClusterDraws  # cluster metrics (draw, cluster, year), held or recomputed by block
    district: dict[str, np.ndarray]  # (draw, year): per-draw totals, ratios of totals, district-only
    communes: dict[str, np.ndarray]  # (draw, commune, year)
    developer: DeveloperIndicators = field(compare=False, repr=False)
    _stats: dict[tuple[str, str], dict[str, np.ndarray]] = field(
        default_factory=dict, compare=False, repr=False)
    _finance: dict[str, np.ndarray] = field(default_factory=dict, compare=False, repr=False)
    _memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, inputs: Inputs, metrics: ClusterDraws, district: dict[str, np.ndarray],
              communes: dict[str, np.ndarray], developer: DeveloperIndicators) -> Results:
        units = {**METRICS, **{k: "workers" for k in metrics if k.startswith("jobs_")},
                 **DISTRICT_METRICS, **COMMUNE_METRICS}
        return cls(inputs.scenario_id, inputs.cluster_ids, inputs.geo.commune_ids,
                   inputs.years.astype(int), units, metrics,
                   {k: district[k] for k in units if k in district},
                   {k: communes[k] for k in COMMUNE_METRICS}, developer)

    def stats(self, kind: str, metric: str) -> dict[str, np.ndarray]:
        """mean, p10, p50, p90 over draws of a `metrics`, `district` or `communes` array,
        computed once and kept (every output reads the same bands). Cluster bands are computed
        for every metric in one pass over the blocks of clusters (`summarise`; for held draws
        when the first is read)."""
        key = (kind, metric)
        if key not in self._stats:
            if kind == "metrics":
                self._sweep_once()
            else:
                getattr(self, kind)[metric]  # KeyError for a metric the run does not have
                self._stats.update(self._missing_bands((kind,), _THREADS))  # the writers read them all
        return self._stats[key]

    def _missing_bands(self, kinds: tuple[str, ...] = ("district", "communes"),
                     threads: int = 1) -> dict[tuple[str, str], dict[str, np.ndarray]]:
        """The bands of every array of `kinds` (`district`, `communes`) not computed yet, on
        `threads` threads (one: one after the other, on the calling thread)."""
        todo = [(kind, m) for kind in kinds for m in getattr(self, kind)
                if (kind, m) not in self._stats]
        arrays = [getattr(self, kind)[m] for kind, m in todo]
        if threads < 2:
            return dict(zip(todo, map(quantiles, arrays)))
        with ThreadPoolExecutor(threads) as pool:  # the selection runs without the GIL
            return dict(zip(todo, pool.map(quantiles, arrays)))

    def _sweep(self, on_block: Callable[[int, int], None] | None = None, client: Any = None) -> None:
        """One pass over the blocks of clusters: bands of every cluster metric, developer IRR
        and payback year per cluster (the district's from its per-draw totals)."""
        n, c, y = self.metrics.draws, self.metrics.clusters, len(self.years)
        bands = {m: {s: np.empty((c, y)) for s in ("mean", "p10", "p50", "p90")} for m in self.metrics}
        irr, payback = np.empty((n, c + 1)), np.empty((n, c + 1))
        for k, (sl, (block_bands, block_irr, block_payback)) in enumerate(
                self.metrics.block_summaries(self.years, self.developer, client)):
            for m, q in block_bands.items():
                for s, v in q.items():
                    bands[m][s][sl] = v
            irr[:, sl], payback[:, sl] = block_irr, block_payback
            if on_block is not None:
                on_block(k + 1, len(self.metrics.block_slices))
        irr[:, -1], payback[:, -1] = self.developer(
            self.district["net_cash_bn_vnd"], self.district["cumulative_net_cash_bn_vnd"], self.years)
        self._stats.update({("metrics", m): b for m, b in bands.items()})
        self._finance.update(irr=irr, payback=payback)

    def memo(self, key: str, compute: Callable[[], _T]) -> _T:
        """`compute()` once for these results, handed out each time as `_shared` gives it (its
        own dicts, lists and tuples; the arrays read-only views of the kept ones): summaries
        over the draws that several outputs show (e.g. `appraisal.who_gains` in summary.json,
        the cluster table and the report; the gates' states in the checks and gate openings)."""
        if key not in self._memo:
            self._memo[key] = compute()
        kept: _T = _shared(self._memo[key])
        return kept

    def summarise(self, on_block: Callable[[int, int], None] | None = None,
                  client: Any = None) -> None:
        """Recomputed per-cluster draws: compute every cluster band, IRR and payback now, in one
        pass over the blocks of clusters (else on first use), reporting progress per block;
        with a dask.distributed `client`, on its workers. Held draws wait until an output
        reads a cluster band, IRR or payback, then get them all at once (on threads, the IRR
        beside the bands): `clustersim run` reads every band (timeseries.csv,
        clusters.gpkg), the checks none."""
        if not isinstance(self.metrics, HeldDraws):
            self._sweep_once(on_block, client)

    def every_band(self) -> None:
        """Every band of the run now, held or recomputed draws alike: the cluster bands, IRR
        and payback in one pass over the blocks of clusters (`_sweep`), and the district and
        commune bands on a thread beside it. What `clustersim run`'s outputs read, all computed
        before the writers start rather than each when first read."""
        with ThreadPoolExecutor(1) as side:  # the selection runs without the GIL
            others = side.submit(self._missing_bands)
            self._sweep_once()
            self._stats.update(others.result())

    def _sweep_once(self, on_block: Callable[[int, int], None] | None = None,
                    client: Any = None) -> None:
        if "irr" not in self._finance:
            self._sweep(on_block, client)

    @property
    def irr(self) -> np.ndarray:
        """(draw, cluster + 1): developer IRR per cluster, last column the district."""
        self._sweep_once()
        return self._finance["irr"]

    @property
    def payback(self) -> np.ndarray:
        """(draw, cluster + 1): payback year, NaN when none; last column the district."""
        self._sweep_once()
        return self._finance["payback"]

    @property
    def draws(self) -> int:
        return self.metrics.draws

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
        return self.metrics.column(metric, self.cluster_ids.index(cluster))[:, t]

    def probability(self, metric: str, year: int, *, at_least: float | None = None,
                    at_most: float | None = None, cluster: str | None = None) -> float:
        """Share of draws meeting a target (value ≥ at_least, or ≤ at_most)."""
        v = self.values(metric, year, cluster)
        met = v >= at_least if at_least is not None else v <= at_most
        return float(met.mean())

    def communes_at(self, metric: str, year: int, stat: str = "mean") -> np.ndarray:
        return self.stats("communes", metric)[stat][:, self.year_index(year)]
