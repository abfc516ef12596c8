"""HTML fragments (popups, tooltips, title box, legend, controls) from autoescaping templates.

Every value from a scenario or a GIS file goes through jinja's autoescape here, so it is text,
never markup. The results are final HTML that travels to the page via `encode.Slots`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from . import charts
from .classes import Classes
from .formatting import MISSING, fmt_number, fmt_pct, fmt_range, fmt_year, is_missing
from simulator.words.pages import words
from .styles import BUILT, SCHEMATIC_DASH, SITE_COLOR, SITE_DASH, SITE_OPACITY, STATUS_COLORS, \
    UNKNOWN_COLOR, road_styles, status_color, water_style
from .view import Badge, Band, Card, MapView, Variable

__all__ = [
    "band_text", "choice", "cluster_popup", "cluster_tooltip", "commune_tooltip",
    "comparison_heading", "escape_text", "join_unique", "legend", "page_head",
    "provenance_line", "render", "site_popup", "site_tooltip", "slider", "summary", "text",
    "title_box", "verdict_table", "with_year", "year_index",
]


CACHE = Path(__file__).resolve().parent / "__pycache__"


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Templates compiled once and kept in `folder` (maps/__pycache__/, beside numba's cache
    of the kernels): a run loads them instead of compiling them again (about 0.1 s CPU, the
    report's template most). jinja checks each against its template's source, so an edited
    template is compiled afresh; a folder that cannot be written (a read-only install) only
    means compiling every time, as without a cache."""

    def __init__(self, folder: Path = CACHE) -> None:
        super().__init__(str(folder), "jinja2-%s.cache")
        self.folder = folder

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().load_bytecode(bucket)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            self.folder.mkdir(exist_ok=True)
            super().dump_bytecode(bucket)


@lru_cache(maxsize=1)
def _env(cache: Path = CACHE) -> jinja2.Environment:
    """The pages' template environment: packaged templates, autoescaped, compiled code kept in
    `cache`. A template is loaded once per process (`auto_reload` off: the package's files do
    not change under a run, so jinja need not stat each one on every render)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader(__package__, "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        bytecode_cache=_CompiledTemplates(cache),
        auto_reload=False,
    )


def render(template: str, **context: Any) -> str:
    """Render one of `templates/*.html` with autoescape on."""
    return _env().get_template(template).render(**context).strip()


def text(value: Any) -> str:
    """A scenario value as display text (missing → an en dash)."""
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


def provenance_line(provenance: Mapping[str, Any], lang: str = "en") -> str:
    """``clustersim 0.1.0 · seed 1 · 1,000 draws · scenario sha256 1a2b3c4d5e6f`` (plain text)."""
    w = words(lang)
    parts = []
    if provenance.get("version") is not None:
        parts.append(f"clustersim {provenance['version']}")
    if provenance.get("seed") is not None:
        parts.append(f"{w['seed'].lower() if lang == 'vi' else 'seed'} {provenance['seed']}")
    if provenance.get("draws") is not None:
        draws = fmt_number(provenance["draws"], 0, lang)
        parts.append(f"{w['draws'].lower()} {draws}" if lang == "vi" else f"{draws} draws")
    if provenance.get("scenario_sha256"):
        parts.append(f"{w['sha256_short']} {str(provenance['scenario_sha256'])[:12]}")
    if provenance.get("created_utc"):
        parts.append(f"{w['run_at']} {provenance['created_utc']}")
    return " · ".join(parts)


def year_index(years: tuple[int, ...], year: int) -> int:
    """Index of `year` in `years`, or of the nearest year."""
    return min(range(len(years)), key=lambda i: abs(years[i] - year))


def with_year(template: str, year: int) -> Markup:
    """Escaped `template` whose ``{year}`` is a span the page's JS keeps up to date."""
    return escape(template).replace("{year}", Markup("<span data-ccn-year>%s</span>") % year)


def band_text(band: Band, k: int, digits: int, lang: str) -> str:
    """``1,234 (1,000 – 1,500)``: median and P10–P90 in year k (the JS writes the same)."""
    lo, hi = fmt_number(band.p10[k], digits, lang), fmt_number(band.p90[k], digits, lang)
    return f"{fmt_number(band.p50[k], digits, lang)} ({lo} – {hi})"


def cluster_tooltip(row: Mapping[str, Any], lang: str = "en") -> str:
    status = text(row.get("status"))
    label = words(lang).get(f"status:{status}", status)
    return str(Markup("<strong>{}</strong><br>{}").format(text(row.get("name")), label))


def commune_tooltip(row: Mapping[str, Any], lang: str = "en") -> str:
    population = fmt_number(row.get("population_2019"), 0, lang)
    template = Markup("<strong>{}</strong><br>{}: {}")
    return str(template.format(text(row.get("name")), words(lang)["population_2019"], population))


