"""Spatial rules on the cluster outlines: overlap, inside the district, off the river, outside
the dike corridor, the sanitation buffer from residential land, transport corridors.

The geometry tests themselves are in `constraints` (shared with the site finder). A failure on
a schematic outline (bundled positions at commune centres) is reported as warn: the result is
indicative until the outline is surveyed.
"""

from __future__ import annotations

from typing import Any

from simulator import constraints as sc
from simulator.gating import approval_year
from simulator.rules.findings import Context, Finding, judge, na
from simulator.words.findings import msg as words

__all__ = [
    "check_overlap", "check_inside_district", "check_river", "check_dike_corridor",
    "check_sanitation_buffer", "check_transport_corridor",
]

# rule id → the Constraints attribute it needs (the message when it passes: "<rule id>.pass")
_LAYER_RULES = {
    "inside_district": "district",
    "river": "river",
    "dike_corridor": "dike",
    "sanitation_buffer": "residential",
    "transport_corridor": "transport",
}


def _schematic(ctx: Context, i: int) -> bool:
    cols = ctx.outlines.columns
    return "accuracy" in cols and str(ctx.outlines["accuracy"].iloc[i]) == "schematic"


def check_overlap(ctx: Context) -> list[Finding]:
    t, out = ctx.t("overlap"), []
    geoms = list(ctx.outlines.geometry)
    ids = [c.id for c in ctx.scenario.clusters]
    for i, c in enumerate(ctx.scenario.clusters):
        others = [(ids[j], g) for j, g in enumerate(geoms) if j != i]
        msg = sc.overlapping(geoms[i], others, t)
        hit = [j for j, g in enumerate(geoms)
               if j != i and geoms[i].intersection(g).area / 1e4 > t["tolerance_ha"]]
        soft = any(_schematic(ctx, j) for j in [i, *hit])
        out.append(judge(ctx, "overlap", c.id, msg is not None, msg or words("overlap.pass"),
                         year=approval_year(c), soften=soft))
    return out


def _has_layer(ctx: Context, attr: str) -> bool:
    value = getattr(ctx.constraints, attr)
    if isinstance(value, dict):
        return any(v is not None for v in value.values())
    return value is not None


def _layer_rule(ctx: Context, rid: str) -> list[Finding]:
    attr = _LAYER_RULES[rid]
    if ctx.constraints is None:
        return [na(ctx, rid, "all", ctx.layers_problem)]
    if not _has_layer(ctx, attr):
        return [na(ctx, rid, "all", words("no_layer", layer=words(f"layer.{attr}")))]
    check, t, out = sc.SPATIAL_CHECKS[rid], ctx.t(rid), []
    for i, c in enumerate(ctx.scenario.clusters):
        extra: dict[str, Any] = {}
        if rid == "sanitation_buffer":
            extra = {"kind": c.kind, "hazard_class": getattr(c, "hazard_class", None)}
        msg = check(ctx.outlines.geometry.iloc[i], ctx.constraints, t, **extra)
        out.append(judge(ctx, rid, c.id, msg is not None, msg or words(f"{rid}.pass"),
                         year=approval_year(c),
                         soften=_schematic(ctx, i)))
    return out


def check_inside_district(ctx: Context) -> list[Finding]:
    return _layer_rule(ctx, "inside_district")


def check_river(ctx: Context) -> list[Finding]:
    return _layer_rule(ctx, "river")


def check_dike_corridor(ctx: Context) -> list[Finding]:
    return _layer_rule(ctx, "dike_corridor")


def check_sanitation_buffer(ctx: Context) -> list[Finding]:
    return _layer_rule(ctx, "sanitation_buffer")


def check_transport_corridor(ctx: Context) -> list[Finding]:
    return _layer_rule(ctx, "transport_corridor")
