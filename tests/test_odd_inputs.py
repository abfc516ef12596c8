"""Odd and hostile scenario inputs (issue 17): each is one located line, exit 2, before any
computing, nothing written — never an internal error or a silently different number."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from conftest import DATA

MINI = (DATA / "mini.yaml").read_text(encoding="utf-8")
ALPHA = shapely.from_wkt(
    "POLYGON ((105.870 20.840, 105.873 20.840, 105.873 20.8429, 105.870 20.8429, 105.870 20.840))")
INLINE = ('inline: "POLYGON ((105.870 20.840, 105.873 20.840, 105.873 20.8429, 105.870 20.8429, '
          '105.870 20.840))"')
BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\n" for p, n in zip("abcdefgh", "bcdefghi"))


def _files(tmp_path: Path, files: dict[str, str]) -> Path:
    """Write the files (a `{MINI}` in a text is mini.yaml's text); the first is the scenario."""
    gpd.GeoDataFrame({"ma": ["A1", "A1"]}, geometry=[ALPHA, ALPHA.buffer(1e-4)],
                     crs="EPSG:4326").to_crs("EPSG:5897").to_file(tmp_path / "two.gpkg")
    gpd.GeoDataFrame({"ma": ["A1"]}, geometry=[ALPHA], crs="EPSG:4326").to_file(tmp_path / "a.gpkg")
    for name, text in files.items():
        (tmp_path / name).write_text(text.replace("{MINI}", MINI), encoding="utf-8")
    return tmp_path / next(iter(files))


def _edit(old: str, new: str) -> str:
    assert old in MINI
    return MINI.replace(old, new, 1)


CASES = {  # name: (files, file of the problem, line, message)
    "phase shares 0.5": (
        {"s.yaml": _edit("{share: 1.0, approval_year: 2020", "{share: 0.5, approval_year: 2020")},
        "s.yaml", 36, "clusters[alpha]: expected phases adding up to the cluster's 10 ha (shares "
        "adding up to 1), found shares adding up to 0.5"),
    "phase areas short": (
        {"s.yaml": _edit("{area_ha: 6, approval_year", "{area_ha: 5, approval_year")},
        "s.yaml", 47, "clusters[beta]: expected phases adding up to the cluster's 10 ha (shares "
        "adding up to 1), found 9 ha"),
    "approval after the horizon": (
        {"s.yaml": _edit("{area_ha: 6, approval_year: 2026", "{area_ha: 6, approval_year: 2031")},
        "s.yaml", 58, "clusters[beta].phases[1].approval_year: expected a year ≤ horizon_year 2030"
        " (a phase approved later adds nothing to the results), found 2031"),
    "field in the wrong place": (
        {"s.yaml": _edit("    fill_years: 2\n", "    fill_years: 2\n    jobs_per_leased_ha: 90\n")},
        "s.yaml", 14, "district.params.jobs_per_leased_ha: expected a known field (did you mean "
        "'district.sectors.<name>.jobs_per_leased_ha'?), found unknown field 'jobs_per_leased_ha'"),
    "extends a system file": (
        {"s.yaml": "extends: /etc/passwd\nid: c\n"}, "s.yaml", 1,
        "extends: expected a YAML scenario file (.yaml or .yml), found '/etc/passwd'"),
    "extends a non-scenario yaml": (
        {"s.yaml": "extends: p.yaml\nid: c\n", "p.yaml": "root:x:0:0:root:/root:/bin/bash\n"},
        "p.yaml", 1, "expected a mapping of scenario fields, found 'root:x:0:0:root:/root:/bin/bash'"),
    "extends an empty file": (
        {"s.yaml": "extends: p.yaml\nid: c\n", "p.yaml": "# nothing yet\n"},
        "p.yaml", 1, "expected a mapping of scenario fields, found an empty file"),
    "unknown key in the parent": (
        {"s.yaml": "extends: p.yaml\nid: c\n", "p.yaml": MINI.replace("seed: 7", "seed: 7\nsede: 3")},
        "p.yaml", 8, "sede: expected a known field (did you mean 'seed'?), found unknown field 'sede'"),
    "an id with capitals and a space": (
        {"s.yaml": _edit("id: mini", "id: Mini Plan")}, "s.yaml", 3,
        "id: expected an id of lower-case letters, digits, '_' and '-' (starting with a letter or "
        "a digit), found 'Mini Plan'"),
    "a lease price of 0": (
        {"s.yaml": _edit("lease_price_bn_vnd_per_ha: 12", "lease_price_bn_vnd_per_ha: 0")}, "s.yaml",
        18, "district.params.lease_price_bn_vnd_per_ha: expected a value ≥ 0.01, found 0"),
    "a lease price that may be drawn 0": (
        {"s.yaml": _edit("lease_price_bn_vnd_per_ha: 12",
                         "lease_price_bn_vnd_per_ha: {dist: uniform, low: 0, high: 20}")}, "s.yaml",
        18, "district.params.lease_price_bn_vnd_per_ha: expected a value ≥ 0.01, found 0"),
    "a target past a child's horizon": (
        {"s.yaml": "extends: p.yaml\nid: c\nhorizon_year: 2025\n",
         "p.yaml": "{MINI}targets:\n  - {metric: jobs, year: 2028, at_least: 10}\n"},
        "p.yaml", 60, "targets[0].year: expected a year within base_year–horizon_year 2020–2025, "
                      "found 2028"),
    "a target of an unknown cluster": (
        {"s.yaml": "{MINI}targets:\n  - {metric: jobs, cluster: gamma, year: 2028, at_least: 10}\n"},
        "s.yaml", 60, "targets[0].cluster: expected a target cluster among the scenario's clusters, "
                      "found 'gamma'"),
    "a sector no one defined": (
        {"s.yaml": _edit("sector_mix: {light_manufacturing: 1.0}", "sector_mix: {textiles: 1.0}")},
        "s.yaml", 44, "clusters[alpha].sector_mix: expected sectors defined under district.sectors "
                      "(craft, light_manufacturing, mechanical, pharmaceutical, logistics), found "
                      "textiles"),
    "alias bomb": ({"s.yaml": BOMB}, "s.yaml", None,
                   "expected at most 200,000 values once YAML aliases are expanded"),
    "huge file": ({"s.yaml": "{MINI}" + "#" * 2_000_000 + "\n"}, "s.yaml", None,
                  "expected a scenario file of at most 2,000,000 bytes"),
    "unknown crs": ({"s.yaml": _edit(INLINE, INLINE + "\n      crs: 'EPSG:99999'")},
                    "s.yaml", 42, "clusters[alpha].geometry.crs: expected a CRS PROJ knows"),
    "crs against the file's": (
        {"s.yaml": _edit(INLINE, "file: two.gpkg\n      id_field: ma\n      feature: A1\n"
                                 "      crs: 'EPSG:4326'")},
        "s.yaml", 44, "clusters[alpha].geometry.crs: expected no `crs:` (two.gpkg declares "
        "EPSG:5897; `crs:` is only for a file without one), found EPSG:4326"),
    "two features with the id": (
        {"s.yaml": _edit(INLINE, "file: two.gpkg\n      id_field: ma\n      feature: A1")},
        "s.yaml", 43, "clusters[alpha].geometry.feature: expected a ma value held by one feature "
        "of two.gpkg, found 'A1' on 2 features"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_odd_scenario_is_one_located_line(tmp_path, cli, case) -> None:
    files, where, line, message = CASES[case]
    path = _files(tmp_path, files)
    out = tmp_path / "out"
    code, stdout, err = cli("run", path, "--out", out, "--quiet")
    assert code == 2, err
    prefix = f"{tmp_path / where}:{line}:" if line else f"{tmp_path / where}:"
    assert len(err.splitlines()) == 1 and err.startswith(prefix), err
    assert message in err and "internal error" not in err
    assert not out.exists()


def test_a_crs_equal_to_the_files_is_a_warning(tmp_path, cli) -> None:
    path = _files(tmp_path, {"s.yaml": _edit(INLINE, "file: a.gpkg\n      crs: 'EPSG:4326'")})
    code, stdout, err = cli("validate", path)
    assert code == 0, err
    assert "warning: clusters[alpha].geometry.crs: a.gpkg already declares EPSG:4326" in stdout


def test_modify_clusters_geometry_replaces_the_source(tmp_path) -> None:
    """A child giving `geometry: {file: …}` replaces the parent's `inline` (not merged)."""
    from simulator.geodata import resolve_cluster_geometries
    from simulator.scenario.load import load_scenario

    path = _files(tmp_path, {"c.yaml": "extends: p.yaml\nid: c\nmodify_clusters:\n  alpha:\n"
                                       "    geometry: {file: a.gpkg}\n", "p.yaml": "{MINI}"})
    loaded = load_scenario(path)
    geometry = loaded.scenario.clusters[0].geometry
    assert geometry.file == "a.gpkg" and geometry.inline is None
    assert resolve_cluster_geometries(loaded).frame.geometry.iloc[0].equals(ALPHA)


@pytest.mark.parametrize("weight", ["interchange=nan", "interchange=inf", "residential=-1"])
def test_sites_weight_must_be_finite(mini, cli, tmp_path, weight) -> None:
    code, _, err = cli("sites", mini, "--area", "5", "--weight", weight, "--out", tmp_path / "o")
    assert code == 2 and err == f"--weight: expected NAME=W with W a finite number ≥ 0, found {weight}\n"
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("args, message", [
    (("--area", "5", "--weight", "housing=1"),
     "--weight: expected NAME=W with NAME one of interchange, national_road, residential, "
     "found housing=1"),
    (("--area", "5", "--weight", "interchange=0", "--weight", "residential=0"),
     "--weight: expected at least one weight > 0, found interchange=0 residential=0"),
    (("--area", "5000"), "clustersim sites: --area: expected a number of hectares > 0 and ≤ "
                         "1,000, found 5000"),
])
def test_sites_options_out_of_range_name_the_option(mini, cli, tmp_path, args, message) -> None:
    """A weight name the finder does not know, weights all 0 and an area past the finder's
    largest are refused before any computing, naming the option (not the finder's internal
    `area_ha in (0, 1000], count ≥ 1, cell_m …`), exit 2, nothing written."""
    code, _, err = cli("sites", mini, *args, "--out", tmp_path / "o")
    assert code == 2 and err == message + "\n"
    assert not (tmp_path / "o").exists()


def test_sites_files_are_the_same_bytes_on_a_second_run(mini, cli, tmp_path) -> None:
    """`clustersim sites --out` twice gives byte-identical files (the GeoPackage's last_change
    stamp fixed, as the results' clusters.gpkg)."""
    runs = [tmp_path / "a", tmp_path / "b"]
    for out in runs:
        code, _, err = cli("sites", mini, "--area", "5", "--count", "2", "--out", out, "--quiet")
        assert code == 0, err
    for name in ("mini_sites.gpkg", "mini_sites.html"):
        assert (runs[0] / name).read_bytes() == (runs[1] / name).read_bytes(), name


def test_files_written_into_a_folder_are_all_or_none(tmp_path) -> None:
    """`atomic_files` (`clustersim sites --out`): a failure while writing leaves the folder as it
    was (no temporary, no half of the pair, the old file untouched); success replaces both."""
    from simulator.folders import atomic_files

    (tmp_path / "a.html").write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_files(tmp_path, ["a.gpkg", "a.html"]) as tmp:
        tmp["a.gpkg"].write_text("new", encoding="utf-8")
        raise RuntimeError("the map failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html"]
    assert (tmp_path / "a.html").read_text(encoding="utf-8") == "old"
    with atomic_files(tmp_path, ["a.gpkg", "a.html"]) as tmp:
        for name, path in tmp.items():
            assert path.parent == tmp_path and path.suffix == name[name.rindex("."):]
            path.write_text(f"new {name}", encoding="utf-8")
    assert {p.name: p.read_text(encoding="utf-8") for p in tmp_path.iterdir()} == {
        "a.gpkg": "new a.gpkg", "a.html": "new a.html"}


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # 0 to the power −ε
def test_a_run_with_non_finite_numbers_is_refused_not_written(tmp_path) -> None:
    """A lease price of 0, forced past the scenario's bounds (`inputs.at_price`), makes the
    cluster's land infinitely attractive: take-up, jobs and money are NaN. The run is refused
    with one plain problem (`run._refuse_non_finite`), not written with NaN nor left to the
    band selection."""
    from simulator.errors import InputError
    from simulator.geodata import resolve_cluster_geometries
    from simulator.inputs import at_price
    from simulator.run import run_file, simulate_run

    ok = run_file(_files(tmp_path, {"s.yaml": "{MINI}"}))
    with pytest.raises(InputError) as refused:
        simulate_run(ok.loaded, resolve_cluster_geometries(ok.loaded), at_price(ok.inputs, 0, 0.0),
                     ok.layers)
    (problem,) = refused.value.problems
    assert str(problem) == (
        f"{tmp_path / 's.yaml'}: expected parameters the model can compute with, found NaN or "
        "infinite numbers in the district's leased_area_ha in 1 of 1 draws (a parameter at an "
        "extreme: e.g. a lease price near 0 makes a cluster's land infinitely attractive)")


def test_maps_copies_are_all_or_none(tmp_path) -> None:
    """`folders.copy_into` (`--maps`): a copy that fails (here a page missing) leaves the maps
    folder as it was, the other page not copied and the old one untouched; else both land."""
    from simulator.folders import copy_into

    maps, src = tmp_path / "maps", tmp_path / "src"
    src.mkdir()
    (src / "map.html").write_text("new map", encoding="utf-8")
    maps.mkdir()
    (maps / "a-report.html").write_text("old report", encoding="utf-8")
    pages = {"a.html": src / "map.html", "a-report.html": src / "report.html"}
    with pytest.raises(FileNotFoundError):
        copy_into(maps, pages)
    assert {p.name: p.read_text(encoding="utf-8") for p in maps.iterdir()} == {
        "a-report.html": "old report"}
    (src / "report.html").write_text("new report", encoding="utf-8")
    copy_into(maps, pages)
    assert {p.name: p.read_text(encoding="utf-8") for p in maps.iterdir()} == {
        "a.html": "new map", "a-report.html": "new report"}


def test_compare_of_two_files_with_one_id_is_refused(mini, cli, tmp_path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text(MINI.replace("seed: 7", "seed: 8"), encoding="utf-8")
    code, _, err = cli("compare", mini, other, "--out", tmp_path / "cmp")
    assert code == 2 and err == (f"{other}:3: id: expected an id other than mini.yaml's (compare "
                                 "names its columns by scenario id), found 'mini'\n")
    assert not (tmp_path / "cmp").exists()


FORMULA_TEXT = {
    'title: "Mini <b>test</b> scenario"': 'title: "=1+1 javascript:x href=\'y\' onload=z"',
    "name: CCN Alpha": "name: '@SUM(A1:A9)'",
    "name: CCN Beta": "name: '-2+3'",
    "    craft: {jobs_per_leased_ha: 200": "    '+cmd': {jobs_per_leased_ha: 200",
}


def test_formula_like_text_never_starts_a_csv_cell(mini, cli, tmp_path) -> None:
    """A title that reads like markup runs with --sensitivity (the SVG check judges markup, not
    escaped text); free text starting with = + - @ is written as '= … in every CSV."""
    import csv

    text = mini.read_text(encoding="utf-8")
    for old, new in FORMULA_TEXT.items():
        assert old in text
        text = text.replace(old, new)
    mini.write_text(text.replace("kind: craft_village\n", "kind: craft_village\n"
                                 "    sector_mix: {'+cmd': 1.0}\n"), encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = cli("run", mini, "--out", out, "--sensitivity", "jobs:2030", "--quiet")
    assert code == 0, err
    other = tmp_path / "other.yaml"
    other.write_text(mini.read_text(encoding="utf-8").replace("id: mini", "id: other"))
    assert cli("compare", mini, other, "--out", tmp_path / "cmp", "--quiet")[0] == 0
    cells = [cell for f in [*out.rglob("*.csv"), *(tmp_path / "cmp").rglob("*.csv")]
             for row in csv.reader(f.read_text(encoding="utf-8").splitlines()) for cell in row]
    assert len(cells) > 10_000 and "clearance years of -2+3 phase 2" in cells
    risky = [c for c in cells if c.startswith(("=", "+", "-", "@")) and not _is_number(c)]
    assert risky == []
    assert "javascript:x" in (out / "mini" / "report.html").read_text(encoding="utf-8")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_safe_csv_neutralises_text_not_numbers(tmp_path) -> None:
    import pandas as pd

    from simulator.safe_csv import write_frame

    df = pd.DataFrame({"name": ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "ok", None],
                       "value": [-2.5, 1.0, -3.0, 0.0, 2.0, 3.0, 4.0], "=col": 1})
    write_frame(df, tmp_path / "x.csv", float_format="%.1f")
    assert (tmp_path / "x.csv").read_text(encoding="utf-8").splitlines() == [
        "name,value,'=col", "'=1+1,-2.5,1", "'+cmd,1.0,1", "'-2+3,-3.0,1", "'@SUM(A1),0.0,1",
        "'\tx,2.0,1", "ok,3.0,1", ",4.0,1"]
