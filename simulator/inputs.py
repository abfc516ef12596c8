"""Scenario + geometry → Inputs: plain arrays and parameter specs, the only thing the model reads."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from simulator.scenario.distributions import Fixed
from simulator.scenario.schema import (
    DISTRICT_PARAMETER_NAMES, PARAMETER_NAMES, SECTOR_FIELDS, bounds, default_sector_mix,
)
from simulator.uncertainty import ParamSpec, Sampling

if TYPE_CHECKING:
    from simulator.geodata import GeoArrays
    from simulator.scenario.schema import Cluster, Phase, Scenario

__all__ = ["Inputs", "build_inputs", "at_price", "PHASE_FIELDS", "LAND_USES", "LEASE_PRICE"]

PHASE_FIELDS = ("size", "clearance_years", "construction_years")
LAND_USES = ("industrial", "roads", "green", "technical", "services")
CENSUS_YEAR = 2019
LEASE_PRICE = "lease_price_bn_vnd_per_ha"  # the cluster parameter the price response fixes


@dataclass(frozen=True)
class Inputs:
    """Everything `model.simulate` needs, as arrays (C clusters, P phases, Y years,
    S sectors, I communes) and parameter specs to draw from."""

    scenario_id: str
    seed: int
    draws: int
    takeup: str  # "competitive" | "independent"
    cluster_ids: tuple[str, ...]
    years: np.ndarray  # (Y,)
    phase_cluster: np.ndarray  # (P,) index of each phase's cluster; phases grouped by cluster
    phase_approval: np.ndarray  # (P,) approval year
    phase_size_factor: np.ndarray  # (P,) multiplies the `size` draw: cluster area for a share, 1 for ha
    phase_specs: dict[str, tuple[ParamSpec, ...]]  # PHASE_FIELDS → one spec per phase
    cluster_specs: dict[str, tuple[ParamSpec, ...]]  # PARAMETER_NAMES → one spec per cluster
    district_specs: dict[str, ParamSpec]  # DISTRICT_PARAMETER_NAMES → one spec
    sectors: tuple[str, ...]  # (S,)
    sector_specs: dict[str, tuple[ParamSpec, ...]]  # SECTOR_FIELDS → one spec per sector
    sector_mix: np.ndarray  # (C, S) shares of leased area
    land_use: np.ndarray  # (C, 5) shares of gross area, LAND_USES order
    craft: np.ndarray  # (C,) bool: craft-village cluster (served by the craft demand)
    geo: GeoArrays
    years_since_census: np.ndarray  # (Y,)
    sampling: Sampling = Sampling()

    def all_specs(self) -> dict[str, ParamSpec]:
        """Every distinct parameter, by key."""
        groups = (*self.phase_specs.values(), *self.cluster_specs.values(),
                  tuple(self.district_specs.values()), *self.sector_specs.values())
        return {spec.key: spec for group in groups for spec in group}

    @property
    def phase_starts(self) -> np.ndarray:
        """Index of each cluster's first phase (for np.add.reduceat over phases)."""
        return np.flatnonzero(np.r_[True, np.diff(self.phase_cluster) != 0])

    def phase_range(self, clusters: slice) -> slice:
        """The phases of a block of clusters (phases are grouped by cluster, in order)."""
        lo, hi, _ = clusters.indices(len(self.cluster_ids))
        first, last = np.searchsorted(self.phase_cluster, (lo, hi))
        return slice(int(first), int(last))

    def block(self, clusters: slice) -> Inputs:
        """The same inputs restricted to a block of clusters (their phases, parameters and
        geometry); communes, years and district parameters are unchanged."""
        ph, g = self.phase_range(clusters), self.geo
        return replace(
            self, cluster_ids=self.cluster_ids[clusters],
            phase_cluster=self.phase_cluster[ph] - (clusters.start or 0),
            phase_approval=self.phase_approval[ph], phase_size_factor=self.phase_size_factor[ph],
            phase_specs={f: v[ph] for f, v in self.phase_specs.items()},
            cluster_specs={f: v[clusters] for f, v in self.cluster_specs.items()},
            sector_mix=self.sector_mix[clusters], land_use=self.land_use[clusters],
            craft=self.craft[clusters],
            geo=replace(g, access_km=g.access_km[clusters], distance_km=g.distance_km[clusters],
                        cluster_commune=g.cluster_commune[clusters]))


