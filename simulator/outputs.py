"""The output contract: results/<scenario-id>/ written to a temporary folder, then renamed.

summary.json · timeseries.csv · clusters.gpkg · map.html   (docs/outputs.md)
"""

from __future__ import annotations

import json
import shutil
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np

from simulator import __version__
from simulator.errors import OutputExistsError, Problem
from simulator.results import DISTRICT_METRICS, milestone_years

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from simulator.run import Run
    from simulator.sensitivity import Method

__all__ = ["atomic_folder", "timeseries_frame", "summary", "targets", "cluster_table",
           "write_outputs"]

STATS = ("mean", "p10", "p50", "p90")
@contextmanager
def atomic_folder(final: Path, *, overwrite: bool) -> Iterator[Path]:
    """Yield a temporary sibling folder; rename it to `final` only if the block succeeds."""
    final = Path(final)
    if final.exists() and not overwrite:
        raise OutputExistsError([Problem(str(final), None, "", "a new output folder (or "
                                         "--overwrite to replace it)", "it already exists")])
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".{final.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        yield tmp
        if final.exists():
            old = final.parent / f".{final.name}.old-{uuid.uuid4().hex[:8]}"
            final.rename(old)
            tmp.rename(final)
            shutil.rmtree(old)
        else:
            tmp.rename(final)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


def _long(scenario: str, ids: list[str], years: np.ndarray, metric: str, unit: str,
          q: dict[str, np.ndarray]) -> pd.DataFrame:
    """Rows of one metric: `q` holds (row, year) arrays of mean, p10, p50, p90."""
    import pandas as pd

    return pd.DataFrame({
        "scenario": scenario, "cluster": np.repeat(ids, len(years)),
        "year": np.tile(years, len(ids)), "metric": metric, "unit": unit,
        **{s: q[s].ravel() for s in STATS},
    })


def timeseries_frame(run: Run) -> pd.DataFrame:
    """Long table: scenario, cluster, year, metric, unit, mean, p10, p50, p90.

    `cluster` is a cluster id, `ALL` for the district, or `commune:<id>` for the labour
    catchment of a (pre-2025) commune."""
    import pandas as pd

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


def _finance_stats(values: np.ndarray) -> dict[str, float | None]:
    """mean, p10, p50, p90 over the draws where the value exists, and that share."""
    ok = ~np.isnan(values)
    if not ok.any():
        return {"share_of_draws": 0.0}
    q = np.quantile(values[ok], (0.1, 0.5, 0.9))
    return {"mean": round(float(values[ok].mean()), 4), "p10": round(float(q[0]), 4),
            "p50": round(float(q[1]), 4), "p90": round(float(q[2]), 4),
            "share_of_draws": round(float(ok.mean()), 4)}


def summary(run: Run) -> dict[str, Any]:
    """Provenance and the district's key indicators at the milestone years."""
    s, r = run.loaded.scenario, run.results
    years = milestone_years(s.base_year, s.horizon_year)
    return {
        "scenario": s.id, "title": s.title, "tool_version": __version__,
        "seed": run.seed, "draws": run.draws, "scenario_sha256": run.loaded.sha256,
        "scenario_files": [Path(p).name for p in run.loaded.chain],
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "base_year": s.base_year, "horizon_year": s.horizon_year, "milestone_years": years,
        "takeup": s.district.takeup,
        "indicators": {
            m: {"unit": r.units[m], "years": {str(y): _rounded(r.district_at(m, y)) for y in years}}
            for m in r.district
        },
        "developer": {
            "irr": _finance_stats(r.irr[:, -1]),
            "payback_year": _finance_stats(r.payback[:, -1]),
            "by_cluster": {c: {"irr": _finance_stats(r.irr[:, k]),
                               "payback_year": _finance_stats(r.payback[:, k])}
                           for k, c in enumerate(r.cluster_ids)},
        },
        "targets": targets(run),
        "warnings": list(run.geometries.warnings),
    }


