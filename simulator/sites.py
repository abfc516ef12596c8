"""Site finder: where could a new cluster of a given area go?

Method (docs/rules.md §Site finder):
1. A grid of `cell_m` (≤ 20 m) cells over the district in EPSG:5897. Polygons are burnt in by
   their cell centres, lines and points by densified vertices.
2. Distance surfaces by exact Euclidean distance transforms (scipy.ndimage): to expressway
   interchanges and national roads (attractors), from residential land (repeller; residential
   land is approximated around commune centres, see `constraints`).
3. Suitability = Σ w_k · f_k with f = exp(−d / λ) for attractors and 1 − exp(−d / λ)
   for the repeller; weights are normalised to sum to 1; a term whose layer is missing is
   dropped.
4. Excluded cells: outside the district, on the river or floodplain, the dike corridor, the
   sanitation buffer of the cluster's hazard class around residential land, transport
   corridors, and existing and planned clusters — each widened by one cell.
5. Candidates are axis-aligned rectangles of exactly the requested area (a square and 2:1
   rectangles both ways), placed greedily by mean suitability over their footprint; each is
   checked with the same vector tests as `clustersim check` and must not overlap the clusters
   or an earlier candidate (kept `separation_m` apart).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely
from scipy import ndimage

from simulator import constraints as sc
from simulator.geodata import METRIC_CRS, STORAGE_CRS
from simulator.rules.book import merged_thresholds
from simulator.words.findings import Msg

if TYPE_CHECKING:
    from simulator.scenario.rules_config import RulesConfig

__all__ = ["DEFAULT_WEIGHTS", "MAX_AREA_HA", "SCALES_M", "find_sites", "suitability"]

DEFAULT_WEIGHTS = {"interchange": 0.4, "national_road": 0.3, "residential": 0.3}
SCALES_M = {"interchange": 3000.0, "national_road": 1500.0, "residential": 500.0}  # assumption
_MAX_TRIES = 200
MAX_AREA_HA = 1000.0  # the largest site searched for (Decree 32's clusters are at most 75 ha)


class _Grid:
    """Cell centres of a regular grid; row 0 is the northern edge."""

    def __init__(self, bounds: tuple[float, float, float, float], cell: float) -> None:
        x0, y0, x1, y1 = bounds
        self.cell, self.x0, self.top = cell, x0, y1
        self.nx, self.ny = math.ceil((x1 - x0) / cell), math.ceil((y1 - y0) / cell)
        self.xs = x0 + (np.arange(self.nx) + 0.5) * cell
        self.ys = y1 - (np.arange(self.ny) + 0.5) * cell

    def polygons(self, geom: Any) -> np.ndarray:
        if geom is None or geom.is_empty:
            return np.zeros((self.ny, self.nx), bool)
        shapely.prepare(geom)
        xx, yy = np.meshgrid(self.xs, self.ys)
        return np.asarray(shapely.intersects_xy(geom, xx, yy))

    def vertices(self, geom: Any) -> np.ndarray:
        mask = np.zeros((self.ny, self.nx), bool)
        if geom is None or geom.is_empty:
            return mask
        xy = shapely.get_coordinates(shapely.segmentize(geom, self.cell / 2))
        col = np.floor((xy[:, 0] - self.x0) / self.cell).astype(int)
        row = np.floor((self.top - xy[:, 1]) / self.cell).astype(int)
        inside = (col >= 0) & (col < self.nx) & (row >= 0) & (row < self.ny)
        mask[row[inside], col[inside]] = True
        return mask

    def burn(self, geom: Any) -> np.ndarray:
        """Cells a geometry touches: polygons by their centres (plus their outline)."""
        if _has_polygons(geom):
            return np.asarray(self.polygons(geom) | self.vertices(geom.boundary))
        return self.vertices(geom)

    def distance(self, mask: np.ndarray) -> np.ndarray:
        """Metres from each cell centre to the nearest cell of `mask` (inf when empty)."""
        if not mask.any():
            return np.full(mask.shape, np.inf)
        out: np.ndarray = ndimage.distance_transform_edt(~mask, sampling=self.cell)
        return out


def _has_polygons(geom: Any) -> bool:
    parts = [] if geom is None else shapely.get_parts(geom)
    return any(p.geom_type.endswith("Polygon") for p in parts)


def _weights(weights: dict[str, float] | None) -> dict[str, float]:
    given = dict(DEFAULT_WEIGHTS if weights is None else weights)
    bad = [k for k in given if k not in DEFAULT_WEIGHTS]
    finite = all(math.isfinite(v) for v in given.values())
    if bad or not finite or any(v < 0 for v in given.values()) or sum(given.values()) <= 0:
        raise ValueError(f"weights named {', '.join(DEFAULT_WEIGHTS)}, finite, ≥ 0 and not all 0; "
                         f"found {given}")
    return given


def suitability(cons: sc.Constraints, grid: _Grid, weights: dict[str, float],
                ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(score in 0–1, distance surfaces in m) on the grid."""
    d = {"interchange": grid.distance(grid.vertices(cons.interchanges)),
         "national_road": grid.distance(grid.vertices(cons.national)),
         "residential": grid.distance(grid.burn(cons.residential))}
    terms = {k: np.exp(-d[k] / SCALES_M[k]) for k in ("interchange", "national_road")}
    terms["residential"] = 1.0 - np.exp(-d["residential"] / SCALES_M["residential"])
    live = {k: w for k, w in weights.items() if w > 0 and np.isfinite(d[k]).any()}
    total = sum(live.values()) or 1.0
    score = sum((w / total) * terms[k] for k, w in live.items())
    return np.asarray(score, float) * np.ones((grid.ny, grid.nx)), d


