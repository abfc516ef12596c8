"""folium/branca elements for the project's lean, offline maps.

`LeanMap` is a folium `Map` with no CDN resources (its own empty `default_js`/`default_css`
class lists; folium's own lists are never touched) and its own template. The other elements
are small `MacroElement`s that call the project's JS (`templates/clustersim.js`).

Elements only ever hold *slot tokens* for page content (see `encode.Slots`): branca compiles
macro output as a template again, so real text must not pass through it. Ours (`Placed`)
place output without jinja syntax as it is, which is what that compiling would give.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any

import folium
from branca.element import Element, Figure, MacroElement
from folium.map import Layer
from folium.template import Template

__all__ = [
    "GeoDataLayer",
    "HeadBlock",
    "HtmlBlock",
    "HtmlControl",
    "LeanMap",
    "MapSetup",
    "Page",
    "PageScript",
    "Placed",
    "Text",
    "ZoomAndScale",
    "placed",
    "renumber",
]

MAX_ZOOM = 18
MIN_ZOOM = 8


_JINJA_SYNTAX = ("{{", "{%", "{#", "\r")


class Text(Element):
    """A macro's output in the page as jinja renders it as a template of its own, without
    compiling it (branca's `Element(output)` compiles each, ~0.2 ms): output without jinja
    syntax or a carriage return renders as itself, less one line end at its end."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text[:-1] if text.endswith("\n") else text

    def render(self, **kwargs: Any) -> str:
        return self.text


def placed(output: str) -> Element:
    """The element for a macro's output: a `Text`, or for output with jinja syntax (never
    ours: elements hold slot tokens) branca's own `Element`, which evaluates it."""
    return Element(output) if any(s in output for s in _JINJA_SYNTAX) else Text(output)


class Placed(MacroElement):
    """A MacroElement rendered as branca's `MacroElement.render` does it (the output of its
    `header`, `html` and `script` macros added to the figure's part of that name, then its
    children rendered), each output `placed` rather than compiled as a template again. A
    subclass of a folium element lists it after that element, so folium's own `render` runs
    first and ends here."""

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as branca's: nothing
        figure = self.get_root()
        macros = self._template.module.__dict__
        for part in ("header", "html", "script"):
            if part in macros:
                getattr(figure, part).add_child(placed(macros[part](self, kwargs)),
                                                name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


def _template(name: str) -> Template:
    template: Template = Template(
        resources.files(__package__).joinpath("templates", name).read_text("utf-8"))
    return template


class Page(Figure):
    """The HTML document: a branca `Figure` with a valid, lean shell (`templates/page.html.j2`)."""

    _template = _template("page.html.j2")

    def __init__(self, title_token: str, body_class: str, lang: str = "en") -> None:
        super().__init__(title=title_token)
        self._name = "Page"
        self.body_class = body_class
        self.lang = lang
        self.header._children.pop("meta_http", None)  # the shell has <meta charset>


class LeanMap(folium.Map, Placed):
    """A folium Map without tiles or CDN links; `heading` and `footer` are slot tokens shown
    above and below it (in one `section.ccn-cell`)."""

    default_js: list[tuple[str, str]] = []
    default_css: list[tuple[str, str]] = []
    _template = _template("leanmap.j2")

    def __init__(self, map_bounds: list[list[float]], heading: str | None = None,
                 footer: str | None = None) -> None:
        (south, west), (north, east) = map_bounds
        super().__init__(
            location=[(south + north) / 2, (west + east) / 2],
            tiles=None,
            zoom_start=12,
            zoom_control=False,  # added by ZoomAndScale, after the title box
            prefer_canvas=False,  # SVG paths, so clusters are DOM elements with a class
        )
        self._name = "LeanMap"
        self.heading = heading
        self.footer = footer
        self.options.pop("zoom", None)  # the view comes from fit_bounds alone (see leanmap.j2)
        self.options.update(max_zoom=MAX_ZOOM, min_zoom=MIN_ZOOM, zoom_snap=0.25)
        self.fit_bounds(map_bounds, padding=(12, 12))


class GeoDataLayer(Layer, Placed):
    """A GeoJSON layer drawn by `ClusterSim.geoLayer` from an inline JSON data block."""

    _template = Template(
        """
{% macro html(this, kwargs) %}
<script type="application/json" id="{{ this.data_id }}">{{ this.data_token }}</script>
{% endmacro %}
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = ClusterSim.geoLayer({{ this.data_id|tojson }}, {{ this.kind|tojson }});
{% endmacro %}
"""
    )

    def __init__(self, kind: str, name: str, data_token: str, control: bool = True) -> None:
        super().__init__(name=name, overlay=True, control=control, show=True)
        self._name = "GeoDataLayer"
        self.kind = kind
        self.data_token = data_token

    @property
    def data_id(self) -> str:
        return f"ccn-data-{self.get_name()}"


class HtmlControl(Placed):
    """A map control whose content is server-rendered HTML in a `<template>`."""

    _template = Template(
        """
{% macro html(this, kwargs) %}
<template id="{{ this.template_id }}">{{ this.content_token }}</template>
{% endmacro %}
{% macro script(this, kwargs) %}
ClusterSim.htmlControl({{ this._parent.get_name() }}, {{ this.template_id|tojson }},
    {{ this.position|tojson }}, {{ this.css_class|tojson }});
{% endmacro %}
"""
    )

    def __init__(self, content_token: str, position: str, css_class: str) -> None:
        super().__init__()
        self._name = "HtmlControl"
        self.content_token = content_token
        self.position = position
        self.css_class = css_class

    @property
    def template_id(self) -> str:
        return f"ccn-tpl-{self.get_name()}"


class ZoomAndScale(Placed):
    """Leaflet's zoom buttons and a metric scale bar."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "ClusterSim.zoomAndScale({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "ZoomAndScale"


class HtmlBlock(Placed):
    """A piece of page body (a slot token) placed between the maps, in the order added."""

    _template = Template("{% macro html(this, kwargs) %}{{ this.token }}{% endmacro %}")

    def __init__(self, token: str, name: str = "HtmlBlock") -> None:
        super().__init__()
        self._name = name
        self.token = token


class HeadBlock(Placed):
    """Inline assets in `<head>` (a slot token)."""

    _template = Template("{% macro header(this, kwargs) %}{{ this.token }}{% endmacro %}")

    def __init__(self, token: str) -> None:
        super().__init__()
        self._name = "HeadBlock"
        self.token = token


class MapSetup(Placed):
    """Wires a map's own controls once its layers exist: year slider, commune shading,
    badges, fullscreen, mini-map (`ClusterSim.setup`). `config_token` is a slot token for
    the map's JSON config (texts, colours, years); `layers` are the map's GeoDataLayers."""

    _template = Template(
        """
{% macro html(this, kwargs) %}
<script type="application/json" id="{{ this.config_id }}">{{ this.config_token }}</script>
{% endmacro %}
{% macro script(this, kwargs) %}
ClusterSim.setup({{ this._parent.get_name() }}, {{ this.config_id|tojson }}, {
{%- for kind, layer in this.layers.items() %}
    {{ kind|tojson }}: {{ layer.get_name() }}{{ "," if not loop.last }}
{%- endfor %}
});
{% endmacro %}
"""
    )

    def __init__(self, config_token: str, layers: Mapping[str, Element]) -> None:
        super().__init__()
        self._name = "MapSetup"
        self.config_token = config_token
        self.layers = layers

    @property
    def config_id(self) -> str:
        return f"ccn-cfg-{self.get_name()}"


class PageScript(Placed):
    """A fixed statement of the project's JS run after every map is drawn (sync, ready flag)."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, code: str) -> None:
        super().__init__()
        self._name = "PageScript"
        self.code = code


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in element._children.values():
        yield from _walk(child)


def renumber(root: Element) -> None:
    """Replace branca's random element ids by a counter, so the same view gives the same page."""
    for number, element in enumerate(_walk(root)):
        element._id = f"{number}"
