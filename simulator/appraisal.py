"""Who gains, break-even lease prices and the calibration table, computed from a run's results
for display (summary.json, report, map popups). Equations: docs/model.md §6; the published
figures and their sources: simulator/calibration.csv and docs/calibration.md.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator import finance, kernels
from simulator.inputs import at_price
from simulator.model import simulate_clusters

if TYPE_CHECKING:
    from simulator.inputs import Inputs
    from simulator.results import Results
    from simulator.run import Run

__all__ = ["PARTIES", "BN_PER_HA_PER_USD_M2", "PRICE_RESPONSE_MAX", "draw_stats", "who_gains", "breakeven_draws",
           "breakeven", "new_clusters", "decision_clusters", "calibration_rows", "at_price", "price_response",
           "PricePlan", "price_plans", "price_rows", "repriced", "rows_at", "PriceRows", "rows_now",
           "published_figures"]

# party → its NPV metric (docs/model.md §6)
PARTIES: dict[str, str] = {
    "developer": "npv_bn_vnd", "public": "public_npv_bn_vnd", "central": "central_npv_bn_vnd",
    "city": "city_npv_bn_vnd", "households": "households_npv_bn_vnd", "workers": "workers_npv_bn_vnd",
}
PRICE_RESPONSE_MAX = 40  # clusters re-priced one by one at their break-even, at most: each costs
# a re-run of the take-up over every cluster (model.simulate_clusters, ~0.15 s at 10,000 draws)
# 1 USD/m² = 10,000 m² × 25,000 VND = 0.25 bn VND per ha (25,000 VND/USD: docs/calibration.md)
BN_PER_HA_PER_USD_M2 = 0.25


_QUANTILES = np.array([0.1, 0.5, 0.9])


def draw_stats(values: np.ndarray) -> dict[str, float | None]:
    """mean, P10, P50, P90 over the draws where the value exists, and the share of such draws
    (numpy's linear quantiles, found by selection: kernels.sampled_quantiles, which brackets
    them from a sample at 2,048 draws and more)."""
    ok = values[np.isfinite(values)]
    share = round(float(ok.size / max(values.size, 1)), 4)
    if ok.size == 0:
        return {"mean": None, "p10": None, "p50": None, "p90": None, "share_of_draws": share}
    q = np.empty((len(_QUANTILES) + 1, 1))
    kernels.sampled_quantiles(ok.reshape(-1, 1), _QUANTILES * (ok.size - 1), q)
    p10, p50, p90 = q[:-1, 0]
    return {"mean": round(float(ok.mean()), 4), "p10": round(float(p10), 4),
            "p50": round(float(p50), 4), "p90": round(float(p90), 4), "share_of_draws": share}


def _party_stats(values: np.ndarray) -> dict[str, float | None]:
    return {**draw_stats(values), "p_gain": round(float((values > 0).mean()), 4)}


def who_gains(results: Results, year: int | None = None) -> dict[str, Any]:
    """Each party's NPV since the base year (bn VND) at `year` (default the horizon), per
    cluster and for the district, with the probability that it is positive (`p_gain`)."""
    y = int(results.years[-1]) if year is None else year

    def compute() -> dict[str, Any]:  # each cluster's columns read a block of clusters at a time
        columns = results.metrics.columns_at(list(PARTIES.values()), results.year_index(y))
        return {"year": y, "unit": "bn VND",
                "district": {p: _party_stats(results.values(m, y)) for p, m in PARTIES.items()},
                "by_cluster": {results.cluster_ids[k]: {p: _party_stats(at[m])
                                                        for p, m in PARTIES.items()}
                               for k, at in columns}}

    return results.memo(f"who_gains:{y}", compute)


def breakeven_draws(results: Results, cluster: str | None = None) -> np.ndarray:
    """Per draw, the base-year lease price (bn VND per leased ha) at which the developer NPV at
    the horizon is zero, the simulated take-up held fixed (`finance.breakeven_price`). For the
    district (`cluster` None): the one price, common to every cluster, at which the developers
    together break even. NaN where nothing new is leased."""
    y = int(results.years[-1])
    return finance.breakeven_price(results.values("recovery_cost_npv_bn_vnd", y, cluster),
                                   results.values("leased_ha_npv", y, cluster))


def breakeven(results: Results) -> dict[str, Any]:
    """Break-even lease prices (P10–P50–P90 over the draws) per cluster and for the district,
    in bn VND per leased ha and in USD/m², beside the sourced benchmarks."""
    def both(v: np.ndarray) -> dict[str, Any]:
        s = draw_stats(v)
        usd = {k: (None if x is None or k == "share_of_draws" else round(x / BN_PER_HA_PER_USD_M2, 1))
               for k, x in s.items() if k != "share_of_draws"}
        return {**s, "usd_per_m2": usd}

    return results.memo("breakeven", lambda: {
        "unit": "bn VND per leased ha (base-year price, for the lease term)",
        "note": "take-up held at the simulated values, so the developer NPV is linear in the price",
        "district": both(breakeven_draws(results)),
        "by_cluster": {c: both(breakeven_draws(results, c)) for c in results.cluster_ids},
        "benchmarks": [r for r in published_figures() if r["quantity"] == "lease_price"],
    })


def published_figures() -> list[dict[str, Any]]:
    """Rows of calibration.csv: quantity, published value, unit, year, source, what it is."""
    text = resources.files("simulator").joinpath("calibration.csv").read_text(encoding="utf-8")
    return [{**r, "published": float(r["published"])} for r in csv.DictReader(text.splitlines())]


def new_clusters(run: Run) -> list[str]:
    """Clusters whose every phase is approved in or after the base year: all their investment
    lies inside the simulated years."""
    inp = run.inputs
    first = {c: min(a for a, k in zip(inp.phase_approval, inp.phase_cluster) if k == i)
             for i, c in enumerate(inp.cluster_ids)}
    return [c for c, a in first.items() if a >= inp.years[0]]


def decision_clusters(run: Run) -> list[str]:
    """The proposed clusters, or when there are none the clusters whose investment lies in the
    simulated years: those a decision is still to be taken on."""
    proposed = [c.id for c in run.loaded.scenario.clusters if c.status == "proposed"]
    return proposed or new_clusters(run)


def _year_totals(results: Results, metrics: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Per draw and cluster (draw, cluster), Σ over the years of each of `metrics` (numpy's
    sum over each cell's years: a cluster's column summed alone gives the same bits), read in
    one pass over the blocks of clusters and computed once per run: a cluster's column of
    draws alone is read a memory page per draw."""
    def compute() -> dict[str, np.ndarray]:
        parts = [{m: a[m].sum(axis=2) for m in metrics} for _, a in results.metrics.blocks()]
        return {m: np.concatenate([p[m] for p in parts], axis=1) for m in metrics}

    return results.memo(f"year_totals:{','.join(metrics)}", compute)


