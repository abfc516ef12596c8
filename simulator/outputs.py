"""Writers: every output folder written to a temporary sibling, then renamed (atomic).

results/<scenario-id>/: summary.json · timeseries.csv · clusters.gpkg · checks.json · map.html ·
report.html (docs/outputs.md); a comparison folder: comparison.csv · comparison.html.
The numbers come from `tables`, the checks from `rules.engine` and `gating`, the pages from the
renderers in `maps`; this module only assembles and writes them.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd

from simulator.appraisal import PriceRows
from simulator.folders import atomic_folder, copy_into
from simulator.gating import GateOpening, gate_openings
from simulator.geodata import fixed_gpkg_date
from simulator.map_content import comparison_view, map_view, warm_projection
from simulator.maps.comparison_page import render_comparison
from simulator.maps.report_page import render_report_page
from simulator.maps.scenario_map import render_scenario_map
from simulator.maps.static_map import static_map_svg
from simulator.report_content import report_view
from simulator.rules.check_table import checks_json
from simulator.rules.book import rule_table
from simulator.rules.engine import check_all
from simulator.rules.findings import Finding
from simulator.post_run import PostRun, post_run
from simulator.run import Run
from simulator.safe_csv import write_frame
from simulator.tables import (
    cluster_table,
    commune_table,
    comparison_table,
    summary,
    timeseries_frame,
)

if TYPE_CHECKING:  # the type only: sensitivity imports SALib and scipy.stats (half a second)
    from simulator.sensitivity import Sensitivity

__all__ = ["render_pages", "write_outputs", "comparison_name",
           "write_comparison", "warm_caches"]


def warm_caches() -> None:
    """Fill, on the calling thread, the caches of what the writers read that no run changes:
    the rule book (rules.yaml parsed, ~15 ms) and the projection back from the metric CRS
    (`map_content.warm_projection`, ~25 ms: pyproj's transformers are per thread, so this
    must run on the thread that writes). `clustersim run` calls it on the main thread while
    the model's chunks run (`cli._Prefetch.warm`), where that thread only waits."""
    rule_table()
    warm_projection()


def render_pages(run: Run, clusters: gpd.GeoDataFrame, *, findings: list[Finding] | None = None,
                 gates: list[GateOpening] | None = None, lang: str = "vi",
                 sensitivity: Sensitivity | None = None,
                 price_response: PriceRows = None) -> dict[str, str]:
    """The scenario's HTML pages by file name (map.html, report.html). `sensitivity` is an
    optional `sensitivity.Sensitivity` (tornado SVG, plain sentence, ranking);
    `price_response` the rows of `appraisal.price_response`, or what gives them
    (`PostRun.price_response`, asked for once the map, its static copy and the rest of the
    report are done: `appraisal.PriceRows`)."""
    view = map_view(run, clusters, findings=findings, lang=lang)
    pages = {"map.html": render_scenario_map(view)}
    svg = str(static_map_svg(view))
    report = report_view(run, findings=findings, gates=gates, lang=lang, sensitivity=sensitivity,
                         price_response=price_response)
    return {**pages, "report.html": render_report_page(dataclasses.replace(report, map_svg=svg))}


def write_outputs(run: Run, out_root: Path, *, overwrite: bool, maps_dir: Path | None = None,
                  lang: str = "vi", sensitivity: Sensitivity | None = None,
                  post: PostRun | None = None) -> Path:
    """Write results/<id>/ atomically: summary.json, timeseries.csv, clusters.gpkg,
    checks.json, map.html, report.html (with `sensitivity`, a `sensitivity.Sensitivity`, and then
    sensitivity.csv); also copy the map and report to `maps_dir` if given. `post`: the run's
    post-run stage (`post_run.post_run`, which `clustersim run --sensitivity` starts before the
    sensitivity), else started here once every band and the IRR are computed
    (`Results.every_band`, on every core: the re-runs would only share the cores, and the
    writers then wait for no band); the files that do not show the price response are written
    while its re-runs go on, the report and summary.json asking for it last."""
    final: Path = Path(out_root) / run.loaded.scenario.id
    run.results.every_band()  # first: every band and the IRR, on every core
    post = post_run(run) if post is None else post  # then the re-runs, beside the writers
    clusters = cluster_table(run)
    findings = check_all(run)
    gates = gate_openings(run.loaded.scenario, run.results)
    with atomic_folder(final, overwrite=overwrite) as tmp:
        write_frame(timeseries_frame(run), tmp / "timeseries.csv", float_format="%.6f")
        (tmp / "checks.json").write_text(json.dumps(checks_json(findings, gates), indent=1,
                                                    ensure_ascii=False) + "\n", encoding="utf-8")
        with fixed_gpkg_date():  # the same run gives the same bytes
            clusters.to_file(tmp / "clusters.gpkg", layer="clusters", driver="GPKG")
            commune_table(run, clusters).to_file(tmp / "clusters.gpkg", layer="communes",
                                                  driver="GPKG")
        pages = render_pages(run, clusters, findings=findings, gates=gates, lang=lang,
                             sensitivity=sensitivity, price_response=post.price_response)
        for name, html in pages.items():
            (tmp / name).write_text(html, encoding="utf-8")
        (tmp / "summary.json").write_text(json.dumps(summary(run, post.price_response), indent=2,
                                                     ensure_ascii=False) + "\n", encoding="utf-8")
        if sensitivity is not None:
            sensitivity.write_csv(tmp / "sensitivity.csv")
    if maps_dir is not None:
        sid = run.loaded.scenario.id
        copy_into(Path(maps_dir), {f"{sid}.html": final / "map.html",
                                   f"{sid}-report.html": final / "report.html"})
    return final


def comparison_name(runs: list[Run]) -> str:
    return "-vs-".join(r.results.scenario_id for r in runs)


def write_comparison(runs: list[Run], out: Path, *, overwrite: bool,
                     maps_dir: Path | None = None, lang: str = "vi") -> Path:
    """comparison.csv and comparison.html into `out`, atomically."""
    table = comparison_table(runs)
    findings = [check_all(r) for r in runs]
    html = render_comparison(comparison_view(runs, table, findings, lang=lang))
    with atomic_folder(out, overwrite=overwrite) as tmp:
        write_frame(table, tmp / "comparison.csv", float_format="%.6f")
        (tmp / "comparison.html").write_text(html, encoding="utf-8")
    if maps_dir is not None:
        copy_into(Path(maps_dir), {f"{comparison_name(runs)}.html": out / "comparison.html"})
    return out
