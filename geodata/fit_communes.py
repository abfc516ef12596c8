#!/usr/bin/env python
"""Fit the commune power diagram to what the sources say; write ``commune_generators.csv``.

Usage::

    python -m simulator.bundled_geodata.fit_communes [--fresh]

then rebuild the GeoPackage (``clustersim geodata build``). The fit takes a few minutes; the
build only reads its result, so the GeoPackage rebuilds quickly and byte-identically.

Method (see README.md, "communes"):

1. Start from the area-matched power diagram (``build.fit_power_diagram``): each cell's area
   equals the GADM-derived area scaled to the district, its centroid is pulled towards the
   GADM centroid.
2. Minimise, with ``scipy.optimize.minimize(method="Powell")`` over the positions and
   weights of the generators of communes involved in a violated constraint (fixed
   evaluation limits, no randomness), a sum of squared penalties (``penalty``): area error
   (soft, relative), stated neighbours sharing less than ``REQUIRED_M`` of boundary (plus
   their gap when apart), excluded pairs sharing any, stated sides, river communes off the
   river, district-edge sides, a GADM centroid outside its own cell, and a weak pull of each
   cell's centroid towards its GADM centroid.
3. Adjacency repair (``repair``): the same minimisation, one violated constraint at a time,
   over the generators of only the communes it involves.
4. Write the generators (EPSG:5897 metres and m², rounded to 1 mm / 1 mm²).

Without ``--fresh`` the fit continues from the stored generators (steps 3–4 only). Each step
is deterministic; the stored file is the result of the runs listed in geodata/README.md.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from scipy.optimize import minimize

from simulator.bundled_geodata import build as B
from simulator.bundled_geodata import constraints as K

REQUIRED_M = 400.0  # a stated neighbour pair should share at least this much boundary
AREA_FREE = 0.05  # relative area errors up to this cost little (W_AREA_IN) ...
W_AREA_IN = 50.0  # per commune: (relative area error)²
W_AREA = 2000.0  # ... beyond it, (excess)² costs this much
W_PAIR = 100.0
W_SIDE = 50.0
W_EDGE = 100.0
AREA_HARD = 0.12  # beyond this relative area error the cost is steep (the test allows 15 %)
W_AREA_HARD = 1e5
W_HOME = 20.0
W_ANCHOR = 0.5  # per commune: (centroid offset / 1 km)²
MAX_ITER = (4, 2500)
BLOCKER_M = 250.0  # repair also moves the communes this close to the gap it must close  # Powell restarts × function evaluations per run


@dataclass
class Problem:
    domain: shapely.Geometry  # district outline, local coordinates
    origin: np.ndarray
    targets: np.ndarray  # m²
    anchors: np.ndarray  # GADM centroids, local
    cons: K.Constraints
    east: shapely.Geometry  # river-facing edge, buffered 1 m
    boundary: shapely.Geometry  # district boundary, buffered 1 m

    def cells(self, x: np.ndarray):
        """Cells and the matrix of shared boundary lengths (on the bisectors, exact)."""
        n = len(self.targets)
        sites = x[: 2 * n].reshape(n, 2) * 1000.0
        w = x[2 * n:] * 1e6
        cells, nrm, c = B.power_cells(sites, w, self.domain)
        return cells, B._shared_lengths(cells, nrm, c)


def _contact(cells, zone) -> np.ndarray:
    return shapely.length(shapely.intersection(shapely.boundary(cells), zone))


def _direction(a, b) -> np.ndarray:
    """Unit vectors from the centroids of a to the centroids of b."""
    d = shapely.get_coordinates(shapely.centroid(b)) - shapely.get_coordinates(
        shapely.centroid(a))
    return d / np.maximum(np.hypot(*d.T), 1.0)[:, None]


def penalty(p: Problem, x: np.ndarray) -> float:
    cells, L = p.cells(x)
    area = shapely.area(cells)
    if (area <= 0).any():
        return 1e6 * (1 + (area <= 0).sum())
    c = p.cons
    rel = np.abs(area / p.targets - 1)
    f = W_AREA_IN * (rel**2).sum() + W_AREA * (np.maximum(rel - AREA_FREE, 0) ** 2).sum()
    f += W_AREA_HARD * (np.maximum(rel - AREA_HARD, 0) ** 2).sum()
    nb = np.array(list(c.neighbours))
    short = np.maximum(REQUIRED_M - L[nb[:, 0], nb[:, 1]], 0)
    apart = L[nb[:, 0], nb[:, 1]] <= 0  # not touching: how far apart, so the fit sees a slope
    if apart.any():
        short[apart] += shapely.distance(cells[nb[apart, 0]], cells[nb[apart, 1]])
    f += W_PAIR * ((short / REQUIRED_M) ** 2).sum()
    ex = np.array(sorted(c.non_neighbours))
    f += W_PAIR * ((L[ex[:, 0], ex[:, 1]] / REQUIRED_M) ** 2).sum()
    f += W_SIDE * _side_penalty(c, cells)
    f += W_EDGE * _edge_penalty(p, cells)
    home = shapely.distance(cells, shapely.points(p.anchors))
    f += W_HOME * ((home / 500.0) ** 2).sum()
    off = shapely.get_coordinates(shapely.centroid(cells)) - p.anchors
    f += W_ANCHOR * ((off / 1000.0) ** 2).sum()
    return float(f)


def _side_penalty(c: K.Constraints, cells) -> float:
    if not c.sided:
        return 0.0
    i, j, side = zip(*c.sided)
    i, j = np.array(i), np.array(j)
    cells = shapely.set_precision(cells, 0.01)  # shared edges become exactly shared
    common = shapely.intersection(shapely.boundary(cells[i]), shapely.boundary(cells[j]))
    target = np.where(shapely.is_empty(common), cells[j], common)
    d = _direction(cells[i], target)
    want = np.array([K.SIDES[s] for s in side])
    return float((np.maximum(0.3 - (d * want).sum(1), 0) ** 2).sum())


def _edge_penalty(p: Problem, cells) -> float:
    c = p.cons
    f = 0.0
    if c.river:
        cells_r = cells[list(c.river)]
        miss = np.maximum(REQUIRED_M - _contact(cells_r, p.east), 0)
        miss += shapely.distance(cells_r, p.east)
        f += ((miss / REQUIRED_M) ** 2).sum()
    for i, side in c.outside:
        f += _edge_penalty_one(p, cells[i], side)
    return float(f)


def _edge_penalty_one(p: Problem, cell, side: str) -> float:
    """Missing length of district boundary on `side` of the cell (relative, squared)."""
    part = shapely.intersection(shapely.boundary(cell), p.boundary)
    length = shapely.length(part)
    miss = max(REQUIRED_M - length, 0)
    if length <= 0:  # how far the cell is from the district edge on that side
        cx, cy = shapely.centroid(cell).x, shapely.centroid(cell).y
        dx, dy = K.SIDES[side]
        far = 1e5
        half = shapely.Polygon([(cx - dy * far, cy + dx * far), (cx + dy * far, cy - dx * far),
                                (cx + dy * far + dx * far, cy - dx * far + dy * far),
                                (cx - dy * far + dx * far, cy + dx * far + dy * far)])
        edge = shapely.intersection(p.boundary, half)
        miss += shapely.distance(cell, edge) if not edge.is_empty else far
    f = (miss / REQUIRED_M) ** 2
    if length > 0:
        d = _direction(np.array([cell]), np.array([part]))[0]
        f += max(0.3 - float(d @ np.array(K.SIDES[side])), 0) ** 2
    return f


def problem(tables=None) -> tuple[Problem, np.ndarray]:
    """The fitting problem and its starting point (the area-matched power diagram)."""
    tables = tables or B.read_tables()
    lines = B._line_features(tables)
    district, centres = B.make_district(tables, lines)
    dom = district.geometry.iloc[0]
    com = tables["communes"]
    targets = com.area_km2.to_numpy() / com.area_km2.sum() * dom.area
    sites, w, _ = B.fit_power_diagram(centres, targets, dom)
    origin = np.array(dom.centroid.coords[0])
    local = shapely.transform(dom, lambda xy: xy - origin)
    cons = K.build_constraints(K.read_neighbours(), list(com.id))
    east = shapely.buffer(shapely.transform(B.east_edge(dom), lambda xy: xy - origin), 1.0)
    p = Problem(local, origin, targets, centres - origin, cons, east,
                shapely.buffer(local.boundary, 1.0))
    x0 = np.concatenate([((sites - origin) / 1000.0).ravel(), w / 1e6])
    return p, x0


def involved(p: Problem, x: np.ndarray) -> np.ndarray:
    """Communes in a violated constraint: the generators the fit moves (the others keep
    their area-matched position and weight)."""
    cells, L = p.cells(x)
    c = p.cons
    bad = {k for (i, j) in c.neighbours if L[i, j] < REQUIRED_M for k in (i, j)}
    bad |= {k for (i, j) in c.non_neighbours if L[i, j] > 0 for k in (i, j)}
    bad |= {i for i, side in c.outside if _edge_penalty_one(p, cells[i], side) > 0}
    bad |= {i for i in c.river if _contact(cells[[i]], p.east)[0] < REQUIRED_M}
    cells = shapely.set_precision(cells, 0.01)
    for i, j, side in c.sided:
        common = shapely.intersection(shapely.boundary(cells[i]), shapely.boundary(cells[j]))
        d = _direction(cells[[i]], np.array([cells[j] if common.is_empty else common]))[0]
        if d @ np.array(K.SIDES[side]) <= 0:
            bad |= {i, j}
    return np.array(sorted(bad), dtype=int)


def repair(p: Problem, x0: np.ndarray, rounds: int = 3, maxfev: int = 600,
           log=print) -> np.ndarray:
    """Adjacency repair: for each violated constraint in turn, move only the generators of
    the communes it involves (Powell, ``maxfev`` evaluations), keeping a move only if the
    total penalty falls."""
    x = x0.copy()
    n = len(p.targets)
    for r in range(rounds):
        groups = violated_groups(p, x)
        log(f"repair round {r + 1}: {len(groups)} violated constraints")
        if not groups:
            break
        for who in groups:
            cols = np.concatenate([2 * who, 2 * who + 1, 2 * n + who])

            def f(v: np.ndarray, cols=cols) -> float:
                y = x.copy()
                y[cols] = v
                return penalty(p, y)

            before = f(x[cols])
            res = minimize(f, x[cols], method="Powell",
                           options=dict(maxfev=maxfev, xtol=1e-4, ftol=1e-7))
            if res.fun < before:
                x[cols] = res.x
            log(f"  {', '.join(p.cons.ids[i] for i in who)}: {before:.3f} → {min(res.fun, before):.3f}")
    return x


def violated_groups(p: Problem, x: np.ndarray) -> list[np.ndarray]:
    """The communes of each violated constraint (deterministic order)."""
    cells, L = p.cells(x)
    c = p.cons
    groups = [(i, j) for (i, j) in c.neighbours if L[i, j] < REQUIRED_M]
    groups += [(i, j) for (i, j) in sorted(c.non_neighbours) if L[i, j] > 0.5 * K.MIN_SHARED_M]
    groups += [(i,) for i, side in c.outside if _edge_penalty_one(p, cells[i], side) > 0]
    groups += [(i,) for i in c.river if _contact(cells[[i]], p.east)[0] < REQUIRED_M]
    snapped = shapely.set_precision(cells, 0.01)
    for i, j, side in c.sided:
        common = shapely.intersection(shapely.boundary(snapped[i]), shapely.boundary(snapped[j]))
        d = _direction(snapped[[i]], np.array([snapped[j] if common.is_empty else common]))[0]
        if d @ np.array(K.SIDES[side]) <= 0:
            groups.append((i, j))
    return [_with_blockers(p, cells, g) for g in groups]


def _with_blockers(p: Problem, cells, group: tuple[int, ...]) -> np.ndarray:
    """The group plus the communes in the way: those within BLOCKER_M of the shortest line
    between the two cells (a pair), or between the cell and the district edge (one)."""
    if len(group) == 2:
        line = shapely.shortest_line(cells[group[0]], cells[group[1]])
    else:
        line = shapely.shortest_line(cells[group[0]], p.boundary)
    zone = shapely.buffer(line, BLOCKER_M)
    near = np.flatnonzero(shapely.intersects(cells, zone))
    return np.array(sorted(set(group) | set(near.tolist())), dtype=int)


def fit(p: Problem, x0: np.ndarray, log=print) -> np.ndarray:
    n = len(p.targets)
    free = involved(p, x0)
    cols = np.concatenate([2 * free, 2 * free + 1, 2 * n + free])
    log(f"moving {len(free)} generators: {', '.join(p.cons.ids[i] for i in free)}")

    def f(v: np.ndarray) -> float:
        x = x0.copy()
        x[cols] = v
        return penalty(p, x)

    v, best = x0[cols].copy(), f(x0[cols])
    log(f"start: penalty {best:.4f}")
    restarts, maxfev = MAX_ITER
    for k in range(restarts):
        res = minimize(f, v, method="Powell", options=dict(maxfev=maxfev, xtol=1e-4, ftol=1e-7))
        log(f"run {k + 1}: penalty {res.fun:.4f} after {res.nfev} evaluations")
        if res.fun >= best - 1e-9:
            break
        v, best = res.x, float(res.fun)
    x = x0.copy()
    x[cols] = v
    return x


def write_generators(p: Problem, x: np.ndarray, path=None) -> pd.DataFrame:
    n = len(p.targets)
    sites = x[: 2 * n].reshape(n, 2) * 1000.0 + p.origin
    out = pd.DataFrame(dict(
        id=p.cons.ids,
        x_m=np.round(sites[:, 0], 3),
        y_m=np.round(sites[:, 1], 3),
        weight_m2=np.round(x[2 * n:] * 1e6, 3),
        source="fitted by geodata/fit_communes.py to commune_neighbours.csv and the "
               "GADM-derived areas and centroids (see geodata/README.md)",
    ))
    out.to_csv(path or B.HERE / B.GENERATORS, index=False, encoding="utf-8", lineterminator="\n")
    return out


def read_generators(p: Problem, path=None) -> np.ndarray | None:
    """The stored generators as a parameter vector (None if there are none)."""
    path = path or B.HERE / B.GENERATORS
    try:
        g = pd.read_csv(path, encoding="utf-8")
    except FileNotFoundError:
        return None
    if list(g.id) != list(p.cons.ids):
        return None
    sites = (g[["x_m", "y_m"]].to_numpy(float) - p.origin) / 1000.0
    return np.concatenate([sites.ravel(), g.weight_m2.to_numpy(float) / 1e6])


def main(argv: list[str] | None = None) -> int:
    """Continue from commune_generators.csv if it exists (``--fresh``: start over from the
    area-matched diagram with a global Powell run first); then repair; write the result."""
    argv = sys.argv[1:] if argv is None else argv
    log = lambda s: print(s, file=sys.stderr)  # noqa: E731
    t0 = time.perf_counter()
    p, x0 = problem()
    stored = None if "--fresh" in argv else read_generators(p)
    x = fit(p, x0, log=log) if stored is None else stored
    x = repair(p, x, log=log)
    write_generators(p, x)
    print(f"wrote {B.HERE / B.GENERATORS} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
