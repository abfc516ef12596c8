"""Who gains, break-even prices, the calibration table and the price response (simulator/appraisal.py),
and how summary.json and the report show them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from simulator import appraisal, kernels, model, tables
from simulator.map_content import COMMUNE_CHOICES, _basemap
from simulator.maps.report_page import render_report_page
from simulator.post_run import post_run
from simulator.report_content import report_view
from simulator.run import run_file
from simulator.uncertainty import quantiles
from simulator.words.pages import words

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def approved():
    return run_file(ROOT / "scenarios/approved.yaml", draws=200)


def test_budget_levels_add_up_and_parties_have_probabilities(approved) -> None:
    r = approved.results
    y = int(r.years[-1])
    np.testing.assert_allclose(r.values("central_npv_bn_vnd", y) + r.values("city_npv_bn_vnd", y),
                               r.values("public_npv_bn_vnd", y), rtol=1e-9, atol=1e-9)
    gains = appraisal.who_gains(r)
    dev = gains["district"]["developer"]
    npv = r.values("npv_bn_vnd", y)
    assert dev["p50"] == pytest.approx(np.median(npv), abs=1e-3)
    assert dev["p_gain"] == pytest.approx((npv > 0).mean())
    assert set(gains["by_cluster"]) == set(r.cluster_ids)


def test_district_break_even_is_one_price_that_zeroes_the_summed_npv(approved) -> None:
    """p* · Σ_c S_c − Σ_c C_c = 0 per draw; each cluster's price zeroes its own NPV."""
    r = approved.results
    y = int(r.years[-1])
    price = appraisal.breakeven_draws(r)
    sold, cost = r.values("leased_ha_npv", y), r.values("recovery_cost_npv_bn_vnd", y)
    np.testing.assert_allclose(price * sold - cost, 0, atol=1e-6)
    c = "hien_giang"
    own = appraisal.breakeven_draws(r, c)
    np.testing.assert_allclose(own * r.values("leased_ha_npv", y, c)
                               - r.values("recovery_cost_npv_bn_vnd", y, c), 0, atol=1e-6)
    assert np.isnan(appraisal.breakeven_draws(r, "quat_dong")).all()  # nothing new leased


def test_calibration_flags_the_suspect_decision_and_keeps_the_sourced_means(approved) -> None:
    rows = appraisal.calibration_rows(approved)
    by = {(row["quantity"], row["cluster"], row["published"]): row for row in rows}
    assert not by[("budget_per_gross_ha", "", 0.65)]["outside"]
    assert by[("budget_per_gross_ha", "", 0.82)]["outside"]  # the contradicting area count
    assert not by[("total_investment_per_gross_ha", "hien_giang", 25.04)]["outside"]
    assert by[("total_investment_per_gross_ha", "hoa_binh", 34.21)]["outside"]  # probably a copy error
    assert not by[("clearance_per_farmland_ha", "", 5.70)]["outside"]


def test_take_up_falls_when_a_cluster_charges_its_break_even_price(approved) -> None:
    """Competitive take-up: at its (higher) break-even price Hiền Giang leases more slowly."""
    rows = appraisal.price_response(approved, ["hien_giang"])
    assert len(rows) == 1
    row = rows[0]
    assert row["breakeven_p50"] > 24  # above the assumed mean price
    assert row["leased_ha_years"]["at_breakeven"]["mean"] < row["leased_ha_years"]["default"]["mean"]


def test_summary_and_report_show_who_gains_break_even_and_calibration(approved) -> None:
    s = tables.summary(approved)
    assert {"who_gains", "breakeven_lease_price", "calibration", "price_response"} <= set(s)
    assert s["breakeven_lease_price"]["by_cluster"]["hien_giang"]["p50"] > 0
    html = render_report_page(report_view(approved, lang="en"))
    for anchor in ('id="who-gains"', 'id="breakeven"', 'id="calibration"', "ccn-outside"):
        assert anchor in html
    # one sentence per cluster still to be decided (no proposed ones: those investing after 2023)
    assert html.count("CCN làng nghề Hiền Giang (giai đoạn 1): gain —") == 1
    table = tables.cluster_table(approved)
    assert table.loc[table["id"] == "hien_giang", "breakeven_p50"].iloc[0] > 0