def _per_ha(results: Results, totals: dict[str, np.ndarray], cluster: str,
            ) -> dict[str, np.ndarray]:
    """Per draw: total investment per gross ha and clearance per ha of farmland of a cluster
    (`totals`: `_year_totals`)."""
    y, k = int(results.years[-1]), results.cluster_ids.index(cluster)
    area = results.values("gross_area_ha", y, cluster)
    farm = results.values("farmland_converted_ha", y, cluster)
    capex, clearance = totals["capex_bn_vnd"][:, k], totals["clearance_cost_bn_vnd"][:, k]
    return {"total_investment_per_gross_ha": _ratio(capex + clearance, area),
            "clearance_per_farmland_ha": _ratio(clearance, farm)}


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den per draw, NaN where den is 0 (nothing to divide by: no value)."""
    out: np.ndarray = np.divide(num, den, out=np.full_like(num, np.nan, dtype=float), where=den > 0)
    return out


def _open_gross_ha(r: Results, year: int) -> np.ndarray:
    """Per draw, the gross ha of the clusters open for leasing in `year` (those paying)."""
    total = np.zeros(r.draws)
    for c in r.cluster_ids:
        total += np.where(r.values("leasable_area_ha", year, c) > 0, r.values("gross_area_ha", year, c), 0.0)
    return total


def _model_draws(run: Run, per_ha: dict[str, dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The model's per-draw values of each calibrated quantity (pooled over new clusters for
    per-cluster quantities; `per_ha`: `_per_ha` of each new cluster)."""
    r, base = run.results, int(run.results.years[0])
    out = {
        "budget_per_gross_ha": _ratio(r.values("budget_revenue_bn_vnd", base), _open_gross_ha(r, base)),
        "jobs": r.values("jobs", base), "firms": r.values("firms", base),
        "wage_per_worker": _ratio(r.values("wages_bn_vnd", base), r.values("jobs", base)),
    }
    if per_ha:
        for k in next(iter(per_ha.values())):
            out[k] = np.concatenate([p[k] for p in per_ha.values()])
        out["lease_price"] = np.concatenate([_lease_price_draws(r, c) for c in per_ha])
    return out


