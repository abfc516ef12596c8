"""The scenario's `optimise:` section: which clusters to decide on, what to maximise, and
which constraints a plan must meet with what probability (`clustersim optimise`).

Checks that need only this section are validators here; those that need the rest of the
scenario or the results contract (cluster ids, years, metric names, contradictory bounds) are
`simulator.optimise.checks.check_optimise`, which gives each problem the file and line of the
offending field.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from simulator.scenario.wording import Text

__all__ = ["Decision", "Measure", "Objective", "MetricConstraint", "RuleConstraint",
           "SearchBudget", "OptimiseConfig", "RULE_CONSTRAINTS", "STAT_PATTERN", "CONSTRAINT_KINDS"]

Year = Annotated[int, Field(ge=1990, le=2100)]
Probability = Annotated[float, Field(gt=0, le=1)]
STAT_PATTERN = r"^(mean|p([1-9]|[1-9][0-9]))$"  # `mean` or a percentile p1–p99
Stat = Annotated[str, Field(pattern=STAT_PATTERN)]
# rules whose result depends on the plan's timing; the spatial rules depend on where, not when
RULE_CONSTRAINTS = ("cluster_size", "new_cluster_gate", "expansion_occupancy",
                    "expansion_infrastructure", "services_share", "land_structure", "rice_land")


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)  # as _Dist


class Decision(_Base):
    """One decision variable: when a listed cluster (or each of its phases) is approved."""

    cluster: str
    """Id of a cluster of the scenario."""
    years: tuple[Year, Year]
    """Window of approval years `[first, last]`, both included."""
    step: int = Field(default=1, ge=1, le=20)
    """Years between the options in the window (1: every year)."""
    not_built: bool = True
    """Whether "not built" is an option (the cluster, or a phase and the phases after it)."""
    per_phase: bool = False
    """Decide each phase's approval year on its own (later phases not before earlier ones);
    default: the first phase's year, the others keeping their offsets from it."""

    @model_validator(mode="after")
    def _window(self) -> Decision:
        if self.years[0] > self.years[1]:
            raise ValueError(f"a window [first, last] with first ≤ last; found an empty window "
                             f"[{self.years[0]}, {self.years[1]}]")
        return self

    def options(self) -> tuple[int | None, ...]:
        """The approval years in the window, then None (not built) when allowed."""
        years: tuple[int | None, ...] = tuple(range(self.years[0], self.years[1] + 1, self.step))
        return years + ((None,) if self.not_built else ())


class Measure(_Base):
    """A number per draw read from the results contract: a metric in one year, or summed,
    discounted, or its highest or lowest value over a range of years."""

    metric: str
    """Any metric of the results (timeseries.csv), e.g. `jobs`, `public_npv_bn_vnd`."""
    cluster: str | None = None
    """A cluster id; default: the district total."""
    over: Literal["year", "sum", "discounted", "max", "min"] = "year"
    """`year`: the value in `year`; `sum`/`discounted`: Σ over the years (discounted to the base
    year at `discount_rate`); `max`/`min`: the highest/lowest yearly value (e.g. capex per year)."""
    year: Year | None = None
    """The year, with `over: year` (required then)."""
    from_year: Year | None = None
    """First year of the range (default: the base year)."""
    to_year: Year | None = None
    """Last year of the range (default: the horizon year)."""
    discount_rate: float | None = Field(default=None, ge=0, le=1)
    """Rate of `over: discounted` (default: the central value of the district's discount rate)."""

    @model_validator(mode="after")
    def _when(self) -> Measure:
        if self.over == "year" and self.year is None:
            raise ValueError("a year with over: year (or over: sum|discounted|max|min); found none")
        if self.from_year is not None and self.to_year is not None and self.from_year > self.to_year:
            raise ValueError(f"from_year ≤ to_year; found an empty range {self.from_year}–{self.to_year}")
        return self

    def describe(self) -> str:
        where = f"{self.cluster}." if self.cluster else ""
        when = (f"{self.year}" if self.over == "year"
                else f"{self.over} {self.from_year or 'base'}–{self.to_year or 'horizon'}")
        return f"{where}{self.metric} ({when})"


