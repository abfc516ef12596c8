"""The simulation: Inputs → Results, vectorised over (draw, cluster, year), chunked over draws.

Stages run one way: timeline and land (land.py) → take-up (land.py) → jobs, firms and the
labour catchment (employment.py) → money (finance.py).
"""

from __future__ import annotations

import math
import os
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from queue import SimpleQueue
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterator, Mapping, Sequence, TypeVar

import numpy as np

from simulator import employment, finance, kernels, land
from simulator.inputs import LAND_USES, LEASE_PRICE, Inputs, at_price
from simulator.process import available_bytes
from simulator.results import (
    COMMUNE_METRICS, DISTRICT_METRICS, METRICS, RATIOS, BlockSummary, ClusterDraws, DeveloperIndicators, HeldDraws, Product, Results,
    block_summary, pct,
)
from simulator.uncertainty import ParamSpec, draw_keys

__all__ = ["simulate", "simulate_draws", "cluster_block", "cluster_rows", "simulate_cluster", "simulate_clusters",
           "repriced_reruns", "ClusterReruns", "SharedChunks", "draw_parameters", "ParameterDraws",
           "RecomputedDraws", "block_bytes_per_cluster", "chunk_slices", "held_bytes", "held_bytes_of", "held_rows", "HOLD_BYTES", "BLOCK_BYTES", "memory_estimate",
           "MemoryEstimate", "HELD", "HeldPages", "drop_ahead", "hold_ahead", "holds", "kept_shapes", "touched_ahead"]

_CHUNK_CELLS = 20_000_000  # float64 cells in flight (~160 MB) over every thread: bounds working memory
# chunks of draws computed at once on threads (the compiled loops and numpy's big passes run
# without the GIL); each draw's numbers never depend on the chunk or thread it is computed in
_THREADS = min(2, os.cpu_count() or 1)
_T = TypeVar("_T")
HOLD_BYTES = 2 << 30  # per-cluster draws held in memory up to this; above it they are recomputed
# a recomputed block of clusters (its metrics and temporaries) stays within this and the hold
# budget: streaming past the hold budget must not need the whole budget again for one block
# (the national case of benchmarks/bench.py: 2.54 GiB peak with 2 GiB blocks)
BLOCK_BYTES = 1 << 30
_INDUSTRIAL = LAND_USES.index("industrial")


class ParameterDraws:
    """Every draw of every uncertain parameter, held once per identity key (a value shared by
    many clusters is held once), and the `p` dict of any block of draws and clusters:
    phase (D,P), cluster (D,C), district (D,), sector (D,S). `approval_delay` (draw, phase)
    postpones approvals (years), as occupancy gates do under `gating: enforce`."""

    def __init__(self, inputs: Inputs, approval_delay: np.ndarray | None = None,
                 drawn: tuple[dict[str, int], np.ndarray] | None = None) -> None:
        """`drawn`: the draws already made, (row of each drawn key, values (row, draw)), a
        table of which only these keys' rows are read (`reuse`: another's, not copied)."""
        self.inputs = inputs
        if drawn is None:
            keys = draw_keys(_drawn_specs(inputs), seed=inputs.seed, n=inputs.draws,
                             sampling=inputs.sampling)
            drawn = ({k: j for j, k in enumerate(keys)},
                     np.array(list(keys.values())) if keys else np.zeros((0, inputs.draws)))
        rows, self.values = drawn
        self._rows = rows
        groups: dict[str, dict[str, tuple[ParamSpec, ...]]] = {
            "phase": inputs.phase_specs, "cluster": inputs.cluster_specs,
            "sector": inputs.sector_specs,
            "district": {k: (v,) for k, v in inputs.district_specs.items()}}
        self.layout = {g: {f: (np.array([rows.get(s.key, -1) for s in specs_], dtype=np.intp),
                               np.array([s.dist.central() for s in specs_]))
                           for f, specs_ in fields.items()} for g, fields in groups.items()}
        self._stacked = {g: _stacked(fields) for g, fields in self.layout.items()}
        self.delay = approval_delay
        self.drawn_from: ParameterDraws | None = None  # whose draws these are (`reuse`)

    def take(self, draws: slice = slice(None), clusters: slice | None = None,
             ) -> dict[str, dict[str, np.ndarray]]:
        """The parameters of a block of draws and clusters (by default every cluster): each
        field's drawn values where drawn, else its central value; a group's fields
        C-contiguous views of one fresh array (field, draw, phase | cluster | sector | 1); the
        approval delays (`delay`, phase) a view of them."""
        cols = {"phase": self.inputs.phase_range(clusters), "cluster": clusters} if clusters else {}
        n = len(range(*draws.indices(self.inputs.draws)))
        out: dict[str, dict[str, np.ndarray]] = {}
        for g, (names, rows, fixed) in self._stacked.items():
            sl = cols.get(g, slice(None))
            rows, fixed = rows[:, sl], fixed[:, sl]
            block = np.repeat(fixed[:, None, :], n, axis=1)
            f, j = np.nonzero(rows >= 0)
            if len(f):
                block[f, :, j] = self.values[rows[f, j], draws]
            out[g] = {k: v[:, 0] if g == "district" else v for k, v in zip(names, block)}
        if self.delay is not None:
            out["phase"]["delay"] = self.delay[draws, cols.get("phase", slice(None))]
        return out

    def reuse(self, inputs: Inputs) -> ParameterDraws:
        """`ParameterDraws(inputs)` with these approval delays, taking these draws where
        `inputs` draws only parameters these draw, each from the same spec, with the same seed,
        number of draws, sampling and correlations in effect — so they are the same numbers
        (e.g. one cluster's lease price fixed, a key in no correlation; `drawn_from` is then
        these); else drawn anew."""
        mine, theirs = _drawn_specs(self.inputs), _drawn_specs(inputs)
        same = (all(mine.get(k) == spec for k, spec in theirs.items())
                and (inputs.seed, inputs.draws, inputs.sampling.method)
                == (self.inputs.seed, self.inputs.draws, self.inputs.sampling.method)
                and _pairs(inputs, theirs) == _pairs(self.inputs, mine))
        if not same:
            return ParameterDraws(inputs, self.delay)
        shared = ParameterDraws(inputs, self.delay,
                                drawn=({k: self._rows[k] for k in theirs}, self.values))
        shared.drawn_from = self
        return shared


def _stacked(fields: dict[str, tuple[np.ndarray, np.ndarray]],
             ) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """A group's fields of `ParameterDraws.layout` (name → (row of each element's drawn
    values or −1, central values)) stacked: (names, rows (field, k), central values (field, k))."""
    k = len(next(iter(fields.values()))[0]) if fields else 0
    rows = np.array([r for r, _ in fields.values()], dtype=np.intp).reshape(len(fields), k)
    return tuple(fields), rows, np.array([c for _, c in fields.values()], dtype=float).reshape(len(fields), k)


def _drawn_specs(inputs: Inputs) -> dict[str, ParamSpec]:
    """The uncertain parameters of `inputs`, by key (`draw_keys` draws them)."""
    return {k: v for k, v in inputs.all_specs().items() if not v.dist.is_fixed()}


