"""Run → what the map and comparison pages show (MapView, ComparisonView; the report's is
built in report_content.py). Renderers compute nothing; this module picks and labels the
numbers (computed in `tables`) and the findings it is handed.

Summaries over draws are taken per feature and year (mean, P10, P50, P90); differences
between scenarios are paired draw by draw (the runs share seed and draws: common random
numbers). Geometry is simplified in EPSG:5897 with topology kept before it reaches a page.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypedDict

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from simulator import __version__
from simulator.constraints import SPATIAL_CHECKS
from simulator.geodata import METRIC_CRS, STORAGE_CRS
from simulator.geodata import load_layer as bundled
from simulator.headline import (
    comparison_cards,
    comparison_verdict,
    scenario_cards,
    scenario_verdict,
    verdict_rows,
)
from simulator.maps.formatting import fmt_number
from simulator.words.pages import check_lang, metric_label, unit_label, words
from simulator.maps.view import (
    Badge,
    ComparisonView,
    Indicator,
    MapView,
    Timeline,
    Variable,
)
from simulator.report_content import REPORT_METRICS, payback_stats
from simulator.rules.book import rule_table
from simulator.rules.findings import Finding
from simulator.run import Run
from simulator.scenario.wording import local, local_lang
from simulator.tables import (
    bands, cluster_draws, cluster_table, commune_bands, commune_draws, paired_diff, simulated_years_in_common,
    targets,
)

__all__ = ["map_view", "comparison_view", "difference_view", "POPUP_METRICS", "FAN_METRICS",
           "COMMUNE_CHOICES", "CLASS_STEPS", "DIFF_CLASS_STEPS", "simplified"]

POPUP_METRICS = ("gross_area_ha", "leased_area_ha", "occupancy_pct", "jobs", "firms",
                 "in_commuters", "budget_revenue_bn_vnd", "npv_bn_vnd", "public_npv_bn_vnd",
                 "households_npv_bn_vnd", "workers_npv_bn_vnd")
FAN_METRICS = ("jobs", "occupancy_pct")
DIFF_METRICS = ("gross_area_ha", "leased_area_ha", "jobs", "firms", "farmland_converted_ha",
                "budget_revenue_bn_vnd")
# commune choropleth choices: key → ColorBrewer scheme (the first is shown at first)
COMMUNE_CHOICES = {"workers_supplied": "Greens", "jobs_reachable": "Blues",
                   "labour_balance": "Oranges", "farmland_in_commune": "YlOrBr"}
# The colour classes of every mapped quantity, declared once so that one colour means the same
# number on every map of every run, comparison and optimisation, whichever scenarios are shown
# together: the width of the 5 classes of a scenario map (CLASS_STEPS) and of the 3 classes
# each side of zero of a difference map B − A (DIFF_CLASS_STEPS), the last class open
# ("≥ 2.000"). Round widths chosen so the bundled scenarios (2023–2045, P50 per commune or
# cluster) spread over the classes: workers supplied ≤ 1,670, jobs reachable ≤ 9,600, labour
# balance 15–1,300, farmland ≤ 62 ha; differences ≤ 4,240 cluster jobs, 1,190 workers supplied,
# 6,820 jobs reachable, −1,190 labour balance, 62 ha. The cluster occupancy is a share: its
# classes are always 0–100 % in steps of 20 (maps.page.map_classes).
CLASS_STEPS: dict[str, float] = {"workers_supplied": 500.0, "jobs_reachable": 2000.0,
                                 "labour_balance": 300.0, "farmland_in_commune": 20.0}
DIFF_CLASS_STEPS: dict[str, float] = {"jobs": 2000.0, "workers_supplied": 500.0,
                                      "jobs_reachable": 2500.0, "labour_balance": 500.0,
                                      "farmland_in_commune": 20.0}
SIMPLIFY_M = {"communes": 10.0, "water": 15.0, "roads": 10.0, "clusters": 2.0}


def _map_digits(metric: str) -> int:
    """Decimals of a metric on the maps: one for areas (report: `report_content._report_digits`)."""
    return 1 if metric.endswith("_ha") else 0


def simplified(gdf: gpd.GeoDataFrame | None, tolerance_m: float, *, coverage: bool = False,
               ) -> gpd.GeoDataFrame | None:
    """`gdf` simplified in EPSG:5897 and returned in EPSG:4326. A coverage (communes) keeps
    its shared edges identical (shapely.coverage_simplify); other layers keep each feature
    valid (Douglas–Peucker with preserve_topology)."""
    if gdf is None or len(gdf) == 0:
        return gdf
    projected = gdf.to_crs(METRIC_CRS)
    geoms = np.asarray(projected.geometry.values)
    if coverage:
        new = shapely.coverage_simplify(geoms, tolerance_m)
    else:
        new = shapely.simplify(geoms, tolerance_m, preserve_topology=True)
    return projected.set_geometry(list(new), crs=METRIC_CRS).to_crs("EPSG:4326")


def warm_projection() -> None:
    """Make, on the calling thread, the projections `simplified` uses (EPSG:4326 → METRIC_CRS
    and back): pyproj makes each transformer once per thread, about 25 ms for the way back,
    which a run (it projects only the other way) has not made yet. A point projected there
    and back; nothing is kept but pyproj's and geopandas' own caches."""
    simplified(gpd.GeoDataFrame(geometry=[shapely.Point(106.0, 21.0)], crs=STORAGE_CRS), 1.0)


class _Basemap(TypedDict):
    """A map's base layers, by MapView's field names."""

    communes: gpd.GeoDataFrame
    district: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame | None
    water: gpd.GeoDataFrame | None


def _basemap(source: dict[str, gpd.GeoDataFrame] | None = None) -> _Basemap:
    """The run's layers (bundled, or the planner's files) simplified; the district outline is
    the union of its communes when they cover it, so outline and communes match exactly."""


    load_layer = source.__getitem__ if source else bundled
    communes: gpd.GeoDataFrame = simplified(load_layer("communes"), SIMPLIFY_M["communes"],
                                            coverage=True)  # a layer in, a layer out
    district = load_layer("district")
    union = shapely.coverage_union_all(np.asarray(communes.to_crs(METRIC_CRS).geometry.values))
    outline = district.to_crs(METRIC_CRS).geometry.iloc[0]
    if union.symmetric_difference(outline).area < 1e-4 * outline.area:
        district = district.set_geometry([union], crs=METRIC_CRS).to_crs(district.crs)
    return {"communes": communes, "district": district,
            "roads": simplified(load_layer("roads"), SIMPLIFY_M["roads"]),
            "water": simplified(load_layer("water"), SIMPLIFY_M["water"])}


def _indicator_labels(run: Run, metrics: tuple[str, ...], lang: str, prefix: str = "",
                ) -> tuple[Indicator, ...]:

    units = run.results.units
    return tuple(Indicator(m, prefix + metric_label(m, lang), unit_label(units[m], lang),
                           _map_digits(m)) for m in metrics)


def _choices(draws: dict[str, np.ndarray] | dict[str, dict[str, np.ndarray]], ids: tuple[str, ...],
             lang: str, *, diverging: bool = False) -> tuple[Variable, ...]:
    """The commune choropleths from per-draw values (draw, commune, year) or their bands."""

    prefix = "Δ " if diverging else ""
    return tuple(Variable(
        key, prefix + metric_label(key, lang), unit_label("ha" if key.startswith("farmland")
                                                          else "workers", lang),
        bands(draws[key], ids), 1 if key.startswith("farmland") else 0,
        "BrBG" if diverging else scheme, diverging,
        (DIFF_CLASS_STEPS if diverging else CLASS_STEPS)[key])
        for key, scheme in COMMUNE_CHOICES.items())


def _map_timeline(run: Run, clusters: gpd.GeoDataFrame, communes: gpd.GeoDataFrame,
              lang: str) -> Timeline:

    r = run.results
    gross = r.stats("metrics", "gross_area_ha")["mean"]
    per_metric = {m: bands(r.stats("metrics", m), r.cluster_ids) for m in POPUP_METRICS}
    fill = Variable("occupancy_pct", words(lang)["cluster_occupancy"], "%",
                    per_metric["occupancy_pct"], 0, "RdPu")
    return Timeline(
        years=tuple(int(y) for y in r.years),
        visible={c: tuple(bool(v > 0) for v in gross[k]) for k, c in enumerate(r.cluster_ids)},
        fill=fill,
        indicators={c: {m: per_metric[m][c] for m in POPUP_METRICS} for c in r.cluster_ids},
        choropleths=_choices(commune_bands(run, clusters, communes, tuple(COMMUNE_CHOICES)),
                             r.commune_ids, lang),
        default_choropleth=next(iter(COMMUNE_CHOICES)), fans=FAN_METRICS)


def _badges(findings: list[Any] | None, ids: tuple[str, ...], lang: str) -> tuple[Badge, ...]:
    """One badge per cluster with a failing or warning rule check."""

    w, rules = words(lang), rule_table()
    by_cluster: dict[str, list[Any]] = {}
    for f in findings or []:
        if f.severity in ("fail", "warn") and f.cluster in ids:
            by_cluster.setdefault(f.cluster, []).append(f)
    out = []
    for cid in ids:
        fs = by_cluster.get(cid, [])
        if fs:
            years = [f.year for f in fs if f.year is not None]
            lines = tuple((f.severity, f"{w[f.severity]}: {rules[f.rule].title.get(lang, f.rule)}"
                                       f" ({rules[f.rule].short}) — {f.text(lang)}") for f in fs)
            severity = "fail" if any(f.severity == "fail" for f in fs) else "warn"
            out.append(Badge(cid, severity, min(years) if years else None, lines))
    return tuple(out)


def _with_payback(run: Run, clusters: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The clusters with `payback_share` (share of draws paying back in the simulated years)
    and `payback_all_p50` (the median over every draw; NaN when most never pay back)."""
    if len(clusters) != run.results.payback.shape[1] - 1:
        return clusters
    stats = [payback_stats(run.results.payback[:, k]) for k in range(len(clusters))]
    out = clusters.copy()
    out["payback_share"] = [s["share"] for s in stats]
    out["payback_all_p50"] = [np.nan if s["p50"] is None else s["p50"] for s in stats]
    return out


