"""Money: leased land and construction → revenue, cost and cash (billion VND, constant prices).

Pure functions on arrays; dims (draw, cluster, year), per-hectare rates (draw, cluster).
Equations: docs/model.md §Money.
"""

from __future__ import annotations

import numpy as np

__all__ = ["yearly_change", "simulate_money"]


def yearly_change(stock: np.ndarray, before_first: np.ndarray | None = None) -> np.ndarray:
    """x[t] − x[t−1] along the year axis; the first year's change is measured from
    `before_first` (the stock at the end of the year before), or zero."""
    prev = np.zeros_like(stock[..., :1]) if before_first is None else before_first[..., None]
    return np.diff(stock, axis=-1, prepend=prev)


def simulate_money(
    *,
    leased_ha: np.ndarray,
    newly_leased_ha: np.ndarray,
    built_ha: np.ndarray,
    firm_revenue_per_ha: np.ndarray,
    budget_revenue_per_ha: np.ndarray,
    capex_per_ha: np.ndarray,
    lease_price_per_ha: np.ndarray,
) -> dict[str, np.ndarray]:
    """firm_revenue  = r · L;   budget_revenue = b · L
    capex            = K · (area built this year)
    land_lease_revenue = p · (area newly leased this year)   (one-off payment for the term)
    net_cash         = land_lease_revenue − capex             (the cluster developer's cash)
    cumulative_net_cash = Σ_{τ ≤ t} net_cash[τ], from the base year
    """
    capex = capex_per_ha[..., None] * built_ha
    lease = lease_price_per_ha[..., None] * newly_leased_ha
    net = lease - capex
    return {
        "firm_revenue_bn_vnd": firm_revenue_per_ha[..., None] * leased_ha,
        "budget_revenue_bn_vnd": budget_revenue_per_ha[..., None] * leased_ha,
        "capex_bn_vnd": capex,
        "land_lease_revenue_bn_vnd": lease,
        "net_cash_bn_vnd": net,
        "cumulative_net_cash_bn_vnd": np.cumsum(net, axis=-1),
    }
