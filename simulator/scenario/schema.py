"""The scenario file's structure: frozen pydantic models, validated once at the door.

Each field's docstring is its documentation (docs/scenario-reference.md is generated from them).
Default parameter values and their sources live in `simulator/parameters.csv`.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulator.scenario.distributions import Distribution, Param, param

__all__ = [
    "Base", "Scenario", "District", "Cluster", "Phase", "GeometryRef", "ClusterParams",
    "PARAMETER_NAMES", "parameter_table", "default_param", "bounds",
]

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
Year = Annotated[int, Field(ge=1990, le=2100)]
Status = Literal["operating", "under_construction", "approved", "proposed"]
Kind = Literal["craft_village", "general"]


class Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


@cache
def parameter_table() -> dict[str, dict[str, str]]:
    """Rows of parameters.csv by name: unit, dist, low, mode, high, min, max, source, description."""
    text = resources.files("simulator").joinpath("parameters.csv").read_text(encoding="utf-8")
    return {row["name"]: row for row in csv.DictReader(text.splitlines())}


def bounds(name: str) -> tuple[float, float]:
    row = parameter_table()[name]
    return float(row["min"]), float(row["max"])


def default_param(name: str) -> Distribution:
    """The default of a model parameter, with its source, as parameters.csv gives it."""
    row = parameter_table()[name]
    if row["dist"] == "fixed":
        spec: dict[str, Any] = {"dist": "fixed", "value": float(row["mode"])}
    else:
        spec = {"dist": row["dist"], **{k: float(row[k]) for k in ("low", "mode", "high")}}
    from pydantic import TypeAdapter

    return TypeAdapter(Param).validate_python({**spec, "source": row["source"]})


def _p(name: str) -> Any:
    return param(*bounds(name))


class ClusterParams(Base):
    """Model parameters. Under `district.params` every one has a default (parameters.csv);
    under a cluster's `params` each one is optional and overrides the district value.
    Any of them may be a number or a distribution (`{dist: triangular, low, mode, high}`)."""

    leasable_share: _p("leasable_share") | None = None
    """Share of gross area in leasable industrial plots (0–1)."""
    max_occupancy: _p("max_occupancy") | None = None
    """Highest share of leasable land ever leased (0–1)."""
    fill_years: _p("fill_years") | None = None
    """Years from a phase's opening until it is fully leased."""
    farmland_share: _p("farmland_share") | None = None
    """Share of gross area that was farmland before clearance (0–1)."""
    jobs_per_leased_ha: _p("jobs_per_leased_ha") | None = None
    """Workers per leased hectare."""
    firm_revenue_bn_vnd_per_leased_ha: _p("firm_revenue_bn_vnd_per_leased_ha") | None = None
    """Firms' sales per leased hectare and year, billion VND."""
    budget_revenue_bn_vnd_per_leased_ha: _p("budget_revenue_bn_vnd_per_leased_ha") | None = None
    """Taxes and fees to the public budget per leased hectare and year, billion VND."""
    capex_bn_vnd_per_ha: _p("capex_bn_vnd_per_ha") | None = None
    """Infrastructure investment per gross hectare, billion VND."""
    lease_price_bn_vnd_per_ha: _p("lease_price_bn_vnd_per_ha") | None = None
    """One-off land-lease payment per leased hectare, billion VND."""


PARAMETER_NAMES: tuple[str, ...] = tuple(ClusterParams.model_fields)


def _district_defaults() -> ClusterParams:
    return ClusterParams(**{n: default_param(n) for n in PARAMETER_NAMES})


class DistrictParams(ClusterParams):
    """District-wide parameters; a missing one takes its default from parameters.csv."""

    @model_validator(mode="after")
    def _fill_defaults(self) -> DistrictParams:
        for name in PARAMETER_NAMES:
            if getattr(self, name) is None:
                object.__setattr__(self, name, default_param(name))
        return self


class District(Base):
    """District-wide settings."""

    name: str = "Thường Tín"
    """Name of the district."""
    params: DistrictParams = Field(default_factory=DistrictParams)
    """Default model parameters for every cluster (each may be overridden per cluster)."""


class GeometryRef(Base):
    """Where a cluster's outline comes from: exactly one of `bundled`, `file` or `inline`."""

    bundled: str | None = None
    """Id of a feature in the bundled `geodata/` clusters layer."""
    file: str | None = None
    """A GIS file GDAL reads (GeoPackage, Shapefile, GeoJSON, KML, FlatGeobuf), relative to
    the scenario file that names it."""
    layer: str | None = None
    """Layer of `file` (default: its first layer)."""
    id_field: str | None = None
    """Attribute of `file` holding feature ids (with `feature`)."""
    feature: str | None = None
    """Feature id to take from `file` (default: the file's only feature)."""
    crs: str | None = None
    """CRS of `file` or `inline` when it does not say (e.g. EPSG:5897 = VN-2000 / TM-3 105°00′)."""
    inline: dict[str, Any] | str | None = None
    """A GeoJSON geometry mapping or a WKT string (WGS84 unless `crs` says otherwise)."""

    @model_validator(mode="after")
    def _exactly_one(self) -> GeometryRef:
        given = [k for k in ("bundled", "file", "inline") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "exactly one of bundled, file, inline; found " + (", ".join(given) or "none")
            )
        return self