def test_price_response_is_skipped_for_many_clusters(approved) -> None:
    """Each cluster costs a re-run of the take-up: past PRICE_RESPONSE_MAX none is computed."""
    many = list(approved.results.cluster_ids) * 3
    assert len(many) > appraisal.PRICE_RESPONSE_MAX
    assert appraisal.price_response(approved, many) == []
    for lang in ("vi", "en"):  # the report's note names the same limit
        assert f" {appraisal.PRICE_RESPONSE_MAX} " in words(lang)["no_price_response"]


def _rows_by_whole_reruns(run, clusters: list[str]) -> list[dict]:
    """The price response as it was computed before `model.simulate_cluster`: one whole
    `model.simulate` of the scenario per cluster, its per-cluster draws recomputed by block."""
    r, y = run.results, int(run.results.years[-1])
    rows = []
    for c in clusters:
        price = float(np.nanmedian(appraisal.breakeven_draws(r, c)))
        ci = r.cluster_ids.index(c)
        alt = model.simulate(appraisal.at_price(run.inputs, ci, price), hold_bytes=0)
        rows.append({
            "cluster": c, "breakeven_p50": round(price, 3),
            "leased_ha_years": {
                "default": appraisal.draw_stats(r.metrics.column("leased_area_ha", ci).sum(axis=1)),
                "at_breakeven": appraisal.draw_stats(alt.metrics.column("leased_area_ha", ci).sum(axis=1))},
            "developer_npv": {"default": appraisal.draw_stats(r.values("npv_bn_vnd", y, c)),
                              "at_breakeven": appraisal.draw_stats(alt.values("npv_bn_vnd", y, c))},
            "district_leased_ha_years": {
                "default": appraisal.draw_stats(r.district["leased_area_ha"].sum(axis=1)),
                "at_breakeven": appraisal.draw_stats(alt.district["leased_area_ha"].sum(axis=1))},
            "moved_to_others_ha_years": appraisal.draw_stats(_others(alt, ci) - _others(r, ci)),
        })
    return rows


def _others(results, ci: int) -> np.ndarray:
    """Per draw, the other clusters' leased ha-years: the district's less cluster `ci`'s."""
    return (results.district["leased_area_ha"].sum(axis=1)
            - results.metrics.column("leased_area_ha", ci).sum(axis=1))


def test_leases_moved_to_other_clusters_are_theirs() -> None:
    """The moved ha-years are what the other clusters, summed one by one, lease more at the
    break-even price; in the expansion scenario the district's demand is the limit, so they
    are what Tín An loses (the district total unchanged, draw by draw)."""
    run = run_file(ROOT / "scenarios/expansion.yaml", draws=200)
    r, ci = run.results, run.results.cluster_ids.index("tin_an")
    row, = appraisal.price_response(run, ["tin_an"])
    alt = model.simulate(appraisal.at_price(run.inputs, ci, row["breakeven_p50"]))
    gain = sum(alt.metrics.column("leased_area_ha", c).sum(axis=1)
               - r.metrics.column("leased_area_ha", c).sum(axis=1)
               for c in range(r.metrics.clusters) if c != ci)
    moved = row["moved_to_others_ha_years"]
    assert moved["mean"] == pytest.approx(gain.mean(), abs=1e-3)
    assert moved["p50"] == pytest.approx(np.median(gain), abs=1e-3)
    assert moved["p10"] > 1  # ha-years: the others do gain, in most draws
    lost = row["leased_ha_years"]["default"]["mean"] - row["leased_ha_years"]["at_breakeven"]["mean"]
    assert moved["mean"] == pytest.approx(lost, abs=1e-3)
    np.testing.assert_allclose(alt.district["leased_area_ha"].sum(axis=1),
                               r.district["leased_area_ha"].sum(axis=1), rtol=1e-12)


