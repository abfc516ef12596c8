"""Area and land-use rules: cluster size, service land, land structure, green strip, plot
coverage, rice land. See rules.yaml for citations and thresholds."""

from __future__ import annotations

from typing import Any

import numpy as np

from simulator.gating import approval_year
from simulator.rules.book import EPS
from simulator.rules.findings import Context, Finding, fmt_q, judge, na, not_applicable
from simulator.scenario.schema import parameter_table

__all__ = [
    "check_cluster_size", "check_services_share", "check_land_structure", "check_green_strip",
    "check_plot_coverage", "check_rice_land", "land_use_of", "rice_share_of",
]


def _area_after_expansion(s: Any, c: Any) -> tuple[float, list[str]]:
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
    return sum(x.area_ha for x in members), [f"{x.id} {x.area_ha:g}" for x in members]


def check_cluster_size(ctx: Context) -> list[Finding]:
    out = []
    t = ctx.t("cluster_size")
    for c in ctx.scenario.clusters:
        if f := not_applicable(ctx, "cluster_size", c):
            out.append(f)
            continue
        low = t["min_ha_craft_village"] if c.kind == "craft_village" else t["min_ha"]
        total, chain = _area_after_expansion(ctx.scenario, c)
        what = f"{total:g} ha after expansion ({' + '.join(chain)})" if chain else f"{total:g} ha"
        msg = (f"{what}; a {c.kind.replace('_', '-')} cluster needs {low:g}–{t['max_ha']:g} ha"
               + (" (area inferred)" if c.inferred else ""))
        bad = not (low - EPS <= total <= t["max_ha"] + EPS)
        out.append(judge(ctx, "cluster_size", c.id, bad, msg, year=approval_year(c)))
    return out


def land_use_of(ctx: Context, c: Any) -> tuple[dict[str, float], str]:
    """The cluster's land-use shares and where they come from (read defensively: the scenario's
    `land_use`, else the parameters.csv defaults, else rules.yaml's service share)."""
    own = getattr(c, "land_use", None)
    lu = own or getattr(ctx.scenario.district, "land_use", None)
    if lu is not None:
        return dict(lu.model_dump()), "the scenario" if own else "the district's land_use"
    rows = {k.removeprefix("land_use."): float(v["mode"]) for k, v in parameter_table().items()
            if k.startswith("land_use.")}
    if rows:
        return rows, "parameters.csv defaults"
    return {"services": ctx.t("services_share")["default_share"]}, "the rules.yaml default"


def check_services_share(ctx: Context) -> list[Finding]:
    out, t = [], ctx.t("services_share")
    for c in ctx.scenario.clusters:
        if f := not_applicable(ctx, "services_share", c):
            out.append(f)
            continue
        shares, source = land_use_of(ctx, c)
        s = shares.get("services", t["default_share"])
        msg = f"services take {s:.0%} of the area (from {source}; cap {t['max_share']:.0%})"
        out.append(judge(ctx, "services_share", c.id, s > t["max_share"] + EPS, msg,
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
            out.append(na(ctx, "land_structure", c.id, "no land-use shares in the scenario"))
            continue
        low = [k for k in ("green", "roads", "technical") if shares[k] < t[f"min_{k}_share"] - EPS]
        msg = (", ".join(f"{k} {shares[k]:.0%} (min {t[f'min_{k}_share']:.0%})"
                         for k in ("green", "roads", "technical")) + f", from {source}")
        out.append(judge(ctx, "land_structure", c.id, bool(low), msg, year=approval_year(c)))
    return out


def _attribute_rule(ctx: Context, rid: str, attr: str, ok: Any, unit: str) -> list[Finding]:
    """A rule on a per-cluster number the scenario may give (`attr`); n/a when none does."""
    values = {c.id: getattr(c, attr, None) for c in ctx.scenario.clusters}
    if all(v is None for v in values.values()):
        return [na(ctx, rid, "all", f"the scenario gives no `{attr}` (needs a site layout)")]
    out = []
    for c in ctx.scenario.clusters:
        v = values[c.id]
        if v is None:
            out.append(na(ctx, rid, c.id, f"no `{attr}` given"))
        else:
            out.append(judge(ctx, rid, c.id, not ok(float(v)), f"{attr} = {v:g}{unit}",
                             year=approval_year(c)))
    return out


def check_green_strip(ctx: Context) -> list[Finding]:
    t = ctx.t("green_strip")
    unit = f" m (min {t['min_width_m']:g} m)"
    return _attribute_rule(ctx, "green_strip", "green_strip_m",
                           lambda v: v >= t["min_width_m"] - EPS, unit)


def check_plot_coverage(ctx: Context) -> list[Finding]:
    t = ctx.t("plot_coverage")
    return _attribute_rule(ctx, "plot_coverage", "plot_coverage",
                           lambda v: v <= t["max_coverage"] + EPS, f" (max {t['max_coverage']:g})")


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
    new = np.array([approval_year(c) >= r.years[0] for c in ctx.scenario.clusters], dtype=float)
    if "rice_land_converted_ha" in r.metrics:
        metric, weights = "rice_land_converted_ha", new
    elif "farmland_converted_ha" in r.metrics:
        metric = "farmland_converted_ha"
        weights = new * np.array([rice_share_of(ctx, c) for c in ctx.scenario.clusters])
    else:
        return [na(ctx, "rice_land", "district", "the results have no farmland conversion")]
    total = r.metrics.weighted_sum(metric, weights[:, None])[:, 0]  # (draw, year)
    msg = (f"{fmt_q(total[:, -1])} ha of rice land converted {r.years[0]}–{r.years[-1]} by "
           f"clusters approved in those years (cap {t['max_district_ha']:g} ha)")
    return [judge(ctx, "rice_land", "district", total > t["max_district_ha"] + EPS, msg)]
