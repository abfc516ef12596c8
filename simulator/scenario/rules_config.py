"""The scenario's `rules:` section: which rules run, with which thresholds, and how they gate.

Rule ids and threshold names are those of `simulator/rules/rules.yaml`; unknown ones are errors that
list the valid names.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from simulator.rules.book import known_thresholds as _known

__all__ = ["RulesConfig"]


class RulesConfig(BaseModel):
    """Switches and thresholds of the rule checks (`clustersim check`, checks.json)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)  # as _Dist

    off: list[str] = Field(default_factory=list)
    """Rule ids switched off, e.g. `[rice_land]`; the report lists them as off."""
    thresholds: dict[str, dict[str, float]] = Field(default_factory=dict)
    """Overrides of rule thresholds by rule id and name, e.g.
    `{sanitation_buffer: {class_general: 3}}`; the report marks each overridden value."""
    gating: Literal["report", "enforce"] = "report"
    """`report`: run every phase as planned and report the gate violations; `enforce`: a gated
    cluster (a new cluster or an expansion) waits until its Decree 32/2024 condition holds."""

    @field_validator("off")
    @classmethod
    def _known_rules(cls, off: list[str]) -> list[str]:
        known = [k for k in _known() if k != "engine"]
        bad = [r for r in off if r not in known]
        if bad:
            raise ValueError(f"rule ids from rules.yaml ({', '.join(known)}); "
                             f"found {', '.join(bad)}")
        return off

    @field_validator("thresholds")
    @classmethod
    def _known_thresholds(cls, given: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        known = _known()
        for rule, values in given.items():
            if rule not in known:
                raise ValueError(f"rule ids from rules.yaml ({', '.join(known)}); found {rule}")
            bad = [n for n in values if n not in known[rule]]
            if bad:
                raise ValueError(f"threshold names of {rule} ({', '.join(known[rule])}); "
                                 f"found {', '.join(bad)}")
        return given
