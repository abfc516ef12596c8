"""The planner's own GIS files as cluster geometry: CRSs, formats and every bad-file case."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from simulator.errors import GeodataError
from simulator.geodata import area_ha, resolve_cluster_geometries
from simulator.scenario.load import load_scenario

from conftest import DATA

ALPHA = shapely.from_wkt(
    "POLYGON ((105.870 20.840, 105.873 20.840, 105.873 20.8429, 105.870 20.8429, 105.870 20.840))")
INLINE = 'inline: "POLYGON ((105.870 20.840, 105.873 20.840, 105.873 20.8429, 105.870 20.8429, 105.870 20.840))"'


def _scenario_with(tmp_path: Path, geometry_yaml: str) -> Path:
    text = (DATA / "mini.yaml").read_text(encoding="utf-8").replace(INLINE, geometry_yaml)
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _write(tmp_path: Path, name: str, geoms: list, crs: str | None, **cols) -> Path:
    frame = gpd.GeoDataFrame({"ma_ccn": ["A1", "B2"][: len(geoms)], **cols}, geometry=geoms,
                             crs="EPSG:4326")
    if crs:
        frame = frame.to_crs(crs)
    path = tmp_path / name
    frame.to_file(path, layer="ccn" if path.suffix == ".gpkg" else None)
    return path


@pytest.mark.parametrize("crs", ["EPSG:5897", "EPSG:9209", "EPSG:3405", "EPSG:4326"])
def test_vn2000_and_wgs84_files_keep_their_area(tmp_path, crs) -> None:
    """VN-2000 TM-3 105°00′ and 105°30′, VN-2000 UTM 48N and WGS84 round-trip within 0.1 %."""
    _write(tmp_path, "ccn.gpkg", [ALPHA, ALPHA.buffer(0.001)], crs)
    s = _scenario_with(tmp_path, "file: ccn.gpkg\n      layer: ccn\n      id_field: ma_ccn\n      feature: A1")
    got = resolve_cluster_geometries(load_scenario(s)).frame
    expected = float(area_ha(gpd.GeoSeries([ALPHA], crs="EPSG:4326")).iloc[0])
    assert got.loc[0, "area_ha_measured"] == pytest.approx(expected, rel=1e-3)
    assert got.loc[0, "accuracy"] == "digitised"


def test_file_without_crs_uses_the_scenario_crs(tmp_path) -> None:
    path = _write(tmp_path, "ccn.shp", [ALPHA], "EPSG:5897")
    path.with_suffix(".prj").unlink()
    s = _scenario_with(tmp_path, "file: ccn.shp")
    with pytest.raises(GeodataError) as e:
        resolve_cluster_geometries(load_scenario(s))
    assert "expected a file with a CRS, or `crs:` in the scenario" in str(e.value)
    assert "found ccn.shp has no CRS" in str(e.value) and str(s) in str(e.value)
    ok = _scenario_with(tmp_path, "file: ccn.shp\n      crs: EPSG:5897")
    assert resolve_cluster_geometries(load_scenario(ok)).frame.loc[0, "area_ha_measured"] > 8


BAD = {
    "unknown id": ([ALPHA], "id_field: ma_ccn\n      feature: ZZ", "expected a ma_ccn value in ccn.gpkg, found 'ZZ'"),
    "unknown field": ([ALPHA], "id_field: code\n      feature: A1", "expected a field of ccn.gpkg"),
    "empty geometry": ([shapely.Polygon()], "", "expected a non-empty polygon, found an empty geometry"),
    "a line": ([shapely.LineString(ALPHA.exterior.coords)], "", "expected a polygon, found LineString"),
    "wrong hemisphere": ([shapely.affinity.translate(ALPHA, xoff=-211.7)], "",
                         "expected a polygon in northern Việt Nam"),
    "bow tie": ([shapely.from_wkt("POLYGON ((105.87 20.84, 105.873 20.843, 105.873 20.84, 105.87 20.843, 105.87 20.84))")],
                "", "expected a valid polygon (repair would change its area by more than 0.5 %)"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_files_exit_2_with_file_and_feature_named(tmp_path, cli, case) -> None:
    geoms, extra, message = BAD[case]
    _write(tmp_path, "ccn.gpkg", geoms, None)
    s = _scenario_with(tmp_path, "file: ccn.gpkg" + (f"\n      {extra}" if extra else ""))
    code, _, err = cli("validate", s)
    assert code == 2, err
    assert message in err
    assert err.startswith(f"{s}:") and "clusters[alpha].geometry" in err


def test_tiny_invalidity_is_repaired_with_a_warning(tmp_path, cli) -> None:
    """A polygon with a duplicated spike vertex repairs with < 0.5 % area change."""
    spiky = shapely.from_wkt("POLYGON ((105.870 20.840, 105.873 20.840, 105.873 20.8429, 105.8715 20.8429, "
                             "105.8715 20.84295, 105.8715 20.8429, 105.870 20.8429, 105.870 20.840))")
    assert not spiky.is_valid
    _write(tmp_path, "ccn.gpkg", [spiky], None)
    s = _scenario_with(tmp_path, "file: ccn.gpkg")
    g = resolve_cluster_geometries(load_scenario(s))
    assert any("invalid geometry repaired" in w for w in g.warnings)
    assert g.frame.geometry.iloc[0].is_valid


def _communes_file(tmp_path: Path, crs: str = "EPSG:5897") -> Path:
    """The bundled communes as a planner would hand them over: VN-2000, Vietnamese fields."""
    from simulator.geodata import load_layer

    src = load_layer("communes")[["id", "name", "population_2019", "geometry"]]
    mine = src.rename(columns={"id": "ma_xa", "name": "ten_xa", "population_2019": "dan_so"})
    mine["dan_so"] = mine["dan_so"] * 2  # twice the people: the labour supply must follow
    mine.loc[0, "ten_xa"] = "Xã Thử Nghiệm"  # a name only the planner's file has
    path = tmp_path / "xa.gpkg"
    mine.to_crs(crs).to_file(path, layer="xa")
    return path


def test_a_whole_layer_from_the_planners_file(tmp_path, cli) -> None:
    """`geodata: communes:` swaps the bundled communes for a VN-2000 file; the labour
    catchment, the GeoPackage and the map use it."""
    import pyogrio

    from simulator.run import run_file

    _communes_file(tmp_path)
    extra = ("geodata:\n  communes: {file: xa.gpkg, layer: xa, id_field: ma_xa, name_field: ten_xa,"
             " population_field: dan_so}\n")
    text = (DATA / "mini.yaml").read_text(encoding="utf-8") + extra
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    plain = run_file(DATA / "mini.yaml").results
    mine = run_file(path)
    assert mine.layers["communes"]["source"].iloc[0] == "planner file xa.gpkg"
    assert mine.layers["communes"]["accuracy"].iloc[0] == "surveyed"
    ratio = mine.results.communes["labour_available"] / plain.communes["labour_available"]
    assert ratio == pytest.approx(2.0)
    assert cli("run", path, "--out", tmp_path / "out", "--quiet")[0] == 0
    communes = pyogrio.read_dataframe(tmp_path / "out/mini/clusters.gpkg", layer="communes")
    assert communes["population_2019"].sum() == 2 * 254_702
    assert "Xã Thử Nghiệm" in (tmp_path / "out/mini/map.html").read_text(encoding="utf-8")


def test_a_layer_file_without_population_is_a_located_error(tmp_path, cli) -> None:
    _communes_file(tmp_path)
    text = (DATA / "mini.yaml").read_text(encoding="utf-8") + (
        "geodata:\n  communes: {file: xa.gpkg, id_field: ma_xa, name_field: ten}\n")
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    code, _, err = cli("validate", path)
    assert code == 2 and err.startswith(f"{path}:")
    assert "geodata.communes.population_field: expected the attribute with each commune's population" in err
    path.write_text(text.replace("name_field: ten}", "name_field: ten, population_field: dan_so}"))
    code, _, err = cli("validate", path)
    assert code == 2 and "geodata.communes.name_field: expected a field of xa.gpkg (ma_xa, ten_xa, dan_so)" in err
    assert "found 'ten'" in err


def test_a_bundled_outline_is_the_first_feature_of_its_id(monkeypatch) -> None:
    """`bundled: <id>` takes the outline and accuracy of the clusters layer's first feature
    with that id (one look-up table per process, not a pass over the layer per cluster)."""
    from simulator import geodata

    shapes = [shapely.box(105.87, 20.84, 105.873 + k / 1000, 20.843) for k in range(3)]
    layer = gpd.GeoDataFrame({"id": ["a", "b", "a"], "accuracy": ["surveyed", "schematic", "digitised"]},
                             geometry=shapes, crs="EPSG:4326")
    monkeypatch.setattr(geodata, "load_layer", lambda name: layer)
    geodata._bundled_outlines.cache_clear()
    try:
        outlines = geodata._bundled_outlines()
        assert outlines == {"a": (shapes[0], "surveyed"), "b": (shapes[1], "schematic")}
    finally:
        geodata._bundled_outlines.cache_clear()
