"""Assemble a page: one `Page` figure, inline assets once, slots for all content, strict check."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
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
from .classes import Classes, classes_for
from .elements import (
    GeoDataLayer,
    HeadBlock,
    HtmlBlock,
    HtmlControl,
    LeanMap,
    MapSetup,
    Page,
    PageScript,
    ZoomAndScale,
    renumber,
)
from .encode import Slots, json_for_script
from .formatting import MISSING, separators
from simulator.words.pages import words
from .styles import SHADED_OPACITY
from .view import MapView, Variable

__all__ = ["PageBuilder", "map_classes", "shared_domains"]

_PCT_DOMAIN = {"%": (0.0, 100.0)}


def _assets_html() -> str:
    """Leaflet and the project's code, inlined; the page has no other resources."""
    return "\n".join([
        style_tag(leaflet_css()),
        style_tag(project_css()),
        script_tag(leaflet_js()),
        script_tag(project_js()),
    ])


def _extent(var: Variable) -> tuple[float, ...]:
    values = [v for b in var.values.values() for v in b.p50 if math.isfinite(v)]
    return (min(values), max(values)) if values else ()


def shared_domains(views: Sequence[MapView]) -> dict[str, tuple[float, ...]]:
    """The smallest and largest value of each mapped quantity over `views`, so that maps
    shown side by side use the same classes."""
    out: dict[str, tuple[float, ...]] = {}
    for v in views:
        if v.timeline is None:
            continue
        for key, var in [("fill", v.timeline.fill), *((c.key, c) for c in v.timeline.choropleths)]:
            out[key] = (*out.get(key, ()), *_extent(var))
    return out


def map_classes(view: MapView, domains: Mapping[str, tuple[float, ...]] | None = None,
                ) -> dict[str, Classes]:
    """Colour classes of the cluster fill ("fill") and of each commune choice, by key;
    `domains` widens them to values of other maps (see `shared_domains`)."""
    tl, domains = view.timeline, domains or {}
    if tl is None:
        return {}
    fill_domain = (*_PCT_DOMAIN.get(tl.fill.unit, ()), *domains.get("fill", ()))
    out = {"fill": classes_for(tl.fill, view.lang, fill_domain)}
    out.update({v.key: classes_for(v, view.lang, domains.get(v.key, ()))
                for v in tl.choropleths})
    return out


