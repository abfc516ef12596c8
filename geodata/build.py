#!/usr/bin/env python
"""Build the bundled GIS layers for Thường Tín district: ``geodata/thuong_tin.gpkg``.

Usage::

    python geodata/build.py [--out PATH]

Inputs are the small CSV tables next to this file (our own transcriptions of the facts
dossier, each row with a ``source``). Everything is computed in a projected CRS
(EPSG:5897, VN-2000 / TM-3 zone 482, central meridian 105°00′; EPSG:32648 if PROJ lacks it)
and stored in EPSG:4326. The build is deterministic: no randomness, fixed iteration limits,
fixed GeoPackage timestamps.

Layers (see README.md for how each is made and how accurate it is): ``district``,
``communes``, ``communes_2025``, ``crosswalk`` (no geometry), ``clusters``, ``roads``,
``points``, ``water``. ``crosswalk_2025.csv`` is written next to the GeoPackage.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from simulator.bundled_geodata import constraints as K
from simulator.geodata import fixed_gpkg_date

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "thuong_tin.gpkg"
CROSSWALK_NAME = "crosswalk_2025.csv"
GENERATORS = "commune_generators.csv"
STORAGE_CRS = "EPSG:4326"
ACCURACY_LEVELS = ("surveyed", "digitised", "schematic")
STATUSES = ("operating", "under_construction", "approved", "proposed")
CLUSTER_KINDS = ("craft_village", "general")
LAYER_ORDER = (
    "district",
    "communes",
    "communes_2025",
    "crosswalk",
    "clusters",
    "roads",
    "points",
    "water",
)

# --- parameters (metres unless stated) ---------------------------------------------------
# District outline: union of commune disks (+ corridors), closed, opened, clipped to the bbox.
OUTLINE_CLOSING = 2500.0  # fills the notches between the commune disks
OUTLINE_OPENING = 600.0  # rounds off small bumps
OUTLINE_SIMPLIFY = 10.0
# Features the outline must contain (dossier §4, waypoints/SOURCES.md): the railway, QL1A and
# the expressway cross the whole district N–S. The expressway's corridor is wider because the
# dike and a strip of villages lie between it and the river (its chords run 1.2–1.5 km east
# of QL1A; the dike is at ~lon 105.905–105.925). The Natural Earth Red River line lies "up
# to 1.3 km inside the district" from Tự Nhiên to Thống Nhất: its vertices 3–10 are inside.
CORRIDOR_BUFFER = {"railway": 400.0, "ql1a": 400.0, "expressway_ct01": 900.0}
NE_INSIDE_SEQ = (3, 10)
NE_INSIDE_BUFFER = 250.0
# Communes: capacity-constrained power diagram.
POWER_OUTER_ITERATIONS = 6  # at most this many site (centroid-matching) updates
POWER_SITE_STEP = 0.6
POWER_COARSE_TOL = 5e-3  # relative area tolerance between site updates
POWER_AREA_TOL = 1e-4  # relative area tolerance of the final fit
# Water.
SECTION_STEP = 50.0  # northing step when tracing the eastern edge
EDGE_END_TRIM = 30.0  # the bbox sides are not grid-parallel in TM-3: start/stop this far in
# dossier §4: "model the channel as a ~1–1.5 km band"; 1 km keeps Mễ Sở pagoda (points.csv),
# which stands on the far (Hưng Yên) bank ~1.1 km from our edge, out of the river
RIVER_WIDTH = 1000.0
RIVER_END_EXTENSION = 1500.0  # the band continues past the district's N and S ends
FLOODPLAIN_WIDTH = 400.0  # strip between the dike and the bank (assumption)
FLOODPLAIN_COMMUNES = ("tu_nhien",)  # dossier §4: "Tự Nhiên lies outside the dike"
# Roads are clipped to the district + 1 km.
EXTENT_BUFFER = 1000.0
# Clusters. Set-backs from road centrelines: railway/national/expressway match the
# transport_corridor widths of simulator/rules.yaml (30/30/50 m).
ROAD_CLEARANCE = {
    "railway": 30.0,
    "national": 30.0,
    "expressway": 50.0,
    "ring": 30.0,
    "provincial": 20.0,
}
# From the floodplain edge (= the dike centreline): rules.yaml's 25 m dike protection
# corridor + 20 m to the toe, rounded up.
DIKE_CLEARANCE = 50.0
RIVER_LINE_CLEARANCE = 30.0  # from the Natural Earth centreline (a reference line only)
COMMUNE_INSET = 15.0  # clusters stay this far inside their commune
CLUSTER_GAP = 20.0  # two 10 m green isolation strips (QCVN 01:2019, dossier §2.3)
SEARCH_STEP = 25.0
SEARCH_RADIUS = 5000.0
# (aspect long:short, long axis relative to the local QL1A bearing in degrees, penalty in m)
CLUSTER_SHAPES = (
    (1.0, 0.0, 0.0),
    (1.5, 0.0, 75.0),
    (1.5, 90.0, 75.0),
    (2.0, 0.0, 200.0),
    (2.0, 90.0, 200.0),
)
CORNER_SHARE = 0.12  # corner radius as a share of the short side
# Placement order: named operating, under construction, approved, inferred, proposed.
PLACEMENT_RANK = {"operating": 0, "under_construction": 1, "approved": 2, "proposed": 4}
INFERRED_RANK = 3

# --- provenance notes for constructed geometry --------------------------------------------
BUILT = "geometry built by geodata/build.py (see geodata/README.md); "
SRC_OUTLINE = (
    BUILT + "outline = union of one disk per commune centre (area ∝ GADM-derived commune "
    "area), corridors of 0.4 km around the railway and QL1A and 0.9 km around the "
    "expressway, and 250 m around the stretch of the Natural Earth river line that lies "
    "inside the district; closed 2.5 km, opened 0.6 km, clipped to the GADM bounding box and "
    "scaled to the official area; "
)
SRC_COMMUNE = (
    BUILT + "cell of a power diagram fitted (geodata/fit_communes.py) to the neighbours, sides, "
    "river and district-edge statements of commune_neighbours.csv, with the GADM-derived area "
    "scaled to the district as a soft target (±15 %) and the GADM-derived centroid as a weak "
    "anchor; error_m from the residuals (geodata/README.md); "
)
SRC_COMMUNE_2025 = (
    BUILT + "dissolve of the schematic pre-2025 communes (a split commune goes whole to its "
    "first-listed successor); "
)
URL_EDGE = (
    "https://luatduonggia.vn/danh-sach-xa-phuong-thuoc-huyen-thuong-tin-ha-noi ; "
    "https://m.dothi.net/tin-thi-truong/tong-quan-huyen-thuong-tin-tp-ha-noi-ar55317.htm"
)
SRC_RIVER = (
    BUILT + "1 km band east of the schematic district's eastern edge (the Red River forms "
    f"the whole eastern edge: {URL_EDGE}); width from facts dossier §4 ('model the channel "
    "as a ~1–1.5 km band'), narrow enough to leave Mễ Sở pagoda on the far bank; the bank "
    "inherits the outline's error"
)
SRC_FLOODPLAIN = (
    BUILT + "land between the dike and the bank: a 400 m strip inside the eastern edge plus "
    "all of Tự Nhiên (facts dossier §4: 'Tự Nhiên lies outside the dike'); widths are our "
    "assumption"
)
SRC_DIKE = (
    BUILT + "landward edge of the floodplain polygon; facts dossier §4: the right-bank dike "
    "runs along Ninh Sở, Vân Tảo, Hồng Vân, Thư Phú, Chương Dương, Lê Lợi, "
    "Thống Nhất, Vạn Điểm and Minh Cường, roughly lon 105.905–105.925, with Tự Nhiên "
    "outside (L); exact line not found (waypoints/SOURCES.md)"
)
SRC_BRIDGE = (
    BUILT + "the Ring Road 4 line where it crosses the floodplain and the river band; "
    "Mễ Sở bridge joins Thường Tín to Văn Giang "
    "(https://es.vietnamplus.vn/hanoi-planea-construir-10-nuevos-puentes-sobre-el-rio-rojo/"
    "130710.vnp), under construction Dec 2025 (https://cafef.vn/toan-canh-cong-truong-thi-"
    "cong-cau-me-so-rong-4-lan-xe-noi-ha-noi-hung-yen-188251223144845951.chn); lands near "
    "the Hồng Vân pumping station in Ninh Sở (vietnambiz.vn, 19 Jun 2020, per facts dossier "
    "waypoints/SOURCES.md)"
)


# --- CRS helpers --------------------------------------------------------------------------
@functools.cache
def work_crs() -> str:
    """EPSG:5897 (VN-2000 / TM-3 zone 482) if PROJ knows it, else UTM 48N."""
    try:
        CRS.from_epsg(5897)
    except CRSError:  # pragma: no cover - depends on the PROJ database
        return "EPSG:32648"
    return "EPSG:5897"


@functools.cache
def _to_work() -> Transformer:
    return Transformer.from_crs(STORAGE_CRS, work_crs(), always_xy=True)


def lonlat_to_xy(lon, lat) -> np.ndarray:
    """(n, 2) projected coordinates of WGS84 lon/lat arrays."""
    x, y = _to_work().transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.column_stack([x, y])


# --- inputs -------------------------------------------------------------------------------
def read_tables(folder: Path = HERE) -> dict[str, pd.DataFrame]:
    """The CSV source tables (UTF-8), checked by `validate_tables`."""
    names = ("district", "communes", "communes_2025", "clusters", "lines", "points")
    tables = {n: pd.read_csv(Path(folder) / f"{n}.csv", encoding="utf-8") for n in names}
    tables["commune_neighbours"] = K.read_neighbours(folder)
    generators = Path(folder) / GENERATORS  # the result of fit_communes.py (absent before it)
    if generators.is_file():
        tables["commune_generators"] = pd.read_csv(generators, encoding="utf-8")
    cl = tables["clusters"]
    cl["inferred"] = cl["inferred"].astype(str).str.lower().eq("true")
    cl["commune_id"] = cl["commune_id"].astype(object).where(cl["commune_id"].notna(), None)
    validate_tables(tables)
    return tables


def validate_tables(tables: dict[str, pd.DataFrame]) -> None:
    """Raise ValueError listing every inconsistency in the source tables."""
    problems = [*_column_problems(tables), *_reference_problems(tables)]
    ids = list(tables["communes"]["id"])
    problems += K.validate_neighbours(tables["commune_neighbours"], ids)
    if "commune_generators" in tables and list(tables["commune_generators"]["id"]) != ids:
        problems.append("commune_generators.csv: ids must be those of communes.csv, in order "
                        "(rerun geodata/fit_communes.py)")
    if problems:
        raise ValueError("invalid geodata tables:\n  " + "\n  ".join(problems))


def _column_problems(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Sources, accuracy grades, error estimates and unique ids of every table."""
    problems = []
    for name, t in tables.items():
        if "source" not in t or t["source"].isna().any() or (t["source"].str.len() < 10).any():
            problems.append(f"{name}.csv: every row needs a source")
        if "accuracy" in t and not t["accuracy"].isin(ACCURACY_LEVELS).all():
            problems.append(f"{name}.csv: accuracy must be one of {ACCURACY_LEVELS}")
        if "error_m" in t and not (t["error_m"].astype(float) > 0).all():
            problems.append(f"{name}.csv: error_m must be > 0")
    for name in ("communes", "clusters", "points"):
        if not tables[name]["id"].is_unique:
            problems.append(f"{name}.csv: duplicate ids")
    return problems


