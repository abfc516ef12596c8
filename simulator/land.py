"""Land: phase timelines → gross, leasable and leased area, farmland converted.

Pure functions on arrays. Phase arrays have dims (draw, phase) and broadcast against the year
axis; results have dims (draw, phase, year). Equations: docs/model.md §Land.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from simulator import kernels

__all__ = ["ramp", "logistic_ramp", "simulate_land", "attractiveness", "fill", "water_level", "allocate",
           "competitive_takeup"]

_INSTANT = kernels.RAMP_INSTANT  # years: a shorter step (about 30 s) is done at once


def ramp(years: np.ndarray, start: np.ndarray, duration: np.ndarray) -> np.ndarray:
    """Share of a step done by the end of each year: clip((t + 1 − s) / n, 0, 1).

    A step starting in year s and lasting n years is a third done at the end of year s when
    n = 3. With n = 0 it is done at once in year s. Years and durations may be fractional.
    `start`/`duration` have dims (draw, phase); the result has dims (draw, phase, year)
    (kernels.ramp).
    """
    y, s, n = _floats(years, start, duration)
    share: np.ndarray = kernels.ramp(y, s, n)
    return share


def _floats(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    return tuple(np.ascontiguousarray(a, dtype=float) for a in arrays)


def simulate_land(years: np.ndarray, phases: dict[str, np.ndarray], first: np.ndarray, *,
                  fill: bool = True, only: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """The timeline of each cluster (dims draw, cluster, year): its phases' (draw, phase)
    added up in phase order, cluster k's phases being first[k] … first[k + 1] − 1; o = a + c + k
    the opening year, f the farmland share:

    gross_area_ha         = Σ A · ramp(t; a, 0)          approved land
    cleared_ha            = Σ A · ramp(t; a, c)          site clearance
    farmland_converted_ha = Σ f · (A · ramp(t; a, c))    farmland converted
    built_ha              = Σ A · ramp(t; a + c, k)      construction finished
    open_ha               = Σ A · ramp(t; o, 0)          open for leasing
    filled_ha             = Σ A · logistic(t; o, F)      an independent S-curve fill (see
                                                        logistic_ramp; left out when `fill` is false)

    `phases` holds A `area_ha` (draw, phase), a `approval_year`, c `clearance_years`, k
    `construction_years`, F `fill_years` and f `farmland_share`, (draw, phase) or (phase,). The
    first five in one compiled pass (kernels.timeline, views of one array); `only`: these keys
    alone.
    """
    area_ha = phases["area_ha"]
    steps = np.empty((len(kernels.TIMELINE), *area_ha.shape))
    for row, key in enumerate(("area_ha", "approval_year", "clearance_years", "construction_years",
                               "farmland_share")):
        steps[row] = phases[key]
    first = np.ascontiguousarray(first, dtype=np.intp)
    out: dict[str, np.ndarray] = {}
    if only is None or any(k in only for k in kernels.TIMELINE):
        every = np.empty((len(kernels.TIMELINE), area_ha.shape[0], len(first), len(years)))
        kernels.timeline(np.ascontiguousarray(years, dtype=float), steps, first, every)
        out = {k: v for k, v in zip(kernels.TIMELINE, every) if only is None or k in only}
    if fill and (only is None or "filled_ha" in only):
        opening = steps[1] + steps[2] + steps[3]
        filled = area_ha[..., None] * logistic_ramp(years, opening, phases["fill_years"])
        out["filled_ha"] = np.add.reduceat(filled, first, axis=1)
    return out


def logistic_ramp(years: np.ndarray, start: np.ndarray, duration: np.ndarray) -> np.ndarray:
    """Share leased τ = t + 1 − s years after opening on an S-curve that reaches 98 % at τ = F:

        L(τ) = 1 / (1 + exp(−κ (τ − F/2))),  κ = 8 / F,   share = (L(τ) − L(0)) / (1 − L(0))

    0 before opening; F = 0 fills at once. Dims as `ramp`.
    """
    tau = years[None, None, :] + 1.0 - start[..., None]
    f = np.broadcast_to(duration[..., None], tau.shape)
    safe = np.where(f > _INSTANT, f, 1.0)
    l0 = expit(-4.0)  # L(0): κ F / 2 = 4 for every F
    curve = (expit(8.0 * (tau / safe - 0.5)) - l0) / (1.0 - l0)
    share = np.where(f > _INSTANT, curve, 1.0)
    return np.where(tau > 0, np.clip(share, 0.0, 1.0), 0.0)


def attractiveness(access_km: np.ndarray, access_scale_km: np.ndarray, lease_price: np.ndarray,
                   mean_price: np.ndarray, rent_elasticity: np.ndarray) -> np.ndarray:
    """a_c = exp(−d_c / λ) · (p_c / p̄)^(−ε): nearer an interchange or Ring Road 4 and cheaper
    than the district average p̄ (`mean_price`, (draw,), the mean over every cluster of the
    scenario) is more attractive. Dims (draw, cluster); or (run, draw, cluster) for runs that
    differ in their lease prices alone (`lease_price` (run, draw, cluster), `mean_price`
    (run, draw)), elementwise the same numbers."""
    relative = lease_price / mean_price[..., None]
    score: np.ndarray = (np.exp(-access_km[None, :] / access_scale_km[:, None])
                         * relative ** -rent_elasticity[:, None])
    return score


def fill(room: np.ndarray, level: np.ndarray, score: np.ndarray) -> np.ndarray:
    """take_c = V_c · min(1, θ · a_c): a cluster's share of a pool's demand at water level θ
    (`level`, (draw,)), never more than its vacant room V_c. Elementwise over clusters, so a
    block of clusters gets exactly the numbers the whole district gets."""
    take: np.ndarray = room * np.minimum(level[:, None] * score, 1.0)
    return take


def water_level(demand: np.ndarray, score: np.ndarray, room: np.ndarray,
                order: np.ndarray | None = None) -> np.ndarray:
    """θ (draw,) with Σ_c V_c · min(1, θ a_c) = D: demand shared in proportion to score ×
    vacant room, a full cluster's excess re-shared among the others (water filling). When the
    demand exceeds all the room, θ = 2 / min a over clusters with room (everyone full, with a
    margin against rounding).

    With clusters sorted by falling score, the first k are full at level θ_k =
    (D − Σ_{j<k} V_j) / Σ_{j≥k} a_j V_j, and the answer is the first k with θ_k · a_k < 1
    (kernels.water_level). `order` is argsort(−score, axis=1), which can be computed once for
    every year."""
    if order is None:
        order = np.argsort(-score, axis=1, kind="stable")
    level: np.ndarray = kernels.water_level(np.ascontiguousarray(demand, dtype=float),
                                            np.ascontiguousarray(score, dtype=float),
                                            np.ascontiguousarray(room, dtype=float),
                                            np.ascontiguousarray(order, dtype=np.intp))
    return level


def allocate(demand: np.ndarray, score: np.ndarray, room: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Share `demand` (draw,) among clusters by water filling (`water_level`). Returns
    (take (draw, cluster), unmet (draw,)): unmet = max(0, D − Σ V), the demand no room takes."""
    take = fill(room, water_level(demand, score, room), score)
    return take, np.maximum(demand - room.sum(axis=1), 0.0)


