"""Draws of uncertain parameters, keyed by parameter identity, and quantiles over draws.

A parameter's draws depend only on the scenario seed and the *key* of the place where the
distribution is declared (e.g. `district.params.jobs_per_leased_ha` or
`clusters[tin_an].phases[0].clearance_years`), never on its position in the scenario. Adding or
removing a cluster therefore leaves every other parameter's draws unchanged, and a value
inherited from the district is one shared draw for all clusters that use it (fully correlated);
declare it per cluster to make it independent.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from simulator.scenario.distributions import Distribution

__all__ = ["ParamSpec", "draw_matrix", "uniforms", "quantiles", "QUANTILES"]

QUANTILES = (0.1, 0.5, 0.9)


@dataclass(frozen=True)
class ParamSpec:
    """One declared parameter: its identity key, distribution and admissible range."""

    key: str
    dist: Distribution
    lo: float = -math.inf
    hi: float = math.inf


def _key_words(key: str) -> list[int]:
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]


def uniforms(seed: int, key: str, n: int) -> np.ndarray:
    """n uniforms in (0, 1) that depend only on (seed, key)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, *_key_words(key)]))
    return rng.random(n)


def _values(spec: ParamSpec, seed: int, n: int, central: bool) -> np.ndarray:
    if central or spec.dist.is_fixed():
        return np.full(n, min(max(spec.dist.central(), spec.lo), spec.hi))
    return spec.dist.sample_u(uniforms(seed, spec.key, n), spec.lo, spec.hi)


def draw_matrix(specs: tuple[ParamSpec, ...], *, seed: int, n: int) -> np.ndarray:
    """(n, len(specs)) values; columns with the same key share one set of draws.

    With n == 1 every parameter sits at its central value (the mean), clipped to its range.
    """
    cache: dict[str, np.ndarray] = {}
    out = np.empty((n, len(specs)))
    for j, spec in enumerate(specs):
        if spec.key not in cache:
            cache[spec.key] = _values(spec, seed, n, central=(n == 1))
        out[:, j] = cache[spec.key]
    return out


def quantiles(a: np.ndarray) -> dict[str, np.ndarray]:
    """mean, p10, p50, p90 over axis 0 (the draws)."""
    q = np.quantile(a, QUANTILES, axis=0)
    return {"mean": a.mean(axis=0), "p10": q[0], "p50": q[1], "p90": q[2]}
