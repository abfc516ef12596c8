"""The rule engine: every check of rules.yaml on one run (`check_all`).

Builds the `Context` once (thresholds merged with the scenario's overrides, outlines projected,
spatial constraints built) and runs each rule's `check_*` function (`rules.land`,
`rules.gates`, `rules.spatial`) in rules.yaml order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulator import constraints as sc
from simulator.errors import GeodataError
from simulator.geodata import METRIC_CRS
from simulator.rules import gates, land, spatial
from simulator.rules.book import merged_thresholds, rule_table
from simulator.rules.findings import Context, Finding, found
from simulator.run import Run
from simulator.scenario.rules_config import RulesConfig
from simulator.words.findings import Msg, msg

__all__ = ["build_context", "checks", "check_all", "unavailable"]


def _constraints(layers: sc.Layers | None, t: dict[str, dict[str, float]]) -> tuple[Any, Msg]:
    try:
        return sc.build_constraints(layers or sc.load_layers(), t), {}
    except Exception as e:  # a missing or unreadable GeoPackage makes the spatial rules n/a
        return None, unavailable(e)


def unavailable(e: Exception) -> Msg:
    """Why the spatial rules could not be evaluated: a reason in the page's words, and the
    exception's own (English) text in a separate parameter, `error`, for checks.json."""
    if isinstance(e, (GeodataError, FileNotFoundError)):
        reason = "layers.missing"
    elif isinstance(e, (KeyError, ValueError)):
        reason = "layers.malformed"
    else:
        reason = "layers.unreadable"
    return msg("layers_unavailable", reason=msg(reason), error=f"{type(e).__name__}: {e}")


def build_context(run: Run, config: RulesConfig | None = None, *,
                  layers: sc.Layers | None = None, spatial: bool = True) -> Context:
    """Merge thresholds, project the outlines and build the constraints once (`spatial`)."""
    scenario = run.loaded.scenario
    cfg = config or getattr(scenario, "rules", None) or RulesConfig()
    thresholds, overridden = merged_thresholds(cfg.thresholds)
    if layers is None and getattr(run, "layers", None):
        layers = sc.load_layers(run.layers)  # the scenario's own layers, planner files included
    cons, problem = _constraints(layers, thresholds) if spatial else (None, msg("layers_not_built"))
    outlines = run.geometries.frame.to_crs(METRIC_CRS)
    return Context(scenario, run.results, outlines, cons, problem, thresholds, overridden,
                   tuple(cfg.off))


def checks() -> dict[str, Callable[[Context], list[Finding]]]:
    """rule id → check function, in rules.yaml order."""
    found: dict[str, Callable[[Context], list[Finding]]] = {}
    for module in (land, gates, spatial):
        found |= {name.removeprefix("check_"): getattr(module, name)
                  for name in module.__all__ if name.startswith("check_")}
    missing = set(rule_table()) ^ set(found)
    if missing:
        raise RuntimeError(f"rules.yaml and the check_* functions disagree on {sorted(missing)}")
    return {rid: found[rid] for rid in rule_table()}


def check_all(run: Run, config: RulesConfig | None = None, *,
              layers: sc.Layers | None = None) -> list[Finding]:
    """Every rule on every cluster; `config` defaults to the scenario's `rules:` section.

    `layers` replaces the bundled district layers (tests, other districts)."""
    ctx = build_context(run, config, layers=layers)
    out: list[Finding] = []
    for rid, check in checks().items():
        if rid in ctx.off:
            out.append(found(rid, "all", None, "off", 0.0, msg("off"), {}, ()))
            continue
        out.extend(check(ctx))
    return out
