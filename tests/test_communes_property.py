"""Property: any planner communes layer (populations, CRS, geometry types, counts) either is
refused with located problems, or gives results that keep the labour balance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from simulator.errors import InputError
from simulator.geodata import load_layer
from simulator.run import run_file

from conftest import DATA

CRSS = ("EPSG:4326", "EPSG:5897", "EPSG:3405", "EPSG:9209")
ODD_POPULATION = st.one_of(st.integers(-50_000, -1), st.floats(allow_nan=True, allow_infinity=True),
                           st.text(max_size=4), st.just(0))
MISTAKES = ("populations", "none", "odd population", "populations", "points", "fewer communes",
            "populations", "one point", "same id", "populations", "metric labelled EPSG:4326")
LAYER = ("geodata:\n  communes: {file: xa.gpkg, layer: xa, id_field: ma_xa, name_field: ten_xa,"
         " population_field: dan_so}\n")


@st.composite
def layers(draw: Any) -> tuple[gpd.GeoDataFrame, str, str]:
    """The bundled communes with random populations, in a random CRS, with one kind of mistake
    (or none): odd populations, points, a repeated id, fewer communes, a mislabelled CRS."""
    df = load_layer("communes")[["id", "name", "population_2019", "geometry"]].copy()
    mistake = draw(st.sampled_from(MISTAKES))
    n = len(df)
    pops: list[Any] = list(df["population_2019"]) if mistake == "none" else \
        draw(st.lists(st.integers(0, 60_000), min_size=n, max_size=n))
    if mistake == "odd population":
        k = draw(st.integers(0, n - 1))
        pops[k] = draw(ODD_POPULATION)
    if mistake == "fewer communes":
        keep = draw(st.sets(st.integers(0, n - 1), min_size=0, max_size=n - 1))
        df, pops = df.iloc[sorted(keep)], [pops[i] for i in sorted(keep)]
    if mistake in ("points", "one point") and len(df):
        points = df.geometry.representative_point()
        df = df.set_geometry(points if mistake == "points" else
                             [points.iloc[0], *df.geometry.iloc[1:]])
    if mistake == "same id" and len(df) > 1:
        df.iloc[1, 0] = df.iloc[0, 0]
    text = any(isinstance(p, str) for p in pops)
    frame = gpd.GeoDataFrame(
        {"ma_xa": list(df["id"]), "ten_xa": list(df["name"]),
         "dan_so": pd.Series([str(p) for p in pops] if text else pops,
                             dtype=object if text else float)},
        geometry=list(df.geometry), crs="EPSG:4326")
    return frame, draw(st.sampled_from(CRSS)), mistake


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("communes")
    (path / "m.yaml").write_text((DATA / "mini.yaml").read_text(encoding="utf-8") + LAYER,
                                 encoding="utf-8")
    return path


@example(layer=(load_layer("communes")[["id", "name", "population_2019", "geometry"]].rename(
    columns={"id": "ma_xa", "name": "ten_xa", "population_2019": "dan_so"}), "EPSG:5897", "none"))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(layer=layers())
def test_a_communes_layer_is_refused_where_it_lies_or_keeps_the_labour_balance(folder, layer) -> None:
    frame, crs, mistake = layer
    target = frame.to_crs("EPSG:5897").set_crs("EPSG:4326", allow_override=True) \
        if mistake.startswith("metric") else frame.to_crs(crs)
    (folder / "xa.gpkg").unlink(missing_ok=True)
    target.to_file(folder / "xa.gpkg", layer="xa")
    scenario = folder / "m.yaml"
    try:
        r = run_file(scenario, draws=3).results
    except InputError as e:
        event(f"{mistake}: refused at {e.problems[0].path}")
        assert mistake != "none", e  # the bundled layer, in any of the CRSs, is accepted
        assert e.problems
        for p in e.problems:  # located: the scenario file, the line of geodata.communes…
            assert p.file == str(scenario) and p.line is not None, p
            assert p.path.startswith("geodata.communes."), p
        return
    event(f"{mistake}: simulated")
    assert mistake in ("none", "populations", "fewer communes", "odd population"), mistake
    supplied = r.communes["workers_supplied"]
    assert (supplied >= 0).all() and (r.district["in_commuters"] >= 0).all()
    assert (r.communes["labour_available"] >= 0).all()
    np.testing.assert_allclose(supplied.sum(axis=1) + r.district["in_commuters"],
                               r.district["jobs"], rtol=1e-9, atol=1e-6)