def _still_indicators(view: MapView, row: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"label": ind.label, "unit": ind.unit, "key": "",
             "value": fmt_number(row.get(ind.column), ind.digits, view.lang)}
            for ind in view.indicators]


def _timeline_parts(view: MapView, row: Mapping[str, Any]) -> dict[str, Any]:
    """Popup parts of a slider map: banded indicators, median IRR and payback, fan charts."""
    tl, lang, w = view.timeline, view.lang, words(view.lang)
    assert tl is not None
    bands = tl.indicators[text(row.get("id"))]
    k = year_index(tl.years, view.year)
    inds = [{"label": i.label, "unit": i.unit, "key": i.column, "digits": i.digits,
             "value": band_text(bands[i.column], k, i.digits, lang)} for i in view.indicators]
    extra = []
    if not is_missing(row.get("developer_irr_p50")):
        extra.append({"label": w["irr_p50"],
                      "value": f"{fmt_number(100 * row['developer_irr_p50'], 1, lang)} %"})
    if "payback_share" in row:  # honest: how often it pays back, a year only for most draws
        extra.append({"label": w["pays_back"], "value": fmt_pct(row.get("payback_share"), lang)})
        if not is_missing(row.get("payback_all_p50")):
            extra.append({"label": w["payback"], "value": fmt_year(row.get("payback_all_p50"))})
    elif "payback_year_p50" in row:
        extra.append({"label": w["payback_p50"], "value": fmt_year(row.get("payback_year_p50"))})
    if not is_missing(row.get("breakeven_p50")):
        extra.append({"label": w["breakeven_p50"] + " (" + w["p10_p90"] + ")",
                      "value": f"{fmt_number(row['breakeven_p50'], 1, lang)} "
                               f"({fmt_range(row.get('breakeven_p10'), row.get('breakeven_p90'), 1, lang)}) "
                               f"{w['value_bn_ha']}"})
    by_column = {i.column: i for i in view.indicators}
    sparks = [{"label": f"{by_column[c].label} ({by_column[c].unit})",
               "svg": charts.spark_svg(tl.years, bands[c], digits=by_column[c].digits,
                                       title=w["fan_title"].format(label=by_column[c].label),
                                       marker=k, lang=lang)}
              for c in tl.fans if c in by_column]
    return {"indicators": inds, "extra": extra, "sparks": sparks, "banded": True,
            "heading": with_year(w["indicators_in"], view.year)}


def cluster_popup(row: Mapping[str, Any], view: MapView, badge: Badge | None = None) -> str:
    w, status, kind = words(view.lang), text(row.get("status")), text(row.get("kind"))
    if view.timeline is not None:
        parts = _timeline_parts(view, row)
    else:
        parts = {"indicators": _still_indicators(view, row), "extra": [], "sparks": [],
                 "banded": False, "heading": w["indicators_in"].format(year=view.year)}
    checks = [{"severity": sev, "text": line} for sev, line in badge.lines] if badge else []
    return render(
        "popup.html", t=w, id=text(row.get("id")), name=text(row.get("name")),
        commune=text(row.get("commune")), status=w.get(f"status:{status}", status),
        color=None if view.timeline else status_color(status),  # the fill shows status only
        kind=w.get(f"kind:{kind}", kind),  # on a still map
        area=fmt_number(row.get("declared_area_ha"), 1, view.lang),
        schematic=row.get("accuracy") == "schematic", checks=checks, **parts)


SITE_DISTANCES = ("interchange_m", "national_road_m", "residential_m")


def _site_rank(row: Mapping[str, Any]) -> str:
    return fmt_year(row.get("rank"))  # a whole number without separators


def site_tooltip(row: Mapping[str, Any], lang: str = "en") -> str:
    """``Candidate site 1`` and its area (escaped HTML)."""
    heading = words(lang)["site"].format(rank=_site_rank(row))
    area = fmt_number(row.get("area_ha"), 1, lang)
    return str(Markup("<strong>{}</strong><br>{} ha").format(heading, area))


def site_popup(row: Mapping[str, Any], lang: str = "en") -> str:
    """Rank, suitability score, area, shape and the three distances of a candidate site."""
    w, shape = words(lang), text(row.get("shape"))
    return render(
        "site_popup.html", t=w, heading=w["site"].format(rank=_site_rank(row)),
        rank=_site_rank(row), score=fmt_number(row.get("score"), 3, lang),
        area=fmt_number(row.get("area_ha"), 1, lang), shape=w.get(f"shape:{shape}", shape),
        distances=[{"label": w[k], "value": fmt_number(row.get(k), 0, lang)}
                   for k in SITE_DISTANCES],
        rules=("" if is_missing(row.get("rules_passed"))
               else w["site_rules_all"].format(n=fmt_year(row.get("rules_passed")))))


