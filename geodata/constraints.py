"""What the sources say about the commune layout (``commune_neighbours.csv``), as constraints
a tessellation can be checked against; and the check.

Each row of the table is one statement of one source about one pre-2025 commune: a neighbour
on a side (``kind = commune``), the district edge on a side (``outside``: another district),
the Red River (``river``), or a line the boundary follows (``boundary``). Rows about the
district itself have ``commune_id = thuong_tin``.

Derived constraint sets:

- **neighbours**: every commune pair any source states, with the side(s) it gives;
- **non-neighbours**: pairs a source excludes. No source says "A does not border B"; but a
  source that lists every side of a commune (``listing = complete``) implies that communes it
  does not name are not neighbours. A stated neighbour pair always wins over such an implied
  exclusion; each overruled exclusion is kept as a *contradiction*;
- **edges**: communes a source puts on the district edge (another district on a side) and
  communes on the Red River;
- unknown pairs (neither stated nor excluded) are unknown, not non-neighbours.

Two cells *share an edge* when their common boundary is at least ``MIN_SHARED_M`` long; a
shorter contact (a corner, a sliver) counts as no edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

HERE = Path(__file__).resolve().parent
TABLE = "commune_neighbours.csv"
DISTRICT_ID = "thuong_tin"
MIN_SHARED_M = 100.0  # a shared boundary shorter than this is a corner, not an edge
SIDES = {
    "N": (0.0, 1.0), "NE": (0.7071, 0.7071), "E": (1.0, 0.0), "SE": (0.7071, -0.7071),
    "S": (0.0, -1.0), "SW": (-0.7071, -0.7071), "W": (-1.0, 0.0), "NW": (-0.7071, 0.7071),
}


@dataclass(frozen=True)
class Constraints:
    """Index-based constraints for communes ``ids`` (the order of communes.csv)."""

    ids: tuple[str, ...]
    neighbours: dict[tuple[int, int], tuple[str, ...]]  # (i, j) i<j -> sides of j seen from i
    sided: tuple[tuple[int, int, str], ...]  # (i, j, side): j lies on `side` of i
    non_neighbours: frozenset[tuple[int, int]]  # i<j
    contradictions: tuple[str, ...]
    river: tuple[int, ...]  # communes the sources put on the Red River
    outside: tuple[tuple[int, str], ...]  # (i, side): another district on that side of i
    unstated: tuple[int, ...] = field(default=())  # communes no source describes


def read_neighbours(folder: Path = HERE) -> pd.DataFrame:
    t = pd.read_csv(Path(folder) / TABLE, encoding="utf-8", dtype=str, keep_default_na=False)
    return t


def validate_neighbours(t: pd.DataFrame, commune_ids) -> list[str]:
    """Problems in the neighbours table (unknown ids, sides, kinds; missing sources)."""
    known = set(commune_ids) | {DISTRICT_ID}
    problems = []
    for n, r in enumerate(t.itertuples(), start=2):
        where = f"{TABLE}:{n}"
        if r.commune_id not in known:
            problems.append(f"{where}: unknown commune_id {r.commune_id!r}")
        if r.side and r.side not in SIDES:
            problems.append(f"{where}: side must be one of {', '.join(SIDES)} or empty")
        if r.kind not in ("commune", "outside", "river", "boundary"):
            problems.append(f"{where}: kind must be commune, outside, river or boundary")
        if r.kind == "commune" and r.neighbour_id not in commune_ids:
            problems.append(f"{where}: unknown neighbour_id {r.neighbour_id!r}")
        if r.listing not in ("complete", "partial") or r.confidence not in ("H", "M", "L"):
            problems.append(f"{where}: listing complete|partial, confidence H|M|L")
        if len(r.source) < 10:
            problems.append(f"{where}: every row needs a source")
    return problems


def _implied_exclusions(t: pd.DataFrame, index: dict[str, int]) -> dict[tuple[int, int], str]:
    """Pairs excluded by a complete listing: (i, j) -> the source that implies it."""
    out: dict[tuple[int, int], str] = {}
    listed = t[(t.listing == "complete") & t.commune_id.isin(list(index))]
    for (cid, src), rows in listed.groupby(["commune_id", "source"], sort=True):
        named = set(rows.neighbour_id[rows.kind == "commune"])
        for other in index:
            if other != cid and other not in named:
                pair = tuple(sorted((index[cid], index[other])))
                out.setdefault(pair, src)  # type: ignore[arg-type]
    return out


def build_constraints(t: pd.DataFrame, commune_ids) -> Constraints:
    ids = tuple(commune_ids)
    index = {c: i for i, c in enumerate(ids)}
    com = t[(t.kind == "commune") & t.commune_id.isin(ids)]
    neighbours: dict[tuple[int, int], list[str]] = {}
    sided = set()
    for r in com.itertuples():
        i, j = index[r.commune_id], index[r.neighbour_id]
        neighbours.setdefault((min(i, j), max(i, j)), [])
        if r.side:
            sided.add((i, j, r.side))
    for (i, j, side) in sided:
        neighbours[(min(i, j), max(i, j))].append(f"{ids[j]} {side} of {ids[i]}")
    contradictions = []
    non = set()
    for pair, src in sorted(_implied_exclusions(t, index).items()):
        if pair in neighbours:
            a, b = ids[pair[0]], ids[pair[1]]
            contradictions.append(f"{a}–{b}: stated as neighbours, but a complete listing "
                                  f"({src}) leaves the other out; kept as neighbours")
        else:
            non.add(pair)
    river = sorted({index[c] for c in t.commune_id[(t.kind == "river")] if c in index})
    outside = sorted({(index[r.commune_id], r.side) for r in t.itertuples()
                      if r.kind == "outside" and r.commune_id in index and r.side})
    described = set(t.commune_id) | set(t.neighbour_id)
    return Constraints(
        ids=ids,
        neighbours={k: tuple(v) for k, v in sorted(neighbours.items())},
        sided=tuple(sorted(sided)),
        non_neighbours=frozenset(non),
        contradictions=tuple(contradictions),
        river=tuple(river),
        outside=tuple(outside),
        unstated=tuple(i for i, c in enumerate(ids) if c not in described),
    )


def shared_lengths(cells) -> np.ndarray:
    """L[i, j]: length (m) of the common boundary of cells i and j (projected CRS)."""
    cells = np.asarray(cells)
    n = len(cells)
    tree = shapely.STRtree(cells)
    a, b = tree.query(cells, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    inter = shapely.intersection(shapely.boundary(cells[a]), shapely.boundary(cells[b]))
    L = np.zeros((n, n))
    L[a, b] = L[b, a] = shapely.length(inter)
    return L


@dataclass(frozen=True)
class Agreement:
    """How a tessellation agrees with the constraints: counts, the failing items, and how
    many failing items involve each commune."""

    neighbours_ok: int
    neighbours: int
    non_neighbours_ok: int
    non_neighbours: int
    sides_ok: int
    sides: int
    river_ok: int
    river: int
    outside_ok: int
    outside: int
    failures: tuple[str, ...]
    failed_per_commune: tuple[int, ...]

    @property
    def all_ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        return (f"stated neighbours sharing an edge {self.neighbours_ok}/{self.neighbours}; "
                f"excluded pairs without an edge {self.non_neighbours_ok}/{self.non_neighbours}; "
                f"sides {self.sides_ok}/{self.sides}; river communes on the river "
                f"{self.river_ok}/{self.river}; district-edge sides {self.outside_ok}/"
                f"{self.outside}")


def _side_ok(cells, i: int, j: int, side: str) -> bool:
    """j's shared boundary with i lies on `side` of i's centroid (within ±90°)."""
    common = shapely.intersection(shapely.boundary(cells[i]), shapely.boundary(cells[j]))
    if common.is_empty:
        common = cells[j]
    c0, c1 = shapely.centroid(cells[i]), shapely.centroid(common)
    d = np.array([c1.x - c0.x, c1.y - c0.y])
    return bool(d @ np.array(SIDES[side]) > 0)


def _edge_ok(cell, district, side: str | None, tol: float = 1.0) -> bool:
    """The cell shares ≥ MIN_SHARED_M of the district boundary, on `side` of the cell if
    given (the shared part lies that way from the cell's centroid)."""
    part = shapely.intersection(shapely.boundary(cell), shapely.buffer(district.boundary, tol))
    if shapely.length(part) < MIN_SHARED_M:
        return False
    if side is None:
        return True
    cx, cy = shapely.centroid(cell).x, shapely.centroid(cell).y
    px, py = shapely.centroid(part).x, shapely.centroid(part).y
    return bool(np.array([px - cx, py - cy]) @ np.array(SIDES[side]) > 0)


def river_contact(cells, river_edge, tol: float = 1.0) -> np.ndarray:
    """Length (m) of each cell's boundary along the river-facing edge of the district."""
    near = shapely.buffer(river_edge, tol)
    return shapely.length(shapely.intersection(shapely.boundary(np.asarray(cells)), near))


def agreement(c: Constraints, cells, district, river_edge) -> Agreement:
    """Check a tessellation (cells in the order of ``c.ids``, projected CRS) against ``c``.
    ``river_edge`` is the river-facing part of the district boundary (a line)."""
    cells = np.asarray(cells)
    L = shared_lengths(cells)
    ids = c.ids
    checks: list[tuple[str, tuple[int, ...], bool, str]] = []  # kind, communes, ok, message
    for i, j in c.neighbours:
        checks.append(("nb", (i, j), L[i, j] >= MIN_SHARED_M,
                       f"not neighbours: {ids[i]}–{ids[j]} ({L[i, j]:.0f} m)"))
    for i, j in sorted(c.non_neighbours):
        checks.append(("non", (i, j), L[i, j] < MIN_SHARED_M,
                       f"excluded but neighbours: {ids[i]}–{ids[j]} ({L[i, j]:.0f} m)"))
    for i, j, side in c.sided:
        checks.append(("side", (i, j), _side_ok(cells, i, j, side),
                       f"side: {ids[j]} is not {side} of {ids[i]}"))
    on_river = river_contact(cells, river_edge)
    for i in c.river:
        checks.append(("river", (i,), on_river[i] >= MIN_SHARED_M,
                       f"not on the river: {ids[i]}"))
    for i, side in c.outside:
        checks.append(("out", (i,), _edge_ok(cells[i], district, side),
                       f"not on the district edge ({side}): {ids[i]}"))
    tally = {k: [0, 0] for k in ("nb", "non", "side", "river", "out")}
    per = np.zeros(len(ids), dtype=int)
    for kind, who, ok, _ in checks:
        tally[kind][0] += ok
        tally[kind][1] += 1
        if not ok:
            per[list(who)] += 1
    fails = tuple(msg for _, _, ok, msg in checks if not ok)
    return Agreement(*tally["nb"], *tally["non"], *tally["side"], *tally["river"],
                     *tally["out"], fails, tuple(int(k) for k in per))


# --- residuals and position error ------------------------------------------------------------
AREA_TOLERANCE = 0.15  # |area / target − 1| allowed: GADM areas are ±10–20 % (facts §3.2)
GADM_SHARE = 0.15  # GADM outline error, as a share of a commune's linear size √area
SHAPE_SHARE = 0.25  # straight schematic edges vs real wiggly ones, same scale (assumption)
FAILED_M = 500.0  # added to error_m for each sourced constraint the commune fails


def residuals(agree: Agreement, cells, targets, anchors) -> pd.DataFrame:
    """Per commune: relative area residual, centroid offset from the GADM centroid (m),
    failed constraints, and the 1-sigma position error estimate ``error_m``:

        error_m = √((GADM_SHARE·√A)² + (SHAPE_SHARE·√A)² + offset² + (|A − T| / P)²)
                  + FAILED_M · failed

    with A the cell area, T the target area, P the perimeter (|A − T| / P is the mean
    boundary shift the area residual implies), rounded to 10 m."""
    cells = np.asarray(cells)
    area, perim = shapely.area(cells), shapely.length(cells)
    cen = shapely.get_coordinates(shapely.centroid(cells))
    offset = np.hypot(*(cen - anchors).T)
    size = np.sqrt(area)
    shift = np.abs(area - targets) / perim
    failed = np.array(agree.failed_per_commune)
    err = np.sqrt((GADM_SHARE * size) ** 2 + (SHAPE_SHARE * size) ** 2 + offset**2 + shift**2)
    return pd.DataFrame(dict(
        area_residual=area / targets - 1,
        centroid_offset_m=offset,
        constraints_failed=failed,
        error_m=np.round(err + FAILED_M * failed, -1),
    ))
