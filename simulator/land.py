"""Land: phase timelines → gross, leasable and leased area, farmland converted.

Pure functions on arrays. Phase arrays have dims (draw, phase) and broadcast against the year
axis; results have dims (draw, phase, year). Equations: docs/model.md §Land.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ramp", "simulate_land"]

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
    leasable_share: np.ndarray,
    max_occupancy: np.ndarray,
    fill_years: np.ndarray,
    farmland_share: np.ndarray,
) -> dict[str, np.ndarray]:
    """Per phase and year (dims draw, phase, year):

    gross_area_ha        = A                                  once approved (t ≥ a)
    farmland_converted_ha = f · A · ramp(t; a, c)              cumulative, over clearance
    construction_done    = ramp(t; a + c, k)                  share of construction finished
    leasable_area_ha     = s · A · ramp(t; o, 0),  o = a + c + k (the opening year)
    leased_area_ha       = m · s · A · ramp(t; o, F)          linear take-up over F years
    """
    approval = np.broadcast_to(approval_year, area_ha.shape).astype(float)
    opening = approval + clearance_years + construction_years
    zero = np.zeros_like(area_ha)
    area = area_ha[..., None]
    leasable = (leasable_share * area_ha)[..., None]
    return {
        "gross_area_ha": area * ramp(years, approval, zero),
        "farmland_converted_ha": (farmland_share * area_ha)[..., None]
        * ramp(years, approval, clearance_years),
        "construction_done": ramp(years, approval + clearance_years, construction_years),
        "leasable_area_ha": leasable * ramp(years, opening, zero),
        "leased_area_ha": max_occupancy[..., None] * leasable * ramp(years, opening, fill_years),
    }
