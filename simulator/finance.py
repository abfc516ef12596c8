"""Money: land, jobs and construction → revenue, cost, cash flows, NPV, IRR, payback.

Billion VND at constant base-year prices. Pure functions on arrays: flows have dims
(draw, cluster, year), per-hectare rates (draw, cluster). Equations: docs/model.md §Money.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize.elementwise import find_root

__all__ = ["yearly_change", "simulate_money", "discounted", "npv", "irr", "payback_year"]


def yearly_change(stock: np.ndarray, before_first: np.ndarray | None = None) -> np.ndarray:
    """x[t] − x[t−1] along the year axis; the first year's change is measured from
    `before_first` (the stock at the end of the year before), or zero."""
    prev = np.zeros_like(stock[..., :1]) if before_first is None else before_first[..., None]
    return np.diff(stock, axis=-1, prepend=prev)


def _rate(x: np.ndarray) -> np.ndarray:
    return x[..., None]


def simulate_money(*, leased_ha: np.ndarray, newly_leased_ha: np.ndarray, built_ha: np.ndarray,
                   newly_built_ha: np.ndarray, newly_cleared_farmland_ha: np.ndarray,
                   firm_revenue: np.ndarray, jobs: np.ndarray, p: dict[str, np.ndarray],
                   ) -> dict[str, np.ndarray]:
    """Developer (the cluster's infrastructure investor) and public budget, per year:

    capex          = K · ΔB                 (ΔB: gross ha whose construction finished this year)
    clearance_cost = κ · ΔF                 (ΔF: farmland ha cleared this year)
    opex           = o · B                  (B: gross ha built)
    lease_revenue  = p · ΔL + φ · L         (one-off sub-lease on newly leased ha + yearly fees)
    developer_net  = lease_revenue − (1 − σ) · capex − clearance_cost − opex
    budget_revenue = τ · R + ρ · L          (taxes on firm revenue R + land rent on leased ha)
    public_net     = budget_revenue − σ · capex        (σ: State support share of capex)
    wages          = w · J
    """
    capex = _rate(p["capex_bn_vnd_per_ha"]) * newly_built_ha
    support = _rate(p["state_support_share"]) * capex
    clearance = _rate(p["clearance_cost_bn_vnd_per_ha"]) * newly_cleared_farmland_ha
    opex = _rate(p["opex_bn_vnd_per_ha"]) * built_ha
    lease = (_rate(p["lease_price_bn_vnd_per_ha"]) * newly_leased_ha
             + _rate(p["infra_fee_bn_vnd_per_leased_ha"]) * leased_ha)
    budget = _rate(p["tax_share"]) * firm_revenue + _rate(p["land_rent_bn_vnd_per_leased_ha"]) * leased_ha
    net = lease - (capex - support) - clearance - opex
    return {
        "wages_bn_vnd": p["wage_bn_vnd_per_worker"][:, None, None] * jobs,
        "budget_revenue_bn_vnd": budget,
        "capex_bn_vnd": capex,
        "clearance_cost_bn_vnd": clearance,
        "opex_bn_vnd": opex,
        "land_lease_revenue_bn_vnd": lease,
        "net_cash_bn_vnd": net,
        "cumulative_net_cash_bn_vnd": np.cumsum(net, axis=-1),
        "public_net_cash_bn_vnd": budget - support,
    }


def discounted(flows: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """flows[..., t] / (1 + r)^t, t counted from the base year (index 0); `rate` is (draw,)."""
    t = np.arange(flows.shape[-1])
    factor = (1.0 + rate.reshape(rate.shape + (1,) * (flows.ndim - 1))) ** -t
    return flows * factor


def npv(flows: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Running NPV: Σ_{τ ≤ t} flows[τ] / (1 + r)^τ (the last year gives the NPV)."""
    return np.cumsum(discounted(flows, rate), axis=-1)


def irr(flows: np.ndarray) -> np.ndarray:
    """Internal rate of return of each series along the last axis (SciPy's vectorised
    bracketing root finder on NPV(r) = 0, r in (−0.9, 1)); NaN where NPV does not change sign
    (no investment, or never paid back)."""
    flat = flows.reshape(-1, flows.shape[-1])

    def f(r: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """NPV(r) by Horner's rule in x = 1 / (1 + r): one pass over the years."""
        x, series = 1.0 / (1.0 + r), flat[rows]
        acc: np.ndarray = series[..., -1].copy()
        for k in range(series.shape[-1] - 2, -1, -1):
            acc = acc * x + series[..., k]
        return acc

    lo, hi = np.full(len(flat), -0.9), np.full(len(flat), 1.0)
    rows = np.arange(len(flat))
    ok = np.sign(f(lo, rows)) * np.sign(f(hi, rows)) < 0
    out = np.full(len(flat), np.nan)
    if ok.any():
        res = find_root(f, (lo[ok], hi[ok]), args=(rows[ok],))
        out[ok] = np.where(res.success, res.x, np.nan)
    return out.reshape(flows.shape[:-1])


def payback_year(cumulative: np.ndarray, years: np.ndarray) -> np.ndarray:
    """First year from which cumulative cash stays ≥ 0, after having been negative; NaN when
    it never turns negative (nothing invested) or never recovers."""
    negative = cumulative < 0
    ever = negative.any(axis=-1)
    last_negative = cumulative.shape[-1] - 1 - np.argmax(negative[..., ::-1], axis=-1)
    recovered = last_negative < cumulative.shape[-1] - 1
    year = years[np.minimum(last_negative + 1, len(years) - 1)].astype(float)
    return np.where(ever & recovered, year, np.nan)
