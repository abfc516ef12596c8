"""Each sub-model against a hand-computed case, and the model's invariants as properties."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq
from scipy.optimize.elementwise import find_root

from simulator import employment, finance, kernels, land, model
from simulator.inputs import build_inputs

from conftest import ROOT, geo_for
from test_model import _random_scenario


def test_allocation_by_hand() -> None:
    """Demand 10 shared by score × room; a full cluster's excess goes to the other."""
    take, unmet = land.allocate(np.array([10.0]), np.array([[1.0, 3.0]]), np.array([[100.0, 100.0]]))
    np.testing.assert_allclose(take, [[2.5, 7.5]])  # weights 100 : 300
    take, unmet = land.allocate(np.array([10.0]), np.array([[1000.0, 1.0]]), np.array([[1.0, 100.0]]))
    np.testing.assert_allclose(take, [[1.0, 9.0]])  # A is full after 1 ha; B takes the rest
    take, unmet = land.allocate(np.array([10.0]), np.array([[1.0, 1.0]]), np.array([[2.0, 3.0]]))
    np.testing.assert_allclose(take, [[2.0, 3.0]])
    assert unmet[0] == pytest.approx(5.0)  # more demand than vacant land


def test_water_filling_by_hand() -> None:
    """Scores 10, 1, 1 and rooms 1, 10, 10 under demand 6: at level θ the first is full
    (θ · 10 ≥ 1) and the others take 10 θ each, so 1 + 20 θ = 6, θ = 0.25: 1, 2.5, 2.5."""
    score, room = np.array([[10.0, 1.0, 1.0]]), np.array([[1.0, 10.0, 10.0]])
    level = land.water_level(np.array([6.0]), score, room)
    assert level[0] == pytest.approx(0.25)
    take, unmet = land.allocate(np.array([6.0]), score, room)
    np.testing.assert_allclose(take, [[1.0, 2.5, 2.5]])
    assert unmet[0] == 0.0


def test_water_filling_of_a_block_equals_the_whole() -> None:
    """Given the levels of a run over every cluster, a block of clusters alone gets the same
    leased area bit for bit (what lets the model recompute blocks of clusters)."""
    rng = np.random.default_rng(4)
    cap = np.cumsum(rng.uniform(0, 5, (50, 7, 6)), axis=2)
    score, before = rng.uniform(0.1, 2.0, (50, 7)), rng.uniform(0, 2, (50, 7))
    pools = [(np.array([1, 1, 0, 1, 0, 1, 1], bool), rng.uniform(0, 9, (50, 6))),
             (np.array([0, 0, 1, 0, 1, 0, 0], bool), rng.uniform(0, 3, (50, 6)))]
    whole, unmet, levels = land.competitive_takeup(cap, before, score, pools)
    assert (whole <= np.maximum(cap, before[..., None]) + 1e-9).all()
    block = slice(2, 5)
    part, _, _ = land.competitive_takeup(cap[:, block], before[:, block], score[:, block],
                                         [(m[block], d) for m, d in pools], levels=levels)
    np.testing.assert_array_equal(part, whole[:, block])


