"""clustersim optimise: on small problems the search returns the optimum exhaustive enumeration
finds (with fewer simulations than plans), including where the greedy answer is wrong; bad
problems get one located line and exit 2; the best plan is an ordinary scenario file."""

from __future__ import annotations

import itertools

import pytest

from simulator.optimise.plans import Evaluation, Plan
from simulator.optimise.search import rank_key
from simulator.optimise.solve import problem_evaluator, solve
from simulator.run import run_file

# One operating cluster and three proposed ones (10 ha each unless a test says otherwise; about
# a year to clear, one to build), competing for about 3 ha of demand a year; demand and
# clearance are uncertain, so the plans are compared on common random numbers.
SMALL = """
id: small
title: small
base_year: 2022
horizon_year: 2034
seed: 11
draws: 40
district:
  land_use: {industrial: 0.6, roads: 0.15, green: 0.15, technical: 0.05, services: 0.05}
  params:
    max_occupancy: 1.0
    fill_years: 2
    farmland_share: 0.5
    rice_share: 0.8
    demand_ha_per_year: {dist: triangular, low: 2, mode: 3, high: 4.5}
    demand_growth: 0.03
    discount_rate: 0.1
  sectors:
    light_manufacturing: {jobs_per_leased_ha: 100, firms_per_leased_ha: 5, revenue_bn_vnd_per_leased_ha: 50}
clusters:
  - id: alpha
    name: CCN Alpha
    commune: Quất Động
    status: operating
    geometry: {inline: "POLYGON ((105.870 20.840, 105.873 20.840, 105.873 20.8429, 105.870 20.8429, 105.870 20.840))"}
    area_ha: 10
    source: test
    sector_mix: {light_manufacturing: 1.0}
    phases: [{share: 1.0, approval_year: 2019, clearance_years: 1, construction_years: 1}]
  - &proposed
    id: beta
    name: CCN Beta
    commune: Tân Minh
    status: proposed
    geometry: {inline: "POLYGON ((105.835 20.835, 105.838 20.835, 105.838 20.8379, 105.835 20.8379, 105.835 20.835))"}
    area_ha: 10
    source: test
    sector_mix: {light_manufacturing: 1.0}
    phases: [{share: 1.0, approval_year: 2026, clearance_years: {dist: uniform, low: 0.5, high: 1.5}, construction_years: 1}]
  - <<: *proposed
    id: gamma
    name: CCN Gamma
    geometry: {inline: "POLYGON ((105.850 20.860, 105.853 20.860, 105.853 20.8629, 105.850 20.8629, 105.850 20.860))"}
  - <<: *proposed
    id: delta
    name: CCN Delta
    geometry: {inline: "POLYGON ((105.880 20.800, 105.883 20.800, 105.883 20.8029, 105.880 20.8029, 105.880 20.800))"}
"""


def _problem(write, optimise: str, rules: str = "", name: str = "p.yaml", beta_ha: float = 10,
             params: str = ""):
    text = SMALL.replace("    discount_rate: 0.1\n", "    discount_rate: 0.1\n" + params).replace("    area_ha: 10\n    source: test\n    sector_mix: {light_manufacturing: 1.0}\n"
                         "    phases: [{share: 1.0, approval_year: 2026,",
                         f"    area_ha: {beta_ha}\n    source: test\n    sector_mix: "
                         "{light_manufacturing: 1.0}\n    phases: [{share: 1.0, approval_year: 2026,")
    return write(name, text + rules + "optimise:\n" + optimise)


def _enumerate(run) -> tuple[Evaluation, int, list[Evaluation]]:
    """Every valid plan simulated: the true optimum, the number of plans, all of them."""
    ev = problem_evaluator(run)
    plans = [p for p in itertools.product(*(v.options for v in ev.space.variables))
             if ev.space.valid(p)]
    evals = [ev(p) for p in plans]
    senses = [1.0 if o.sense == "maximise" else -1.0 for o in ev.config.objectives]
    best = min(evals, key=lambda e: rank_key(e, senses, (1.0, 0.0), (1.0, 1.0)))
    return best, len(plans), evals


def _greedy(evals: list[Evaluation], variables: int) -> Plan:
    """Each decision's best option on its own, the others not built, put together."""
    by_plan = {e.plan: e for e in evals}
    plan: list[int | None] = [None] * variables
    for k in range(variables):
        def alone(o: int | None, k: int = k) -> float:
            p = [None] * variables
            p[k] = o
            return by_plan[tuple(p)].objectives[0]
        options = {e.plan[k] for e in evals}
        plan[k] = max(options, key=lambda o: (alone(o), -(o or 0)))
    return tuple(plan)


