"""One scenario end to end, in memory: file → scenario → geometry → inputs → results."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from simulator.geodata import (
    ClusterGeometries, access_features, geo_arrays, load_layer, resolve_cluster_geometries,
)
from simulator.inputs import build_inputs
from simulator.model import simulate
from simulator.results import Results
from simulator.scenario.load import LoadedScenario, load_scenario

__all__ = ["Run", "run_file"]


@dataclass(frozen=True)
class Run:
    loaded: LoadedScenario
    geometries: ClusterGeometries
    results: Results
    seed: int
    draws: int


def run_file(path: str | Path, *, draws: int | None = None, seed: int | None = None) -> Run:
    """Load, validate and simulate one scenario file (raises InputError on bad input)."""
    loaded = load_scenario(path)
    geometries = resolve_cluster_geometries(loaded)
    geo = geo_arrays(geometries.frame, load_layer("communes"), access_features())
    inputs = build_inputs(loaded.scenario, geo, draws=draws, seed=seed)
    return Run(loaded, geometries, simulate(inputs), inputs.seed, inputs.draws)
