"""What a renderer is given: plain, already-computed data. Renderers compute nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["Badge", "Band", "Card", "ComparisonView", "Indicator", "MapView", "ReportView", "Timeline",
           "Variable"]


@dataclass(frozen=True)
class Indicator:
    """One number shown in a popup or table: a column of `MapView.clusters`."""

    column: str  # e.g. "jobs"
    label: str  # e.g. "Jobs"
    unit: str  # e.g. "workers", "ha", "%", "bn VND"
    digits: int = 0


@dataclass(frozen=True)
class Band:
    """One quantity over the years: the mean and the P10, P50, P90 over draws (same length)."""

    mean: tuple[float, ...]
    p10: tuple[float, ...]
    p50: tuple[float, ...]
    p90: tuple[float, ...]


@dataclass(frozen=True)
class Variable:
    """A mapped quantity over the years: a commune choropleth choice or the cluster fill.

    values: feature id → Band (aligned with `Timeline.years`). `scheme` names a ColorBrewer
    scheme; `diverging` centres the classes on zero (differences); `step`, when declared, is
    the width of a colour class on every map (`maps.classes.classes_for`)."""

    key: str
    label: str
    unit: str
    values: dict[str, Band]
    digits: int = 0
    scheme: str = "Blues"
    diverging: bool = False
    step: float | None = None


@dataclass(frozen=True)
class Timeline:
    """What the year slider replays. A cluster is drawn in the years its `visible` is true.

    indicators: cluster id → Indicator.column → Band, for the popups at the chosen year;
    fans: Indicator.columns with a small fan chart in the popup."""

    years: tuple[int, ...]
    visible: dict[str, tuple[bool, ...]]
    fill: Variable
    indicators: dict[str, dict[str, Band]]
    choropleths: tuple[Variable, ...] = ()
    default_choropleth: str = ""
    fans: tuple[str, ...] = ()


@dataclass(frozen=True)
class Card:
    """One headline figure for leadership, already in the page's language: `value` in `unit`,
    `band` (its P10–P90), `extra` (e.g. the share of draws with NPV ≥ 0), `note` (how it
    differs by definition from a similar figure), `tone` "good" | "bad" | "neutral"."""

    key: str
    label: str
    value: str
    unit: str
    band: str = ""
    extra: str = ""
    note: str = ""
    tone: str = "neutral"


@dataclass(frozen=True)
class Badge:
    """A rule-check mark on a cluster: its worst severity ("fail" | "warn"), the first year a
    rule breaks (None: always), and (severity, text) for each finding."""

    cluster: str
    severity: str
    year: int | None
    lines: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class MapView:
    """Everything the scenario map shows. All GeoDataFrames are in EPSG:4326.

    clusters: one row per cluster with columns
        id, name, status ("operating" | "under_construction" | "approved" | "proposed"),
        kind ("craft_village" | "general"), commune, accuracy ("surveyed" | "digitised" |
        "schematic"), declared_area_ha, and one column per entry of `indicators`
        (values at `year`).
    communes: id, name, population_2019, accuracy, ... (polygons).
    district: the outline (one polygon).
    roads / water: lines or polygons with id, name, kind, accuracy (may be empty).
    timeline: per-year data for the year slider (None: a still map of `year`).
    role: "scenario", or "difference" for a map of B − A (its clusters are not counted as
        scenario clusters by the page's ready flag).
    sites: candidate sites for a new cluster (`simulator.sites.find_sites`): rank, score,
        area_ha, shape, interchange_m, national_road_m, residential_m (polygons); drawn as
        their own layer only when given.
    """

    scenario_id: str
    title: str
    description: str
    year: int
    provenance: dict[str, Any]  # version, seed, draws, scenario_sha256, created_utc
    clusters: gpd.GeoDataFrame
    indicators: tuple[Indicator, ...]
    communes: gpd.GeoDataFrame
    district: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame | None = None
    water: gpd.GeoDataFrame | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)  # data-source / approximation notes
    lang: str = "en"
    timeline: Timeline | None = None
    badges: tuple[Badge, ...] = ()
    role: str = "scenario"
    sites: gpd.GeoDataFrame | None = None
    cards: tuple[Card, ...] = ()  # the leadership summary of the info box
    verdict: str = ""
    title_lang: str = ""  # the language the author declared for `title` ("": not declared)
    description_lang: str = ""  # likewise for `description`


@dataclass(frozen=True)
class ComparisonView:
    """Side-by-side maps, difference maps, overlaid fan charts, and the indicator table.

    table: columns indicator, unit, year, then one column per scenario id, then for each
    other scenario B `diff_<B>` (difference to the first scenario) and optionally
    `diff_<B>_p10`, `diff_<B>_p50`, `diff_<B>_p90`, `p_better_<B>`.
    differences: maps of B − A (role "difference"), one per other scenario.
    fans: scenario title → Band of district jobs over `fan_years`.
    labels: a table `indicator` value (a metric name) → how to show it (label, unit, digits).
    """

    views: tuple[MapView, ...]
    table: pd.DataFrame
    lang: str = "en"
    differences: tuple[MapView, ...] = ()
    fan_years: tuple[int, ...] = ()
    fans: dict[str, Band] = field(default_factory=dict)
    labels: dict[str, Indicator] = field(default_factory=dict)  # table indicator → its labels
    cards: tuple[Card, ...] = ()  # B − A of the headline figures
    verdict: str = ""
    verdict_rows: tuple[dict[str, Any], ...] = ()  # headline.verdict_rows
    names: tuple[str, ...] = ()  # what the page calls each scenario (default: their ids)
    heading: str = ""  # the page's heading (default: "Scenario comparison, <years>")
    lead: str = ""  # trusted HTML shown first, before the summary (the optimise page's decisions)


@dataclass(frozen=True)
class ReportView:
    """Everything report.html shows, already picked and labelled (see simulator/report_content.py)."""

    lang: str
    title: str
    scenario_id: str
    description: str
    provenance: dict[str, Any]  # version, seed, draws, scenario_sha256, files, years, takeup
    milestones: tuple[int, ...]
    indicators: tuple[dict[str, Any], ...]  # label, unit, digits, stats: year → {mean,p10,p90}
    years: tuple[int, ...]
    charts: tuple[tuple[str, str, Band], ...]  # (label, unit, band over `years`)
    developer: tuple[dict[str, Any], ...]  # name, irr {mean,p10,p50,p90,share}, payback {...}
    findings: tuple[dict[str, Any], ...]  # one row per rule: severity, rule, title, clusters, ...
    counts: dict[str, int]
    gates: tuple[dict[str, Any], ...]
    targets: tuple[dict[str, Any], ...]  # label, probability
    assumptions: tuple[dict[str, Any], ...]  # key, value, unit, source, cited, assumption, group
    notes: tuple[str, ...] = ()
    sensitivity_svg: str | None = None  # a trusted, pre-rendered <svg> (sensitivity.tornado_svg)
    sensitivity_text: str | None = None
    sensitivity_rows: tuple[dict[str, Any], ...] = ()
    # who gains, break-even, calibration (simulator/appraisal.py, docs/model.md §6)
    who_gains: tuple[dict[str, Any], ...] = ()  # name, total, parties: party → stats + p_gain
    gains_sentences: tuple[str, ...] = ()  # one per proposed cluster
    breakeven: tuple[dict[str, Any], ...] = ()  # name, total, assumed, p_profit, stats (+usd_per_m2)
    benchmarks: tuple[dict[str, Any], ...] = ()  # calibration.csv lease_price rows
    price_response: tuple[dict[str, Any], ...] = ()  # appraisal.price_response rows + name
    calibration: tuple[dict[str, Any], ...] = ()  # appraisal.calibration_rows + cluster_name
    cards: tuple[Card, ...] = ()
    verdict: str = ""
    not_evaluated: tuple[dict[str, Any], ...] = ()  # rule, title, items: cluster, why
    map_svg: str | None = None  # a trusted static <svg> of the scenario at the horizon
    title_lang: str = ""  # the language the author declared for `title` ("": not declared)
    description_lang: str = ""  # likewise for `description` (targets: each row's "lang")