def test_runs_solved_together_equal_each_solved_alone() -> None:
    """Scores (run, draw, cluster) solve each run as if alone, bit for bit (the price
    response's re-runs share one call), `total` is the leased area summed over clusters, the
    clusters added in order: numpy's sum over the cluster axis, bit for bit, and `keep` gives
    each run's chosen clusters alone, the total still over every cluster."""
    rng = np.random.default_rng(5)
    cap = np.cumsum(rng.uniform(0, 5, (40, 7, 6)), axis=2)
    before = rng.uniform(0, 2, (40, 7))
    scores = rng.uniform(0.1, 2.0, (3, 40, 7))
    pools = [(np.array([1, 1, 0, 1, 0, 1, 1], bool), rng.uniform(0, 9, (40, 6))),
             (np.array([0, 0, 1, 0, 1, 0, 0], bool), rng.uniform(0, 3, (40, 6)))]
    total = np.full((3, 40, 6), np.nan)
    leased, unmet, levels = land.competitive_takeup(cap, before, scores, pools, total=total)
    assert leased.shape == (3, 40, 7, 6) and unmet.shape == (3, 40, 6) and levels.shape == (3, 40, 6, 2)
    for r in range(3):
        alone = land.competitive_takeup(cap, before, scores[r], pools)
        for got, want in zip((leased[r], unmet[r], levels[r]), alone):
            np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(total[r], alone[0].sum(axis=1))
    assert not np.array_equal(leased[0], leased[1])
    keep = np.array([[6], [0], [3]])  # each run's own cluster: its leased area alone
    again = np.full((3, 40, 6), np.nan)
    mine, _, _ = land.competitive_takeup(cap, before, scores, pools, total=again, keep=keep)
    assert mine.shape == (3, 40, 1, 6)
    for r, (c,) in enumerate(keep):
        np.testing.assert_array_equal(mine[r, :, 0], leased[r, :, c])
    np.testing.assert_array_equal(again, total)


def test_money_rows_asked_for_are_those_of_every_row() -> None:
    """finance.simulate_money's `rows` (the price response's re-runs ask for the developer NPV
    alone) are, bit for bit, those rows of every row, in the order asked for."""
    rng = np.random.default_rng(9)
    n, c, y = 7, 3, 5

    def stock() -> np.ndarray:
        return np.cumsum(rng.uniform(0, 3, (n, c, y)), axis=2)

    land_ = {"leased_ha": stock(), "built_ha": stock(), "farmland_ha": stock(),
             **{k: rng.uniform(0, 1, (n, c)) for k in ("leased_before", "built_before", "farmland_before")}}
    p = {**{k: rng.uniform(0.01, 0.5, (n, c)) for k in finance._RATES},
         **{k: rng.uniform(0.01, 0.5, n) for k in finance._EACH}}
    kw = {"land": land_, "firm_revenue": stock(), "jobs": stock(), "discount_rate": rng.uniform(0.05, 0.1, n),
          "index": finance.price_index(rng.uniform(0, 0.05, n), np.arange(y, dtype=float)), "p": p}
    every = finance.simulate_money(**kw)
    assert list(every) == list(kernels.MONEY_OUT)
    some = finance.simulate_money(**kw, rows=("npv_bn_vnd", "capex_bn_vnd"))
    assert list(some) == ["npv_bn_vnd", "capex_bn_vnd"]
    for k, v in some.items():
        np.testing.assert_array_equal(v, every[k], err_msg=k)
    assert not np.array_equal(some["npv_bn_vnd"], some["capex_bn_vnd"])


def test_a_new_cluster_lowers_the_others_fill() -> None:
    """Two clusters under fixed demand fill more slowly than one alone."""
    cap = np.full((1, 2, 4), 20.0)
    pools = [(np.array([True, True]), np.full((1, 4), 6.0))]
    both, _, _ = land.competitive_takeup(cap, np.zeros((1, 2)), np.ones((1, 2)), pools)
    alone, _, _ = land.competitive_takeup(cap[:, :1], np.zeros((1, 1)), np.ones((1, 1)),
                                       [(np.array([True]), np.full((1, 4), 6.0))])
    np.testing.assert_allclose(alone[0, 0], [6, 12, 18, 20])
    np.testing.assert_allclose(both[0, 0], [3, 6, 9, 12])
    assert (both[0, 0] <= alone[0, 0]).all()


def test_gravity_three_communes_by_hand() -> None:
    """One cluster of 100 jobs and three communes of 100 workers at deterrence 1, ½, ¼.

    With a slack destination of deterrence 1, T_i / (W_i − T_i) = k · f_i for one k: the
    closed form of the doubly-constrained model here; Σ T_i = 100."""
    beta = 0.5
    f = np.array([1.0, 0.5, 0.25])
    d = -np.log(f) / beta
    g = employment.gravity(np.full((1, 3, 1), 100.0), np.array([[[100.0]]]),
                           employment.deterrence(d[None, None, :], np.array([beta]), np.array([10.0])))
    t = g["workers_supplied"][0, :, 0]
    assert t.sum() == pytest.approx(100.0)
    ratio = t / (100.0 - t) / f
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-9)
    assert g["in_commuters"].sum() == pytest.approx(0.0)


