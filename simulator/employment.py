"""Employment: leased land → jobs. Pure functions on arrays (docs/model.md §Employment)."""

from __future__ import annotations

import numpy as np

__all__ = ["jobs"]


def jobs(leased_ha: np.ndarray, jobs_per_leased_ha: np.ndarray) -> np.ndarray:
    """J = j · L: workers on leased land. Dims (draw, cluster, year); j is (draw, cluster)."""
    return jobs_per_leased_ha[..., None] * leased_ha
