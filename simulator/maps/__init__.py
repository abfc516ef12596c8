"""Offline HTML maps: one page per scenario and a side-by-side comparison page.

Both renderers return a complete, self-contained HTML document as a string (no network
needed: Leaflet and the project's JS/CSS are inlined). Write it as UTF-8.
"""

from .assets import OfflineViolation, check_offline
from .comparison import render_comparison
from .scenario_map import render_scenario_map
from .styles import STATUS_COLORS, STATUS_LABELS
from .view import ComparisonView, Indicator, MapView

__all__ = [
    "ComparisonView",
    "Indicator",
    "MapView",
    "OfflineViolation",
    "STATUS_COLORS",
    "STATUS_LABELS",
    "check_offline",
    "render_comparison",
    "render_scenario_map",
]
