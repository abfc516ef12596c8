"""The bundled GIS layers (geodata/thuong_tin.gpkg): provenance, geometry rules, freshness.

The GeoPackage is built by geodata/build.py from the CSV tables next to it; these tests
rebuild it once per session (a few seconds) and compare."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from simulator.bundled_geodata import constraints as K

ROOT = Path(__file__).resolve().parents[1]
GEODATA = ROOT / "geodata"
GPKG = GEODATA / "thuong_tin.gpkg"
WORK_CRS = "EPSG:5897"
ACCURACY = {"surveyed", "digitised", "schematic"}
DISTRICT_AREA_KM2 = 127.59
POPULATION_2019 = 254_702

EXPECTED_CLUSTERS = {
    # id: (declared area ha, status)
    "quat_dong": (23.6, "operating"),
    "quat_dong_mo_rong": (43.0, "operating"),
    "ha_binh_phuong": (41.6, "operating"),
    "lien_phuong": (18.8, "operating"),
    "duyen_thai": (18.4, "operating"),
    "tien_phong_1": (8.2667, "operating"),
    "ninh_so_1": (8.2667, "operating"),
    "van_tu": (8.2667, "operating"),
    "dung_tien": (8.2667, "operating"),
    "van_diem": (8.2667, "operating"),
    "unnamed_11": (8.2667, "operating"),
    "tien_phong_2": (8.1, "under_construction"),
    "thang_loi": (8.9, "under_construction"),
    "ninh_so_2": (7.7, "under_construction"),
    "hien_giang": (9.62, "approved"),
    "hoa_binh": (7.04, "approved"),
    "tin_an": (74.0, "proposed"),
    "phu_van": (73.0, "proposed"),
    "thong_nhat": (65.0, "proposed"),
    "van_ninh": (45.0, "proposed"),
    "nhat_hieu": (34.0, "proposed"),
}
INFERRED = {"tien_phong_1", "ninh_so_1", "van_tu", "dung_tien", "van_diem", "unnamed_11"}
CRAFT = {
    "tien_phong_1", "tien_phong_2", "ninh_so_1", "ninh_so_2", "van_diem", "hien_giang", "hoa_binh"
}
# cluster set-backs from road centrelines (railway/national/expressway: simulator/rules/rules.yaml)
CLEARANCE_M = {
    "railway": 30.0, "national": 30.0, "expressway": 50.0, "ring": 30.0, "provincial": 20.0
}
DIKE_CLEARANCE_M = 45.0  # simulator/rules/rules.yaml dike_corridor: 25 m corridor + 20 m to the toe


def _load_build_module():
    spec = importlib.util.spec_from_file_location("geodata_build", GEODATA / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def build_mod():
    return _load_build_module()


@pytest.fixture(scope="session")
def rebuilt(build_mod):
    """Layers built from the CSV inputs, once per session."""
    return build_mod.build_layers()


@pytest.fixture(scope="session")
def committed():
    """Layers as stored in the committed GeoPackage."""
    assert GPKG.exists(), "run: python geodata/build.py"
    names = [n for n, _ in pyogrio.list_layers(GPKG)]
    return {n: pyogrio.read_dataframe(GPKG, layer=n) for n in names}


@pytest.fixture(scope="session")
def proj(committed):
    """Spatial layers of the committed GeoPackage in the projected working CRS."""
    return {n: g.to_crs(WORK_CRS) for n, g in committed.items() if isinstance(g, gpd.GeoDataFrame)}


def _spatial(layers):
    return {n: g for n, g in layers.items() if isinstance(g, gpd.GeoDataFrame)}


# --- provenance ----------------------------------------------------------------------
def test_layers_present(committed, build_mod):
    assert set(committed) == set(build_mod.LAYER_ORDER)
    assert not isinstance(committed["crosswalk"], gpd.GeoDataFrame)
    for name, g in _spatial(committed).items():
        assert g.crs.to_epsg() == 4326, name
        assert len(g) > 0, name


def test_every_feature_has_provenance(committed):
    for name, g in _spatial(committed).items():
        for col in ("id", "name", "name_ascii", "source", "accuracy", "error_m"):
            assert col in g.columns, (name, col)
        assert g["id"].is_unique, name
        assert g["id"].str.fullmatch(r"[a-z0-9_]+").all(), name
        assert (g["name"].str.strip().str.len() > 0).all(), name
        assert g["name_ascii"].map(str.isascii).all(), name
        assert (g["source"].str.strip().str.len() > 10).all(), name
        assert set(g["accuracy"]) <= ACCURACY, name
        err = g["error_m"].to_numpy(float)
        assert np.isfinite(err).all() and (err > 0).all(), name
        assert g.geometry.is_valid.all() and not g.geometry.is_empty.any(), name


def test_source_tables_cite_sources():
    for csv in sorted(GEODATA.glob("*.csv")):
        t = pd.read_csv(csv, encoding="utf-8")
        if csv.name == "crosswalk_2025.csv":
            continue  # generated
        assert "source" in t.columns, csv.name
        assert t["source"].notna().all() and (t["source"].str.len() > 10).all(), csv.name
        if "accuracy" in t.columns:
            assert set(t["accuracy"]) <= ACCURACY, csv.name
            assert (t["error_m"].astype(float) > 0).all(), csv.name


def test_schematic_features_are_marked(committed):
    assert set(committed["clusters"]["accuracy"]) == {"schematic"}
    assert set(committed["communes"]["accuracy"]) == {"schematic"}
    assert set(committed["district"]["accuracy"]) == {"schematic"}
    roads = committed["roads"].set_index("id")
    assert roads.loc["railway", "accuracy"] == "digitised"
    assert roads.loc["ql1a", "accuracy"] == "digitised"
    for rid in ("expressway_ct01", "ring_road_4", "me_so_bridge", "dt427", "dt427b", "dt429"):
        assert roads.loc[rid, "accuracy"] == "schematic", rid


# --- district and communes --------------------------------------------------------------
def test_district(proj):
    d = proj["district"]
    assert list(d["id"]) == ["thuong_tin"]
    assert d["name"].iloc[0] == "Huyện Thường Tín"
    geom = d.geometry.iloc[0]
    assert geom.geom_type == "Polygon"
    assert abs(geom.area / 1e6 / DISTRICT_AREA_KM2 - 1) < 0.03
    lon0, lat0, lon1, lat1 = gpd.GeoSeries([geom], crs=WORK_CRS).to_crs(4326).total_bounds
    assert lon0 >= 105.8127 - 1e-4 and lon1 <= 105.9361 + 1e-4
    assert lat0 >= 20.7519 - 1e-4 and lat1 <= 20.9118 + 1e-4


def test_communes_tessellate_district(proj):
    c = proj["communes"]
    district = proj["district"].geometry.iloc[0]
    assert len(c) == 29 and "tt_thuong_tin" in set(c["id"])
    union = shapely.union_all(c.geometry.to_numpy())
    assert union.geom_type == "Polygon" and not list(union.interiors)  # no gaps
    assert abs(union.area / district.area - 1) < 1e-3
    assert shapely.symmetric_difference(union, district).area < 1e-3 * district.area
    geoms = c.geometry.to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]]))
    assert overlap.max(initial=0.0) <= 1.0


def test_commune_areas_fit_official(proj):
    """Areas are a soft target of the fit (GADM areas are themselves ±10–20 %): every
    residual within K.AREA_TOLERANCE, and the layer reports it."""
    c = proj["communes"]
    district_area = proj["district"].geometry.iloc[0].area
    target = c["area_km2_official"] / c["area_km2_official"].sum() * district_area
    err = c.geometry.area / target - 1
    assert err.abs().max() <= K.AREA_TOLERANCE, c.loc[err.abs().idxmax(), "id"]
    assert np.allclose(c["area_km2"], c.geometry.area / 1e6, rtol=1e-3)
    assert np.allclose(c["area_residual_pct"], 100 * err, atol=0.02)


# --- what the sources say (commune_neighbours.csv) ----------------------------------------
@pytest.fixture(scope="module")
def cons(committed):
    table = K.read_neighbours(GEODATA)
    assert K.validate_neighbours(table, list(committed["communes"]["id"])) == []
    return K.build_constraints(table, list(committed["communes"]["id"]))


def test_sources_state_constraints(cons):
    """The table is not empty talk: pairs, exclusions, river communes and district edges."""
    assert len(cons.neighbours) >= 30 and len(cons.non_neighbours) >= 100
    assert {cons.ids[i] for i in cons.river} == {"tu_nhien", "le_loi"}
    assert cons.contradictions  # kept and shown, not dropped
    pair = tuple(sorted((cons.ids.index("ha_hoi"), cons.ids.index("thu_phu"))))
    assert pair in cons.neighbours and pair not in cons.non_neighbours


def _shared(proj):
    return K.shared_lengths(proj["communes"].geometry.to_numpy())


def test_stated_neighbours_share_an_edge(proj, cons):
    L = _shared(proj)
    short = {(cons.ids[i], cons.ids[j]): round(L[i, j]) for i, j in cons.neighbours
             if L[i, j] < K.MIN_SHARED_M}
    assert not short


def test_excluded_pairs_share_no_edge(proj, cons):
    L = _shared(proj)
    touching = {(cons.ids[i], cons.ids[j]): round(L[i, j]) for i, j in cons.non_neighbours
                if L[i, j] >= K.MIN_SHARED_M}
    assert not touching


def test_stated_sides_and_edges(proj, cons):
    district = proj["district"].geometry.iloc[0]
    edge = build_edge(proj)
    agree = K.agreement(cons, proj["communes"].geometry.to_numpy(), district, edge)
    # the one statement the fit does not meet (geodata/README.md): Hà Hồi's page puts Vân
    # Tảo to its north; the fitted Vân Tảo touches Hà Hồi on its east side
    assert set(agree.failures) <= KNOWN_MISSES, agree.failures
    assert agree.sides_ok >= agree.sides - len(KNOWN_MISSES) and agree.sides > 30
    assert agree.outside == agree.outside_ok > 5
    failed = dict(zip(proj["communes"]["id"], proj["communes"]["constraints_failed"]))
    assert {k for k, v in failed.items() if v} <= {"ha_hoi", "van_tao"}


KNOWN_MISSES = {"side: van_tao is not N of ha_hoi"}


def build_edge(proj):
    """The river-facing side of the district: where the river band touches the outline."""
    river = proj["water"].set_index("kind").loc["river"].geometry
    district = proj["district"].geometry.iloc[0]
    return shapely.intersection(district.boundary, river.buffer(1.0))


def test_river_communes_touch_the_river(proj, cons):
    river = proj["water"].set_index("kind").loc["river"].geometry
    c = proj["communes"]
    for i in cons.river:
        cell = c.geometry.iloc[i]
        assert cell.distance(river) < 1.0, cons.ids[i]
        along = cell.boundary.intersection(river.buffer(1.0)).length
        assert along >= K.MIN_SHARED_M, (cons.ids[i], along)


def test_error_m_follows_the_residuals(proj):
    c = proj["communes"]
    size = np.sqrt(c.geometry.area)
    floor = np.sqrt((K.GADM_SHARE * size) ** 2 + (K.SHAPE_SHARE * size) ** 2)
    assert (c["error_m"] >= np.round(floor, -1) - 10).all()
    assert (c["error_m"] >= np.round(c["centroid_offset_m"], -1) - 10).all()
    assert c["error_m"].nunique() > 5  # per commune, not one blanket figure


def test_agreement_on_a_hand_made_grid():
    """Four 1 km squares A B / C D: A–B and A–C share 1 km edges, A–D only a corner."""
    sq = [shapely.box(x, y, x + 1000, y + 1000) for x, y in ((0, 1000), (1000, 1000),
                                                              (0, 0), (1000, 0))]
    L = K.shared_lengths(sq)
    assert L[0, 1] == L[0, 2] == 1000 and L[0, 3] == 0 and L[1, 2] == 0
    table = pd.DataFrame([
        dict(commune_id="a", side="E", kind="commune", neighbour_id="b", listing="complete"),
        dict(commune_id="a", side="S", kind="commune", neighbour_id="c", listing="complete"),
        dict(commune_id="a", side="N", kind="outside", neighbour_id="", listing="complete"),
        dict(commune_id="d", side="E", kind="river", neighbour_id="red_river",
             listing="partial"),
    ]).assign(neighbour_name="", confidence="H", source_date="n.d.", source="hand-made case")
    cons = K.build_constraints(table, ["a", "b", "c", "d"])
    assert set(cons.neighbours) == {(0, 1), (0, 2)} and cons.non_neighbours == {(0, 3)}
    district = shapely.box(0, 0, 2000, 2000)
    east = shapely.LineString([(2000, 2000), (2000, 0)])
    ok = K.agreement(cons, sq, district, east)
    assert ok.all_ok and ok.sides == 2 and ok.river == ok.outside == 1
    swapped = K.agreement(cons, [sq[1], sq[0], sq[2], sq[3]], district, east)  # a and b swap
    assert "side: b is not E of a" in swapped.failures
    assert "not neighbours: a–c (0 m)" in swapped.failures
    assert swapped.failed_per_commune[0] >= 2


def test_communes_contain_their_centres(proj):
    c = proj["communes"]
    pts = gpd.GeoSeries.from_xy(c["centroid_lon"], c["centroid_lat"], crs=4326).to_crs(WORK_CRS)
    assert c.geometry.contains(pts, align=False).all()


def test_population_totals(committed):
    assert committed["communes"]["population_2019"].sum() == POPULATION_2019
    assert committed["district"]["population_2019"].iloc[0] == POPULATION_2019
    assert committed["communes_2025"]["population_2019"].sum() == POPULATION_2019


def test_crosswalk_covers_every_old_commune(committed):
    cw = committed["crosswalk"]
    communes = committed["communes"]
    assert set(cw["old_id"]) == set(communes["id"])
    share = cw.groupby("old_id")["share"].sum()
    assert np.allclose(share, 1.0)
    new_ids = set(committed["communes_2025"]["id"])
    assigned = cw[cw["share"] > 0]
    assert set(assigned["new_id"]) == new_ids
    assert {"ngoc_hoi_2025", "nam_phu_2025"} <= set(cw["new_id"])  # parts only, no polygon
    csv = pd.read_csv(GEODATA / "crosswalk_2025.csv", encoding="utf-8")
    assert csv.astype(str).equals(cw.astype(str))


def test_communes_2025_are_dissolves(proj, committed):
    new = proj["communes_2025"]
    old = proj["communes"].set_index("id")
    main = {"thuong_tin_2025", "hong_van_2025", "thuong_phuc_2025", "chuong_duong_2025"}
    assert main <= set(new["id"])
    for r in new.itertuples():
        members = r.member_ids.split(",")
        assert math.isclose(r.geometry.area, old.loc[members].geometry.area.sum(), rel_tol=1e-6)
    thuong_phuc = new.set_index("id").loc["thuong_phuc_2025"]
    assert set(thuong_phuc["member_ids"].split(",")) == {
        "tan_minh", "dung_tien", "quat_dong", "nghiem_xuyen", "nguyen_trai"
    }
    hong_van = new.set_index("id").loc["hong_van_2025"]
    assert "Duyên Thái" in hong_van["split_note"]


# --- clusters -------------------------------------------------------------------------------
def test_cluster_ids_status_and_kind(committed):
    cl = committed["clusters"].set_index("id")
    assert set(cl.index) == set(EXPECTED_CLUSTERS)
    for cid, (area, status) in EXPECTED_CLUSTERS.items():
        assert cl.loc[cid, "status"] == status, cid
        assert math.isclose(cl.loc[cid, "area_ha"], area, rel_tol=1e-6), cid
    assert set(cl.index[cl["inferred"].astype(bool)]) == INFERRED
    assert set(cl.index[cl["kind"] == "craft_village"]) == CRAFT
    assert set(cl["kind"]) == {"craft_village", "general"}
    assert cl.loc["unnamed_11", "name"] == "CCN chưa xác định (thứ 11)"
    assert cl.loc[list(INFERRED), "source"].str.contains("INFERRED").all()
    assert "ASSUMPTION" in cl.loc["tin_an", "position_method"]
    operating = cl[cl["status"] == "operating"]["area_ha"].sum()
    assert math.isclose(operating, 195.0, abs_tol=0.01)


def test_cluster_areas_match_declared(proj):
    cl = proj["clusters"]
    err = cl.geometry.area / 1e4 / cl["area_ha"] - 1
    assert err.abs().max() < 0.02
    assert np.allclose(cl["area_ha_measured"], cl.geometry.area / 1e4, rtol=1e-4)


def test_clusters_inside_their_commune_and_district(proj):
    cl = proj["clusters"]
    communes = proj["communes"].set_index("id")
    district = proj["district"].geometry.iloc[0]
    assert cl.geometry.within(district).all()
    own = communes.loc[cl["commune_id"]].geometry.to_numpy()
    assert shapely.within(cl.geometry.to_numpy(), own).all()


def test_clusters_do_not_overlap(proj):
    geoms = proj["clusters"].geometry.to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=1.0)
    assert (left == right).all()


def test_clusters_sharing_a_commune_sit_side_by_side(proj):
    cl = proj["clusters"].set_index("id")
    for a, b in (("tien_phong_1", "tien_phong_2"), ("ninh_so_1", "ninh_so_2")):
        assert cl.loc[a, "commune_id"] == cl.loc[b, "commune_id"]
        gap = cl.loc[a].geometry.distance(cl.loc[b].geometry)
        assert 0 < gap < 1000, (a, b, gap)


def test_clusters_clear_of_roads_and_water(proj):
    cl = proj["clusters"].geometry.to_numpy()
    roads = proj["roads"]
    for r in roads.itertuples():
        gap = shapely.distance(cl, r.geometry).min()
        assert gap >= CLEARANCE_M[r.kind] - 1.0, (r.id, gap)
    water = proj["water"]
    for r in water.itertuples():
        assert not shapely.intersects(cl, r.geometry).any(), r.id
    dike = water.set_index("kind").loc["dike"].geometry
    assert shapely.distance(cl, dike).min() >= DIKE_CLEARANCE_M


def test_cluster_error_includes_offset(committed):
    cl = committed["clusters"]
    assert (cl["error_m"] >= cl["offset_m"]).all()
    assert (cl["error_m"] >= 1000).all()


# --- roads, points, water ---------------------------------------------------------------------
def test_roads(proj):
    roads = proj["roads"]
    assert {"railway", "national", "expressway", "ring", "provincial"} == set(roads["kind"])
    assert {
        "railway", "ql1a", "expressway_ct01", "ring_road_4", "me_so_bridge", "dt427", "dt429"
    } <= set(roads["id"])
    extent = proj["district"].geometry.iloc[0].buffer(1000 + 1)
    assert roads.geometry.within(extent).all()
    assert set(roads.geom_type) == {"MultiLineString"}


def test_points(committed):
    pts = committed["points"]
    assert {"ic_thuong_tin", "ic_van_diem", "me_so_pagoda"} <= set(pts["id"])
    assert set(pts.geom_type) == {"Point"}


def test_water(proj):
    water = proj["water"].set_index("kind")
    district = proj["district"].geometry.iloc[0]
    river = water.loc["river"].geometry
    assert river.geom_type == "Polygon"
    assert river.intersection(district).area < 1.0  # outside the outline ...
    assert river.distance(district) < 1.0  # ... along its eastern edge
    east = district.bounds[2]
    assert river.bounds[2] > east
    dike = water.loc["dike"].geometry
    assert dike.geom_type == "LineString"
    assert dike.within(district.buffer(1.0))
    pagoda = proj["points"].set_index("id").loc["me_so_pagoda"].geometry
    assert not pagoda.within(river) and pagoda.distance(river) < 500  # just over the far bank
    for rid in ("railway", "ql1a", "expressway_ct01"):  # all landward of the dike
        road = proj["roads"].set_index("id").loc[rid].geometry
        assert road.intersection(water.loc["floodplain"].geometry).length == 0, rid
    tu_nhien = proj["communes"].set_index("id").loc["tu_nhien"].geometry
    assert tu_nhien.buffer(-1).within(water.loc["floodplain"].geometry)  # outside the dike


# --- freshness and determinism ---------------------------------------------------------------
def _assert_frames_match(a: pd.DataFrame, b: pd.DataFrame, name: str, rtol: float) -> None:
    assert list(a.columns) == list(b.columns), name
    assert list(a["id"] if "id" in a else a.index) == list(b["id"] if "id" in b else b.index), name
    for col in a.columns:
        if col == "geometry":
            continue
        x, y = a[col], b[col]
        if pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x):
            x, y = x.to_numpy(float), y.to_numpy(float)
            close = np.allclose(x, y, rtol=rtol, atol=0, equal_nan=True)
            assert close, (name, col)
        else:
            assert x.astype(str).tolist() == y.astype(str).tolist(), (name, col)


def test_committed_gpkg_is_up_to_date(rebuilt, committed):
    assert set(rebuilt) == set(committed)
    for name, new in rebuilt.items():
        old = committed[name]
        _assert_frames_match(new, old, name, rtol=1e-9)
        if isinstance(new, gpd.GeoDataFrame):
            a, b = new.to_crs(WORK_CRS).geometry, old.to_crs(WORK_CRS).geometry
            assert np.allclose(a.area, b.area, rtol=1e-7, atol=1e-3), name
            assert np.allclose(a.length, b.length, rtol=1e-7, atol=1e-3), name
            assert (shapely.hausdorff_distance(a.to_numpy(), b.to_numpy()) < 0.01).all(), name


def test_build_is_deterministic(rebuilt, build_mod):
    again = build_mod.build_layers()
    for name, new in again.items():
        _assert_frames_match(new, rebuilt[name], name, rtol=0)
        if isinstance(new, gpd.GeoDataFrame):
            same = shapely.equals_exact(new.geometry.values, rebuilt[name].geometry.values, 0)
            assert same.all(), name


def test_writer_round_trips(rebuilt, build_mod, tmp_path):
    out = tmp_path / "bundle.gpkg"
    build_mod.write_gpkg(rebuilt, out)
    names = [n for n, _ in pyogrio.list_layers(out)]
    assert set(names) == set(rebuilt)
    for name in names:
        back = pyogrio.read_dataframe(out, layer=name)
        _assert_frames_match(rebuilt[name], back, name, rtol=0)
        if isinstance(back, gpd.GeoDataFrame):
            same = shapely.equals_exact(back.geometry.values, rebuilt[name].geometry.values, 0)
            assert same.all(), name
