"""GeoDataFrames → GeoJSON FeatureCollections whose properties carry style and escaped HTML.

Coordinates are rounded to 5 decimals (~1 m), Z is dropped. Nothing is computed about the
scenario; this only changes representation.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import shapely
import shapely.geometry
from markupsafe import Markup
from shapely.geometry import mapping

from . import fragments
from simulator.words.pages import CLUSTER_NAME_PREFIX, PHASE_ABBREVIATION, PHASE_WORD

from .classes import Classes
from .formatting import fmt_year
from .styles import cluster_style, commune_style, district_style, road_styles, site_style, \
    water_style
from .view import Band, MapView

__all__ = ["BIG_CLUSTER_HA", "badges_fc", "bounds", "cluster_label", "clusters_fc",
           "communes_fc", "district_fc", "records", "roads_fc", "short_name", "sites_fc", "water_fc"]

_LINES = {"LineString", "MultiLineString"}
# (properties of a row, its GeoJSON geometry) → the row's features
_Make = Callable[[dict[str, Any], dict[str, Any]], list[dict[str, Any]]]


def _check_crs(gdf: Any, what: str) -> None:
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        raise ValueError(f"{what}: maps take EPSG:4326, got {gdf.crs.to_string()}")


def _geometries(gdf: Any, what: str) -> list[dict[str, Any] | None]:
    _check_crs(gdf, what)
    geoms = shapely.force_2d(np.asarray(gdf.geometry.values, dtype=object))
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, 5))
    return [None if g is None or g.is_empty else mapping(g) for g in geoms]


def _listed(column: Any) -> list[Any] | None:
    """A column's values as `to_dict` puts them in its rows: a numpy column of numbers or
    booleans as Python's (its `tolist`), a text column's missing value `pd.NA` as None (what
    `to_dict` makes of it; a NaN stays NaN); None for a column of any other kind."""
    if isinstance(column.dtype, pd.StringDtype):
        return [None if v is pd.NA else v for v in column.tolist()]
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "fiub":
        listed: list[Any] = column.tolist()
        return listed
    return None


def records(gdf: Any) -> list[dict[str, Any]]:
    """The rows of `gdf` without its geometry, as `gdf.drop(columns=geometry).to_dict("records")`
    gives them, read column by column (`_listed`: a quarter of the time). A frame with a column
    of any other kind (Python objects, times, categories, …) or a repeated name goes through
    `to_dict`."""
    geometry = gdf.geometry.name
    names = [c for c in gdf.columns if c != geometry]
    columns = [_listed(gdf[c]) for c in names] if len(set(names)) == len(names) else [None]
    if any(c is None for c in columns):
        rows: list[dict[str, Any]] = gdf.drop(columns=geometry).to_dict("records")
        return rows
    if not names:
        return [{} for _ in range(len(gdf))]
    return [dict(zip(names, values)) for values in zip(*columns)]


def _rows(gdf: Any, what: str) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    if gdf is None or len(gdf) == 0:
        return []
    return list(zip(records(gdf), _geometries(gdf, what), strict=True))


def _feature(geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def _simple(gdf: Any, what: str, make: _Make) -> dict[str, Any]:
    """Features for a layer whose rows without geometry are simply not drawn."""
    features: list[dict[str, Any]] = []
    for row, geom in _rows(gdf, what):
        if geom is not None:
            features += make(row, geom)
    return _collection(features)


BIG_CLUSTER_HA = 30.0  # clusters this large are labelled at the home zoom too
_PARENS = re.compile(r"\s*\([^)]*\)")
_CLUSTER_PREFIX = re.compile(CLUSTER_NAME_PREFIX, re.IGNORECASE)
_PHASE_IN_PARENS = re.compile(rf"\({PHASE_ABBREVIATION}\s*([^)]*)\)")


def short_name(name: str) -> str:
    """A map label: the name without parentheses ("Sông Hồng (đường tim)" → "Sông Hồng")."""
    return _PARENS.sub("", name).strip() or name


def cluster_label(name: str) -> str:
    """A cluster's map label: its short name without the prefix every cluster's name shares
    (`words.pages.CLUSTER_NAME_PREFIX`), and the phase word abbreviated."""
    label = _CLUSTER_PREFIX.sub("", name).replace(PHASE_WORD, PHASE_ABBREVIATION)
    label = _PHASE_IN_PARENS.sub(rf"{PHASE_ABBREVIATION} \1", label)
    return label.strip() or name


def _line_label(row: dict[str, Any], g: dict[str, Any]) -> dict[str, str]:
    """{"caption": short name} for a named line (drawn along it by carto.js), else {}."""
    name = row.get("name")
    if g["type"] not in _LINES or not isinstance(name, str) or not name.strip():
        return {}
    return {"caption": short_name(name)}


def _label_point(g: dict[str, Any]) -> list[float]:
    point = shapely.geometry.shape(g).representative_point()
    return [round(point.y, 5), round(point.x, 5)]


def district_fc(gdf: Any) -> dict[str, Any]:
    return _simple(gdf, "district", lambda row, g: [_feature(g, style=district_style())])


def roads_fc(gdf: Any) -> dict[str, Any]:
    def make(row: dict[str, Any], g: dict[str, Any]) -> list[dict[str, Any]]:
        styles = road_styles(fragments.text(row.get("kind")))
        return [_feature(g, style=s, **(_line_label(row, g) if i == 0 else {}))
                for i, s in enumerate(styles)]

    return _simple(gdf, "roads", make)


def water_fc(gdf: Any) -> dict[str, Any]:
    def make(row: dict[str, Any], g: dict[str, Any]) -> list[dict[str, Any]]:
        style = water_style(fragments.text(row.get("kind")), g["type"] in _LINES)
        return [_feature(g, style=style, **_line_label(row, g))]

    return _simple(gdf, "water", make)


def _rounded(values: tuple[float, ...], digits: int) -> list[float | int | None]:
    """Compact JSON numbers: whole numbers without a decimal point, NaN as null."""
    return [None if not math.isfinite(v) else (round(v, digits) if digits else int(round(v)))
            for v in values]


def _bands(band: Band, digits: int) -> list[list[float | int | None]]:
    """[median, P10, P90] per year (a mean can fall outside its own P10–P90)."""
    return [_rounded(band.p50, digits), _rounded(band.p10, digits), _rounded(band.p90, digits)]


def _cluster_series(view: MapView, cid: str, fill: Classes) -> dict[str, Any]:
    """Per-year data of one cluster for the slider: visible, fill class, popup indicators."""
    tl = view.timeline
    assert tl is not None
    if cid not in tl.visible or cid not in tl.indicators:
        raise ValueError(f"clusters: {cid!r} has no per-year data in the timeline")
    bands = tl.indicators[cid]
    return {"vis": [int(bool(v)) for v in tl.visible[cid]],
            "fill": [fill.index(v) for v in tl.fill.values[cid].p50],
            "ind": {i.column: _bands(bands[i.column], i.digits) for i in view.indicators}}


def clusters_fc(view: MapView, fill: Classes | None = None) -> dict[str, Any]:
    """One feature per cluster; a cluster without geometry is an error, not a silent gap.
    On a slider map each carries `t` (per-year data) and is filled by `fill` classes."""
    tl, lang = view.timeline, view.lang
    badges = {b.cluster: b for b in view.badges}
    css = "ccn-dcluster" if view.role == "difference" else "ccn-cluster"
    k = fragments.year_index(tl.years, view.year) if tl else 0
    features = []
    for row, geom in _rows(view.clusters, "clusters"):
        cid = fragments.text(row.get("id"))
        if geom is None:
            raise ValueError(f"clusters: {row.get('id')!r} has no geometry to draw")
        area = row.get("declared_area_ha")
        area = float(area) if isinstance(area, (int, float)) and math.isfinite(area) else 0.0
        props: dict[str, Any] = {
            "id": cid, "tooltip": fragments.cluster_tooltip(row, lang),
            "popup": fragments.cluster_popup(row, view, badges.get(cid)),
            "caption": cluster_label(fragments.text(row.get("name"))), "area": round(area, 2),
            "big": area >= BIG_CLUSTER_HA}
        colour = None
        if tl is not None and fill is not None:
            props["t"] = _cluster_series(view, cid, fill)
            colour = fill.colors[props["t"]["fill"][k]]
        status = fragments.text(row.get("status"))
        props["style"] = cluster_style(status, row.get("accuracy") == "schematic", colour, css)
        features.append(_feature(geom, **props))
    return _collection(features)


def communes_fc(view: MapView, classes: Mapping[str, Classes] | None = None) -> dict[str, Any]:
    """Commune outlines with a tooltip; on a slider map each carries, per choropleth choice,
    its class and values (mean, P10, P90) in every year."""
    tl, classes = view.timeline, classes or {}
    choices = tl.choropleths if tl is not None and classes else ()

    def make(row: dict[str, Any], g: dict[str, Any]) -> list[dict[str, Any]]:
        cid = fragments.text(row.get("id"))
        props: dict[str, Any] = {"style": commune_style(),
                                 "tooltip": fragments.commune_tooltip(row, view.lang),
                                 "caption": fragments.text(row.get("name")),
                                 "lp": _label_point(g)}
        series = {v.key: {"c": [classes[v.key].index(x) for x in v.values[cid].p50],
                          "v": _bands(v.values[cid], v.digits)}
                  for v in choices if cid in v.values}
        if series:
            props["t"] = series
        return [_feature(g, **props)]

    return _simple(view.communes, "communes", make)


def badges_fc(view: MapView) -> dict[str, Any]:
    """A mark at the north-east corner of each cluster with a rule warning or failure."""
    tl = view.timeline
    rows = {fragments.text(r.get("id")): (r, g) for r, g in _rows(view.clusters, "clusters")}
    features = []
    for b in view.badges:
        if b.cluster not in rows or rows[b.cluster][1] is None:
            continue
        row, geom = rows[b.cluster]
        west, south, east, north = shapely.bounds(shapely.geometry.shape(geom))
        start = 0 if tl is None or b.year is None else sum(y < b.year for y in tl.years)
        tip = Markup("<strong>{}</strong>").format(fragments.text(row.get("name")))
        tip += Markup("").join(Markup('<br><span data-ccn-source="rules">{}</span>').format(line)
                               for _, line in b.lines)
        features.append(_feature({"type": "Point", "coordinates": [round(east, 5),
                                                                    round(north, 5)]},
                                 id=b.cluster, severity=b.severity, start=start,
                                 tooltip=str(tip)))
    return _collection(features)


def sites_fc(view: MapView) -> dict[str, Any]:
    """Each candidate site twice: its shape (class "ccn-site") and a numbered mark with its
    rank at its north-east corner (outside, so the small shape stays visible); both carry
    the same tooltip and popup."""
    lang, features = view.lang, []
    for row, geom in _rows(view.sites, "sites"):
        if geom is None:
            continue
        rank = fmt_year(row.get("rank"))
        props = {"id": f"site-{rank}", "rank": rank,
                 "tooltip": fragments.site_tooltip(row, lang),
                 "popup": fragments.site_popup(row, lang)}
        _, _, east, north = shapely.bounds(shapely.geometry.shape(geom))
        features.append(_feature(geom, style=site_style(), **props))
        features.append(_feature({"type": "Point", "coordinates": [round(east, 5),
                                                                    round(north, 5)]},
                                 label=True, **props))
    return _collection(features)


def bounds(*layers: Any) -> list[list[float]]:
    """[[south, west], [north, east]] of the first non-empty layer."""
    for gdf in layers:
        if gdf is not None and len(gdf) and not gdf.geometry.is_empty.all():
            _check_crs(gdf, "bounds")
            west, south, east, north = (round(float(v), 6) for v in gdf.total_bounds)
            return [[south, west], [north, east]]
    raise ValueError("nothing to draw: the district, communes and clusters are all empty")
