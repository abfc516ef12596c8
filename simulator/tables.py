"""Everything computed from results for display: the timeseries frame, summary.json, targets,
the cluster and commune tables, finance statistics, bands over draws, the comparison table.

Writers (`outputs`) and page content (`map_content`, `report_content`) take their numbers from
here; nothing here renders or writes.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from simulator import __version__, appraisal
from simulator.maps.view import Band
from simulator.results import BETTER, DISTRICT_METRICS, HeldDraws, Results, milestone_years
from simulator.run import Run
from simulator.scenario.wording import local
from simulator.uncertainty import quantiles

__all__ = ["STATS", "timeseries_frame", "summary", "targets", "cluster_table", "commune_table",
           "finance_stats", "developer_stats", "draw_stats", "bands", "cluster_communes", "commune_draws", "commune_bands",
           "cluster_draws", "paired_diff", "simulated_years_in_common",
           "milestones_in_common", "comparison_table"]

STATS = ("mean", "p10", "p50", "p90")


def _long(scenario: str, ids: list[str], years: np.ndarray, metric: str, unit: str,
          q: dict[str, np.ndarray]) -> pd.DataFrame:
    """Rows of one metric: `q` holds (row, year) arrays of mean, p10, p50, p90."""
    return pd.DataFrame({
        "scenario": scenario, "cluster": np.repeat(ids, len(years)),
        "year": np.tile(years, len(ids)), "metric": metric, "unit": unit,
        **{s: q[s].ravel() for s in STATS},
    })


def timeseries_frame(run: Run) -> pd.DataFrame:
    """Long table: scenario, cluster, year, metric, unit, mean, p10, p50, p90.

    `cluster` is a cluster id, `ALL` for the district, or `commune:<id>` for the labour
    catchment of a (pre-2025) commune."""
    r = run.results
    frames = []
    for metric in r.metrics:
        both = {s: np.vstack([r.stats("metrics", metric)[s], r.stats("district", metric)[s]])
                for s in STATS}
        frames.append(_long(r.scenario_id, [*r.cluster_ids, "ALL"], r.years, metric,
                            r.units[metric], both))
    for metric in DISTRICT_METRICS:
        frames.append(_long(r.scenario_id, ["ALL"], r.years, metric, r.units[metric],
                            {s: v[None, :] for s, v in r.stats("district", metric).items()}))
    for metric in r.communes:
        frames.append(_long(r.scenario_id, [f"commune:{c}" for c in r.commune_ids], r.years,
                            metric, r.units[metric], r.stats("communes", metric)))
    return pd.concat(frames, ignore_index=True)


def draw_stats(values: np.ndarray) -> dict[str, float]:
    """mean, p10, p50, p90 over the draws with a value, and the share of such draws."""
    ok = values[~np.isnan(values)]
    if ok.size == 0:
        return {"share": 0.0}
    q = np.quantile(ok, (0.1, 0.5, 0.9))
    return {"mean": float(ok.mean()), "p10": float(q[0]), "p50": float(q[1]),
            "p90": float(q[2]), "share": ok.size / values.size}


def finance_stats(values: np.ndarray) -> dict[str, float | None]:
    """`draw_stats` rounded to 4 decimals, the share named `share_of_draws` (summary.json,
    clusters.gpkg)."""
    stats = draw_stats(values)
    share = stats.pop("share")
    return {**{k: round(v, 4) for k, v in stats.items()}, "share_of_draws": round(share, 4)}


def summary(run: Run, price_response: appraisal.PriceRows = None) -> dict[str, Any]:
    """Provenance, the district's key indicators at the milestone years, developer IRR and
    payback, who gains (each party's NPV at the horizon, per cluster and district), break-even
    lease prices beside the sourced benchmarks, the calibration table and, when given (it
    re-runs the model), `appraisal.price_response` (or what gives it, asked for last:
    `appraisal.PriceRows`)."""
    s, r = run.loaded.scenario, run.results
    years = milestone_years(s.base_year, s.horizon_year)
    out = {
        "scenario": s.id, "title": local(s.title, "en"), "tool_version": __version__,
        "seed": run.seed, "draws": run.draws, "scenario_sha256": run.loaded.sha256,
        "scenario_files": [Path(p).name for p in run.loaded.chain],
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "base_year": s.base_year, "horizon_year": s.horizon_year, "milestone_years": years,
        "takeup": s.district.takeup,
        "indicators": {
            m: {"unit": r.units[m], "years": {str(y): _rounded(r.district_at(m, y)) for y in years}}
            for m in r.district
        },
        "developer": _developer(r),
        "who_gains": appraisal.who_gains(r),
        "breakeven_lease_price": appraisal.breakeven(r),
        "price_response": [],  # in its place; filled last
        "calibration": appraisal.calibration_rows(run),
        "targets": targets(run),
        "warnings": list(run.geometries.warnings),
    }
    out["price_response"] = appraisal.rows_now(price_response)
    return out


def developer_stats(r: Results) -> dict[str, list[dict[str, float | None]]]:
    """`finance_stats` of the developer IRR and payback year of every cluster and (last) the
    district, computed once per run (`Results.memo`): summary.json and the cluster table
    show them."""
    return r.memo("developer_stats", lambda: {
        name: [finance_stats(a[:, k]) for k in range(a.shape[1])]
        for name, a in (("irr", r.irr), ("payback_year", r.payback))})


def _developer(r: Results) -> dict[str, Any]:
    """summary.json's `developer`: the district's IRR and payback year, then each cluster's."""
    stats = developer_stats(r)
    return {"irr": stats["irr"][-1], "payback_year": stats["payback_year"][-1],
            "by_cluster": {c: {"irr": stats["irr"][k], "payback_year": stats["payback_year"][k]}
                           for k, c in enumerate(r.cluster_ids)}}


def targets(run: Run, lang: str = "en") -> list[dict[str, Any]]:
    """Each target of the scenario with the probability of meeting it; `label` in `lang`
    (the author's one text, or theirs for that language)."""
    out = []
    for t in run.loaded.scenario.targets:
        p = run.results.probability(t.metric, t.year, at_least=t.at_least, at_most=t.at_most,
                                    cluster=t.cluster)
        bound = f"≥ {t.at_least:,g}" if t.at_least is not None else f"≤ {t.at_most:,g}"
        label = local(t.label, lang) or f"{t.metric} {bound} in {t.year}" + (
            f" ({t.cluster})" if t.cluster else "")
        out.append({**t.model_dump(), "label": label, "probability": round(p, 4)})
    return out


def _rounded(stats: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 4) for k, v in stats.items()}


