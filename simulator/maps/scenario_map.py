"""The scenario map: one self-contained HTML page for one `MapView`."""

from __future__ import annotations

from simulator.words.pages import check_lang
from .page import PageBuilder
from .view import MapView

__all__ = ["render_scenario_map"]


def render_scenario_map(view: MapView) -> str:
    """A complete HTML document (write it as UTF-8). Works with no network at all."""
    builder = PageBuilder(f"{view.title} — {view.year}", body_class="ccn-single",
                          lang=check_lang(view.lang))
    builder.add_map(view)
    builder.script("ClusterSim.ready();")
    return builder.finish()