GATE_PROBLEM = """
  decisions:
    - {cluster: beta, years: [2024, 2027]}
    - {cluster: gamma, years: [2026, 2029]}
    - {cluster: delta, years: [2026, 2029]}
  objectives:
    - {metric: jobs, over: sum, from_year: 2024, to_year: 2034}
  constraints:
    - {rule: new_cluster_gate, probability: 1}
  budget: {evaluations: 60, candidates: 4}
"""
GATE_RULES = "rules: {thresholds: {new_cluster_gate: {max_unleased_ha: 2}}}\n"


def test_gate_makes_greedy_wrong_and_the_search_finds_the_enumerated_optimum(write) -> None:
    """Three 30 ha clusters. Alone, each is best approved as early as possible; together the
    Decree 32 new-cluster gate (other clusters > 50 % occupied, or ≤ 2 ha unleased here) forbids
    approving one while another has just opened empty. The greedy plan breaks the gate; the search
    returns the plan enumeration finds, simulating fewer plans than there are."""
    run = run_file(_problem(write, GATE_PROBLEM, GATE_RULES, beta_ha=30))
    best, n_plans, evals = _enumerate(run)
    greedy = next(e for e in evals if e.plan == _greedy(evals, 3))
    assert best.feasible and not greedy.feasible
    assert greedy.plan != best.plan
    out = solve(run)
    assert out.best.plan == best.plan
    assert out.best.objectives == best.objectives
    assert len(out.result.evaluations) < n_plans == 125


COMPETITION_PROBLEM = """
  decisions:
    - {cluster: beta, years: [2024, 2026]}
    - {cluster: gamma, years: [2024, 2026]}
    - {cluster: delta, years: [2024, 2026]}
  objectives:
    - {metric: npv_bn_vnd, year: 2034}
  budget: {evaluations: 50, candidates: 4}
"""


def test_competition_makes_greedy_wrong_and_the_search_finds_the_enumerated_optimum(write) -> None:
    """Developers' NPV by 2034 with a lease price that pays (80 bn VND/ha): each cluster alone
    pays most approved as early as possible, but the clusters share the district's demand
    (competitive take-up), so approving all three in 2024 leaves land empty for years; the
    enumerated optimum staggers them, and the search finds it."""
    run = run_file(_problem(write, COMPETITION_PROBLEM,
                            params="    lease_price_bn_vnd_per_ha: 80\n"))
    best, n_plans, evals = _enumerate(run)
    greedy = next(e for e in evals if e.plan == _greedy(evals, 3))
    assert greedy.plan == (2024, 2024, 2024) != best.plan
    assert greedy.objectives[0] < best.objectives[0] - 20  # bn VND
    out = solve(run)
    assert out.best.plan == best.plan
    assert len(out.result.evaluations) < n_plans == 64


def test_best_plan_file_reproduces_the_search_numbers_exactly(write, cli, tmp_path) -> None:
    """Screened on 20 draws, confirmed on all 40: the written plan file, run by `clustersim
    run`, gives bit for bit the numbers optimise.json reports for the recommendation."""
    import json

    import numpy as np

    budget = "  budget: {evaluations: 30, screen_draws: 20, confirm: 3}\n"
    path = _problem(write, COMPETITION_PROBLEM.replace("  budget: {evaluations: 50, candidates: 4}\n",
                                                      budget), params="    lease_price_bn_vnd_per_ha: 80\n")
    code, out, err = cli("optimise", path, "--out", tmp_path / "res", "--quiet")
    assert code == 0, err
    folder = tmp_path / "res" / "small-optimise"
    doc = json.loads((folder / "optimise.json").read_text(encoding="utf-8"))
    assert doc["screen_draws"] == 20 and doc["provenance"]["draws"] == 40
    assert len(doc["confirmed_on_every_draw"]) >= 2
    best = doc["best"]
    run = run_file(folder / "small-best.yaml")
    assert run.draws == 40 and run.seed == 11
    ids = set(run.results.cluster_ids)
    assert ids == {"alpha"} | {k for k, v in best["plan"].items() if v is not None}
    for k, v in best["plan"].items():
        if v is not None:
            c = next(c for c in run.loaded.scenario.clusters if c.id == k)
            assert c.phases[0].approval_year == v
    npv = run.results.district["npv_bn_vnd"][:, run.results.year_index(2034)]
    assert float(npv.mean()) == best["objectives"]["npv_bn_vnd (2034)"]
    again = problem_evaluator(run_file(path))
    plan = tuple(best["plan"][v.name] for v in again.space.variables)
    np.testing.assert_array_equal(again.run(plan).results.district["jobs"],
                                  run.results.district["jobs"])