def test_gravity_shortage_brings_in_commuters() -> None:
    """Three communes of 10 workers, clusters of 60 and 40 jobs at 1, 2, 3 km and 3, 2, 1 km
    (β 0.3): the outside origin holds the 70 missing workers at 12 km, equally far from both
    clusters, so it splits like the middle commune, 1 : r with r = B₁D₁ / B₀D₀. Cluster 0's
    column sum fixes r: 10/(1 + r e^−0.6) + 10/(1 + r) + 10/(1 + r e^0.6) + 70/(1 + r) = 60,
    r = 0.662068…, so the in-commuters are 70/(1 + r) = 42.1162 and 70 r/(1 + r) = 27.8838."""
    f = employment.deterrence(np.array([[[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]]]), np.array([0.3]),
                              np.array([12.0]))
    g = employment.gravity(np.full((1, 3, 1), 10.0), np.array([[[60.0], [40.0]]]), f)
    np.testing.assert_allclose(g["workers_supplied"][0, :, 0], [10.0, 10.0, 10.0])  # all used
    e = np.exp(0.6)
    r = brentq(lambda r: 10 / (1 + r / e) + 10 / (1 + r) + 10 / (1 + r * e) + 70 / (1 + r) - 60,
               1e-6, 1e6)
    assert r == pytest.approx(0.662068, abs=1e-6)
    np.testing.assert_allclose(g["in_commuters"][0, :, 0], [70 / (1 + r), 70 * r / (1 + r)],
                               rtol=1e-7)


