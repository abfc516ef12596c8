"""What a renderer is given: plain, already-computed data. Renderers compute nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["Indicator", "MapView", "ComparisonView"]


@dataclass(frozen=True)
class Indicator:
    """One number shown in a popup or table: a column of `MapView.clusters`."""

    column: str  # e.g. "jobs"
    label: str  # e.g. "Jobs"
    unit: str  # e.g. "workers", "ha", "%", "bn VND"
    digits: int = 0


@dataclass(frozen=True)
class MapView:
    """Everything the scenario map shows. All GeoDataFrames are in EPSG:4326.

    clusters: one row per cluster with columns
        id, name, status ("operating" | "under_construction" | "approved" | "proposed"),
        kind ("craft_village" | "general"), commune, accuracy ("surveyed" | "digitised" |
        "schematic"), declared_area_ha, and one column per entry of `indicators`
        (values at `year`).
    communes: id, name, population_2019, accuracy, ... (polygons).
    district: the outline (one polygon).
    roads / water: lines or polygons with id, name, kind, accuracy (may be empty).
    """

    scenario_id: str
    title: str
    description: str
    year: int
    provenance: dict[str, Any]  # version, seed, draws, scenario_sha256, created_utc
    clusters: gpd.GeoDataFrame
    indicators: tuple[Indicator, ...]
    communes: gpd.GeoDataFrame
    district: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame | None = None
    water: gpd.GeoDataFrame | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)  # data-source / approximation notes


@dataclass(frozen=True)
class ComparisonView:
    """Side-by-side maps plus the indicator table.

    table: columns indicator, unit, year, then one column per scenario id, then
    `diff_<id>` columns (difference to the first scenario).
    """

    views: tuple[MapView, ...]
    table: pd.DataFrame
