"""The model against hand-computed values (tests/data/mini.yaml) and its invariants."""

from __future__ import annotations

import ctypes
import mmap
import sys
import threading
import time
import types

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from simulator import finance, land, model
from simulator.inputs import build_inputs
from simulator.results import HeldDraws, Product
from simulator.scenario.load import load_scenario

from conftest import DATA, assert_same_summaries, geo_for


@pytest.fixture(scope="module")
def mini_results():
    inputs = build_inputs(load_scenario(DATA / "mini.yaml").scenario, geo_for(2))
    return model.simulate(inputs)


def series(r, metric: str, cluster: str) -> dict[int, float]:
    c = r.cluster_ids.index(cluster)
    return dict(zip(r.years.tolist(), r.metrics[metric][0, c].round(6).tolist()))


def test_ramp_by_hand() -> None:
    years = np.arange(2020, 2026, dtype=float)
    got = land.ramp(years, np.array([[2021.0, 2022.0]]), np.array([[2.0, 0.0]]))
    assert got[0, 0].tolist() == [0, 0.5, 1, 1, 1, 1]
    assert got[0, 1].tolist() == [0, 0, 1, 1, 1, 1]


def test_timeline_by_hand() -> None:
    """A cluster of two phases (10 ha approved 2020, cleared in 2 years, built in 1; 4 ha
    approved 2022 at once, built in 2), then a cluster of one phase (6 ha approved 2021, cleared
    in 1 year, built in 1), farmland shares 0.5, 0.25, 1."""
    years = np.arange(2020, 2026, dtype=float)
    phases = {"area_ha": np.array([[10.0, 4.0, 6.0]]), "approval_year": np.array([2020.0, 2022, 2021]),
              "clearance_years": np.array([[2.0, 0.0, 1.0]]),
              "construction_years": np.array([[1.0, 2.0, 1.0]]),
              "farmland_share": np.array([[0.5, 0.25, 1.0]]), "fill_years": np.array([[1.0, 1.0, 1.0]])}
    got = {k: v[0].tolist() for k, v in land.simulate_land(years, phases, np.array([0, 2]),
                                                           fill=False).items()}
    assert got["gross_area_ha"] == [[10, 10, 14, 14, 14, 14], [0, 6, 6, 6, 6, 6]]
    assert got["cleared_ha"] == [[5, 10, 14, 14, 14, 14], [0, 6, 6, 6, 6, 6]]
    assert got["farmland_converted_ha"] == [[2.5, 5, 6, 6, 6, 6], [0, 6, 6, 6, 6, 6]]
    assert got["built_ha"] == [[0, 0, 12, 14, 14, 14], [0, 0, 6, 6, 6, 6]]  # 10 + 4 / 2 in 2022
    assert got["open_ha"] == [[0, 0, 0, 10, 14, 14], [0, 0, 0, 6, 6, 6]]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(1, 6))
def test_timeline_adds_each_phases_ramps_in_order_bit_for_bit(seed: int, draws: int, years: int) -> None:
    """Each quantity of the compiled timeline is Σ over the cluster's phases, in order, of
    w · (A · ramp) (land.ramp), as numpy adds them, with fractional years and durations,
    instant steps and zero areas."""
    rng = np.random.default_rng(seed)
    first = np.array([0, 1, 4, 5])  # clusters of 1, 3, 1 and 2 phases
    p = 7
    area = rng.choice([0.0, 3.0, 12.5, 7.0 / 3.0], (draws, p)) * rng.random((draws, p))
    a = 2020.0 + rng.choice([0.0, 1.5, 3.0], (draws, p)) + rng.random((draws, p))
    c, k = (rng.choice([0.0, 1e-7, 0.5, 2.0, 3.3], (draws, p)) for _ in range(2))
    f = rng.random((draws, p))
    t = np.arange(2019.0, 2019.0 + years)
    got = land.simulate_land(t, {"area_ha": area, "approval_year": a, "clearance_years": c,
                                 "construction_years": k, "farmland_share": f,
                                 "fill_years": np.ones((draws, p))}, first, fill=False)
    one, zero = np.ones_like(area), np.zeros_like(area)
    steps = {"gross_area_ha": (a, zero, one), "cleared_ha": (a, c, one),
             "farmland_converted_ha": (a, c, f), "built_ha": (a + c, k, one),
             "open_ha": (a + c + k, zero, one)}
    for key, (start, n, w) in steps.items():
        each = w[..., None] * (area[..., None] * land.ramp(t, start, n))  # (draw, phase, year)
        want = np.empty_like(got[key])
        for cluster, (lo, hi) in enumerate(zip(first, [*first[1:], p])):
            want[:, cluster] = each[:, lo]
            for j in range(lo + 1, hi):
                want[:, cluster] += each[:, j]
        assert got[key].tobytes() == want.tobytes(), key


