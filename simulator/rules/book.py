"""The rule book: `rules.yaml` read as data (rule ids, citations, severities, thresholds), with
each rule's words (title, short reference, fix) from `simulator.words.rules`.

Imports nothing of the simulator but its words, so the scenario layer (`scenario.rules_config`) can validate
rule ids and threshold names without loading the checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

from ruamel.yaml import YAML

from simulator.words.rules import RULE_WORDS

__all__ = ["Rule", "rule_table", "known_thresholds", "merged_thresholds", "EPS"]

EPS = 1e-9  # tolerance of every threshold comparison


@dataclass(frozen=True)
class Rule:
    id: str
    short: str
    title: dict[str, str]
    citation: str
    citation_vi: str  # the citation in Vietnamese (same figures and references)
    confidence: str
    severity: Literal["warn", "fail"]
    applies_from: int
    thresholds: dict[str, float]
    fix: str


@cache
def _yaml() -> dict[str, Any]:
    text = resources.files("simulator.rules").joinpath("rules.yaml").read_text(encoding="utf-8")
    return YAML(typ="safe").load(text)  # type: ignore[no-any-return]


@cache
def rule_table() -> dict[str, Rule]:
    """The rules of rules.yaml by id, in file order."""
    return {r["id"]: Rule(**{**r, **RULE_WORDS[r["id"]],
                             "thresholds": {k: float(v) for k, v in r["thresholds"].items()}})
            for r in _yaml()["rules"]}


def known_thresholds() -> dict[str, dict[str, float]]:
    """Default thresholds by rule id, plus the `engine` settings."""
    out = {"engine": {k: float(v) for k, v in _yaml()["engine"]["thresholds"].items()}}
    return out | {rid: dict(r.thresholds) for rid, r in rule_table().items()}


def merged_thresholds(overrides: Mapping[str, Mapping[str, float]] | None = None,
                      ) -> tuple[dict[str, dict[str, float]], dict[str, tuple[str, ...]]]:
    """rules.yaml thresholds with `overrides` (a scenario's `rules.thresholds`) applied, and
    by rule id the names of the thresholds whose value the overrides changed."""
    merged = known_thresholds()
    changed = {}
    for rule, values in (overrides or {}).items():
        merged[rule] = merged[rule] | {k: float(v) for k, v in values.items()}
        default = known_thresholds()[rule]
        changed[rule] = tuple(k for k, v in values.items() if float(v) != default[k])
    return merged, {k: v for k, v in changed.items() if v}
