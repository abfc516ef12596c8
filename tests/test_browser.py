"""The map pages in real headless Chromium, fully offline (every non-file request aborted)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from maps_fixtures import (  # the browser, map_page, mini_runs fixtures come from conftest.py
    BADGES,
    XSS_NAMES,
    XSS_TARGET,
    XSS_TITLE,
    assert_offline_clean,
    make_comparison_view,
    make_map_view,
    open_offline,
    screenshot,
)

from simulator.maps.comparison_page import render_comparison
from simulator.maps.scenario_map import render_scenario_map

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
    map_page.evaluate("void ClusterSim.maps[0].panBy([180, -120], {animate: false})")
    after = centers()
    assert after[0] != before[0]
    assert after[1] == pytest.approx(after[0], abs=1e-9)
    map_page.evaluate("(m => void m.setZoom(m.getZoom() + 1, {animate: false}))(ClusterSim.maps[1])")
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
    assert map_page.locator('.ccn-cluster[data-ccn-id="cl0"]').count() == 1
    assert map_page.locator('path.ccn-hit[data-ccn-id="cl0"]').count() == 1  # a point: haloed
    assert view.clusters["name"][0] in _click_cluster(map_page, 0)
    assert_offline_clean(errors)


# ------------------------------------------------------------ year slider, shading, controls


SLIDER = ".ccn-slider input[type=range]"


def _open_slider_map(page: Any, tmp_path: Path, **kwargs: Any) -> dict[str, list[str]]:
    view = make_map_view(timeline=True, badges=BADGES, **kwargs)
    return open_offline(page, _write(tmp_path, "slider.html", render_scenario_map(view)))


def _fill(page: Any, cluster_id: str) -> str:
    return page.locator(f'path[data-ccn-id="{cluster_id}"]').get_attribute("fill")


def test_slider_replays_build_out(map_page: Any, tmp_path: Path) -> None:
    errors = _open_slider_map(map_page, tmp_path)
    assert map_page.locator("path.ccn-cluster").count() == 3  # 2030: all built
    full = _fill(map_page, "cl0")
    screenshot(map_page, "slider-2030")
    slider = map_page.locator(SLIDER)
    slider.focus()
    map_page.keyboard.press("Home")  # the keyboard moves the slider
    assert map_page.evaluate("ClusterSim.years()") == [2025]
    assert map_page.locator("path.ccn-cluster").count() == 1
    assert _fill(map_page, "cl0") != full  # less occupied in 2025: another class colour
    assert slider.get_attribute("aria-valuetext") == "2025"
    assert map_page.locator(".ccn-slider output").inner_text() == "2025"
    assert map_page.locator(".ccn-titlebox [data-ccn-year]").inner_text() == "2025"
    screenshot(map_page, "slider-2025")
    map_page.keyboard.press("ArrowRight")
    map_page.keyboard.press("ArrowRight")
    assert map_page.evaluate("ClusterSim.years()") == [2027]
    assert map_page.locator("path.ccn-cluster").count() == 2
    badges = map_page.locator(".leaflet-marker-pane .ccn-badge-fail")
    assert badges.count() == 0  # cl1's rule breaks from 2028
    map_page.keyboard.press("ArrowRight")
    assert badges.count() == 1
    assert_offline_clean(errors)


def test_popup_shows_the_chosen_year(map_page: Any, tmp_path: Path) -> None:
    view = make_map_view(timeline=True)
    errors = _open_slider_map(map_page, tmp_path)
    text = _click_cluster(map_page, 2)
    assert view.clusters["name"][2] in text and "Indicators, 2030" in text
    assert "Jobs\t3,000 (2,400 – 3,600) workers" in text
    assert map_page.locator(".leaflet-popup svg.ccn-spark").count() == 2  # jobs, occupancy
    marker = map_page.locator(".leaflet-popup .ccn-fan-now").first
    x_2030 = marker.get_attribute("x1")
    map_page.locator(SLIDER).fill("4")  # 2029, with the popup open
    popup = map_page.locator(".leaflet-popup-content").last.inner_text()
    assert "Indicators, 2029" in popup and "Jobs\t1,500 (1,200 – 1,800) workers" in popup
    assert marker.get_attribute("x1") != x_2030  # the fan chart's year marker moved
    screenshot(map_page, "slider-popup")
    map_page.locator(SLIDER).fill("3")  # 2028: the cluster is not built, its popup closes
    map_page.locator(".leaflet-popup").wait_for(state="detached")  # after a 200 ms fade
    assert_offline_clean(errors)


def test_choropleth_switch_changes_legend(map_page: Any, tmp_path: Path) -> None:
    errors = _open_slider_map(map_page, tmp_path)
    legend = map_page.locator(".ccn-choropleth-key:visible h2")
    assert legend.inner_text() == "Jobs within commuting reach (workers)"
    before = map_page.locator("path.ccn-commune").first.get_attribute("fill")
    radio = map_page.locator(".ccn-choice input[value=jobs_reachable]")
    radio.focus()
    map_page.keyboard.press("ArrowDown")  # to "Spare labour", by keyboard
    assert map_page.locator(".ccn-choice input[value=labour_balance]").is_checked()
    assert legend.inner_text() == "Spare labour (workers)"
    assert map_page.locator("path.ccn-commune").first.get_attribute("fill") != before
    map_page.locator(".ccn-choice input[value='']").check()  # outlines only: no key shown
    assert map_page.locator(".ccn-choropleth-key:visible").count() == 0
    box = map_page.locator("path.ccn-commune").nth(0).bounding_box()
    map_page.locator(".ccn-choice input[value=jobs_reachable]").check()
    map_page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.9)
    tooltip = map_page.locator(".ccn-tooltip").last
    tooltip.wait_for(state="visible")
    assert "Jobs within commuting reach: 1,000 (800 – 1,200) workers" in tooltip.inner_text()
    screenshot(map_page, "choropleth-labour")
    assert_offline_clean(errors)


def test_layer_control_and_fullscreen_by_keyboard(map_page: Any, tmp_path: Path) -> None:
    errors = _open_slider_map(map_page, tmp_path)
    box = map_page.locator(".leaflet-control-layers-overlays label").filter(has_text="Clusters")
    box.locator("input").focus()
    map_page.keyboard.press("Space")
    assert map_page.locator("path.ccn-cluster").count() == 0
    map_page.keyboard.press("Space")
    assert map_page.locator("path.ccn-cluster").count() == 3
    button = map_page.locator("button.ccn-fullscreen")
    button.focus()
    map_page.keyboard.press("Enter")
    assert button.get_attribute("aria-pressed") == "true"
    assert map_page.locator(".ccn-map.ccn-fs").count() == 1
    map_page.keyboard.press("Enter")
    assert map_page.locator(".ccn-map.ccn-fs").count() == 0
    assert map_page.locator(".ccn-minimap path").count() >= 2  # district outline + view box
    assert_offline_clean(errors)


def test_real_scenario_pages(map_page: Any, tmp_path: Path, mini_runs: Any) -> None:
    from simulator.gating import gate_openings
    from simulator.outputs import render_pages
    from simulator.rules.engine import check_all
    from simulator.tables import cluster_table

    run = mini_runs[0]
    pages = render_pages(run, cluster_table(run), findings=check_all(run),
                         gates=gate_openings(run.loaded.scenario, run.results), lang="vi")
    errors = open_offline(map_page, _write(tmp_path, "map.html", pages["map.html"]))
    assert map_page.locator("path.ccn-cluster").count() == 2  # 2030
    map_page.locator(SLIDER).fill("0")
    assert map_page.evaluate("ClusterSim.years()") == [2020]
    assert map_page.locator("path.ccn-cluster").count() == 1  # beta is approved in 2024
    map_page.locator(SLIDER).fill("10")
    text = _click_cluster(map_page, 1)
    assert XSS_NAMES[1] in text and "Việc làm" in text and "lao động" in text
    assert map_page.title().startswith(XSS_TITLE)
    screenshot(map_page, "mini-map-vi")
    assert errors["dialogs"] == [] and map_page.locator("img[src=x], img[src=y]").count() == 0
    assert_offline_clean(errors)
    report = map_page.context.new_page()
    report_errors = open_offline(report, _write(tmp_path, "report.html", pages["report.html"]),
                                 wait_ready=False)
    assert report.locator("h1").inner_text() == XSS_TITLE
    assert XSS_TARGET in report.locator("#targets").inner_text()
    assert report.locator("#charts svg").count() == 4 and report.locator("script").count() == 0
    screenshot(report, "report-vi")
    assert_offline_clean(report_errors)


def test_real_comparison_page(map_page: Any, tmp_path: Path, mini_runs: Any) -> None:
    from simulator.map_content import comparison_view
    from simulator.rules.engine import check_all
    from simulator.tables import comparison_table

    runs = list(mini_runs)
    view = comparison_view(runs, comparison_table(runs), [check_all(r) for r in runs], lang="en")
    html = render_comparison(view)
    errors = open_offline(map_page, _write(tmp_path, "comparison.html", html))
    assert map_page.locator(".ccn-map").count() == 3  # A, B, B − A
    assert map_page.evaluate("window.CLUSTERSIM.clustersPerMap") == [2, 2]
    assert map_page.locator("path.ccn-dcluster").count() == 2
    slider = map_page.locator(".ccn-shared " + SLIDER)
    slider.focus()
    map_page.keyboard.press("Home")  # one slider moves every map
    assert map_page.evaluate("ClusterSim.years()") == [2020, 2020, 2020]
    assert map_page.locator("path.ccn-cluster").count() == 2  # alpha in A and in B
    map_page.keyboard.press("End")
    legend = map_page.locator(".ccn-cell").nth(2).locator(".ccn-choropleth-key:visible h2")
    assert legend.inner_text().startswith("Δ Residents working in clusters")
    map_page.locator(".ccn-shared .ccn-choice input[value=jobs_reachable]").check()
    assert legend.inner_text().startswith("Δ Jobs within commuting reach")
    assert map_page.locator(".ccn-fan-box svg path").count() == 4  # two bands, two medians
    table = map_page.locator("table.ccn-table:not(.ccn-verdict-table)")
    assert "P(Mini <b>test</b> scenario better)" in table.locator("thead").inner_text()
    verdict = map_page.locator("table.ccn-verdict-table tbody tr")
    assert verdict.count() == 6  # the headline figures, each with its verdict
    assert XSS_TITLE not in html
    assert XSS_TITLE in map_page.locator(".ccn-cell h2").first.inner_text()
    screenshot(map_page, "comparison-mini")
    assert errors["dialogs"] == []
    assert_offline_clean(errors)
