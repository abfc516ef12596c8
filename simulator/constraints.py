"""Spatial constraints shared by the rule engine and the site finder, in the metric CRS.

`Layers` holds the district layers in EPSG:4326 (the bundled GeoPackage or synthetic ones in
tests); `build_constraints` turns them into shapely geometries in EPSG:5897 with the widths of
rules.yaml applied; one small function per spatial rule returns a message when a polygon
breaks it, None when it passes. The rule engine and the site finder call the same functions,
so a proposed site passes exactly the checks `clustersim check` runs.

There is no residential layer: residential land is approximated by a disc around each commune
centre whose area is the commune's 2019 population times `residential_m2_per_person`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from simulator.geodata import LAYERS, METRIC_CRS, load_layer
from simulator.words.findings import Msg, msg

__all__ = [
    "Layers", "Constraints", "load_layers", "build_constraints", "residential_areas",
    "SPATIAL_CHECKS", "hazard_buffer_m", "outside_district", "on_river", "in_dike_corridor",
    "near_residential", "in_transport_corridor", "overlapping",
]

TRANSPORT_KINDS = ("expressway", "national", "railway")


@dataclass(frozen=True)
class Layers:
    """District layers in EPSG:4326; every one but `district` may be missing (None)."""

    district: gpd.GeoDataFrame
    communes: gpd.GeoDataFrame | None = None  # id, population_2019 (centroid_lat/lon optional)
    roads: gpd.GeoDataFrame | None = None  # kind: expressway/national/railway/…/interchange
    water: gpd.GeoDataFrame | None = None  # kind: river/floodplain (polygons or a centreline)/dike
    clusters: gpd.GeoDataFrame | None = None  # other existing and planned outlines (site finder)


def load_layers(source: dict[str, gpd.GeoDataFrame] | None = None) -> Layers:
    """The district layers — a run's (`run.layers`, which may hold the planner's files) or the
    bundled ones (raises GeodataError when the GeoPackage is missing); the `points` layer
    (interchanges) is added to `roads`."""
    get = source.__getitem__ if source else load_layer
    roads = get("roads")
    if "points" in LAYERS:
        roads = pd.concat([roads, get("points")], ignore_index=True)
    return Layers(get("district"), get("communes"), roads, get("water"), get("clusters"))


@dataclass(frozen=True)
class Constraints:
    """Geometries in EPSG:5897 (metres); None when the layer is missing."""

    district: Any
    river: Any
    dike: Any
    residential: Any
    transport: dict[str, Any]
    interchanges: Any
    national: Any


def _of_kind(frame: gpd.GeoDataFrame | None, kinds: tuple[str, ...]) -> Any:
    if frame is None or "kind" not in frame.columns:
        return None
    rows = frame[frame["kind"].isin(kinds)]
    if rows.empty:
        return None
    return shapely.union_all(rows.geometry.to_crs(METRIC_CRS).values)


def residential_areas(communes: gpd.GeoDataFrame, m2_per_person: float) -> gpd.GeoSeries:
    """A disc of area population × m2_per_person at each commune centre (EPSG:5897)."""
    if {"centroid_lat", "centroid_lon"} <= set(communes.columns):
        points = gpd.points_from_xy(communes["centroid_lon"], communes["centroid_lat"])
        centres = gpd.GeoSeries(points, crs="EPSG:4326").to_crs(METRIC_CRS)
    else:
        centres = communes.geometry.to_crs(METRIC_CRS).centroid
    people = communes["population_2019"].to_numpy(float)
    radius = np.sqrt(np.nan_to_num(people) * m2_per_person / math.pi)
    return centres.buffer(radius, quad_segs=16)


def _river(water: gpd.GeoDataFrame | None, half_width_m: float) -> Any:
    river = _of_kind(water, ("river", "floodplain"))
    if river is None:
        return None
    parts = shapely.get_parts(river)
    areal = [p for p in parts if p.geom_type.endswith("Polygon")]
    linear = [p.buffer(half_width_m) for p in parts if not p.geom_type.endswith("Polygon")]
    return shapely.union_all(areal + linear)


def build_constraints(layers: Layers, thresholds: dict[str, dict[str, float]]) -> Constraints:
    """Metric geometries for the spatial rules, with rules.yaml (or overridden) widths."""
    res = None
    if layers.communes is not None and "population_2019" in layers.communes.columns:
        m2 = thresholds["sanitation_buffer"]["residential_m2_per_person"]
        res = shapely.union_all(residential_areas(layers.communes, m2).values)
    return Constraints(
        district=shapely.union_all(layers.district.geometry.to_crs(METRIC_CRS).values),
        river=_river(layers.water, thresholds["river"]["river_half_width_m"]),
        dike=_of_kind(layers.water, ("dike",)),
        residential=res,
        transport={k: _of_kind(layers.roads, (k,)) for k in TRANSPORT_KINDS},
        interchanges=_of_kind(layers.roads, ("interchange",)),
        national=_of_kind(layers.roads, ("national",)),
    )


def hazard_buffer_m(kind: str, hazard_class: int | None, t: dict[str, float]) -> tuple[int, float]:
    """(class, buffer in m) for a cluster: its own class if given, else the default of its kind."""
    cls = int(hazard_class if hazard_class is not None else t[f"class_{kind}"])
    return cls, float(t[f"buffer_class_{cls}_m"])


# Each check: (polygon in EPSG:5897, Constraints, thresholds of its rule, **extra)
# → a message (key and parameters, simulator.words.findings) when the polygon breaks the rule, None when it passes.

def outside_district(g: Any, c: Constraints, t: dict[str, float]) -> Msg | None:
    out = g.difference(c.district).area / 1e4
    if out > t["tolerance_ha"]:
        return msg("inside_district", area=out)
    return None


def on_river(g: Any, c: Constraints, t: dict[str, float]) -> Msg | None:
    if c.river is None:
        return None
    wet = g.intersection(c.river).area / 1e4
    if wet > 0.01:
        return msg("river", area=wet)
    return None


def in_dike_corridor(g: Any, c: Constraints, t: dict[str, float]) -> Msg | None:
    if c.dike is None:
        return None
    need = t["corridor_m"] + t["half_base_m"]
    d = g.distance(c.dike)
    if d < need:
        return msg("dike_corridor", distance=d, need=need, corridor=t["corridor_m"],
                   half=t["half_base_m"])
    return None


def near_residential(g: Any, c: Constraints, t: dict[str, float], *, kind: str = "general",
                     hazard_class: int | None = None) -> Msg | None:
    if c.residential is None:
        return None
    cls, need = hazard_buffer_m(kind, hazard_class, t)
    d = g.distance(c.residential)
    if d < need:
        key = "sanitation_buffer.overlaps" if d <= 0 else "sanitation_buffer"
        return msg(key, distance=d, cls=cls, need=need)
    return None


def in_transport_corridor(g: Any, c: Constraints, t: dict[str, float]) -> Msg | None:
    hits = []
    for kind, lines in c.transport.items():
        if lines is not None and g.distance(lines) < t[f"{kind}_m"]:
            hits.append(msg("transport_corridor.hit", kind=msg(f"road.{kind}"),
                            distance=g.distance(lines), need=t[f"{kind}_m"]))
    return msg("transport_corridor", hits=hits) if hits else None


def overlapping(g: Any, others: list[tuple[str, Any]], t: dict[str, float]) -> Msg | None:
    hits = [(name, g.intersection(o).area / 1e4) for name, o in others]
    hits = [(n, a) for n, a in hits if a > t["tolerance_ha"]]
    if hits:
        return msg("overlap", hits=[msg("overlap.hit", id=n, area=a) for n, a in hits])
    return None


# rule id → check, for the layer-based rules (overlap needs the other outlines instead)
SPATIAL_CHECKS = {
    "inside_district": outside_district,
    "river": on_river,
    "dike_corridor": in_dike_corridor,
    "sanitation_buffer": near_residential,
    "transport_corridor": in_transport_corridor,
}
