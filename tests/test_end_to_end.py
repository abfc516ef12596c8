"""The bundled scenarios end to end: clustersim run/compare → files → real headless Chromium,
network off. Proves the maps the planners get render offline with every cluster drawn."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from maps_fixtures import assert_offline_clean, open_offline, screenshot

from conftest import ROOT

SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from simulator.cli import main

    out = tmp_path_factory.mktemp("e2e")
    files = [SCENARIOS / "baseline.yaml", SCENARIOS / "expansion.yaml"]
    assert main(["run", *map(str, files), "--draws", "60", "--out", str(out / "results"),
                 "--maps", str(out / "maps"), "--quiet"]) == 0
    assert main(["compare", *map(str, files), "--draws", "60", "--out", str(out / "cmp"),
                 "--maps", str(out / "maps"), "--quiet"]) == 0
    return out


def test_output_contract(outputs: Path) -> None:
    folder = outputs / "results/expansion"
    assert {"summary.json", "timeseries.csv", "clusters.gpkg", "map.html", "report.html",
            "checks.json"} <= {
        p.name for p in folder.iterdir()}
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["seed"] == 20231 and summary["draws"] == 60 and len(summary["scenario_sha256"]) == 64
    assert summary["scenario_files"] == ["expansion.yaml", "approved.yaml", "baseline.yaml"]
    ts = pd.read_csv(folder / "timeseries.csv")
    assert list(ts.columns) == ["scenario", "cluster", "year", "metric", "unit", "mean", "p10", "p50", "p90"]
    required = {"gross_area_ha", "leasable_area_ha", "leased_area_ha", "occupancy_pct",
                "farmland_converted_ha", "jobs", "firm_revenue_bn_vnd", "budget_revenue_bn_vnd",
                "capex_bn_vnd", "cumulative_net_cash_bn_vnd", "firms", "workers_in_commuting",
                "worker_housing_demand", "wages_bn_vnd", "npv_bn_vnd", "workers_supplied"}
    assert required <= set(ts.metric)
    all_jobs = ts[(ts.cluster == "ALL") & (ts.metric == "jobs")].set_index("year")["mean"]
    per_cluster = ts[~ts.cluster.isin(["ALL"]) & ~ts.cluster.str.startswith("commune:")
                     & (ts.metric == "jobs")].groupby("year")["mean"].sum()
    pd.testing.assert_series_equal(all_jobs, per_cluster, check_names=False, rtol=1e-6)
    assert (ts.p10 <= ts.p50 + 1e-9).all() and (ts.p50 <= ts.p90 + 1e-9).all()
    layers = {name for name, _ in pyogrio.list_layers(folder / "clusters.gpkg")}
    assert layers == {"clusters", "communes"}
    assert len(pyogrio.read_dataframe(folder / "clusters.gpkg", layer="clusters")) == 21
    cmp = pd.read_csv(outputs / "cmp/comparison.csv")
    assert {"indicator", "unit", "year", "baseline", "expansion", "diff_expansion",
            "p_better_expansion"} <= set(cmp.columns)


@pytest.mark.browser
@pytest.mark.parametrize(("name", "clusters"), [("baseline", 11), ("expansion", 21)])
def test_scenario_maps_render_offline_with_every_cluster(outputs, map_page, name, clusters) -> None:
    errors = open_offline(map_page, outputs / f"maps/{name}.html")
    assert map_page.evaluate("L.version") == "1.9.3"
    assert map_page.locator("path.ccn-cluster").count() == clusters
    assert map_page.locator("path.leaflet-interactive").count() > clusters  # communes drawn too
    screenshot(map_page, f"e2e-{name}")
    assert_offline_clean(errors)


@pytest.mark.browser
def test_comparison_renders_offline(outputs, map_page) -> None:
    errors = open_offline(map_page, outputs / "maps/baseline-vs-expansion.html")
    assert map_page.evaluate("L.version") == "1.9.3"
    assert map_page.locator("path.ccn-cluster").count() == 11 + 21
    # rule badges on the scenario maps: Thắng Lợi (8.9 ha, general) fails the 10 ha minimum
    assert map_page.locator(".ccn-badge-fail").count() >= 1
    screenshot(map_page, "e2e-comparison")
    assert_offline_clean(errors)


def test_run_with_sensitivity_puts_the_ranking_in_the_report(tmp_path) -> None:
    from simulator.cli import main

    mini = ROOT / "tests/data/mini.yaml"
    assert main(["run", str(mini), "--draws", "20", "--out", str(tmp_path), "--quiet",
                 "--sensitivity", "jobs:2030", "--lang", "en"]) == 0
    ranking = pd.read_csv(tmp_path / "mini/sensitivity.csv")
    assert ranking["input"].iloc[0] == "clusters[beta].phases[1].clearance_years"  # the only uncertain input
    report = (tmp_path / "mini/report.html").read_text(encoding="utf-8")
    assert "<svg" in report and "clearance" in report
