"""The simulation: Inputs → Results, vectorised over (draw, cluster, year), chunked over draws.

Stages run one way: timeline and land (land.py) → take-up (land.py) → jobs, firms and the
labour catchment (employment.py) → money (finance.py).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from simulator import employment, finance, land
from simulator.inputs import LAND_USES, PHASE_FIELDS, Inputs
from simulator.results import Results
from simulator.uncertainty import draw_keys, draw_matrix

__all__ = ["simulate", "simulate_draws", "draw_parameters", "chunk_slices"]

_CHUNK_CELLS = 20_000_000  # float64 cells in flight per chunk (~160 MB): bounds working memory
_INDUSTRIAL = LAND_USES.index("industrial")


def draw_parameters(inputs: Inputs, n: int | None = None) -> dict[str, dict[str, np.ndarray]]:
    """Every parameter's draws: phase (D,P), cluster (D,C), district (D,), sector (D,S)."""
    n = inputs.draws if n is None else n
    values = draw_keys(inputs.all_specs(), seed=inputs.seed, n=n, sampling=inputs.sampling)

    def matrix(specs: tuple) -> np.ndarray:  # type: ignore[type-arg]
        return draw_matrix(specs, seed=inputs.seed, n=n, values=values)

    return {
        "phase": {f: matrix(inputs.phase_specs[f]) for f in PHASE_FIELDS},
        "cluster": {k: matrix(v) for k, v in inputs.cluster_specs.items()},
        "district": {k: values[v.key] for k, v in inputs.district_specs.items()},
        "sector": {k: matrix(v) for k, v in inputs.sector_specs.items()},
    }


def _timeline(inputs: Inputs, phase: dict[str, np.ndarray], cp: dict[str, np.ndarray],
              years: np.ndarray) -> dict[str, np.ndarray]:
    area = phase["size"] * inputs.phase_size_factor
    approval = inputs.phase_approval + phase.get("delay", 0.0)  # delay: gating: enforce
    phases = land.simulate_land(years, area_ha=area, approval_year=approval,
                                clearance_years=phase["clearance_years"],
                                construction_years=phase["construction_years"],
                                fill_years=cp["fill_years"])
    starts = inputs.phase_starts
    out = {k: np.add.reduceat(v, starts, axis=1) for k, v in phases.items()}
    out["farmland_converted_ha"] = np.add.reduceat(
        cp["farmland_share"][..., None] * phases["cleared_ha"], starts, axis=1)
    return out


