"""The rule engine: each rule with a passing and a failing case, P(fail) with known answers,
switches and thresholds, the table, checks.json and the exit code."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from simulator.gating import gate_openings
from simulator.rules.book import rule_table
from simulator.rules.check_table import checks_json, exit_code, render_check_table
from simulator.rules.engine import check_all, checks
from simulator.scenario.rules_config import RulesConfig
from simulator.words.findings import msg, render
from simulator.words.rules import RULE_WORDS

from conftest import DATA
from rules_fixtures import cluster, fake_run, layers, results, scenario

LAYERS = layers()



def _openings(run: Any, config: RulesConfig | None = None) -> list[Any]:
    return gate_openings(run.loaded.scenario, run.results, config)

def found(run, rule: str, config: RulesConfig | None = None) -> dict[str, object]:
    """Findings of one rule by cluster id."""
    return {f.cluster: f for f in check_all(run, config, layers=LAYERS) if f.rule == rule}


def severities(run, rule: str, config: RulesConfig | None = None) -> dict[str, str]:
    return {k: f.severity for k, f in found(run, rule, config).items()}


# ---- rules as data ----------------------------------------------------------------------

def test_every_rule_has_a_check_a_citation_and_thresholds() -> None:
    assert list(checks()) == list(rule_table())
    assert set(RULE_WORDS) == set(rule_table())  # every rule has its words, and no other does
    for r in rule_table().values():
        assert r.citation and r.short and r.fix and r.thresholds, r.id
        assert r.title["en"] and r.title["vi"], r.id
        assert r.severity in ("warn", "fail")
        if r.confidence == "L":
            flags = ("verify", "unverified", "not found", "assumption")
            assert any(w in r.citation.lower() for w in flags), r.id


def test_docs_list_every_rule_with_its_thresholds() -> None:
    from conftest import ROOT

    doc = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    for r in rule_table().values():
        row = next((line for line in doc.splitlines() if line.startswith(f"| `{r.id}` |")), "")
        assert row, f"docs/rules.md has no row for {r.id}"
        for name, value in r.thresholds.items():
            assert f"`{name}` = {value:g}" in row, (r.id, name)


def test_config_rejects_unknown_rules_and_thresholds_listing_the_valid_ones() -> None:
    with pytest.raises(ValidationError, match="cluster_size.*found nope"):
        RulesConfig(off=["nope"])
    with pytest.raises(ValidationError, match=r"names of cluster_size \(min_ha.*found min"):
        RulesConfig(thresholds={"cluster_size": {"min": 3}})
    assert RulesConfig(thresholds={"engine": {"fail_at_probability": 0.9}}).gating == "report"


def test_switched_off_rule_is_reported_off_and_overrides_are_marked() -> None:
    run = fake_run(scenario(cluster("a", area=8)))
    cfg = RulesConfig(off=["cluster_size"], thresholds={"overlap": {"tolerance_ha": 1}})
    fs = check_all(run, cfg, layers=LAYERS)
    assert [(f.cluster, f.severity) for f in fs if f.rule == "cluster_size"] == [("all", "off")]
    assert all(f.overridden == ("tolerance_ha",) for f in fs if f.rule == "overlap")
    assert "overlap.tolerance_ha" in render_check_table(fs)


# ---- area and land use --------------------------------------------------------------------

def test_cluster_size_bounds_craft_village_and_expansion_total() -> None:
    s = scenario(cluster("ok", area=20), cluster("small", area=8, at=(2000, 3000)),
                 cluster("craft", area=6, kind="craft_village", at=(3000, 2000)),
                 cluster("big", area=60, at=(3000, 3500), year=2021),
                 cluster("big2", area=20, expands="big", year=2024, at=(3000, 4400)))
    sev = severities(fake_run(s), "cluster_size")
    assert sev == {"ok": "pass", "small": "fail", "craft": "pass", "big": "pass", "big2": "fail"}
    message = found(fake_run(s), "cluster_size")["big2"].message
    assert "80 ha after expansion (big 60 + big2 20)" in message
    relaxed = RulesConfig(thresholds={"cluster_size": {"min_ha": 5, "max_ha": 80}})
    assert set(severities(fake_run(s), "cluster_size", relaxed).values()) == {"pass"}


def _with(s, cid: str, **attrs):
    return s.model_copy(update={"clusters": [c.model_copy(update=attrs) if c.id == cid else c
                                             for c in s.clusters]})


def _land_use(**shares: float) -> SimpleNamespace:
    base = {"industrial": 0.65, "roads": 0.13, "green": 0.12, "technical": 0.03, "services": 0.07}
    return SimpleNamespace(model_dump=lambda: base | shares)


def test_services_share_cap() -> None:
    s = scenario(cluster("a", year=2025), cluster("b", year=2025, at=(3000, 3000)))
    s = _with(s, "a", land_use=_land_use(services=0.10))
    s = _with(s, "b", land_use=_land_use(services=0.2))
    f = found(fake_run(s), "services_share")
    assert (f["a"].severity, f["b"].severity) == ("pass", "fail")
    assert "20 %" in f["b"].message


def test_land_structure_minimums() -> None:
    s = scenario(cluster("a", year=2025), cluster("b", year=2025, at=(3000, 3000)))
    s = _with(s, "a", land_use=_land_use())
    s = _with(s, "b", land_use=_land_use(green=0.05, industrial=0.72))
    assert severities(fake_run(s), "land_structure") == {"a": "pass", "b": "fail"}


def test_green_strip_and_plot_coverage_are_na_without_data_and_checked_with_it() -> None:
    s = scenario(cluster("a", year=2025), cluster("b", year=2025, at=(3000, 3000)))
    assert severities(fake_run(s), "green_strip") == {"all": "n/a"}
    s = _with(s, "a", green_strip_m=12, plot_coverage=0.6)
    s = _with(s, "b", green_strip_m=5, plot_coverage=0.8)
    assert severities(fake_run(s), "green_strip") == {"a": "pass", "b": "fail"}
    assert severities(fake_run(s), "plot_coverage") == {"a": "pass", "b": "fail"}


def test_rice_land_probability_and_first_year() -> None:
    s = scenario(cluster("a", year=2022), cluster("b", year=2024, at=(3000, 3000)))
    years = np.arange(2020, 2031)
    per_draw = np.array([150.0, 190.0, 210.0, 250.0])  # each cluster converts half from its year
    grow = np.clip(years - 2023, 0, 5) / 5  # 0 until 2023, full from 2028
    rice = np.stack([per_draw[:, None] / 2 * grow[None, :]] * 2, axis=1)
    f = found(fake_run(s, results(s, 4, rice_land_converted_ha=rice)), "rice_land")["district"]
    assert f.p_fail == pytest.approx(0.5)
    assert f.severity == "warn"  # a warn rule never fails
    assert f.year == 2028  # in 2027 the worst draw is at 250 × 4/5 = 200, not above the cap
    assert f.p_fail_by_year[2028] == pytest.approx(0.5)


# ---- occupancy gates (hand-made results with known answers) -----------------------------------

def _gate_case(occupancy_pct: np.ndarray, leasable: float = 300.0):
    """Existing cluster `old` (open from 2021, `leasable` ha) and a new cluster approved 2025."""
    s = scenario(cluster("old", year=2015), cluster("new", year=2025, at=(3000, 3000)))
    n = len(occupancy_pct)
    shape = (n, 2, 11)
    leasable_a = np.zeros(shape)
    leasable_a[:, 0, 1:] = leasable
    leased = leasable_a * (occupancy_pct[:, None, None] / 100)
    return fake_run(s, results(s, n, leasable_area_ha=leasable_a, leased_area_ha=leased,
                               gross_area_ha=leasable_a / 0.65))


def test_new_cluster_gate_fails_in_exactly_the_draws_below_the_threshold() -> None:
    run = _gate_case(np.arange(10, 101, 10.0))  # 10 … 100 %: 10–50 % fail (> 50 % needed)
    f = found(run, "new_cluster_gate")["new"]
    assert f.p_fail == pytest.approx(0.5) and f.severity == "fail" and f.year == 2025
    assert found(run, "new_cluster_gate")["old"].severity == "n/a"  # approved before 2020
    warn = RulesConfig(thresholds={"engine": {"fail_at_probability": 0.6}})
    assert found(run, "new_cluster_gate", warn)["new"].severity == "warn"


def test_new_cluster_gate_passes_when_little_land_is_unleased() -> None:
    run = _gate_case(np.arange(10, 101, 10.0), leasable=100.0)  # ≤ 100 ha unleased always
    assert found(run, "new_cluster_gate")["new"].severity == "pass"


def _expansion_case(parent_occupancy: float, parent_opens: int):
    s = scenario(cluster("p", year=2020), cluster("e", year=2025, expands="p", at=(2448, 2000)))
    shape = (1, 2, 11)
    gross = np.zeros(shape)
    gross[:, 0, :] = 20.0
    leasable = np.zeros(shape)
    leasable[:, 0, parent_opens - 2020:] = 13.0
    return fake_run(s, results(s, 1, gross_area_ha=gross, leasable_area_ha=leasable,
                               leased_area_ha=leasable * parent_occupancy))


def test_expansion_occupancy_threshold() -> None:
    assert severities(_expansion_case(0.7, 2022), "expansion_occupancy") == {"e": "pass"}
    f = found(_expansion_case(0.4, 2022), "expansion_occupancy")["e"]
    assert f.severity == "fail" and "40 % occupied" in f.message


def test_expansion_infrastructure_must_be_finished() -> None:
    assert severities(_expansion_case(1.0, 2024), "expansion_infrastructure") == {"e": "pass"}
    f = found(_expansion_case(1.0, 2027), "expansion_infrastructure")["e"]
    assert f.severity == "fail" and "first holds in 2027" in f.message


def test_gate_opening_is_the_first_year_the_condition_holds() -> None:
    [g] = [g for g in _openings(_expansion_case(1.0, 2027)) if g.cluster == "e"]
    assert (g.cluster, g.planned_year, g.opening_year.tolist()) == ("e", 2025, [2027.0])
    assert g.summary()["delay_years"]["p50"] == 2


# ---- spatial rules on the synthetic district ----------------------------------------------

def test_spatial_rules_pass_and_fail() -> None:
    s = scenario(cluster("good", at=(2000, 2000)),
                 cluster("overlapping", at=(2200, 2200)),
                 cluster("outside", at=(5800, -300)),
                 cluster("on_river", at=(5300, 3000)),
                 cluster("at_dike", at=(4600, 3000)),
                 cluster("near_village", at=(1000, 4000)),
                 cluster("by_the_road", at=(320, 2500)))
    fs = [f for f in check_all(fake_run(s), layers=LAYERS) if f.severity in ("fail", "warn")]
    bad = {(f.rule, f.cluster) for f in fs}
    assert {("overlap", "good"), ("overlap", "overlapping"), ("inside_district", "outside"),
            ("river", "on_river"), ("dike_corridor", "at_dike"),
            ("sanitation_buffer", "near_village"), ("transport_corridor", "by_the_road")} <= bad
    assert not any(c == "good" for r, c in bad if r != "overlap")
    assert next(f for f in fs if f.rule == "transport_corridor").severity == "warn"


def test_sanitation_buffer_depends_on_the_hazard_class() -> None:
    # village disc r ≈ 504.6 m around (1000, 5000); a 20 ha square whose top edge is 80 m below it
    at = (800.0, 5000 - 504.6 - 80 - 447.2)
    general = fake_run(scenario(cluster("g", at=at)))
    craft = fake_run(scenario(cluster("c", kind="craft_village", at=at)))
    assert "80 m from residential" in found(general, "sanitation_buffer")["g"].message
    assert severities(general, "sanitation_buffer") == {"g": "fail"}  # class IV: 100 m
    assert severities(craft, "sanitation_buffer") == {"c": "pass"}  # class V: 50 m
    strict = RulesConfig(thresholds={"sanitation_buffer": {"class_craft_village": 3}})
    assert severities(craft, "sanitation_buffer", strict) == {"c": "fail"}  # class III: 300 m


def test_schematic_outlines_soften_spatial_failures_to_warnings() -> None:
    s = scenario(cluster("on_river", at=(5300, 3000)))
    f = found(fake_run(s, accuracy="schematic"), "river")["on_river"]
    assert f.severity == "warn" and "schematic" in f.message


def test_spatial_rules_are_na_without_layers(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulator import constraints

    def missing():
        raise FileNotFoundError("no geopackage")

    monkeypatch.setattr(constraints, "load_layers", missing)
    fs = check_all(fake_run(scenario(cluster("a"))))
    river = [f for f in fs if f.rule == "river"]
    assert [(f.cluster, f.severity) for f in river] == [("all", "n/a")]
    assert "no geopackage" in river[0].message


# ---- output ---------------------------------------------------------------------------------

def test_table_json_and_exit_code() -> None:
    s = scenario(cluster("a", area=8, year=2025))
    fs = check_all(fake_run(s), layers=LAYERS)
    text = render_check_table(fs)
    assert "FAIL  cluster_size" in text and "2025" in text and "100 %" in text
    assert "fix: resize the cluster" in text and "Decree 32/2024/NĐ-CP" in text
    assert "KHÔNG ĐẠT" in render_check_table(fs, "vi")
    doc = json.loads(json.dumps(checks_json(fs, [])))
    assert doc["exit_code"] == 3 and doc["summary"]["fail"] == 1
    size = next(f for f in doc["findings"] if f["rule"] == "cluster_size")
    assert size["key"] == "cluster_size" and size["params"]["low"] == 10
    assert size["message"] == "8 ha; a general cluster needs 10–75 ha"
    assert exit_code(fs) == 3
    assert exit_code([f for f in fs if f.severity != "fail"]) == 0


def test_checks_json_lists_every_field_as_asdict_would() -> None:
    """Each finding in checks.json: its fields in order as `dataclasses.asdict` gives them
    (years as text keys, the overridden names as a list, the rule's title added)."""
    from dataclasses import asdict

    s = scenario(cluster("a", area=8, year=2025), cluster("b", area=30, year=2030))
    fs = check_all(fake_run(s), layers=LAYERS)
    got = checks_json(fs, [])["findings"]
    assert len(got) == len(fs) > 10
    for f, row in zip(fs, got):
        want = asdict(f) | {"p_fail_by_year": {str(y): p for y, p in f.p_fail_by_year.items()},
                            "overridden": list(f.overridden), "title": row["title"]}
        assert json.dumps(row) == json.dumps(want) and list(row) == [*want]


def test_findings_speak_the_page_language() -> None:
    """Messages and remedies are templates: Vietnamese words and Vietnamese decimals."""
    s = scenario(cluster("a", area=8, year=2025))
    f = next(f for f in check_all(fake_run(s), layers=LAYERS) if f.rule == "cluster_size")
    assert f.text("vi") == "8 ha; CCN thông thường cần 10–75 ha" and f.text() == f.message
    assert f.fix_text("vi").startswith("điều chỉnh diện tích")
    vi = render_check_table([f], "vi")
    assert "cách xử lý: điều chỉnh diện tích" in vi and "CCN thông thường" in vi
    m = msg("river", area=1234.56)
    assert render(m, "vi") == "1.234,6 ha của ranh giới nằm trên lòng sông hoặc bãi sông"
    assert render(m) == "1,234.6 ha of the outline lies on the river or its floodplain"
    q = msg("opening.partly", year=[2027.0, 2030.0, 2041.0], never=0.25)
    assert render(q) == ("the condition first holds in 2030 (P10 2027, P90 2041); never "
                         "within the simulated years in 25 % of draws")
    assert render(msg("rice_land", total=[1500.0] * 3, start=2023, end=2045, cap=200.5),
                  "vi").startswith("1.500 ha đất lúa") and "200,5 ha" in render(
        msg("rice_land", total=[1.0] * 3, start=2023, end=2045, cap=200.5), "vi")



def test_unreadable_layers_give_a_vietnamese_reason_and_keep_the_detail_apart(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The vi message says why in Vietnamese; the exception's English text is only in the
    finding's `error` parameter (checks.json) and the English message."""
    from simulator import constraints as sc

    def broken(*_: Any) -> Any:
        raise FileNotFoundError("No such file or directory: '/x/thuong_tin.gpkg'")

    monkeypatch.setattr(sc, "build_constraints", broken)
    fs = check_all(fake_run(scenario(cluster("a", area=20, year=2025))), layers=LAYERS)
    f = next(f for f in fs if f.rule == "inside_district")
    assert f.severity == "n/a"
    assert f.text("vi") == ("không đọc được các lớp bản đồ của huyện (thiếu tệp hoặc lớp dữ liệu);"
                            " chi tiết kỹ thuật trong tệp checks.json")
    assert "No such file" in f.text("en") and "a file or layer is missing" in f.text("en")
    row = next(r for r in json.loads(json.dumps(checks_json(fs, [])))["findings"]
               if r["rule"] == "inside_district")
    assert row["params"]["error"] == ("FileNotFoundError: No such file or directory: "
                                      "'/x/thuong_tin.gpkg'")


# ---- through the real model -----------------------------------------------------------------

def test_mini_scenario_checks_run_end_to_end() -> None:
    from simulator.run import run_file

    run = run_file(DATA / "mini.yaml", draws=20)
    fs = check_all(run)
    by = {(f.rule, f.cluster): f.severity for f in fs}
    assert by[("cluster_size", "alpha")] == "pass" and by[("inside_district", "beta")] == "pass"
    assert exit_code(fs) in (0, 3)


def test_p_fail_of_the_infrastructure_gate_with_a_uniform_clearance(write) -> None:
    """Parent cleared over c ~ U(0, 4) years from 2020 and built at once: it is open in 2022
    iff c < 3, so an expansion approved in 2022 fails in P(c ≥ 3) = 1/4 of the draws."""
    from simulator.run import run_file

    text = (DATA / "mini.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "{share: 1.0, approval_year: 2020, clearance_years: 1, construction_years: 2}",
        "{share: 1.0, approval_year: 2020, clearance_years: {dist: uniform, low: 0, high: 4}, "
        "construction_years: 0}")
    text = text.replace("    status: proposed\n", "    status: proposed\n    expands: alpha\n", 1)
    text = text.replace("{area_ha: 4, approval_year: 2024,", "{area_ha: 4, approval_year: 2022,")
    assert text.count("uniform") == 1 and "expands: alpha" in text and "approval_year: 2022" in text
    run = run_file(write("gate.yaml", text), draws=4000)
    f = found(run, "expansion_infrastructure")["beta"]
    assert f.p_fail == pytest.approx(0.25, abs=0.03)
    assert f.severity == "warn"  # below the 50 % at which a rule is reported as fail
    only_built = RulesConfig(off=["expansion_occupancy"])  # occupancy depends on the take-up model
    [g] = [g for g in _openings(run, only_built) if g.cluster == "beta"]
    assert g.rules == ("expansion_infrastructure",)
    assert g.summary()["p_on_time"] == pytest.approx(0.75, abs=0.03)