def test_alpha_timeline_by_hand(mini_results) -> None:
    """10 ha approved 2020; cleared in 2020; built 2021–22; open 2023; 3 ha of demand a year."""
    r = mini_results
    assert series(r, "gross_area_ha", "alpha")[2020] == 10
    assert series(r, "farmland_converted_ha", "alpha")[2020] == 5  # 0.5 × 10 ha
    assert series(r, "rice_land_converted_ha", "alpha")[2020] == 4  # 0.8 × 5 ha
    capex = series(r, "capex_bn_vnd", "alpha")
    assert [capex[y] for y in (2020, 2021, 2022, 2023)] == [0, 125, 125, 0]  # 25 × 10 ÷ 2
    assert series(r, "clearance_cost_bn_vnd", "alpha")[2020] == 20  # 4 × 5 ha of farmland
    assert [series(r, "opex_bn_vnd", "alpha")[y] for y in (2021, 2022)] == [2.5, 5]  # 0.5 × built ha
    assert [series(r, "leasable_area_ha", "alpha")[y] for y in (2022, 2023)] == [0, 6]
    leased = series(r, "leased_area_ha", "alpha")
    assert [leased[y] for y in (2022, 2023, 2024, 2030)] == [0, 3, 6, 6]  # demand 3 ha/yr
    assert series(r, "jobs", "alpha")[2023] == 300  # light manufacturing, 100 per leased ha
    assert series(r, "jobs_light_manufacturing", "alpha")[2023] == 300
    assert series(r, "firms", "alpha")[2024] == 30
    assert series(r, "wages_bn_vnd", "alpha")[2024] == 60  # 600 workers × 0.1
    assert series(r, "occupancy_pct", "alpha")[2023] == 50
    lease = series(r, "land_lease_revenue_bn_vnd", "alpha")
    assert [lease[y] for y in (2023, 2024, 2025)] == [39, 42, 6]  # 12 × new ha + 1 × leased ha
    net = series(r, "net_cash_bn_vnd", "alpha")
    assert [net[y] for y in (2020, 2021, 2022, 2023, 2024, 2025)] == [-20, -102.5, -105, 34, 37, 1]
    assert series(r, "cumulative_net_cash_bn_vnd", "alpha")[2030] == -150.5
    budget = series(r, "budget_revenue_bn_vnd", "alpha")
    assert budget[2024] == 0.02 * 300 + 0.5 * 6  # tax on 50 × 6 ha of revenue + rent
    public = series(r, "public_net_cash_bn_vnd", "alpha")
    assert public[2021] == -25  # the State pays 20 % of 125
    flows = [-20, -102.5, -105, 34, 37] + [1] * 6
    assert series(r, "npv_bn_vnd", "alpha")[2030] == pytest.approx(
        sum(f / 1.1**t for t, f in enumerate(flows)), abs=1e-6)



def test_every_party_and_break_even_by_hand(mini_results) -> None:
    """Alpha's parties (docs/model.md §6): the central budget takes 68 % of the taxes, the city
    the rest plus land rent less the State's support; households get the clearance payments and
    lose 0.04 bn a year on each converted farmland ha; workers gain 0.1 − 0.06 a year each; the
    break-even lease price makes the developer NPV zero with the take-up held."""
    r = mini_results
    d = [1.1**-t for t in range(11)]
    taxes, rent, support = [0, 0, 0, 3, 6] + [6] * 6, [0, 0, 0, 1.5, 3] + [3] * 6, [0, 25, 25] + [0] * 8
    central = sum(0.68 * x * f for x, f in zip(taxes, d))
    city = sum((0.32 * x + y - z) * f for x, y, z, f in zip(taxes, rent, support, d))
    assert series(r, "central_npv_bn_vnd", "alpha")[2030] == pytest.approx(central, abs=1e-6)
    assert series(r, "city_npv_bn_vnd", "alpha")[2030] == pytest.approx(city, abs=1e-6)
    assert central + city == pytest.approx(series(r, "public_npv_bn_vnd", "alpha")[2030], abs=1e-6)
    assert series(r, "farm_income_lost_bn_vnd", "alpha")[2024] == pytest.approx(0.04 * 5)
    households = [20 - 0.2] + [-0.2] * 10  # 4 × 5 ha paid in 2020, then 0.04 × 5 ha lost a year
    assert series(r, "households_npv_bn_vnd", "alpha")[2030] == pytest.approx(
        sum(x * f for x, f in zip(households, d)), abs=1e-6)
    jobs = [0, 0, 0, 300] + [600] * 7
    assert series(r, "workers_npv_bn_vnd", "alpha")[2030] == pytest.approx(
        sum(0.04 * j * f for j, f in zip(jobs, d)), abs=1e-6)
    sold = 3 * d[3] + 3 * d[4]  # ha sold in 2023 and 2024, discounted (no price growth)
    assert series(r, "leased_ha_npv", "alpha")[2030] == pytest.approx(sold, abs=1e-6)
    npv = series(r, "npv_bn_vnd", "alpha")[2030]
    cost = series(r, "recovery_cost_npv_bn_vnd", "alpha")[2030]
    assert cost == pytest.approx(12 * sold - npv, abs=1e-6)
    price = finance.breakeven_price(np.array([cost]), np.array([sold]))[0]
    assert price * sold - cost == pytest.approx(0, abs=1e-9)  # NPV is zero at that price
    assert price > 12  # alpha loses money at 12 bn/ha

def test_beta_craft_pool_and_fractional_clearance_by_hand(mini_results) -> None:
    """Phase 2 clears for E[tri(1, 2, 4)] = 7/3 years from 2026 and opens at 2029 1/3;
    the craft pool brings 1.2 ha a year."""
    r = mini_results
    capex = series(r, "capex_bn_vnd", "beta")
    assert capex[2024] == pytest.approx(100)  # phase 1: 25 × 4 ha in one year
    assert capex[2028] == pytest.approx(100, abs=1e-4)  # 2/3 of 25 × 6 ha
    assert capex[2029] == pytest.approx(50, abs=1e-4)
    leased = series(r, "leased_area_ha", "beta")
    assert [leased[y] for y in (2025, 2026, 2028)] == pytest.approx([1.2, 2.4, 2.4])
    assert [leased[y] for y in (2029, 2030)] == pytest.approx([3.6, 4.8])
    assert series(r, "jobs", "beta")[2030] == pytest.approx(960)  # craft, 200 per leased ha


def test_labour_fills_every_job(mini_results) -> None:
    r = mini_results
    supplied = r.communes["workers_supplied"].sum(axis=1)
    np.testing.assert_allclose(supplied + r.district["workers_in_commuting"], r.district["jobs"],
                               rtol=1e-9, atol=1e-6)
    assert (r.communes["workers_supplied"] <= r.communes["labour_available"] + 1e-6).all()


def test_district_totals_are_sums_and_occupancy_a_ratio(mini_results) -> None:
    r = mini_results
    for m in ("gross_area_ha", "jobs", "capex_bn_vnd", "cumulative_net_cash_bn_vnd"):
        np.testing.assert_allclose(r.district[m], r.metrics[m].sum(axis=1))
    lease = r.district["leased_area_ha"]
    able = r.district["leasable_area_ha"]
    np.testing.assert_allclose(r.district["occupancy_pct"][able > 0], 100 * lease[able > 0] / able[able > 0])


