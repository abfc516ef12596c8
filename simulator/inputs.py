"""Scenario → Inputs: plain arrays and parameter specs, the only thing the model reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulator.scenario.schema import PARAMETER_NAMES, bounds
from simulator.uncertainty import ParamSpec

if TYPE_CHECKING:
    from simulator.scenario.schema import Cluster, Phase, Scenario

__all__ = ["Inputs", "build_inputs", "PHASE_FIELDS"]

PHASE_FIELDS = ("size", "clearance_years", "construction_years")


@dataclass(frozen=True)
class Inputs:
    """Everything `model.simulate` needs, as arrays (C clusters, P phases, Y years)."""

    scenario_id: str
    seed: int
    draws: int
    cluster_ids: tuple[str, ...]
    years: np.ndarray  # (Y,)
    phase_cluster: np.ndarray  # (P,) index of each phase's cluster; phases grouped by cluster
    phase_approval: np.ndarray  # (P,) approval year
    phase_size_factor: np.ndarray  # (P,) multiplies the `size` draw: cluster area for a share, 1 for ha
    phase_specs: dict[str, tuple[ParamSpec, ...]]  # PHASE_FIELDS → one spec per phase
    cluster_specs: dict[str, tuple[ParamSpec, ...]]  # PARAMETER_NAMES → one spec per cluster

    @property
    def phase_starts(self) -> np.ndarray:
        """Index of each cluster's first phase (for np.add.reduceat over phases)."""
        return np.flatnonzero(np.r_[True, np.diff(self.phase_cluster) != 0])


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


def build_inputs(s: Scenario, *, draws: int | None = None, seed: int | None = None) -> Inputs:
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
    return Inputs(
        scenario_id=s.id,
        seed=s.seed if seed is None else seed,
        draws=s.draws if draws is None else draws,
        cluster_ids=tuple(c.id for c in s.clusters),
        years=np.arange(s.base_year, s.horizon_year + 1, dtype=float),
        phase_cluster=np.asarray(phase_cluster, dtype=np.intp),
        phase_approval=np.asarray(approval, dtype=float),
        phase_size_factor=np.asarray(factor, dtype=float),
        phase_specs={f: tuple(v) for f, v in phase_specs.items()},
        cluster_specs={n: tuple(_cluster_spec(s, c, n) for c in s.clusters) for n in PARAMETER_NAMES},
    )