# the rules every candidate site passes (`sites.find_sites` checks them as `clustersim check`)
SITE_RULES = ("overlap", *SPATIAL_CHECKS)


def _site_notes(sites: gpd.GeoDataFrame | None, lang: str) -> tuple[str, ...]:
    """What the candidate sites pass, and why better-scoring rectangles were turned down
    (`find_sites`' attrs), in the page's language."""
    if sites is None:
        return ()
    w, rules = words(lang), rule_table()
    notes = [w["sites_pass"].format(rules="; ".join(
        rules[r].title.get(lang, rules[r].title["en"]) for r in SITE_RULES))]
    rejected = sites.attrs.get("rejected") or {}
    if rejected:
        reasons = ", ".join(f"{rules[r].title.get(lang, r)} ({fmt_number(n, 0, lang)})"
                            for r, n in rejected.items())
        notes.append(w["sites_rejected"].format(n=fmt_number(sites.attrs.get("tried", 0), 0,
                                                             lang), reasons=reasons))
    return tuple(notes)


def map_view(run: Run, clusters: gpd.GeoDataFrame | None = None, *,
             findings: list[Any] | None = None, lang: str = "vi",
             sites: gpd.GeoDataFrame | None = None) -> MapView:
    """What the scenario map shows: the bundled layers, the clusters with their per-year
    indicators for the year slider (starting at the horizon), commune choropleths, badges;
    and `sites` (`simulator.sites.find_sites`), when given, as a layer of candidate sites."""

    s, w = run.loaded.scenario, words(check_lang(lang))
    title = local(s.title, lang)
    if sites is not None:  # the page of `clustersim sites`: the sites first, then the scenario
        title = w["sites_title"].format(n=len(sites), area=fmt_number(
            float(sites["area_ha"].median()) if len(sites) else 0, 0, lang),
            scenario=_head(title) or title)
    clusters = cluster_table(run) if clusters is None else clusters
    clusters = simplified(_with_payback(run, clusters), SIMPLIFY_M["clusters"])
    layers = _basemap(getattr(run, "layers", None))
    return MapView(
        scenario_id=s.id, title=title, description=local(s.description, lang),
        title_lang=local_lang(s.title, lang), description_lang=local_lang(s.description, lang),
        year=s.horizon_year,
        provenance={"version": __version__, "seed": run.seed, "draws": run.draws,
                    "scenario_sha256": run.loaded.sha256},
        clusters=clusters, indicators=_indicator_labels(run, POPUP_METRICS, lang), **layers,
        notes=(w["note_schematic"], *_site_notes(sites, lang), *run.geometries.warnings),
        lang=lang,
        timeline=_map_timeline(run, clusters, layers["communes"], lang),
        badges=_badges(findings, run.results.cluster_ids, lang),
        sites=None if sites is None else sites.to_crs("EPSG:4326").assign(
            rules_passed=len(SITE_RULES)),
        cards=scenario_cards(run, findings, targets(run, lang), lang),
        verdict=scenario_verdict(run, findings, lang),
    )