class PageBuilder:
    """Collects maps and blocks into one self-contained HTML document."""

    def __init__(self, title: str, body_class: str, lang: str = "en") -> None:
        self.slots = Slots()
        self.lang = lang
        self.count = 0  # maps added
        self.page = Page(self.slots.put(fragments.escape_text(title)), body_class, lang)
        self.page.add_child(HeadBlock(self.slots.put(_assets_html())))

    def html(self, content: str) -> None:
        """Append body HTML (already escaped) after what was added so far."""
        self.page.add_child(HtmlBlock(self.slots.put(content)))

    def script(self, code: str) -> None:
        """Append a fixed statement of the project's JS (never data)."""
        self.page.add_child(PageScript(code))

    def add_map(self, view: MapView, heading: str | None = None, title_box: bool = True,
                domains: Mapping[str, tuple[float, ...]] | None = None) -> LeanMap:
        """A scenario map: basemap layers, clusters, legend, controls, and either the title box
        (the scenario page) or a `heading` above the map (comparison). A view with a timeline
        gets the year slider and the commune shading choice on the map; on a comparison page
        (no title box) these are shared by all maps (`shared_controls`), the layer control is
        collapsed and the legend sits below the map. `domains`: see `map_classes`."""
        bounds = features.bounds(view.district, view.communes, view.clusters)
        classes = map_classes(view, domains)
        legend = self.slots.put(fragments.legend(view, classes, compact=not title_box))
        m = LeanMap(bounds, heading=self.slots.put(heading) if heading else None,
                    footer=None if title_box else legend)
        self.page.add_child(m)
        if title_box:
            title = self.slots.put(fragments.title_box(view))
            m.add_child(HtmlControl(title, "topleft", "ccn-titlebox"))
        m.add_child(ZoomAndScale())
        layers = self._layers(view, classes)
        for layer in layers.values():
            m.add_child(layer)
        m.add_child(LayerControl(position="topright", collapsed=not title_box))
        self.count += 1
        if view.timeline is not None and title_box:
            self._controls(m, view, f"m{self.count}")
        if title_box:
            m.add_child(HtmlControl(legend, "bottomright", "ccn-legend"))
        config = json_for_script(_config(view, classes, minimap=title_box, home=bounds))
        m.add_child(MapSetup(self.slots.put(config), layers))
        return m

    def _controls(self, m: LeanMap, view: MapView, name: str) -> None:
        """The year slider (bottom left) and the commune shading choice (top right)."""
        assert view.timeline is not None
        m.add_child(HtmlControl(self.slots.put(fragments.slider(view, f"ccn-year-{name}")),
                                "bottomleft", "ccn-slider-box"))
        if view.timeline.choropleths:
            m.add_child(HtmlControl(self.slots.put(fragments.choice(view, f"ccn-ch-{name}")),
                                    "topright", "ccn-choice-box"))

    def shared_controls(self, view: MapView) -> None:
        """One year slider and one shading choice for every map of the page (comparison)."""
        if view.timeline is None:
            return
        parts = [fragments.slider(view, "ccn-year-shared")]
        if view.timeline.choropleths:
            parts.append(fragments.choice(view, "ccn-ch-shared"))
        self.html('<div class="ccn-shared ccn-block">' + "".join(parts) + "</div>")

    def _layers(self, view: MapView, classes: dict[str, Classes]) -> dict[str, GeoDataLayer]:
        w, n = words(view.lang), len(view.clusters)
        kind = "dclusters" if view.role == "difference" else "clusters"
        specs: list[tuple[str, str, dict[str, Any], bool]] = [
            ("district", w["district"], features.district_fc(view.district), False),
            ("communes", w["communes"], features.communes_fc(view, classes), True),
            ("water", w["water"], features.water_fc(view.water), True),
            ("roads", w["roads"], features.roads_fc(view.roads), True),
            (kind, w["clusters"].format(n=n), features.clusters_fc(view, classes.get("fill")),
             True),
        ]
        if view.badges:
            specs.append(("badges", w["badges"].format(n=len(view.badges)),
                          features.badges_fc(view), True))
        if view.sites is not None:
            specs.append(("sites", w["sites"].format(n=len(view.sites)),
                          features.sites_fc(view), True))
        return {k: GeoDataLayer(k, name, self.slots.put(json_for_script(fc)), control)
                for k, name, fc, control in specs}

    def finish(self) -> str:
        """Render, fill the slots, and refuse anything the page would fetch."""
        renumber(self.page)
        return check_offline(self.slots.fill(self.page.render()))


_CONFIG_TEXTS = ("fullscreen", "minimap", "play", "pause", "home", "north", "north_label",
                 "panel", "zoom_in", "zoom_out", "layers", "leaflet_title")


def _config(view: MapView, classes: dict[str, Classes], minimap: bool,
            home: list[list[float]]) -> dict[str, Any]:
    """The map's JSON config: plain texts (set with textContent), colours, years; `home` is
    the whole district's bounds; `minimap` (the one-map page) also asks for the phone panel."""
    w, tl = words(view.lang), view.timeline
    config: dict[str, Any] = {
        "text": {k: w[k] for k in _CONFIG_TEXTS},
        "minimap": minimap, "panel": minimap, "home": home, "sep": separators(view.lang),
        "na": MISSING, "shaded": SHADED_OPACITY,
    }
    if tl is not None:
        k = fragments.year_index(tl.years, view.year)
        config["timeline"] = {
            "years": list(tl.years), "index": k, "choice": tl.default_choropleth,
            "colors": {key: list(c.colors) for key, c in classes.items()},
            "choices": {v.key: {"label": v.label, "unit": v.unit, "digits": v.digits}
                        for v in tl.choropleths},
        }
    return config
