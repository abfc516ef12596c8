"""Money: land, jobs and construction → each party's cash flows, NPV, IRR, payback, break-even.

Billion VND at constant base-year prices. Pure functions on arrays: flows have dims
(draw, cluster, year), per-hectare rates (draw, cluster), district rates (draw,). Parties: the
developer (infrastructure investor), the public budget (central and city), farm households
and workers. Equations: docs/model.md §6; evidence for every rate: docs/calibration.md.
"""

from __future__ import annotations

import numpy as np
from simulator import kernels

__all__ = ["LAND_KEYS", "price_index", "simulate_money", "money_inputs", "breakeven_price", "npv", "irr",
           "payback_year"]


def price_index(growth: np.ndarray, t: np.ndarray) -> np.ndarray:
    """(1 + g)^t, (draw, 1, year): the lease price relative to the base year, t = years since
    the base year, g the real yearly growth of the lease price (a district parameter)."""
    out: np.ndarray = (1.0 + growth[:, None, None]) ** t[None, None, :]
    return out


LAND_KEYS = ("leased_ha", "leased_before", "built_ha", "built_before", "farmland_ha",
             "farmland_before")
_RATES = ("capex_bn_vnd_per_ha", "state_support_share", "clearance_cost_bn_vnd_per_ha",
          "opex_bn_vnd_per_ha", "lease_price_bn_vnd_per_ha", "infra_fee_bn_vnd_per_leased_ha",
          "tax_share", "land_rent_bn_vnd_per_leased_ha")  # per draw and cluster
_EACH = ("central_tax_share", "farm_income_bn_vnd_per_ha", "wage_bn_vnd_per_worker",
         "alt_income_bn_vnd_per_worker")  # per draw


def simulate_money(*, land: dict[str, np.ndarray], firm_revenue: np.ndarray, jobs: np.ndarray,
                   index: np.ndarray, discount_rate: np.ndarray, p: dict[str, np.ndarray],
                   rows: tuple[str, ...] = kernels.MONEY_OUT) -> dict[str, np.ndarray]:
    """Every party's yearly cash flow (bn VND, constant base-year prices) and running NPV
    (`npv`), arrays (draw, cluster, year) named as kernels.MONEY_OUT; `land` holds the
    LAND_KEYS: the stocks (draw, cluster, year) and each stock the year before the base year
    (draw, cluster), in ha; `p` the rates per draw and cluster (or per draw), `index` =
    `price_index` (draw, 1, year), `discount_rate` (draw,). ΔX is this year's stock less last
    year's:

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

    The running NPVs are those of the developer's, the public's, the central and city
    budgets', households' and workers' net flows, of the recovery cost and of the
    price-indexed ha sold (p₀ · that is the NPV of lease sales). One compiled pass per cluster
    (kernels.money): each output of `rows` (by default every one) written once."""
    def stock(key: str) -> np.ndarray:
        return np.ascontiguousarray(land[key], dtype=float)

    n, c, y = land["leased_ha"].shape
    before, rate, each, price = money_inputs(land, index, discount_rate, p)
    out = np.empty((len(rows), n, c, y))
    kernels.money((stock("leased_ha"), stock("built_ha"), stock("farmland_ha"),
                   np.ascontiguousarray(firm_revenue, dtype=float), np.ascontiguousarray(jobs, dtype=float)),
                  before, rate, each, *price, out,
                  np.array([kernels.MONEY_OUT.index(k) for k in rows], dtype=np.intp))
    return dict(zip(rows, out))


def money_inputs(land: dict[str, np.ndarray], index: np.ndarray, discount_rate: np.ndarray,
                 p: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                    tuple[np.ndarray, np.ndarray]]:
    """The arguments of the compiled money pass (kernels.money, kernels.cluster_metrics) other
    than the stocks: the stocks the year before the base year (draw, cluster, 3), the rates
    (draw, cluster, 8) and per draw (draw, 4), and (price index, discount factor) (draw, year).
    Arguments as `simulate_money`."""
    n, c, y = land["leased_ha"].shape
    before = np.stack([land["leased_before"], land["built_before"], land["farmland_before"]], axis=-1)
    return (np.ascontiguousarray(before, dtype=float),
            np.stack([np.broadcast_to(p[k], (n, c)) for k in _RATES], axis=-1),
            np.stack([p[k] for k in _EACH], axis=-1),
            (np.ascontiguousarray(index.reshape(n, y)),
             np.ascontiguousarray(_discount_factor(discount_rate, 3, y).reshape(n, y))))


def breakeven_price(recovery_cost_npv: np.ndarray, sold_npv: np.ndarray) -> np.ndarray:
    """The base-year lease price p₀* at which the developer's NPV is zero, take-up held fixed:
    NPV(p₀) = p₀ · S − C with S = Σ_t (1 + g)^t ΔL_t / (1 + r)^t (`sold_npv`) and C the NPV of
    what lease sales must recover (`recovery_cost_npv`), so p₀* = C / S, exactly, per draw.
    NaN where nothing is leased (S ≈ 0: under 0.001 ha)."""
    out: np.ndarray = np.divide(recovery_cost_npv, sold_npv, out=np.full_like(sold_npv, np.nan),
                                where=sold_npv > 1e-3)
    return out


def _discount_factor(rate: np.ndarray, ndim: int, years: int) -> np.ndarray:
    """(1 + r)^−t, t = 0 … years − 1 counted from the base year, shaped (draw, 1 …, year)
    to discount flows of `ndim` dimensions; `rate` is (draw,)."""
    t = np.arange(years)
    factor: np.ndarray = (1.0 + rate.reshape(rate.shape + (1,) * (ndim - 1))) ** -t
    return factor


def npv(flows: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Running NPV: Σ_{τ ≤ t} flows[τ] / (1 + r)^τ (the last year gives the NPV); flows
    (draw, …, year), rate (draw,) (kernels.running_npv)."""
    n, y = flows.shape[0], flows.shape[-1]
    factor = _discount_factor(rate, flows.ndim, y).reshape(n, y)
    out: np.ndarray = kernels.running_npv(np.ascontiguousarray(flows, dtype=float).reshape(n, -1, y),
                                          np.ascontiguousarray(factor)).reshape(flows.shape)
    return out


def irr(flows: np.ndarray) -> np.ndarray:
    """Internal rate of return of each series along the last axis: the root of NPV(r) = 0 in
    r ∈ (−0.9, 1) by Chandrupatla's bracketing method (kernels.irr: SciPy's
    `scipy.optimize.elementwise.find_root` step for step, the same roots, compiled); NaN where
    NPV does not change sign (no investment, or never paid back)."""
    flat = np.ascontiguousarray(flows, dtype=float).reshape(-1, flows.shape[-1])
    out: np.ndarray = kernels.irr(flat).reshape(flows.shape[:-1])
    return out


def payback_year(cumulative: np.ndarray, years: np.ndarray) -> np.ndarray:
    """First year from which cumulative cash stays ≥ 0, after having been negative; NaN when
    it never turns negative (nothing invested) or never recovers."""
    negative = cumulative < 0
    ever = negative.any(axis=-1)
    last_negative = cumulative.shape[-1] - 1 - np.argmax(negative[..., ::-1], axis=-1)
    recovered = last_negative < cumulative.shape[-1] - 1
    year = years[np.minimum(last_negative + 1, len(years) - 1)].astype(float)
    return np.where(ever & recovered, year, np.nan)
