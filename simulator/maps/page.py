"""Assemble a page: one `Page` figure, inline assets once, slots for all content, strict check."""

from __future__ import annotations

from typing import Any

from folium.map import LayerControl

from . import features, fragments
from .assets import (
    check_offline,
    leaflet_css,
    leaflet_js,
    project_css,
    project_js,
    script_tag,
    style_tag,
)
from .elements import (
    GeoDataLayer,
    HeadBlock,
    HtmlBlock,
    HtmlControl,
    LeanMap,
    Page,
    PageScript,
    ZoomAndScale,
    renumber,
)
from .encode import Slots, json_for_script
from .view import MapView

__all__ = ["PageBuilder"]


def _assets_html() -> str:
    """Leaflet and the project's code, inlined; the page has no other resources."""
    return "\n".join([
        style_tag(leaflet_css()),
        style_tag(project_css()),
        script_tag(leaflet_js()),
        script_tag(project_js()),
    ])


class PageBuilder:
    """Collects maps and blocks into one self-contained HTML document."""

    def __init__(self, title: str, body_class: str) -> None:
        self.slots = Slots()
        self.page = Page(self.slots.put(fragments.escape_text(title)), body_class)
        self.page.add_child(HeadBlock(self.slots.put(_assets_html())))

    def html(self, content: str) -> None:
        """Append body HTML (already escaped) after what was added so far."""
        self.page.add_child(HtmlBlock(self.slots.put(content)))

    def script(self, code: str) -> None:
        """Append a fixed statement of the project's JS (never data)."""
        self.page.add_child(PageScript(code))

    def add_map(self, view: MapView, heading: str | None = None, title_box: bool = True) -> LeanMap:
        """A scenario map: basemap layers, clusters, legend, controls, and either the title box
        (the scenario page) or a `heading` above the map with a compact legend (comparison)."""
        bounds = features.bounds(view.district, view.communes, view.clusters)
        m = LeanMap(bounds, heading=self.slots.put(heading) if heading else None)
        self.page.add_child(m)
        if title_box:
            title = self.slots.put(fragments.title_box(view))
            m.add_child(HtmlControl(title, "topleft", "ccn-titlebox"))
        m.add_child(ZoomAndScale())
        for layer in self._layers(view):
            m.add_child(layer)
        legend = fragments.legend(view, compact=not title_box)
        m.add_child(HtmlControl(self.slots.put(legend), "bottomright", "ccn-legend"))
        m.add_child(_layer_control())
        return m

    def _layers(self, view: MapView) -> list[GeoDataLayer]:
        n = len(view.clusters)
        specs: list[tuple[str, str, dict[str, Any], bool]] = [
            ("district", "District", features.district_fc(view.district), False),
            ("communes", "Communes", features.communes_fc(view.communes), True),
            ("water", "Water", features.water_fc(view.water), True),
            ("roads", "Roads", features.roads_fc(view.roads), True),
            ("clusters", f"Clusters ({n})",
             features.clusters_fc(view.clusters, view.indicators, view.year), True),
        ]
        return [GeoDataLayer(kind, name, self.slots.put(json_for_script(fc)), control)
                for kind, name, fc, control in specs]

    def finish(self) -> str:
        """Render, fill the slots, and refuse anything the page would fetch."""
        renumber(self.page)
        return check_offline(self.slots.fill(self.page.render()))


def _layer_control() -> LayerControl:
    return LayerControl(position="topright", collapsed=False)
