"""Generated documentation stays in sync with the schema."""

from __future__ import annotations

import re

from simulator.scenario.reference import json_schema, reference_markdown

from conftest import ROOT


def test_scenario_reference_is_up_to_date() -> None:
    committed = (ROOT / "docs/scenario-reference.md").read_text(encoding="utf-8")
    assert committed == reference_markdown(), "run: python -m simulator.scenario.reference"


def test_json_schema_is_up_to_date() -> None:
    committed = (ROOT / "docs/scenario.schema.json").read_text(encoding="utf-8")
    assert committed == json_schema(), "run: python -m simulator.scenario.reference"


def test_every_parameter_is_documented_with_a_source() -> None:
    from simulator.scenario.schema import (
        DISTRICT_PARAMETER_NAMES, PARAMETER_NAMES, ClusterParams, DistrictParams, parameter_table,
    )

    table = parameter_table()
    assert set(ClusterParams.model_fields) == set(PARAMETER_NAMES)
    assert set(DistrictParams.model_fields) == set(PARAMETER_NAMES + DISTRICT_PARAMETER_NAMES)
    for name, row in table.items():
        assert row["source"].strip(), name
        uncertain = row["group"] in ("cluster", "district", "sector")
        if row["source"].startswith("assumption") and uncertain and row["dist"] != "fixed":
            assert row["low"] and row["high"], f"{name}: an assumption needs a range"


def _output_table() -> str:
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    return text.split("Where each output is computed", 1)[1].split("\n## ", 1)[0]


def test_every_output_metric_is_in_the_model_table() -> None:
    """docs/model.md's table names every metric of the results."""
    from simulator.results import COMMUNE_METRICS, DISTRICT_METRICS, METRICS

    named = set(re.findall(r"`([a-z_<>]+)`", _output_table()))
    missing = [m for m in (*METRICS, *DISTRICT_METRICS, *COMMUNE_METRICS) if m not in named]
    assert missing == []


def test_every_function_of_the_model_table_exists() -> None:
    """Each `module.function` (or `Class.method`) the table names is in the package."""
    import importlib

    classes = {"Results": "results", "ClusterDraws": "results", "GateOpening": "gating"}
    refs = set(re.findall(r"`([A-Za-z_]+(?:\.[A-Za-z_]+)+)`", _output_table()))
    assert len(refs) > 30
    missing = []
    for ref in sorted(refs):
        parts = ref.split(".")
        if parts[0] in classes:
            parts = [classes[parts[0]], *parts]
        for cut in range(len(parts) - 1, 0, -1):  # the longest importable module prefix
            try:
                obj: object = importlib.import_module("simulator." + ".".join(parts[:cut]))
            except ModuleNotFoundError:
                continue
            for name in parts[cut:]:
                obj = getattr(obj, name, None)
            if obj is None:
                missing.append(ref)
            break
        else:
            missing.append(ref)
    assert missing == []


def test_the_reference_points_to_sections_that_exist() -> None:
    """No bare "see below": every model a default points to has its own section."""
    text = reference_markdown()
    assert "(see below)" not in text
    sections = set(re.findall(r"^## (\w+)", text, re.M))
    for name in re.findall(r"\(see \[(\w+)\]\(#(\w+)\)\)", text):
        assert name[0] in sections and name[1] == name[0].lower(), name
    for name in ("Target", "UncertaintySettings", "RulesConfig", "GeodataLayers", "LayerRef"):
        assert name in sections


def test_project_license_is_an_spdx_string() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "MIT"
    assert "setuptools>=77" in project["build-system"]["requires"]
