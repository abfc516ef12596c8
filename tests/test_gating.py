"""gating: enforce — a gated cluster is approved the first year its gates hold."""

from __future__ import annotations

import numpy as np

from simulator import appraisal
from simulator.inputs import at_price
from simulator.model import simulate
from simulator.post_run import post_run
from simulator.run import run_file

from conftest import DATA


def _gated(write, gating: str, hold_bytes: int | None = None):
    text = (DATA / "mini.yaml").read_text(encoding="utf-8")
    text = text.replace("    status: proposed\n", "    status: proposed\n    expands: alpha\n", 1)
    text = text.replace("{area_ha: 4, approval_year: 2024,", "{area_ha: 4, approval_year: 2021,")
    assert "expands: alpha" in text and "approval_year: 2021," in text
    return run_file(write(f"{gating}.yaml", text + f"rules: {{gating: {gating}}}\n"),
                    hold_bytes=hold_bytes)


def test_enforced_expansion_waits_for_its_parent(write) -> None:
    """alpha opens in 2023 and is 50 % leased, 100 % in 2024: the ≥ 60 % expansion gate first
    holds in 2024, so beta's phases (planned 2021 and 2026) move three years, to 2024 and 2029."""
    report = _gated(write, "report").results
    enforce = _gated(write, "enforce").results
    b = report.cluster_ids.index("beta")
    years = report.years.tolist()
    gross_report = dict(zip(years, report.metrics["gross_area_ha"][0, b]))
    gross_enforce = dict(zip(years, enforce.metrics["gross_area_ha"][0, b]))
    assert gross_report[2021] == 4 and gross_report[2026] == 10
    assert [gross_enforce[y] for y in (2023, 2024, 2028, 2029)] == [0, 4, 4, 10]
    a = report.cluster_ids.index("alpha")
    np.testing.assert_array_equal(report.metrics["leased_area_ha"][:, a],
                                  enforce.metrics["leased_area_ha"][:, a])


def test_enforced_gates_are_the_same_when_cluster_draws_are_recomputed(write) -> None:
    """The gates read per-cluster occupancy; past the memory budget those draws are recomputed
    block by block, and the enforced approvals and every number stay the same."""
    held = _gated(write, "enforce").results
    blocks = _gated(write, "enforce", hold_bytes=0).results
    for k in held.metrics:
        for c in range(len(held.cluster_ids)):
            np.testing.assert_array_equal(blocks.metrics.column(k, c), held.metrics[k][:, c])


def test_price_response_keeps_the_enforced_approvals(write) -> None:
    """Under enforce, beta is approved three years late in every draw. The price response
    re-prices beta at its break-even in that same world (the run's approval years), so its
    leased ha-years at break-even are those of a whole run at that price with the run's
    approval delays, not of a run where beta opens as planned."""
    run = _gated(write, "enforce")
    assert run.approval_delay is not None and run.approval_delay.any()
    plans = appraisal.price_plans(run, appraisal.decision_clusters(run))
    assert [p.cluster for p in plans] == ["beta"]
    rows = post_run(run).price_response()
    assert rows == appraisal.price_response(run, ["beta"])
    b = run.inputs.cluster_ids.index("beta")
    repriced = at_price(run.inputs, b, plans[0].price)

    def leased_stats(results) -> dict[str, float]:
        return appraisal.draw_stats(results.metrics.column("leased_area_ha", b).sum(axis=1))

    gated = leased_stats(simulate(repriced, approval_delay=run.approval_delay))
    assert rows[0]["leased_ha_years"]["at_breakeven"] == gated
    assert leased_stats(simulate(repriced)) != gated  # the delays matter here