def targets(run: Run) -> list[dict[str, Any]]:
    """Each target of the scenario with the probability of meeting it."""
    out = []
    for t in run.loaded.scenario.targets:
        p = run.results.probability(t.metric, t.year, at_least=t.at_least, at_most=t.at_most,
                                    cluster=t.cluster)
        bound = f"≥ {t.at_least:,g}" if t.at_least is not None else f"≤ {t.at_most:,g}"
        label = t.label or f"{t.metric} {bound} in {t.year}" + (f" ({t.cluster})" if t.cluster else "")
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
    for m in r.metrics:
        for stat in ("mean", "p10", "p90"):
            g[f"{m}_{stat}" if stat != "mean" else m] = r.clusters_at(m, s.horizon_year, stat)
    g["developer_irr_p50"] = [_finance_stats(r.irr[:, k]).get("p50") for k in range(len(s.clusters))]
    g["payback_year_p50"] = [_finance_stats(r.payback[:, k]).get("p50") for k in range(len(s.clusters))]
    return g


def _commune_table(run: Run, clusters: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
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


def sensitivity_for_report(run: Run, metric: str, year: int | None, *, method: Method = "morris",
                           n: int | None = None, lang: str = "vi") -> Any:
    """A sensitivity ranking of `metric` in `year` (default: the horizon) with its tornado
    chart and sentence (a `report.Sensitivity`)."""
    from simulator.report import Sensitivity
    from simulator.sensitivity import plain_summary, sensitivity, tornado_svg

    s = run.loaded.scenario
    year = s.horizon_year if year is None else year
    df = sensitivity(run.inputs, metric=metric, year=year, method=method, n=n, seed=run.seed,
                     names={c.id: c.name for c in s.clusters})
    title = f"{s.title}: {metric} {year}"
    return Sensitivity(ranking=df, svg=tornado_svg(df, title=title, lang=lang),
                       sentence=plain_summary(df, metric, year))


def write_outputs(run: Run, out_root: Path, *, overwrite: bool, maps_dir: Path | None = None,
                  lang: str = "vi", sensitivity: Any = None) -> Path:
    """Write results/<id>/ atomically: summary.json, timeseries.csv, clusters.gpkg,
    checks.json, map.html, report.html (with `sensitivity`, a `report.Sensitivity`, and then
    sensitivity.csv); also copy the map and report to `maps_dir` if given."""
    from simulator.geodata import fixed_gpkg_date
    from simulator.rules import check_all
    from simulator.rules_gates import gate_openings
    from simulator.rules_report import checks_json
    from simulator.views import render_pages

    final: Path = Path(out_root) / run.loaded.scenario.id
    clusters = cluster_table(run)
    findings, gates = check_all(run), gate_openings(run)
    pages = render_pages(run, clusters, findings=findings, gates=gates, lang=lang,
                         sensitivity=sensitivity)
    with atomic_folder(final, overwrite=overwrite) as tmp:
        timeseries_frame(run).to_csv(tmp / "timeseries.csv", index=False, float_format="%.6f",
                                     lineterminator="\n")
        (tmp / "summary.json").write_text(json.dumps(summary(run), indent=2, ensure_ascii=False)
                                          + "\n", encoding="utf-8")
        (tmp / "checks.json").write_text(json.dumps(checks_json(findings, gates), indent=1,
                                                    ensure_ascii=False) + "\n", encoding="utf-8")
        with fixed_gpkg_date():  # the same run gives the same bytes
            clusters.to_file(tmp / "clusters.gpkg", layer="clusters", driver="GPKG")
            _commune_table(run, clusters).to_file(tmp / "clusters.gpkg", layer="communes",
                                                  driver="GPKG")
        for name, html in pages.items():
            (tmp / name).write_text(html, encoding="utf-8")
        if sensitivity is not None:
            from simulator.sensitivity import write_sensitivity_csv

            write_sensitivity_csv(sensitivity.ranking, tmp / "sensitivity.csv")
    if maps_dir is not None:
        Path(maps_dir).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(final / "map.html", Path(maps_dir) / f"{run.loaded.scenario.id}.html")
        shutil.copyfile(final / "report.html", Path(maps_dir) / f"{run.loaded.scenario.id}-report.html")
    return final