def _reference_problems(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Totals that must agree and ids that must exist across tables."""
    problems = []
    com, cl, d = tables["communes"], tables["clusters"], tables["district"]
    if com["population_2019"].sum() != d["population_2019"].iloc[0]:
        problems.append("communes.csv: population does not add up to district.csv")
    unknown = {c for c in cl["commune_id"] if c} - set(com["id"])
    if unknown:
        problems.append(f"clusters.csv: unknown commune_id {sorted(unknown)}")
    if not cl["status"].isin(STATUSES).all() or not cl["kind"].isin(CLUSTER_KINDS).all():
        problems.append(f"clusters.csv: status in {STATUSES}, kind in {CLUSTER_KINDS}")
    known = set(tables["communes_2025"]["match_name"])
    for r in com.itertuples():
        missing = set(_successor_names(r.commune_2025)) - known
        if missing:
            problems.append(f"communes.csv {r.id}: successor {sorted(missing)} unknown")
    return problems


def _successor_names(text: str) -> list[str]:
    """'Hồng Vân (part) + Nam Phù (part) [via …]' -> ['Hồng Vân', 'Nam Phù']."""
    text = re.sub(r"\[.*?\]", "", text)
    return [re.sub(r"\((?:parts?)\)", "", p).strip() for p in text.split("+") if p.strip()]


# --- district outline ---------------------------------------------------------------------
def _outline(centres, areas_m2, k: float, bbox, must) -> shapely.Geometry:
    disks = shapely.buffer(shapely.points(centres), k * np.sqrt(areas_m2 / np.pi), quad_segs=16)
    g = shapely.union_all(np.append(disks, must))
    g = shapely.buffer(shapely.buffer(g, OUTLINE_CLOSING, quad_segs=16), -OUTLINE_CLOSING)
    g = shapely.buffer(shapely.buffer(g, -OUTLINE_OPENING, quad_segs=16), OUTLINE_OPENING)
    g = shapely.intersection(g, bbox)
    return shapely.simplify(g, OUTLINE_SIMPLIFY)


def district_outline(centres, areas_m2, bbox, target_m2: float, must=None) -> shapely.Polygon:
    """Union of one disk per commune (area ∝ its GADM-derived area) and of the areas the
    district must contain (``must``), closed, opened and clipped to the GADM bounding box;
    the disk scale is bisected so that the area matches ``target_m2``."""
    must = shapely.union_all(must) if must is not None else shapely.Polygon()
    lo, hi = 0.3, 1.5
    for _ in range(32):
        mid = 0.5 * (lo + hi)
        if _outline(centres, areas_m2, mid, bbox, must).area > target_m2:
            hi = mid
        else:
            lo = mid
    g = _outline(centres, areas_m2, 0.5 * (lo + hi), bbox, must)
    if g.geom_type != "Polygon":  # keep the main part only
        g = max(shapely.get_parts(g), key=shapely.area)
    return shapely.set_precision(g, 0.01)


# --- communes: capacity-constrained power diagram -------------------------------------------
def _halfplanes(sites: np.ndarray, weights: np.ndarray, reach: float):
    """[i, j]: the half-plane where the power distance to site i is ≤ that to site j, as a
    big rectangle; and its boundary line n·x = c."""
    n = len(sites)
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    d = sites[j] - sites[i]
    norm = np.hypot(d[..., 0], d[..., 1])
    norm[i == j] = 1.0
    nrm = d / norm[..., None]
    sq = (sites**2).sum(-1)
    c = (sq[j] - sq[i] - weights[j] + weights[i]) / (2 * norm)
    tng = np.stack([-nrm[..., 1], nrm[..., 0]], -1)
    mid = 0.5 * (sites[i] + sites[j])
    base = mid + (c - (mid * nrm).sum(-1))[..., None] * nrm
    back = base - 2 * reach * nrm
    side = reach * tng
    ring = np.stack([base + side, base - side, back - side, back + side], -2)
    return shapely.polygons(ring), nrm, c


def power_cells(sites: np.ndarray, weights: np.ndarray, domain):
    """Cells of the power diagram clipped to ``domain``; and the bisector lines (n·x = c).
    ``sites`` must be in local coordinates (near the origin)."""
    n = len(sites)
    x0, y0, x1, y1 = domain.bounds
    polys, nrm, c = _halfplanes(sites, weights, reach=4.0 * max(x1 - x0, y1 - y0))
    polys[np.arange(n), np.arange(n)] = shapely.box(x0 - 1, y0 - 1, x1 + 1, y1 + 1)
    cells = shapely.intersection(shapely.intersection_all(polys, axis=1), domain)
    return cells, nrm, c


def _shared_lengths(cells: np.ndarray, nrm: np.ndarray, c: np.ndarray, tol: float = 1e-3):
    """L[i, j]: length of the boundary between cells i and j (on their bisector)."""
    n = len(cells)
    parts, owner = shapely.get_parts(cells, return_index=True)
    xy, ring = shapely.get_coordinates(shapely.get_exterior_ring(parts), return_index=True)
    same = ring[:-1] == ring[1:]
    a, b, who = xy[:-1][same], xy[1:][same], owner[ring[:-1][same]]
    on = (np.abs(np.einsum("sk,sjk->sj", a, nrm[who]) - c[who]) < tol) & (
        np.abs(np.einsum("sk,sjk->sj", b, nrm[who]) - c[who]) < tol
    )
    on[np.arange(len(who)), who] = False
    L = np.zeros((n, n))
    np.add.at(L, who, np.hypot(*(b - a).T)[:, None] * on)
    return 0.5 * (L + L.T)


def _revive_empty(sites, w, area, anchors):
    """Give each empty cell the weight that makes its anchor point (just) its own."""
    w = w.copy()
    for i in np.flatnonzero(area <= 0):
        d2 = ((anchors[i] - sites) ** 2).sum(1)
        w[i] = d2[i] - np.delete(d2 - w, i).min() + 1e4
    return w


def _fit_weights(sites, weights, targets, domain, tol, anchors, max_iter=80):
    """Damped Newton steps on the power weights until every cell area is within ``tol``
    (relative) of its target."""
    n = len(sites)
    w = weights.copy()
    dist = np.hypot(*(sites[:, None] - sites[None]).transpose(2, 0, 1))
    np.fill_diagonal(dist, 1.0)
    for _ in range(max_iter):
        cells, nrm, c = power_cells(sites, w, domain)
        area = shapely.area(cells)
        if np.abs(area / targets - 1).max() < tol:
            return w, cells
        if (area <= 0).any():
            w = _revive_empty(sites, w, area, anchors)
            continue
        coupling = _shared_lengths(cells, nrm, c) / (2 * dist)  # -dA_i/dw_j
        hess = np.diag(coupling.sum(1) * (1 + 1e-9)) - coupling + coupling.sum() / n**2
        delta = np.linalg.lstsq(hess, targets - area, rcond=None)[0]
        delta -= delta.mean()
        err0, step = np.abs(targets - area).max(), 1.0
        while step > 1e-3:
            trial = shapely.area(power_cells(sites, w + step * delta, domain)[0])
            better = np.abs(targets - trial).max() < err0 * (1 - step / 4)
            if better and (trial > 0.3 * targets).all():
                break
            step /= 2
        w = w + step * delta
    cells = power_cells(sites, w, domain)[0]
    worst = np.abs(shapely.area(cells) / targets - 1).max()
    if worst >= tol:
        raise RuntimeError(f"commune area fit did not converge (worst {worst:.2%})")
    return w, cells


def _centroid_error(cells, goal) -> float:
    """Mean distance between the cell centroids and their goal points."""
    return float(np.hypot(*(shapely.get_coordinates(shapely.centroid(cells)) - goal).T).mean())


def fit_power_diagram(centres: np.ndarray, targets: np.ndarray, domain):
    """Cells of a power diagram whose areas match ``targets`` and whose centroids stay close
    to ``centres`` (Lloyd-like site updates between area fits, kept only while they help).
    Returns sites, weights and cells, in the coordinates of ``centres``."""
    origin = np.array(domain.centroid.coords[0])
    local = shapely.transform(domain, lambda xy: xy - origin)
    goal = centres - origin
    sites, w = goal.copy(), np.zeros(len(goal))
    w, cells = _fit_weights(sites, w, targets, local, POWER_COARSE_TOL, goal)
    best = (_centroid_error(cells, goal), sites, w)
    for _ in range(POWER_OUTER_ITERATIONS):
        cen = shapely.get_coordinates(shapely.centroid(cells))
        moved = sites + POWER_SITE_STEP * (goal - cen)
        # keep each cell's power distance at its centroid, so that the cells barely jump
        w = w + ((cen - moved) ** 2).sum(1) - ((cen - sites) ** 2).sum(1)
        sites = moved
        w, cells = _fit_weights(sites, w, targets, local, POWER_COARSE_TOL, goal)
        err = _centroid_error(cells, goal)
        if err >= best[0]:
            break
        best = (err, sites, w)
    _, sites, w = best
    w, cells = _fit_weights(sites, w, targets, local, POWER_AREA_TOL, goal)
    return sites + origin, w, shapely.transform(cells, lambda xy: xy + origin)


# --- eastern edge, river, floodplain, dike ---------------------------------------------------
def east_edge(district) -> shapely.LineString:
    """The river-facing edge, north → south: the easternmost point of the district at each
    northing, from (near) the east end of its northern side to that of its southern side."""
    x0, y0, x1, y1 = district.bounds
    ys = np.linspace(y1 - EDGE_END_TRIM, y0 + EDGE_END_TRIM, int((y1 - y0) // SECTION_STEP) + 2)
    west = np.column_stack([np.full_like(ys, x0 - 10), ys])
    east = np.column_stack([np.full_like(ys, x1 + 10), ys])
    cuts = shapely.linestrings(np.stack([west, east], 1))
    xmax = shapely.bounds(shapely.intersection(cuts, district))[:, 2]
    ok = np.isfinite(xmax)
    return shapely.LineString(np.column_stack([xmax[ok], ys[ok]]))


def river_band(edge: shapely.LineString, district) -> shapely.Polygon:
    """A RIVER_WIDTH band east of the edge, continued past both ends, outside the district."""
    xy = shapely.get_coordinates(edge)
    ext = np.vstack([xy[0] + [0, RIVER_END_EXTENSION], xy, xy[-1] - [0, RIVER_END_EXTENSION]])
    line = shapely.simplify(shapely.LineString(ext), 5.0)
    band = shapely.buffer(line, RIVER_WIDTH, single_sided=True)  # left of N→S = east
    band = shapely.difference(band, district)
    return max(shapely.get_parts(band), key=shapely.area)


def floodplain_and_dike(edge, district, communes: gpd.GeoDataFrame):
    """Floodplain (between dike and bank): a FLOODPLAIN_WIDTH strip inside the eastern edge
    plus the communes outside the dike. The dike is its landward boundary, north → south."""
    strip = shapely.buffer(edge, -FLOODPLAIN_WIDTH, single_sided=True)  # right of N→S = west
    strip = shapely.intersection(strip, district)
    outside = communes.geometry[communes["id"].isin(FLOODPLAIN_COMMUNES)].to_numpy()
    zone = shapely.union_all(np.append(outside, strip), grid_size=0.01)
    zone = shapely.Polygon(max(shapely.get_parts(zone), key=shapely.area).exterior)
    inner = shapely.difference(zone.boundary, shapely.buffer(district.boundary, 0.5))
    dike = max(shapely.get_parts(shapely.line_merge(inner)), key=shapely.length)
    if dike.coords[0][1] < dike.coords[-1][1]:
        dike = dike.reverse()
    return zone, dike


# --- layers -------------------------------------------------------------------------------
def _gdf(records, geoms) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.DataFrame(records), geometry=list(geoms), crs=work_crs())


def _line_features(tables) -> gpd.GeoDataFrame:
    """One line per feature_id of lines.csv (vertices in seq order), with its attributes."""
    lines = tables["lines"]
    first = lines.drop_duplicates("feature_id").set_index("feature_id")
    ordered = lines.sort_values(["feature_id", "seq"], kind="stable")
    xy = lonlat_to_xy(ordered.lon, ordered.lat)
    geoms = {
        fid: shapely.LineString(xy[(ordered.feature_id == fid).to_numpy()]) for fid in first.index
    }
    attrs = first[["name", "name_ascii", "kind", "accuracy", "error_m", "source"]]
    attrs = attrs.assign(error_m=attrs.error_m.astype(float)).rename_axis("id").reset_index()
    return _gdf(attrs, [geoms[f] for f in attrs.id])


def _must_contain(lines: gpd.GeoDataFrame, tables, bbox) -> np.ndarray:
    """Corridors of the N–S transport lines, and the stretch of the Natural Earth river line
    that the sources place inside the district."""
    sel = lines[lines.id.isin(list(CORRIDOR_BUFFER))]
    width = sel.id.map(CORRIDOR_BUFFER).to_numpy()
    corridor = shapely.buffer(shapely.intersection(sel.geometry.to_numpy(), bbox), width)
    ne = tables["lines"]
    ne = ne[ne.kind.eq("river_centerline") & ne.seq.between(*NE_INSIDE_SEQ)]
    inside = shapely.buffer(shapely.LineString(lonlat_to_xy(ne.lon, ne.lat)), NE_INSIDE_BUFFER)
    return np.append(corridor, inside)


def make_district(tables, lines) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """The district outline, and the commune centres in the working CRS."""
    d = tables["district"].iloc[0]
    com = tables["communes"]
    lons = [d.bbox_min_lon, d.bbox_max_lon, d.bbox_max_lon, d.bbox_min_lon]
    lats = [d.bbox_min_lat, d.bbox_min_lat, d.bbox_max_lat, d.bbox_max_lat]
    bbox = shapely.Polygon(lonlat_to_xy(lons, lats))
    centres = lonlat_to_xy(com.centroid_lon, com.centroid_lat)
    must = _must_contain(lines, tables, bbox)
    areas = com.area_km2.to_numpy() * 1e6
    outline = district_outline(centres, areas, bbox, d.area_km2_official * 1e6, must)
    rec = dict(
        id=d.id,
        name=d["name"],
        name_ascii=d.name_ascii,
        area_km2=round(outline.area / 1e6, 4),
        area_km2_official=float(d.area_km2_official),
        population_2019=int(com.population_2019.sum()),
        accuracy=d.accuracy,
        error_m=float(d.error_m),
        source=SRC_OUTLINE + d.source,
    )
    return _gdf([rec], [outline]), centres


def generator_cells(generators: pd.DataFrame, domain) -> np.ndarray:
    """The power-diagram cells of the fitted generators (commune_generators.csv), clipped to
    ``domain`` and snapped to a 1 cm grid: vertices shared by neighbouring cells (equal to
    ~1e-9 m) become identical, so the cells form an exact coverage of the district."""
    origin = np.array(domain.centroid.coords[0])
    local = shapely.transform(domain, lambda xy: xy - origin)
    sites = generators[["x_m", "y_m"]].to_numpy(float) - origin
    cells = power_cells(sites, generators["weight_m2"].to_numpy(float), local)[0]
    cells = shapely.set_precision(shapely.transform(cells, lambda xy: xy + origin), 0.01)
    if not (shapely.coverage_is_valid(cells) and shapely.coverage_union_all(cells).is_valid):
        raise RuntimeError("commune cells do not form a clean coverage")
    return cells


def make_communes(tables, district: gpd.GeoDataFrame, centres: np.ndarray) -> gpd.GeoDataFrame:
    """The communes: cells of the power diagram fitted by fit_communes.py, with their area
    residual, centroid offset, failed sourced constraints and position error."""
    com = tables["communes"]
    dom = district.geometry.iloc[0]
    targets = com.area_km2.to_numpy() / com.area_km2.sum() * dom.area
    if "commune_generators" not in tables:
        raise RuntimeError(f"no {GENERATORS}: run geodata/fit_communes.py first")
    cells = generator_cells(tables["commune_generators"], dom)
    cons = K.build_constraints(tables["commune_neighbours"], list(com.id))
    agree = K.agreement(cons, cells, dom, east_edge(dom))
    res = K.residuals(agree, cells, targets, centres)
    rec = pd.DataFrame(
        dict(
            id=com.id,
            name=com["name"],
            name_ascii=com.name_ascii,
            population_2019=com.population_2019.astype("int64"),
            area_km2_official=com.area_km2.astype(float),
            area_km2_target=np.round(targets / 1e6, 4),
            area_km2=np.round(shapely.area(cells) / 1e6, 4),
            area_residual_pct=np.round(100 * res.area_residual, 2),
            centroid_lat=com.centroid_lat,
            centroid_lon=com.centroid_lon,
            centroid_offset_m=np.round(res.centroid_offset_m, -1),
            constraints_failed=res.constraints_failed.astype("int64"),
            commune_2025=com.commune_2025,
            accuracy="schematic",
            error_m=res.error_m,
            source=SRC_COMMUNE + com.source,
        )
    )
    return _gdf(rec, cells)


def _dissolve(parts: np.ndarray) -> shapely.Geometry:
    """Union of the polygons of a valid coverage (exact, no snapping); robust union else."""
    if shapely.coverage_is_valid(parts):
        out = shapely.coverage_union_all(parts)
        if out.is_valid:
            return out
    return shapely.union_all(parts, grid_size=0.01)


def make_crosswalk(tables) -> pd.DataFrame:
    """One row per (old commune, July-2025 successor). ``share`` is 1 for the first-listed
    successor, which gets the whole commune in the polygons, and 0 for the others."""
    new = tables["communes_2025"]
    by_name = dict(zip(new.match_name, new.id))
    names = dict(zip(new.id, new["name"]))
    rows = []
    for r in tables["communes"].itertuples():
        succ = [by_name[s] for s in _successor_names(r.commune_2025)]
        via = re.search(r"\[(.*?)\]", r.commune_2025)
        for k, sid in enumerate(succ):
            if len(succ) == 1:
                note = "whole commune"
            elif k == 0:
                note = (
                    "split commune: whole area and population assigned to its first-listed "
                    "successor; the real part boundary is unknown"
                )
            else:
                note = (
                    "receives part of this commune in reality; not allocated (boundary "
                    f"unknown), see {succ[0]}"
                )
            if via:
                note += "; " + via.group(1)
            rows.append(
                dict(
                    old_id=r.id,
                    old_name=r.name,
                    new_id=sid,
                    new_name=names[sid],
                    share=1.0 if k == 0 else 0.0,
                    note=note,
                )
            )
    return pd.DataFrame(rows)


def make_communes_2025(tables, communes: gpd.GeoDataFrame, crosswalk: pd.DataFrame):
    """The old communes dissolved by their assigned (first-listed) successor."""
    assigned = crosswalk[crosswalk.share > 0].set_index("old_id").new_id
    unassigned = crosswalk[crosswalk.share == 0]
    com = communes.assign(new_id=communes.id.map(assigned))
    rows, geoms = [], []
    for nr in tables["communes_2025"].itertuples():
        members = com[com.new_id == nr.id]
        if members.empty:  # receives parts of split communes only: crosswalk rows, no polygon
            continue
        gone = unassigned[unassigned.old_id.isin(members.id)]
        came = unassigned[unassigned.new_id == nr.id]
        notes = [f"{o.old_name}: parts also went to {o.new_name}" for o in gone.itertuples()]
        notes += [
            f"part of {o.old_name} (assigned to {assigned[o.old_id]}) belongs here"
            for o in came.itertuples()
        ]
        geoms.append(_dissolve(members.geometry.to_numpy()))
        rows.append(
            dict(
                id=nr.id,
                name=nr.name,
                name_ascii=nr.name_ascii,
                code_2025="" if pd.isna(nr.code_2025) else str(int(nr.code_2025)),
                member_ids=",".join(members.id),
                split_note="; ".join(notes),
                population_2019=int(members.population_2019.sum()),
                area_km2=round(geoms[-1].area / 1e6, 4),
                area_km2_official=float(nr.area_km2_official),
                accuracy="schematic",
                error_m=1000.0,
                source=SRC_COMMUNE_2025 + nr.source,
            )
        )
    return _gdf(rows, geoms)


def _as_multiline(g) -> shapely.MultiLineString:
    """The merged pieces of a (multi)line as a MultiLineString (one type per layer)."""
    return shapely.MultiLineString(list(shapely.get_parts(shapely.line_merge(g))))


def make_roads(lines: gpd.GeoDataFrame, district, floodplain, river) -> gpd.GeoDataFrame:
    """Road and rail lines clipped to the district + 1 km. Provincial roads stop at the
    floodplain; Ring Road 4 is split into the road and the Mễ Sở bridge."""
    extent = shapely.buffer(district, EXTENT_BUFFER)
    wet = shapely.union(floodplain, river)
    roads = lines[lines.kind.isin(list(ROAD_CLEARANCE))].copy()
    clip = np.where(roads.kind.eq("provincial"), shapely.difference(extent, wet), extent)
    roads["geometry"] = shapely.intersection(roads.geometry.to_numpy(), clip)
    ring = roads.kind.eq("ring")
    bridge = roads[ring].assign(
        id="me_so_bridge",
        name="Cầu Mễ Sở (Vành đai 4)",
        name_ascii="Cau Me So (Vanh dai 4)",
        error_m=1000.0,
        source=SRC_BRIDGE,
        geometry=shapely.intersection(roads[ring].geometry.to_numpy(), wet),
    )
    roads.loc[ring, "geometry"] = shapely.difference(roads[ring].geometry.to_numpy(), wet)
    roads = pd.concat([roads, bridge], ignore_index=True)
    roads["structure"] = np.where(roads.id.eq("me_so_bridge"), "bridge", "road")
    roads = roads[~roads.geometry.is_empty].reset_index(drop=True)
    roads["geometry"] = [_as_multiline(g) for g in roads.geometry]
    return gpd.GeoDataFrame(roads, geometry="geometry", crs=work_crs())


def make_points(tables) -> gpd.GeoDataFrame:
    p = tables["points"]
    return _gdf(p, shapely.points(lonlat_to_xy(p.lon, p.lat)))


def make_water(lines: gpd.GeoDataFrame, district, communes):
    """Water layer (river band, floodplain, dike, Natural Earth line) and its parts."""
    edge = east_edge(district)
    river = river_band(edge, district)
    flood, dike = floodplain_and_dike(edge, district, communes)
    base = dict(accuracy="schematic", error_m=1000.0)
    rows = [
        dict(id="red_river", name="Sông Hồng", name_ascii="Song Hong", kind="river",
             source=SRC_RIVER, **base),
        dict(id="floodplain", name="Bãi sông Hồng ngoài đê",
             name_ascii="Bai song Hong ngoai de", kind="floodplain", source=SRC_FLOODPLAIN, **base),
        dict(id="right_bank_dike", name="Đê hữu Hồng", name_ascii="De huu Hong", kind="dike",
             source=SRC_DIKE, **base),
    ]
    ne = lines[lines.kind.eq("river_centerline")]
    cols = ["id", "name", "name_ascii", "kind", "accuracy", "error_m", "source"]
    rows += ne[cols].to_dict("records")
    water = _gdf(rows, [river, flood, dike, *ne.geometry])
    return water, river, flood, dike


# --- clusters -----------------------------------------------------------------------------
def _template(area_m2: float, aspect: float, angle: float) -> np.ndarray:
    """Ring coordinates (k, 2) of a rounded rectangle of exactly ``area_m2``, centred on the
    origin, its long axis ``angle`` radians from the x axis."""
    short = math.sqrt(area_m2 / aspect)
    half_long, half_short, r = short * aspect / 2, short / 2, CORNER_SHARE * short
    core = shapely.box(-half_long + r, -half_short + r, half_long - r, half_short - r)
    rect = shapely.buffer(core, r, quad_segs=4)
    xy = shapely.get_coordinates(rect.exterior) * math.sqrt(area_m2 / rect.area)
    ca, sa = math.cos(angle), math.sin(angle)
    return xy @ np.array([[ca, sa], [-sa, ca]])


def _road_angle(road, xy: np.ndarray) -> float:
    """Bearing (radians from the x axis) of ``road`` near ``xy``."""
    s = shapely.line_locate_point(road, shapely.Point(xy))
    a, b = shapely.line_interpolate_point(road, [max(s - 300, 0), min(s + 300, road.length)])
    return math.atan2(b.y - a.y, b.x - a.x)


@functools.cache
def _search_offsets() -> tuple[np.ndarray, np.ndarray]:
    """Grid offsets within SEARCH_RADIUS and their lengths, nearest first (ties: x, y)."""
    n = int(SEARCH_RADIUS // SEARCH_STEP)
    g = np.arange(-n, n + 1) * SEARCH_STEP
    off = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
    dist = np.hypot(off[:, 0], off[:, 1])
    order = np.lexsort((off[:, 1], off[:, 0], dist))
    keep = dist[order] <= SEARCH_RADIUS
    return off[order][keep], dist[order][keep]


def _candidate_centres(allowed, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Search-grid centres around ``target`` that lie in ``allowed``, nearest first."""
    off, dist = _search_offsets()
    centres = target + off
    x0, y0, x1, y1 = allowed.bounds
    x, y = centres[:, 0], centres[:, 1]
    near = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    centres, dist = centres[near], dist[near]
    inside = shapely.contains_xy(allowed, centres[:, 0], centres[:, 1])
    return centres[inside], dist[inside]


def _nearest_fit(allowed, template, centres, dist, max_dist: float, chunk: int = 256):
    """(centre, distance, polygon) for the first of ``centres`` (nearest first) where the
    shape fits inside ``allowed``, or None if none does within ``max_dist``."""
    for start in range(0, len(centres), chunk):
        if dist[start] >= max_dist:
            break
        part = slice(start, start + chunk)
        polys = shapely.polygons(template[None] + centres[part, None])
        fits = shapely.contains_properly(allowed, polys)
        if fits.any():
            k = int(np.argmax(fits))
            return centres[part][k], float(dist[part][k]), polys[k]
    return None


def _place(allowed, area_m2: float, target: np.ndarray, angle: float):
    """Best (score, offset, polygon, aspect, rotation) over CLUSTER_SHAPES, or None."""
    centres, dist = _candidate_centres(allowed, target)
    best = None
    for aspect, rot, penalty in CLUSTER_SHAPES:
        bound = math.inf if best is None else best[0] - penalty
        if bound <= 0:
            continue
        tpl = _template(area_m2, aspect, angle + math.radians(rot))
        found = _nearest_fit(allowed, tpl, centres, dist, bound)
        if found and (best is None or found[1] + penalty < best[0]):
            best = (found[1] + penalty, found[1], found[2], aspect, rot)
    return best


def _shape_label(aspect: float, rot: float) -> str:
    if aspect == 1:
        return "rounded square aligned with the local QL1A bearing"
    side = "along" if rot == 0 else "across"
    return f"rounded rectangle {aspect:g}:1, long side {side} the local QL1A bearing"


def place_clusters(tables, communes, roads, floodplain, lines) -> gpd.GeoDataFrame:
    """One polygon of its declared area per cluster, at the nearest spot to its best-known
    position that lies inside its commune and clear of roads, the floodplain/dike and the
    clusters placed before it."""
    cl = tables["clusters"].copy()
    targets = lonlat_to_xy(cl.lon, cl.lat)
    com_geom = dict(zip(communes.id, communes.geometry))
    # the commune of each cluster: as given, else the commune containing its position
    hit = communes.sindex.query(shapely.points(targets), predicate="within")
    containing = dict(zip(hit[0], communes.id.to_numpy()[hit[1]]))
    cl["commune_id"] = [c if c else containing[i] for i, c in enumerate(cl.commune_id)]
    ne = lines.geometry[lines.kind.eq("river_centerline")].to_numpy()
    setback = roads.kind.map(ROAD_CLEARANCE).to_numpy()
    blocked = shapely.union_all(
        np.concatenate(
            [
                shapely.buffer(roads.geometry.to_numpy(), setback),
                [shapely.buffer(floodplain, DIKE_CLEARANCE)],
                shapely.buffer(ne, RIVER_LINE_CLEARANCE),
            ]
        )
    )
    ql1a = lines.geometry[lines.id.eq("ql1a")].iloc[0]
    inferred = cl.inferred & cl.status.eq("operating")
    rank = cl.status.map(PLACEMENT_RANK).where(~inferred, INFERRED_RANK)
    order = np.lexsort((np.arange(len(cl)), -cl.area_ha.to_numpy(), rank.to_numpy()))
    placed, out = [], {}
    for i in order:
        r = cl.iloc[i]
        inner = shapely.buffer(com_geom[r.commune_id], -COMMUNE_INSET)
        allowed = shapely.difference(inner, blocked)
        if placed:
            taken = shapely.buffer(shapely.union_all(placed), CLUSTER_GAP)
            allowed = shapely.difference(allowed, taken)
        shapely.prepare(allowed)
        best = _place(allowed, r.area_ha * 1e4, targets[i], _road_angle(ql1a, targets[i]))
        if best is None:
            raise RuntimeError(f"cluster {r.id}: no room in commune {r.commune_id}")
        placed.append(best[2])
        out[i] = best
    rows, geoms = [], []
    for i, r in cl.iterrows():
        _, offset, poly, aspect, rot = out[i]
        shape = _shape_label(aspect, rot)
        rows.append(
            dict(
                id=r.id,
                name=r["name"],
                name_ascii=r.name_ascii,
                commune_id=r.commune_id,
                status=r.status,
                kind=r.kind,
                area_ha=float(r.area_ha),
                area_ha_measured=round(poly.area / 1e4, 4),
                inferred=bool(r.inferred),
                target_lat=float(r.lat),
                target_lon=float(r.lon),
                position_method=r.position_method,
                offset_m=round(offset, 1),
                shape=shape,
                accuracy=r.accuracy,
                error_m=float(r.error_m) + round(offset, -1),
                source=BUILT + f"{shape} of the declared area at the nearest spot to the "
                f"position that fits (offset {offset:.0f} m, added to error_m); " + r.source,
            )
        )
        geoms.append(poly)
    return _gdf(rows, geoms)


# --- assembly -----------------------------------------------------------------------------
def _finish(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Storage CRS; id, name, name_ascii first and geometry last."""
    first = ["id", "name", "name_ascii"]
    cols = first + [c for c in gdf.columns if c not in first and c != "geometry"] + ["geometry"]
    return gdf[cols].to_crs(STORAGE_CRS).reset_index(drop=True)


def build_layers(folder: Path = HERE) -> dict[str, gpd.GeoDataFrame]:
    """Every layer in EPSG:4326, keyed by layer name (in LAYER_ORDER), built from the CSV
    tables in ``folder``. ``crosswalk`` is a plain DataFrame (no geometry)."""
    tables = read_tables(folder)
    lines = _line_features(tables)
    district, centres = make_district(tables, lines)
    communes = make_communes(tables, district, centres)
    outline = district.geometry.iloc[0]
    water, river, flood, _ = make_water(lines, outline, communes)
    roads = make_roads(lines, outline, flood, river)
    crosswalk = make_crosswalk(tables)
    layers = {
        "district": _finish(district),
        "communes": _finish(communes),
        "communes_2025": _finish(make_communes_2025(tables, communes, crosswalk)),
        "crosswalk": crosswalk,
        "clusters": _finish(place_clusters(tables, communes, roads, flood, lines)),
        "roads": _finish(roads),
        "points": _finish(make_points(tables)),
        "water": _finish(water),
    }
    return {k: layers[k] for k in LAYER_ORDER}


def write_gpkg(layers: dict[str, pd.DataFrame], out_path: Path) -> None:
    """Write all layers to a fresh GeoPackage that atomically replaces ``out_path``."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".gpkg", dir=out_path.parent)
    os.close(fd)
    os.unlink(tmp)  # GDAL creates the file itself
    try:
        with fixed_gpkg_date():
            for name, df in layers.items():
                pyogrio.write_dataframe(df, tmp, layer=name, driver="GPKG")
        os.replace(tmp, out_path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def build(out_path: Path = DEFAULT_OUT) -> None:
    """Build every layer; write ``out_path`` and crosswalk_2025.csv next to it."""
    out_path = Path(out_path)
    layers = build_layers()
    write_gpkg(layers, out_path)
    layers["crosswalk"].to_csv(
        out_path.parent / CROSSWALK_NAME, index=False, encoding="utf-8", lineterminator="\n"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"output GeoPackage (default: {DEFAULT_OUT}); {CROSSWALK_NAME} goes next to it",
    )
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    build(args.out)
    print(f"wrote {args.out} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