@pytest.mark.parametrize("change, expected", [
    ("{metric: jobs, over: sum, from_year: 2024, to_year: 2034}", "jobz"),
    ("{cluster: beta, years: [2024, 2027]}", "window"),
    ("{rule: new_cluster_gate, probability: 1}", "contradicts"),
])
def test_bad_problems_one_located_line_exit_2(write, cli, tmp_path, change, expected) -> None:
    """An unknown objective metric, an empty window, contradictory constraints: one line naming
    the file, line and field, exit 2, nothing written."""
    problem = GATE_PROBLEM
    if expected == "jobz":
        problem = problem.replace("{metric: jobs, over: sum", "{metric: jobz, over: sum")
    elif expected == "window":
        problem = problem.replace(change, "{cluster: beta, years: [2027, 2024]}")
    else:
        problem = problem.replace(change, change + "\n    - {metric: jobs, year: 2030, at_least: 500, "
                                  "probability: 0.8}\n    - {metric: jobs, year: 2030, at_most: 400, "
                                  "probability: 0.3}")
    path = _problem(write, problem, GATE_RULES)
    code, out, err = cli("optimise", path, "--out", tmp_path / "res")
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert lines[0].startswith(f"{path}:") and expected in lines[0]
    assert not (tmp_path / "res").exists()
    assert cli("validate", path)[2] == err  # validate says the same


ODD_PROBLEMS = {  # (change to GATE_PROBLEM's constraints and objectives, the message)
    "a rule constraint with a metric's field": (
        "{rule: new_cluster_gate, metric: jobs, probability: 1}",
        "optimise.constraints[0].metric: expected one of rule, probability, found unknown field "
        "'metric'"),
    "a constraint that is a number": (
        "5", "optimise.constraints[0]: expected a metric bound {metric: …, at_least|at_most: …, "
             "probability: …} or a rule {rule: …, probability: …}, found 5"),
    "a bound that is not a number": (
        "{metric: jobs, year: 2030, at_least: .nan, probability: 0.5}",
        "optimise.constraints[0].at_least: expected a finite number, found NaN"),
    "a statistic out of range": (
        "{rule: new_cluster_gate, probability: 1}\n  objectives:\n    - {metric: jobs, year: 2030, "
        "stat: p200}", "optimise.objectives[0].stat: expected 'mean' or a percentile 'p1' … "
                       "'p99', found 'p200'"),
    "three objectives": (
        "{rule: new_cluster_gate, probability: 1}\n  objectives:\n" + "    - {metric: jobs, year: "
        "2030}\n" * 3, "optimise.objectives: expected at most 2 items, found 3"),
}


@pytest.mark.parametrize("case", sorted(ODD_PROBLEMS))
def test_odd_problem_fields_are_one_plain_located_line(write, cli, case) -> None:
    """A constraint is read as the one kind the planner wrote (a rule when it names one, else a
    metric bound), so a problem in it is one line in the planner's words: no pydantic
    internals (union members, regular expressions, 'List should have …') in the message."""
    change, message = ODD_PROBLEMS[case]
    problem = GATE_PROBLEM.replace("{rule: new_cluster_gate, probability: 1}", change)
    if "objectives:\n    - {metric: jobs, year" in change:  # replaces the problem's own
        problem = problem.replace("  objectives:\n    - {metric: jobs, over: sum, from_year: 2024, "
                                  "to_year: 2034}\n", "")
    path = _problem(write, problem, GATE_RULES)
    code, out, err = cli("validate", path)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert lines[0].startswith(f"{path}:") and lines[0].endswith(message), lines[0]


PARETO_PROBLEM = """
  decisions:
    - {cluster: beta, years: [2024, 2026]}
    - {cluster: gamma, years: [2024, 2026]}
    - {cluster: delta, years: [2024, 2026]}
  objectives:
    - {metric: jobs, year: 2030}
    - {metric: rice_land_converted_ha, year: 2034, sense: minimise}
  budget: {evaluations: 48, candidates: 2}
"""


