"""One scenario end to end, in memory: file → scenario → geometry → inputs → results."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from simulator.geodata import (
    ClusterGeometries, access_features, geo_arrays, resolve_cluster_geometries, scenario_layers,
)
from simulator.errors import InputError, Problem, ScenarioError
from simulator.gating import gate_openings
from simulator.inputs import Inputs, build_inputs
from simulator.model import (
    drop_ahead, held_bytes, hold_ahead, holds, kept_shapes, memory_estimate, simulate,
    touched_ahead,
)
from simulator.process import available_bytes
from simulator.results import DISTRICT_METRICS, METRICS, Results
from simulator.scenario.load import LoadedScenario, load_scenario

__all__ = ["Run", "run_file", "simulate_run"]


@dataclass(frozen=True)
class Run:
    loaded: LoadedScenario
    geometries: ClusterGeometries
    results: Results
    seed: int
    draws: int
    inputs: Inputs
    layers: dict[str, Any]  # the district layers this scenario uses (bundled or the planner's)
    approval_delay: np.ndarray | None = None  # (draw, phase) years, as `gating: enforce` set them


def _check_references(loaded: LoadedScenario, inputs: Inputs, results_metrics: set[str]) -> None:
    """Correlation keys and target metrics name things that exist (located errors)."""
    s, problems = loaded.scenario, []
    keys = {k for k, spec in inputs.all_specs().items() if not spec.dist.is_fixed()}
    for i, c in enumerate(s.uncertainty.correlations):
        for key in c.between:
            if key not in keys:
                file, line, where = loaded.sources.locate(("uncertainty", "correlations", i, "between"))
                close = difflib.get_close_matches(key, sorted(keys), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else f" (e.g. {sorted(keys)[0]!r})"
                problems.append(Problem(file, line, where, "the key of an uncertain parameter" + hint,
                                        repr(key)))
    for i, t in enumerate(s.targets):
        if t.metric not in results_metrics:
            file, line, where = loaded.sources.locate(("targets", i, "metric"))
            problems.append(Problem(file, line, where, "a metric: " + ", ".join(sorted(results_metrics)),
                                    repr(t.metric)))
    if problems:
        raise ScenarioError(problems)


def _with_commune_warnings(loaded: LoadedScenario, g: ClusterGeometries, communes: Any,
                           home: Any) -> ClusterGeometries:
    """Warn where a cluster's outline lies in another commune than the scenario says."""
    names = list(communes["name"])
    extra = []
    for c, k in zip(loaded.scenario.clusters, home):
        where = names[k] if k >= 0 else "no commune of the district"
        if where.casefold() != c.commune.casefold():
            extra.append(f"{c.id}: the scenario says commune {c.commune!r}, its outline lies in {where!r}")
    return ClusterGeometries(g.frame, (*g.warnings, *extra))


def _check_memory(loaded: LoadedScenario, inputs: Inputs, hold_bytes: int | None,
                  from_option: bool) -> None:
    """Refuse, before computing, a run whose estimated peak memory exceeds what is available
    (rather than let the kernel kill it): say how many draws fit. Available: what the kernel
    says, and the pages touched ahead for this run (`model.touched_ahead`, counted in the
    estimate as the run's: not twice)."""
    need = memory_estimate(inputs, hold_bytes)
    have = touched_ahead() + available_bytes()  # touched first: a page touched between is not counted
    if need.total <= have:
        return
    gib = 1024**3
    fit = need.draws_within(have)
    expected = (f"at most {fit:,} draws for {len(inputs.cluster_ids)} clusters × "
                f"{len(inputs.years)} years in the {have / gib:.1f} GiB of memory available "
                "(fewer draws, or a larger machine via --scheduler)")
    found = f"{inputs.draws:,} draws, about {need.total / gib:.1f} GiB"
    if from_option:
        raise InputError([Problem("--draws", None, "", expected, found)])
    file, line, where = loaded.sources.locate(("draws",))
    raise ScenarioError([Problem(file, line, where, expected, found)])


def _keep_ahead(inputs: Inputs, hold_bytes: int | None) -> None:
    """Allocate the numbers the local run of `inputs` keeps for every draw (`model.kept_shapes`)
    and touch their pages on a thread (`model.hold_ahead`) while this thread checks the memory
    (`_check_memory`'s probe draw loads the kernels on one core): their page faults then fall
    on the idle core, not in the chunks (`hold_ahead` makes none that would take more than
    half the memory available; a run refused for its memory lets them go, `model.drop_ahead`)."""
    hold_ahead(kept_shapes(inputs, holds(held_bytes(inputs), hold_bytes)))


