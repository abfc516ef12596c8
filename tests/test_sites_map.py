"""Candidate sites (`clustersim sites --out`) drawn on the scenario map: page data (fast) and
the real page in headless Chromium (offline)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from maps_fixtures import (  # the browser, map_page fixtures come from conftest.py
    MINI,
    XSS_NAMES,
    assert_offline_clean,
    make_map_view,
    open_offline,
    screenshot,
)
from shapely.geometry import box

from simulator.maps.scenario_map import render_scenario_map
from simulator.maps.styles import SITE_COLOR, STATUS_COLORS

DATA_BLOCK = re.compile(r'<script type="application/json" id="([^"]+)">(.*?)</script>', re.S)


def _sites(shape: str = "square") -> gpd.GeoDataFrame:
    """Two synthetic candidate sites inside the fake district of maps_fixtures."""
    rows = [{"rank": k + 1, "score": 0.8123 - 0.1 * k, "area_ha": 20.04, "shape": shape,
             "interchange_m": 1234.4 + k, "national_road_m": 163.0, "residential_m": float("nan"),
             "geometry": box(105.83 + 0.03 * k, 20.80, 105.835 + 0.03 * k, 20.805)}
            for k in range(2)]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def _features(html: str, css: str) -> list[dict[str, Any]]:
    """The features of the page's data blocks whose style has class `css`, or (css "") that
    are a site's rank mark."""
    out = []
    for _, body in DATA_BLOCK.findall(html):
        data = json.loads(body)
        for f in data.get("features", []) if isinstance(data, dict) else []:
            p = f["properties"]
            if (css and css in p.get("style", {}).get("className", "").split()) or (
                    not css and p.get("label")):
                out.append(f)
    return out


def test_sites_are_in_the_page_data_escaped_and_in_the_legend() -> None:
    view = dataclasses.replace(make_map_view(), sites=_sites(XSS_NAMES[0]))
    html = render_scenario_map(view)
    shapes, marks = _features(html, "ccn-site"), _features(html, "")
    assert len(shapes) == len(marks) == 2
    assert [f["properties"]["rank"] for f in marks] == ["1", "2"]
    assert {f["properties"]["style"]["color"] for f in shapes} == {SITE_COLOR}
    assert SITE_COLOR not in STATUS_COLORS.values()
    assert shapes[0]["properties"]["style"]["dashArray"]
    popup = shapes[0]["properties"]["popup"]
    assert "Candidate site 1" in popup and "20.0 ha" in popup and "0.812" in popup
    assert "1,234 m" in popup and "163 m" in popup and "– m" in popup
    assert "Distance to an expressway interchange" in popup
    assert "&lt;img src=x onerror=alert(1)&gt;" in popup and "<img" not in popup
    assert "<img src=x" not in html  # the JSON blocks never carry a raw "<"
    assert "Candidate sites (2)" in html
    assert "candidate site for a new cluster (number = rank)" in html
    assert "Candidate site 2" in shapes[1]["properties"]["tooltip"]


def test_sites_popup_in_vietnamese() -> None:
    view = dataclasses.replace(make_map_view(lang="vi"), sites=_sites("2:1 north-south"))
    html = render_scenario_map(view)
    popup = _features(html, "ccn-site")[0]["properties"]["popup"]
    assert "Vị trí đề xuất số 1" in popup and "20,0 ha" in popup and "0,812" in popup
    assert "1.234 m" in popup and "Chữ nhật 2:1 bắc–nam" in popup
    assert json.dumps("Vị trí đề xuất (2)") in html  # the layer control's name (JSON)


def test_no_sites_no_site_layer() -> None:
    html = render_scenario_map(make_map_view())
    assert _features(html, "ccn-site") == [] and _features(html, "") == []
    assert "Candidate sites" not in html and "ccn-site-key" not in html