def cluster_table(run: Run) -> gpd.GeoDataFrame:
    """Clusters with their attributes and indicators (mean, p10, p90) at the horizon."""
    s, r = run.loaded.scenario, run.results
    g = run.geometries.frame.copy()
    for col in ("name", "commune", "status", "kind", "source"):
        g[col] = [getattr(c, col) for c in s.clusters]
    g["declared_area_ha"] = [c.area_ha for c in s.clusters]
    g["inferred"] = [c.inferred for c in s.clusters]
    cols: dict[str, Any] = {f"{m}_{stat}" if stat != "mean" else m: r.clusters_at(m, s.horizon_year, stat)
                            for m in r.metrics for stat in ("mean", "p10", "p90")}
    developer = developer_stats(r)
    cols["developer_irr_p50"] = [developer["irr"][k].get("p50") for k in range(len(s.clusters))]
    cols["payback_year_p50"] = [developer["payback_year"][k].get("p50")
                                for k in range(len(s.clusters))]
    cols.update(_cluster_money(run))
    out: gpd.GeoDataFrame = pd.concat([g, pd.DataFrame(cols, index=g.index)], axis=1)
    return out  # one concat: pandas warns past 100 columns inserted one by one


def _cluster_money(run: Run) -> dict[str, list[float | None]]:
    """Per cluster: break-even lease price P10/P50/P90 (bn VND per leased ha, take-up held)
    and each party's probability of gaining by the horizon."""
    r = run.results
    be = list(appraisal.breakeven(r)["by_cluster"].values())  # draw_stats of breakeven_draws
    gains = appraisal.who_gains(r)["by_cluster"]
    cols: dict[str, list[float | None]] = {f"breakeven_{k}": [b[k] for b in be] for k in ("p10", "p50", "p90")}
    for party in appraisal.PARTIES:
        cols[f"{party}_p_gain"] = [gains[c][party]["p_gain"] for c in r.cluster_ids]
    return cols


