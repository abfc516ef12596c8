"""Employment: leased land → jobs and firms by sector; jobs ↔ workers by commune (gravity).

Pure functions on arrays (docs/model.md §Employment). Dims: d draw, c cluster, s sector,
y year, i commune.
"""

from __future__ import annotations

import numpy as np

from simulator import kernels

__all__ = ["per_cluster", "sector_rates", "labour_supply", "deterrence", "balanced_jobs",
           "in_commuters", "gravity"]

def per_cluster(mix: np.ndarray, per_sector: np.ndarray) -> np.ndarray:
    """x_c = Σ_s mix_cs · x_s: a cluster's density from its sector mix. (C,S),(D,S) → (D,C).
    Each product rounded and added as numpy's sum over the sectors, draw by draw, so exact
    under chunking (not @); compiled (kernels.mix_sums) up to kernels.PAIRWISE_BLOCK sectors,
    where numpy's sum is one block."""
    if mix.shape[1] > kernels.PAIRWISE_BLOCK:
        x: np.ndarray = (per_sector[:, None, :] * mix[None, :, :]).sum(-1)
        return x
    return kernels.mix_sums(np.ascontiguousarray(mix, dtype=float),
                            np.ascontiguousarray(per_sector, dtype=float))


def sector_rates(mix: np.ndarray, per_sector: np.ndarray) -> np.ndarray:
    """mix_cs · x_ds: a cluster's density in each sector, e.g. jobs per leased ha; times the
    leased area L_dcy, the jobs by sector (kernels.cluster_metrics). (C,S),(D,S) → (D,C,S)."""
    rate: np.ndarray = mix[None, :, :] * per_sector[:, None, :]
    return rate


def labour_supply(population: np.ndarray, years_since_census: np.ndarray, *, growth: np.ndarray,
                  working_age_share: np.ndarray, participation: np.ndarray,
                  cluster_share: np.ndarray) -> np.ndarray:
    """W_iy = P_i · (1 + g)^(y − 2019) · w · π · σ: workers available for cluster work. → (D,I,Y)."""
    grown = (1.0 + growth[:, None]) ** years_since_census[None, :]  # (D,Y)
    rate = working_age_share * participation * cluster_share  # (D,)
    w: np.ndarray = (grown * rate[:, None])[:, None, :] * population[None, :, None]
    return w


def deterrence(road_km: np.ndarray, decay: np.ndarray, outside_km: np.ndarray) -> np.ndarray:
    """f_ci = exp(−β d_ci) from each commune, and exp(−β d_out) from the outside origin as the
    last column. road_km (D,C,I), decay and outside_km (D,) → (D,C,I+1)."""
    d, c, i = road_km.shape
    f = np.empty((d, c, i + 1))
    np.exp(-decay[:, None, None] * road_km, out=f[:, :, :i])
    f[:, :, i] = np.exp(-decay * outside_km)[:, None]
    return f


def balanced_jobs(f: np.ndarray, origin_weights: np.ndarray,
                  jobs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """B_c J_c with the cluster's balancing factor B_c = 1 / Σ_i f_ci A_i O_i, from the balanced
    origin weights A_i O_i (D,I+1,Y) of `gravity`, and the workers from outside the district,
    T_out,c = B_c J_c · A_out O_out · f_out,c. f (D,C,I+1), jobs (D,C,Y) → both (D,C,Y).

    The sum runs origin by origin, cell by cell (kernels.balanced_jobs), so a block of clusters
    gets exactly the numbers of the whole district (the model recomputes blocks; docs/model.md)."""
    both: tuple[np.ndarray, np.ndarray] = kernels.balanced_jobs(
        np.ascontiguousarray(f, dtype=float), np.ascontiguousarray(origin_weights, dtype=float),
        np.ascontiguousarray(jobs, dtype=float))
    return both


def in_commuters(f: np.ndarray, origin_weights: np.ndarray, jobs: np.ndarray) -> np.ndarray:
    """Workers from outside the district in each cluster, T_out,c = A_out O_out · B_c J_c · f_out,c.
    Shapes as `balanced_jobs`."""
    return balanced_jobs(f, origin_weights, jobs)[1]


def gravity(workers: np.ndarray, jobs: np.ndarray, f: np.ndarray) -> dict[str, np.ndarray]:
    """Doubly-constrained gravity: T_ic = A_i O_i B_c D_c f_ci, f_ci = exp(−β d_ic), with
    Σ_c T_ic = O_i and Σ_i T_ic = D_c, balanced by iterative proportional fitting.

    Origins are the communes' workers W_i plus an *outside* origin holding the jobs the district
    cannot fill, O_out = max(0, ΣJ − ΣW), at `outside_km`. Destinations are the clusters' jobs
    J_c plus a *not in a cluster* destination taking the workers left over,
    max(0, ΣW − ΣJ), equally easy to reach from every commune. Shapes: workers (D,I,Y),
    jobs (D,C,Y), f (D,C,I+1) from `deterrence`. Returns workers_supplied (D,I,Y), the balanced
    origin weights A_i O_i (D,I+1,Y) and in_commuters (D,C,Y) — workers supplied and
    in-commuters together fill every job.
    """
    total_w, total_j = workers.sum(1), jobs.sum(1)
    origins = np.concatenate([workers, np.maximum(total_j - total_w, 0)[:, None]], axis=1)
    dests = np.concatenate([jobs, np.maximum(total_w - total_j, 0)[:, None]], axis=1)
    d, c, i = f.shape[0], f.shape[1], f.shape[2] - 1
    full = np.zeros((d, i + 1, c + 1))  # origins × destinations
    full[:, :, :c] = np.swapaxes(f, 1, 2)
    full[:, :i, c] = 1.0  # staying out of cluster work; the outside pool never does
    # IPF draw by draw and year by year until converged (kernels.ipf): the balanced origin
    # weights A_i O_i; each draw's numbers do not depend on the chunk size.
    ao = np.empty_like(origins)
    kernels.ipf(full, origins, dests, ao)
    to_clusters, outside = balanced_jobs(f, ao, jobs)  # B_c J_c, T_out,c (D,C,Y)
    supplied = ao[:, :i] * kernels.commune_sums(np.ascontiguousarray(f[:, :, :i]), to_clusters)
    return {"workers_supplied": supplied, "origin_weights": ao, "in_commuters": outside}