def _random_scenario(draws: int, seed: int, n_clusters: int, fill: float, demand: float = 10.0):
    from simulator.scenario.schema import Scenario

    poly = "POLYGON ((105.86 20.84, 105.861 20.84, 105.861 20.841, 105.86 20.84))"
    clusters = [{
        "id": f"c{i}", "name": f"C{i}", "commune": "x", "status": "proposed", "source": "t",
        "kind": "craft_village" if i == 2 else "general",
        "geometry": {"inline": poly}, "area_ha": 5 + 7 * i,
        "phases": [{"share": 0.4, "approval_year": 2022 + i, "clearance_years":
                    {"dist": "triangular", "low": 0, "mode": 1, "high": 4}, "construction_years": 2},
                   {"share": 0.6, "approval_year": 2027, "clearance_years":
                    {"dist": "uniform", "low": 0.5, "high": 3}, "construction_years": 1}],
    } for i in range(n_clusters)]
    return Scenario.model_validate({
        "id": "h", "title": "h", "base_year": 2023, "horizon_year": 2040, "seed": seed,
        "draws": draws, "district": {"params": {"fill_years": fill, "demand_ha_per_year": demand}},
        "clusters": clusters})


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 4), fill=st.floats(0, 6))
@example(seed=0, n=1, fill=2.225073858507203e-309)  # a subnormal duration overflowed the divide
def test_land_invariants(seed: int, n: int, fill: float) -> None:
    r = model.simulate(build_inputs(_random_scenario(50, seed, n, fill), geo_for(n)))
    m = r.metrics
    eps = 1e-9
    assert (m["leased_area_ha"] <= m["leasable_area_ha"] + eps).all()
    assert (m["leasable_area_ha"] <= m["gross_area_ha"] + eps).all()
    assert (m["farmland_converted_ha"] <= m["gross_area_ha"] + eps).all()
    assert ((m["occupancy_pct"] >= 0) & (m["occupancy_pct"] <= 100 + eps)).all()
    assert (np.diff(m["gross_area_ha"], axis=-1) >= -eps).all()  # land is never un-approved
    assert (m["jobs"][m["leased_area_ha"] == 0] == 0).all()  # no leased land, no jobs


def test_chunked_equals_unchunked(monkeypatch: pytest.MonkeyPatch) -> None:
    """One chunk on one thread, one draw a chunk on one thread, and on two threads: the same
    numbers, bit for bit."""
    inputs = build_inputs(_random_scenario(200, 3, 3, 2.0), geo_for(3))
    monkeypatch.setattr(model, "_THREADS", 1)
    whole = model.simulate(inputs)
    assert len(model.chunk_slices(inputs)) == 1
    monkeypatch.setattr(model, "_CHUNK_CELLS", 1)  # 1 draw per chunk
    chunked = model.simulate(inputs)
    monkeypatch.setattr(model, "_THREADS", 2)
    threaded = model.simulate(inputs)
    for k in whole.metrics:
        np.testing.assert_array_equal(whole.metrics[k], chunked.metrics[k])
        np.testing.assert_array_equal(whole.metrics[k], threaded.metrics[k])
    for k in whole.district:
        np.testing.assert_array_equal(whole.district[k], threaded.district[k])
    for k in whole.communes:
        np.testing.assert_array_equal(whole.communes[k], threaded.communes[k])
    # the chunks write the held per-cluster metrics in place: rows of one array, no copy; the
    # rated ones are held as their rates, times a held row
    held = threaded.metrics["leased_area_ha"].base
    rows = model.held_rows(inputs)
    assert held is not None and held.shape[:2] == (len(rows), 200) and len(rows) < 23
    drawn = threaded.metrics.arrays
    assert all(drawn[k].base is held for k in rows)
    rated = [v for k, v in drawn.items() if k not in rows]
    assert len(rated) == 11 and all(isinstance(v, Product) and v.factors()[0].base is held
                                    for v in rated)


def test_a_chunk_thread_takes_the_next_chunk_when_it_is_done(monkeypatch: pytest.MonkeyPatch) -> None:
    """`_in_order` on two threads: while the first chunk is still running, the other thread goes
    on to the chunks after the second (no waiting for the oldest chunk); two at a time at
    most; the results yielded in order."""
    import threading

    monkeypatch.setattr(model, "_THREADS", 2)
    first_free = threading.Event()
    lock = threading.Lock()
    running, most, started = [0], [0], []

    def fn(sl: slice) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
            started.append(sl.start)
            if sl.start == 3:  # the fourth chunk started while the first still runs
                first_free.set()
        if sl.start == 0:
            assert first_free.wait(10), "the other thread waited for the first chunk"
        with lock:
            running[0] -= 1
        return sl.start

    slices = [slice(k, k + 1) for k in range(6)]
    got = list(model._in_order(fn, slices))
    assert got == [(sl, sl.start) for sl in slices]
    assert most[0] == 2 and sorted(started) == list(range(6))