def run_file(path: str | Path, *, draws: int | None = None, seed: int | None = None,
             on_chunk: Callable[[int, int], None] | None = None, client: Any = None,
             hold_bytes: int | None = None, loaded: LoadedScenario | None = None) -> Run:
    """Load, validate and simulate one scenario file (raises InputError on bad input).
    `hold_bytes`: the memory budget for per-cluster draws (model.simulate); `loaded`: the file
    already loaded by `load_scenario` (the CLI loads every file first, to refuse early)."""
    loaded = loaded or load_scenario(path)
    geometries = resolve_cluster_geometries(loaded)
    layers = scenario_layers(loaded)
    communes = layers["communes"]
    geo = geo_arrays(geometries.frame, communes, access_features(layers))
    geometries = _with_commune_warnings(loaded, geometries, communes, geo.cluster_commune)
    inputs = build_inputs(loaded.scenario, geo, draws=draws, seed=seed)
    names = {*METRICS, *DISTRICT_METRICS, *(f"jobs_{s}" for s in inputs.sectors)}
    _check_references(loaded, inputs, names)
    if client is None:
        _keep_ahead(inputs, hold_bytes)
    try:
        _check_memory(loaded, inputs, hold_bytes, from_option=draws is not None)
    except InputError:
        drop_ahead()
        raise
    return simulate_run(loaded, geometries, inputs, layers, on_chunk=on_chunk, client=client,
                        hold_bytes=hold_bytes)


def simulate_run(loaded: LoadedScenario, geometries: ClusterGeometries, inputs: Inputs,
                 layers: dict[str, Any], *, on_chunk: Callable[[int, int], None] | None = None,
                 client: Any = None, hold_bytes: int | None = None) -> Run:
    """Simulate checked inputs into a Run, enforcing the occupancy gates when the scenario
    says `gating: enforce` (also used by `clustersim optimise` for each candidate plan)."""
    results = simulate(inputs, on_chunk=on_chunk, client=client, hold_bytes=hold_bytes)
    _refuse_non_finite(loaded, results)
    run = Run(loaded, geometries, results, inputs.seed, inputs.draws, inputs, layers)
    if loaded.scenario.rules.gating == "enforce":
        run = _enforce_gates(run, inputs, client, hold_bytes)
    return run


# district totals every cluster metric's NaN or infinity reaches (a sum over the clusters):
# the take-up, the jobs and the developers' and the public's money
_FINITE = ("leased_area_ha", "jobs", "npv_bn_vnd", "public_npv_bn_vnd")


def _refuse_non_finite(loaded: LoadedScenario, results: Results) -> None:
    """A run whose numbers are not all finite is refused, rather than written with NaN (or its
    bands selected among NaN): parameter values at an extreme the model cannot compute with.
    Checked on a few district totals (draw, year), which any cluster's NaN reaches."""
    for name in _FINITE:
        bad = ~np.isfinite(results.district[name]).all(axis=1)
        if bad.any():
            raise InputError([Problem(
                str(loaded.chain[0]), None, "", "parameters the model can compute with",
                f"NaN or infinite numbers in the district's {name} in {int(bad.sum()):,} of "
                f"{bad.size:,} draws (a parameter at an extreme: e.g. a lease price near 0 makes "
                "a cluster's land infinitely attractive)")])


_GATING_ROUNDS = 6


def _enforce_gates(run: Run, inputs: Inputs, client: Any, hold_bytes: int | None) -> Run:
    """`gating: enforce`: a gated cluster is approved, in each draw, the first year its
    occupancy gates hold (Decree 32/2024), all its phases shifted alike; a cluster whose gates
    never hold within the horizon is not approved. Delaying one cluster changes the others'
    occupancy, so this repeats until the approval years stop changing (a fixed point)."""
    horizon = float(inputs.years[-1])
    delay = np.zeros((inputs.draws, len(inputs.phase_cluster)))
    for _ in range(_GATING_ROUNDS):
        new = np.zeros_like(delay)
        for g in gate_openings(run.loaded.scenario, run.results):
            opening = np.where(np.isnan(g.opening_year), horizon + 1, g.opening_year)
            phases = inputs.phase_cluster == inputs.cluster_ids.index(g.cluster)
            new[:, phases] = (opening - g.planned_year)[:, None]
        if np.array_equal(new, delay):
            break
        delay = new
        run = Run(run.loaded, run.geometries, simulate(inputs, client=client, approval_delay=delay,
                                                         hold_bytes=hold_bytes),
                  run.seed, run.draws, inputs, run.layers, delay)
    return run

