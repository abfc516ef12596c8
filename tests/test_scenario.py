"""Scenario files: the bundled ones, inheritance, and located error messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.errors import ScenarioError
from simulator.scenario.load import load_scenario

from conftest import ROOT

SCENARIOS = ROOT / "scenarios"


def problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    return [str(p) for p in e.value.problems]


def test_bundled_scenarios_have_the_sourced_areas() -> None:
    base = load_scenario(SCENARIOS / "baseline.yaml").scenario
    assert len(base.clusters) == 11
    assert sum(c.area_ha for c in base.clusters) == pytest.approx(195.0, abs=0.01)
    named = {"quat_dong": 23.6, "quat_dong_mo_rong": 43.0, "ha_binh_phuong": 41.6,
             "lien_phuong": 18.8, "duyen_thai": 18.4}
    assert {c.id: c.area_ha for c in base.clusters if c.id in named} == named
    assert all(c.inferred for c in base.clusters if c.id not in named)
    exp = load_scenario(SCENARIOS / "expansion.yaml")
    areas = {c.id: c.area_ha for c in exp.scenario.clusters}
    assert [areas[k] for k in ("tin_an", "phu_van", "thong_nhat", "van_ninh", "nhat_hieu")] == [74, 73, 65, 45, 34]
    assert [Path(p).name for p in exp.chain] == ["expansion.yaml", "approved.yaml", "baseline.yaml"]


def test_every_cluster_and_phase_has_a_source() -> None:
    for name in ("baseline", "approved", "expansion"):
        for c in load_scenario(SCENARIOS / f"{name}.yaml").scenario.clusters:
            assert c.source.strip(), c.id
            assert all(p.source for p in c.phases), c.id


def test_extends_add_remove_modify(write) -> None:
    parent = (ROOT / "tests/data/mini.yaml").read_text(encoding="utf-8")
    write("parent.yaml", parent)
    child = write("child.yaml", """
extends: parent.yaml
id: child
title: Child
remove_clusters: [beta]
modify_clusters:
  alpha: {area_ha: 12, phases: [{share: 1.0, approval_year: 2021, clearance_years: 2, construction_years: 1}]}
district: {params: {fill_years: 5}}
clusters:
  - {id: gamma, name: G, commune: x, status: proposed, source: t, area_ha: 3,
     geometry: {inline: "POLYGON ((105.86 20.84, 105.861 20.84, 105.861 20.841, 105.86 20.84))"},
     phases: [{share: 1, approval_year: 2025, clearance_years: 1, construction_years: 1}]}