def test_the_chunk_pool_lets_each_result_go_once_yielded(monkeypatch: pytest.MonkeyPatch) -> None:
    """`_in_order` keeps no result it has yielded (a recomputed run's 667 block summaries held
    to the end of the sweep would take 0.4 GiB in the national case)."""
    import gc
    import weakref

    class Result:
        pass

    monkeypatch.setattr(model, "_THREADS", 2)
    made: dict[int, weakref.ref[Result]] = {}

    def fn(sl: slice) -> Result:
        r = Result()
        made[sl.start] = weakref.ref(r)
        return r

    got = model._in_order(fn, [slice(k, k + 1) for k in range(8)])
    for k, (sl, r) in enumerate(got):
        assert sl.start == k
        del r
        gc.collect()
        if k >= 1:
            assert all(made[j]() is None for j in range(k)), k


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_chunks_are_a_multiple_of_the_threads_and_of_even_sizes(
        monkeypatch: pytest.MonkeyPatch, threads: int) -> None:
    """The draws are split into chunks within the memory bound, as many as a multiple of the
    threads (each gets as many) and of sizes within a draw of each other, in order."""
    inputs = build_inputs(_random_scenario(103, 3, 3, 2.0), geo_for(3))
    monkeypatch.setattr(model, "_THREADS", threads)
    per_draw = model._per_draw_cells(inputs, 3)
    for cells in (10**9, 30 * threads * per_draw, 7 * threads * per_draw, 1):
        monkeypatch.setattr(model, "_CHUNK_CELLS", cells)
        slices = model.chunk_slices(inputs)
        sizes = [sl.stop - sl.start for sl in slices]
        assert slices[0].start == 0 and slices[-1].stop == 103
        assert all(a.stop == b.start for a, b in zip(slices, slices[1:]))
        assert max(sizes) <= max(1, cells // (threads * per_draw)) and max(sizes) - min(sizes) <= 1
        assert len(slices) == 1 if cells == 10**9 else len(slices) % threads == 0 or len(slices) == 103


@pytest.mark.parametrize("takeup", ["competitive", "independent"])
def test_recomputed_blocks_equal_held_draws(takeup: str) -> None:
    """Past the memory budget the per-cluster draws are not held but recomputed block by block
    of clusters from the run's coupling numbers (water levels, labour catchment): every array,
    band, IRR and payback year is the same, bit for bit, and no block is larger than asked."""
    s = _random_scenario(150, 8, 5, 2.0)
    s = s.model_copy(update={"district": s.district.model_copy(update={"takeup": takeup})})
    inputs = build_inputs(s, geo_for(5))
    held = model.simulate(inputs)
    recomputed = model.simulate(inputs, hold_bytes=0, block_clusters=2)
    assert isinstance(held.metrics, HeldDraws)
    assert isinstance(recomputed.metrics, model.RecomputedDraws)
    assert [sl.stop - sl.start for sl in recomputed.metrics.block_slices] == [2, 2, 1]
    for k in held.metrics:
        got = np.concatenate([b[k] for _, b in recomputed.metrics.blocks()], axis=1)
        np.testing.assert_array_equal(got, held.metrics[k], err_msg=k)
    assert_same_summaries(held, recomputed)
    weights = np.random.default_rng(0).random((5, 3))
    weights[1, 0] = weights[3, 2] = 0.0  # skipped
    expected = np.zeros((150, 3, len(inputs.years)))  # numpy, cluster after cluster
    for c in range(5):
        for k in np.flatnonzero(weights[c]):
            expected[:, k] += weights[c, k] * held.metrics["jobs"][:, c]
    np.testing.assert_array_equal(held.metrics.weighted_sum("jobs", weights), expected)
    np.testing.assert_array_equal(recomputed.metrics.weighted_sum("jobs", weights), expected)


def test_held_bands_are_computed_when_read_and_equal_the_block_sweep() -> None:
    """Held per-cluster draws are not summarised by `summarise` (the checks read no band) but
    when an output first reads a cluster band or the IRR: then every band, IRR and payback at
    once, equal bit for bit to `results.block_summary` of the held block and to the sweep over
    recomputed blocks, above 2,048 draws (the sampled selection)."""
    from simulator import results

    inputs = build_inputs(_random_scenario(2100, 3, 12, 2.0), geo_for(12))
    held = model.simulate(inputs)
    assert isinstance(held.metrics, HeldDraws)
    held.summarise()
    assert not held._stats and not held._finance
    assert np.isfinite(held.payback).any()  # the first read: everything
    assert {k for k in held._stats if k[0] == "metrics"} == {("metrics", m) for m in held.metrics}
    assert not held.metrics._formed  # the rated metrics' bands from their rates, no array formed
    bands, irr, payback = results.block_summary(held.metrics.arrays, held.years, held.developer)
    for k in held.metrics:
        for stat, v in bands[k].items():
            assert held.stats("metrics", k)[stat].tobytes() == v.tobytes(), (k, stat)
    assert held.irr[:, :-1].tobytes() == irr.tobytes()
    assert held.payback[:, :-1].tobytes() == payback.tobytes()
    district = held.developer(held.district["net_cash_bn_vnd"],
                              held.district["cumulative_net_cash_bn_vnd"], held.years)
    np.testing.assert_array_equal(held.irr[:, -1], district[0])
    np.testing.assert_array_equal(held.payback[:, -1], district[1])
    assert np.isfinite(held.irr).any()
    assert_same_summaries(held, model.simulate(inputs, hold_bytes=0, block_clusters=5))


def test_a_rated_metrics_columns_and_weighted_sums_are_formed_cluster_by_cluster() -> None:
    """A metric held as its rates (a Product: the jobs, and the wages on them) read by cluster
    or as a weighted sum gives the bits of its formed array (and of the kernel, through a
    recomputed run) without forming that array."""
    inputs = build_inputs(_random_scenario(60, 4, 5, 2.0), geo_for(5))
    held = model.simulate(inputs)
    again = model.simulate(inputs, hold_bytes=0, block_clusters=2)
    assert isinstance(held.metrics, HeldDraws)
    weights = np.random.default_rng(1).random((5, 2))
    weights[2] = 0.0
    for k in ("jobs", "wages_bn_vnd", "rice_land_converted_ha"):
        assert isinstance(held.metrics.arrays[k], Product)
        for c in range(5):
            assert held.metrics.column(k, c).tobytes() == again.metrics.column(k, c).tobytes()
        assert (held.metrics.weighted_sum(k, weights).tobytes()
                == again.metrics.weighted_sum(k, weights).tobytes())
    assert not held.metrics._formed
    assert held.metrics["jobs"].tobytes() == np.concatenate(
        [b["jobs"] for _, b in again.metrics.blocks()], axis=1).tobytes()


def test_held_draws_are_freed_when_let_go_without_the_cyclic_collector() -> None:
    """A held run's arrays go as soon as its results are let go, after a block was read (and
    cached) and a rated metric formed: no reference cycle keeps them for the cyclic collector,
    which `clustersim` pauses (an optimiser's many runs would pile up)."""
    import gc
    import weakref

    inputs = build_inputs(_random_scenario(60, 4, 5, 2.0), geo_for(5))
    held = model.simulate(inputs)
    assert isinstance(held.metrics, HeldDraws)
    assert held.metrics.block(slice(0, 2))["jobs"].shape == (60, 2, len(inputs.years))
    gone = weakref.ref(held.metrics)
    enabled = gc.isenabled()
    gc.disable()
    try:
        del held
        assert gone() is None
    finally:
        if enabled:
            gc.enable()


def test_every_band_computes_the_district_and_commune_bands_with_the_cluster_bands() -> None:
    """`every_band` computes every band at once, before any is read: the cluster bands, IRR
    and payback, and beside them the district and commune bands, each equal bit for bit to
    `quantiles` of its array (what reading it alone computes); held or recomputed draws."""
    from simulator.uncertainty import quantiles

    inputs = build_inputs(_random_scenario(2100, 3, 12, 2.0), geo_for(12))
    for r in (model.simulate(inputs), model.simulate(inputs, hold_bytes=0, block_clusters=2)):
        assert not r._stats and not r._finance
        r.every_band()
        assert "irr" in r._finance and "payback" in r._finance
        for kind, arrays in (("district", r.district), ("communes", r.communes)):
            assert {m for k, m in r._stats if k == kind} == set(arrays)
            for m, v in arrays.items():
                for stat, want in quantiles(v).items():
                    assert r._stats[kind, m][stat].tobytes() == want.tobytes(), (kind, m, stat)
        assert {m for k, m in r._stats if k == "metrics"} == set(r.metrics)


def test_columns_at_a_year_are_each_clusters_draws_in_order() -> None:
    """`columns_at` (one copy of a block's year per metric) gives every cluster, in order, the
    draws `column` gives it, held or recomputed in blocks; who gains reads it, the same."""
    from simulator import appraisal

    inputs = build_inputs(_random_scenario(90, 4, 7, 2.0), geo_for(7))
    held = model.simulate(inputs)
    recomputed = model.simulate(inputs, hold_bytes=0, block_clusters=3)
    for r in (held, recomputed):
        for t in (0, len(inputs.years) - 1):
            seen = []
            for k, cols in r.metrics.columns_at(["jobs", "npv_bn_vnd"], t):
                seen.append(k)
                for m, v in cols.items():
                    np.testing.assert_array_equal(v, r.metrics.column(m, k)[:, t], err_msg=m)
            assert seen == list(range(7))
    assert np.ptp(held.metrics["npv_bn_vnd"][:, :, -1]) > 0
    assert appraisal.who_gains(held) == appraisal.who_gains(recomputed)


def test_year_totals_are_each_clusters_column_summed_bit_for_bit() -> None:
    """`appraisal._year_totals` (one pass over the blocks, every cluster's years summed at
    once) gives each cluster the bits of its own column's sum over the years, held or
    recomputed in blocks; the calibration rows and price plans read it."""
    from simulator import appraisal

    inputs = build_inputs(_random_scenario(90, 4, 7, 2.0), geo_for(7))
    held = model.simulate(inputs)
    recomputed = model.simulate(inputs, hold_bytes=0, block_clusters=3)
    metrics = ("capex_bn_vnd", "clearance_cost_bn_vnd", "leased_area_ha")
    for r in (held, recomputed):
        totals = appraisal._year_totals(r, metrics)
        assert tuple(totals) == metrics
        for m, got in totals.items():
            assert np.ptp(got) > 0, m
            for k in range(7):
                assert got[:, k].tobytes() == r.metrics.column(m, k).sum(axis=1).tobytes(), (m, k)


@pytest.mark.parametrize("takeup", ["competitive", "independent"])
def test_one_cluster_without_the_labour_catchment_equals_the_whole_run(
        takeup: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """simulate_cluster (take-up over every cluster, then one cluster's land and money) gives
    bit for bit the whole run's leased area, developer NPV and district leased area."""
    s = _random_scenario(120, 9, 4, 2.0)
    s = s.model_copy(update={"district": s.district.model_copy(update={"takeup": takeup})})
    inputs = build_inputs(s, geo_for(4))
    monkeypatch.setattr(model, "_CHUNK_CELLS", 30_000)
    assert len(model.chunk_slices(inputs)) > 2
    whole = model.simulate(inputs)
    for ci in range(4):
        one = model.simulate_cluster(inputs, ci)
        np.testing.assert_array_equal(one["leased_area_ha"], whole.metrics["leased_area_ha"][:, ci])
        np.testing.assert_array_equal(one["npv_bn_vnd"], whole.metrics["npv_bn_vnd"][:, ci])
        np.testing.assert_array_equal(one["district:leased_area_ha"], whole.district["leased_area_ha"])


def test_parameters_of_a_block_are_those_of_every_cluster_sliced() -> None:
    """ParameterDraws.take of a block of draws and clusters gives each field's columns of the
    whole draws' (phase, cluster) and the same sector and district draws, each field a
    C-contiguous array; drawn fields are their rows of the draws, fixed ones their central
    value."""
    s = _random_scenario(60, 9, 4, 2.0)
    inputs = build_inputs(s, geo_for(4))
    params = model.ParameterDraws(inputs)
    every = params.take()
    varied = 0
    for ci in range(4):
        one, draws = slice(ci, ci + 1), slice(10, 50)
        cols = {"phase": inputs.phase_range(one), "cluster": one}
        for g, fields in params.take(draws, one).items():
            for f, v in fields.items():
                want = every[g][f][draws]
                want = want[:, cols[g]] if g in cols else want
                np.testing.assert_array_equal(v, want, err_msg=f"{g}.{f}")
                assert v.flags.c_contiguous, f"{g}.{f}"
                varied += bool(np.ptp(v, axis=0).max() > 0)
    assert varied > 0
    for g, fields in params.layout.items():
        for f, (rows, central) in fields.items():
            got = every[g][f].reshape(inputs.draws, -1)
            np.testing.assert_array_equal(got[:, rows < 0], np.broadcast_to(central[rows < 0], got[:, rows < 0].shape))
            np.testing.assert_array_equal(got[:, rows >= 0], params.values[rows[rows >= 0]].T)


def test_clusters_re_run_together_equal_whole_runs_correlations_included(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """simulate_clusters (the parameter draws and each chunk's timeline shared where they are
    the same numbers) gives bit for bit each re-run's whole-run leased area, developer NPV and
    district leased area. Cluster c0's lease price is its own and correlated with its first
    phase's clearance: fixing it drops the correlation, so the clearance draws and the
    timeline change (drawn anew); the district lease price (c1 and c3 inherit it) is
    correlated with c1's second phase: fixing c1's or c3's leaves it drawn, the draws shared."""
    from simulator import appraisal
    timeline = model._timelines
    s = _random_scenario(90, 11, 4, 2.0)
    lease = "lease_price_bn_vnd_per_ha"
    own = {"dist": "triangular", "low": 6, "mode": 10, "high": 15}
    data = s.model_dump(mode="json", exclude_none=True)
    data["clusters"][0].setdefault("params", {})[lease] = own
    data["district"]["params"][lease] = {"dist": "uniform", "low": 8, "high": 14}
    data["uncertainty"] = {"correlations": [
        {"between": [f"clusters[c0].params.{lease}", "clusters[c0].phases[0].clearance_years"], "rho": 0.8},
        {"between": [f"district.params.{lease}", "clusters[c1].phases[1].clearance_years"], "rho": -0.6}]}
    s = type(s).model_validate(data)
    inputs = build_inputs(s, geo_for(4))
    monkeypatch.setattr(model, "_CHUNK_CELLS", 30_000)
    assert len(model.chunk_slices(inputs, keep=False)) > 2
    priced = [(0, 11.0), (1, 9.0), (3, 12.5)]
    runs = [(appraisal.at_price(inputs, ci, price), ci) for ci, price in priced]
    base = model.ParameterDraws(inputs)
    clearance = base.take()["phase"]["clearance_years"]
    fixed_own = base.reuse(runs[0][0]).take()["phase"]["clearance_years"]
    assert not np.array_equal(fixed_own[:, 0], clearance[:, 0])  # the correlation dropped
    for run, _ in runs[1:]:
        np.testing.assert_array_equal(base.reuse(run).values, base.values)  # the same draws
    timelines = []  # one per chunk for c1 and c3 (the same draws), one for c0 (drawn anew)
    monkeypatch.setattr(model, "_timelines", lambda *a: timelines.append(a) or timeline(*a))
    together = model.simulate_clusters(inputs, priced)
    assert len(timelines) == 2 * len(model.chunk_slices(inputs, keep=False))
    monkeypatch.setattr(model, "_timelines", timeline)
    for (run, ci), got in zip(runs, together):
        whole = model.simulate(run)
        np.testing.assert_array_equal(got["leased_area_ha"], whole.metrics["leased_area_ha"][:, ci])
        np.testing.assert_array_equal(got["npv_bn_vnd"], whole.metrics["npv_bn_vnd"][:, ci])
        np.testing.assert_array_equal(got["district:leased_area_ha"], whole.district["leased_area_ha"])


def test_shared_chunks_are_each_computed_once_and_raise_what_failed() -> None:
    """SharedChunks: whichever threads work on them, each slice is computed once, and `wait`
    raises in the caller what failed on another thread (the other slices no longer taken)."""
    slices = model._chunks(100, 7)
    seen: list[tuple[int, str]] = []
    shared = model.SharedChunks(lambda sl: seen.append((sl.start, threading.current_thread().name)),
                                slices)
    helpers = [threading.Thread(target=shared.work, name=f"helper {i}") for i in range(3)]
    for h in helpers:
        h.start()
    shared.wait()
    for h in helpers:
        h.join()
    assert sorted(start for start, _ in seen) == [sl.start for sl in slices]
    started = threading.Event()

    def failing(sl: slice) -> None:
        if threading.current_thread().name == "failing":
            started.set()
            raise ValueError(f"draws from {sl.start}")
        assert started.wait(60)  # the caller's first slice waits for the helper to fail

    shared = model.SharedChunks(failing, slices)
    helper = threading.Thread(target=shared.work, name="failing")
    helper.start()
    with pytest.raises(ValueError, match="draws from"):
        shared.wait()
    helper.join()


@pytest.mark.parametrize("takeup", ["competitive", "independent"])
def test_the_take_up_timeline_reads_no_lease_price(takeup: str) -> None:
    """`simulate_clusters` gives re-runs that differ only in a lease price one timeline and
    one take-up room per chunk: neither must read a lease price. Other lease prices (other
    draws for every cluster, and a fixed price in the specs of each cluster in turn) leave
    them bit for bit."""
    from simulator.inputs import LEASE_PRICE, at_price
    s = _random_scenario(40, 9, 4, 2.0)  # from 2030: a history before the base year
    s = s.model_copy(update={"base_year": 2030,
                             "district": s.district.model_copy(update={"takeup": takeup})})
    inputs = build_inputs(s, geo_for(4))
    p = model.ParameterDraws(inputs).take()
    timelines = model._timelines(inputs, p)
    now, before = timelines
    taken = "filled_ha" if takeup == "independent" else "open_ha"
    assert all(np.ptp(v) > 0 for v in (now[taken], before["filled_ha"]))  # vary by draw
    prices = np.random.default_rng(1).uniform(0.0, 1e3, p["cluster"][LEASE_PRICE].shape)
    other = {**p, "cluster": {**p["cluster"], LEASE_PRICE: prices}}
    for ci in range(4):
        got = model._timelines(at_price(inputs, ci, 1e3), other)
        for when, mine, theirs in zip(("now", "before"), got, timelines):
            assert mine.keys() == theirs.keys()
            for k, v in theirs.items():
                np.testing.assert_array_equal(mine[k], v, err_msg=f"{when} {k}")
        room, theirs = model._room(at_price(inputs, ci, 1e3), other, got), model._room(inputs, p, timelines)
        for mine_, theirs_ in ((room.history, theirs.history), (room.capacity, theirs.capacity),
                               *zip((m for pool in room.pools for m in pool),
                                    (m for pool in theirs.pools for m in pool))):
            np.testing.assert_array_equal(mine_, theirs_)
        assert np.ptp(room.capacity) > 0 and len(room.pools) == (takeup == "competitive") * 2


def test_peak_memory_stays_bounded_past_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """With small chunks and a small budget, a run whose per-cluster draws would take ~65 MB
    peaks far below that, bands, rules' columns and weighted sums included (numpy reports its
    allocations to tracemalloc)."""
    import tracemalloc

    inputs = build_inputs(_random_scenario(300, 4, 60, 2.0), geo_for(60))
    monkeypatch.setattr(model, "_CHUNK_CELLS", 500_000)  # ~4 MB of cells per chunk
    held = model.held_bytes(inputs)
    assert held > 60e6
    model.simulate(inputs.block(slice(0, 2)), hold_bytes=0).stats("metrics", "jobs")  # imports
    tracemalloc.start()
    try:
        r = model.simulate(inputs, hold_bytes=4_000_000)
        r.stats("metrics", "jobs")  # every band, IRR and payback: one sweep over the blocks
        r.metrics.column("occupancy_pct", 17)
        r.metrics.weighted_sum("farmland_converted_ha", np.ones((60, 1)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(r.metrics, model.RecomputedDraws)
    assert peak < held / 6, f"peak {peak / 1e6:.0f} MB, held would be {held / 1e6:.0f} MB"


def test_a_recomputed_block_is_capped_whatever_the_hold_budget(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Streaming past a large hold budget recomputes blocks of at most BLOCK_BYTES (with their
    temporaries), not blocks as large as the budget itself, and the memory estimate counts the
    same cap: the national case peaked at 2.54 GiB with 2 GiB blocks."""
    inputs = build_inputs(_random_scenario(300, 4, 60, 2.0), geo_for(60))
    held = model.held_bytes(inputs)
    per_cluster = model.block_bytes_per_cluster(inputs)
    monkeypatch.setattr(model, "BLOCK_BYTES", 3 * per_cluster)
    r = model.simulate(inputs, hold_bytes=held - 1)  # just too large to hold
    assert isinstance(r.metrics, model.RecomputedDraws)
    assert max(sl.stop - sl.start for sl in r.metrics.block_slices) == 3
    assert (model.memory_estimate(inputs, held - 1).total
            == model.memory_estimate(inputs, 3 * per_cluster).total)


def test_district_totals_are_the_sums_over_clusters() -> None:
    r = model.simulate(build_inputs(_random_scenario(50, 2, 4, 2.0), geo_for(4)))
    for k in ("jobs", "leased_area_ha", "net_cash_bn_vnd", "in_commuters"):
        np.testing.assert_allclose(r.district[k], r.metrics[k].sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(r.district["workers_in_commuting"], r.district["in_commuters"])


def test_adding_a_cluster_keeps_the_others_draws() -> None:
    """Draws are keyed by parameter identity, not position."""
    two = model.simulate(build_inputs(_random_scenario(100, 11, 2, 2.0), geo_for(2)))
    three = model.simulate(build_inputs(_random_scenario(100, 11, 3, 2.0), geo_for(3)))
    for k in ("gross_area_ha", "capex_bn_vnd"):  # not leased: the third cluster competes
        np.testing.assert_array_equal(two.metrics[k], three.metrics[k][:, :2])


def test_same_seed_same_numbers_other_seed_other_numbers() -> None:
    a = model.simulate(build_inputs(_random_scenario(100, 5, 2, 2.0), geo_for(2)))
    b = model.simulate(build_inputs(_random_scenario(100, 5, 2, 2.0), geo_for(2)))
    c = model.simulate(build_inputs(_random_scenario(100, 6, 2, 2.0), geo_for(2)))
    np.testing.assert_array_equal(a.metrics["leased_area_ha"], b.metrics["leased_area_ha"])
    assert not np.array_equal(a.metrics["leased_area_ha"], c.metrics["leased_area_ha"])


@pytest.mark.parametrize("horizon", [2040, 2023])
def test_district_totals_are_numpys_sums_bit_for_bit(horizon: int) -> None:
    """The totals the compiled cluster pass adds up (clusters in order, the first copied) are
    numpy's sums over the cluster axis of the kept metrics, byte for byte, with or without the
    per-cluster arrays; a single year (numpy sums pairwise there) takes numpy's own sum."""
    s = _random_scenario(30, 5, 4, 2.0)
    inputs = build_inputs(s.model_copy(update={"horizon_year": horizon}), geo_for(4))
    p = model.draw_parameters(inputs)
    kept = model.simulate_draws(inputs, p)
    alone = model.simulate_draws(inputs, p, keep_clusters=False)
    assert not set(model.cluster_metric_names(inputs)) & set(alone)
    for k in model.cluster_metric_names(inputs):
        if k != "occupancy_pct":
            want = kept[k].sum(axis=1)
            assert kept[f"district:{k}"].tobytes() == want.tobytes(), k
            assert alone[f"district:{k}"].tobytes() == want.tobytes(), k


def test_cluster_metrics_written_into_a_given_array() -> None:
    """`simulate_draws(out=…)` writes every row of `cluster_rows` into a strided slice of a
    larger array (e.g. the run's held draws), the same numbers as its own arrays, and returns
    views of it; not into one whose years are strided (the compiled copy reads them as
    contiguous)."""
    inputs = build_inputs(_random_scenario(12, 6, 3, 2.0), geo_for(3))
    own = model.simulate_draws(inputs, model.ParameterDraws(inputs).take(slice(4, 9)))
    rows = model.cluster_rows(inputs)
    held = np.full((len(rows), 12, 3, len(inputs.years)), np.nan)
    given = model.simulate_draws(inputs, model.ParameterDraws(inputs).take(slice(4, 9)),
                                 out=held[:, 4:9])
    assert set(rows) == set(model.cluster_metric_names(inputs))
    for j, k in enumerate(rows):
        assert np.shares_memory(given[k], held)
        np.testing.assert_array_equal(held[j, 4:9], own[k], err_msg=k)
    assert np.isnan(held[:, :4]).all() and np.isnan(held[:, 9:]).all()
    for k, v in own.items():
        np.testing.assert_array_equal(given[k], v, err_msg=k)
    strided = np.empty((len(rows), 5, 3, 2 * len(inputs.years)))[..., ::2]
    with pytest.raises(ValueError, match="years must be contiguous"):
        model.simulate_draws(inputs, model.ParameterDraws(inputs).take(slice(4, 9)), out=strided)


def test_arrays_made_ahead_are_filled_by_the_run_with_the_same_bits() -> None:
    """`hold_ahead` allocates the held array and the numbers kept for every draw and touches
    their pages on a thread; the run of those shapes takes them (the thread stopped first) and
    writes every value: the same numbers, bit for bit, as in arrays of its own. Those of
    another shape are dropped (their thread stopped)."""
    inputs = build_inputs(_random_scenario(300, 5, 3, 2.0), geo_for(3))
    own = model.simulate(inputs)
    shape = model.held_shape(inputs.sectors, inputs.draws, len(inputs.cluster_ids),
                             len(inputs.years))
    model.hold_ahead({model.HELD: shape})
    model.hold_ahead(model.kept_shapes(inputs, held=True))
    made = [pages._values for pages in model._AHEAD]
    for pages in model._AHEAD:
        pages._thread.join()
    for values in (v for one in made for v in one.values()):
        values.fill(np.nan)  # whatever the run leaves unwritten would show
    ran = model.simulate(inputs)
    assert not model._AHEAD
    assert ran.metrics["leased_area_ha"].base is made[0][model.HELD]  # a held row (jobs is rated)
    assert ran.metrics.arrays["jobs"].rate is made[1]["rate:jobs"]
    assert ran.communes["labour_balance"] is made[1]["commune:labour_balance"]
    assert ran.district["npv_bn_vnd"] is made[1]["district:npv_bn_vnd"]
    for k in own.metrics:
        np.testing.assert_array_equal(own.metrics[k], ran.metrics[k])
    for k in own.communes:
        np.testing.assert_array_equal(own.communes[k], ran.communes[k])
    for k in own.district:
        np.testing.assert_array_equal(own.district[k], ran.district[k])
    model.hold_ahead({model.HELD: (1, *shape[1:]), "district:npv_bn_vnd": (1, len(inputs.years))})
    other = model._AHEAD[0]
    again = model.simulate(inputs)
    assert not model._AHEAD and not other._thread.is_alive()
    assert again.metrics["leased_area_ha"].base is not other._values[model.HELD]
    assert again.district["npv_bn_vnd"] is not other._values["district:npv_bn_vnd"]
    np.testing.assert_array_equal(own.metrics["jobs"], again.metrics["jobs"])
    np.testing.assert_array_equal(own.district["npv_bn_vnd"], again.district["npv_bn_vnd"])


@pytest.mark.parametrize(("years", "budget"), [(None, None), (None, 1), (1, None)])
def test_kept_shapes_are_those_of_the_numbers_a_run_stores(years, budget) -> None:
    """`kept_shapes` names every number a local run stores for every draw besides the held
    per-cluster metrics, with its shape: held (the rates of the rated metrics among them),
    recomputed (the coupling numbers, which only serve recomputed blocks, left out) and over
    a single year (no rated metric)."""
    scenario = _random_scenario(40, 2, 3, 2.0)
    if years is not None:
        scenario = scenario.model_copy(update={"horizon_year": scenario.base_year + years - 1})
    inputs = build_inputs(scenario, geo_for(3))
    held = model.holds(model.held_bytes(inputs), budget)
    assert held == (budget is None)
    kept = model._run_chunks(inputs, model.ParameterDraws(inputs), held, None, None)
    stored = {k: v.shape for k, v in kept.items() if ":" in k and not k.startswith("coupling:")}
    assert stored == model.kept_shapes(inputs, held)
    assert any(k.startswith("rate:") for k in stored) == (held and years is None)

def _resident_pages(values: np.ndarray) -> tuple[int, int]:
    """(pages of the array in memory, pages it spans), by mincore(2)."""
    libc = ctypes.CDLL(None)
    page = mmap.PAGESIZE
    low = values.ctypes.data - values.ctypes.data % page
    pages = -(-(values.ctypes.data + values.nbytes - low) // page)
    vec = (ctypes.c_ubyte * pages)()
    assert libc.mincore(ctypes.c_void_p(low), ctypes.c_size_t(pages * page), vec) == 0
    return sum(v & 1 for v in vec), pages


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mincore as on Linux")
def test_held_pages_are_touched_until_taken() -> None:
    """The thread faults in every page of every array (one cell written in each), 64 MiB at
    a time, all of them when left alone; arrays too large for the heap come from pages of
    their own, none in memory before but the first."""
    shapes = {"a": (3, 1000, 7, 500), "b": (2, 3)}  # 84 MB, mapped for itself
    assert _resident_pages(np.empty(shapes["a"]))[0] <= 1  # malloc's header in the first
    pages = model.HeldPages(shapes)
    pages._thread.join()
    values = pages.take()
    assert {k: v.shape for k, v in values.items()} == shapes
    resident, spanned = _resident_pages(values["a"])
    assert resident == spanned and pages.touched == 8 * (3 * 1000 * 7 * 500 + 6)


def test_pages_made_ahead_are_touched_one_set_after_the_other() -> None:
    """A set of arrays made ahead is touched once those made before it are (`after`): one
    thread touching at a time."""
    gate = threading.Event()
    before = threading.Thread(target=gate.wait, daemon=True)
    before.start()
    pages = model.HeldPages({"b": (1000,)}, after=types.SimpleNamespace(_thread=before))
    try:
        time.sleep(0.05)
        assert pages.touched == 0
    finally:
        gate.set()
    pages._thread.join()
    assert pages.touched == 8000
