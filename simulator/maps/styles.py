"""Colours, labels and Leaflet path styles. One place, so the legend and the map agree.

Cluster status uses ColorBrewer "Paired" (4 classes), the only ColorBrewer qualitative scheme
rated colour-blind safe at four classes: green = built (dark: operating, light: under
construction), blue = planned (dark: approved, light: proposed). The basemap stays grey and
brown so it never competes with the statuses; water is a pale slate, not a fifth blue.
Candidate sites (`clustersim sites`) are a dashed violet outline, ColorBrewer "Dark2" #7570b3:
no status, fill scheme, road or badge uses it.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BUILT",
    "STATUS_COLORS",
    "STATUS_LABELS",
    "UNKNOWN_COLOR",
    "KIND_LABELS",
    "SCHEMATIC_DASH",
    "SHADED_OPACITY",
    "SITE_COLOR",
    "SITE_DASH",
    "SITE_OPACITY",
    "cluster_style",
    "commune_style",
    "district_style",
    "road_styles",
    "site_style",
    "water_style",
    "road_label",
    "status_color",
    "water_label",
]

STATUS_COLORS: dict[str, str] = {
    "operating": "#33a02c",
    "under_construction": "#b2df8a",
    "approved": "#1f78b4",
    "proposed": "#a6cee3",
}
STATUS_LABELS: dict[str, str] = {
    "operating": "Operating",
    "under_construction": "Under construction",
    "approved": "Approved",
    "proposed": "Proposed",
}
UNKNOWN_COLOR = "#bdbdbd"
KIND_LABELS = {"craft_village": "Craft-village cluster", "general": "General cluster"}
SCHEMATIC_DASH = "5 4"
SITE_COLOR = "#7570b3"  # ColorBrewer Dark2
SITE_DASH = "8 5"
SITE_OPACITY = 0.3

_ROADS: dict[str, tuple[str, dict[str, Any]]] = {
    "expressway": ("Expressway", {"color": "#7f2704", "weight": 4.5}),
    "national": ("National road", {"color": "#d94801", "weight": 3.5}),
    "ring": ("Ring road", {"color": "#8c510a", "weight": 3.5, "dashArray": "10 4"}),
    "provincial": ("Provincial road", {"color": "#bf812d", "weight": 2.5}),
    "railway": ("Railway", {"color": "#000000", "weight": 4}),
}
_ROAD_OTHER = ("Other road", {"color": "#969696", "weight": 1.5})
_RAIL_TOP = {"color": "#ffffff", "weight": 2, "dashArray": "6 6"}

_WATER_FILL = {"color": "#7b95a6", "weight": 1, "fillColor": "#c9d6df", "fillOpacity": 1}
_WATER: dict[str, tuple[str, dict[str, Any]]] = {
    "river": ("River", _WATER_FILL),
    "lake": ("Lake / pond", _WATER_FILL),
    "floodplain": ("Floodplain", {"color": "#9fb3c0", "weight": 0.5, "fillColor": "#e2e9ee",
                                  "fillOpacity": 1}),
    "river_centerline": ("River centre line", {"color": "#8fa9ba", "weight": 2}),
    "canal": ("Canal", {"color": "#7b95a6", "weight": 2}),
    "dike": ("Dike", {"color": "#6d4c41", "weight": 2.5, "dashArray": "2 3"}),
}
_WATER_OTHER = ("Water", _WATER_FILL)
_BASEMAP = {"interactive": False, "fill": True}


def status_color(status: str) -> str:
    return STATUS_COLORS.get(status, UNKNOWN_COLOR)


BUILT = ("operating", "under_construction")


def cluster_style(status: str, schematic: bool, fill: str | None = None,
                  css: str = "ccn-cluster") -> dict[str, Any]:
    """Filled by status (or `fill`), dark outline; dashed when a planned cluster's position is
    approximate. A built cluster drawn schematically keeps a solid outline (a dashed one
    reads as "proposed"): the legend says how many are schematic. `css` is the shape's
    class: "ccn-cluster" on scenario maps, "ccn-dcluster" on a difference map."""
    safe_status = status if status in STATUS_COLORS else "unknown"
    classes = f"{css} ccn-status-{safe_status}" + (" ccn-schematic" if schematic else "")
    style = {"className": classes, "color": "#252525", "weight": 1.6, "opacity": 1,
             "fillColor": fill or status_color(status), "fillOpacity": 0.9}
    if schematic and status not in BUILT:
        style.update(dashArray=SCHEMATIC_DASH, weight=2)
    return style


def site_style() -> dict[str, Any]:
    """A candidate site: a thick dashed outline over a faint fill, so what lies below shows."""
    return {"className": "ccn-site", "color": SITE_COLOR, "weight": 3.5, "opacity": 1,
            "dashArray": SITE_DASH, "fill": True, "fillColor": SITE_COLOR,
            "fillOpacity": SITE_OPACITY}


def district_style() -> dict[str, Any]:
    return {**_BASEMAP, "className": "ccn-district", "color": "#252525", "weight": 3,
            "fillColor": "#fbfaf6", "fillOpacity": 1}


def commune_style() -> dict[str, Any]:
    return {"className": "ccn-commune", "color": "#8a8a8a", "weight": 1, "fill": True,
            "fillColor": "#ffffff", "fillOpacity": 0.01}


SHADED_OPACITY = 0.75  # commune fill when a choropleth is shown


def road_label(kind: str) -> str:
    return _ROADS.get(kind, _ROAD_OTHER)[0]


def road_styles(kind: str) -> list[dict[str, Any]]:
    """One style per drawn line; a railway is a black line under a dashed white one."""
    base = {**_ROADS.get(kind, _ROAD_OTHER)[1], "interactive": False, "fill": False,
            "className": "ccn-road", "lineCap": "butt"}
    return [base, {**base, **_RAIL_TOP}] if kind == "railway" else [base]


def water_label(kind: str) -> str:
    return _WATER.get(kind, _WATER_OTHER)[0]


def water_style(kind: str, is_line: bool) -> dict[str, Any]:
    """Polygons are filled; a river or lake given as a centre line is a broad pale stroke."""
    style = {**_WATER.get(kind, _WATER_OTHER)[1], "interactive": False, "className": "ccn-water"}
    if is_line and "fillColor" in style:
        style.update(color="#9db4c3", weight=4)
    style["fill"] = not is_line and "fillColor" in style
    return style