def _lease_price_draws(r: Results, c: str) -> np.ndarray:
    """A cluster's base-year lease price per draw: the NPV of its lease sales ÷ that of the
    price-indexed ha sold (exact: the price is one number per draw); NaN where none is sold."""
    y = int(r.years[-1])
    sold = r.values("leased_ha_npv", y, c)
    sales = r.values("recovery_cost_npv_bn_vnd", y, c) + r.values("npv_bn_vnd", y, c)
    price: np.ndarray = np.divide(sales, sold, out=np.full_like(sold, np.nan), where=sold > 1e-3)
    return price


def calibration_rows(run: Run) -> list[dict[str, Any]]:
    """Each published figure beside the model's P10–P50–P90 for the same quantity, flagged
    when it falls outside P10–P90. Per-cluster quantities pool the new clusters' draws; the
    back-test rows compare one cluster with its own establishment decision (computed once
    per run)."""
    return run.results.memo("calibration", lambda: _calibration_rows(run))


def _calibration_rows(run: Run) -> list[dict[str, Any]]:
    totals = _year_totals(run.results, ("capex_bn_vnd", "clearance_cost_bn_vnd"))
    per_ha = {c: _per_ha(run.results, totals, c) for c in new_clusters(run)}
    draws = _model_draws(run, per_ha)
    rows = []
    for fig in published_figures():
        q, cluster = fig["quantity"], fig.get("cluster") or ""
        if cluster:
            if cluster not in per_ha:  # not a new cluster of this run
                continue
            values = per_ha[cluster][q]
        elif q in draws:
            values = draws[q]
        else:
            continue
        s = draw_stats(values)
        if s["p10"] is None:
            continue
        outside = not (s["p10"] <= fig["published"] <= s["p90"])
        rows.append({**fig, "model": s, "outside": outside})
    return rows


@dataclass(frozen=True)
class PricePlan:
    """One cluster of the price response, as the main run gives it: its P50 break-even price
    and the run's own numbers beside which the re-run at that price is shown."""

    cluster: str
    price: float
    default: dict[str, dict[str, float | None]]  # row key → draw_stats of the main run
    others: np.ndarray  # per draw: the other clusters' leased ha-years in the main run


def price_plans(run: Run, clusters: list[str]) -> list[PricePlan]:
    """What `price_response` reads of the main run's draws (break-even prices and the
    default rows), apart from the re-runs (`price_rows`) that need only the inputs."""
    inp, r = run.inputs, run.results
    if inp.takeup == "independent" or len(clusters) > PRICE_RESPONSE_MAX:
        return []
    y = int(r.years[-1])
    plans = []
    district = r.district["leased_area_ha"].sum(axis=1)
    leased = _year_totals(r, ("leased_area_ha",))["leased_area_ha"]
    for c in clusters:
        be = breakeven_draws(r, c)
        if not np.isfinite(be).any():
            continue
        own = leased[:, r.cluster_ids.index(c)]
        plans.append(PricePlan(c, float(np.nanmedian(be)), {
            "leased_ha_years": draw_stats(own),
            "developer_npv": draw_stats(r.values("npv_bn_vnd", y, c)),
            "district_leased_ha_years": draw_stats(district)}, district - own))
    return plans


