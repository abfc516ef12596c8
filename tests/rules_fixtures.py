"""Builders for the rule and site-finder tests: small scenarios, hand-made results with known
answers, and a synthetic 6 km × 6 km district in EPSG:5897 (VN-2000 / TM-3 105°00′).

Synthetic district (metres from its south-west corner X0, Y0):
  district      the square 0–6000 × 0–6000
  river         a band x 5200–6000 (kind river); dike centreline at x = 5000 (kind dike)
  commune       one village at (1000, 5000), 10,000 people → an 80 ha disc (r ≈ 505 m)
  roads         national road along x = 300; an expressway interchange at (2500, 1500)
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np

X0, Y0 = 590_000.0, 2_300_000.0
METRIC = "EPSG:5897"


def square(x: float, y: float, side: float) -> Any:
    """An axis-aligned square (EPSG:5897) with its south-west corner at (X0 + x, Y0 + y)."""
    import shapely

    return shapely.box(X0 + x, Y0 + y, X0 + x + side, Y0 + y + side)


def to_wgs84(geom: Any) -> Any:
    import geopandas as gpd

    return gpd.GeoSeries([geom], crs=METRIC).to_crs("EPSG:4326").iloc[0]


def cluster(cid: str, *, area: float = 20.0, kind: str = "general", year: int = 2022,
            expands: str | None = None, at: tuple[float, float] = (2000.0, 2000.0),
            phases: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A cluster dict whose outline is a square of `area` ha at `at` (metres in the district)."""
    side = (area * 1e4) ** 0.5
    return {
        "id": cid, "name": cid, "commune": "x", "status": "proposed", "kind": kind,
        "area_ha": area, "source": "test", "expands": expands,
        "geometry": {"inline": square(*at, side).wkt, "crs": METRIC},
        "phases": phases or [{"share": 1.0, "approval_year": year, "clearance_years": 0,
                              "construction_years": 1}],
    }


def scenario(*clusters: dict[str, Any], base: int = 2020, horizon: int = 2030, **kw: Any) -> Any:
    from simulator.scenario.schema import Scenario

    return Scenario.model_validate({"id": "t", "title": "t", "base_year": base,
                                    "horizon_year": horizon, "seed": 1, "draws": 1,
                                    "clusters": list(clusters), **kw})


def frame(s: Any, accuracy: str = "digitised") -> Any:
    """ClusterGeometries.frame for the scenario's inline outlines."""
    import geopandas as gpd
    import shapely

    geoms = [shapely.from_wkt(c.geometry.inline) for c in s.clusters]
    f = gpd.GeoDataFrame({"id": [c.id for c in s.clusters], "accuracy": accuracy},
                         geometry=geoms, crs=METRIC).to_crs("EPSG:4326")
    return f


@dataclass(frozen=True)
class FakeResults:
    """The part of simulator.results.Results the rules read, with hand-made metrics."""

    cluster_ids: tuple[str, ...]
    years: np.ndarray
    metrics: Any  # simulator.results.HeldDraws
    district: dict[str, np.ndarray]  # per-draw sums over the clusters

    @property
    def draws(self) -> int:
        return int(self.metrics.draws)

    def year_index(self, year: int) -> int:
        return int(np.searchsorted(self.years, year))

    def memo(self, key: str, compute: Any) -> Any:
        """`compute()` each time (Results.memo keeps it for the run)."""
        return compute()


def results(s: Any, draws: int, **metrics: np.ndarray) -> FakeResults:
    """Results of `s` with the given (draw, cluster, year) metrics (broadcast), the area metrics
    zero unless given, and occupancy_pct computed as in simulator.results."""
    years = np.arange(s.base_year, s.horizon_year + 1)
    shape = (draws, len(s.clusters), len(years))
    names = {"gross_area_ha", "leasable_area_ha", "leased_area_ha", "farmland_converted_ha",
             *metrics}
    m = {k: np.broadcast_to(metrics.get(k, 0.0), shape).astype(float) for k in names}
    m["occupancy_pct"] = np.divide(100 * m["leased_area_ha"], m["leasable_area_ha"],
                                   out=np.zeros(shape), where=m["leasable_area_ha"] > 0)
    from simulator.results import HeldDraws

    district = {k: v.sum(axis=1) for k, v in m.items()}
    return FakeResults(tuple(c.id for c in s.clusters), years, HeldDraws(m), district)


def fake_run(s: Any, res: Any = None, *, accuracy: str = "digitised") -> Any:
    """A Run of `s` with hand-made results (default: one draw, all zero)."""
    from simulator.geodata import ClusterGeometries
    from simulator.run import Run

    res = res if res is not None else results(s, 1)
    return Run(SimpleNamespace(scenario=s), ClusterGeometries(frame(s, accuracy), ()), res, 0,
               res.draws, None, {})  # type: ignore[arg-type]  # the rules never read the inputs


def layers() -> Any:
    """The synthetic district's layers (EPSG:4326)."""
    import geopandas as gpd
    import shapely

    from simulator.constraints import Layers

    def gdf(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC).to_crs("EPSG:4326")

    line = lambda *pts: shapely.LineString([(X0 + x, Y0 + y) for x, y in pts])  # noqa: E731
    return Layers(
        district=gdf([{"id": "d", "geometry": square(0, 0, 6000)}]),
        communes=gdf([{"id": "v", "population_2019": 10_000,
                       "geometry": shapely.Point(X0 + 1000, Y0 + 5000).buffer(900)}]),
        roads=gdf([{"kind": "national", "geometry": line((300, 0), (300, 6000))},
                   {"kind": "interchange", "geometry": shapely.Point(X0 + 2500, Y0 + 1500)}]),
        water=gdf([{"kind": "river", "geometry": shapely.box(X0 + 5200, Y0, X0 + 6000, Y0 + 6000)},
                   {"kind": "dike", "geometry": line((5000, 0), (5000, 6000))}]),
    )