def _balanced(workers: np.ndarray, jobs: np.ndarray, f: np.ndarray,
              ao: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The IPF's problem as `employment.gravity` builds it, origins × (clusters + slack), and
    the flows (draw, origin, destination, year) of the balanced origin weights ao with B_c
    recomputed from them: full, origins, dests, flows."""
    d, i = f.shape[0], f.shape[2] - 1
    full = np.concatenate([np.swapaxes(f, 1, 2), np.r_[np.ones(i), 0.0][None, :, None]
                           * np.ones((d, 1, 1))], axis=2)
    dests = np.concatenate([jobs, np.maximum(workers.sum(1) - jobs.sum(1), 0)[:, None]], axis=1)
    origins = np.concatenate([workers, np.maximum(jobs.sum(1) - workers.sum(1), 0)[:, None]], axis=1)
    bd = dests / np.maximum(np.einsum("dic,diy->dcy", full, ao), 1e-300)
    return full, origins, dests, ao[:, :, None, :] * full[..., None] * bd[:, None, :, :]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gravity_stops_when_the_marginals_agree_to_the_tolerance(seed: int) -> None:
    """IPF stops once no balanced origin weight moves by more than IPF_TOLERANCE: then every
    origin's and destination's flows sum to its total within a few times the tolerance, well
    before the safety stop."""
    rng = np.random.default_rng(seed)
    d, c, i, y = 20, 9, 6, 4
    f = employment.deterrence(rng.uniform(0.5, 12.0, (d, c, i)), rng.uniform(0.05, 0.5, d),
                              rng.uniform(5.0, 20.0, d))
    workers, jobs = rng.uniform(0, 5_000, (d, i, y)), rng.uniform(0, 4_000, (d, c, y))
    jobs[:, 0] = 0.0  # an empty destination
    g = employment.gravity(workers, jobs, f)
    ao = g["origin_weights"]
    full, origins, dests, flows = _balanced(workers, jobs, f, ao)
    tol = 10 * kernels.IPF_TOLERANCE
    np.testing.assert_allclose(flows.sum(axis=1), dests, rtol=1e-14, atol=1e-9)  # columns: exact
    np.testing.assert_allclose(flows.sum(axis=2), origins, rtol=tol, atol=1e-9)  # rows: to tol
    out = np.empty_like(origins)
    sweeps = kernels.ipf(full, origins, dests, out)
    assert sweeps < d * y * 100  # far fewer than the safety stop, IPF_MAX_SWEEPS per cell
    np.testing.assert_array_equal(out, ao)


def _plain_ipf(full: np.ndarray, origins: np.ndarray, dests: np.ndarray) -> np.ndarray:
    """Plain IPF, one draw and year at a time from B_c = 1, sweep after sweep until no A_i O_i
    moves by more than 1e-14 of itself (or 200,000 sweeps): the fixed point to compare with."""
    ao = np.zeros_like(origins)
    for d in range(full.shape[0]):
        for y in range(origins.shape[2]):
            o, de, bd = origins[d, :, y], dests[d, :, y], dests[d, :, y].copy()
            a = np.zeros_like(o)
            for _ in range(200_000):
                new = o / np.maximum(full[d] @ bd, 1e-300)
                if not (np.abs(new - a) > 1e-14 * np.abs(new)).any():
                    break
                a = new
                bd = de / np.maximum(full[d].T @ a, 1e-300)
            ao[d, :, y] = new
    return ao


def _hard_case(kind: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """workers (D,I,Y), jobs (D,C,Y), f (D,C,I+1) of a hard gravity problem: deterrence over
    9 orders of magnitude (a district 40 km across at β 0.5), communes without workers and
    clusters without jobs, one commune, or many clusters."""
    d, c, i, y = {"one commune": (3, 12, 1, 3), "many clusters": (2, 400, 5, 2)}.get(kind, (4, 15, 9, 3))
    km = rng.uniform(0.5, 12.0, (d, c, i))
    if kind == "sparse reach":
        km = rng.uniform(0.0, 40.0, (d, c, i))  # at β 0.5, f from 1 down to 2e-9
    f = employment.deterrence(km, np.full(d, 0.5), rng.uniform(5.0, 20.0, d))
    workers, jobs = rng.uniform(0, 5_000, (d, i, y)), rng.uniform(0, 4_000 * i / c, (d, c, y))
    if kind == "empty rows and columns":
        workers[:, ::3], jobs[:, ::4] = 0.0, 0.0
    return workers, jobs, f


@pytest.mark.parametrize("kind", ["sparse reach", "empty rows and columns", "one commune",
                                  "many clusters"])
def test_gravity_reaches_the_plain_fixed_point_on_hard_cases(kind: str) -> None:
    """The accelerated IPF stops where plain IPF's sweeps converge: on hard problems the
    flows agree with plain IPF run to a 100 times tighter stop within 1e-9 of each origin's
    total, the row marginals agree to a few times IPF_TOLERANCE, and it needs fewer sweeps
    than the safety stop."""
    workers, jobs, f = _hard_case(kind, np.random.default_rng(7))
    full, origins, dests, _ = _balanced(workers, jobs, f, np.ones_like(workers[:, :1]))
    ao = np.empty_like(origins)
    sweeps = kernels.ipf(full, origins, dests, ao)
    assert sweeps < origins.shape[0] * origins.shape[2] * kernels.IPF_MAX_SWEEPS
    flows = _balanced(workers, jobs, f, ao)[3]
    plain = _balanced(workers, jobs, f, _plain_ipf(full, origins, dests))[3]
    scale = np.maximum(origins[:, :, None, :], 1.0)
    assert np.abs(flows - plain).max(initial=0.0, where=scale > 0) <= 1e-9 * scale.max()
    np.testing.assert_allclose(flows.sum(axis=2), origins, rtol=10 * kernels.IPF_TOLERANCE, atol=1e-9)
    np.testing.assert_allclose(flows.sum(axis=1), dests, rtol=1e-13, atol=1e-9)


def _fused(a: float, b: float, c: float) -> float:
    """a · b + c rounded once to a float64 (exact rational arithmetic, then one rounding)."""
    return float(Fraction(a) * Fraction(b) + Fraction(c))


def test_ipf_half_sweep_sums_in_its_documented_order() -> None:
    """A half sweep of the IPF, row by row as its docstring says: 4 partial sums from −0 take
    the terms j ≡ p (mod 4), each a · b + s rounded once, added as (s_0 + s_2) + (s_1 + s_3),
    then totals / max(sum, 1e-300); bit for bit against exact arithmetic rounded once per
    step, so the same on any CPU. Rows side by side in vectors give each row's own sum, in
    groups of rows two at a time and one alone (3 · _WIDTH rows)."""
    rng = np.random.default_rng(5)
    w = kernels._WIDTH
    for rows, n in [(w, w), (4 * w, 3 * w), (w, 40 * w), (3 * w, 5 * w)]:
        m = rng.random(rows * n) * rng.choice([1e-9, 1.0, 1e6], rows * n)
        m[3::rows] = 0.0  # row 3 empty: its sum is 0, the divisor 1e-300
        x, totals = rng.random(n) * 1e3, rng.random(rows) * 1e4
        before, out = rng.random(rows), np.empty(rows)
        moved = kernels._half_sweep(m, x, totals, before, out)
        for r in range(rows):
            s = [0.0] * 4
            for j in range(n):
                s[j % 4] = _fused(m[j * rows + r], x[j], s[j % 4])
            assert out[r] == totals[r] / max((s[0] + s[2]) + (s[1] + s[3]), 1e-300)
        assert moved == bool((np.abs(out - before) > kernels.IPF_TOLERANCE * np.abs(out)).any())
        assert not kernels._half_sweep(m, x, totals, out, out)  # the same again: nothing moves


def test_ipf_residual_lanes_added_in_their_documented_order() -> None:
    """Σ r² of an IPF sweep (`_differences`, r = G(x) − x): lane l of the vectors sums the
    terms i ≡ l (mod _WIDTH), each r · r + s rounded once from 0, then the lanes added as
    ((l_0 + l_4) + (l_2 + l_6)) + ((l_1 + l_5) + (l_3 + l_7)); bit for bit against exact
    arithmetic rounded once per step."""
    rng = np.random.default_rng(11)
    w = kernels._WIDTH
    assert w == 8  # the order written out below
    for n in (w, 5 * w):
        x = rng.random(n) * rng.choice([1e-6, 1.0, 1e9], n)
        work = np.zeros((kernels._G + 1, n))
        work[kernels._G] = x + rng.normal(0.0, 1.0, n) * rng.choice([1e-12, 1.0, 1e6], n)
        lane = [0.0] * w
        for i in range(n):
            r = float(work[kernels._G, i] - x[i])
            lane[i % w] = _fused(r, r, lane[i % w])
        want = ((lane[0] + lane[4]) + (lane[2] + lane[6])) + ((lane[1] + lane[5]) + (lane[3] + lane[7]))
        gram = np.zeros((kernels.IPF_HISTORY, kernels._GRAM_COLUMNS))
        assert kernels._differences(x, work, 0, False, gram) == want


def test_balanced_jobs_cell_by_cell_in_order() -> None:
    """B_c J_c and the workers from outside as the docstring says, cell by cell: the sum over
    origins in order (each product rounded, then added), at least 1e-300, (1 / sum) · J_c, and
    B_c J_c · A_out O_out · f_out,c; bit for bit whatever the horizon (years side by side in
    vectors give each cell its own numbers)."""
    rng = np.random.default_rng(9)
    for n, c, o, y in [(2, 3, 4, 1), (1, 5, 30, 23), (2, 4, 3, 8), (1, 2, 6, 30)]:
        f = np.exp(-rng.uniform(0.0, 8.0, (n, c, o)))
        ow, jobs = rng.uniform(0.0, 50.0, (n, o, y)), rng.uniform(0.0, 1e3, (n, c, y))
        ow[:, :, 0] = 0.0  # a year without workers: the sum is 0, taken as 1e-300
        bj, outside = kernels.balanced_jobs(f, ow, jobs)
        for d, k, t in np.ndindex(n, c, y):
            total = float(f[d, k, 0]) * float(ow[d, 0, t])
            for i in range(1, o):
                total = total + float(f[d, k, i]) * float(ow[d, i, t])
            b = (1.0 / max(total, 1e-300)) * float(jobs[d, k, t])
            assert bj[d, k, t] == b
            assert outside[d, k, t] == b * float(ow[d, o - 1, t]) * float(f[d, k, o - 1])


def test_commune_sums_by_hand_and_as_einsum_bit_for_bit() -> None:
    """Jobs within reach of each commune: Σ over the clusters it reaches; the same sums as
    numpy's einsum (from 0, cluster by cluster), whatever the sizes. With deterrences as the
    weights (workers supplied), matmul's sums up to its own order."""
    reach = np.array([[[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]])  # 3 clusters, 2 communes
    jobs = np.array([[[10.0, 20.0], [1.0, 2.0], [100.0, 200.0]]])  # 2 years
    assert kernels.commune_sums(reach, jobs).tolist() == [[[11.0, 22.0], [1.0, 2.0]]]
    rng = np.random.default_rng(3)
    for n, c, i, y in [(9, 21, 29, 23), (3, 2000, 3, 30), (4, 37, 2, 1), (2, 1, 5, 3)]:
        reach = (rng.random((n, c, i)) < 0.6).astype(float)
        jobs = rng.random((n, c, y)) * rng.choice([0.0, 1.0, 1e3, 1e6], (n, c, y))
        assert (kernels.commune_sums(reach, jobs).tobytes()
                == np.einsum("dci,dcy->diy", reach, jobs).tobytes())
        f = np.exp(-rng.uniform(0.0, 5.0, (n, c, i)))
        np.testing.assert_allclose(kernels.commune_sums(f, jobs), np.swapaxes(f, 1, 2) @ jobs,
                                   rtol=1e-13, atol=1e-9)


def test_npv_irr_payback_by_hand() -> None:
    flows = np.array([[-100.0, 60.0, 60.0]])
    assert finance.npv(flows, np.array([0.1]))[0, -1] == pytest.approx(-100 + 60 / 1.1 + 60 / 1.21)
    x = (-60 + np.sqrt(60**2 + 4 * 60 * 100)) / 120  # 60x² + 60x − 100 = 0, x = 1/(1 + r)
    assert finance.irr(flows)[0] == pytest.approx(1 / x - 1, abs=1e-9)
    assert finance.payback_year(np.cumsum(flows, -1), np.array([2030, 2031, 2032]))[0] == 2032
    assert np.isnan(finance.irr(np.array([[10.0, 10.0]])))[0]  # nothing invested


def _scipy_irr(flows: np.ndarray) -> np.ndarray:
    """The IRR as finance.irr computed it before kernels.irr: SciPy's vectorised
    find_root on NPV(r) by Horner's rule, r in (−0.9, 1)."""
    def f(r: np.ndarray, rows: np.ndarray) -> np.ndarray:
        x, series = 1.0 / (1.0 + r), flows[rows]
        acc = series[..., -1].copy()
        for k in range(series.shape[-1] - 2, -1, -1):
            acc = acc * x + series[..., k]
        return acc

    lo, hi = np.full(len(flows), -0.9), np.full(len(flows), 1.0)
    rows = np.arange(len(flows))
    ok = np.sign(f(lo, rows)) * np.sign(f(hi, rows)) < 0
    out = np.full(len(flows), np.nan)
    res = find_root(f, (lo[ok], hi[ok]), args=(rows[ok],))
    out[ok] = np.where(res.success, res.x, np.nan)
    return out


def test_irr_is_scipys_root_bit_for_bit() -> None:
    """kernels.irr follows find_root's Chandrupatla steps and tolerances: the same roots, bit
    for bit, on investment-then-return flows, flows with several sign changes, zeros and huge
    values, short and long series (and NaN where NPV keeps its sign)."""
    rng = np.random.default_rng(7)
    for n, years in ((40_000, 23), (20_000, 5), (5_000, 40)):
        scale = rng.choice([0.0, 1.0, 10.0, 1e3, 1e12], (n, years), p=[0.3, 0.3, 0.25, 0.1, 0.05])
        flows = rng.normal(0, 1, (n, years)) * scale
        flows[:, : max(1, years // 6)] -= rng.exponential(50, (n, 1))
        flows[: n // 10] = np.round(flows[: n // 10])  # exact roots and exact zeros of NPV
        want, got = _scipy_irr(flows), finance.irr(flows)
        assert 0.2 < np.isnan(want).mean() < 0.8
        assert want.tobytes() == got.tobytes()


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), low=st.floats(0.5, 20), extra=st.floats(0.1, 30))
def test_more_demand_never_lowers_leased_area(seed: int, low: float, extra: float) -> None:
    a = model.simulate(build_inputs(_random_scenario(20, seed, 3, 2.0, demand=low), geo_for(3)))
    b = model.simulate(build_inputs(_random_scenario(20, seed, 3, 2.0, demand=low + extra), geo_for(3)))
    assert (b.metrics["leased_area_ha"] >= a.metrics["leased_area_ha"] - 1e-9).all()


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_cash_flows_sum_to_the_npv_at_zero_rate_and_unopened_clusters_have_no_jobs(seed: int) -> None:
    s = _random_scenario(30, seed, 3, 2.0)
    late = s.clusters[0].model_copy(update={"phases": [
        p.model_copy(update={"approval_year": 2060}) for p in s.clusters[0].phases]})
    s = s.model_copy(update={"clusters": [late, *s.clusters[1:]]})
    inputs = build_inputs(s, geo_for(3))
    p = model.draw_parameters(inputs)
    p["district"]["discount_rate"] = np.zeros(inputs.draws)
    raw = model.simulate_draws(inputs, p)
    np.testing.assert_allclose(raw["npv_bn_vnd"][..., -1], raw["net_cash_bn_vnd"].sum(-1), atol=1e-9)
    assert (raw["jobs"][:, 0] == 0).all() and (raw["capex_bn_vnd"][:, 0] == 0).all()


def test_baseline_calibration() -> None:
    """Base year: ~195 ha, 100 % occupied, ~13,000 workers, ~1,000 firms (facts.md §1.1)."""
    from simulator.run import run_file

    r = run_file(ROOT / "scenarios/baseline.yaml", draws=300).results
    at = {m: r.district_at(m, 2023)["mean"] for m in ("gross_area_ha", "occupancy_pct", "jobs", "firms")}
    assert at["gross_area_ha"] == pytest.approx(195, rel=0.05)
    assert at["occupancy_pct"] == pytest.approx(100, rel=0.05)
    assert at["jobs"] == pytest.approx(13_000, rel=0.10)
    assert at["firms"] == pytest.approx(1_000, rel=0.15)
    craft = [i for i, c in enumerate(r.cluster_ids) if c in ("tien_phong_1", "ninh_so_1", "van_diem")]
    assert r.clusters_at("jobs", 2023)[craft].sum() == pytest.approx(3_000, rel=0.10)


@pytest.mark.parametrize("sectors", [1, 2, 5, 7, 8, 9, 16, 23, 128, 129, 200])
def test_per_cluster_is_numpys_sum_bit_for_bit(sectors: int) -> None:
    """employment.per_cluster (kernels.mix_sums) against numpy's product-and-sum, signed
    zeros included, for short sums (in order), pairwise blocks and halves past 128 terms."""
    rng = np.random.default_rng(sectors)
    for draws, clusters in ((1, 1), (2, 21), (3, 300)):
        x = rng.standard_normal((draws, sectors)) * 10.0 ** rng.integers(-6, 6, (draws, sectors))
        x[rng.random(x.shape) < 0.2] = -0.0
        x[0] = -0.0  # a draw of negative zeros: numpy's sum of them is +0.0
        mix = rng.random((clusters, sectors))
        mix[rng.random(mix.shape) < 0.3] = 0.0
        got = employment.per_cluster(mix, x)
        assert got.tobytes() == (x[:, None, :] * mix[None, :, :]).sum(-1).tobytes()
