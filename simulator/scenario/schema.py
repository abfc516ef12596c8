"""The scenario file's structure: frozen pydantic models, validated once at the door.

Each field's docstring is its documentation: docs/scenario-reference.md and the JSON schema are
generated from them by `simulator.scenario.reference`, which reads them (not pydantic at import).
Default parameter values and their sources live in `simulator/parameters.csv`.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    create_model,
    model_validator,
)

from simulator.scenario.distributions import Distribution, Param, param
from simulator.scenario.optimise_config import OptimiseConfig
from simulator.scenario.rules_config import RulesConfig
from simulator.scenario.wording import Text, in_lang

__all__ = [
    "Base", "Scenario", "District", "Cluster", "Phase", "GeometryRef", "ClusterParams",
    "DistrictParams", "SectorParams", "LandUse", "PARAMETER_NAMES", "DISTRICT_PARAMETER_NAMES",
    "SECTOR_FIELDS", "parameter_table", "table_source", "default_param", "bounds",
    "default_sector_mix", "Target", "Correlation", "UncertaintySettings", "LayerRef", "GeodataLayers",
    "SLUG_PATTERN", "FieldError",
]

class FieldError(ValueError):
    """A problem a whole-scenario check finds at one field: `loc`, its path below the scenario
    (pydantic reports a model validator's error at the scenario itself; the loader adds `loc`
    to find the file and line)."""

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"  # ids: lower-case letters, digits, `_` and `-`
Slug = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=64)]
Year = Annotated[int, Field(ge=1990, le=2100)]
Status = Literal["operating", "under_construction", "approved", "proposed"]
Kind = Literal["craft_village", "general"]

if TYPE_CHECKING:  # a type checker sees the distributions; pydantic also sees their bounds
    from typing import TypeAlias

    _AreaParam: TypeAlias = Param
    _ShareParam: TypeAlias = Param
    _YearsParam: TypeAlias = Param
    _PerHaParam: TypeAlias = Param
else:
    _AreaParam = param(0, 1000)
    _ShareParam = param(0, 1)
    _YearsParam = param(0, 30)
    _PerHaParam = param(0, 10000)


class Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)  # as _Dist


@cache
def parameter_table() -> dict[str, dict[str, str]]:
    """Rows of parameters.csv by name: unit, dist, low, mode, high, min, max, source, description,
    source_vi (the source in Vietnamese: figures, file references and names as in `source`)."""
    text = resources.files("simulator").joinpath("parameters.csv").read_text(encoding="utf-8")
    return {row["name"]: row for row in csv.DictReader(text.splitlines())}


@cache
def _table_sources(lang: str) -> dict[str, str]:
    """parameters.csv's `source` texts → the same text in `lang` (the `source_<lang>` column
    where there is one: `source_vi`)."""
    return {row["source"]: in_lang(row, "source", lang) for row in parameter_table().values()}


def table_source(source: str, lang: str) -> str | None:
    """`source` in `lang` when it is one of parameters.csv's own (a default's source), else None:
    the scenario author's words, shown as written."""
    return _table_sources(lang).get(source)


def bounds(name: str) -> tuple[float, float]:
    row = parameter_table()[name]
    return float(row["min"]), float(row["max"])


@cache
def _param_adapter() -> TypeAdapter[Any]:
    """One validator of `Param` (building one costs its core schema: ~45 defaults per load)."""
    return TypeAdapter(Param)


def default_param(name: str) -> Distribution:
    """The default of a model parameter, with its source, as parameters.csv gives it."""
    row = parameter_table()[name]
    if row["dist"] == "fixed":
        spec: dict[str, Any] = {"dist": "fixed", "value": float(row["mode"])}
    else:
        spec = {"dist": row["dist"], **{k: float(row[k]) for k in ("low", "mode", "high")}}
    return _param_adapter().validate_python({**spec, "source": row["source"]})  # type: ignore[no-any-return]


def _p(name: str) -> Any:
    return param(*bounds(name))


def names_in_group(group: str) -> tuple[str, ...]:
    return tuple(n for n, row in parameter_table().items() if row["group"] == group)