def _pairs(inputs: Inputs, drawn: dict[str, ParamSpec]) -> tuple[tuple[str, str, float], ...]:
    """The correlations `draw_keys` imposes on the parameters `drawn`: those between two of them."""
    return tuple(p for p in inputs.sampling.correlations if p[0] in drawn and p[1] in drawn)


def draw_parameters(inputs: Inputs, n: int | None = None) -> dict[str, dict[str, np.ndarray]]:
    """Every parameter's draws: phase (D,P), cluster (D,C), district (D,), sector (D,S)."""
    return ParameterDraws(inputs if n is None else replace(inputs, draws=n)).take()


_TIMELINE_CLUSTER = ("fill_years", "farmland_share")  # the cluster parameters `_timeline` reads


def _timeline(inputs: Inputs, phase: dict[str, np.ndarray], cp: dict[str, np.ndarray],
              years: np.ndarray, fill: bool = True,
              only: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """Each cluster's timeline (D,C,Y), its phases' added up (land.simulate_land); `cp` the
    cluster parameters of `_TIMELINE_CLUSTER` per phase; `only`: these keys alone."""
    area = phase["size"] * inputs.phase_size_factor
    approval = inputs.phase_approval + phase.get("delay", 0.0)  # delay: gating: enforce
    phases = {"area_ha": area, "approval_year": approval, "clearance_years": phase["clearance_years"],
              "construction_years": phase["construction_years"], "fill_years": cp["fill_years"],
              "farmland_share": cp["farmland_share"]}
    return land.simulate_land(years, phases, inputs.phase_starts, fill=fill, only=only)


Timelines = tuple[dict[str, np.ndarray], dict[str, np.ndarray]]


def _land(inputs: Inputs, p: dict[str, dict[str, np.ndarray]],
          coupling: dict[str, np.ndarray] | None = None,
          timelines: Timelines | None = None) -> dict[str, np.ndarray]:
    """Timelines (`_timelines`, unless given) and leased area. Without `coupling` the take-up
    is solved over every cluster (water levels and the mean lease price are returned); with
    it, any block of clusters follows the same recurrence on its own. Keys: the timeline now
    and the year before the base year (`before_*`), leased (D,C,Y), leased_before (D,C), and
    when solved unmet (D,Y), levels (D,Y,pools), mean_price (D,)."""
    timelines = _timelines(inputs, p) if timelines is None else timelines
    now, before = timelines
    out = {**now, **{f"before_{k}": v[..., 0] for k, v in before.items()},
           "leasable_area_ha": inputs.land_use[:, _INDUSTRIAL][None, :, None] * now["open_ha"]}
    return {**out, **_leased(inputs, p, _room(inputs, p, timelines), coupling)}


def _timelines(inputs: Inputs, p: dict[str, dict[str, np.ndarray]]) -> Timelines:
    """Each cluster's timeline (D,C,Y) now, with the independent fill curve when it is the
    take-up, and in the year before the base year (D,C,1) with that curve (for history)."""
    c = {k: p["cluster"][k][:, inputs.phase_cluster] for k in _TIMELINE_CLUSTER}  # per phase
    return (_timeline(inputs, p["phase"], c, inputs.years, fill=inputs.takeup == "independent"),
            _timeline(inputs, p["phase"], c, inputs.years[:1] - 1.0))


@dataclass(frozen=True)
class _Room:
    """What the take-up reads of the timelines and the parameter draws, no lease price among
    them (`_room`): the leased area the year before the base year, `history` (D,C); the
    plots open for leasing, `capacity` (D,C,Y), and each demand pool's (mask of clusters,
    demand (D,Y)), `pools`, when competitive; when independent `capacity` is the leased area
    itself (the plots filled on the independent curve) and there are no pools."""

    history: np.ndarray
    capacity: np.ndarray
    pools: list[tuple[np.ndarray, np.ndarray]]


def _room(inputs: Inputs, p: dict[str, dict[str, np.ndarray]], timelines: Timelines) -> _Room:
    """The take-up's `_Room` of `p`'s draws: re-runs that differ only in lease prices share it."""
    (now, before), cl, d = timelines, p["cluster"], p["district"]
    plots = (inputs.land_use[:, _INDUSTRIAL] * cl["max_occupancy"])[..., None]  # (D,C,1)
    history = (plots * before["filled_ha"])[..., 0]
    if inputs.takeup == "independent":
        return _Room(history, plots * now["filled_ha"], [])
    growth = (1.0 + d["demand_growth"][:, None]) ** (inputs.years - inputs.years[0])[None, :]
    return _Room(history, plots * now["open_ha"],
                 [(~inputs.craft, d["demand_ha_per_year"][:, None] * growth),
                  (inputs.craft, d["craft_demand_ha_per_year"][:, None] * growth)])


def _leased(inputs: Inputs, p: dict[str, dict[str, np.ndarray]], room: _Room,
            coupling: dict[str, np.ndarray] | None,
            repriced: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Leased area from the take-up's `room` (`_room`): leased_before (D,C), leased (D,C,Y),
    unmet (D,Y), and when competitive the levels and mean_price (solved, or those of
    `coupling`). `repriced` = (lease prices (R,D,C), one cluster each (R,)): R runs that differ
    from `p` in their lease prices alone, each solved as if alone (`land.competitive_takeup`,
    in one call): leased (R,D,Y) is then each run's cluster's alone and `total` (R,D,Y) the
    leased area summed over clusters (the district's; (D,Y) when independent, the same for
    every price); unmet, levels and mean_price (R, …) when competitive."""
    if inputs.takeup == "independent":
        out = {"leased_before": room.history, "leased": room.capacity,
               "unmet": np.zeros((room.history.shape[0], len(inputs.years)))}
        if repriced is None:
            return out
        return {**out, "leased": room.capacity[:, repriced[1]].transpose(1, 0, 2),
                "total": room.capacity.sum(axis=1)}
    cl, d = p["cluster"], p["district"]
    price, keep = (cl[LEASE_PRICE], None) if repriced is None else (repriced[0], repriced[1][:, None])
    mean_price = price.mean(axis=-1) if coupling is None else coupling["mean_price"]
    score = land.attractiveness(inputs.geo.access_km, d["access_scale_km"], price, mean_price,
                                d["rent_elasticity"])
    total = None if repriced is None else np.empty((*price.shape[:-1], len(inputs.years)))
    leased, unmet, levels = land.competitive_takeup(
        room.capacity, room.history, score, room.pools,
        levels=None if coupling is None else coupling["levels"], total=total, keep=keep)
    return {"leased_before": room.history, "leased": leased if keep is None else leased[:, :, 0],
            "unmet": unmet, "levels": levels, "mean_price": mean_price,
            **({} if total is None else {"total": total})}


def _road_km(inputs: Inputs, d: dict[str, np.ndarray]) -> np.ndarray:
    """Road km (D,C,I): straight-line km × the detour factor."""
    road: np.ndarray = inputs.geo.distance_km[None] * d["detour_factor"][:, None, None]
    return road


def _deterrence(inputs: Inputs, d: dict[str, np.ndarray],
                road_km: np.ndarray | None = None) -> np.ndarray:
    road = _road_km(inputs, d) if road_km is None else road_km
    return employment.deterrence(road, d["commute_decay_per_km"], d["outside_distance_km"])


def _jobs_per_ha(inputs: Inputs, p: dict[str, dict[str, np.ndarray]]) -> np.ndarray:
    """Each cluster's jobs per leased ha (D,C), from its sector mix."""
    return employment.per_cluster(inputs.sector_mix, p["sector"]["jobs_per_leased_ha"])


def _jobs(inputs: Inputs, p: dict[str, dict[str, np.ndarray]], leased: np.ndarray,
          clusters: slice | np.ndarray = slice(None)) -> np.ndarray:
    """The jobs (D,C,Y): jobs per leased ha times the leased area (of `clusters` alone)."""
    jobs: np.ndarray = _jobs_per_ha(inputs, p)[:, clusters, None] * leased
    return jobs


def cluster_rows(inputs: Inputs) -> tuple[str, ...]:
    """The cluster metrics in the order kernels.cluster_metrics computes them."""
    return _rows(inputs.sectors)


def _rows(sectors: Sequence[str]) -> tuple[str, ...]:
    return (*kernels.CLUSTER_GIVEN, *kernels.CLUSTER_OUT, *(f"jobs_{k}" for k in sectors))


def _rated(inputs: Inputs) -> dict[str, str]:
    """`_rated_of` the scenario's sectors."""
    return _rated_of(inputs.sectors)


def _rated_of(sectors: Sequence[str]) -> dict[str, str]:
    """The cluster metrics computed as a rate per draw and cluster times another cluster
    metric, each product rounded once (`_rates`): the jobs (`_jobs`), and in
    kernels.cluster_metrics rice land per ha of farmland converted, firms and the firms'
    revenue per leased ha, each sector's jobs per leased ha, wages per job and farm income per
    ha of farmland converted. Name → that other metric."""
    return {"jobs": "leased_area_ha", "rice_land_converted_ha": "farmland_converted_ha",
            "firms": "leased_area_ha", "firm_revenue_bn_vnd": "leased_area_ha",
            **{f"jobs_{k}": "leased_area_ha" for k in sectors},
            "wages_bn_vnd": "jobs", "farm_income_lost_bn_vnd": "farmland_converted_ha"}


def _rates(inputs: Inputs, per_ha: np.ndarray, each: np.ndarray,
           jobs_per_ha: np.ndarray) -> dict[str, np.ndarray]:
    """The rate (D,C) of each metric of `_rated`, from kernels.cluster_metrics' arguments
    per_ha (D,C,3 + sectors) and each (D,4) (their layout: kernels._cluster_row) and the jobs
    per leased ha (`_jobs`)."""
    n, c = per_ha.shape[:2]
    return {"jobs": jobs_per_ha, "rice_land_converted_ha": per_ha[..., 0],
            "firms": per_ha[..., 1], "firm_revenue_bn_vnd": per_ha[..., 2],
            **{f"jobs_{k}": per_ha[..., 3 + j] for j, k in enumerate(inputs.sectors)},
            "wages_bn_vnd": np.broadcast_to(each[:, 2:3], (n, c)),
            "farm_income_lost_bn_vnd": np.broadcast_to(each[:, 1:2], (n, c))}


def held_rows(inputs: Inputs) -> tuple[str, ...]:
    """The cluster metrics whose draws a run holds, in `cluster_rows`' order: all but the
    rated ones (`_rated`), which are held as their rates (`results.Product`): a third less
    memory to write, fault in and free. Every one for a single year (whose district totals
    are numpy's sums of the per-cluster arrays)."""
    return _held_of(inputs.sectors, len(inputs.years))


def _held_of(sectors: Sequence[str], years: int) -> tuple[str, ...]:
    rated = _rated_of(sectors) if years > 1 else {}
    return tuple(k for k in _rows(sectors) if k not in rated)


def _clusters(inputs: Inputs, p: dict[str, dict[str, np.ndarray]], ld: dict[str, np.ndarray],
              jobs: np.ndarray, in_commuters: np.ndarray, *, keep: bool = True,
              totals: bool = False, out: tuple[np.ndarray, tuple[str, ...]] | None = None,
              ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Every cluster metric (D,C,Y) from the land results, the jobs and the in-commuters of the
    labour catchment, in one compiled pass (kernels.cluster_metrics), written into a new array
    or with `out` = (array, rows) into the array (rows, D, C, Y), and with `totals` their sums
    over clusters (D,Y), the ratios left out. The rated metrics (`_rated`) those rows leave out
    are given by their rates (D,C), as `rate:<metric>`. Elementwise over clusters: a block
    gives exactly the whole run's numbers. Without `keep` only the totals are computed (the
    per-cluster arrays too for a single year, whose totals are numpy's pairwise sums)."""
    cl, s = p["cluster"], p["sector"]
    n, c, y = ld["leased"].shape
    summed = totals and y > 1
    keep = keep or not summed or out is not None
    per_ha = np.concatenate(
        [np.stack([cl["rice_share"], *(employment.per_cluster(inputs.sector_mix, s[f]) for f in
                                       ("firms_per_leased_ha", "revenue_bn_vnd_per_leased_ha"))], axis=-1),
         employment.sector_rates(inputs.sector_mix, s["jobs_per_leased_ha"])], axis=-1)
    given = {"gross_area_ha": ld["gross_area_ha"], "leasable_area_ha": ld["leasable_area_ha"],
             "leased_area_ha": ld["leased"], "farmland_converted_ha": ld["farmland_converted_ha"],
             "jobs": jobs, "in_commuters": in_commuters, "built_ha": ld["built_ha"]}
    stock = tuple(np.ascontiguousarray(given[k], dtype=float)
                  for k in (*kernels.CLUSTER_GIVEN, "built_ha"))
    before, rate, each, price = finance.money_inputs(_money_land(ld), _price_index(inputs, p),
                                                     p["district"]["discount_rate"],
                                                     {**p["cluster"], **p["district"]})
    names = cluster_rows(inputs)
    held, rows = (np.empty((len(names), n if keep else 0, c, y)), names) if out is None else out
    total = np.empty((len(names), n if summed else 0, y))
    kernels.cluster_metrics(stock, before, rate, per_ha, each, price,  # type: ignore[arg-type]
                            (held, np.array([names.index(k) for k in rows], dtype=np.intp)), total)
    every = dict(zip(rows, held)) if keep else {}
    cm = {k: every[k] for k in cluster_metric_names(inputs) if k in every} if keep else {}
    if keep:
        cm.update({f"rate:{k}": v for k, v in _rates(inputs, per_ha, each, _jobs_per_ha(inputs, p)).items()
                   if k not in every})
    if not totals:
        return cm, {}
    sums = dict(zip(names, total)) if summed else {k: v.sum(axis=1) for k, v in cm.items()}
    return cm, {k: sums[k] for k in cluster_metric_names(inputs) if k not in RATIOS}


def _money_land(ld: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The land stocks the money reads (finance.LAND_KEYS) from the land results."""
    return {"leased_ha": ld["leased"], "leased_before": ld["leased_before"],
            "built_ha": ld["built_ha"], "built_before": ld["before_built_ha"],
            "farmland_ha": ld["farmland_converted_ha"],
            "farmland_before": ld["before_farmland_converted_ha"]}


def _price_index(inputs: Inputs, p: dict[str, dict[str, np.ndarray]]) -> np.ndarray:
    return finance.price_index(p["district"]["lease_price_growth"], inputs.years - inputs.years[0])


def _money(inputs: Inputs, p: dict[str, dict[str, np.ndarray]], ld: dict[str, np.ndarray],
           jobs: np.ndarray, revenue: np.ndarray, rows: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The `rows` of every party's cash flows and running NPVs (D,C,Y) (kernels.MONEY_OUT's
    names) from the land results, the jobs and the firms' revenue (for the re-runs' clusters'
    money alone, `simulate_clusters`). Elementwise over clusters."""
    d = p["district"]
    return finance.simulate_money(land=_money_land(ld), firm_revenue=revenue, jobs=jobs,
                                  index=_price_index(inputs, p), discount_rate=d["discount_rate"],
                                  p={**p["cluster"], **d}, rows=rows)


def _labour(inputs: Inputs, jobs: np.ndarray, d: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The labour catchment over every cluster: commune metrics and the origin weights."""
    g = inputs.geo
    workers = employment.labour_supply(
        g.commune_population, inputs.years_since_census, growth=d["population_growth"],
        working_age_share=d["working_age_share"], participation=d["participation"],
        cluster_share=d["cluster_labour_share"])
    road_km = _road_km(inputs, d)
    flows = employment.gravity(workers, jobs, _deterrence(inputs, d, road_km))
    reach = road_km <= (1.0 / np.maximum(d["commute_decay_per_km"], 1e-9))[:, None, None]
    return {
        "commune:labour_available": workers,
        "commune:workers_supplied": flows["workers_supplied"],
        "commune:labour_balance": workers - flows["workers_supplied"],
        "commune:jobs_reachable": kernels.commune_sums(reach.astype(float),
                                                         np.ascontiguousarray(jobs, dtype=float)),
        "coupling:origin_weights": flows["origin_weights"],
        "in_commuters": flows["in_commuters"],
    }


def simulate_draws(inputs: Inputs, p: dict[str, dict[str, np.ndarray]], *,
                   keep_clusters: bool = True, out: np.ndarray | None = None,
                   rows: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """One chunk of draws over every cluster → every metric. Keys: plain names are (D,C,Y)
    cluster metrics (left out unless `keep_clusters`; views of `out`, (`rows`, by default
    `cluster_rows`, D, C, Y), any strides, when given: e.g. the chunk's slice of arrays held for
    every draw; `rate:` (D,C) the rates of the rated metrics `rows` leaves out), `district:`
    (D,Y) per-draw totals over the clusters, ratios of totals and district-only metrics,
    `commune:` (D,I,Y), and `coupling:` the per-draw numbers that let `cluster_block` recompute
    any block of clusters."""
    ld = _land(inputs, p)
    jobs = _jobs(inputs, p, ld["leased"])
    labour = _labour(inputs, jobs, p["district"])
    cm, district = _clusters(inputs, p, ld, jobs, labour.pop("in_commuters"), keep=keep_clusters,
                             totals=True, out=None if out is None else (out, rows or cluster_rows(inputs)))
    for name, (num, den) in RATIOS.items():
        district[name] = pct(district[num], district[den])
    district["unmet_demand_ha"] = ld["unmet"]
    district["workers_in_commuting"] = district["in_commuters"]
    district["worker_housing_demand"] = district["in_commuters"] * p["district"]["housing_share"][:, None]
    got = {f"district:{k}": v for k, v in district.items()}
    got.update(labour)
    if inputs.takeup != "independent":
        got["coupling:levels"] = ld["levels"]
        got["coupling:mean_price"] = ld["mean_price"]
    if keep_clusters:
        got.update(cm)
    return got


def cluster_block(inputs: Inputs, p: dict[str, dict[str, np.ndarray]],
                  coupling: dict[str, np.ndarray], out: np.ndarray | None = None,
                  ) -> dict[str, np.ndarray]:
    """Every cluster metric (D,C,Y) of a block of clusters (`inputs.block`, `p` taken for the
    block) given the coupling numbers of a run over every cluster: bit for bit the numbers of
    that run. Written into `out` (`cluster_rows`, D, C, Y) when given."""
    ld = _land(inputs, p, coupling)
    jobs = _jobs(inputs, p, ld["leased"])
    incoming = employment.in_commuters(_deterrence(inputs, p["district"]), coupling["origin_weights"],
                                       jobs)
    return _clusters(inputs, p, ld, jobs, incoming,
                     out=None if out is None else (out, cluster_rows(inputs)))[0]


def simulate_cluster(inputs: Inputs, cluster: int) -> dict[str, np.ndarray]:
    """One cluster's take-up and money without the labour catchment, which neither reads:
    the take-up solved over every cluster, then this cluster alone as a recomputed block
    (`cluster_block`'s land and money, given the water levels). Returns the cluster's
    `leased_area_ha` and `npv_bn_vnd` and the district's `district:leased_area_ha`,
    (draw, year): bit for bit those of `simulate(inputs)` (the same draws; blocks recompute
    the whole run's numbers exactly). A fraction of a whole run."""
    return ClusterReruns(inputs, [(inputs, cluster, ParameterDraws(inputs))]).result()[0]


def simulate_clusters(inputs: Inputs, priced: list[tuple[int, float]], *,
                      threads: int | None = None, approval_delay: np.ndarray | None = None,
                      ) -> list[dict[str, np.ndarray]]:
    """For each (cluster, price) of `priced`, `simulate_cluster(at_price(inputs, cluster, price),
    cluster)`, bit for bit: the run re-priced, one cluster's lease price fixed (the price
    response, `appraisal.price_rows`), with the run's `approval_delay` (`simulate`'s), chunk
    by chunk of draws on `threads` threads (default `_THREADS`): the calling thread and
    `threads` − 1 of a pool (`ClusterReruns`)."""
    reruns = repriced_reruns(inputs, priced, approval_delay)
    helpers = (_THREADS if threads is None else threads) - 1
    if helpers < 1:
        return reruns.result()
    with ThreadPoolExecutor(helpers, thread_name_prefix="re-runs") as pool:
        for _ in range(helpers):
            pool.submit(reruns.work)
        return reruns.result()


def repriced_reruns(inputs: Inputs, priced: list[tuple[int, float]],
                    approval_delay: np.ndarray | None = None) -> ClusterReruns:
    """The re-runs of `simulate_clusters(inputs, priced, approval_delay=…)`, not yet computed
    (`ClusterReruns`: any thread may `work` on them, `result` gives them). Each keeps the run's
    approval delays (under `gating: enforce`, the approval years its gates set: a re-run
    changes a price, not the approvals). They share the parameter draws of `inputs` where
    fixing the price leaves every other draw the same numbers (`ParameterDraws.reuse`: a
    lease price in no correlation), and then also each chunk's timeline: a re-run changes
    nothing but a lease price, which the timeline does not read. Each re-run solves its own
    take-up."""
    if not priced:
        return ClusterReruns(inputs, [])
    base = ParameterDraws(inputs, approval_delay)
    return ClusterReruns(inputs, [(run, cluster, base.reuse(run)) for cluster, price in priced
                                  for run in [at_price(inputs, cluster, price)]])


class ClusterReruns:
    """`simulate_cluster(run, cluster)` of each (run, cluster, its parameter draws), chunk by
    chunk of draws, each chunk computed by whichever thread asks next (`SharedChunks`): a
    thread beside other work calls `work`, and the thread that needs the numbers calls
    `result`, which computes the chunks still untaken before it waits. Each chunk writes its
    own draws of the arrays, so which thread computed it changes no bit. The runs whose draws
    are another's (`drawn_from`, all the same one) are computed together (`_reruns_alone`):
    `repriced_reruns` makes them, each `inputs` with one lease price fixed, so they differ
    from each other only in lease prices, which neither the parameter draws of the chunk nor
    its timelines and take-up room read."""

    def __init__(self, inputs: Inputs, runs: list[tuple[Inputs, int, ParameterDraws]]) -> None:
        names = ("leased_area_ha", "npv_bn_vnd", "district:leased_area_ha")
        self._groups = _rerun_groups(runs)
        # each group's arrays (run, draw, year), each run's arrays views of them
        self._got = [{k: np.empty((len(g.runs), inputs.draws, len(inputs.years))) for k in names}
                     for g in self._groups]
        self._out: list[dict[str, np.ndarray]] = [{} for _ in runs]
        for group, got in zip(self._groups, self._got):
            for r, i in enumerate(group.runs):
                self._out[i] = {k: v[r] for k, v in got.items()}
        self._chunks = SharedChunks(self._chunk, chunk_slices(inputs, keep=False) if runs else [])

    def work(self) -> None:
        """Compute chunks until none is left to take."""
        self._chunks.work()

    def result(self) -> list[dict[str, np.ndarray]]:
        """Each run's arrays (`simulate_cluster`'s), once every chunk is in: the chunks no
        thread has taken yet are computed here."""
        self._chunks.wait()
        return self._out

    def _chunk(self, sl: slice) -> None:
        for group, got in zip(self._groups, self._got):
            done = _reruns_alone(group.inputs, _chunk_of(group.inputs, group.params.take(sl)),
                                 group.clusters, group.prices)
            for k, v in done.items():
                got[k][:, sl] = v


@dataclass(frozen=True)
class _RerunGroup:
    """Re-runs computed together (`_reruns_alone`): those of `ClusterReruns` (`runs`, their
    places) whose draws are all `params`' (`inputs` the first one's), each re-running its
    cluster of `clusters` at its price of `prices` (NaN: the lease price drawn in `params`)."""

    inputs: Inputs
    params: ParameterDraws
    runs: list[int]
    clusters: np.ndarray
    prices: np.ndarray


def _rerun_groups(runs: list[tuple[Inputs, int, ParameterDraws]]) -> list[_RerunGroup]:
    """The runs grouped by whose draws they take: those whose draws are another's
    (`ParameterDraws.reuse`) take that one's, their cluster's lease price re-fixed at the one
    their own draws fix (`at_price`); the others their own, each alone."""
    groups: dict[int, tuple[Inputs, ParameterDraws, list[tuple[int, int, float]]]] = {}
    for i, (run, cluster, prm) in enumerate(runs):
        base = prm.drawn_from or prm
        price = float(prm.layout["cluster"][LEASE_PRICE][1][cluster]) if prm.drawn_from else np.nan
        groups.setdefault(id(base), (run, base, []))[2].append((i, cluster, price))
    return [_RerunGroup(run, base, [i for i, _, _ in m], np.array([c for _, c, _ in m], dtype=np.intp),
                        np.array([x for _, _, x in m])) for run, base, m in groups.values()]


_Chunk = tuple[dict[str, dict[str, np.ndarray]], Timelines, _Room]


def _chunk_of(inputs: Inputs, p: dict[str, dict[str, np.ndarray]]) -> _Chunk:
    """A chunk's parameter draws `p`, their timelines and their take-up's room: the last two
    read no lease price (re-runs that differ only in lease prices share them)."""
    timelines = _timelines(inputs, p)
    return p, timelines, _room(inputs, p, timelines)


class SharedChunks:
    """`fn(slice)` for every slice, each computed once, by whichever thread asks for the next:
    any number of threads call `work`, and `wait` computes what is left in the calling thread
    before it waits for the slices other threads took. `fn` stores its own results."""

    def __init__(self, fn: Callable[[slice], None], slices: list[slice]) -> None:
        self._fn = fn
        self._todo = deque(slices)
        self._left = len(slices)
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._error: BaseException | None = None
        if not slices:
            self._done.set()

    def _take(self) -> slice | None:
        with self._lock:
            return self._todo.popleft() if self._todo and self._error is None else None

    def work(self) -> None:
        """Compute slices until none is left to take (or one has failed)."""
        while (sl := self._take()) is not None:
            try:
                self._fn(sl)
            except BaseException as e:  # raised again in `wait`
                with self._lock:
                    self._error = self._error or e
                self._done.set()
                return
            with self._lock:
                self._left -= 1
                if self._left == 0:
                    self._done.set()

    def wait(self) -> None:
        """`work` in this thread, then wait for the slices other threads took; raise what
        failed in any of them."""
        self.work()
        self._done.wait()
        if self._error is not None:
            raise self._error


def _reruns_alone(inputs: Inputs, chunk: _Chunk, clusters: np.ndarray,
                  prices: np.ndarray) -> dict[str, np.ndarray]:
    """One chunk of `simulate_clusters` for R runs (`chunk`: `_chunk_of` their draws) that
    differ from those draws only in one cluster's lease price each (`clusters`, `prices`; NaN:
    as drawn): each run's take-up over every cluster (`_leased`, the R runs in one call),
    then each run's cluster's money alone, the R clusters as one block: its columns of the
    take-up and timelines are what a recomputed block of it gives (`cluster_block`: the same
    recurrence at the same water levels, elementwise over clusters). Each key (R, D, Y)."""
    p, (now, before), room = chunk
    runs = np.arange(len(clusters))
    price = np.repeat(p["cluster"][LEASE_PRICE][None], len(clusters), axis=0)  # (R,D,C)
    fixed = ~np.isnan(prices)
    price[runs[fixed], :, clusters[fixed]] = prices[fixed, None]
    every = _leased(inputs, p, room, None, (price, clusters))
    mine = every["leased"]  # (R,D,Y): each run's cluster
    ld = {"leased": mine.transpose(1, 0, 2), "leased_before": room.history[:, clusters],
          **{k: now[k][:, clusters] for k in ("built_ha", "farmland_converted_ha")},
          **{f"before_{k}": before[k][:, clusters, 0] for k in ("built_ha", "farmland_converted_ha")}}
    cl = {k: v[:, clusters] for k, v in p["cluster"].items()}
    cl[LEASE_PRICE] = price[runs, :, clusters].T
    block = {**p, "cluster": cl}
    revenue = employment.per_cluster(inputs.sector_mix, p["sector"]["revenue_bn_vnd_per_leased_ha"])
    money = _money(inputs, block, ld, _jobs(inputs, p, ld["leased"], clusters),
                   revenue[:, clusters, None] * ld["leased"], ("npv_bn_vnd",))
    return {"leased_area_ha": mine, "npv_bn_vnd": money["npv_bn_vnd"].transpose(1, 0, 2),
            "district:leased_area_ha": np.broadcast_to(every["total"], mine.shape)}


def _chunks(n: int, size: int) -> list[slice]:
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


def _per_draw_cells(inputs: Inputs, clusters: int, keep: bool = True) -> int:
    """float64 cells one draw of `simulate_draws` holds at its peak, temporaries included: ~16
    (cluster, year) arrays (timeline, take-up, jobs, the labour catchment's balanced jobs), the
    cluster metrics when kept (every row of `cluster_rows`, and a few more for the store),
    the independent fill's (phase, year) arrays, and the commune arrays (supply, the gravity
    matrix, road km and deterrence). Measured against the peak RSS of a chunk in
    tests/test_resources.py."""
    p, i, y = len(inputs.phase_cluster), len(inputs.geo.commune_ids), len(inputs.years)
    per_cluster_year = 16 + (len(cluster_rows(inputs)) + 8 if keep else 0)
    phases = 4 * p * y if inputs.takeup == "independent" else 0
    return per_cluster_year * clusters * y + phases + 8 * i * y + 6 * (i + 1) * (clusters + 1)


def chunk_slices(inputs: Inputs, keep: bool = True) -> list[slice]:
    """Draw chunks small enough to bound the working memory of `_THREADS` `simulate_draws`
    calls at once (`keep`: keeping the per-cluster metrics), as many as a multiple of
    `_THREADS` and of sizes within a draw of each other: every thread gets as many and ends
    with the others, rather than one computing the last chunk alone."""
    per_draw = _per_draw_cells(inputs, len(inputs.cluster_ids), keep)  # float64 cells in flight
    size = max(1, _CHUNK_CELLS // (_THREADS * per_draw))
    count = -(-inputs.draws // size)
    if count > 1:
        count = min(inputs.draws, -(-count // _THREADS) * _THREADS)
    return [slice(inputs.draws * k // count, inputs.draws * (k + 1) // count) for k in range(count)]


def _in_order(fn: Callable[[slice], _T], slices: list[slice]) -> Iterator[tuple[slice, _T]]:
    """(slice, fn(slice)) for every slice, in order, computed on `_THREADS` threads: at most
    that many calls run at once (so the working memory stays that of `chunk_slices`), each
    thread taking the next slice as soon as it is done (not waiting for the oldest call; the
    results done out of turn wait to be yielded, and none is kept once yielded). The slices
    not started yet are dropped if the caller stops early."""
    if _THREADS == 1:
        yield from ((sl, fn(sl)) for sl in slices)
        return
    pool = ThreadPoolExecutor(_THREADS)
    try:
        futures = deque((sl, pool.submit(fn, sl)) for sl in slices)
        while futures:  # each result let go once yielded (a block's summary is kept by the caller)
            sl, future = futures.popleft()
            yield sl, future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def cluster_metric_names(inputs: Inputs) -> tuple[str, ...]:
    return (*METRICS, *(f"jobs_{s}" for s in inputs.sectors))


def held_bytes(inputs: Inputs) -> int:
    """Bytes to hold every cluster metric for every draw, cluster and year (`held_bytes_of`)."""
    return held_bytes_of(inputs.sectors, inputs.draws, len(inputs.cluster_ids), len(inputs.years))


def held_bytes_of(sectors: Sequence[str], draws: int, clusters: int, years: int) -> int:
    """Bytes to hold every cluster metric (`cluster_metric_names`) for every draw, cluster and
    year: what `simulate` compares with its budget to decide whether a run holds its draws
    (the CLI's `hold_ahead` decides with it too, before any input is built)."""
    return 8 * (len(METRICS) + len(sectors)) * draws * clusters * years


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a run needs at its peak, for any number of draws: the libraries and the working
    chunk, plus for every draw the district, commune and coupling numbers and the parameter
    draws (`kept_per_draw`), plus the per-cluster draws — all held while they fit in `budget`
    (`cluster_per_draw` each), else the recomputed blocks in flight (the budget or BLOCK_BYTES,
    whichever is smaller, at least one cluster each: `block_per_draw`)."""

    kept_per_draw: int
    cluster_per_draw: int
    block_per_draw: int
    budget: int
    draws: int

    def total_for(self, draws: int) -> int:
        clusters = self.cluster_per_draw * draws
        if clusters > self.budget:
            clusters = max(min(self.budget, BLOCK_BYTES), self.block_per_draw * draws)
        return int(_BASE_BYTES + 16 * _CHUNK_CELLS + _SAFETY * (self.kept_per_draw * draws
                                                                + clusters))

    @property
    def total(self) -> int:
        return self.total_for(self.draws)

    def draws_within(self, available: int) -> int:
        """The most draws whose estimate fits in `available` bytes (0: none)."""
        lo, hi = 0, 1 << 40
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if self.total_for(mid) <= available else (lo, mid - 1)
        return lo


_BASE_BYTES = 400 << 20  # the interpreter with numpy, pandas, geopandas, shapely loaded
_SAFETY = 1.5  # temporaries: sorting for percentiles, copula, Dask's copies


def memory_estimate(inputs: Inputs, hold_bytes: int | None = None) -> MemoryEstimate:
    """What `simulate` and the summaries of its results will hold, from one probe draw (the
    shapes of the numbers kept per draw) and the sizes of the per-cluster arrays."""
    probe = replace(inputs, draws=1)
    params = ParameterDraws(probe)
    kept = simulate_draws(probe, params.take(), keep_clusters=False)
    per_draw = sum(v.nbytes for k, v in kept.items() if ":" in k) + params.values.nbytes
    block = block_bytes_per_cluster(probe)  # one cluster, one draw
    return MemoryEstimate(per_draw, held_bytes(probe), block,
                          HOLD_BYTES if hold_bytes is None else hold_bytes, inputs.draws)


def block_bytes_per_cluster(inputs: Inputs) -> int:
    """Bytes a cluster of a recomputed block takes at its peak, over every draw: every row of
    `cluster_rows` and ~24 cells more per year and draw (the block's timeline, take-up, jobs
    and labour, and its summary's), for each of the `_THREADS` blocks in flight."""
    return 8 * inputs.draws * len(inputs.years) * _THREADS * (len(cluster_rows(inputs)) + 24)


class RecomputedDraws(ClusterDraws):
    """Per-cluster draws too large to hold: each block of clusters is recomputed over every draw
    from the parameter draws and the coupling numbers of the run (`cluster_block`), exactly.
    Memory: `_THREADS` blocks in flight, together sized to `budget` bytes or BLOCK_BYTES,
    whichever is smaller (`block_bytes_per_cluster`)."""

    def __init__(self, inputs: Inputs, params: ParameterDraws, coupling: dict[str, np.ndarray],
                 budget: int, block_clusters: int | None = None) -> None:
        size = block_clusters or max(1, min(budget, BLOCK_BYTES) // block_bytes_per_cluster(inputs))
        n = len(inputs.cluster_ids)
        super().__init__(cluster_metric_names(inputs), inputs.draws, n, len(inputs.years),
                         _chunks(n, size))
        self._inputs, self._params, self._coupling = inputs, params, coupling

    def compute(self, block: slice) -> dict[str, np.ndarray]:
        return cluster_block(self._inputs.block(block), self._params.take(clusters=block),
                             self._coupling)

    def block_summaries(self, years: np.ndarray, developer: DeveloperIndicators,
                        client: Any = None) -> Iterator[tuple[slice, BlockSummary]]:
        """Each block recomputed and summarised on `_THREADS` threads, at most that many in
        flight, each writing its metrics into a buffer of its own reused from block to block
        (no fresh pages to touch; the summaries are new arrays). With a dask.distributed
        `client`, on its workers instead (the coupling numbers sent once), a few blocks in
        flight at a time."""
        if client is None:
            yield from _in_order(self._summariser(years, developer), self.block_slices)
            return
        coupling = client.scatter(self._coupling, broadcast=True)
        in_flight = 2 * max(1, len(client.scheduler_info().get("workers", {})))
        pending: list[tuple[slice, Any]] = []
        for sl in self.block_slices:
            pending.append((sl, client.submit(_summarise_block, self._inputs.block(sl),
                                              self._params.take(clusters=sl), coupling, years,
                                              developer, pure=False)))
            if len(pending) >= in_flight:
                done, future = pending.pop(0)
                yield done, future.result()
        for done, future in pending:
            yield done, future.result()

    def _summariser(self, years: np.ndarray,
                    developer: DeveloperIndicators) -> Callable[[slice], BlockSummary]:
        """`_summarise_block` of a block slice, into one of `_THREADS` reused buffers."""
        buffers: SimpleQueue[np.ndarray] = SimpleQueue()
        largest = max(sl.stop - sl.start for sl in self.block_slices)
        for _ in range(min(_THREADS, len(self.block_slices))):
            buffers.put(np.empty((len(cluster_rows(self._inputs)), self.draws, largest, self.years)))

        def one(sl: slice) -> BlockSummary:
            buffer = buffers.get()
            try:
                return _summarise_block(self._inputs.block(sl), self._params.take(clusters=sl),
                                        self._coupling, years, developer,
                                        buffer[:, :, :sl.stop - sl.start])
            finally:
                buffers.put(buffer)

        return one


def _summarise_block(inputs: Inputs, p: dict[str, dict[str, np.ndarray]],
                     coupling: dict[str, np.ndarray], years: np.ndarray,
                     developer: DeveloperIndicators, out: np.ndarray | None = None) -> BlockSummary:
    return block_summary(cluster_block(inputs, p, coupling, out), years, developer)


def developer_indicators(net_cash: np.ndarray, cumulative: np.ndarray, years: np.ndarray,
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Developer IRR and payback year (draw, row) of (draw, row, year) cash flows
    (finance.irr, finance.payback_year): what `Results` summarises per cluster and district."""
    return finance.irr(net_cash), finance.payback_year(cumulative, years)


def held_shape(sectors: Sequence[str], draws: int, clusters: int,
               years: int) -> tuple[int, int, int, int]:
    """The shape of the held per-cluster metrics: (`held_rows`, draw, cluster, year)."""
    return (len(_held_of(sectors, years)), draws, clusters, years)


_TOUCH_CELLS = 8 << 20  # float64 cells (64 MiB) touched at a time, between two looks at the stop flag
_PAGE_CELLS = 512  # float64 cells in 4 kB, the smallest page: one written in each page faults it in
HELD = "held"  # `hold_ahead`'s name of the held per-cluster metrics (`held_shape`)


class HeldPages:
    """Arrays of given shapes (name → shape), allocated now and first touched on a thread (one
    cell written in every 4 kB page, by numpy without the interpreter lock: the kernel zeroes
    the page), one after the other, 64 MiB at a time, until `take`: the kernel's page faults
    (0.85 GB of held per-cluster metrics in ~0.4 s CPU here, 20 % less than zeroing every
    byte again, and 0.3 GB of numbers kept for every draw at 10,000 draws of expansion) then
    fall before the run computes, on the core the single-threaded start leaves idle, not in
    the chunks. The chunks overwrite every value. `after`: touched once those pages are (one
    thread touching at a time: on a busy machine a second would take the core the start
    runs on)."""

    def __init__(self, shapes: Mapping[str, tuple[int, ...]],
                 after: HeldPages | None = None) -> None:
        self.shapes = dict(shapes)
        self._after = after
        self._values = {name: np.empty(shape) for name, shape in self.shapes.items()}
        self.touched = 0  # bytes touched so far
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._touch, daemon=True, name="held pages")
        self._thread.start()

    def _touch(self) -> None:
        if self._after is not None:
            self._after._thread.join()
        for values in self._values.values():
            cells = values.reshape(-1)  # a view: the arrays are new, contiguous
            for at in range(0, cells.size, _TOUCH_CELLS):
                if self._stop.is_set():
                    return
                cells[at:at + _TOUCH_CELLS:_PAGE_CELLS] = 0.0  # numpy lets go of the lock
                self.touched += 8 * min(_TOUCH_CELLS, cells.size - at)

    def take(self) -> dict[str, np.ndarray]:
        """The arrays by name, once the thread has stopped (the pages not touched yet are
        faulted by the chunks that write them)."""
        self._stop.set()
        self._thread.join()
        return self._values


_AHEAD: list[HeldPages] = []  # arrays made for the next local run (`hold_ahead`)


def hold_ahead(shapes: Mapping[str, tuple[int, ...]]) -> None:
    """Allocate arrays of the next local run now and touch their pages on a thread, after
    those made before (`HeldPages`), while the caller goes on on one core (the CLI imports
    the model's stack and reads the geometry meanwhile; `run.run_file` checks the memory with
    a probe draw): the held per-cluster metrics as `HELD` (`held_shape`), the numbers kept
    for every draw by their names (`kept_shapes`). `simulate` takes those of the shapes its
    run stores. Nothing is made when they would take more than half the memory available."""
    if 8 * sum(math.prod(shape) for shape in shapes.values()) <= available_bytes() // 2:
        _AHEAD.append(HeldPages(shapes, _AHEAD[-1] if _AHEAD else None))


def touched_ahead() -> int:
    """Bytes of the arrays `hold_ahead` made whose pages are touched: memory the kernel counts
    as used, which the next run would use anyway (its memory estimate counts them)."""
    return sum(pages.touched for pages in _AHEAD)


def drop_ahead() -> None:
    """Let go of every array `hold_ahead` made (their threads stopped): no run takes them."""
    _taken_ahead({})


def _taken_ahead(shapes: Mapping[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    """The arrays `hold_ahead` made that have one of these names and its shape (their pages
    touched); every thread is stopped and every array made ahead taken (once)."""
    ahead = [pages.take() for pages in _AHEAD]
    _AHEAD.clear()
    return {name: values for made in ahead for name, values in made.items()
            if shapes.get(name) == values.shape}


def kept_shapes(inputs: Inputs, held: bool) -> dict[str, tuple[int, ...]]:
    """The shapes of the numbers a local run keeps for every draw besides the held per-cluster
    metrics, by the names `simulate_draws` gives them (what `_store` stores): the district's
    (draw, year): the totals over clusters of every cluster metric but the ratios, the ratios
    of totals and the district-only metrics; the communes' (draw, commune, year); the rates of
    the rated metrics (draw, cluster) when the run holds its draws (`held`, `holds`)."""
    d, c, y = inputs.draws, len(inputs.cluster_ids), len(inputs.years)
    district = (*(k for k in cluster_metric_names(inputs) if k not in RATIOS), *RATIOS,
                *DISTRICT_METRICS)
    kept = set(held_rows(inputs))
    rated = [k for k in cluster_rows(inputs) if k not in kept] if held else []
    return {**{f"district:{k}": (d, y) for k in district},
            **{f"commune:{k}": (d, len(inputs.geo.commune_ids), y) for k in COMMUNE_METRICS},
            **{f"rate:{k}": (d, c) for k in rated}}


def holds(held: int, hold_bytes: int | None = None) -> bool:
    """Whether `simulate` holds per-cluster draws of `held` bytes (`held_bytes`,
    `held_bytes_of`) within the budget `hold_bytes` (default `HOLD_BYTES`), rather than
    recompute them: the one test of the budget, for `simulate` and for what is made ahead."""
    return held <= (HOLD_BYTES if hold_bytes is None else hold_bytes)


def _store(kept: dict[str, np.ndarray], draws: int, sl: slice, part: dict[str, np.ndarray],
           lock: threading.Lock) -> None:
    """A chunk's arrays into their slice of draws of the arrays over every draw (made, under
    `lock`, by the first chunk to get there; each chunk copies into its own slice)."""
    with lock:
        for name, values in part.items():
            if name not in kept:
                kept[name] = np.empty((draws, *values.shape[1:]))
    for name, values in part.items():
        kept[name][sl] = values


def _held_draws(inputs: Inputs, kept: dict[str, np.ndarray],
                rates: dict[str, np.ndarray]) -> dict[str, np.ndarray | Product]:
    """Every cluster metric's draws: those held (`held_rows`), and the rated ones (`_rated`)
    as their rates times the metric they rate."""
    rated = _rated(inputs)

    def drawn(m: str) -> np.ndarray | Product:
        return kept[m] if m in kept else Product(drawn(rated[m]), rates[m])

    return {m: drawn(m) for m in cluster_metric_names(inputs)}


def _run_chunks(inputs: Inputs, params: ParameterDraws, keep: bool, client: Any,
                on_chunk: Callable[[int, int], None] | None) -> dict[str, np.ndarray]:
    """`simulate_draws` over every chunk of draws (on Dask with a client), each result landing
    in place in one array per name over every draw: no second copy of everything. Locally the
    kept per-cluster metrics are written by the compiled pass straight into their slice of one
    held (`cluster_rows`, draw, cluster, year) array, and the other numbers stored, on the
    chunk's thread (no copy of the held metrics; a thread never waits for the main thread to
    store a chunk before it takes the next), into the arrays `hold_ahead` made where it made
    them (their pages touched), else into arrays the chunks first touch."""
    slices = chunk_slices(inputs, keep)
    kept: dict[str, np.ndarray] = {}
    lock = threading.Lock()
    if client is not None:
        futures = [client.submit(simulate_draws, inputs, params.take(sl), keep_clusters=keep,
                                 pure=False) for sl in slices]
        for sl, part in zip(slices, client.gather(futures)):
            _store(kept, inputs.draws, sl, part, lock)
        return kept
    rows = held_rows(inputs)
    shape = held_shape(inputs.sectors, inputs.draws, len(inputs.cluster_ids), len(inputs.years))
    ahead = _taken_ahead({**kept_shapes(inputs, keep), **({HELD: shape} if keep else {})})
    held = ahead.pop(HELD, None)
    if keep and held is None:
        held = np.empty(shape)
    kept.update(ahead)  # the kept numbers made ahead; `_store` makes the others
    if held is not None:
        kept.update(zip(rows, held))

    def one(sl: slice) -> None:  # on the chunk's thread: no waiting on the main thread
        if held is None:
            part = simulate_draws(inputs, params.take(sl), keep_clusters=False)
        else:
            part = simulate_draws(inputs, params.take(sl), out=held[:, sl], rows=rows)
            # the per-cluster metrics are in place; the coupling numbers only serve recomputed blocks
            part = {k: v for k, v in part.items() if ":" in k and not k.startswith("coupling:")}
        _store(kept, inputs.draws, sl, part, lock)

    for k, _ in enumerate(_in_order(one, slices)):
        if on_chunk is not None:
            on_chunk(k + 1, len(slices))
    return kept


def simulate(inputs: Inputs, *, client: Any = None,
             on_chunk: Callable[[int, int], None] | None = None,
             approval_delay: np.ndarray | None = None, hold_bytes: int | None = None,
             block_clusters: int | None = None) -> Results:
    """Draw every parameter, run the stages chunk by chunk, and collect Results.

    Per-draw district totals, commune metrics and the coupling numbers are kept for every draw;
    the per-cluster draws too while they fit in `hold_bytes` (default `HOLD_BYTES`), else they
    are recomputed block by block when read (`RecomputedDraws`; `block_clusters` clusters a
    block, by default as many as fit in the same budget), so memory stays bounded
    whatever the size and the numbers are the same. With a `dask.distributed.Client` the chunks
    run on its workers; every chunk gets the same parameter draws as locally, so the results are
    identical. `approval_delay` (draw, phase) postpones approvals (years), as occupancy gates do
    under `gating: enforce`."""
    params = ParameterDraws(inputs, approval_delay)
    budget = HOLD_BYTES if hold_bytes is None else hold_bytes
    keep = holds(held_bytes(inputs), budget)
    kept = _run_chunks(inputs, params, keep, client, on_chunk)
    groups: dict[str, dict[str, np.ndarray]] = {"district": {}, "commune": {}, "coupling": {},
                                                "rate": {}}
    for name, values in kept.items():
        if ":" in name:
            group, metric = name.split(":")
            groups[group][metric] = values
    if keep:
        draws: ClusterDraws = HeldDraws(_held_draws(inputs, kept, groups["rate"]))
    else:
        draws = RecomputedDraws(inputs, params, groups["coupling"], budget, block_clusters)
    return Results.build(inputs, draws, groups["district"], groups["commune"],
                         developer_indicators)
