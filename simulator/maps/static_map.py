"""A static SVG map of a scenario at its horizon, for the report (prints, needs no script).

The district, its communes, water, roads and every cluster that exists in the map's year,
filled by status (the same colours as the interactive map), the large ones named; a north
arrow, a scale bar and a status key. Lon/lat are drawn equirectangular with the x axis scaled
by cos(latitude): at a district's size that is within a fraction of a percent of a conformal
projection.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import shapely
from markupsafe import Markup, escape
from shapely.geometry.base import BaseGeometry

from .features import BIG_CLUSTER_HA, bounds, cluster_label, records
from .fragments import text, year_index
from simulator.words.pages import words
from .styles import BUILT, STATUS_COLORS, status_color, water_style
from .view import MapView

__all__ = ["static_map_svg"]

_PAD = 10
_KEY_W = 170


class _Frame:
    """lon/lat → SVG pixels inside a `width` × `height` box."""

    def __init__(self, bounds: tuple[float, float, float, float], width: float) -> None:
        west, south, east, north = bounds
        self.kx = math.cos(math.radians((south + north) / 2))
        self.scale = (width - 2 * _PAD) / max((east - west) * self.kx, 1e-9)
        self.west, self.north = west, north
        self.height = (north - south) * self.scale + 2 * _PAD

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (_PAD + (lon - self.west) * self.kx * self.scale,
                _PAD + (self.north - lat) * self.scale)

    def path(self, geom: BaseGeometry) -> str:
        """SVG path data of a polygon, line or their multi-part forms."""
        parts = []
        for ring, closed in _rings(geom):
            pts = [self.xy(x, y) for x, y in ring]
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + ("Z" if closed
                                                                                else ""))
        return "".join(parts)


def _rings(geom: BaseGeometry) -> Iterator[tuple[Any, bool]]:
    kind = geom.geom_type
    if kind == "Polygon":
        yield geom.exterior.coords, True
        for hole in geom.interiors:
            yield hole.coords, True
    elif kind == "LineString":
        yield geom.coords, False
    elif kind.startswith("Multi") or kind == "GeometryCollection":
        for g in geom.geoms:
            yield from _rings(g)
    elif kind == "Point":
        x, y = geom.coords[0]
        d = 0.0008
        yield [(x - d, y - d), (x + d, y - d), (x + d, y + d), (x - d, y + d)], True


def _drawn(g: BaseGeometry | None) -> bool:
    """Whether a geometry can be drawn: neither missing nor empty."""
    return g is not None and not g.is_empty


def _shapes(gdf: Any) -> list[BaseGeometry]:
    """The geometries of `gdf` that can be drawn."""
    if gdf is None or len(gdf) == 0:
        return []
    return [g for g in gdf.geometry.values if _drawn(g)]


def _geoms(gdf: Any) -> list[tuple[dict[str, Any], BaseGeometry]]:
    """The rows of `gdf` whose geometry can be drawn, with it."""
    if gdf is None or len(gdf) == 0:
        return []
    return [(r, g) for r, g in zip(records(gdf), gdf.geometry.values, strict=True) if _drawn(g)]


def _layer(frame: _Frame, gdf: Any, attrs: str) -> str:
    return "".join(f'<path d="{frame.path(g)}" {attrs}/>' for g in _shapes(gdf))


def _water(frame: _Frame, gdf: Any) -> str:
    """Water in the interactive map's colours: rivers and lakes filled, the floodplain paler,
    lines (dike, centre line) as strokes."""
    out = []
    for row, geom in _geoms(gdf):
        line = geom.geom_type in ("LineString", "MultiLineString")
        st = water_style(text(row.get("kind")), line)
        fill = st.get("fillColor", "none") if st.get("fill") else "none"
        out.append(f'<path d="{frame.path(geom)}" fill="{fill}" stroke="{st.get("color")}" '
                   f'stroke-width="{0.6 if not line else 1.2}"/>')
    return "".join(out)


def _visible(view: MapView, rows: list[tuple[dict[str, Any], BaseGeometry]]) -> set[str]:
    """Clusters (of `rows`: `_geoms` of the view's clusters) that exist in the map's year
    (all of them on a still map)."""
    ids = {text(r.get("id")) for r, _ in rows}
    tl = view.timeline
    if tl is None:
        return ids
    k = year_index(tl.years, view.year)
    return {c for c in ids if c not in tl.visible or tl.visible[c][k]}


_CHAR_W = 7.2  # px: a generous width of one bold 11 px character (system fonts vary)
_Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def _overlaps(a: _Box, b: _Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _label_spots(x: float, y: float, r: float, width: float) -> Iterator[tuple[str, _Box]]:
    """Where a label may go around a shape of half-size `r` centred at (x, y), in order of
    preference (below, above, right, left): the <text> attributes and the box it covers."""
    for lx, ly, anchor, x0 in ((x, y + r + 11, "middle", x - width / 2),
                               (x, y - r - 4, "middle", x - width / 2),
                               (x + r + 4, y + 4, "start", x + r + 4),
                               (x - r - 4, y + 4, "end", x - r - 4 - width)):
        yield (f'x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}"',
               (x0, ly - 10, x0 + width, ly + 3))


def _place_labels(wanted: list[tuple[str, float, float, float]], shapes: list[_Box]) -> str:
    """Each (name, x, y, r) at the first spot that touches no label placed before it and no
    cluster shape; failing that, the first that touches no label; failing that, below."""
    placed: list[_Box] = []
    out = []
    for name, x, y, r in wanted:
        spots = list(_label_spots(x, y, r, _CHAR_W * len(name) + 2))
        free = [s for s in spots if not any(_overlaps(s[1], p) for p in placed)]
        clear = [s for s in free if not any(_overlaps(s[1], b) for b in shapes)]
        attrs, box = (clear or free or spots)[0]
        placed.append(box)
        out.append(f'<text {attrs} class="ccn-svg-label">{escape(name)}</text>')
    return "".join(out)


def _clusters(frame: _Frame, view: MapView) -> tuple[str, str]:
    rows = _geoms(view.clusters)
    shown, shapes, wanted, boxes = _visible(view, rows), [], [], []
    for row, geom in rows:
        if text(row.get("id")) not in shown:
            continue
        status = text(row.get("status"))
        dash = ' stroke-dasharray="3 2"' if (row.get("accuracy") == "schematic"
                                             and status not in BUILT) else ""
        x, y = frame.xy(*geom.centroid.coords[0])
        r = math.sqrt(max(shapely.area(geom), 0.0)) * frame.kx * frame.scale / 2
        fill = status_color(status)
        shapes.append(f'<path d="{frame.path(geom)}" fill="{fill}" stroke="#252525" '
                      f'stroke-width="1"{dash}/>' if r >= 3 else
                      f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{fill}" '
                      f'stroke="#252525" stroke-width="1"/>')  # too small to see: a dot
        r = max(r, 3.5)
        boxes.append((x - r, y - r, x + r, y + r))
        area = row.get("declared_area_ha")
        if isinstance(area, (int, float)) and area >= BIG_CLUSTER_HA:
            wanted.append((cluster_label(text(row.get("name"))), x, y, r))
    return "".join(shapes), _place_labels(wanted, boxes)


def _scale_bar(frame: _Frame, height: float) -> str:
    """A 2 or 5 km bar, whichever is nearer a fifth of the map's width."""
    px_per_km = frame.scale / 111.32
    km = min((1, 2, 5, 10), key=lambda k: abs(k * px_per_km - 80))
    w, y = km * px_per_km, height - 12
    return (f'<g class="ccn-svg-scale"><path d="M{_PAD},{y}h{w:.1f}" stroke="#252525" '
            f'stroke-width="3"/><text x="{_PAD + w + 4:.1f}" y="{y + 4}">{km} km</text></g>')


def _key(view: MapView, x: float) -> str:
    """North arrow and the status colours."""
    w = words(view.lang)
    items = "".join(
        f'<rect x="{x}" y="{62 + 18 * k}" width="14" height="10" fill="{c}" stroke="#252525"/>'
        f'<text x="{x + 20}" y="{71 + 18 * k}">{escape(w[f"status:{s}"])}</text>'
        for k, (s, c) in enumerate(STATUS_COLORS.items()))
    arrow = (f'<path d="M{x + 10},6 L{x + 17},30 L{x + 10},25 L{x + 3},30 Z" fill="#252525"/>'
             f'<text x="{x + 10}" y="44" text-anchor="middle" font-weight="700">'
             f"{escape(w['north'])}</text>")
    return f'<g class="ccn-svg-key">{arrow}{items}</g>'


def static_map_svg(view: MapView, width: float = 560) -> Markup:
    """The scenario in its year as an inline <svg> (escaped names; no script, no link)."""
    (south, west), (north, east) = bounds(view.district, view.communes, view.clusters)
    frame = _Frame((west, south, east, north), width)
    height = frame.height
    shapes, labels = _clusters(frame, view)
    title = escape(f"{view.title} — {view.year}")
    body = "".join((
        _layer(frame, view.district, 'fill="#fbfaf6" stroke="none"'),
        _water(frame, view.water),
        _layer(frame, view.communes, 'fill="none" stroke="#9a9a9a" stroke-width="0.6"'),
        _layer(frame, view.roads, 'fill="none" stroke="#d94801" stroke-width="1.4"'),
        _layer(frame, view.district, 'fill="none" stroke="#252525" stroke-width="1.6"'),
        shapes, labels, _scale_bar(frame, height), _key(view, width + 12)))
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ccn-static-map" role="img" '
        f'viewBox="0 0 {width + _KEY_W:.0f} {height:.0f}" width="{width + _KEY_W:.0f}" '
        f'height="{height:.0f}" font-family="system-ui, sans-serif" font-size="11">'
        f"<title data-ccn-source=\"scenario\">{title}</title>{body}</svg>")


