"""The leadership summary: headline cards, verdicts, the comparison's verdict rows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from simulator.headline import (
    comparison_cards,
    comparison_verdict,
    rice_since_base,
    scenario_cards,
    scenario_verdict,
    verdict_rows,
)
from simulator.maps.comparison_page import render_comparison
from simulator.maps.formatting import fmt_pct, fmt_signed
from simulator.maps.report_page import render_report_page
from simulator.map_content import comparison_view
from simulator.report_content import report_view
from simulator.rules.book import merged_thresholds
from simulator.rules.engine import check_all
from simulator.tables import comparison_table, targets


@pytest.fixture(scope="module")
def runs(mini_runs: Any) -> tuple[Any, Any]:
    return mini_runs


def test_scenario_cards_are_medians_with_their_band(runs: Any) -> None:
    run = runs[0]
    year = run.loaded.scenario.horizon_year
    cards = {c.key: c for c in scenario_cards(run, check_all(run), targets(run), "en")}
    assert list(cards) == ["jobs", "budget_revenue_bn_vnd", "npv_bn_vnd", "public_npv_bn_vnd",
                           "land", "rules", "targets"]
    jobs = run.results.values("jobs", year)
    p10, p50, p90 = np.quantile(jobs, (0.1, 0.5, 0.9))
    assert cards["jobs"].value == f"{p50:,.0f}"
    assert cards["jobs"].band == f"P10–P90: {p10:,.0f} – {p90:,.0f}"
    npv = run.results.values("npv_bn_vnd", year)
    assert cards["npv_bn_vnd"].extra == f"NPV ≥ 0 in {fmt_pct((npv >= 0).mean())} of draws"
    assert cards["npv_bn_vnd"].tone == ("good" if (npv >= 0).mean() >= 0.5 else "bad")


def test_rice_card_counts_what_the_rule_counts_and_says_so(runs: Any) -> None:
    run = runs[0]
    year = run.loaded.scenario.horizon_year
    since = rice_since_base(run)
    every = run.results.values("rice_land_converted_ha", year)
    assert np.all(since <= every + 1e-9)  # the rule leaves out earlier approvals
    land = next(c for c in scenario_cards(run, [], [], "vi") if c.key == "land")
    assert land.value == f"{np.median(since):.1f}".replace(".", ",")
    assert "trước 2" in land.note and "ngưỡng 200 ha" in land.extra


def test_verdict_sentence_reads_the_numbers(runs: Any) -> None:
    run = runs[0]
    text = scenario_verdict(run, [], "en")
    assert text.startswith("About ") and "no rule fails" in text
    vi = scenario_verdict(run, [], "vi")
    assert vi.startswith("Khoảng ") and "không quy tắc nào bị vi phạm" in vi


def test_identical_scenarios_tie_on_every_headline(runs: Any) -> None:
    a = runs[0]
    rows = verdict_rows(a, a, "en")
    assert rows and {r["winner"] for r in rows} == {"tie"}
    assert all(r["verdict"] == "tie" and r["sure"] == "" for r in rows)
    assert "better on 0 of 6" in comparison_verdict(a, a, "en")


def test_comparison_sentence_names_its_statistic(runs: Any) -> None:
    """The sentence's jobs figure is the median of B − A draw by draw, not the difference of
    the means the optimiser's objective line gives, so it says which it is."""
    a, b = runs
    year = min(a.loaded.scenario.horizon_year, b.loaded.scenario.horizon_year)
    diff = b.results.values("jobs", year) - a.results.values("jobs", year)
    median = float(np.median(diff))
    en = comparison_verdict(a, b, "en")
    assert en.startswith(f"Against {a.results.scenario_id}, {b.results.scenario_id} has "
                         f"{fmt_signed(median, 0, 'en')} jobs in {year}")
    assert en.endswith("(medians of the draw-by-draw differences).")
    assert comparison_verdict(a, b, "vi").endswith(
        "(trung vị của chênh lệch theo từng lần mô phỏng).")


def test_better_follows_each_metric_direction(runs: Any) -> None:
    a, b = runs  # B has more demand: more jobs, more farmland leased... and converted
    rows = {r["label"]: r for r in verdict_rows(a, b, "en")}
    jobs = rows["Jobs"]
    assert jobs["direction"] == "higher" and rows["Farmland converted"]["direction"] == "lower"
    assert jobs["winner"] in ("b", "tie")
    cards = {c.key: c for c in comparison_cards(a, b, "en")}
    assert cards["jobs"].value.startswith(("+", "0"))
    if jobs["winner"] == "b":
        assert cards["jobs"].tone == "good" and jobs["verdict"] == "mini_b better"


def test_pages_show_the_summary_first(runs: Any) -> None:
    run = runs[0]
    html = render_report_page(report_view(run, findings=check_all(run), lang="vi"))
    assert html.index("ccn-summary") < html.index('id="purpose"')
    assert html.count('class="ccn-card ') == 7
    cv = comparison_view(list(runs), comparison_table(list(runs)),
                         [check_all(r) for r in runs], lang="vi")
    page = render_comparison(cv)
    assert page.index("ccn-verdict-table") < page.index('class="ccn-grid"')
    assert "Phương án nào tốt hơn" in page


def test_the_rice_land_and_the_gate_state_are_computed_once_per_run(monkeypatch) -> None:
    """The rice land the rule caps (the rule, and the cards of the map and of the report) and
    each new cluster's gate state (the gate's check, and its openings) are read from the
    held draws once per run; every reader gets the same numbers, read-only (a reader that
    writes into them fails, so none can change what the next one reads)."""
    from pathlib import Path

    from simulator import gating
    from simulator.run import run_file

    run = run_file(Path(__file__).resolve().parents[1] / "scenarios/expansion.yaml", draws=30)
    r, kind = run.results, type(run.results.metrics)
    sums: list[str] = []
    columns: list[str] = []
    real_sum, real_column = kind.weighted_sum, kind.column
    monkeypatch.setattr(kind, "weighted_sum", lambda self, m, w: sums.append(m) or real_sum(self, m, w))
    monkeypatch.setattr(kind, "column", lambda self, m, c: columns.append(m) or real_column(self, m, c))
    findings = check_all(run)
    gating.gate_openings(run.loaded.scenario, r)
    for lang in ("vi", "en"):
        scenario_cards(run, findings, [], lang)
    new = [c for c in run.loaded.scenario.clusters if c.expands is None
           and gating.approval_year(c) >= r.years[0]]
    assert len(new) > 1
    assert sums.count("rice_land_converted_ha") == 1
    assert columns.count("leasable_area_ha") == len(new)
    weights = gating.approved_since_base(r, run.loaded.scenario.clusters)
    want = sum(w * real_column(r.metrics, "rice_land_converted_ha", k) for k, w in enumerate(weights)
               if w)
    mine = gating.rice_land_since_base(r, run.loaded.scenario.clusters)
    np.testing.assert_allclose(mine, want, rtol=1e-12)
    with pytest.raises(ValueError, match="read-only"):
        mine[:] = -1.0
    assert rice_since_base(run).min() >= 0.0
    gate = merged_thresholds()[0]["new_cluster_gate"]
    assert not any(a.flags.writeable for a in gating.new_cluster_state(
        r, r.cluster_ids.index(new[0].id), gate))