@pytest.mark.browser
def test_sites_command_writes_a_map_of_the_sites(map_page: Any, tmp_path: Path, cli: Any,
                                                  ) -> None:
    count = 2
    code, out, _ = cli("sites", MINI, "--area", "20", "--count", count, "--out", tmp_path)
    assert code == 0, out
    assert (tmp_path / "mini_sites.gpkg").exists()
    sites = gpd.read_file(tmp_path / "mini_sites.gpkg")
    assert len(sites) == count
    errors = open_offline(map_page, tmp_path / "mini_sites.html")
    assert map_page.locator("path.ccn-site").count() == count
    assert map_page.locator(".leaflet-marker-pane .ccn-site-rank").all_inner_texts() == ["1", "2"]
    assert map_page.evaluate("window.CLUSTERSIM.clusters") == 2  # the scenario's own clusters
    overlays = [o.strip() for o in
                map_page.locator(".leaflet-control-layers-overlays label").all_inner_texts()]
    assert overlays[-1] == f"Vị trí đề xuất ({count})"
    assert map_page.locator(".ccn-legend .ccn-site-key").is_visible()
    title = map_page.locator(".ccn-titlebox h1").inner_text()
    assert title.startswith(f"{count} vị trí đề xuất cho một cụm mới 20 ha · "), title
    html = (tmp_path / "mini_sites.html").read_text(encoding="utf-8")
    assert "Mọi vị trí đề xuất đều đạt từng quy tắc không gian" in html
    screenshot(map_page, "sites-map")
    # zoom to the best site, then click its shape (the rank mark is at its north-east corner)
    map_page.evaluate("""(() => { const m = ClusterSim.maps[0]; let b = null;
        m.eachLayer(l => { if (l.feature && l.feature.properties.rank === "1" && l.getBounds)
            { b = l.getBounds(); } });
        m.fitBounds(b, { maxZoom: 16, animate: false }); })()""")
    shape = map_page.locator("path.ccn-site").first
    box_ = shape.bounding_box()
    shape.click(position={"x": box_["width"] * 0.5, "y": box_["height"] * 0.6})
    popup = map_page.locator(".leaflet-popup-content").last
    popup.wait_for(state="visible")
    text = popup.inner_text()
    row = sites.iloc[0]
    assert "Vị trí đề xuất số 1" in text and "Thứ hạng\t1" in text
    assert f"{row.area_ha:.1f}".replace(".", ",") + " ha" in text
    assert f"{row.national_road_m:.0f} m" in text
    map_page.wait_for_function(
        "getComputedStyle([...document.querySelectorAll('.leaflet-popup')].pop()).opacity === '1'")
    screenshot(map_page, "sites-map-popup")
    assert_offline_clean(errors)


def test_sites_page_runs_the_scenario_with_its_own_draws(tmp_path: Path, cli: Any) -> None:
    scenario = tmp_path / "mini.yaml"
    scenario.write_text(MINI.read_text(encoding="utf-8").replace("draws: 1", "draws: 7", 1),
                        encoding="utf-8")
    code, out, _ = cli("sites", scenario, "--area", "20", "--count", 1, "--out", tmp_path)
    assert code == 0, out
    html = (tmp_path / "mini_sites.html").read_text(encoding="utf-8")
    assert "số lần mô phỏng 7 ·" in html  # not 1: the bands are the scenario's


def test_sites_page_says_what_every_site_passes_and_why_others_were_turned_down() -> None:
    """In the page's language: the rules every candidate passes (by their titles) and the
    exact check's rejections by rule (find_sites' attrs); the popup says it passes all six."""
    from simulator.map_content import SITE_RULES, _site_notes

    sites = _sites()
    sites.attrs.update(rejected={"dike_corridor": 3, "overlap": 1}, tried=4)
    vi = _site_notes(sites, "vi")
    assert vi[0].startswith("Mọi vị trí đề xuất đều đạt từng quy tắc không gian của clustersim "
                            "check: Các CCN không chồng lấn nhau; ")
    assert vi[1].startswith("4 hình chữ nhật có điểm cao hơn") and "(3)" in vi[1]
    en = _site_notes(sites, "en")
    assert en[1].startswith("4 better-scoring rectangles") and "(1)" in en[1]
    assert len(SITE_RULES) == 6 and _site_notes(None, "vi") == ()
    sites.attrs.clear()
    assert len(_site_notes(sites, "vi")) == 1  # nothing turned down: no second line
    view = dataclasses.replace(make_map_view(lang="vi"),
                               sites=_sites().assign(rules_passed=len(SITE_RULES)))
    popup = _features(render_scenario_map(view), "ccn-site")[0]["properties"]["popup"]
    assert "Quy tắc không gian" in popup and "đạt cả 6 quy tắc" in popup