def _blocked(cons: sc.Constraints, grid: _Grid, t: dict[str, dict[str, float]], kind: str,
             residential_m: np.ndarray, clusters: Any) -> np.ndarray:
    """Cells a candidate may not cover (each exclusion widened by one cell)."""
    m = grid.cell
    out = grid.distance(~grid.polygons(cons.district)) < m
    out |= grid.distance(grid.burn(cons.river)) < m
    dike = t["dike_corridor"]["corridor_m"] + t["dike_corridor"]["half_base_m"]
    out |= grid.distance(grid.vertices(cons.dike)) < dike + m
    out |= residential_m < sc.hazard_buffer_m(kind, None, t["sanitation_buffer"])[1] + m
    for k, lines in cons.transport.items():
        out |= grid.distance(grid.vertices(lines)) < t["transport_corridor"][f"{k}_m"] + m
    return out | (grid.distance(grid.burn(clusters)) < m)


def _box_sum(a: np.ndarray, ky: int, kx: int) -> np.ndarray:
    """Sum over every ky × kx window, indexed by its top-left cell."""
    c = np.pad(np.cumsum(np.cumsum(a, axis=0), axis=1), ((1, 0), (1, 0)))
    return c[ky:, kx:] - c[:-ky, kx:] - c[ky:, :-kx] + c[:-ky, :-kx]  # type: ignore[no-any-return]


def _shapes(area_m2: float, cell: float) -> list[tuple[str, float, float, int, int]]:
    """(name, width m, height m, width cells, height cells) of the candidate rectangles."""
    s, r = math.sqrt(area_m2), math.sqrt(area_m2 / 2)
    sizes = (("square", s, s), ("2:1 east-west", 2 * r, r), ("2:1 north-south", r, 2 * r))
    return [(n, w, h, math.ceil(w / cell), math.ceil(h / cell)) for n, w, h in sizes]


def _verify(g: Any, cons: sc.Constraints, t: dict[str, dict[str, float]], kind: str,
            others: list[tuple[str, Any]]) -> list[tuple[str, Msg]]:
    """(rule id, message) of every spatial rule the polygon breaks (empty: it passes them
    all); a message is rendered in a page's language by `words.findings.render`."""
    out = [("overlap", sc.overlapping(g, others, t["overlap"]))]
    for rid, check in sc.SPATIAL_CHECKS.items():
        extra = {"kind": kind} if rid == "sanitation_buffer" else {}
        out.append((rid, check(g, cons, t[rid], **extra)))
    return [(rid, m) for rid, m in out if m]


def _best(score: np.ndarray, busy: np.ndarray, shapes: list[Any], rejected: set[Any]) -> Any:
    """(mean score, shape, row, col) of the best free anchor over all shapes, or None."""
    best = None
    for shape in shapes:
        _, _, _, kx, ky = shape
        mean = _box_sum(score, ky, kx) / (kx * ky)
        mean[_box_sum(busy.astype(np.int32), ky, kx) > 0] = -np.inf
        for key in (k for k in rejected if k[0] == shape[0]):
            mean[key[1], key[2]] = -np.inf
        i, j = np.unravel_index(np.argmax(mean), mean.shape)
        if np.isfinite(mean[i, j]) and (best is None or mean[i, j] > best[0]):
            best = (float(mean[i, j]), shape, int(i), int(j))
    return best


def _rectangle(grid: _Grid, shape: Any, i: int, j: int) -> Any:
    _, w, h, _, _ = shape
    x, y = grid.x0 + j * grid.cell, grid.top - i * grid.cell
    return shapely.box(x, y - h, x + w, y)