""")
    s = load_scenario(child).scenario
    assert [c.id for c in s.clusters] == ["alpha", "gamma"]
    assert s.clusters[0].area_ha == 12 and s.clusters[0].phases[0].approval_year == 2021
    assert s.clusters[0].name == "CCN Alpha"  # untouched keys are inherited
    assert s.district.params.fill_years.central() == 5
    assert s.district.params.demand_ha_per_year.central() == 3  # inherited from the parent
    assert s.seed == 7


def test_error_lines_point_into_the_file_that_set_the_value(write) -> None:
    write("parent.yaml", (ROOT / "tests/data/mini.yaml").read_text(encoding="utf-8"))
    child = write("child.yaml", "extends: parent.yaml\nid: c\ntitle: C\nmodify_clusters:\n  beta:\n    area_ha: -3\n")
    (msg,) = problems(child)
    assert msg.startswith(f"{child}:6: clusters[beta].area_ha: expected a number greater than 0, found -3")


def test_unknown_field_suggests_the_right_one(mini) -> None:
    mini.write_text(mini.read_text().replace("horizon_year: 2030", "horizon_yeer: 2030"))
    msgs = problems(mini)
    assert any(m.startswith(f"{mini}:6: horizon_yeer: expected a known field (did you mean 'horizon_year'?)") for m in msgs)
    assert any("horizon_year: expected a value (this field is required)" in m for m in msgs)


def test_wrong_type_and_bad_distribution(mini) -> None:
    text = mini.read_text().replace("seed: 7", "seed: seven").replace(
        "fill_years: 2", "fill_years: {dist: triangular, low: 3, mode: 2, high: 4}")
    mini.write_text(text)
    msgs = problems(mini)
    assert f"{mini}:7: seed: expected a valid integer, unable to parse string as an integer, found 'seven'" in msgs
    assert f"{mini}:13: district.params.fill_years: expected low ≤ mode ≤ high with low < high, found low 3, mode 2, high 4" in msgs


def test_yaml_syntax_error_has_its_line(mini) -> None:
    mini.write_text(mini.read_text().replace("seed: 7", "seed: [7"))
    (msg,) = problems(mini)
    assert msg.startswith(f"{mini}:") and "expected valid YAML" in msg


def test_missing_parent_and_cycle(write) -> None:
    orphan = write("orphan.yaml", "extends: nowhere.yaml\nid: o\n")
    assert problems(orphan) == [f"{orphan}:1: extends: expected an existing parent scenario file, "
                                "found nowhere.yaml (no such file next to orphan.yaml)"]
    write("a.yaml", "extends: b.yaml\nid: a\n")
    b = write("b.yaml", "extends: a.yaml\nid: b\n")
    (msg,) = problems(b)
    assert "expected no cycle of extends, found b.yaml → a.yaml → b.yaml" in msg


def test_duplicate_cluster_id_from_child_is_an_error(write) -> None:
    write("parent.yaml", (ROOT / "tests/data/mini.yaml").read_text(encoding="utf-8"))
    child = write("child.yaml", "extends: parent.yaml\nid: c\ntitle: C\nclusters:\n  - {id: alpha}\n")
    (msg,) = problems(child)
    assert msg.startswith(f"{child}:5: clusters[0].id: expected a new cluster id (use modify_clusters")


def test_child_clusters_not_a_list_is_a_located_error(write) -> None:
    """A child's `clusters` adds new clusters (a list); a mapping of the parent's ids (meant as
    `modify_clusters`) or a scalar is named at its line, not an internal error."""
    write("parent.yaml", (ROOT / "tests/data/mini.yaml").read_text(encoding="utf-8"))
    mapping = write("m.yaml", "extends: parent.yaml\nid: c\nclusters:\n  alpha: {area_ha: -5}\n")
    assert problems(mapping) == [
        f"{mapping}:3: clusters: expected a list of new clusters (to change the parent's "
        "clusters: modify_clusters: {id: {field: value}}), found a mapping of alpha"]
    scalar = write("s.yaml", "extends: parent.yaml\nid: c\nclusters: 5\n")
    assert problems(scalar) == [f"{scalar}:3: clusters: expected a list of new clusters, found 5"]


@pytest.mark.parametrize("line, expected", [
    ("remove_clusters: {alpha: 1}", ":3: remove_clusters: expected a cluster id or a list of ids, "
                                    "found a mapping of alpha"),
    ("remove_clusters: 5", ":3: remove_clusters: expected a cluster id or a list of ids, found 5"),
    ("remove_clusters: [{a: 1}]", ":3: remove_clusters: expected a cluster id of the parent, "
                                  "found a mapping of a (parent has alpha, beta)"),
    ("clusters:\n  - 5", ":4: clusters[0]: expected a mapping of cluster fields, found 5"),
    ("modify_clusters: [alpha]", ":3: modify_clusters: expected a mapping of cluster id → fields, "
                                 "found ['alpha']"),
])
def test_child_cluster_edits_of_the_wrong_shape_are_located_errors(write, line, expected) -> None:
    """`remove_clusters` (an id or a list of ids), `clusters` items (mappings) and
    `modify_clusters` (a mapping) of another shape: one located line in the child's file, not an
    internal error (a mapping or a number in remove_clusters was a TypeError) nor a line in the
    parent's file (a scalar cluster was reported there)."""
    write("parent.yaml", (ROOT / "tests/data/mini.yaml").read_text(encoding="utf-8"))
    child = write("c.yaml", f"extends: parent.yaml\nid: c\n{line}\n")
    assert problems(child) == [f"{child}{expected}"]


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_a_distribution_parameter_must_be_finite(mini, value) -> None:
    """NaN passes every order check (its comparisons are false) and would fill the draws with
    NaN; infinities likewise make no draws. Refused where written."""
    text = mini.read_text()
    assert "fill_years: 2" in text
    mini.write_text(text.replace("fill_years: 2", f"fill_years: {{dist: triangular, low: {value}, "
                                                  "mode: 2, high: 4}"))
    (msg,) = problems(mini)
    assert msg.startswith(f"{mini}:13: district.params.fill_years.low: expected a finite number")