def _optional_params(group: str) -> dict[str, Any]:
    """Field definitions for every parameter of a group: optional, documented from the CSV."""
    rows = parameter_table()
    return {
        n: (_p(n) | None, Field(None, description=f"{rows[n]['description']} ({rows[n]['unit']})"))
        for n in names_in_group(group)
    }


def _fill(model: BaseModel, names: tuple[str, ...]) -> None:
    for name in names:
        if getattr(model, name) is None:
            object.__setattr__(model, name, default_param(name))


ClusterParams = create_model(
    "ClusterParams", __base__=Base, __doc__=(
        "Per-cluster model parameters. Each is optional under a cluster's `params` and then "
        "takes the district's value. Each may be a number or a distribution."),
    **_optional_params("cluster"))
"""Per-cluster parameters (fields generated from the `cluster` rows of parameters.csv)."""

PARAMETER_NAMES: tuple[str, ...] = names_in_group("cluster")
DISTRICT_PARAMETER_NAMES: tuple[str, ...] = names_in_group("district")


class DistrictParams(create_model(  # type: ignore[misc]
        "_DistrictFields", __base__=ClusterParams, **_optional_params("district"))):
    """District-wide parameters: every per-cluster parameter (the default for all clusters)
    and the district-only ones. A missing one takes its default from parameters.csv."""

    @model_validator(mode="after")
    def _fill_defaults(self) -> DistrictParams:
        _fill(self, PARAMETER_NAMES + DISTRICT_PARAMETER_NAMES)
        return self


SECTOR_FIELDS = ("jobs_per_leased_ha", "firms_per_leased_ha", "revenue_bn_vnd_per_leased_ha")
DEFAULT_SECTORS: tuple[str, ...] = tuple(dict.fromkeys(n.split(".")[0] for n in names_in_group("sector")))


class SectorParams(Base):
    """What a leased hectare of one sector holds and earns."""

    jobs_per_leased_ha: _PerHaParam | None = None
    """Workers per leased hectare."""
    firms_per_leased_ha: _PerHaParam | None = None
    """Firms (or production households) per leased hectare."""
    revenue_bn_vnd_per_leased_ha: _PerHaParam | None = None
    """Firms' sales per leased hectare and year, billion VND."""


def _sectors_with_defaults(given: dict[str, SectorParams]) -> dict[str, SectorParams]:
    out = {}
    for name in dict.fromkeys([*DEFAULT_SECTORS, *given]):
        own = given.get(name, SectorParams())
        values = {}
        for f in SECTOR_FIELDS:
            v = getattr(own, f)
            if v is None and name not in DEFAULT_SECTORS:
                raise ValueError(f"all of {', '.join(SECTOR_FIELDS)} for the new sector "
                                 f"{name!r}; found no {f}")
            values[f] = v if v is not None else default_param(f"{name}.{f}")
        out[name] = SectorParams(**values)
    return out


def _default_land_use(key: str) -> float:
    return float(parameter_table()[f"land_use.{key}"]["mode"])


Share = Annotated[float, Field(ge=0, le=1)]


class LandUse(Base):
    """Shares of a cluster's gross area by use; they must add up to 1."""

    industrial: Share = Field(default_factory=lambda: _default_land_use("industrial"))
    """Leasable industrial plots."""
    roads: Share = Field(default_factory=lambda: _default_land_use("roads"))
    """Internal roads."""
    green: Share = Field(default_factory=lambda: _default_land_use("green"))
    """Green space, including the isolation strip."""
    technical: Share = Field(default_factory=lambda: _default_land_use("technical"))
    """Technical infrastructure: water, wastewater treatment, power."""
    services: Share = Field(default_factory=lambda: _default_land_use("services"))
    """Service land: warehousing, packaging, logistics, repair (Decree 32/2024 caps it at 10 %)."""

    @model_validator(mode="after")
    def _adds_up(self) -> LandUse:
        total = sum(self.model_dump().values())
        if abs(total - 1) > 1e-3:
            shown = ", ".join(f"{k} {v:g}" for k, v in self.model_dump().items())
            raise ValueError(f"shares adding up to 1; found {total:g} ({shown})")
        return self