class Objective(Measure):
    """What the plan should make as large (or small) as possible."""

    sense: Literal["maximise", "minimise"] = "maximise"
    """Which way is better."""
    stat: Stat = "mean"
    """Statistic over draws: `mean` or a percentile `pNN` (e.g. `p10` for a cautious plan)."""


class MetricConstraint(Measure):
    """A bound a plan must meet with at least a given probability over the draws."""

    at_least: float | None = None
    """Met in a draw when the value is at least this (give this or `at_most`)."""
    at_most: float | None = None
    """Met in a draw when the value is at most this."""
    probability: Probability = 0.5
    """Share of draws that must meet the bound."""
    label: Text | None = None
    """How outputs name the constraint: a text, or `{vi: …, en: …}`."""

    @model_validator(mode="after")
    def _one_bound(self) -> MetricConstraint:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("exactly one of at_least, at_most")
        return self


class RuleConstraint(_Base):
    """A rule of rules.yaml that every cluster must pass in at least `probability` of the
    draws (docs/rules.md), with the scenario's thresholds."""

    rule: Literal["cluster_size", "new_cluster_gate", "expansion_occupancy",
                  "expansion_infrastructure", "services_share", "land_structure", "rice_land"]
    """A rule whose result depends on the plan: the Decree 32 gates, size, land use, rice land."""
    probability: Probability = 1.0
    """Share of draws in which each cluster must pass (1: in every draw)."""


def _constraint_kind(value: Any) -> str | None:
    """Which constraint an item of `constraints:` is: a rule when it names one, else a metric
    bound (so a problem is reported against the one kind the planner wrote, not both)."""
    if isinstance(value, dict):
        return "rule constraint" if "rule" in value else "metric constraint"
    return next((kind for kind, model in CONSTRAINT_KINDS.items() if isinstance(value, model)), None)


# the tags `_constraint_kind` gives, and their models (pydantic puts a tag in an error's
# path; the located message leaves it out and lists the fields of its model)
CONSTRAINT_KINDS: dict[str, type[_Base]] = {"metric constraint": MetricConstraint,
                                            "rule constraint": RuleConstraint}
Constraint = Annotated[
    Annotated[MetricConstraint, Tag("metric constraint")]
    | Annotated[RuleConstraint, Tag("rule constraint")],
    Discriminator(_constraint_kind, custom_error_type="constraint_kind",
                  custom_error_message="a metric bound {metric: …, at_least|at_most: …, "
                                       "probability: …} or a rule {rule: …, probability: …}")]


class SearchBudget(_Base):
    """Limits of the search."""

    evaluations: int = Field(default=400, ge=1, le=100_000)
    """Most plans simulated (each on every draw)."""
    seconds: float = Field(default=600.0, gt=0)
    """Wall-clock limit; the best plan found so far is returned. A search stopped by it
    depends on the machine's speed: use `evaluations` for a reproducible recommendation."""
    candidates: int = Field(default=4, ge=1, le=50)
    """Plans the MILP proposes per round, simulated in full."""
    screen_draws: int = Field(default=250, ge=10)
    """The search compares plans on the first this many draws (all of them when the run has
    fewer); the best plans are then simulated again on every draw and the recommendation is
    the best of those."""
    confirm: int = Field(default=8, ge=1, le=100)
    """Plans simulated again on every draw after a screening search."""


class OptimiseConfig(_Base):
    """The planning problem `clustersim optimise` solves (docs/optimise.md)."""

    decisions: list[Decision] = Field(min_length=1)
    """The decision variables: clusters (or phases) and their windows of approval years."""
    objectives: list[Objective] = Field(min_length=1, max_length=2)
    """What to optimise; a second objective adds a Pareto front of the two."""
    constraints: list[Constraint] = Field(default_factory=list)
    """Metric bounds with a probability, and rules every cluster must pass."""
    budget: SearchBudget = Field(default_factory=SearchBudget)
    """How long the search may run."""
