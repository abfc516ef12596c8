"""Synthetic map views and offline-browser helpers, shared by the map tests (and reusable
for end-to-end tests on real outputs: `open_offline`, `assert_offline_clean`, `screenshot`).

Import helpers with ``from maps_fixtures import ...``. The fixtures (`browser`, `map_page`,
`mini_runs`) are registered once for the session by conftest.py (`pytest_plugins`): do not
import them into a test module.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Polygon, box

from simulator.maps.view import Badge, Band, ComparisonView, Indicator, MapView, Timeline, Variable

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
XSS_NAMES = ("<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>")
INDICATORS = (
    Indicator("jobs", "Jobs", "workers"),
    Indicator("rent", "Land rent", "bn VND / year", 1),
    Indicator("occupancy", "Occupancy", "%", 1),
)
DEFAULT_NAMES = ("CCN Quất Động", "CCN Liên Phương", "CCN Hà Bình Phương (proposed)")
_W, _S, _E, _N = 105.80, 20.79, 105.92, 20.91  # fake district square around 105.86 E, 20.85 N


def _frame(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def _communes() -> gpd.GeoDataFrame:
    names, pops, step = ("Quất Động", "Liên Phương", "Hà Hồi"), (12345, 9876, 15432), 0.04
    return _frame([
        {"id": f"c{i}", "name": n, "population_2019": p, "accuracy": "digitised",
         "geometry": box(_W + i * step, _S, _W + (i + 1) * step, _N)}
        for i, (n, p) in enumerate(zip(names, pops, strict=True))
    ])


def _clusters(names: Sequence[str], jobs_scale: float) -> gpd.GeoDataFrame:
    spec = [  # (status, kind, commune, accuracy, lon, lat)
        ("operating", "general", "Quất Động", "surveyed", 105.820, 20.880),
        ("approved", "craft_village", "Liên Phương", "digitised", 105.860, 20.830),
        ("proposed", "general", "Hà Hồi", "schematic", 105.895, 20.865),
    ]
    rows = []
    for i, (name, (status, kind, commune, acc, x, y)) in enumerate(zip(names, spec, strict=True)):
        rows.append({
            "id": f"cl{i}", "name": name, "status": status, "kind": kind, "commune": commune,
            "accuracy": acc, "declared_area_ha": 20.0 + 12.5 * i,
            "jobs": round((1500 + 1234 * i) * jobs_scale), "rent": (3.25 + i) * jobs_scale,
            "occupancy": min(100.0, (80.0 + i) * jobs_scale ** 0.1),
            "geometry": box(x - 0.006, y - 0.005, x + 0.006, y + 0.005),
        })
    return _frame(rows)


def _roads() -> gpd.GeoDataFrame:
    return _frame([
        {"id": "ql1a", "name": "QL1A", "kind": "national", "accuracy": "digitised",
         "geometry": LineString([(105.845, _S), (105.850, 20.85), (105.842, _N)])},
        {"id": "rail", "name": "Đường sắt Bắc–Nam", "kind": "railway", "accuracy": "digitised",
         "geometry": LineString([(105.835, _S), (105.838, _N)])},
        {"id": "ct", "name": "Cao tốc Pháp Vân–Cầu Giẽ", "kind": "expressway",
         "accuracy": "digitised", "geometry": LineString([(105.870, _S), (105.875, _N)])},
    ])


def _water() -> gpd.GeoDataFrame:
    river = Polygon([(105.905, _S), (105.92, _S), (105.92, _N), (105.91, _N), (105.903, 20.85)])
    return _frame([
        {"id": "hong", "name": "Sông Hồng", "kind": "river", "accuracy": "digitised",
         "geometry": river},
        {"id": "de", "name": "Đê hữu Hồng", "kind": "dike", "accuracy": "schematic",
         "geometry": LineString([(105.900, _S), (105.898, 20.85), (105.905, _N)])},
    ])


YEARS = (2025, 2026, 2027, 2028, 2029, 2030)
FIRST_YEAR = {"cl0": 2025, "cl1": 2027, "cl2": 2029}  # the slider shows 1, 2, 3 clusters


def _band(values: Sequence[float], spread: float = 0.2) -> Band:
    return Band(tuple(values), tuple(v * (1 - spread) for v in values), tuple(values),
                tuple(v * (1 + spread) for v in values))


def _ramp(start: int, top: float) -> list[float]:
    """0 before `start`, then rising to `top` in three years."""
    return [max(0.0, min(1.0, (y - start + 1) / 3)) * top for y in YEARS]


def make_timeline(jobs_scale: float = 1.0) -> Timeline:
    """Per-year data for the synthetic clusters and communes: cl0 from 2025, cl1 from 2027,
    cl2 from 2029; occupancy and jobs ramp up; communes have two choropleth choices."""
    occupancy = {c: _band(_ramp(y, 90.0), 0.1) for c, y in FIRST_YEAR.items()}
    jobs = {c: _band(_ramp(y, 1500 * (i + 1) * jobs_scale)) for i, (c, y) in
            enumerate(FIRST_YEAR.items())}
    reach = Variable("jobs_reachable", "Jobs within commuting reach", "workers",
                     {f"c{i}": _band(_ramp(2025 + i, 1000 * (i + 1))) for i in range(3)})
    balance = Variable("labour_balance", "Spare labour", "workers",
                       {f"c{i}": _band([5000 - 400 * k * (i + 1) for k in range(6)])
                        for i in range(3)}, scheme="Oranges")
    return Timeline(
        years=YEARS, visible={c: tuple(v > y - 1 for v in YEARS) for c, y in FIRST_YEAR.items()},
        fill=Variable("occupancy", "Cluster occupancy", "%", occupancy, scheme="RdPu"),
        indicators={c: {"jobs": jobs[c], "rent": _band([3.25] * 6), "occupancy": occupancy[c]}
                    for c in FIRST_YEAR},
        choropleths=(reach, balance), default_choropleth="jobs_reachable",
        fans=("jobs", "occupancy"))


BADGES = (Badge("cl1", "fail", 2028, (("fail", "Cluster size — 8.9 ha; needs 10–75 ha"),)),
          Badge("cl2", "warn", None, (("warn", "Sanitation buffer — overlaps housing"),)))


def make_map_view(
    names: Sequence[str] = DEFAULT_NAMES,
    *,
    scenario_id: str = "baseline",
    title: str = "Baseline: operating clusters",
    jobs_scale: float = 1.0,
    notes: Sequence[str] = ("Communes: synthetic test squares.", "Source: https://example.org"),
    timeline: bool = False,
    lang: str = "en",
    badges: Sequence[Badge] = (),
) -> MapView:
    """A small synthetic MapView: 3 communes, 3 clusters (one schematic), 3 roads, water;
    with `timeline`, per-year data for the year slider (2025–2030) and commune choices."""
    return MapView(
        scenario_id=scenario_id, title=title, description="Synthetic view for the map tests.",
        year=YEARS[-1],
        provenance={"version": "0.1.0", "seed": 20231, "draws": 1000,
                    "scenario_sha256": "0123456789abcdef" * 4,
                    "created_utc": "2025-01-01T00:00:00Z"},
        clusters=_clusters(names, jobs_scale), indicators=INDICATORS, communes=_communes(),
        district=_frame([{"id": "thuong_tin", "name": "Thường Tín",
                          "geometry": box(_W, _S, _E, _N)}]),
        roads=_roads(), water=_water(), notes=tuple(notes), lang=lang,
        timeline=make_timeline(jobs_scale) if timeline else None, badges=tuple(badges),
    )


def make_comparison_view(names: Sequence[str] = DEFAULT_NAMES, *,
                         timeline: bool = False) -> ComparisonView:
    """Two scenarios (baseline, expansion) and their indicator table with signed diffs."""
    a = make_map_view(names, timeline=timeline)
    b = make_map_view(names, scenario_id="expansion", title="Expansion: +3 clusters",
                      jobs_scale=1.8, timeline=timeline)
    rows = []
    for ind in INDICATORS:
        how = "mean" if ind.unit == "%" else "sum"
        va, vb = (float(v.clusters[ind.column].agg(how)) for v in (a, b))
        rows.append({"indicator": ind.label, "unit": ind.unit, "year": a.year,
                     "baseline": va, "expansion": vb, "diff_expansion": vb - va})
        if timeline:  # the paired statistics compare.comparison_table adds
            rows[-1].update(diff_expansion_p10=0.5 * (vb - va), diff_expansion_p50=vb - va,
                            diff_expansion_p90=1.5 * (vb - va), p_better_expansion=0.875)
    return ComparisonView(views=(a, b), table=pd.DataFrame(rows))


# ---------------------------------------------------------------- the real pipeline

XSS_TITLE = "</script><script>alert(3)</script> & {{ 7*7 }}"
XSS_DESCRIPTION = "<img src=y onerror=alert(4)>"
XSS_TARGET = "<b>jobs</b> ≥ 1,600"
MINI = Path(__file__).parent / "data" / "mini.yaml"


def _variant(text: str, *, xss: bool, scenario_id: str, demand: float) -> str:
    text = text.replace("id: mini", f"id: {scenario_id}", 1)
    text = text.replace("demand_ha_per_year: 3", f"demand_ha_per_year: {demand}")
    if xss:
        text = text.replace("name: CCN Alpha", f"name: {json.dumps(XSS_NAMES[0])}")
        text = text.replace("name: CCN Beta", f"name: {json.dumps(XSS_NAMES[1])}")
        text = text.replace('title: "Mini <b>test</b> scenario"',
                            f"title: {json.dumps(XSS_TITLE)}\n"
                            f"description: {json.dumps(XSS_DESCRIPTION)}")
        text += ("targets:\n  - {metric: jobs, year: 2030, at_least: 1600, label: "
                 f"{json.dumps(XSS_TARGET)}}}\n")
    return text


@pytest.fixture(scope="session")
def mini_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    """tests/data/mini.yaml run twice with 40 draws and common random numbers: A has
    script-like cluster names, title, description and target label; B (`mini_b`) has more
    demand, so its clusters fill faster."""
    from simulator.run import run_file

    folder = tmp_path_factory.mktemp("mini")
    text = MINI.read_text(encoding="utf-8")
    runs = []
    for name, xss, demand in (("mini", True, 3), ("mini_b", False, 5)):
        path = folder / f"{name}.yaml"
        path.write_text(_variant(text, xss=xss, scenario_id=name, demand=demand),
                        encoding="utf-8")
        runs.append(run_file(path, draws=40))
    return runs[0], runs[1]


# ---------------------------------------------------------------- browser helpers


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium via Playwright (no `playwright install`); skips without it."""
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture
def map_page(browser: Any) -> Iterator[Any]:
    """A fresh page (own context) at 1280×860."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    yield page
    context.close()


def open_offline(page: Any, path: Path, timeout_ms: float = 10_000,
                 wait_ready: bool = True) -> dict[str, list[str]]:
    """Open `path` via file:// with every other request aborted; wait for CLUSTERSIM.ready
    (unless `wait_ready` is false: a page without script, such as report.html).

    Returns live lists (they keep filling after the call): requests that were not file:/data:,
    page errors, console errors, and dialogs (alert/confirm/prompt, dismissed).
    """
    errors: dict[str, list[str]] = {"requests": [], "pageerrors": [], "console": [], "dialogs": []}

    def route(r: Any) -> None:
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            errors["requests"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("request", lambda req: None if req.url.startswith(("file:", "data:"))
            else errors["requests"].append(req.url))
    page.on("pageerror", lambda exc: errors["pageerrors"].append(str(exc)))
    page.on("console", lambda m: m.type == "error" and errors["console"].append(m.text))
    page.on("dialog", lambda d: (errors["dialogs"].append(f"{d.type}: {d.message}"), d.dismiss()))
    page.goto(Path(path).resolve().as_uri())
    if wait_ready:
        page.wait_for_function("window.CLUSTERSIM && window.CLUSTERSIM.ready === true",
                               timeout=timeout_ms)
    return errors


def assert_offline_clean(errors: dict[str, list[str]]) -> None:
    """No network attempt, no JS error, no console error, no dialog."""
    assert {k: v for k, v in errors.items() if v} == {}


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page PNG to test-artifacts/ (gitignored) and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    out = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(out), full_page=True)
    return out
