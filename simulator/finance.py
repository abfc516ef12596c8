"""Money: land, jobs and construction → each party's cash flows, NPV, IRR, payback, break-even.

Billion VND at constant base-year prices. Pure functions on arrays: flows have dims
(draw, cluster, year), per-hectare rates (draw, cluster), district rates (draw,). Parties: the
developer (infrastructure investor), the public budget (central and city), farm households
and workers. Equations: docs/model.md §6; evidence for every rate: docs/calibration.md.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize.elementwise import find_root

__all__ = ["LAND_KEYS", "yearly_change", "price_index", "simulate_money", "breakeven_price", "discounted", "npv",
           "irr", "payback_year"]


def yearly_change(stock: np.ndarray, before_first: np.ndarray | None = None) -> np.ndarray:
    """x[t] − x[t−1] along the year axis; the first year's change is measured from
    `before_first` (the stock at the end of the year before), or zero."""
    prev = np.zeros_like(stock[..., :1]) if before_first is None else before_first[..., None]
    return np.diff(stock, axis=-1, prepend=prev)


def _rate(x: np.ndarray) -> np.ndarray:
    return x[..., None]


def price_index(growth: np.ndarray, t: np.ndarray) -> np.ndarray:
    """(1 + g)^t, (draw, 1, year): the lease price relative to the base year, t = years since
    the base year, g the real yearly growth of the lease price (a district parameter)."""
    out: np.ndarray = (1.0 + growth[:, None, None]) ** t[None, None, :]
    return out


LAND_KEYS = ("leased_ha", "newly_leased_ha", "built_ha", "newly_built_ha", "farmland_ha",
             "newly_cleared_farmland_ha")


def simulate_money(*, land: dict[str, np.ndarray], firm_revenue: np.ndarray, jobs: np.ndarray,
                   index: np.ndarray, p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every party's yearly cash flow (bn VND, constant base-year prices), arrays (draw, cluster,
    year); `land` holds the LAND_KEYS stocks and yearly changes (ha), `p` the rates per draw and
    cluster (or per draw), `index` = `price_index` (draw, 1, year):

    capex          = K · ΔB                  ΔB: gross ha whose construction finished this year;
                                             K: infrastructure only, site clearance excluded
    clearance_cost = κ · ΔF                  ΔF: farmland ha cleared this year
    total_investment = capex + clearance_cost   (the decisions' tổng mức đầu tư, clearance inside)
    opex           = o · B                   B: gross ha built
    lease_sales    = p₀ · (1 + g)^t · ΔL     one-off sub-lease for the term on newly leased ha
    lease_revenue  = lease_sales + φ · L     + yearly infrastructure and management fees
    developer_net  = lease_revenue − (1 − σ) · capex − clearance_cost − opex
    taxes = τ · R ;  land_rent = ρ · L       R: firms' revenue, L: leased ha
    budget_revenue = taxes + land_rent
    central_net    = c · taxes               c: the central budget's share of shared taxes
    city_net       = (1 − c) · taxes + land_rent − σ · capex     (land rent stays with the city)
    public_net     = central_net + city_net = budget_revenue − σ · capex
    farm_income_lost = y_f · F               F: farmland converted so far
    households_net = clearance_cost − farm_income_lost   (compensation and support received)
    wages          = w · J ;  workers_net = (w − w_a) · J      w_a: the farm/rural alternative
    recovery_cost  = lease_sales − developer_net   what lease sales must recover (fees netted)
    """
    leased_ha, built_ha = land["leased_ha"], land["built_ha"]
    capex = _rate(p["capex_bn_vnd_per_ha"]) * land["newly_built_ha"]
    support = _rate(p["state_support_share"]) * capex
    clearance = _rate(p["clearance_cost_bn_vnd_per_ha"]) * land["newly_cleared_farmland_ha"]
    opex = _rate(p["opex_bn_vnd_per_ha"]) * built_ha
    sold = index * land["newly_leased_ha"]
    sales = _rate(p["lease_price_bn_vnd_per_ha"]) * sold
    lease = sales + _rate(p["infra_fee_bn_vnd_per_leased_ha"]) * leased_ha
    taxes = _rate(p["tax_share"]) * firm_revenue
    rent = _rate(p["land_rent_bn_vnd_per_leased_ha"]) * leased_ha
    central = p["central_tax_share"][:, None, None] * taxes
    net = lease - (capex - support) - clearance - opex
    lost = p["farm_income_bn_vnd_per_ha"][:, None, None] * land["farmland_ha"]
    wage = p["wage_bn_vnd_per_worker"][:, None, None]
    return {
        "wages_bn_vnd": wage * jobs,
        "workers_net_bn_vnd": (wage - p["alt_income_bn_vnd_per_worker"][:, None, None]) * jobs,
        "budget_revenue_bn_vnd": taxes + rent,
        "capex_bn_vnd": capex,
        "clearance_cost_bn_vnd": clearance,
        "opex_bn_vnd": opex,
        "land_lease_revenue_bn_vnd": lease,
        "net_cash_bn_vnd": net,
        "cumulative_net_cash_bn_vnd": np.cumsum(net, axis=-1),
        "public_net_cash_bn_vnd": taxes + rent - support,
        "central_net_cash_bn_vnd": central,
        "city_net_cash_bn_vnd": taxes - central + rent - support,
        "farm_income_lost_bn_vnd": lost,
        "households_net_bn_vnd": clearance - lost,
        "recovery_cost_bn_vnd": sales - net,
        "sold_ha_indexed": sold,
    }


def breakeven_price(recovery_cost_npv: np.ndarray, sold_npv: np.ndarray) -> np.ndarray:
    """The base-year lease price p₀* at which the developer's NPV is zero, take-up held fixed:
    NPV(p₀) = p₀ · S − C with S = Σ_t (1 + g)^t ΔL_t / (1 + r)^t (`sold_npv`) and C the NPV of
    what lease sales must recover (`recovery_cost_npv`), so p₀* = C / S, exactly, per draw.
    NaN where nothing is leased (S ≈ 0: under 0.001 ha)."""
    out: np.ndarray = np.divide(recovery_cost_npv, sold_npv, out=np.full_like(sold_npv, np.nan),
                                where=sold_npv > 1e-3)
    return out


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
