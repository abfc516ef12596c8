"""Fixed costs of a run (issue 13): what is cut must change no output byte."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from simulator.geodata import fixed_gpkg_date


def _frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": ["a", "b"], "area_ha": [1.5, 2.25]},
                            geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
                            crs="EPSG:4326")


def _write(path: Path) -> bytes:
    _frame().to_file(path, layer="clusters", driver="GPKG")
    _frame().to_file(path, layer="communes", driver="GPKG")
    return path.read_bytes()


def test_gpkg_without_fsync_has_the_same_bytes_and_options_come_back(tmp_path) -> None:
    """Inside `fixed_gpkg_date` SQLite does not fsync at each commit: the file is the same,
    byte for byte, as one written with fsync (and the stamp fixed), and GDAL's options are
    as they were afterwards, also when the block raises."""
    keys = ("OGR_CURRENT_DATE", "OGR_SQLITE_SYNCHRONOUS")
    before = {k: pyogrio.get_gdal_config_option(k) for k in keys}
    with fixed_gpkg_date():
        assert pyogrio.get_gdal_config_option("OGR_SQLITE_SYNCHRONOUS") is False  # "OFF"
        fast = _write(tmp_path / "fast.gpkg")
    assert {k: pyogrio.get_gdal_config_option(k) for k in keys} == before
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2025-01-01T00:00:00.000Z",
                                     "OGR_SQLITE_SYNCHRONOUS": "FULL"})
    try:
        synced = _write(tmp_path / "synced.gpkg")
    finally:
        pyogrio.set_gdal_config_options(before)
    assert fast == synced
    with pytest.raises(RuntimeError), fixed_gpkg_date():
        raise RuntimeError("a failed write")
    assert {k: pyogrio.get_gdal_config_option(k) for k in keys} == before
