"""Land: phase timelines → gross, leasable and leased area, farmland converted.

Pure functions on arrays. Phase arrays have dims (draw, phase) and broadcast against the year
axis; results have dims (draw, phase, year). Equations: docs/model.md §Land.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ramp", "logistic_ramp", "simulate_land", "attractiveness", "allocate",
           "competitive_takeup"]

_INSTANT = 1e-6  # years: a shorter step (about 30 s) is done at once


def ramp(years: np.ndarray, start: np.ndarray, duration: np.ndarray) -> np.ndarray:
    """Share of a step done by the end of each year: clip((t + 1 − s) / n, 0, 1).

    A step starting in year s and lasting n years is a third done at the end of year s when
    n = 3. With n = 0 it is done at once in year s. Years and durations may be fractional.
    `start`/`duration` have dims (draw, phase); the result has dims (draw, phase, year).
    """
    x = years[None, None, :] + 1.0 - start[..., None]
    n = np.broadcast_to(duration[..., None], x.shape)
    done_at_once = (x > 0).astype(float)
    return np.clip(np.divide(x, n, out=done_at_once, where=n > _INSTANT), 0.0, 1.0)


def simulate_land(
    years: np.ndarray,
    *,
    area_ha: np.ndarray,
    approval_year: np.ndarray,
    clearance_years: np.ndarray,
    construction_years: np.ndarray,
    fill_years: np.ndarray,
) -> dict[str, np.ndarray]:
    """The timeline of each phase (dims draw, phase, year), o = a + c + k the opening year:

    gross_area_ha      = A · ramp(t; a, 0)          approved land
    cleared_ha         = A · ramp(t; a, c)          site clearance (farmland converted)
    built_ha           = A · ramp(t; a + c, k)      construction finished
    open_ha            = A · ramp(t; o, 0)          open for leasing
    filled_ha          = A · logistic(t; o, F)      an independent S-curve fill (see logistic_ramp)
    """
    approval = np.broadcast_to(approval_year, area_ha.shape).astype(float)
    opening = approval + clearance_years + construction_years
    zero = np.zeros_like(area_ha)
    area = area_ha[..., None]
    return {
        "gross_area_ha": area * ramp(years, approval, zero),
        "cleared_ha": area * ramp(years, approval, clearance_years),
        "built_ha": area * ramp(years, approval + clearance_years, construction_years),
        "open_ha": area * ramp(years, opening, zero),
        "filled_ha": area * logistic_ramp(years, opening, fill_years),
    }


def logistic_ramp(years: np.ndarray, start: np.ndarray, duration: np.ndarray) -> np.ndarray:
    """Share leased τ = t + 1 − s years after opening on an S-curve that reaches 98 % at τ = F:

        L(τ) = 1 / (1 + exp(−κ (τ − F/2))),  κ = 8 / F,   share = (L(τ) − L(0)) / (1 − L(0))

    0 before opening; F = 0 fills at once. Dims as `ramp`.
    """
    from scipy.special import expit

    tau = years[None, None, :] + 1.0 - start[..., None]
    f = np.broadcast_to(duration[..., None], tau.shape)
    safe = np.where(f > _INSTANT, f, 1.0)
    l0 = expit(-4.0)  # L(0): κ F / 2 = 4 for every F
    curve = (expit(8.0 * (tau / safe - 0.5)) - l0) / (1.0 - l0)
    share = np.where(f > _INSTANT, curve, 1.0)
    return np.where(tau > 0, np.clip(share, 0.0, 1.0), 0.0)


def attractiveness(access_km: np.ndarray, access_scale_km: np.ndarray,
                   lease_price: np.ndarray, rent_elasticity: np.ndarray) -> np.ndarray:
    """a_c = exp(−d_c / λ) · (p_c / p̄)^(−ε): nearer an interchange or Ring Road 4 and cheaper
    than the district average (p̄, the mean over clusters) is more attractive. Dims (draw, cluster)."""
    relative = lease_price / lease_price.mean(axis=1, keepdims=True)
    return np.exp(-access_km[None, :] / access_scale_km[:, None]) * relative ** -rent_elasticity[:, None]


def allocate(demand: np.ndarray, score: np.ndarray, room: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Share `demand` (draw,) among clusters in proportion to score × vacant room, never more
    than a cluster's room; demand a full cluster cannot take is re-shared among the others
    (water filling, at most one pass per cluster). Returns (take (draw, cluster), unmet (draw,))."""
    room = room.copy()
    take = np.zeros_like(room)
    rest = demand.astype(float).copy()
    for _ in range(room.shape[1]):
        weight = score * room
        total = weight.sum(axis=1)
        live = (rest > 1e-12) & (total > 0)
        if not live.any():
            break
        share = np.divide(rest[:, None] * weight, total[:, None], out=np.zeros_like(weight),
                          where=live[:, None])
        give = np.minimum(share, room)
        take += give
        room -= give
        rest -= give.sum(axis=1)
    return take, np.maximum(rest, 0.0)


def competitive_takeup(capacity: np.ndarray, leased_before: np.ndarray, score: np.ndarray,
                       pools: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Year by year, each demand pool (mask of clusters (cluster,), demand (draw, year)) is
    allocated among its clusters' vacant land V = capacity − leased:

        leased[t] = leased[t−1] + allocate(demand[t], score, V[t])

    `capacity` (draw, cluster, year) is the leasable area times the maximum occupancy;
    `leased_before` (draw, cluster) is the leased area at the end of the year before the base
    year. Returns leased (draw, cluster, year) and unmet demand (draw, year)."""
    leased = np.empty_like(capacity)
    unmet = np.zeros((capacity.shape[0], capacity.shape[2]))
    current = leased_before.copy()
    for t in range(capacity.shape[2]):
        vacant = np.maximum(capacity[:, :, t] - current, 0.0)
        for mask, demand in pools:
            take, rest = allocate(demand[:, t], score * mask, vacant * mask)
            current = current + take
            unmet[:, t] += rest
        leased[:, :, t] = current
    return leased, unmet