def test_empty_cluster_list(write) -> None:
    path = write("e.yaml", "id: e\ntitle: E\nbase_year: 2023\nhorizon_year: 2030\nseed: 1\n"
                           "draws: 1\nclusters: []\n")
    assert problems(path) == [f"{path}:7: clusters: expected at least 1 item, found []"]


def test_yaml_merge_keys_load_and_errors_point_at_the_anchor(write) -> None:
    """`<<: *anchor` (as the bundled targets use) merges keys; a bad merged value is reported
    at the line where the anchored mapping writes it."""
    parent = (ROOT / "tests/data/mini.yaml").read_text(encoding="utf-8")
    write("parent.yaml", parent)
    good = write("good.yaml", """extends: parent.yaml
id: merged
targets:
  - &t
    metric: jobs
    year: 2030
    at_least: 100
  - <<: *t
    at_least: 200
""")
    s = load_scenario(good).scenario
    assert [(t.metric, t.year, t.at_least) for t in s.targets] == [("jobs", 2030, 100), ("jobs", 2030, 200)]
    bad = write("bad.yaml", """extends: parent.yaml
id: merged
targets:
  - &t
    metric: jobs
    year: twenty
    at_least: 100
  - <<: *t
    at_least: 200
""")
    found = problems(bad)
    assert [f.split(": expected")[0] for f in found] == [f"{bad}:6: targets[0].year",
                                                         f"{bad}:6: targets[1].year"]


def test_author_text_per_language_is_validated_with_located_errors(write) -> None:
    """title, description and target labels: a text or {vi, en}; a wrong language key, an
    empty or non-text entry is one located line each."""
    write("parent.yaml", (ROOT / "tests/data/mini.yaml").read_text(encoding="utf-8"))
    bad = write("bad.yaml", "extends: parent.yaml\nid: b\ntitle: {vi: Thử, de: Test}\n"
                "description:\n  vi: ''\ntargets:\n"
                "  - {metric: jobs, year: 2025, at_least: 1, label: {en: 5}}\n")
    assert problems(bad) == [
        f"{bad}:3: title: expected a text, or {{vi: text, en: text}}, found the language key(s) de",
        f"{bad}:4: description: expected a text, or {{vi: text, en: text}} with non-empty texts, "
        "found an empty or non-text vi",
        f"{bad}:7: targets[0].label: expected a text, or {{vi: text, en: text}} with non-empty "
        "texts, found an empty or non-text en"]
    good = write("good.yaml", "extends: parent.yaml\nid: g\ntitle: {vi: Thử, en: Trial}\n"
                 "description: {en: Only English}\n")
    s = load_scenario(good).scenario
    from simulator.scenario.wording import local, local_lang

    assert (local(s.title, "vi"), local(s.title, "en")) == ("Thử", "Trial")
    assert local(s.description, "vi") == "Only English" and local_lang(s.description, "vi") == "en"
    assert local_lang(s.title, "vi") == "vi" and local_lang("plain", "vi") == ""
