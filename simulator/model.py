"""The simulation: Inputs → Results, vectorised over (draw, cluster, year), chunked over draws.

Calls the pure stages in one direction: land → employment → finance.
"""

from __future__ import annotations

import numpy as np

from simulator import employment, finance, land
from simulator.inputs import PHASE_FIELDS, Inputs
from simulator.results import METRICS, Results
from simulator.uncertainty import draw_matrix

__all__ = ["simulate", "simulate_draws"]

_CHUNK_CELLS = 2_000_000  # draws × phases × years per chunk: bounds the working memory


def _per_phase(inputs: Inputs, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: v[:, inputs.phase_cluster] for k, v in values.items()}


def simulate_draws(inputs: Inputs, phase: dict[str, np.ndarray], cluster: dict[str, np.ndarray],
                   ) -> dict[str, np.ndarray]:
    """One chunk: sampled phase (draw, phase) and cluster (draw, cluster) values → metrics."""
    cp = _per_phase(inputs, cluster)
    area = phase["size"] * inputs.phase_size_factor
    first = inputs.years[:1] - 1.0  # the year before the base year, for yearly changes
    args = dict(
        area_ha=area, approval_year=inputs.phase_approval,
        clearance_years=phase["clearance_years"], construction_years=phase["construction_years"],
        leasable_share=cp["leasable_share"], max_occupancy=cp["max_occupancy"],
        fill_years=cp["fill_years"], farmland_share=cp["farmland_share"],
    )
    now = land.simulate_land(inputs.years, **args)
    before = land.simulate_land(first, **args)
    starts = inputs.phase_starts

    def to_clusters(a: np.ndarray) -> np.ndarray:
        return np.add.reduceat(a, starts, axis=1)

    leased = to_clusters(now["leased_area_ha"])
    built = to_clusters(finance.yearly_change(now["construction_done"] * area[..., None],
                                              (before["construction_done"] * area[..., None])[..., 0]))
    newly_leased = finance.yearly_change(leased, to_clusters(before["leased_area_ha"])[..., 0])
    out = {k: to_clusters(now[k]) for k in
           ("gross_area_ha", "leasable_area_ha", "leased_area_ha", "farmland_converted_ha")}
    out["jobs"] = employment.jobs(leased, cluster["jobs_per_leased_ha"])
    out.update(finance.simulate_money(
        leased_ha=leased, newly_leased_ha=newly_leased, built_ha=built,
        firm_revenue_per_ha=cluster["firm_revenue_bn_vnd_per_leased_ha"],
        budget_revenue_per_ha=cluster["budget_revenue_bn_vnd_per_leased_ha"],
        capex_per_ha=cluster["capex_bn_vnd_per_ha"],
        lease_price_per_ha=cluster["lease_price_bn_vnd_per_ha"],
    ))
    return out


def _chunks(n: int, size: int) -> list[slice]:
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


def simulate(inputs: Inputs) -> Results:
    """Sample every parameter, run the stages chunk by chunk, and collect Results."""
    n = inputs.draws
    phase = {f: draw_matrix(inputs.phase_specs[f], seed=inputs.seed, n=n) for f in PHASE_FIELDS}
    cluster = {k: draw_matrix(v, seed=inputs.seed, n=n) for k, v in inputs.cluster_specs.items()}
    cells = max(1, len(inputs.phase_cluster) * len(inputs.years))
    parts = [
        simulate_draws(inputs, {k: v[sl] for k, v in phase.items()},
                       {k: v[sl] for k, v in cluster.items()})
        for sl in _chunks(n, max(1, _CHUNK_CELLS // cells))
    ]
    metrics = {m: np.concatenate([p[m] for p in parts]) for m in parts[0]}
    return Results.from_metrics(inputs.scenario_id, inputs.cluster_ids, inputs.years, metrics)