def test_price_response_equals_whole_reruns_bit_for_bit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The take-up over every cluster and one cluster's money give exactly the numbers of a
    whole re-run (labour catchment included), chunk by chunk of draws, for every proposed
    cluster of the expansion scenario."""
    monkeypatch.setattr(model, "_CHUNK_CELLS", 60_000)  # several chunks of draws
    run = run_file(ROOT / "scenarios/expansion.yaml", draws=160)
    assert len(model.chunk_slices(run.inputs)) > 2
    clusters = appraisal.decision_clusters(run)
    assert len(clusters) >= 3
    whole = _rows_by_whole_reruns(run, clusters)
    assert appraisal.price_response(run, clusters) == whole
    plans = appraisal.price_plans(run, clusters)
    with monkeypatch.context() as m:  # one thread: every chunk in the caller, no pool
        m.setattr(model, "ThreadPoolExecutor", lambda *a, **k: pytest.fail("a pool of threads"))
        assert appraisal.price_rows(run.inputs, plans, threads=1) == whole
    assert _post_run_shared(run, monkeypatch) == whole
    for c, price in zip(clusters, (30.0, 18.5, 45.0)):
        ci = run.inputs.cluster_ids.index(c)
        alt_inputs = appraisal.at_price(run.inputs, ci, price)
        alt = model.simulate_cluster(alt_inputs, ci)
        for whole in (model.simulate(alt_inputs), model.simulate(alt_inputs, hold_bytes=0)):
            for metric in ("leased_area_ha", "npv_bn_vnd"):
                np.testing.assert_array_equal(alt[metric], whole.metrics.column(metric, ci))
            np.testing.assert_array_equal(alt["district:leased_area_ha"], whole.district["leased_area_ha"])
        assert not np.array_equal(alt["npv_bn_vnd"], run.results.metrics.column("npv_bn_vnd", ci))


def _post_run_shared(run, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """`post_run(run).price_response()` where the post-run thread waits, before its first
    chunk, until the caller has computed one: the caller asks for the rows, computes the chunks
    not yet taken, then waits for the thread's. Each chunk is computed once, by one of the two;
    the re-runs are set up (their parameter draws) on the post-run thread, not the caller's."""
    import threading
    from simulator import post_run as stage
    chunk, caller = model.ClusterReruns._chunk, threading.current_thread()
    by: dict[int, str] = {}
    one_here = threading.Event()
    set_up: list[threading.Thread] = []

    def spy_set_up(*args: Any) -> model.ClusterReruns:
        set_up.append(threading.current_thread())
        return model.repriced_reruns(*args)

    def spy(self, sl: slice) -> None:
        if threading.current_thread() is not caller:
            assert one_here.wait(60)
        chunk(self, sl)
        assert sl.start not in by
        by[sl.start] = threading.current_thread().name
        if threading.current_thread() is caller:
            one_here.set()

    with monkeypatch.context() as m:
        m.setattr(model.ClusterReruns, "_chunk", spy)
        m.setattr(stage, "repriced_reruns", spy_set_up)
        post = post_run(run)
        assert not by  # the thread waits, and nothing is computed until the rows are asked for
        rows = post.price_response()
        assert post.price_response() is rows  # computed once
    starts = sorted(by)
    assert starts == [sl.start for sl in model.chunk_slices(run.inputs, keep=False)]
    assert {name.startswith("post-run") for name in by.values()} == {True, False}
    assert len(set_up) == 1 and set_up[0] is not caller and set_up[0].name.startswith("post-run")
    return rows