def title_box(view: MapView) -> str:
    return render(
        "titlebox.html", t=words(view.lang), title=view.title, title_lang=view.title_lang,
        description_lang=view.description_lang, year=view.year,
        scenario_id=view.scenario_id, provenance=provenance_line(view.provenance, view.lang),
        description=view.description, notes=list(view.notes),
        open=view.timeline is None and not view.cards, slider=view.timeline is not None,
        summary=Markup(summary(view.cards, view.verdict, view.lang)) if view.cards else "",
    )


def summary(cards: Iterable[Card], verdict: str, lang: str) -> str:
    """The leadership summary: a one-sentence verdict and the headline cards."""
    return render("cards.html", t=words(lang), cards=list(cards), verdict=verdict)


def verdict_table(rows: Iterable[Mapping[str, Any]], names: Mapping[str, str],
                  lang: str) -> str:
    """Which scenario is better on each headline figure (`headline.verdict_rows`)."""
    return render("verdict_table.html", t=words(lang), rows=list(rows), a=names["a"],
                  b=names["b"])


def _key(var: Variable, classes: Classes, year: int | None) -> dict[str, Any]:
    heading = escape(f"{var.label} ({var.unit})")
    if year is not None:
        heading = Markup("{}, <span data-ccn-year>{}</span>").format(heading, year)
    return {"key": var.key, "heading": heading,
            "classes": [{"color": c, "label": lab}
                        for c, lab in zip(classes.colors, classes.labels, strict=True)]}


def legend(view: MapView, classes: Mapping[str, Classes], compact: bool = False) -> str:
    """Cluster fill (status, or the slider's classes), badges, the commune shading of each
    choice (one shown at a time), and unless `compact` roads, water and a note on units."""
    w, tl = words(view.lang), view.timeline
    statuses = [{"label": w[f"status:{s}"], "color": c} for s, c in STATUS_COLORS.items()]
    if any(s not in STATUS_COLORS for s in _values(view.clusters, "status")):
        statuses.append({"label": w["other_status"], "color": UNKNOWN_COLOR})
    roads = _unique([{"label": w.get(f"feature:{k}", w["feature:road"]), "styles": road_styles(k)}
                     for k in _kinds(view.roads)])
    water = _unique([{"label": w.get(f"feature:{k}", w["feature:water"]),
                      "styles": [_line_like(water_style(k, False))]} for k in _kinds(view.water)])
    fill = _key(tl.fill, classes["fill"], view.year) if tl else None
    chosen = [_key(v, classes[v.key], None) for v in tl.choropleths] if tl else []
    note = w["units_note_timeline"] if tl else w["units_note"].format(year=view.year)
    sites = ({"color": SITE_COLOR, "dash": SITE_DASH, "opacity": SITE_OPACITY}
             if view.sites is not None else None)
    schematic = _schematic_counts(view.clusters)
    return render("legend.html", t=w, statuses=statuses, roads=roads, water=water, fill=fill,
                  choropleths=chosen, selected=tl.default_choropleth if tl else "",
                  badges=bool(view.badges), dash=SCHEMATIC_DASH, note=note, compact=compact,
                  sites=sites, built_schematic=w["schematic_built"].format(n=schematic[0])
                  if schematic[0] else "", planned_schematic=schematic[1] > 0)


def _schematic_counts(clusters: Any) -> tuple[int, int]:
    """(built, planned) clusters drawn schematically."""
    statuses, accuracy = _values(clusters, "status"), _values(clusters, "accuracy")
    built = [s in BUILT for s, a in zip(statuses, accuracy, strict=True) if a == "schematic"]
    return sum(built), len(built) - sum(built)


def slider(view: MapView, input_id: str) -> str:
    tl = view.timeline
    assert tl is not None
    k = year_index(tl.years, view.year)
    return render("slider.html", t=words(view.lang), input_id=input_id, year=tl.years[k],
                  index=k, last=len(tl.years) - 1, first_year=tl.years[0],
                  last_year=tl.years[-1])


def choice(view: MapView, name: str) -> str:
    tl = view.timeline
    assert tl is not None
    choices = [{"key": v.key, "label": v.label} for v in tl.choropleths]
    return render("choice.html", t=words(view.lang), name=name, choices=choices,
                  selected=tl.default_choropleth)


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
    return render("heading.html", t=words(view.lang), title=view.title,
                  title_lang=view.title_lang, year=view.year,
                  scenario_id=view.scenario_id, slider=view.timeline is not None,
                  provenance=provenance_line(view.provenance, view.lang))


def page_head(title: str, subtitle: str) -> str:
    return render("page_head.html", title=title, subtitle=subtitle)


def escape_text(value: Any) -> str:
    """Escaped text for a spot that has no template (the document title)."""
    return str(escape(text(value)))


def join_unique(items: Iterable[Any]) -> str:
    return ", ".join(dict.fromkeys(fmt_year(i) for i in items))
