"""GeoDataFrames → GeoJSON FeatureCollections whose properties carry style and escaped HTML.

Coordinates are rounded to 6 decimals (~0.1 m), Z is dropped. Nothing is computed about the
scenario; this only changes representation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping

from . import fragments
from .styles import cluster_style, commune_style, district_style, road_styles, water_style
from .view import Indicator

__all__ = ["bounds", "clusters_fc", "communes_fc", "district_fc", "roads_fc", "water_fc"]

_LINES = {"LineString", "MultiLineString"}


def _check_crs(gdf: Any, what: str) -> None:
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        raise ValueError(f"{what}: maps take EPSG:4326, got {gdf.crs.to_string()}")


def _geometries(gdf: Any, what: str) -> list[dict[str, Any] | None]:
    _check_crs(gdf, what)
    geoms = shapely.force_2d(np.asarray(gdf.geometry.values, dtype=object))
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, 6))
    return [None if g is None or g.is_empty else mapping(g) for g in geoms]


def _rows(gdf: Any, what: str) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    if gdf is None or len(gdf) == 0:
        return []
    records = gdf.drop(columns=gdf.geometry.name).to_dict("records")
    return list(zip(records, _geometries(gdf, what), strict=True))


def _feature(geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def _simple(gdf: Any, what: str, make: Callable[[dict, dict], list[dict]]) -> dict[str, Any]:
    """Features for a layer whose rows without geometry are simply not drawn."""
    features: list[dict[str, Any]] = []
    for row, geom in _rows(gdf, what):
        if geom is not None:
            features += make(row, geom)
    return _collection(features)


def district_fc(gdf: Any) -> dict[str, Any]:
    return _simple(gdf, "district", lambda row, g: [_feature(g, style=district_style())])


def communes_fc(gdf: Any) -> dict[str, Any]:
    def make(row: dict, g: dict) -> list[dict]:
        return [_feature(g, style=commune_style(), tooltip=fragments.commune_tooltip(row))]

    return _simple(gdf, "communes", make)


def roads_fc(gdf: Any) -> dict[str, Any]:
    def make(row: dict, g: dict) -> list[dict]:
        return [_feature(g, style=s) for s in road_styles(fragments.text(row.get("kind")))]

    return _simple(gdf, "roads", make)


def water_fc(gdf: Any) -> dict[str, Any]:
    def make(row: dict, g: dict) -> list[dict]:
        style = water_style(fragments.text(row.get("kind")), g["type"] in _LINES)
        return [_feature(g, style=style)]

    return _simple(gdf, "water", make)


def clusters_fc(gdf: Any, indicators: Sequence[Indicator], year: int) -> dict[str, Any]:
    """One feature per cluster; a cluster without geometry is an error, not a silent gap."""
    features = []
    for row, geom in _rows(gdf, "clusters"):
        if geom is None:
            raise ValueError(f"clusters: {row.get('id')!r} has no geometry to draw")
        style = cluster_style(fragments.text(row.get("status")), row.get("accuracy") == "schematic")
        features.append(_feature(
            geom,
            id=fragments.text(row.get("id")),
            style=style,
            tooltip=fragments.cluster_tooltip(row),
            popup=fragments.cluster_popup(row, indicators, year),
        ))
    return _collection(features)


def bounds(*layers: Any) -> list[list[float]]:
    """[[south, west], [north, east]] of the first non-empty layer."""
    for gdf in layers:
        if gdf is not None and len(gdf) and not gdf.geometry.is_empty.all():
            _check_crs(gdf, "bounds")
            west, south, east, north = (round(float(v), 6) for v in gdf.total_bounds)
            return [[south, west], [north, east]]
    raise ValueError("nothing to draw: the district, communes and clusters are all empty")