def comparison_view(runs: list[Run], table: pd.DataFrame, findings: list[list[Finding]], *,
                    lang: str = "vi", year: int | None = None,
                    names: tuple[str, str] | None = None) -> ComparisonView:
    """Maps of every scenario (badges from `findings`, one list per run), maps of each B − A,
    district jobs bands, labelled table; the headline cards and verdict compare the first two
    in `year` (default: their last common horizon; the maps open there too), calling them
    `names` (default: their short titles, `short_title`)."""

    views = tuple(map_view(r, lang=lang, findings=f)
                  for r, f in zip(runs, findings, strict=True))
    if year is not None:
        views = tuple(dataclasses.replace(v, year=year) for v in views)
    years = simulated_years_in_common(runs)
    fans = {}
    for r, v in zip(runs, views, strict=True):
        k = np.searchsorted(r.results.years, years)
        fans[v.title] = bands(r.results.district["jobs"][:, None, k], ("ALL",))["ALL"]
    units = runs[0].results.units
    labels = {m: Indicator(m, metric_label(m, lang), unit_label(u, lang), _map_digits(m))
              for m, u in units.items()}
    called = [*(names or ()), *(short_title(v) for v in views[len(names or ()):])]
    diffs = tuple(difference_view(runs[0], r, views[0], v, lang=lang, names=(called[0], name))
                  for r, v, name in zip(runs[1:], views[1:], called[1:], strict=True))
    return ComparisonView(views, _key_rows_first(table), lang, diffs, tuple(years), fans, labels,
                          cards=comparison_cards(runs[0], runs[1], lang, year, called[:2]),
                          verdict=comparison_verdict(runs[0], runs[1], lang, year, called[:2]),
                          verdict_rows=verdict_rows(runs[0], runs[1], lang, year, called[:2]),
                          names=tuple(called))


