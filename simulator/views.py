"""Results → what the renderers show (MapView, ComparisonView, report data). Renderers compute
nothing; this module picks and labels the numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator import __version__
from simulator.results import METRICS

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from simulator.maps.view import MapView
    from simulator.run import Run

__all__ = ["map_view", "render_pages", "render_comparison_page", "POPUP_METRICS"]

POPUP_METRICS = ("gross_area_ha", "leased_area_ha", "occupancy_pct", "jobs", "firms",
                 "in_commuters", "budget_revenue_bn_vnd", "npv_bn_vnd")
_LABELS = {
    "gross_area_ha": "Gross area", "leased_area_ha": "Leased area", "occupancy_pct": "Occupancy",
    "jobs": "Jobs", "firms": "Firms", "in_commuters": "Workers from outside the district",
    "budget_revenue_bn_vnd": "Budget revenue", "npv_bn_vnd": "Developer NPV",
}


def map_view(run: Run, clusters: gpd.GeoDataFrame | None = None) -> MapView:
    """What the scenario map shows: the bundled layers plus clusters at the horizon year."""
    from simulator.geodata import load_layer
    from simulator.maps.view import Indicator, MapView
    from simulator.outputs import cluster_table

    s = run.loaded.scenario
    clusters = cluster_table(run) if clusters is None else clusters
    return MapView(
        scenario_id=s.id, title=s.title, description=s.description, year=s.horizon_year,
        provenance={"version": __version__, "seed": run.seed, "draws": run.draws,
                    "scenario_sha256": run.loaded.sha256},
        clusters=clusters,
        indicators=tuple(Indicator(m, _LABELS[m], METRICS[m], 1 if m.endswith("_ha") else 0)
                         for m in POPUP_METRICS),
        communes=load_layer("communes"), district=load_layer("district"),
        roads=load_layer("roads"), water=load_layer("water"),
        notes=("Geometry is approximate (schematic): positions from commune centroids and "
               "name-derived guesses, see geodata/README.md.", *run.geometries.warnings),
    )




def render_pages(run: Run, clusters: gpd.GeoDataFrame, *, findings: list[Any] | None = None,
                 gates: Any = None, lang: str = "vi") -> dict[str, str]:
    """The scenario's HTML pages by file name (map.html, report.html)."""
    from simulator.maps import render_scenario_map

    return {"map.html": render_scenario_map(map_view(run, clusters))}


def render_comparison_page(runs: list[Run], table: pd.DataFrame, *, lang: str = "vi") -> str:
    """comparison.html for scenarios run with common random numbers."""
    from simulator.maps import render_comparison
    from simulator.maps.view import ComparisonView

    return render_comparison(ComparisonView(tuple(map_view(r) for r in runs), table))