def price_rows(inputs: Inputs, plans: list[PricePlan], threads: int | None = None,
               approval_delay: np.ndarray | None = None) -> list[dict[str, Any]]:
    """The rows of `price_response` from its plans: each cluster re-run at its price with the
    run's approval delays (`Run.approval_delay`), the re-runs together
    (`model.simulate_clusters`: the parameter draws and timelines shared; `threads=` its
    threads)."""
    if not plans:
        return []
    return rows_at(plans, simulate_clusters(inputs, repriced(inputs, plans), threads=threads,
                                            approval_delay=approval_delay))


def repriced(inputs: Inputs, plans: list[PricePlan]) -> list[tuple[int, float]]:
    """(cluster index, price) of each plan: the re-runs of `price_rows`."""
    return [(inputs.cluster_ids.index(plan.cluster), plan.price) for plan in plans]


def rows_at(plans: list[PricePlan], reruns: list[dict[str, np.ndarray]]) -> list[dict[str, Any]]:
    """The rows of `price_response`: each plan beside its re-run at its price (`reruns`, in
    the order of `plans`: `model.simulate_clusters` of `repriced`)."""
    rows = []
    for plan, alt in zip(plans, reruns, strict=True):
        own, district = (alt["leased_area_ha"].sum(axis=1),
                         alt["district:leased_area_ha"].sum(axis=1))
        at = {"leased_ha_years": draw_stats(own),
              "developer_npv": draw_stats(alt["npv_bn_vnd"][:, -1]),  # the horizon
              "district_leased_ha_years": draw_stats(district)}
        rows.append({"cluster": plan.cluster, "breakeven_p50": round(plan.price, 3),
                     **{k: {"default": v, "at_breakeven": at[k]} for k, v in plan.default.items()},
                     "moved_to_others_ha_years": draw_stats(district - own - plan.others)})
    return rows


PriceRows = list[dict[str, Any]] | Callable[[], list[dict[str, Any]]] | None
"""The rows of `price_response`, or what gives them when asked (`post_run.PostRun.
price_response`, which waits for its re-runs): the report and summary.json ask for them once
everything else they show is computed."""


def rows_now(rows: PriceRows) -> list[dict[str, Any]]:
    """The rows of `rows` (asked for when they are still to come); none for None."""
    return (rows() if callable(rows) else rows) or []


def price_response(run: Run, clusters: list[str]) -> list[dict[str, Any]]:
    """How take-up answers the price under competition: each cluster in turn has its lease
    price fixed at its P50 break-even (the others unchanged) and the scenario is re-run with
    the same draws; its leased ha-years (Σ over the simulated years of the leased ha: the pace
    of take-up), the district's, and its developer NPV are compared, and the leased ha-years
    moved to the other clusters: draw by draw, what the others lease at this price less what
    they lease at the assumed one (district less this cluster; when district demand is the
    limit, what this cluster loses). Each re-run is the take-up over every cluster and this
    cluster's money, the re-runs together (`model.simulate_clusters`: the numbers of whole
    runs, without the labour catchment neither reads). Under `gating: enforce` the re-runs keep
    the run's approval years (`Run.approval_delay`): a price changes, not the approvals, so
    both sides of each row are the same world but for that price. Empty under `takeup: independent`
    (take-up does not depend on the price there), and when there are more than
    PRICE_RESPONSE_MAX clusters. `price_plans` then `price_rows` (`post_run.PostRun` runs the
    second on a thread while the writers work)."""
    return price_rows(run.inputs, price_plans(run, clusters), approval_delay=run.approval_delay)
