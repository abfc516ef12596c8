"""Geometry: the bundled district layers and each cluster's outline, with CRS discipline.

Storage and maps use WGS84 (EPSG:4326); every area and distance is measured in VN-2000 /
TM-3 zone 482 (EPSG:5897, central meridian 105°00′, the projection used for Hà Nội).
Only this module and `scenario.load` read input files.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

from simulator.errors import GeodataError, Problem

if TYPE_CHECKING:
    from simulator.scenario.load import LoadedScenario
    from simulator.scenario.schema import Cluster

__all__ = [
    "STORAGE_CRS", "METRIC_CRS", "BUNDLE", "BUNDLE_PACKAGE", "LAYERS", "geodata_dir", "load_layer",
    "ClusterGeometries", "resolve_cluster_geometries", "area_ha", "scenario_layers",
    "GeoArrays", "geo_arrays", "access_features", "fixed_gpkg_date",
]

STORAGE_CRS = "EPSG:4326"
METRIC_CRS = "EPSG:5897"
BUNDLE = "thuong_tin.gpkg"
LAYERS = ("district", "communes", "communes_2025", "clusters", "roads", "points", "water")
AREA_WARN = 0.05  # declared vs measured area: warn above 5 %
REPAIR_MAX = 0.005  # a repaired geometry may change its area by at most 0.5 %


@contextlib.contextmanager
def fixed_gpkg_date(stamp: str = "2025-01-01T00:00:00.000Z") -> Iterator[None]:
    """GeoPackages written inside get this last_change stamp instead of the clock's (GDAL's
    OGR_CURRENT_DATE), so that the same inputs give byte-identical files. They are also
    written without SQLite's fsync at each commit (OGR_SQLITE_SYNCHRONOUS=OFF): the same
    bytes, but ~0.1 s less waiting for the disk per run; the results folder is published
    by a rename once complete (outputs.atomic_folder), and no other file is fsynced either."""
    options = {"OGR_CURRENT_DATE": stamp, "OGR_SQLITE_SYNCHRONOUS": "OFF"}
    old = {k: pyogrio.get_gdal_config_option(k) for k in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(old)


BUNDLE_PACKAGE = "simulator.bundled_geodata"  # the repository's geodata/ folder, installed


def geodata_dir() -> Path:
    """The bundled data folder: $CLUSTERSIM_GEODATA, else the package data of
    `simulator.bundled_geodata` (the repository's `geodata/`, shipped inside the wheel)."""
    env = os.environ.get("CLUSTERSIM_GEODATA")
    return Path(env) if env else Path(str(resources.files(BUNDLE_PACKAGE)))


@cache
def load_layer(name: str) -> gpd.GeoDataFrame:
    """A bundled layer in EPSG:4326. Unknown names list the valid ones."""
    path = geodata_dir() / BUNDLE
    if name not in LAYERS:
        raise GeodataError([Problem(str(path), None, "layer", f"one of {', '.join(LAYERS)}", name)])
    if not path.is_file():
        raise GeodataError([Problem(str(path), None, "", "the bundled GeoPackage "
                                    "(run `clustersim geodata build`)", "no such file")])
    return pyogrio.read_dataframe(path, layer=name).to_crs(STORAGE_CRS)


def area_ha(geoms: Any) -> Any:
    """Areas in hectares, measured in the metric CRS."""
    return geoms.to_crs(METRIC_CRS).area / 10_000.0


@dataclass(frozen=True)
class ClusterGeometries:
    """One row per scenario cluster (same order): id, geometry (EPSG:4326), accuracy,
    area_ha_measured; plus warnings a planner should read."""

    frame: gpd.GeoDataFrame
    warnings: tuple[str, ...]


def _problem(loaded: LoadedScenario, i: int, key: str, expected: str, found: str) -> Problem:
    file, line, path = loaded.sources.locate(("clusters", i, "geometry", key))
    return Problem(file, line, path, expected, found)


def _located(loaded: LoadedScenario, loc: tuple[Any, ...], expected: str,
             found: str) -> GeodataError:
    file, line, path = loaded.sources.locate(loc)
    return GeodataError([Problem(file, line, path, expected, found)])


def _crs(loaded: LoadedScenario, loc: tuple[Any, ...], text: str) -> Any:
    """The pyproj CRS a scenario names at `loc` (e.g. `EPSG:5897`), or a located error."""
    try:
        return pyproj.CRS.from_user_input(text)
    except pyproj.exceptions.CRSError:
        raise _located(loaded, loc, "a CRS PROJ knows (e.g. EPSG:5897 for VN-2000 / TM-3 "
                       "105°00′, EPSG:4326 for WGS84)", repr(text)) from None


def _in_viet_nam(frame: gpd.GeoDataFrame) -> bool:
    """Every finite bound in WGS84 lon 100–112, lat 6–25 (northern Việt Nam and around)."""
    b = frame.total_bounds
    return bool(np.isfinite(b).all() and 100 <= b[0] <= b[2] <= 112 and 6 <= b[1] <= b[3] <= 25)


def _read_gis(loaded: LoadedScenario, loc: tuple[Any, ...], ref: Any,
              warnings: list[str] | None = None) -> gpd.GeoDataFrame:
    """A GIS file named at `loc` in the scenario (`ref.file`, `ref.layer`, `ref.crs`), relative
    to the scenario file that names it, with its CRS set; every problem located at `loc`.
    `crs:` only names the CRS of a file that declares none: a different one is an error, the
    same one a warning (appended to `warnings`)."""
    def problem(key: str, expected: str, found: str) -> GeodataError:
        return _located(loaded, (*loc, key), expected, found)

    path = (loaded.sources.file_of((*loc, "file")).parent / ref.file).resolve()
    if not path.exists():
        raise problem("file", "an existing GIS file", str(path))
    try:
        df = pyogrio.read_dataframe(path, layer=ref.layer)
    except Exception as e:  # pyogrio raises several error types for unreadable files
        raise problem("file", "a GIS file GDAL can read", f"{path.name}: {e}")
    if df.crs is None and ref.crs is None:
        raise problem("file", "a file with a CRS, or `crs:` in the scenario (e.g. EPSG:5897 "
                      "for VN-2000 / TM-3 105°00′)", f"{path.name} has no CRS")
    if ref.crs is not None:
        given = _crs(loaded, (*loc, "crs"), ref.crs)
        if df.crs is not None and not df.crs.equals(given):
            raise problem("crs", f"no `crs:` ({path.name} declares {df.crs.to_string()}; `crs:` "
                          "is only for a file without one)", ref.crs)
        if df.crs is not None and warnings is not None:
            where = loaded.sources.locate((*loc, "crs"))[2]
            warnings.append(f"{where}: {path.name} already declares {ref.crs}; `crs:` is not needed")
        df = df.set_crs(given)
    df.attrs["file_name"] = path.name
    return df


def _read_file(loaded: LoadedScenario, i: int, c: Cluster, warnings: list[str]) -> tuple[Any, str]:
    g = c.geometry
    df = _read_gis(loaded, ("clusters", i, "geometry"), g, warnings)
    path = Path(df.attrs["file_name"])
    if g.feature is not None:
        field = g.id_field or "id"
        if field not in df.columns:
            raise GeodataError([_problem(loaded, i, "id_field", f"a field of {path.name} "
                                         f"({', '.join(map(str, df.columns[:-1]))})", field)])
        df = df[df[field].astype(str) == str(g.feature)]
        if df.empty:
            raise GeodataError([_problem(loaded, i, "feature", f"a {field} value in {path.name}",
                                         repr(g.feature))])
        if len(df) > 1:
            raise GeodataError([_problem(loaded, i, "feature", f"a {field} value held by one "
                                         f"feature of {path.name}",
                                         f"{g.feature!r} on {len(df)} features")])
    elif len(df) != 1:
        raise GeodataError([_problem(loaded, i, "feature", f"a feature id (with id_field): "
                                     f"{path.name} has {len(df)} features", "none")])
    return df.to_crs(STORAGE_CRS).geometry.iloc[0], "digitised"


def _inline(loaded: LoadedScenario, i: int, c: Cluster, warnings: list[str]) -> tuple[Any, str]:
    g = c.geometry
    try:
        geom = shapely.from_wkt(g.inline) if isinstance(g.inline, str) else shapely.geometry.shape(g.inline)
    except Exception as e:  # shapely raises GEOSException, ValueError, KeyError…
        raise GeodataError([_problem(loaded, i, "inline", "a GeoJSON geometry or WKT", str(e))])
    crs = _crs(loaded, ("clusters", i, "geometry", "crs"), g.crs) if g.crs else STORAGE_CRS
    s = gpd.GeoSeries([geom], crs=crs).to_crs(STORAGE_CRS)
    return s.iloc[0], "digitised"


@cache
def _bundled_outlines() -> dict[str, tuple[Any, str]]:
    """The bundled clusters layer by id: (outline, accuracy), the first feature of an id (one
    look-up per cluster instead of a pass over the layer's rows)."""
    layer = load_layer("clusters")
    out: dict[str, tuple[Any, str]] = {}
    for key, geom, accuracy in zip(layer["id"], layer.geometry, layer["accuracy"]):
        out.setdefault(key, (geom, str(accuracy)))
    return out


def _bundled(loaded: LoadedScenario, i: int, c: Cluster, warnings: list[str]) -> tuple[Any, str]:
    found = _bundled_outlines().get(c.geometry.bundled)  # type: ignore[arg-type]
    if found is None:
        layer = load_layer("clusters")
        raise GeodataError([_problem(loaded, i, "bundled", "an id of the bundled clusters layer "
                                     f"({len(layer)} ids, e.g. {', '.join(layer['id'][:3])})",
                                     repr(c.geometry.bundled))])
    return found


def _checked(loaded: LoadedScenario, i: int, geom: Any, warnings: list[str]) -> Any:
    """Reject empty, non-polygonal or wrong-hemisphere geometry; repair small invalidities."""
    key = next(k for k in ("bundled", "file", "inline") if getattr(loaded.scenario.clusters[i].geometry, k))
    if geom is None or geom.is_empty:
        raise GeodataError([_problem(loaded, i, key, "a non-empty polygon", "an empty geometry")])
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise GeodataError([_problem(loaded, i, key, "a polygon", geom.geom_type)])
    x, y = geom.centroid.x, geom.centroid.y
    if not (100 <= x <= 112 and 6 <= y <= 25):
        raise GeodataError([_problem(loaded, i, key, "a polygon in northern Việt Nam (WGS84 "
                                     "lon 100–112, lat 6–25); wrong CRS or hemisphere?",
                                     f"centre at lon {x:.4f}, lat {y:.4f}")])
    if not geom.is_valid:
        fixed = shapely.make_valid(geom, method="structure", keep_collapsed=False)
        before, after = area_ha(gpd.GeoSeries([geom, fixed], crs=STORAGE_CRS)).tolist()
        if fixed.geom_type not in ("Polygon", "MultiPolygon") or abs(after - before) > REPAIR_MAX * before:
            raise GeodataError([_problem(loaded, i, key, "a valid polygon (repair would change "
                                         "its area by more than 0.5 %)", shapely.is_valid_reason(geom))])
        warnings.append(f"{loaded.scenario.clusters[i].id}: invalid geometry repaired "
                        f"({shapely.is_valid_reason(geom)}); area {before:.2f} → {after:.2f} ha")
        geom = fixed
    return geom


def resolve_cluster_geometries(loaded: LoadedScenario) -> ClusterGeometries:
    """Each cluster's outline; all problems are collected and raised together."""
    readers = {"bundled": _bundled, "file": _read_file, "inline": _inline}
    rows, problems = [], []
    warnings: list[str] = []
    for i, c in enumerate(loaded.scenario.clusters):
        kind = next(k for k in readers if getattr(c.geometry, k) is not None)
        try:
            geom, accuracy = readers[kind](loaded, i, c, warnings)
            rows.append((c.id, _checked(loaded, i, geom, warnings), accuracy))
        except GeodataError as e:
            problems.extend(e.problems)
    if problems:
        raise GeodataError(problems)
    frame = gpd.GeoDataFrame(rows, columns=["id", "geometry", "accuracy"], crs=STORAGE_CRS)
    frame["area_ha_measured"] = area_ha(frame.geometry).to_numpy()
    for c, measured in zip(loaded.scenario.clusters, frame["area_ha_measured"]):
        if abs(measured - c.area_ha) > AREA_WARN * c.area_ha:
            warnings.append(f"{c.id}: declared area {c.area_ha:g} ha differs from the measured "
                            f"{measured:.1f} ha by more than 5 %; the model uses the declared area")
    return ClusterGeometries(frame, tuple(warnings))


@dataclass(frozen=True)
class GeoArrays:
    """Geometry reduced to the arrays the model needs (C clusters, I communes)."""

    access_km: Any  # (C,) straight-line km from each cluster to the nearest interchange or RR4
    commune_ids: tuple[str, ...]  # (I,)
    commune_population: Any  # (I,) 2019 census
    distance_km: Any  # (C, I) straight-line km, cluster centre ↔ commune centre
    cluster_commune: Any  # (C,) index of the commune holding each cluster's centre (−1: none)


ATTRACTOR_KINDS = ("interchange", "ring")


def _attractors(roads: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Expressway interchanges and Ring Road 4; the expressway itself if neither is given."""
    hits = roads[roads["kind"].isin(ATTRACTOR_KINDS)]
    if hits.empty:
        hits = roads[roads["kind"] == "expressway"]
    return hits.geometry.to_crs(METRIC_CRS)


def access_features(layers: dict[str, gpd.GeoDataFrame] | None = None) -> gpd.GeoDataFrame:
    """The roads and points (interchanges) layers together (bundled unless given)."""
    layers = layers or {n: load_layer(n) for n in ("roads", "points")}
    return pd.concat([layers["roads"], layers["points"]], ignore_index=True)


def geo_arrays(clusters: gpd.GeoDataFrame, communes: gpd.GeoDataFrame,
               roads: gpd.GeoDataFrame) -> GeoArrays:
    """Distances measured in the metric CRS (EPSG:5897), in kilometres."""
    shapes = clusters.geometry.to_crs(METRIC_CRS)
    centres = shapes.representative_point()
    attract = _attractors(roads)
    access = (np.array([attract.distance(s).min() for s in shapes]) / 1000.0
              if len(attract) else np.full(len(shapes), 10.0))
    com = communes.to_crs(METRIC_CRS)
    com_centres = com.geometry.representative_point()
    cx, cy = centres.x.to_numpy(), centres.y.to_numpy()
    ix, iy = com_centres.x.to_numpy(), com_centres.y.to_numpy()
    dist = np.hypot(cx[:, None] - ix[None, :], cy[:, None] - iy[None, :]) / 1000.0
    inside = shapely.contains(com.geometry.to_numpy()[None, :], centres.to_numpy()[:, None])
    home = np.where(inside.any(axis=1), inside.argmax(axis=1), -1)
    return GeoArrays(access, tuple(communes["id"]), communes["population_2019"].to_numpy(float),
                     dist, home)


_OVERRIDABLE = ("district", "communes", "roads", "water")


def _read_layer_file(loaded: LoadedScenario, name: str, ref: Any) -> gpd.GeoDataFrame:
    """A planner's layer file in the bundled layer's schema (id, name, kind, population_2019,
    accuracy, source), in EPSG:4326; every problem located in the scenario."""

    def problem(key: str, expected: str, found: str) -> GeodataError:
        file, line, where = loaded.sources.locate(("geodata", name, key))
        return GeodataError([Problem(file, line, where, expected, found)])

    df = _read_gis(loaded, ("geodata", name), ref)
    path = Path(df.attrs["file_name"])
    wanted = {"id": ref.id_field, "name": ref.name_field}
    if name == "communes":
        if ref.population_field is None:
            raise problem("population_field", "the attribute with each commune's population "
                          "(the labour catchment needs it)", "none")
        wanted["population_2019"] = ref.population_field
    if name in ("roads", "water"):
        wanted["kind"] = ref.kind_field
    missing = [f for f in wanted.values() if f not in df.columns]
    if missing:
        key = next(k for k, v in (("id_field", ref.id_field), ("name_field", ref.name_field),
                                  ("population_field", ref.population_field),
                                  ("kind_field", ref.kind_field)) if v == missing[0])
        fields = ", ".join(map(str, df.columns.drop(df.geometry.name)))
        raise problem(key, f"a field of {path.name} ({fields})", repr(missing[0]))
    out = df.rename(columns={v: k for k, v in wanted.items()})[[*wanted, df.geometry.name]]
    out["id"] = out["id"].astype(str)
    out["accuracy"], out["source"] = ref.accuracy, f"planner file {path.name}"
    out = out.set_geometry(df.geometry.name)
    if name == "communes":
        out = _checked_communes(loaded, out, path.name, ref)
    try:
        out = out.to_crs(STORAGE_CRS)
    except Exception as e:  # pyproj raises ProjError, ValueError… for impossible coordinates
        raise problem("file", "coordinates in the file's CRS", f"{path.name}: {e}") from None
    if not _in_viet_nam(out):
        raise problem("file", "features in northern Việt Nam (WGS84 lon 100–112, lat 6–25); "
                      "wrong CRS, or metric coordinates labelled EPSG:4326?",
                      f"{path.name} spans {_bounds_text(out)}")
    return out


def _bounds_text(frame: gpd.GeoDataFrame) -> str:
    x0, y0, x1, y1 = frame.total_bounds
    return f"lon {x0:.4g}…{x1:.4g}, lat {y0:.4g}…{y1:.4g}"


MIN_COMMUNES = 5  # the coarsest real division: Thường Tín has 5 communes since 2025 (29 before)
COVER_MIN = 0.9  # the planner's communes cover at least 90 % of the district outline


def _checked_communes(loaded: LoadedScenario, df: gpd.GeoDataFrame, file_name: str,
                      ref: Any) -> gpd.GeoDataFrame:
    """A planner's communes layer the labour catchment can use: polygons with unique ids and a
    finite population ≥ 0 (not all zero); the first bad feature is named."""

    def problem(key: str, expected: str, found: str) -> GeodataError:
        return _located(loaded, ("geodata", "communes", key), expected, found)

    if len(df) < MIN_COMMUNES:
        raise problem("file", f"at least {MIN_COMMUNES} communes (polygons with a population)",
                      f"{file_name} has {len(df)}")
    kinds = df.geometry.geom_type.fillna("no geometry")
    bad = ~kinds.isin(["Polygon", "MultiPolygon"]) | df.geometry.is_empty.fillna(True)
    if bad.any():
        k = int(bad.to_numpy().argmax())
        raise problem("file", "a polygon for every commune",
                      f"{file_name}: feature {df['id'].iloc[k]!r} is {kinds.iloc[k]}"
                      + (" (empty)" if kinds.iloc[k] != "no geometry" and bad.iloc[k] else ""))
    dup = df["id"][df["id"].duplicated()]
    if len(dup):
        raise problem("id_field", f"a unique {ref.id_field} for every commune",
                      f"{file_name}: {dup.iloc[0]!r} on {int((df['id'] == dup.iloc[0]).sum())} features")
    raw = df["population_2019"]
    pop = pd.to_numeric(raw, errors="coerce").astype(float)
    bad_pop = ~pop.between(0, 1e8)  # NaN, text, negative, inf or absurd
    if bad_pop.any():
        k = int(bad_pop.to_numpy().argmax())
        raise problem("population_field", f"a population ≥ 0 in {ref.population_field} of every "
                      "commune", f"{file_name}: feature {df['id'].iloc[k]!r} has {_value_text(raw.iloc[k])}")
    if pop.sum() <= 0:
        raise problem("population_field", f"a population in {ref.population_field} (all are 0)",
                      f"{file_name}: total {pop.sum():g}")
    out = df.copy()
    out["population_2019"] = pop.to_numpy()
    return out


def _value_text(value: Any) -> str:
    """A cell as a planner would read it: 'text' quoted, numbers plain, a null as `no value`."""
    if value is None:
        return "no value"
    return repr(value) if isinstance(value, str) else str(value)


def _check_coverage(loaded: LoadedScenario, communes: gpd.GeoDataFrame,
                    district: gpd.GeoDataFrame) -> None:
    """The planner's communes must cover the district (else they are another place, or a
    wrong CRS moved them)."""
    d = district.to_crs(METRIC_CRS).union_all()
    c = communes.to_crs(METRIC_CRS).union_all()
    covered = d.intersection(c).area / d.area if d.area > 0 else 1.0
    if covered < COVER_MIN:
        far = d.distance(c) / 1000.0
        raise _located(loaded, ("geodata", "communes", "file"),
                       f"communes covering at least {COVER_MIN:.0%} of the district outline",
                       f"{covered:.0%} covered" + (f", the nearest {far:,.1f} km away" if far > 0
                                                     else ""))


def scenario_layers(loaded: LoadedScenario) -> dict[str, gpd.GeoDataFrame]:
    """The layers a scenario uses: the bundled ones, with those named under `geodata:`
    replaced by the planner's files."""
    layers = {name: load_layer(name) for name in LAYERS}
    for name in _OVERRIDABLE:
        ref = getattr(loaded.scenario.geodata, name)
        if ref is not None:
            layers[name] = _read_layer_file(loaded, name, ref)
    if loaded.scenario.geodata.communes is not None:
        _check_coverage(loaded, layers["communes"], layers["district"])
    return layers
