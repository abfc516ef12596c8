"""HTML fragments (popups, tooltips, title box, legend, table) from autoescaping templates.

Every value from a scenario or a GIS file goes through jinja's autoescape here, so it is text,
never markup. The results are final HTML that travels to the page via `encode.Slots`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup, escape

from .formatting import MISSING, fmt_number, fmt_year
from .styles import (
    KIND_LABELS,
    SCHEMATIC_DASH,
    STATUS_COLORS,
    STATUS_LABELS,
    UNKNOWN_COLOR,
    road_label,
    road_styles,
    status_color,
    water_label,
    water_style,
)
from .view import Indicator, MapView

__all__ = [
    "cluster_popup",
    "cluster_tooltip",
    "commune_tooltip",
    "comparison_heading",
    "escape_text",
    "join_unique",
    "legend",
    "page_head",
    "provenance_line",
    "render",
    "text",
    "title_box",
]


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader(__package__, "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def render(template: str, **context: Any) -> str:
    """Render one of `templates/*.html` with autoescape on."""
    return _env().get_template(template).render(**context).strip()


def text(value: Any) -> str:
    """A scenario value as display text (missing → ``n/a``)."""
    if isinstance(value, str):
        return value
    if value is None or _is_nan(value):
        return MISSING
    return str(value)


def _is_nan(value: Any) -> bool:
    try:
        return bool(value != value)  # NaN, NaT
    except (TypeError, ValueError):
        return True  # pandas NA


def provenance_line(provenance: Mapping[str, Any]) -> str:
    """``clustersim 0.1.0 · seed 1 · 1,000 draws · scenario sha256 1a2b3c4d5e6f`` (plain text)."""
    parts = []
    if provenance.get("version") is not None:
        parts.append(f"clustersim {provenance['version']}")
    if provenance.get("seed") is not None:
        parts.append(f"seed {provenance['seed']}")
    if provenance.get("draws") is not None:
        parts.append(f"{fmt_number(provenance['draws'])} draws")
    if provenance.get("scenario_sha256"):
        parts.append(f"scenario sha256 {str(provenance['scenario_sha256'])[:12]}")
    if provenance.get("created_utc"):
        parts.append(f"run {provenance['created_utc']}")
    return " · ".join(parts)


def cluster_tooltip(row: Mapping[str, Any]) -> str:
    status = STATUS_LABELS.get(text(row.get("status")), text(row.get("status")))
    return str(Markup("<strong>{}</strong><br>{}").format(text(row.get("name")), status))


def commune_tooltip(row: Mapping[str, Any]) -> str:
    population = fmt_number(row.get("population_2019"))
    template = Markup("<strong>{}</strong><br>Population 2019: {}")
    return str(template.format(text(row.get("name")), population))


def cluster_popup(row: Mapping[str, Any], indicators: Sequence[Indicator], year: int) -> str:
    status = text(row.get("status"))
    return render(
        "popup.html",
        id=text(row.get("id")),
        name=text(row.get("name")),
        commune=text(row.get("commune")),
        status=STATUS_LABELS.get(status, status),
        color=status_color(status),
        kind=KIND_LABELS.get(text(row.get("kind")), text(row.get("kind"))),
        area=fmt_number(row.get("declared_area_ha"), 1),
        schematic=row.get("accuracy") == "schematic",
        year=year,
        indicators=[_indicator_row(ind, row.get(ind.column)) for ind in indicators],
    )


def _indicator_row(ind: Indicator, value: Any) -> dict[str, str]:
    return {"label": ind.label, "value": fmt_number(value, ind.digits), "unit": ind.unit}


def title_box(view: MapView) -> str:
    return render(
        "titlebox.html",
        title=view.title,
        year=view.year,
        scenario_id=view.scenario_id,
        provenance=provenance_line(view.provenance),
        description=view.description,
        notes=list(view.notes),
    )


def legend(view: MapView, compact: bool = False) -> str:
    """Status colours and the schematic note; unless `compact`, also roads, water, units."""
    statuses = [{"label": STATUS_LABELS[s], "color": c} for s, c in STATUS_COLORS.items()]
    if any(s not in STATUS_COLORS for s in _values(view.clusters, "status")):
        statuses.append({"label": "Other status", "color": UNKNOWN_COLOR})
    roads = _unique([{"label": road_label(k), "styles": road_styles(k)}
                     for k in _kinds(view.roads)])
    water = _unique([{"label": water_label(k), "styles": [_line_like(water_style(k, False))]}
                     for k in _kinds(view.water)])
    return render("legend.html", statuses=statuses, roads=roads, water=water,
                  dash=SCHEMATIC_DASH, year=view.year, compact=compact)


def _unique(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One legend entry per label (unknown kinds share "Other road" / "Water")."""
    return list({e["label"]: e for e in entries}.values())


def _line_like(style: dict[str, Any]) -> dict[str, Any]:
    """A filled water style drawn as a thick legend line in its fill colour."""
    if style.get("fill"):
        return {"color": style["fillColor"], "weight": 7}
    return style


def _values(gdf: Any, column: str) -> list[Any]:
    if gdf is None or column not in gdf.columns:
        return []
    return list(gdf[column])


def _kinds(gdf: Any) -> list[str]:
    """Distinct kinds in first-seen order (empty when the layer is absent)."""
    return list(dict.fromkeys(text(k) for k in _values(gdf, "kind")))


def comparison_heading(view: MapView) -> str:
    return render("heading.html", title=view.title, year=view.year,
                  scenario_id=view.scenario_id, provenance=provenance_line(view.provenance))


def page_head(title: str, subtitle: str) -> str:
    return render("page_head.html", title=title, subtitle=subtitle)


def escape_text(value: Any) -> str:
    """Escaped text for a spot that has no template (the document title)."""
    return str(escape(text(value)))


def join_unique(items: Iterable[Any]) -> str:
    return ", ".join(dict.fromkeys(fmt_year(i) for i in items))