class Phase(Base):
    """A part of a cluster that is approved, cleared, built and opened together.

    Timeline: clearance runs from `approval_year` for `clearance_years`, construction follows
    for `construction_years`, and leasing starts when construction ends."""

    name: str | None = None
    """Label, e.g. `giai đoạn 1`."""
    area_ha: param(0, 1000) | None = None
    """Gross area of the phase in hectares (give this or `share`)."""
    share: param(0, 1) | None = None
    """Share of the cluster's area in this phase (give this or `area_ha`)."""
    approval_year: Year
    """Year the phase is established/approved; site clearance starts this year."""
    clearance_years: param(0, 30)
    """Years of site clearance (compensation, resettlement); farmland is converted over them."""
    construction_years: param(0, 30)
    """Years of infrastructure construction after clearance; capital is spent over them."""
    source: str | None = None
    """Where the phase's dates come from, or `assumption: …`."""

    @model_validator(mode="after")
    def _area_or_share(self) -> Phase:
        if (self.area_ha is None) == (self.share is None):
            raise ValueError("exactly one of area_ha, share")
        return self


class Cluster(Base):
    """One industrial cluster (cụm công nghiệp)."""

    id: Slug
    """Unique id (lower case ascii, digits, `_` or `-`)."""
    name: str = Field(min_length=1)
    """Name with Vietnamese diacritics, e.g. `CCN Quất Động`."""
    commune: str
    """Commune (pre-2025) the cluster lies in."""
    status: Status
    """operating, under_construction, approved or proposed."""
    kind: Kind = "general"
    """craft_village (cụm công nghiệp làng nghề) or general."""
    geometry: GeometryRef
    """Where the outline comes from."""
    area_ha: float = Field(gt=0, le=1000)
    """Declared gross area in hectares (the model uses this; see docs/model.md)."""
    inferred: bool = False
    """True when the cluster's existence or area is inferred rather than sourced."""
    expands: str | None = None
    """Id of the cluster this one expands (an expansion under Decree 32/2024, Art. on
    expansion conditions), e.g. `tien_phong_1` for Tiền Phong phase 2."""
    source: str
    """Citation for the cluster's area and status."""
    phases: list[Phase] = Field(min_length=1)
    """Phases in order."""
    params: ClusterParams = Field(default_factory=ClusterParams)
    """Overrides of the district parameters for this cluster."""

    @model_validator(mode="after")
    def _phases_fit(self) -> Cluster:
        total = sum(
            (p.area_ha.central() if p.area_ha else p.share.central() * self.area_ha)  # type: ignore[union-attr]
            for p in self.phases
        )
        if total > self.area_ha * 1.0001:
            raise ValueError(
                f"phases adding up to at most the cluster's {self.area_ha:g} ha; found {total:g} ha"
            )
        return self


class Scenario(Base):
    """A planning scenario: which clusters, where, how big, when, and the economic assumptions."""

    id: Slug
    """Scenario id; results go to `results/<id>/`."""
    title: str
    """One-line title shown on maps and reports."""
    description: str = ""
    """What the scenario tests and why."""
    extends: str | None = None
    """Parent scenario file (relative path). The child's keys override the parent's; see
    `remove_clusters` and `modify_clusters`. Resolved when loading."""
    base_year: Year
    """First simulated year."""
    horizon_year: Year
    """Last simulated year."""
    seed: int = Field(ge=0)
    """Seed of the random numbers: same scenario and seed give identical results."""
    draws: int = Field(ge=1, le=1_000_000)
    """Monte Carlo draws; 1 runs every parameter at its central value (the mean)."""
    district: District = Field(default_factory=District)
    """District-wide settings and default parameters."""
    clusters: list[Cluster] = Field(min_length=1)
    """The clusters simulated."""

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        if self.horizon_year < self.base_year:
            raise ValueError(f"horizon_year ≥ base_year {self.base_year}; found {self.horizon_year}")
        seen: set[str] = set()
        dup = [c.id for c in self.clusters if c.id in seen or seen.add(c.id)]  # type: ignore[func-returns-value]
        if dup:
            raise ValueError(f"unique cluster ids; found {', '.join(dup)} more than once")
        return self
