"""Generated documentation stays in sync with the schema."""

from __future__ import annotations

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
