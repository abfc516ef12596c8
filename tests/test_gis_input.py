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