def competitive_takeup(capacity: np.ndarray, leased_before: np.ndarray, score: np.ndarray,
                       pools: list[tuple[np.ndarray, np.ndarray]],
                       levels: np.ndarray | None = None, total: np.ndarray | None = None,
                       keep: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year by year, each demand pool (mask of clusters (cluster,), demand (draw, year)) is
    allocated among its clusters' vacant land V = capacity − leased by water filling:

        leased[t] = leased[t−1] + V[t] · min(1, θ[t] · a)

    `capacity` (draw, cluster, year) is the leasable area times the maximum occupancy;
    `leased_before` (draw, cluster) is the leased area at the end of the year before the base
    year. The pools' masks are disjoint. The water levels θ (draw, year, pool) couple the
    clusters; given `levels` (from a run over every cluster) the recurrence runs for any block
    of clusters on its own, exactly. Returns leased (draw, cluster, year), unmet demand
    (draw, year) and the levels. `score` (run, draw, cluster) solves runs that differ in their
    scores alone, each as if alone, in one call: then each result has the run axis first.
    `total` (run…, draw, year), when given, gets the leased area summed over clusters (in
    order: the district's, as the model's cluster metrics add it up); `keep` (run…, k), when
    given, the clusters whose leased area is returned, (run…, draw, k, year). The loop is
    compiled: kernels.takeup."""
    n, c, years = capacity.shape
    pool_of = np.full(c, -1, dtype=np.intp)
    for k, (mask, _) in enumerate(pools):
        pool_of[np.asarray(mask, dtype=bool)] = k
    demand = np.empty((n, years, len(pools)))
    for k, (_, dem) in enumerate(pools):
        demand[:, :, k] = dem
    runs = score.shape[:-2]
    keep = np.broadcast_to(np.arange(c), (*runs, c)) if keep is None else keep
    solve = levels is None
    if levels is None:
        levels = np.zeros((*runs, n, years, len(pools)))
    levels = np.ascontiguousarray(levels, dtype=float)
    leased, unmet = kernels.takeup(np.ascontiguousarray(capacity, dtype=float),
                                   np.ascontiguousarray(leased_before, dtype=float),
                                   np.ascontiguousarray(score, dtype=float).reshape(-1, n, c), pool_of,
                                   demand, levels.reshape(-1, n, years, len(pools)), solve,
                                   (np.ascontiguousarray(keep, dtype=np.intp).reshape(-1, keep.shape[-1]),
                                    np.empty((1, 0, years)) if total is None else total.reshape(-1, n, years)))
    return leased.reshape(*runs, n, keep.shape[-1], years), unmet.reshape(*runs, n, years), levels