def at_price(inputs: Inputs, cluster: int, price: float) -> Inputs:
    """The same inputs with one cluster's lease price fixed at `price` (bn VND per ha), under
    its own parameter key (the other parameters keep their draws)."""
    specs = list(inputs.cluster_specs[LEASE_PRICE])
    old = specs[cluster]
    specs[cluster] = ParamSpec(f"{old.key}@breakeven", Fixed(value=price), old.lo, old.hi)
    return replace(inputs, cluster_specs={**inputs.cluster_specs, LEASE_PRICE: tuple(specs)})


def _cluster_spec(s: Scenario, c: Cluster, name: str) -> ParamSpec:
    lo, hi = bounds(name)
    own = getattr(c.params, name)
    if own is not None:
        return ParamSpec(f"clusters[{c.id}].params.{name}", own, lo, hi)
    return ParamSpec(f"district.params.{name}", getattr(s.district.params, name), lo, hi)


def _phase_specs(c: Cluster, i: int, p: Phase) -> dict[str, ParamSpec]:
    key = f"clusters[{c.id}].phases[{i}]"
    size = (
        ParamSpec(f"{key}.area_ha", p.area_ha, 0.0, c.area_ha)
        if p.area_ha is not None
        else ParamSpec(f"{key}.share", p.share, 0.0, 1.0)  # type: ignore[arg-type]
    )
    return {
        "size": size,
        "clearance_years": ParamSpec(f"{key}.clearance_years", p.clearance_years, 0.0, 30.0),
        "construction_years": ParamSpec(f"{key}.construction_years", p.construction_years, 0.0, 30.0),
    }


def _mix_matrix(s: Scenario, sectors: tuple[str, ...]) -> np.ndarray:
    mix = np.zeros((len(s.clusters), len(sectors)))
    for ci, c in enumerate(s.clusters):
        for name, share in (c.sector_mix or default_sector_mix(c.kind)).items():
            mix[ci, sectors.index(name)] = share
    return mix


def build_inputs(s: Scenario, geo: GeoArrays, *, draws: int | None = None,
                 seed: int | None = None) -> Inputs:
    """Flatten a validated scenario into arrays; `draws`/`seed` override the scenario's."""
    phase_cluster, approval, factor = [], [], []
    phase_specs: dict[str, list[ParamSpec]] = {f: [] for f in PHASE_FIELDS}
    for ci, c in enumerate(s.clusters):
        for i, p in enumerate(c.phases):
            phase_cluster.append(ci)
            approval.append(p.approval_year)
            factor.append(1.0 if p.area_ha is not None else c.area_ha)
            for f, spec in _phase_specs(c, i, p).items():
                phase_specs[f].append(spec)
    sectors = tuple(s.district.sectors)
    years = np.arange(s.base_year, s.horizon_year + 1, dtype=float)
    return Inputs(
        scenario_id=s.id,
        seed=s.seed if seed is None else seed,
        draws=s.draws if draws is None else draws,
        takeup=s.district.takeup,
        cluster_ids=tuple(c.id for c in s.clusters),
        years=years,
        phase_cluster=np.asarray(phase_cluster, dtype=np.intp),
        phase_approval=np.asarray(approval, dtype=float),
        phase_size_factor=np.asarray(factor, dtype=float),
        phase_specs={f: tuple(v) for f, v in phase_specs.items()},
        cluster_specs={n: tuple(_cluster_spec(s, c, n) for c in s.clusters) for n in PARAMETER_NAMES},
        district_specs={n: ParamSpec(f"district.params.{n}", getattr(s.district.params, n), *bounds(n))
                        for n in DISTRICT_PARAMETER_NAMES},
        sectors=sectors,
        sector_specs={f: tuple(ParamSpec(f"district.sectors.{name}.{f}",
                                         getattr(s.district.sectors[name], f), 0.0, 1e4)
                               for name in sectors) for f in SECTOR_FIELDS},
        sector_mix=_mix_matrix(s, sectors),
        land_use=np.array([[getattr(c.land_use or s.district.land_use, k) for k in LAND_USES]
                           for c in s.clusters]),
        craft=np.array([c.kind == "craft_village" for c in s.clusters]),
        geo=geo,
        years_since_census=years - CENSUS_YEAR,
        sampling=Sampling(s.uncertainty.sampling, tuple(
            (c.between[0], c.between[1], c.rho) for c in s.uncertainty.correlations)),
    )
