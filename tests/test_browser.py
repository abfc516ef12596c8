"""The map pages in real headless Chromium, fully offline (every non-file request aborted)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from maps_fixtures import (  # the browser and map_page fixtures come from conftest.py
    XSS_NAMES,
    assert_offline_clean,
    make_comparison_view,
    make_map_view,
    open_offline,
    screenshot,
)

from simulator.maps import render_comparison, render_scenario_map

pytestmark = pytest.mark.browser


def _write(tmp_path: Path, name: str, html: str) -> Path:
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    return path


def _open_map(page: Any, tmp_path: Path, view: Any = None) -> dict[str, list[str]]:
    html = render_scenario_map(view if view is not None else make_map_view())
    return open_offline(page, _write(tmp_path, "scenario.html", html))


def _open_comparison(page: Any, tmp_path: Path, view: Any = None) -> dict[str, list[str]]:
    html = render_comparison(view if view is not None else make_comparison_view())
    return open_offline(page, _write(tmp_path, "comparison.html", html))


def _click_cluster(page: Any, index: int, map_index: int = 0) -> str:
    """Click the index-th cluster shape of a map; return the newest popup's text."""
    shape = page.locator(".ccn-map").nth(map_index).locator("path.ccn-cluster").nth(index)
    shape.click()
    # a popup being replaced fades out for a moment: the newest one is the last
    popup = page.locator(".ccn-map").nth(map_index).locator(".leaflet-popup-content").last
    popup.wait_for(state="visible")
    page.wait_for_function(  # let the fade-in finish (for screenshots)
        "getComputedStyle([...document.querySelectorAll('.leaflet-popup')].pop()).opacity === '1'")
    return popup.inner_text()


def test_scenario_map_renders_offline(map_page: Any, tmp_path: Path) -> None:
    view = make_map_view()
    errors = _open_map(map_page, tmp_path, view)
    assert map_page.evaluate("L.version") == "1.9.3"
    assert map_page.evaluate("window.CLUSTERSIM.clusters") == len(view.clusters)
    assert map_page.locator(".ccn-cluster").count() == len(view.clusters)
    assert map_page.locator(".ccn-cluster.ccn-schematic").count() == 1
    assert map_page.locator("path.ccn-commune").count() == len(view.communes)
    assert map_page.locator("path.ccn-district").count() == 1
    for selector in (".ccn-legend", ".ccn-titlebox", ".leaflet-control-scale-line",
                     ".leaflet-control-layers", ".leaflet-control-zoom"):
        assert map_page.locator(selector).is_visible(), selector
    assert "km" in map_page.locator(".leaflet-control-scale-line").inner_text()
    overlays = map_page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert [o.strip() for o in overlays] == ["Communes", "Water", "Roads", "Clusters (3)"]
    screenshot(map_page, "scenario-map")
    assert_offline_clean(errors)


def test_map_fits_the_district(map_page: Any, tmp_path: Path) -> None:
    errors = _open_map(map_page, tmp_path)
    inside = map_page.evaluate(
        "(() => { const m = ClusterSim.maps[0], b = m.getBounds();"
        " return b.contains([[20.79, 105.80], [20.91, 105.92]]) && m.getZoom() >= 11; })()"
    )
    assert inside
    assert_offline_clean(errors)


def test_click_opens_popup_and_hover_shows_tooltip(map_page: Any, tmp_path: Path) -> None:
    view = make_map_view()
    errors = _open_map(map_page, tmp_path, view)
    for i, name in enumerate(view.clusters["name"]):
        text = _click_cluster(map_page, i)
        assert name in text and "Indicators, 2030" in text
    assert "approximate position (schematic)" in text  # the last cluster is schematic
    map_page.locator("path.ccn-cluster").first.hover()
    assert view.clusters["name"][0] in map_page.locator(".ccn-tooltip").last.inner_text()
    screenshot(map_page, "scenario-popup")
    assert_offline_clean(errors)


def test_commune_tooltip(map_page: Any, tmp_path: Path) -> None:
    errors = _open_map(map_page, tmp_path)
    box = map_page.locator("path.ccn-commune").nth(1).bounding_box()
    map_page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.9)
    tooltip = map_page.locator(".ccn-tooltip")
    tooltip.wait_for(state="visible")
    assert "Liên Phương" in tooltip.inner_text() and "9,876" in tooltip.inner_text()
    assert_offline_clean(errors)


def test_xss_names_are_inert_text(map_page: Any, tmp_path: Path) -> None:
    view = make_map_view((*XSS_NAMES, "{{ 7*7 }}"), title="<img src=y onerror=alert(2)>")
    errors = _open_map(map_page, tmp_path, view)
    for i, name in enumerate(view.clusters["name"]):
        assert name in _click_cluster(map_page, i)
    assert view.title in map_page.locator(".ccn-titlebox h1").inner_text()
    assert map_page.title().startswith(view.title)
    assert map_page.locator("img[src=x], img[src=y]").count() == 0
    screenshot(map_page, "scenario-xss")
    assert errors["dialogs"] == []
    assert_offline_clean(errors)