def default_sector_mix(kind: str) -> dict[str, float]:
    rows = parameter_table()
    return {n.split(".")[-1]: float(rows[n]["mode"]) for n in names_in_group("sector_mix")
            if n.split(".")[1] == kind}


def _check_mix(mix: dict[str, float] | None) -> dict[str, float] | None:
    if mix is not None and abs(sum(mix.values()) - 1) > 1e-3:
        raise ValueError(f"sector shares adding up to 1; found {sum(mix.values()):g}")
    if mix is not None and any(v < 0 for v in mix.values()):
        raise ValueError("sector shares ≥ 0; found a negative share")
    return mix


class District(Base):
    """District-wide settings."""

    name: str = "Thường Tín"
    """Name of the district."""
    params: DistrictParams = Field(default_factory=DistrictParams)
    """Default model parameters for every cluster (each may be overridden per cluster) and the
    district-wide ones (demand, labour market, discount rate)."""
    takeup: Literal["competitive", "independent"] = "competitive"
    """How tenants arrive: `competitive` shares the district's yearly demand among clusters
    with vacant land by attractiveness; `independent` fills each cluster on its own logistic
    curve over `fill_years`."""
    land_use: LandUse = Field(default_factory=LandUse)
    """Default land budget of every cluster."""
    sectors: dict[str, SectorParams] = Field(default_factory=dict)
    """Sector densities (jobs, firms, revenue per leased ha); known sectors default from
    parameters.csv, a new sector must give all three."""

    @model_validator(mode="after")
    def _complete_sectors(self) -> District:
        object.__setattr__(self, "sectors", _sectors_with_defaults(self.sectors))
        return self


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
    area_ha: _AreaParam | None = None
    """Gross area of the phase in hectares (give this or `share`)."""
    share: _ShareParam | None = None
    """Share of the cluster's area in this phase (give this or `area_ha`)."""
    approval_year: Year
    """Year the phase is established/approved; site clearance starts this year."""
    clearance_years: _YearsParam
    """Years of site clearance (compensation, resettlement); farmland is converted over them."""
    construction_years: _YearsParam
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
    params: ClusterParams = Field(default_factory=ClusterParams)  # type: ignore[valid-type]
    """Overrides of the district parameters for this cluster."""
    land_use: LandUse | None = None
    """This cluster's land budget (default: the district's)."""
    sector_mix: Annotated[dict[str, float] | None, AfterValidator(_check_mix)] = None
    """Shares of leased area by sector, adding up to 1 (default by kind, parameters.csv)."""

    @model_validator(mode="after")
    def _phases_fit(self) -> Cluster:
        total = sum(
            (p.area_ha.central() if p.area_ha
             else cast(Distribution, p.share).central() * self.area_ha)
            for p in self.phases
        )
        if abs(total - self.area_ha) > self.area_ha * 1e-3:
            shares = all(p.share is not None for p in self.phases)
            found = (f"shares adding up to {total / self.area_ha:g}" if shares
                     else f"{total:g} ha")
            raise ValueError(
                f"phases adding up to the cluster's {self.area_ha:g} ha (shares adding up to 1); "
                f"found {found}")
        return self


class LayerRef(Base):
    """A planner's GIS file replacing a bundled layer (e.g. the district's cadastral communes)."""

    file: str
    """Any file GDAL reads, relative to the scenario file that names it."""
    layer: str | None = None
    """Layer of `file` (default: its first layer)."""
    crs: str | None = None
    """CRS when the file has none (e.g. EPSG:5897 = VN-2000 / TM-3 105°00′)."""
    id_field: str = "id"
    """Attribute holding the feature ids."""
    name_field: str = "name"
    """Attribute holding the names."""
    population_field: str | None = None
    """communes only: attribute with the population (required for the labour catchment)."""
    kind_field: str = "kind"
    """roads / water only: attribute with the kind (expressway, national, ring, provincial,
    railway, interchange / river, floodplain, dike)."""
    accuracy: Literal["surveyed", "digitised", "schematic"] = "surveyed"
    """How good the file's geometry is (shown on the map)."""


class GeodataLayers(Base):
    """Bundled layers to replace with the planner's own files."""

    district: LayerRef | None = None
    """The district outline."""
    communes: LayerRef | None = None
    """The (pre-2025) communes, with their population."""
    roads: LayerRef | None = None
    """Roads, railway and interchanges."""
    water: LayerRef | None = None
    """River, floodplain and dike."""


