"""Offline HTML pages: a map per scenario (with a year slider), the scenario report, and a
comparison page.

Every renderer returns a complete, self-contained HTML document as a string (no network
needed: Leaflet and the project's JS/CSS are inlined; the report needs no script). Write it as
UTF-8. Words come from `simulator.words.pages` (Vietnamese and English). The renderers are imported from their
modules (`scenario_map.render_scenario_map`, `report_page.render_report_page`,
`comparison_page.render_comparison`), so the page content (`view`) loads without folium.
"""

from .assets import OfflineViolation, check_offline
from .styles import STATUS_COLORS, STATUS_LABELS
from .view import Badge, Band, ComparisonView, Indicator, MapView, ReportView, Timeline, Variable

__all__ = [
    "Badge",
    "Band",
    "ComparisonView",
    "Indicator",
    "MapView",
    "ReportView",
    "Timeline",
    "Variable",
    "OfflineViolation",
    "STATUS_COLORS",
    "STATUS_LABELS",
    "check_offline",
]
