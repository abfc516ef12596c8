"""Writers: every output folder written to a temporary sibling, then renamed (atomic).

results/<scenario-id>/: summary.json · timeseries.csv · clusters.gpkg · checks.json · map.html ·
report.html (docs/outputs.md); a comparison folder: comparison.csv · comparison.html.
The numbers come from `tables`, the checks from `rules.engine` and `gating`, the pages from the
renderers in `maps`; this module only assembles and writes them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd

from simulator.appraisal import decision_clusters, price_response
from simulator.errors import OutputExistsError, Problem
from simulator.gating import GateOpening, gate_openings
from simulator.geodata import fixed_gpkg_date
from simulator.map_content import comparison_view, map_view
from simulator.maps.comparison_page import render_comparison
from simulator.maps.report_page import render_report_page
from simulator.maps.scenario_map import render_scenario_map
from simulator.maps.static_map import static_map_svg
from simulator.report_content import report_view
from simulator.rules.check_table import checks_json
from simulator.rules.engine import check_all
from simulator.rules.findings import Finding
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

__all__ = ["atomic_folder", "folder_problems", "render_pages", "write_outputs", "comparison_name",
           "write_comparison"]


def _exists_error(final: Path) -> OutputExistsError:
    return OutputExistsError([Problem(str(final), None, "", "a new output folder (or "
                                      "--overwrite to replace it)", "it already exists")])


def folder_problems(folder: Path | None, flag: str, *, new: bool = False,
                    overwrite: bool = True) -> list[Problem]:
    """Why `folder` could not be written, checked before any computing: it is a file, it
    exists (`new` without `overwrite`), or the nearest existing folder above it is read-only."""
    if folder is None:
        return []
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        return [Problem(flag, None, "", "a folder", f"{folder} is a file")]
    if new and folder.exists() and not overwrite:
        return list(_exists_error(folder).problems)
    nearest = folder.absolute()
    while not nearest.exists():
        nearest = nearest.parent
    if not nearest.is_dir():
        return [Problem(flag, None, "", "a folder that can be created", f"{nearest} is a file")]
    if not os.access(nearest, os.W_OK | os.X_OK):
        return [Problem(flag, None, "", "a folder you may write to", f"{nearest} is read-only")]
    return []


@contextmanager
def atomic_folder(final: Path, *, overwrite: bool) -> Iterator[Path]:
    """Yield a temporary sibling folder; rename it to `final` only if the block succeeds.

    Without `overwrite` the rename itself is the check: renaming onto a folder that holds
    anything fails, so of two runs racing to one new folder the second gets "it already
    exists" rather than silently replacing the first. With `overwrite`, an existing folder is
    moved aside first (and retried if another run got there in between), then removed."""
    final = Path(final)
    if final.exists() and not overwrite:
        raise _exists_error(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".{final.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        yield tmp
        _publish(tmp, final, overwrite)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


def _publish(tmp: Path, final: Path, overwrite: bool, attempts: int = 5) -> None:
    for _ in range(attempts):
        try:
            os.rename(tmp, final)  # onto a non-empty folder: ENOTEMPTY / EEXIST
            return
        except OSError as e:
            if e.errno not in (errno.ENOTEMPTY, errno.EEXIST) or not overwrite:
                if e.errno in (errno.ENOTEMPTY, errno.EEXIST):
                    raise _exists_error(final) from None
                raise
        old = final.parent / f".{final.name}.old-{uuid.uuid4().hex[:8]}"
        with contextlib.suppress(FileNotFoundError):  # another run may have moved it already
            final.rename(old)
            shutil.rmtree(old)
    raise _exists_error(final)


def render_pages(run: Run, clusters: gpd.GeoDataFrame, *, findings: list[Finding] | None = None,
                 gates: list[GateOpening] | None = None, lang: str = "vi",
                 sensitivity: Sensitivity | None = None,
                 price_response: list[dict[str, Any]] | None = None) -> dict[str, str]:
    """The scenario's HTML pages by file name (map.html, report.html). `sensitivity` is an
    optional `sensitivity.Sensitivity` (tornado SVG, plain sentence, ranking);
    `price_response` the rows of `appraisal.price_response`."""
    view = map_view(run, clusters, findings=findings, lang=lang)
    report = report_view(run, findings=findings, gates=gates, lang=lang, sensitivity=sensitivity,
                         price_response=price_response)
    report = dataclasses.replace(report, map_svg=str(static_map_svg(view)))
    return {"map.html": render_scenario_map(view), "report.html": render_report_page(report)}


def write_outputs(run: Run, out_root: Path, *, overwrite: bool, maps_dir: Path | None = None,
                  lang: str = "vi", sensitivity: Sensitivity | None = None) -> Path:
    """Write results/<id>/ atomically: summary.json, timeseries.csv, clusters.gpkg,
    checks.json, map.html, report.html (with `sensitivity`, a `sensitivity.Sensitivity`, and then
    sensitivity.csv); also copy the map and report to `maps_dir` if given."""
    final: Path = Path(out_root) / run.loaded.scenario.id
    clusters = cluster_table(run)
    findings = check_all(run)
    gates = gate_openings(run.loaded.scenario, run.results)
    response = price_response(run, decision_clusters(run))  # re-runs the model: once, here
    pages = render_pages(run, clusters, findings=findings, gates=gates, lang=lang,
                         sensitivity=sensitivity, price_response=response)
    with atomic_folder(final, overwrite=overwrite) as tmp:
        write_frame(timeseries_frame(run), tmp / "timeseries.csv", float_format="%.6f")
        (tmp / "summary.json").write_text(json.dumps(summary(run, response), indent=2, ensure_ascii=False)
                                          + "\n", encoding="utf-8")
        (tmp / "checks.json").write_text(json.dumps(checks_json(findings, gates), indent=1,
                                                    ensure_ascii=False) + "\n", encoding="utf-8")
        with fixed_gpkg_date():  # the same run gives the same bytes
            clusters.to_file(tmp / "clusters.gpkg", layer="clusters", driver="GPKG")
            commune_table(run, clusters).to_file(tmp / "clusters.gpkg", layer="communes",
                                                  driver="GPKG")
        for name, html in pages.items():
            (tmp / name).write_text(html, encoding="utf-8")
        if sensitivity is not None:
            sensitivity.write_csv(tmp / "sensitivity.csv")
    if maps_dir is not None:
        Path(maps_dir).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(final / "map.html", Path(maps_dir) / f"{run.loaded.scenario.id}.html")
        shutil.copyfile(final / "report.html", Path(maps_dir) / f"{run.loaded.scenario.id}-report.html")
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
        Path(maps_dir).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out / "comparison.html", Path(maps_dir) / f"{comparison_name(runs)}.html")
    return out