def test_two_objectives_give_the_enumerated_pareto_front(write, cli, tmp_path) -> None:
    """Jobs in 2030 against rice land converted: the points of the front written to
    pareto.csv are exactly those of the enumeration's non-dominated plans (plans that tie
    are all on it), and pareto.svg draws it."""
    import csv

    from simulator.optimise.search import pareto_front

    path = _problem(write, PARETO_PROBLEM)
    run = run_file(path)
    _, n_plans, evals = _enumerate(run)
    truth = {tuple(round(v, 6) for v in e.objectives) for e in pareto_front(evals, [1.0, -1.0])}
    code, _, err = cli("optimise", path, "--out", tmp_path / "res", "--quiet")
    assert code == 0, err
    folder = tmp_path / "res" / "small-optimise"
    with open(folder / "pareto.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    found = {tuple(round(float(v), 6) for v in list(r.values())[3:]) for r in rows}
    assert found == truth and len(truth) == 4  # none, one, two or three clusters built
    assert n_plans == 64
    svg = (folder / "pareto.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and svg.count('fill="#e07b00"') == len(rows)
    page = (folder / "optimise.html").read_text(encoding="utf-8")
    assert "Pareto front" in page and "Năm phê duyệt đề xuất" in page


def test_dask_workers_give_the_same_recommendation(write) -> None:
    """Plans evaluated on two Dask worker processes: the same plans, the same numbers."""
    pytest.importorskip("dask.distributed")
    from dask.distributed import Client, LocalCluster

    run = run_file(_problem(write, COMPETITION_PROBLEM.replace("evaluations: 50", "evaluations: 12"),
                            params="    lease_price_bn_vnd_per_ha: 80\n"))
    local = solve(run)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as lc, Client(lc) as client:
        remote = solve(run, client=client)
    assert list(remote.result.evaluations) == list(local.result.evaluations)
    assert remote.best.plan == local.best.plan and remote.best.objectives == local.best.objectives


def test_optimise_page_renders_offline(write, cli, tmp_path, map_page) -> None:
    """optimise.html in headless Chromium with the network cut: both maps (planner's plan and
    recommendation), the decisions table with one row per decision, the Pareto front, no
    error; every year the table shows is the planner's or the recommended one."""
    from maps_fixtures import assert_offline_clean, open_offline, screenshot

    budget = "  budget: {evaluations: 20, candidates: 2}"
    path = _problem(write, PARETO_PROBLEM.replace("  budget: {evaluations: 48, candidates: 2}", budget))
    code, _, err = cli("optimise", path, "--out", tmp_path / "res", "--quiet", "--lang", "en")
    assert code == 0, err
    errors = open_offline(map_page, tmp_path / "res" / "small-optimise" / "optimise.html")
    assert len(map_page.evaluate("window.CLUSTERSIM.clustersPerMap")) == 2  # planner, recommended
    rows = map_page.locator(".ccn-optimise .ccn-decisions tbody tr")
    assert rows.count() == 3
    assert rows.nth(0).locator("td").nth(1).inner_text() == "2026"  # the planner's beta
    assert map_page.locator(".ccn-optimise svg polyline").is_visible()
    screenshot(map_page, "optimise-page")
    assert_offline_clean(errors)


def test_optimise_page_speaks_the_page_language(write, cli, tmp_path) -> None:
    """The vi page opens with the recommendation in Vietnamese and by cluster name (no ids, no
    English), compares the two plans in the objective's year and calls them 'kế hoạch' and
    'đề xuất'; the plan file gives its title and description in both languages."""
    import re

    from ruamel.yaml import YAML

    budget = "  budget: {evaluations: 20, candidates: 2}"
    path = _problem(write, PARETO_PROBLEM.replace("  budget: {evaluations: 48, candidates: 2}", budget))
    code, _, err = cli("optimise", path, "--out", tmp_path / "res", "--quiet")
    assert code == 0, err
    folder = tmp_path / "res" / "small-optimise"
    page = (folder / "optimise.html").read_text(encoding="utf-8")
    assert "<h1>Tối ưu hoá: phê duyệt cụm nào, năm nào</h1>" in page
    assert page.index('class="ccn-block ccn-optimise"') < page.index("ccn-verdict-box")
    plan = re.search(r'ccn-optimise"><h2>Đề xuất</h2><p class="ccn-verdict">([^<]*)</p>', page)
    assert plan, "the recommendation comes first"
    words = plan.group(1)
    assert all(n in words for n in ("Beta", "Gamma", "Delta")) and "năm 202" in words
    assert not re.search(r"\b(beta|gamma|delta|not built|in 20\d\d)\b", words)
    assert "So với kế hoạch, đề xuất có" in page and "Δ Việc làm, 2030" in page
    assert "<th>Cụm</th>" not in page and '<th scope="col">Cụm</th>' in page
    doc = YAML(typ="safe").load((folder / "small-best.yaml").read_text(encoding="utf-8"))
    assert doc["title"]["vi"].endswith("— phương án đề xuất")
    assert doc["title"]["en"].endswith("— recommended plan")
    assert doc["description"]["en"].startswith("Recommended by clustersim optimise from p.yaml: ")
    assert doc["description"]["vi"].startswith("Phương án do clustersim optimise đề xuất từ p.yaml: ")
