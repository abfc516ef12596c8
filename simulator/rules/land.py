"""Area and land-use rules: cluster size, service land, land structure, green strip, plot
coverage, rice land. See rules.yaml for citations and thresholds."""

from __future__ import annotations

from typing import Any

import numpy as np

from simulator.gating import approval_year, approved_since_base, rice_land_since_base
from simulator.rules.book import EPS
from simulator.rules.findings import Context, Finding, judge, na, not_applicable
from simulator.scenario.schema import parameter_table
from simulator.words.findings import Msg, msg, quantiles

__all__ = [
    "check_cluster_size", "check_services_share", "check_land_structure", "check_green_strip",
    "check_plot_coverage", "check_rice_land", "land_use_of", "rice_share_of",
]


def _area_after_expansion(s: Any, c: Any) -> tuple[float, list[Msg]]:
    """Area of c's whole cluster once c is approved: the root plus expansions up to c."""
    by_id = {x.id: x for x in s.clusters}
    order = {x.id: (approval_year(x), i) for i, x in enumerate(s.clusters)}

    def root(x: Any) -> str:
        seen = {x.id}
        while x.expands in by_id and x.expands not in seen:
            x = by_id[x.expands]
            seen.add(x.id)
        return x.id  # type: ignore[no-any-return]

    if c.expands is None:
        return c.area_ha, []
    members = [x for x in s.clusters if root(x) == root(c) and order[x.id] <= order[c.id]]
    return (sum(x.area_ha for x in members),
            [msg("cluster_size.member", id=x.id, area=x.area_ha) for x in members])


def check_cluster_size(ctx: Context) -> list[Finding]:
    out = []
    t = ctx.t("cluster_size")
    for c in ctx.scenario.clusters:
        if f := not_applicable(ctx, "cluster_size", c):
            out.append(f)
            continue
        low = t["min_ha_craft_village"] if c.kind == "craft_village" else t["min_ha"]
        total, chain = _area_after_expansion(ctx.scenario, c)
        what = (msg("cluster_size.chain", total=total, chain=chain) if chain
                else msg("cluster_size.area", total=total))
        m = msg("cluster_size", what=what, kind=msg(f"kind.{c.kind}"), low=low, high=t["max_ha"],
                inferred=msg("cluster_size.inferred") if c.inferred else "")
        bad = not (low - EPS <= total <= t["max_ha"] + EPS)
        out.append(judge(ctx, "cluster_size", c.id, bad, m, year=approval_year(c)))
    return out


def land_use_of(ctx: Context, c: Any) -> tuple[dict[str, float], Msg]:
    """The cluster's land-use shares and where they come from (read defensively: the scenario's
    `land_use`, else the parameters.csv defaults, else rules.yaml's service share)."""
    own = getattr(c, "land_use", None)
    lu = own or getattr(ctx.scenario.district, "land_use", None)
    if lu is not None:
        return dict(lu.model_dump()), msg("source.own" if own else "source.district")
    rows = {k.removeprefix("land_use."): float(v["mode"]) for k, v in parameter_table().items()
            if k.startswith("land_use.")}
    if rows:
        return rows, msg("source.parameters")
    return {"services": ctx.t("services_share")["default_share"]}, msg("source.rules")


def check_services_share(ctx: Context) -> list[Finding]:
    out, t = [], ctx.t("services_share")
    for c in ctx.scenario.clusters:
        if f := not_applicable(ctx, "services_share", c):
            out.append(f)
            continue
        shares, source = land_use_of(ctx, c)
        s = shares.get("services", t["default_share"])
        m = msg("services_share", share=s, source=source, cap=t["max_share"])
        out.append(judge(ctx, "services_share", c.id, s > t["max_share"] + EPS, m,
                         year=approval_year(c)))
    return out


def check_land_structure(ctx: Context) -> list[Finding]:
    out, t = [], ctx.t("land_structure")
    for c in ctx.scenario.clusters:
        if f := not_applicable(ctx, "land_structure", c):
            out.append(f)
            continue
        shares, source = land_use_of(ctx, c)
        if not {"green", "roads", "technical"} <= set(shares):
            out.append(na(ctx, "land_structure", c.id, msg("no_land_use")))
            continue
        low = [k for k in ("green", "roads", "technical") if shares[k] < t[f"min_{k}_share"] - EPS]
        m = msg("land_structure", source=source, shares=[
            msg("land_structure.share", use=msg(f"use.{k}"), share=shares[k],
                min=t[f"min_{k}_share"]) for k in ("green", "roads", "technical")])
        out.append(judge(ctx, "land_structure", c.id, bool(low), m, year=approval_year(c)))
    return out


def _attribute_rule(ctx: Context, rid: str, attr: str, ok: Any,
                    limit: dict[str, float]) -> list[Finding]:
    """A rule on a per-cluster number the scenario may give (`attr`); n/a when none does."""
    values = {c.id: getattr(c, attr, None) for c in ctx.scenario.clusters}
    if all(v is None for v in values.values()):
        return [na(ctx, rid, "all", msg("attribute.none", attr=attr))]
    out = []
    for c in ctx.scenario.clusters:
        v = values[c.id]
        if v is None:
            out.append(na(ctx, rid, c.id, msg("attribute.missing", attr=attr)))
        else:
            out.append(judge(ctx, rid, c.id, not ok(float(v)), msg(rid, value=float(v), **limit),
                             year=approval_year(c)))
    return out


def check_green_strip(ctx: Context) -> list[Finding]:
    t = ctx.t("green_strip")
    return _attribute_rule(ctx, "green_strip", "green_strip_m",
                           lambda v: v >= t["min_width_m"] - EPS, {"min": t["min_width_m"]})


def check_plot_coverage(ctx: Context) -> list[Finding]:
    t = ctx.t("plot_coverage")
    return _attribute_rule(ctx, "plot_coverage", "plot_coverage",
                           lambda v: v <= t["max_coverage"] + EPS, {"max": t["max_coverage"]})


def rice_share_of(ctx: Context, c: Any) -> float:
    """Share of a cluster's farmland in rice: the cluster's or district's `rice_share`
    parameter (its central value) when the schema has one, else rules.yaml's default."""
    for params in (getattr(c, "params", None), getattr(ctx.scenario.district, "params", None)):
        value = getattr(params, "rice_share", None)
        if value is not None:
            return float(value.central())
    return ctx.t("rice_land")["default_rice_share"]


def check_rice_land(ctx: Context) -> list[Finding]:
    """District total, from the base year, of rice land converted by clusters approved then."""
    r, t = ctx.results, ctx.t("rice_land")
    if "rice_land_converted_ha" in r.metrics:
        total = rice_land_since_base(r, ctx.scenario.clusters)  # (draw, year)
    elif "farmland_converted_ha" in r.metrics:
        weights = approved_since_base(r, ctx.scenario.clusters) * np.array(
            [rice_share_of(ctx, c) for c in ctx.scenario.clusters])
        total = r.metrics.weighted_sum("farmland_converted_ha", weights[:, None])[:, 0]
    else:
        return [na(ctx, "rice_land", "district", msg("no_farmland"))]
    m = msg("rice_land", total=quantiles(total[:, -1]), start=int(r.years[0]),
            end=int(r.years[-1]), cap=t["max_district_ha"])
    return [judge(ctx, "rice_land", "district", total > t["max_district_ha"] + EPS, m)]