def commune_table(run: Run, clusters: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Bundled communes with the horizon totals of the clusters whose centre lies in them."""
    r, year = run.results, run.loaded.scenario.horizon_year
    communes = run.layers["communes"].copy()
    by_id = {c: k for k, c in enumerate(r.commune_ids)}
    rows = communes["id"].map(by_id).to_numpy()
    for m in r.communes:
        communes[m] = r.communes_at(m, year)[rows]
    centres = clusters.set_geometry(clusters.geometry.representative_point())
    joined = centres.sjoin(communes[["id", "geometry"]], predicate="within", rsuffix="commune")
    for m in ("gross_area_ha", "leased_area_ha", "jobs", "farmland_converted_ha"):
        sums = joined.groupby("id_commune")[m].sum()
        communes[f"ccn_{m}"] = communes["id"].map(sums).fillna(0.0).to_numpy()
    return communes


def bands(draws: np.ndarray | dict[str, np.ndarray], ids: tuple[str, ...]) -> dict[str, Band]:
    """(draw, row, year) draws, or their (row, year) quantiles → row id → Band over the years."""
    q = draws if isinstance(draws, dict) else quantiles(draws)
    rows = {s: np.asarray(q[s], dtype=float).tolist() for s in STATS}  # Python floats, at once
    return {i: Band(*(tuple(rows[s][k]) for s in STATS)) for k, i in enumerate(ids)}


def cluster_communes(clusters: gpd.GeoDataFrame, communes: gpd.GeoDataFrame,
                      commune_ids: tuple[str, ...]) -> np.ndarray:
    """(cluster, commune) 0/1: the commune containing each cluster's representative point."""
    points = clusters.set_geometry(clusters.geometry.representative_point())
    joined = points.sjoin(communes[["id", "geometry"]], how="left", predicate="within",
                          rsuffix="commune")
    joined = joined[~joined.index.duplicated()]
    out = np.zeros((len(clusters), len(commune_ids)))
    where = {c: k for k, c in enumerate(commune_ids)}
    for row, cid in enumerate(joined["id_commune"]):
        if cid in where:
            out[row, where[cid]] = 1.0
    return out


_FARMLAND = "farmland_converted_ha"  # `farmland_in_commune` adds it up by commune


def commune_draws(run: Run, clusters: gpd.GeoDataFrame, communes: gpd.GeoDataFrame,
                  keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Per commune (draw, commune, year): the commune results named in `keys` and
    `farmland_in_commune`, the farmland converted by the clusters whose representative point
    lies in the commune."""
    out = {k: v for k, v in run.results.communes.items() if k in keys}
    out["farmland_in_commune"] = _farmland_in_commune(run, clusters, communes)
    return out


def _farmland_in_commune(run: Run, clusters: gpd.GeoDataFrame,
                         communes: gpd.GeoDataFrame) -> np.ndarray:
    """(draw, commune, year): the farmland converted by the clusters whose representative
    point lies in each commune."""
    r = run.results
    return r.metrics.weighted_sum(_FARMLAND, cluster_communes(clusters, communes, r.commune_ids))


def commune_bands(run: Run, clusters: gpd.GeoDataFrame, communes: gpd.GeoDataFrame,
                  keys: tuple[str, ...]) -> dict[str, dict[str, np.ndarray]]:
    """`commune_draws`' bands (mean, p10, p50, p90 per commune and year): the run's commune
    bands, computed once for every output, and those of `farmland_in_commune`
    (`_farmland_bands`)."""
    r = run.results
    out = {k: r.stats("communes", k) for k in keys if k in r.communes}
    out["farmland_in_commune"] = _farmland_bands(run, cluster_communes(clusters, communes,
                                                                       r.commune_ids))
    return out


def _farmland_bands(run: Run, weights: np.ndarray) -> dict[str, np.ndarray]:
    """The bands of `_farmland_in_commune` for (cluster, commune) 0/1 `weights`, each commune's
    found where it costs least: none for a commune holding no cluster (its draws are 0.0);
    for one holding a single cluster, that cluster's farmland bands when its draws are held
    and none is −0.0 (its draws are then the cluster's: 0.0 + 1.0 · x is x); for the others,
    the bands of their draws."""
    r = run.results
    held = r.metrics[_FARMLAND] if isinstance(r.metrics, HeldDraws) else None
    single = (weights.sum(axis=0) == 1) & (held is not None and not np.signbit(held).any())
    summed = ~single & weights.any(axis=0)
    out = {s: np.zeros((weights.shape[1], len(r.years))) for s in STATS}
    if summed.any():
        for s, q in quantiles(r.metrics.weighted_sum(_FARMLAND, weights[:, summed])).items():
            out[s][summed] = q
    for s, q in r.stats("metrics", _FARMLAND).items():
        out[s][single] = q[weights[:, single].argmax(axis=0)]
    return out


def cluster_draws(run: Run, metric: str, ids: tuple[str, ...], k: np.ndarray) -> np.ndarray:
    """(draw, len(ids), len(k)) values of `metric` in years k; zero for a cluster the run
    does not have."""
    r = run.results
    out = np.zeros((r.draws, len(ids), len(k)))
    for j, cid in enumerate(ids):
        if cid in r.cluster_ids:
            out[:, j] = r.metrics.column(metric, r.cluster_ids.index(cid))[:, k]
    return out


def paired_diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """B − A draw by draw (common random numbers); the difference of the means when the
    runs have different numbers of draws."""
    diff: np.ndarray = (b - a if a.shape[0] == b.shape[0]
                        else (b.mean(axis=0) - a.mean(axis=0))[None])
    return diff


def simulated_years_in_common(runs: list[Run]) -> list[int]:
    """The simulated years every run has."""
    years = set(int(y) for y in runs[0].results.years)
    for r in runs[1:]:
        years &= {int(y) for y in r.results.years}
    return sorted(years)


def milestones_in_common(runs: list[Run]) -> list[int]:
    """The milestone years of the first run that every run simulates (else the last year
    they all have)."""
    first = runs[0].loaded.scenario
    lo = max(r.loaded.scenario.base_year for r in runs)
    hi = min(r.loaded.scenario.horizon_year for r in runs)
    return [y for y in milestone_years(first.base_year, first.horizon_year) if lo <= y <= hi] or [hi]


def comparison_table(runs: list[Run]) -> pd.DataFrame:
    """indicator, unit, year, one column per scenario (mean district value); then, for every
    other scenario B against the first A, the paired difference B − A over draws
    (`diff_<B>` its mean, `diff_<B>_p10/p50/p90`) and `p_better_<B>`, the share of draws in
    which B is better than A (empty where neither direction is better, e.g. areas).

    Paired: the scenarios must have been run with the same seed and draws, so that a shared
    parameter has the same draw in every scenario (common random numbers)."""
    ids = [r.results.scenario_id for r in runs]
    first = runs[0].results
    rows = []
    for metric in first.district:
        if any(metric not in r.results.district for r in runs):
            continue
        for year in milestones_in_common(runs):
            per_draw = [r.results.values(metric, year) for r in runs]
            row: dict[str, object] = {"indicator": metric, "unit": first.units[metric], "year": year}
            row.update({i: float(v.mean()) for i, v in zip(ids, per_draw)})
            for i, v in zip(ids[1:], per_draw[1:]):
                row.update(diff_stats(i, v - per_draw[0], BETTER.get(metric, 0)))
            rows.append(row)
    return pd.DataFrame(rows)


def diff_stats(scenario: str, diff: np.ndarray, better: int) -> dict[str, float | None]:
    q = np.quantile(diff, (0.1, 0.5, 0.9))
    p_better = None if better == 0 else float((better * diff > 1e-9).mean())
    return {f"diff_{scenario}": float(diff.mean()), f"diff_{scenario}_p10": float(q[0]),
            f"diff_{scenario}_p50": float(q[1]), f"diff_{scenario}_p90": float(q[2]),
            f"p_better_{scenario}": p_better}
