"""A planner's communes layer is sanity-checked: every bad case is one located line naming the
file and the feature (exit 2, nothing written); a good one keeps the labour balance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import DATA

LAYER = ("geodata:\n  communes: {file: xa.gpkg, layer: xa, id_field: ma_xa, name_field: ten_xa,"
         " population_field: dan_so%s}\n")


def _bundled_communes() -> Any:
    from simulator.geodata import load_layer

    src = load_layer("communes")[["id", "name", "population_2019", "geometry"]]
    return src.rename(columns={"id": "ma_xa", "name": "ten_xa", "population_2019": "dan_so"})


def _scenario(tmp_path: Path, frame: Any, crs: str | None = "EPSG:5897", extra: str = "") -> Path:
    """mini.yaml with `geodata: communes:` naming `frame` written as xa.gpkg (in `crs`, or
    with its CRS as it is when `crs` is None)."""
    (frame.to_crs(crs) if crs else frame).to_file(tmp_path / "xa.gpkg", layer="xa")
    path = tmp_path / "m.yaml"
    path.write_text((DATA / "mini.yaml").read_text(encoding="utf-8") + LAYER % extra,
                    encoding="utf-8")
    return path


def _set(df: Any, column: str, value: Any, row: int | None = 4) -> Any:
    if row is None:
        df[column] = value
    else:
        df[column] = df[column].astype(object) if isinstance(value, str) else df[column]
        df.loc[row, column] = value
    return df


EDITS = {
    "negative": lambda df: _set(df, "dan_so", -30_000),
    "nan": lambda df: _set(df, "dan_so", np.nan),
    "text": lambda df: _set(df, "dan_so", "nhiều"),
    "zero": lambda df: _set(df, "dan_so", 0, None),
    "points": lambda df: df.set_geometry(df.geometry.representative_point()),
    "empty": lambda df: df.iloc[:0],
    "three": lambda df: df.iloc[:3],
    "same ids": lambda df: _set(df, "ma_xa", df["ma_xa"].iloc[4], None),
    # 1,100 km south: a valid CRS, the wrong place
    "far away": lambda df: df.set_geometry(df.geometry.translate(yoff=-10)),
    # 40 km west, inside the Việt Nam box
    "beside the district": lambda df: df.set_geometry(df.geometry.translate(xoff=-0.4)),
}


def _edited(edit: str) -> Any:
    """The bundled communes with one planner's mistake, and the id of the feature it hits."""
    import geopandas as gpd

    df = _bundled_communes()
    first = df["ma_xa"].iloc[4]
    df = EDITS.get(edit, lambda d: d)(df)
    return gpd.GeoDataFrame(df, geometry=df.geometry.name, crs="EPSG:4326"), first


CASES = {  # edit: (CRS written, crs: in the scenario, message)
    "negative": ("EPSG:5897", "", "geodata.communes.population_field: expected a population ≥ 0 "
                 "in dan_so of every commune, found xa.gpkg: feature {first!r} has -30000"),
    "nan": ("EPSG:5897", "", "feature {first!r} has nan"),
    "text": ("EPSG:5897", "", "feature {first!r} has 'nhiều'"),
    "zero": ("EPSG:5897", "", "geodata.communes.population_field: expected a population in dan_so "
             "(all are 0), found xa.gpkg: total 0"),
    "points": ("EPSG:5897", "", "geodata.communes.file: expected a polygon for every commune, "
               "found xa.gpkg: feature"),
    "empty": ("EPSG:5897", "", "geodata.communes.file: expected at least 5 communes (polygons "
              "with a population), found xa.gpkg has 0"),
    "three": ("EPSG:5897", "", "expected at least 5 communes (polygons with a population), found "
              "xa.gpkg has 3"),
    "same ids": ("EPSG:5897", "", "geodata.communes.id_field: expected a unique ma_xa for every "
                 "commune, found xa.gpkg: {first!r} on 29 features"),
    "far away": ("EPSG:4326", "", "geodata.communes.file: expected communes covering at least "
                 "90% of the district outline, found 0% covered, the nearest 1,088.9 km away"),
    "beside the district": ("EPSG:5897", "", "geodata.communes.file: expected communes covering "
                            "at least 90% of the district outline, found 0% covered, the nearest"),
    "metric labelled wgs84": (None, "", "wrong CRS, or metric coordinates labelled EPSG:4326?"),
    "unknown crs": ("EPSG:5897", ", crs: 'EPSG:99999'", "geodata.communes.crs: expected a CRS "
                    "PROJ knows"),
    "crs against the file's": ("EPSG:5897", ", crs: 'EPSG:4326'", "geodata.communes.crs: expected "
                               "no `crs:` (xa.gpkg declares EPSG:5897"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_communes_layer_is_one_located_line(tmp_path, cli, case) -> None:
    crs, extra, message = CASES[case]
    frame, first = _edited(case)
    if case == "metric labelled wgs84":
        frame = frame.to_crs("EPSG:5897").set_crs("EPSG:4326", allow_override=True)
    path = _scenario(tmp_path, frame, crs, extra)
    out = tmp_path / "out"
    code, _, err = cli("run", path, "--out", out, "--quiet")
    assert code == 2, err
    assert len(err.splitlines()) == 1 and err.startswith(f"{path}:"), err
    assert message.format(first=first) in err
    assert "internal error" not in err and not out.exists()


def test_the_same_crs_as_the_file_is_accepted(tmp_path) -> None:
    from simulator.run import run_file

    frame, _ = _edited("none")
    path = _scenario(tmp_path, frame, "EPSG:5897", ", crs: 'EPSG:5897'")
    assert run_file(path).layers["communes"]["population_2019"].sum() == 254_702