def short_title(view: MapView) -> str:
    """What a comparison calls a scenario: its title's head before a colon when it has one of
    at most 24 characters ("Mở rộng: thêm 5 cụm …" → "Mở rộng"), else its id."""
    return _head(view.title) or view.scenario_id


def _head(title: str) -> str:
    head, colon, _ = title.partition(":")
    return head.strip() if colon and 0 < len(head.strip()) <= 24 else ""


def _key_rows_first(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison table with the report's key indicators first (then the others)."""

    if "indicator" not in table.columns:
        return table
    rank = {m: k for k, m in enumerate(REPORT_METRICS)}
    order = table["indicator"].map(lambda m: rank.get(m, len(rank)))
    return table.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)


def _union_clusters(a: MapView, b: MapView) -> gpd.GeoDataFrame:
    """B's clusters, then A's clusters that B does not have."""

    cols = ["id", "name", "status", "kind", "commune", "accuracy", "declared_area_ha",
            "geometry"]
    keep_b = b.clusters[[c for c in cols if c in b.clusters.columns]]
    only_a = a.clusters[~a.clusters["id"].isin(keep_b["id"])][list(keep_b.columns)]
    return gpd.GeoDataFrame(pd.concat([keep_b, only_a], ignore_index=True), geometry="geometry",
                            crs=keep_b.crs)


def difference_view(run_a: Run, run_b: Run, view_a: MapView, view_b: MapView, *,
                    lang: str = "vi", names: tuple[str, str] | None = None) -> MapView:
    """A slider map of B − A: clusters of either scenario filled by Δ jobs, communes shaded
    by the Δ of each choice; popups and tooltips give the mean and P10–P90 of the paired
    differences. Its title calls A and B `names` (default: their short titles)."""

    w, years = words(lang), simulated_years_in_common([run_a, run_b])
    clusters = _union_clusters(view_a, view_b)
    ids = tuple(clusters["id"])
    ka, kb = (np.searchsorted(r.results.years, years) for r in (run_a, run_b))
    per_metric = {m: bands(paired_diff(cluster_draws(run_a, m, ids, ka),
                                       cluster_draws(run_b, m, ids, kb)), ids)
                  for m in DIFF_METRICS}
    built = (cluster_draws(run_a, "gross_area_ha", ids, ka).mean(axis=0) > 0) | (
        cluster_draws(run_b, "gross_area_ha", ids, kb).mean(axis=0) > 0)
    da = commune_draws(run_a, view_a.clusters, view_a.communes, tuple(COMMUNE_CHOICES))
    db = commune_draws(run_b, view_b.clusters, view_b.communes, tuple(COMMUNE_CHOICES))
    choices = _choices({k: paired_diff(da[k][:, :, ka], db[k][:, :, kb]) for k in da},
                       run_b.results.commune_ids, lang, diverging=True)
    timeline = Timeline(
        years=tuple(years), visible={c: tuple(map(bool, built[j])) for j, c in enumerate(ids)},
        fill=Variable("jobs", w["cluster_delta_jobs"], unit_label("workers", lang),
                      per_metric["jobs"], 0, "PuOr", True, DIFF_CLASS_STEPS["jobs"]),
        indicators={c: {m: per_metric[m][c] for m in DIFF_METRICS} for c in ids},
        choropleths=choices, default_choropleth=next(iter(COMMUNE_CHOICES)), fans=("jobs",))
    a_id, b_id = run_a.results.scenario_id, run_b.results.scenario_id
    return MapView(
        scenario_id=f"{b_id} − {a_id}",
        title=w["difference"].format(**dict(zip("ab", names or (short_title(view_a),
                                                                   short_title(view_b))))),
        description="", year=min(view_b.year, years[-1]), provenance={}, clusters=clusters,
        indicators=_indicator_labels(run_b, DIFF_METRICS, lang, "Δ "), communes=view_b.communes,
        district=view_b.district, roads=view_b.roads, water=view_b.water, lang=lang,
        timeline=timeline, role="difference")