def _place(grid: _Grid, score: np.ndarray, busy: np.ndarray, shapes: list[Any], check: Any,
           count: int, separation_m: float) -> list[tuple[float, str, Any]]:
    """Greedy: the best free rectangle that passes `check`, then block it and look again."""
    out: list[tuple[float, str, Any]] = []
    rejected: set[Any] = set()
    gap = math.ceil(separation_m / grid.cell)
    for _ in range(count * _MAX_TRIES):
        if len(out) == count or (best := _best(score, busy, shapes, rejected)) is None:
            break
        value, shape, i, j = best
        g = _rectangle(grid, shape, i, j)
        if check(g, [f"candidate {k + 1}" for k in range(len(out))], [p for _, _, p in out]):
            rejected.add((shape[0], i, j))
            continue
        out.append((value, shape[0], g))
        busy[max(i - gap, 0):i + shape[4] + gap, max(j - gap, 0):j + shape[3] + gap] = True
    return out


def _sources(run_or_layers: Any) -> tuple[sc.Layers, Any, RulesConfig | None]:
    """(layers, union of existing and planned outlines in EPSG:5897, the scenario's config)."""
    if isinstance(run_or_layers, sc.Layers):
        layers, frames, config = run_or_layers, [], None
    else:
        layers = sc.load_layers(getattr(run_or_layers, "layers", None))
        frames = [run_or_layers.geometries.frame]
        config = getattr(run_or_layers.loaded.scenario, "rules", None)
    if layers.clusters is not None:
        frames.append(layers.clusters)
    geoms = [g for f in frames for g in f.geometry.to_crs(METRIC_CRS)]
    return layers, shapely.union_all(geoms) if geoms else None, config


def find_sites(run_or_layers: Any, area_ha: float, count: int = 5,
               weights: dict[str, float] | None = None, *, kind: str = "general",
               cell_m: float = 20.0, separation_m: float = 200.0,
               config: RulesConfig | None = None) -> gpd.GeoDataFrame:
    """Up to `count` non-overlapping candidate sites of `area_ha` that pass every spatial rule,
    ranked by mean suitability (EPSG:4326; columns rank, score, area_ha, shape, distances).
    `attrs["rejected"]`: rule id → how many better-scoring rectangles, free on the grid, broke
    that rule in the exact check (`attrs["tried"]`: how many were rejected in all).

    `run_or_layers`: a Run (the bundled layers plus the scenario's clusters, whose `rules:`
    thresholds apply) or a `constraints.Layers`. `kind` sets the hazard class (rules.yaml)."""
    if not (0 < area_ha <= MAX_AREA_HA and count >= 1 and 0 < cell_m <= 20):
        raise ValueError(f"area_ha in (0, {MAX_AREA_HA:g}], count ≥ 1, cell_m in (0, 20]; found "
                         f"{area_ha}, {count}, {cell_m}")
    layers, clusters, scenario_config = _sources(run_or_layers)
    cfg = config or scenario_config
    t = merged_thresholds(cfg.thresholds if cfg is not None else None)[0]
    cons = sc.build_constraints(layers, t)
    grid = _Grid(cons.district.bounds, cell_m)
    score, dist = suitability(cons, grid, _weights(weights))
    busy = _blocked(cons, grid, t, kind, dist["residential"], clusters)
    others = [("existing and planned clusters", clusters)] if clusters is not None else []

    rejected: dict[str, int] = {}
    tried = [0]

    def breaks(g: Any, names: list[str], earlier: list[Any]) -> bool:
        found = _verify(g, cons, t, kind, others + list(zip(names, earlier, strict=True)))
        for rid, _ in found:
            rejected[rid] = rejected.get(rid, 0) + 1
        tried[0] += bool(found)
        return bool(found)

    placed = _place(grid, score, busy, _shapes(area_ha * 1e4, cell_m), breaks, count, separation_m)
    frame = gpd.GeoDataFrame(
        {"rank": np.arange(1, len(placed) + 1), "score": [round(v, 4) for v, _, _ in placed],
         "area_ha": [g.area / 1e4 for _, _, g in placed], "shape": [n for _, n, _ in placed]},
        geometry=[g for _, _, g in placed], crs=METRIC_CRS)
    for name, geom in (("interchange", cons.interchanges), ("national_road", cons.national),
                       ("residential", cons.residential)):
        frame[f"{name}_m"] = [round(g.distance(geom)) if geom is not None else np.nan
                              for g in frame.geometry]
    out = frame.to_crs(STORAGE_CRS)
    out.attrs.update(rejected=dict(sorted(rejected.items(), key=lambda kv: (-kv[1], kv[0]))),
                     tried=tried[0])
    return out
