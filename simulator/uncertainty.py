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
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import ndtr, ndtri

from simulator import kernels

if TYPE_CHECKING:
    from simulator.scenario.distributions import Distribution

__all__ = ["ParamSpec", "Sampling", "draw_keys", "uniforms", "quantiles", "QUANTILES",
           "spearman_to_pearson"]

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


@dataclass(frozen=True)
class Sampling:
    """How uniforms are drawn: plain Monte Carlo or Latin hypercube, and rank correlations
    between named parameters (Spearman ρ, imposed with a Gaussian copula)."""

    method: str = "random"  # "random" | "lhs"
    correlations: tuple[tuple[str, str, float], ...] = ()


def latin_hypercube_column(seq: np.random.SeedSequence, n: int) -> np.ndarray:
    """`scipy.stats.qmc.LatinHypercube(d=1, rng=np.random.default_rng(seq)).random(n)[:, 0]`,
    bit for bit, without importing scipy.stats (half a second of every run): the engine spawns
    one child generator, draws n uniforms, shuffles the strata 1..n and returns
    (stratum - uniform) / n."""
    child = np.random.default_rng(seq.spawn(1)[0])
    jitter = child.uniform(size=n)
    strata = np.arange(1, n + 1)
    child.shuffle(strata)
    column: np.ndarray = (strata - jitter) / n
    return column


def uniforms(seed: int, key: str, n: int, method: str = "random") -> np.ndarray:
    """n uniforms in (0, 1) that depend only on (seed, key): plain, or one Latin-hypercube
    column (one draw in each of n equal strata, in random order; scipy.stats.qmc)."""
    seq = np.random.SeedSequence([seed, *_key_words(key)])
    if method == "lhs" and n > 1:
        return latin_hypercube_column(seq, n)
    return np.random.default_rng(seq).random(n)


def spearman_to_pearson(rho: float) -> float:
    """The Gaussian-copula correlation that gives Spearman rank correlation ρ."""
    r: float = 2.0 * np.sin(np.pi * rho / 6.0)
    return r


def _correlate(u: dict[str, np.ndarray], pairs: tuple[tuple[str, str, float], ...]) -> None:
    """Impose rank correlations on the uniforms of the named keys, in place."""
    keys = list(dict.fromkeys(k for a, b, _ in pairs for k in (a, b)))
    r = np.eye(len(keys))
    for a, b, rho in pairs:
        i, j = keys.index(a), keys.index(b)
        r[i, j] = r[j, i] = spearman_to_pearson(rho)
    z = ndtri(np.column_stack([u[k] for k in keys])) @ np.linalg.cholesky(r).T
    for k, col in zip(keys, ndtr(z).T):
        u[k] = col


def draw_keys(specs: dict[str, ParamSpec], *, seed: int, n: int,
              sampling: Sampling = Sampling()) -> dict[str, np.ndarray]:
    """n values of every distinct parameter key. With n == 1 every parameter sits at its
    central value (the mean), clipped to its range."""
    if n == 1:
        return {k: np.full(1, min(max(s.dist.central(), s.lo), s.hi)) for k, s in specs.items()}
    u = {k: uniforms(seed, k, n, sampling.method) for k, s in specs.items() if not s.dist.is_fixed()}
    pairs = tuple(p for p in sampling.correlations if p[0] in u and p[1] in u)
    if pairs:
        _correlate(u, pairs)
    return {k: s.dist.sample_u(u[k], s.lo, s.hi) if k in u else np.full(n, s.dist.central())
            for k, s in specs.items()}


def quantiles(a: np.ndarray, rates: tuple[np.ndarray, ...] = ()) -> dict[str, np.ndarray]:
    """mean, p10, p50, p90 over axis 0 (the draws): numpy's default (linear) quantiles and
    mean, equal to np.quantile's and np.mean's (a test checks it), found by selection in a
    compiled loop (kernels.sampled_quantiles; kernels.select_quantiles below 2,048 draws)
    rather than by sorting every cell's draws. A cell with a NaN draw has NaN quantiles, as
    numpy's (`run.simulate_run` refuses a run with non-finite numbers first). With `rates` r₁ … rₖ,
    each of a's shape but its last axis: those of rₖ · (… (r₁ · a)), each product formed as
    the kernel copies the draws (no array of them)."""
    n, shape = a.shape[0], a.shape[1:]
    flat: Any = a.reshape(n, -1)
    rows = np.arange(flat.shape[1]) // shape[-1] if rates else None  # each cell's row of `rates`
    for rate in rates:
        flat = (flat, np.ascontiguousarray(rate, dtype=float).reshape(n, -1), rows)
    out = np.empty((len(QUANTILES) + 1, a[0].size))
    kernels.sampled_quantiles(flat, np.array(QUANTILES) * (n - 1), out)
    out[:-1, np.isnan(out[-1])] = np.nan  # the selection stops at a NaN (kernels._select)
    names = [f"p{round(q * 100)}" for q in QUANTILES]
    return {"mean": out[-1].reshape(shape), **{k: v.reshape(shape) for k, v in zip(names, out)}}