class Target(Base):
    """A planning target; the summary and report give the probability of meeting it."""

    metric: str
    """A metric of timeseries.csv, e.g. `jobs`, `occupancy_pct`, `npv_bn_vnd`."""
    year: Year
    """Year the target refers to."""
    at_least: float | None = None
    """Met when the value is at least this (give this or `at_most`)."""
    at_most: float | None = None
    """Met when the value is at most this."""
    cluster: str | None = None
    """A cluster id; default: the district total."""
    label: Text | None = None
    """How the report names the target, e.g. `27,000 cluster jobs by 2030`; or one text per
    language, `{vi: …, en: …}`."""
    source: str | None = None
    """Where the target comes from (a plan, a decision, a decree), shown in the report."""

    @model_validator(mode="after")
    def _one_bound(self) -> Target:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("exactly one of at_least, at_most")
        return self


class Correlation(Base):
    """A rank correlation between two uncertain parameters, named by where they are declared
    (e.g. `district.sectors.light_manufacturing.revenue_bn_vnd_per_leased_ha`)."""

    between: tuple[str, str]
    """The two parameter keys."""
    rho: float = Field(ge=-0.99, le=0.99)
    """Spearman rank correlation."""


class UncertaintySettings(Base):
    """How the Monte Carlo draws are made."""

    sampling: Literal["random", "lhs"] = "random"
    """`random` (plain Monte Carlo) or `lhs` (Latin hypercube, scipy.stats.qmc)."""
    correlations: list[Correlation] = Field(default_factory=list)
    """Rank correlations between parameters (Gaussian copula)."""


class Scenario(Base):
    """A planning scenario: which clusters, where, how big, when, and the economic assumptions."""

    id: Slug
    """Scenario id; results go to `results/<id>/`."""
    title: Text
    """One-line title shown on maps and reports: a text, or one per language,
    `{vi: …, en: …}` (a page shows its language's, else the other)."""
    description: Text = ""
    """What the scenario tests and why: a text, or `{vi: …, en: …}`."""
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
    targets: list[Target] = Field(default_factory=list)
    """Targets whose probability of being met is reported."""
    uncertainty: UncertaintySettings = Field(default_factory=UncertaintySettings)
    """Sampling method and rank correlations."""
    rules: RulesConfig = Field(default_factory=RulesConfig)
    """Rule checks: `off`, `thresholds`, `gating` (docs/rules.md)."""
    geodata: GeodataLayers = Field(default_factory=GeodataLayers)
    """Bundled layers replaced by the planner's own GIS files."""
    optimise: OptimiseConfig | None = None
    """The planning problem of `clustersim optimise`: decision variables, objective(s) and
    constraints (docs/optimise.md); `clustersim run` ignores it."""

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        if self.horizon_year < self.base_year:
            raise FieldError(("horizon_year",), f"horizon_year ≥ base_year {self.base_year}; "
                                                f"found {self.horizon_year}")
        seen: set[str] = set()
        for i, c in enumerate(self.clusters):
            if c.id in seen:
                raise FieldError(("clusters", i, "id"), f"an id no other cluster has; found {c.id!r} "
                                                        "again")
            seen.add(c.id)
        for i, t in enumerate(self.targets):
            if t.cluster is not None and t.cluster not in seen:
                raise FieldError(("targets", i, "cluster"), "a target cluster among the scenario's "
                                                            f"clusters; found {t.cluster!r}")
            if not (self.base_year <= t.year <= self.horizon_year):
                raise FieldError(("targets", i, "year"), f"a year within base_year–horizon_year "
                                 f"{self.base_year}–{self.horizon_year}; found {t.year}")
        for i, c in enumerate(self.clusters):
            unknown = set(c.sector_mix or {}) - set(self.district.sectors)
            if unknown:
                raise FieldError(("clusters", i, "sector_mix"), "sectors defined under "
                                 f"district.sectors ({', '.join(self.district.sectors)}); found "
                                 f"{', '.join(sorted(unknown))}")
        return self
