"""Checks of the occupancy gates of Decree 32/2024/NĐ-CP: a new cluster needs the district's
other clusters full enough; an expansion needs its parent ≥ 60 % occupied and its
infrastructure built.

Each gate is evaluated in every simulated year over every draw on the run as planned
(`gating: report`); the gate states and the opening years are the model stage `gating`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simulator.gating import approval_year, built_share, first_ok, new_cluster_state
from simulator.rules.book import EPS
from simulator.rules.findings import Context, Finding, judge, na, not_applicable
from simulator.words.findings import Msg, msg, quantiles

__all__ = [
    "check_new_cluster_gate", "check_expansion_occupancy", "check_expansion_infrastructure",
]


def _opening_text(opening: np.ndarray) -> Msg:
    never = float(np.isnan(opening).mean())
    if never == 1:
        return msg("opening.never")
    year = quantiles(opening[~np.isnan(opening)])
    return msg("opening.partly", year=year, never=never) if never else msg("opening.first",
                                                                            year=year)


def check_new_cluster_gate(ctx: Context) -> list[Finding]:
    out, r, t = [], ctx.results, ctx.t("new_cluster_gate")
    for ci, c in enumerate(ctx.scenario.clusters):
        if c.expands is not None:
            continue
        if f := not_applicable(ctx, "new_cluster_gate", c, simulated=True):
            out.append(f)
            continue
        a = approval_year(c)
        i = r.year_index(a)
        ok, occ, unleased = new_cluster_state(r, ci, t)
        m = msg("new_cluster_gate", year=a, occ=quantiles(occ[:, i]),
                unleased=quantiles(unleased[:, i]), min_occ=t["min_average_occupancy_pct"],
                max_unleased=t["max_unleased_ha"], opening=_opening_text(first_ok(ok, r.years, i)))
        out.append(judge(ctx, "new_cluster_gate", c.id, ~ok[:, i], m, year=a))
    return out


def _expansions(ctx: Context, rid: str) -> list[tuple[Any, int | None, Finding | None]]:
    """(cluster, parent index, n/a finding) of each expansion."""
    out = []
    for c in ctx.scenario.clusters:
        if c.expands is None:
            continue
        f = not_applicable(ctx, rid, c, simulated=True)
        if f is None and c.expands not in ctx.results.cluster_ids:
            f = na(ctx, rid, c.id, msg("parent_missing", parent=c.expands))
        out.append((c, None if f else ctx.index(c.expands), f))
    return out


def check_expansion_occupancy(ctx: Context) -> list[Finding]:
    out, r, t = [], ctx.results, ctx.t("expansion_occupancy")
    for c, pi, skip in _expansions(ctx, "expansion_occupancy"):
        if skip or pi is None:
            out += [skip] if skip else []
            continue
        a, occ = approval_year(c), r.metrics.column("occupancy_pct", pi)
        ok = occ >= t["min_occupancy_pct"] - EPS
        i = r.year_index(a)
        m = msg("expansion_occupancy", parent=c.expands, occ=quantiles(occ[:, i]), year=a,
                min_occ=t["min_occupancy_pct"], opening=_opening_text(first_ok(ok, r.years, i)))
        out.append(judge(ctx, "expansion_occupancy", c.id, ~ok[:, i], m, year=a))
    return out


def check_expansion_infrastructure(ctx: Context) -> list[Finding]:
    out, r, t = [], ctx.results, ctx.t("expansion_infrastructure")
    for c, pi, skip in _expansions(ctx, "expansion_infrastructure"):
        if skip or pi is None:
            out += [skip] if skip else []
            continue
        a, built = approval_year(c), built_share(r, pi)
        ok = built >= t["min_built_share"] - EPS
        i = r.year_index(a)
        m = msg("expansion_infrastructure", parent=c.expands, built=quantiles(100 * built[:, i]),
                year=a, min_built=100 * t["min_built_share"],
                opening=_opening_text(first_ok(ok, r.years, i)))
        out.append(judge(ctx, "expansion_infrastructure", c.id, ~ok[:, i], m, year=a))
    return out