@pytest.mark.parametrize("n", [1, 2, 7, 1000, 10_001])
def test_draw_stats_are_numpys_quantiles_and_mean(n: int) -> None:
    """Quantiles by selection equal np.quantile's, the mean np.mean's, over the finite draws."""
    rng = np.random.default_rng(n)
    values = rng.normal(size=n) * 100
    values[: n // 3] = np.round(values[: n // 3])  # ties
    values[(n + 1) // 2 :: 5] = np.nan  # draws without a value
    ok = values[np.isfinite(values)]
    p10, p50, p90 = np.quantile(ok, [0.1, 0.5, 0.9])
    want = {"mean": round(float(ok.mean()), 4), "p10": round(float(p10), 4),
            "p50": round(float(p50), 4), "p90": round(float(p90), 4),
            "share_of_draws": round(ok.size / n, 4)}
    assert appraisal.draw_stats(values) == want
    q = np.empty((4, 1))
    kernels.select_quantiles(ok.reshape(-1, 1), np.array([0.1, 0.5, 0.9]) * (ok.size - 1), q)
    assert q[:3, 0].tobytes() == np.array([p10, p50, p90]).tobytes()


def test_the_developer_table_says_when_a_cluster_invests_nothing(approved) -> None:
    """Operating clusters invest before the base year: no IRR, no payback — said in words, not
    shown as "0 %"; a cluster that invests in the simulated years keeps its figures."""
    r = approved.results
    capex = {c: float(np.nansum([r.values("capex_bn_vnd", int(y), c) for y in r.years]))
             for c in r.cluster_ids}
    rows = {d["name"]: d for d in report_view(approved, lang="vi").developer}
    names = {c.id: c.name for c in approved.loaded.scenario.clusters}
    idle = [c for c, v in capex.items() if v == 0]
    assert idle and len(idle) < len(capex)  # both kinds are present in the approved scenario
    for c, v in capex.items():
        assert rows[names[c]]["invests"] is (v > 0), c
    html = render_report_page(report_view(approved, lang="vi"))
    assert html.count(words("vi")["no_investment"]) == len(idle)


def test_commune_bands_are_the_bands_of_the_commune_draws(approved) -> None:
    """The map's commune choropleths read the run's commune bands (computed once) and those of
    the farmland inside each commune: the bands of `commune_draws`, exactly."""
    clusters = tables.cluster_table(approved)
    communes = _basemap(approved.layers)["communes"]
    keys = tuple(COMMUNE_CHOICES)
    draws = tables.commune_draws(approved, clusters, communes, keys)
    got = tables.commune_bands(approved, clusters, communes, keys)
    assert set(got) == set(draws) and "farmland_in_commune" in got
    for k, v in draws.items():
        for s, q in quantiles(v).items():
            np.testing.assert_array_equal(got[k][s], q)


@pytest.mark.parametrize("draws", [300, 2100])  # below and above sampled_quantiles' 2,048
@pytest.mark.parametrize("negative_zero", [False, True])
def test_farmland_bands_by_commune_are_the_bands_of_its_draws_to_the_bit(
        draws: int, negative_zero: bool) -> None:
    """The farmland inside each commune: bands of a commune holding one cluster are taken from
    that cluster's, of one holding none are 0, the others computed; all the bytes of the bands
    of `commune_draws`. With −0.0 in the held draws (0.0 + 1.0 · −0.0 is 0.0) the cluster's
    bands differ from the commune's, and the commune's are computed."""
    run = run_file(ROOT / "scenarios/expansion.yaml", draws=draws)
    communes, frame = _basemap(run.layers)["communes"], run.geometries.frame
    weights = tables.cluster_communes(frame, communes, run.results.commune_ids)
    assert {0.0, 1.0, 2.0} <= set(weights.sum(axis=0))  # none, one and two clusters
    if negative_zero:  # a single cluster's years with no farmland in any draw: −0.0
        farm = run.results.metrics["farmland_converted_ha"]
        alone = weights[:, weights.sum(axis=0) == 1].any(axis=1)
        j = next(j for j in np.flatnonzero(alone) if (farm[:, j] == 0).all(axis=0).any())
        column = farm[:, j]
        column[:, (column == 0).all(axis=0)] = -0.0
    expected = quantiles(tables.commune_draws(run, frame, communes, ())["farmland_in_commune"])
    got = tables.commune_bands(run, frame, communes, ())["farmland_in_commune"]
    for s, q in expected.items():
        assert got[s].tobytes() == q.tobytes(), s


def test_the_report_and_summary_ask_for_the_price_response_last() -> None:
    """Given what gives the price response's rows (`PostRun.price_response` waits for its
    re-runs), the report and summary.json ask for them once, after everything else they show
    (who gains, break-even, the calibration rows) is computed, and show them as given."""
    run = run_file(ROOT / "scenarios/approved.yaml", draws=40)
    row = {"cluster": run.results.cluster_ids[0], "breakeven_p50": 1.0}
    asked: list[set[str]] = []

    def rows() -> list[dict[str, Any]]:
        asked.append({k.partition(":")[0] for k in run.results._memo})
        return [row]

    view = report_view(run, lang="en", price_response=rows)
    got = tables.summary(run, rows)
    assert len(asked) == 2 and all({"who_gains", "breakeven", "calibration"} <= a for a in asked)
    assert [r["breakeven_p50"] for r in view.price_response] == [1.0]
    assert got["price_response"] == [row]
    assert list(got).index("price_response") == list(got).index("breakeven_lease_price") + 1


def test_summaries_several_outputs_show_are_computed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """who gains (summary.json, the cluster table, the report) is computed once per run; each
    caller gets its own copy, so changing one changes none of the others."""
    run = run_file(ROOT / "scenarios/approved.yaml", draws=40)
    calls: list[int] = []
    real = appraisal._party_stats
    monkeypatch.setattr(appraisal, "_party_stats", lambda v: calls.append(1) or real(v))
    first = appraisal.who_gains(run.results)
    n = len(calls)
    second = appraisal.who_gains(run.results)
    assert n == 6 * (len(run.results.cluster_ids) + 1) and len(calls) == n
    assert first == second and first is not second
    second["district"]["developer"]["mean"] = 1e9
    assert appraisal.who_gains(run.results) == first


def test_memoised_arrays_are_read_only_views_that_a_writer_cannot_change() -> None:
    """A memoised array is handed out as a read-only view of the kept one (no copy of its
    bytes): a caller that writes into it fails with ValueError, and the next caller gets the
    numbers first computed; the containers around it are each caller's own."""
    run = run_file(ROOT / "scenarios/approved.yaml", draws=40)
    kept = np.arange(6.0).reshape(2, 3)
    first = run.results.memo("test:arrays", lambda: {"a": kept, "pair": (kept, [kept[0]])})
    assert np.shares_memory(first["a"], kept) and not first["a"].flags.writeable
    for view in (first["a"], first["pair"][0], first["pair"][1][0]):
        with pytest.raises(ValueError, match="read-only"):
            view[0] = -1.0
        with pytest.raises(ValueError, match="read-only"):
            view += 1.0
    first["a"] = np.zeros(1)
    first["pair"][1].append(None)
    again = run.results.memo("test:arrays", lambda: pytest.fail("computed twice"))
    assert again["a"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert isinstance(again["pair"], tuple) and len(again["pair"][1]) == 1


def test_developer_stats_are_computed_once_for_the_summary_and_the_cluster_table(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The IRR and payback bands of every cluster and the district are computed once per run
    (`tables.developer_stats`); summary.json and the cluster table show the same numbers."""
    run = run_file(ROOT / "scenarios/approved.yaml", draws=40)
    calls: list[int] = []
    real = tables.finance_stats
    monkeypatch.setattr(tables, "finance_stats", lambda v: calls.append(1) or real(v))
    got = tables.summary(run)["developer"]
    frame = tables.cluster_table(run)
    n = len(run.results.cluster_ids)
    assert len(calls) == 2 * (n + 1)
    assert got["irr"] == real(run.results.irr[:, -1])
    for k, c in enumerate(run.results.cluster_ids):
        assert got["by_cluster"][c]["payback_year"] == real(run.results.payback[:, k])
        for column, name in (("developer_irr_p50", "irr"), ("payback_year_p50", "payback_year")):
            shown, want = frame[column].iloc[k], got["by_cluster"][c][name].get("p50")
            assert shown == want or (want is None and np.isnan(shown))