def _leased(inputs: Inputs, now: dict[str, np.ndarray], before: dict[str, np.ndarray],
            c: dict[str, np.ndarray], d: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
    """Leased area (D,C,Y), unmet demand (D,Y) and the leased area the year before the base
    year (D,C), which follows the independent fill curve (history)."""
    plots = (inputs.land_use[:, _INDUSTRIAL] * c["max_occupancy"])[..., None]  # (D,C,1)
    history = (plots * before["filled_ha"])[..., 0]
    if inputs.takeup == "independent":
        return plots * now["filled_ha"], np.zeros((plots.shape[0], len(inputs.years))), history
    growth = (1.0 + d["demand_growth"][:, None]) ** (inputs.years - inputs.years[0])[None, :]
    score = land.attractiveness(inputs.geo.access_km, d["access_scale_km"],
                                c["lease_price_bn_vnd_per_ha"], d["rent_elasticity"])
    pools = [(~inputs.craft, d["demand_ha_per_year"][:, None] * growth),
             (inputs.craft, d["craft_demand_ha_per_year"][:, None] * growth)]
    leased, unmet = land.competitive_takeup(plots * now["open_ha"], history, score, pools)
    return leased, unmet, history


def _labour(inputs: Inputs, jobs: np.ndarray, d: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    g = inputs.geo
    workers = employment.labour_supply(
        g.commune_population, inputs.years_since_census, growth=d["population_growth"],
        working_age_share=d["working_age_share"], participation=d["participation"],
        cluster_share=d["cluster_labour_share"])
    road_km = g.distance_km[None] * d["detour_factor"][:, None, None]
    flows = employment.gravity(workers, jobs, road_km, decay=d["commute_decay_per_km"],
                               outside_km=d["outside_distance_km"])
    incoming = flows["in_commuters"].sum(1)  # (D,Y)
    reach = road_km <= (1.0 / np.maximum(d["commute_decay_per_km"], 1e-9))[:, None, None]
    return {
        "commune:labour_available": workers,
        "commune:workers_supplied": flows["workers_supplied"],
        "commune:jobs_reachable": np.einsum("dci,dcy->diy", reach.astype(float), jobs),
        "cluster:in_commuters": flows["in_commuters"],
        "district:workers_in_commuting": incoming,
        "district:worker_housing_demand": incoming * d["housing_share"][:, None],
    }


def simulate_draws(inputs: Inputs, p: dict[str, dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """One chunk of draws → every metric. Keys: plain names are (D,C,Y) cluster metrics,
    `district:` (D,Y), `commune:` (D,I,Y)."""
    c = {k: v[:, inputs.phase_cluster] for k, v in p["cluster"].items()}  # per phase
    now = _timeline(inputs, p["phase"], c, inputs.years)
    before = _timeline(inputs, p["phase"], c, inputs.years[:1] - 1.0)
    cl, d, s = p["cluster"], p["district"], p["sector"]
    leased, unmet, leased_before = _leased(inputs, now, before, cl, d)
    plots = inputs.land_use[:, _INDUSTRIAL][None, :, None]
    per_ha = {f: employment.per_cluster(inputs.sector_mix, s[f]) for f in s}
    jobs = per_ha["jobs_per_leased_ha"][..., None] * leased
    revenue = per_ha["revenue_bn_vnd_per_leased_ha"][..., None] * leased
    out = {
        "gross_area_ha": now["gross_area_ha"], "leasable_area_ha": plots * now["open_ha"],
        "leased_area_ha": leased, "farmland_converted_ha": now["farmland_converted_ha"],
        "rice_land_converted_ha": cl["rice_share"][..., None] * now["farmland_converted_ha"],
        "jobs": jobs, "firms": per_ha["firms_per_leased_ha"][..., None] * leased,
        "firm_revenue_bn_vnd": revenue, "district:unmet_demand_ha": unmet,
    }
    sector_jobs = employment.by_sector(leased, inputs.sector_mix, s["jobs_per_leased_ha"])
    out.update({f"jobs_{name}": sector_jobs[:, :, k] for k, name in enumerate(inputs.sectors)})
    out.update(finance.simulate_money(
        leased_ha=leased, newly_leased_ha=finance.yearly_change(leased, leased_before),
        built_ha=now["built_ha"], newly_built_ha=finance.yearly_change(now["built_ha"], before["built_ha"][..., 0]),
        newly_cleared_farmland_ha=finance.yearly_change(now["farmland_converted_ha"],
                                                        before["farmland_converted_ha"][..., 0]),
        firm_revenue=revenue, jobs=jobs, p={**cl, **d}))
    out["npv_bn_vnd"] = finance.npv(out["net_cash_bn_vnd"], d["discount_rate"])
    out["public_npv_bn_vnd"] = finance.npv(out["public_net_cash_bn_vnd"], d["discount_rate"])
    out.update(_labour(inputs, jobs, d))
    return out


def _chunks(n: int, size: int) -> list[slice]:
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


def _take(p: dict[str, dict[str, np.ndarray]], sl: slice) -> dict[str, dict[str, np.ndarray]]:
    return {group: {k: v[sl] for k, v in values.items()} for group, values in p.items()}


def chunk_slices(inputs: Inputs) -> list[slice]:
    """Draw chunks small enough to bound the working memory of one `simulate_draws` call."""
    c, p, i, y = (len(inputs.cluster_ids), len(inputs.phase_cluster),
                  len(inputs.geo.commune_ids), len(inputs.years))
    per_draw = (64 * c + 12 * p + 8 * i) * y + 4 * (i + 1) * (c + 1)  # ~ float64 cells in flight
    return _chunks(inputs.draws, max(1, _CHUNK_CELLS // per_draw))


def simulate(inputs: Inputs, *, client: Any = None,
             on_chunk: Callable[[int, int], None] | None = None,
             approval_delay: np.ndarray | None = None) -> Results:
    """Draw every parameter, run the stages chunk by chunk, and collect Results.

    With a `dask.distributed.Client` the chunks run on its workers; every chunk gets the same
    parameter draws as locally, so the results are identical. `approval_delay` (draw, phase)
    postpones approvals (years), as occupancy gates do under `gating: enforce`."""
    p = draw_parameters(inputs)
    if approval_delay is not None:
        p["phase"]["delay"] = approval_delay
    slices = chunk_slices(inputs)
    metrics: dict[str, np.ndarray] = {}

    def store(sl: slice, part: dict[str, np.ndarray]) -> None:
        for name, values in part.items():  # chunks land in place: no second copy of everything
            if name not in metrics:
                metrics[name] = np.empty((inputs.draws, *values.shape[1:]))
            metrics[name][sl] = values

    if client is not None:
        futures = [client.submit(simulate_draws, inputs, _take(p, sl), pure=False) for sl in slices]
        for sl, part in zip(slices, client.gather(futures)):
            store(sl, part)
    else:
        for k, sl in enumerate(slices):
            store(sl, simulate_draws(inputs, _take(p, sl)))
            if on_chunk is not None:
                on_chunk(k + 1, len(slices))
    return Results.from_metrics(inputs, metrics, p["district"]["discount_rate"])