def test_layer_toggle_keeps_clusters_clickable(map_page: Any, tmp_path: Path) -> None:
    view = make_map_view()
    errors = _open_map(map_page, tmp_path, view)
    labels = map_page.locator(".leaflet-control-layers-overlays label")
    labels.filter(has_text="Clusters").locator("input").uncheck()
    assert map_page.locator(".ccn-cluster").count() == 0
    labels.filter(has_text="Clusters").locator("input").check()
    labels.filter(has_text="Communes").locator("input").uncheck()
    labels.filter(has_text="Communes").locator("input").check()  # communes come back on top?
    assert view.clusters["name"][1] in _click_cluster(map_page, 1)
    assert_offline_clean(errors)


def test_comparison_maps_are_synchronised(map_page: Any, tmp_path: Path) -> None:
    cv = make_comparison_view()
    errors = _open_comparison(map_page, tmp_path, cv)
    assert map_page.locator(".ccn-map").count() == 2
    counts = [map_page.locator(".ccn-map").nth(i).locator(".ccn-cluster").count() for i in (0, 1)]
    assert counts == [len(v.clusters) for v in cv.views] == [3, 3]
    assert map_page.evaluate("window.CLUSTERSIM.clustersPerMap") == counts
    assert map_page.evaluate("L.version") == "1.9.3"

    def centers() -> list[list[float]]:
        return map_page.evaluate(
            "ClusterSim.maps.map(m => [m.getCenter().lat, m.getCenter().lng, m.getZoom()])")

    before = centers()
    map_page.evaluate("ClusterSim.maps[0].panBy([180, -120], {animate: false})")
    after = centers()
    assert after[0] != before[0]
    assert after[1] == pytest.approx(after[0], abs=1e-9)
    map_page.evaluate("(m => m.setZoom(m.getZoom() + 1, {animate: false}))(ClusterSim.maps[1])")
    zoomed = centers()
    assert zoomed[0][2] == zoomed[1][2] == after[1][2] + 1
    assert zoomed[0] == pytest.approx(zoomed[1], abs=1e-9)
    screenshot(map_page, "comparison")
    assert_offline_clean(errors)


def test_maps_are_settled_when_ready(map_page: Any, tmp_path: Path) -> None:
    # a view still animating after CLUSTERSIM.ready would undo a test's (or a user's) pan
    errors = _open_comparison(map_page, tmp_path)
    map_page.evaluate("window.__moves = 0;"
                      " ClusterSim.maps.forEach(m => m.on('move', () => window.__moves++))")
    map_page.wait_for_timeout(500)
    assert map_page.evaluate("window.__moves") == 0
    assert_offline_clean(errors)


def test_comparison_drag_moves_the_other_map(map_page: Any, tmp_path: Path) -> None:
    errors = _open_comparison(map_page, tmp_path)
    before = map_page.evaluate("ClusterSim.maps[1].getCenter().lng")
    box = map_page.locator(".ccn-map").nth(0).bounding_box()
    x, y = box["x"] + box["width"] * 0.35, box["y"] + box["height"] * 0.75
    map_page.mouse.move(x, y)
    map_page.mouse.down()
    map_page.mouse.move(x - 150, y - 20, steps=8)
    map_page.mouse.up()
    centers = map_page.evaluate("ClusterSim.maps.map(m => m.getCenter().lng)")
    assert centers[1] != pytest.approx(before, abs=1e-6)
    assert centers[1] == pytest.approx(centers[0], abs=1e-9)
    assert_offline_clean(errors)


def test_comparison_table(map_page: Any, tmp_path: Path) -> None:
    cv = make_comparison_view()
    cv.table.loc[0, "indicator"] = XSS_NAMES[0]
    errors = _open_comparison(map_page, tmp_path, cv)
    table = map_page.locator("table.ccn-table")
    assert "relative to the first scenario" in table.locator("caption").inner_text()
    rows = table.locator("tbody tr")
    assert rows.count() == len(cv.table)
    assert rows.first.locator("th").inner_text() == XSS_NAMES[0]
    diff = rows.first.locator("td.ccn-diff").inner_text()
    assert diff.startswith("+") and "," in diff
    table.scroll_into_view_if_needed()
    screenshot(map_page, "comparison-table")
    assert errors["dialogs"] == []
    assert_offline_clean(errors)


def test_point_cluster_and_unknown_status_are_drawn(map_page: Any, tmp_path: Path) -> None:
    view = make_map_view()
    clusters = view.clusters.copy()
    clusters.loc[0, "geometry"] = clusters.geometry[0].centroid
    clusters.loc[1, "status"] = "cancelled"
    errors = _open_map(map_page, tmp_path, type(view)(**{**view.__dict__, "clusters": clusters}))
    assert map_page.locator(".ccn-cluster").count() == 3
    assert map_page.locator(".ccn-cluster.ccn-status-unknown").count() == 1
    assert map_page.locator('[data-ccn-id="cl0"]').count() == 1
    assert view.clusters["name"][0] in _click_cluster(map_page, 0)
    assert_offline_clean(errors)
