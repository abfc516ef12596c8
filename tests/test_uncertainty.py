"""Sampling, bands, targets, paired comparison and Dask: checked against known answers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import spearmanr

from simulator import model
from simulator.inputs import build_inputs
from simulator.scenario.load import load_scenario
from simulator.uncertainty import ParamSpec, Sampling, draw_keys, uniforms

from conftest import DATA, assert_same_summaries, generic_cpu_env, geo_for

def _mini_with(write, draws: int, sampling: str = "random"):
    text = (DATA / "mini.yaml").read_text(encoding="utf-8")
    text = text.replace("light_manufacturing: {jobs_per_leased_ha: 100,",
                        "light_manufacturing: {jobs_per_leased_ha: {dist: uniform, low: 50, high: 150},")
    text = text.replace("draws: 1", f"draws: {draws}\nuncertainty: {{sampling: {sampling}}}")
    return load_scenario(write("m.yaml", text)).scenario


def test_quantiles_of_a_uniform_input_by_hand(write) -> None:
    """alpha holds 6 leased ha from 2024; jobs = 6 × U(50, 150): P10 360, P50 600, P90 840."""
    s = _mini_with(write, 4000, "lhs")
    r = model.simulate(build_inputs(s, geo_for(2)))
    q = np.quantile(r.metrics["jobs"][:, 0, r.year_index(2025)], (0.1, 0.5, 0.9))
    np.testing.assert_allclose(q, [360, 600, 840], rtol=2e-3)
    assert r.probability("jobs", 2025, at_least=720, cluster="alpha") == pytest.approx(0.3, abs=0.01)


def test_lhs_puts_one_draw_in_each_stratum() -> None:
    u = np.sort(uniforms(3, "k", 50, "lhs"))
    np.testing.assert_array_equal(np.floor(u * 50), np.arange(50))
    np.testing.assert_array_equal(uniforms(3, "k", 50, "lhs"), uniforms(3, "k", 50, "lhs"))


def test_rank_correlation_is_imposed() -> None:
    from pydantic import TypeAdapter

    from simulator.scenario.distributions import Param

    d = TypeAdapter(Param).validate_python({"dist": "triangular", "low": 0, "mode": 1, "high": 3})
    specs = {"a": ParamSpec("a", d), "b": ParamSpec("b", d), "c": ParamSpec("c", d)}
    v = draw_keys(specs, seed=5, n=20_000, sampling=Sampling("random", (("a", "b", 0.7),)))
    assert spearmanr(v["a"], v["b"]).statistic == pytest.approx(0.7, abs=0.02)
    assert abs(spearmanr(v["a"], v["c"]).statistic) < 0.03
    plain = draw_keys(specs, seed=5, n=20_000)
    # The copula keeps every marginal: triangular(0, 1, 3) has F(x) = x²/3 up to the mode and
    # 1 − (3 − x)²/6 above it, so P10 = √0.3, P50 = 3 − √3, P90 = 3 − √0.6, mean 4/3.
    want = [np.sqrt(0.3), 3 - np.sqrt(3), 3 - np.sqrt(0.6)]
    for k in ("a", "b", "c"):
        np.testing.assert_allclose(np.quantile(v[k], (0.1, 0.5, 0.9)), want, atol=0.03)
        assert v[k].mean() == pytest.approx(4 / 3, abs=0.02)
    # the first key of the pair keeps its own draws (the Cholesky factor's first row is e₁)
    np.testing.assert_allclose(v["a"], plain["a"], rtol=1e-9)
    assert not np.allclose(v["b"], plain["b"])  # b was reordered to follow a


def test_targets_and_correlation_keys_are_checked(write, cli) -> None:
    text = (DATA / "mini.yaml").read_text(encoding="utf-8") + (
        "targets:\n  - {metric: jobz, year: 2025, at_least: 100}\n"
        "uncertainty:\n  correlations:\n    - {between: [district.params.capex_bn_vnd_per_hx, x], rho: 0.5}\n")
    code, _, err = cli("validate", write("t.yaml", text))
    assert code == 2 and err.count("\n") == 3  # one line per problem
    code_run, _, err_run = cli("run", write("t.yaml", text), "--out", write("x", "").parent / "out")
    assert code_run == 2
    assert "targets[0].metric: expected a metric:" in err_run and "found 'jobz'" in err_run
    assert "uncertainty.correlations[0].between: expected the key of an uncertain parameter" in err_run


def test_target_probability_in_summary(write, tmp_path, cli) -> None:
    import json

    text = (DATA / "mini.yaml").read_text(encoding="utf-8") + (
        "targets:\n  - {metric: jobs, year: 2025, at_least: 500, label: 500 jobs}\n"
        "  - {metric: jobs, year: 2025, at_least: 10000}\n")
    assert cli("run", write("t.yaml", text), "--out", tmp_path / "o")[0] == 0
    summary = json.loads((tmp_path / "o/mini/summary.json").read_text())
    assert [t["probability"] for t in summary["targets"]] == [1.0, 0.0]  # 600 + 240 jobs, one draw
    assert summary["targets"][0]["label"] == "500 jobs"


def test_paired_comparison_uses_common_random_numbers(write, tmp_path, cli) -> None:
    import pandas as pd

    text = (DATA / "mini.yaml").read_text(encoding="utf-8").replace("draws: 1", "draws: 300")
    a = write("a.yaml", text.replace(
        "light_manufacturing: {jobs_per_leased_ha: 100,",
        "light_manufacturing: {jobs_per_leased_ha: {dist: uniform, low: 50, high: 150},"))
    b = write("b.yaml", "extends: a.yaml\nid: b\ntitle: B\nmodify_clusters:\n  alpha: {area_ha: 11}\n")
    assert cli("compare", a, b, "--out", tmp_path / "c")[0] == 0
    t = pd.read_csv(tmp_path / "c/comparison.csv")
    row = t[(t.indicator == "jobs") & (t.year == 2030)].iloc[0]
    # Same draws in both: B has 10 % more alpha land, so B − A > 0 in every draw.
    assert row["diff_b_p10"] > 0 and row["p_better_b"] == 1.0
    same = t[(t.indicator == "gross_area_ha") & (t.year == 2030)].iloc[0]
    assert same["diff_b"] == pytest.approx(1.0) and np.isnan(same["p_better_b"])


def test_dask_equals_local() -> None:
    pytest.importorskip("dask.distributed")
    from dask.distributed import Client, LocalCluster

    inputs = build_inputs(load_scenario(DATA / "mini.yaml").scenario, geo_for(2), draws=64)
    local = model.simulate(inputs)
    import simulator.model as m

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as lc, \
            Client(lc) as client:
        old = m._CHUNK_CELLS
        try:
            m._CHUNK_CELLS = 1  # one draw per chunk: many tasks on both workers
            remote = model.simulate(inputs, client=client)
            # per-cluster draws recomputed a cluster at a time, summarised on the workers
            blocks = model.simulate(inputs, client=client, hold_bytes=0)
            blocks.summarise(client=client)
        finally:
            m._CHUNK_CELLS = old
    for k in local.metrics:
        np.testing.assert_array_equal(local.metrics[k], remote.metrics[k])
    assert_same_summaries(local, blocks)


@pytest.mark.parametrize("shape", [(1, 3), (2, 4), (7, 3, 2), (1001, 5, 7), (40, 70), (2048, 3, 5), (5003, 40)])
def test_quantiles_equal_numpys(shape: tuple[int, ...]) -> None:
    """The sort-based bands are numpy's linear quantiles exactly, ties and constants included."""
    from simulator.uncertainty import quantiles

    a = np.random.default_rng(len(shape)).normal(size=shape)
    a[:, 0] = 3.0  # a constant cell
    a[: shape[0] // 2, -1] = np.round(a[: shape[0] // 2, -1])  # ties
    got = quantiles(a)
    want = np.quantile(a, (0.1, 0.5, 0.9), axis=0)
    for k, name in enumerate(("p10", "p50", "p90")):
        np.testing.assert_array_equal(got[name], want[k])
    np.testing.assert_array_equal(got["mean"], a.mean(axis=0))


@pytest.mark.parametrize("n", [2, 3, 50, 1000])
def test_lhs_column_is_scipys_latin_hypercube_bit_for_bit(n: int) -> None:
    """The Latin-hypercube column is built without importing scipy.stats; it is the column
    scipy.stats.qmc.LatinHypercube draws from the same generator."""
    from scipy.stats import qmc

    from simulator.uncertainty import latin_hypercube_column

    def seq() -> np.random.SeedSequence:
        return np.random.SeedSequence([11, n, 4])

    want = qmc.LatinHypercube(d=1, rng=np.random.default_rng(seq())).random(n)[:, 0]
    np.testing.assert_array_equal(latin_hypercube_column(seq(), n), want)


@pytest.mark.parametrize("kind", ["normal", "ties", "constant", "sorted", "reversed", "spikes", "zeros"])
def test_sampled_quantiles_are_numpys_whatever_the_draws(kind: str) -> None:
    """The sampled selection (a sample brackets each order statistic, the draws within are
    selected) gives numpy's quantiles and mean whatever the draws: heavy ties and constants
    (the bracket gathers too many: the whole cell is selected), sorted and reversed draws,
    rare huge values, signed zeros; and select_quantiles' values."""
    from simulator import kernels

    rng = np.random.default_rng(7)
    a = rng.normal(size=(4099, 37))
    if kind == "ties":
        a = np.round(a * 2)
    elif kind == "constant":
        a[:] = -2.5
    elif kind == "sorted":
        a = np.sort(a, axis=0)
    elif kind == "reversed":
        a = np.sort(a, axis=0)[::-1]
    elif kind == "spikes":
        a = np.where(rng.random(a.shape) < 0.02, 1e12, np.exp(3 * a))
    elif kind == "zeros":
        a = np.where(rng.random(a.shape) < 0.5, 0.0, -0.0) + (rng.random(a.shape) < 0.3)
    where = np.array([0.1, 0.5, 0.9]) * (a.shape[0] - 1)
    got, old = np.empty((4, a.shape[1])), np.empty((4, a.shape[1]))
    kernels.sampled_quantiles(a, where, got)
    kernels.select_quantiles(a, where, old)
    np.testing.assert_array_equal(got[:3], np.quantile(a, (0.1, 0.5, 0.9), axis=0))
    np.testing.assert_array_equal(got[3], a.mean(axis=0))
    np.testing.assert_array_equal(got, old)


@pytest.mark.parametrize("n", [300, 4099])
def test_bands_of_a_rate_times_draws_are_those_of_the_formed_products(n: int) -> None:
    """`quantiles(x, (rate, …))`: the bands of rate · x (rate per draw and row of cells, x
    (draw, cluster, year)), and of a rate times that, each product formed as the kernel copies
    the draws, equal bit for bit to the bands of the formed array and to numpy's: ties,
    constant cells, zeros times negative rates (−0.0), both kernels (select_quantiles below
    2,048 draws, sampled_quantiles above)."""
    from simulator.uncertainty import quantiles

    rng = np.random.default_rng(n)
    x = rng.lognormal(size=(n, 5, 7))
    x[:, 0] = np.round(x[:, 0])  # ties
    x[:, 1, :3] = 0.0  # zeros: −0.0 where the rate is negative, constant where it is not
    x[:, 2] = 4.0  # constant draws times varying rates
    rate = rng.normal(size=(n, 5))
    rate[:, 3] = 2.5  # a constant rate
    rate[:, 4] = np.where(rng.random(n) < 0.5, -0.0, 0.0)
    x[:, 3, 0] = -0.0  # times 2.5: every draw −0.0
    formed = rate[:, :, None] * x
    assert np.signbit(formed[:, 1, 0]).any() and not np.signbit(formed[:, 1, 0]).all()
    outer = rng.lognormal(size=(n, 5))
    for rates, values in (((rate,), formed), ((rate, outer), outer[:, :, None] * formed)):
        want = quantiles(values)
        got = quantiles(x, rates)
        assert got.keys() == want.keys()
        for k, v in want.items():
            assert got[k].tobytes() == v.tobytes(), k
        np.testing.assert_array_equal(got["p50"], np.quantile(values, 0.5, axis=0))
        np.testing.assert_array_equal(got["mean"], values.mean(axis=0))


_NAN_CELLS = """
import numpy as np
from simulator.uncertainty import quantiles
rng = np.random.default_rng(3)
for n in (50, 5000):  # selected in place, and by sampled brackets
    a = rng.normal(size=(n, 4))
    a[7, 1] = a[:, 2] = np.nan
    q = quantiles(a)
    want = np.quantile(a, [0.1, 0.5, 0.9], axis=0)
    assert np.array_equal(np.array([q["p10"], q["p50"], q["p90"]]), want, equal_nan=True)
    assert np.isnan(q["mean"][[1, 2]]).all() and np.isfinite(q["p50"][[0, 3]]).all()
print("done")
"""


def test_cells_with_nan_have_nan_quantiles_and_the_selection_ends() -> None:
    """A NaN among a cell's draws gives NaN quantiles, as numpy's, and the selection ends:
    with a NaN pivot, quickselect (`kernels._select`) moved no value and looped for ever.
    In a process of its own, so that the old loop fails the test by its timeout."""
    done = subprocess.run([sys.executable, "-c", _NAN_CELLS], capture_output=True, text=True,
                          timeout=300)
    assert done.stdout.strip() == "done", done.stderr[-2000:]


@pytest.mark.parametrize("n", [1, 17, 1000, 4099])
def test_constant_cells_are_numpys_quantiles_bit_for_bit(n: int) -> None:
    """A cell whose draws all have the same bits gets its value (numpy's interpolation of it
    with itself, so −0.0 stays −0.0 where numpy keeps it; one draw: the interpolation gives
    +0.0 where numpy returns the draw, as before) without a selection; a cell that
    differs in its last or its first draws only, or only in the sign of a zero, is not taken
    for constant. Both
    kernels (select_quantiles below 2,048 draws, sampled_quantiles above)."""
    from simulator import kernels

    a = np.zeros((n, 8))
    a[:, 0] = -0.0
    a[:, 2] = 5.5
    a[:, 3] = -1e300
    a[:, 4] = 5.5
    a[n - n * 2 // 5:, 4] = 6.5  # differs in its last draws only
    a[:, 5] = 2.0
    a[0, 5] = -7.0  # differs in its first draw
    a[-1, 6] = -0.0  # +0.0 but one −0.0: equal values, different bits
    a[:, 7] = np.random.default_rng(3).normal(size=n)
    where = np.array([0.1, 0.5, 0.9]) * (n - 1)
    want = np.quantile(a, (0.1, 0.5, 0.9), axis=0)
    for kernel in (kernels.select_quantiles, kernels.sampled_quantiles):
        got = np.empty((4, a.shape[1]))
        kernel(a, where, got)
        np.testing.assert_array_equal(got[:3], want)
        np.testing.assert_array_equal(got[3], a.mean(axis=0))
        for j in (0, 1, 2, 3) if n > 1 else (1, 2, 3):  # constant cells: numpy's very bits
            assert got[:3, j].tobytes() == want[:, j].tobytes()
            assert got[3, j].tobytes() == a.mean(axis=0)[j].tobytes()


@pytest.mark.parametrize("n", [15, 16, 17, 4111])
def test_tiled_copy_keeps_every_draw_and_adds_them_in_order(n: int) -> None:
    """The columns are copied a tile of draws at a time, the remainder one draw at a time;
    every draw of every column lands in the buffer, and each column's total is its draws
    added in order from the first (numpy's mean over axis 0), also from a strided view."""
    from simulator import kernels

    big = np.random.default_rng(n).lognormal(size=(n, 60)) * 1e6
    flat = big[:, 5:50]  # rows not contiguous: the layout of a block sliced from its buffer
    buf, total = np.full((20, n), np.nan), np.empty(20)
    kernels._copy_columns(flat, 7, buf, total)
    np.testing.assert_array_equal(buf, flat[:, 7:27].T)
    want = np.zeros(20)
    for i in range(n):
        want += flat[i, 7:27]
    assert total.tobytes() == want.tobytes()
    assert (total / n).tobytes() == flat[:, 7:27].mean(axis=0).tobytes()


@pytest.mark.parametrize("n", [7, 8, 13, 4099])
def test_gather_counts_and_keeps_the_draws_within_each_bracket_in_order(n: int) -> None:
    """`_gather` (eight draws at a time where the CPU has AVX-512, the rest one by one): for
    each bracket the draws below it and the draws within it, in their order, ties at either
    end, ±0.0 and infinite brackets included; as the definition computes them with numpy."""
    from simulator import kernels

    rng = np.random.default_rng(n)
    row = np.round(rng.normal(size=n), 1)
    row[rng.random(n) < 0.2] = -0.0
    row[rng.random(n) < 0.05] = 0.0
    for lo, hi in ([-0.3, 0.0, 0.5], [-0.3, 0.0, 0.5]), ([-np.inf, -0.0, 0.2], [-1.0, 0.0, np.inf]):
        lo_, hi_ = np.array(lo), np.array(hi)
        inside = np.full((3, n + 8), np.nan)
        below, count = np.empty(3, dtype=np.intp), np.empty(3, dtype=np.intp)
        kernels._gather(row, lo_, hi_, inside, below, count)
        for q in range(3):
            within = row[(row >= lo_[q]) & (row <= hi_[q])]
            assert below[q] == (row < lo_[q]).sum() and count[q] == within.size
            assert inside[q, :count[q]].tobytes() == within.tobytes()


@pytest.mark.parametrize("kind", ["normal", "ties", "constant", "negative"])
def test_wide_order_pair_is_the_order_statistics(kind: str) -> None:
    """`_order_pair_wide` (quickselect packing eight values at a time, for values with no zero)
    gives the k-th smallest value and the next (the same at the end), as sorting does and as
    `_order_pair` does, whatever the count (around a vector's eight and the 64 left to
    `_order_pair`) and ties."""
    from simulator import kernels

    if not kernels._WIDE:
        pytest.skip("AVX-512 only")
    rng = np.random.default_rng(len(kind))
    for n in [1, 7, 8, 9, 63, 64, 65, 66, 200, 1203, 2999]:
        a = 5.0 + rng.normal(size=n)
        if kind == "ties":
            a = np.round(a, 1)
        elif kind == "constant":
            a[:] = 7.25
        elif kind == "negative":
            a = -np.exp(rng.normal(size=n))
        want = np.sort(a)
        for k in {0, n // 3, n // 2, n - 2, n - 1} - {-1}:
            buf, spare = np.concatenate([a, np.full(8, np.nan)]), np.empty(n + 8)
            x, y = kernels._order_pair_wide(buf, spare, k, n)
            assert (x, y) == (want[k], want[min(k + 1, n - 1)]) == kernels._order_pair(a.copy(), k, n)


def _same_bands_on_the_generic_cpu(cache: Path, seed: int, n: int, cells: int) -> None:
    """`sampled_quantiles`' bands of lognormal draws (n, cells), the fourth cell rounded
    (ties), compiled for numba's generic CPU (no AVX-512) in a process of its own with a cache
    of its own (`cache`), equal bit for bit to this process's, which are numpy's."""
    code = f"""if True:
        import sys
        import numpy as np
        from simulator import kernels
        assert not kernels._WIDE
        a = np.random.default_rng({seed}).lognormal(size=({n}, {cells}))
        a[:, 3] = np.round(a[:, 3])
        where = np.array([0.1, 0.5, 0.9]) * (a.shape[0] - 1)
        out = np.empty((4, a.shape[1]))
        kernels.sampled_quantiles(a, where, out)
        sys.stdout.write(out.tobytes().hex())
    """
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=generic_cpu_env(cache), check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    from simulator import kernels

    a = np.random.default_rng(seed).lognormal(size=(n, cells))
    a[:, 3] = np.round(a[:, 3])
    where = np.array([0.1, 0.5, 0.9]) * (a.shape[0] - 1)
    out = np.empty((4, a.shape[1]))
    kernels.sampled_quantiles(a, where, out)
    assert done.stdout == out.tobytes().hex()
    np.testing.assert_array_equal(out[:3], np.quantile(a, (0.1, 0.5, 0.9), axis=0))


def test_bands_without_avx512_are_the_same(generic_cache: Path) -> None:
    """Compiled for a CPU without AVX-512 (numba's generic target, in a process of its own and
    a cache of its own), `_gather` goes one draw at a time: the same bands, bit for bit."""
    _same_bands_on_the_generic_cpu(generic_cache, 5, 4099, 40)


def test_ties_of_more_than_a_quarter_of_the_draws() -> None:
    """A quantile inside a tie of more than n / 4 draws (a cluster leasing nothing in most
    draws; a value the model clips to) is that value, without selecting on the whole cell,
    where the cell holds no −0.0 (its bits are then the value's); ties at ±0.0 are selected
    on the whole cell as before (which zero comes out depends on the selection). Bit for bit
    select_quantiles' where no −0.0."""
    from simulator import kernels

    rng = np.random.default_rng(11)
    n = 4099
    normal = rng.normal(size=(n, 8))

    def tie(value: float, share: float, others: np.ndarray) -> np.ndarray:
        return np.where(rng.random(n) < share, value, others)

    a = np.column_stack([
        tie(0.0, 0.6, np.abs(normal[:, 0])),  # p10 and p50 in a tie at +0.0
        tie(0.3, 0.4, 0.3 + normal[:, 1]),  # p50 in a tie
        tie(7.0, 0.3, normal[:, 2]),  # p90 (and the draw after it) in a tie
        tie(-1.25, 0.6, normal[:, 3]),  # p10 and p50 in one tie
        tie(0.0, 0.6, np.abs(normal[:, 4])),  # as the first, half its zeros −0.0
        tie(3.0, 0.35, normal[:, 5]),  # a tie no quantile falls in
        tie(0.0, 0.33, np.abs(normal[:, 6])),  # p10 in the tie, p50 above it
        normal[:, 7],
    ])
    zeros = np.flatnonzero(a[:, 4] == 0.0)
    a[zeros[::2], 4] = -0.0
    where = np.array([0.1, 0.5, 0.9]) * (n - 1)
    got, sel = np.empty((4, 8)), np.empty((4, 8))
    kernels.sampled_quantiles(a, where, got)
    kernels.select_quantiles(a, where, sel)
    np.testing.assert_array_equal(got[:3], np.quantile(a, (0.1, 0.5, 0.9), axis=0))
    np.testing.assert_array_equal(got[3], a.mean(axis=0))
    clean = [j for j in range(8) if j != 4]
    assert got[:, clean].tobytes() == sel[:, clean].tobytes()
    assert got[0, 0] == got[1, 0] == 0.0 and got[1, 1] == 0.3 and got[2, 2] == 7.0
    row = a[:, 4].copy()  # with −0.0: the whole cell selected, quantile after quantile, as before
    for q in (0, 1):
        k = int(np.floor(where[q]))
        x, y = kernels._order_pair(row, k, n)
        assert got[q, 4].tobytes() == np.float64(kernels._lerp(x, y, where[q] - k)).tobytes()
    assert got[0, 3] == got[1, 3] == -1.25 and got[0, 6] == 0.0 < got[1, 6]


@pytest.mark.parametrize("n", [2048, 4099, 8192, 10001])
def test_sampled_quantiles_read_in_place_over_groups_of_cells(n: int) -> None:
    """More cells than a group (`_GROUP`, the last not a multiple of a vector's eight), draws
    not a multiple of a tile (`_SWEEP`) nor of eight, rows not contiguous (a block of clusters
    sliced from its buffer), and every kind of cell: constant (also −0.0, also all but the
    last draw), ties, ties of more than n / 4 draws with and without −0.0, a cell whose
    sampled draws are all equal but not the others (selected as a row): numpy's quantiles and
    mean, bit for bit select_quantiles' where no tie at ±0.0 is selected. Both ways: the
    cells copied (a group of fewer than `_IN_PLACE` values) and read in place."""
    from simulator import kernels

    rng = np.random.default_rng(n)
    group = kernels._SWEPT if kernels._GROUP * n >= kernels._IN_PLACE else kernels._GROUP  # read in place
    cells = 2 * group + 45
    big = rng.lognormal(size=(n, cells + 9))
    a = big[:, 4:4 + cells]
    a[:, 1] = 3.0
    a[:, 2] = np.round(a[:, 2])
    two = np.where(rng.random(n) < 0.5, 1.0, 2.0)
    two[(np.arange(kernels._SAMPLE) * (n / kernels._SAMPLE)).astype(int)] = 1.0  # the sample: constant
    a[:, 3] = a[:, 2 * group + 3] = two
    zeros = np.where(rng.random(n) < 0.6, 0.0, np.abs(rng.normal(size=n)))
    zeros[np.flatnonzero(zeros == 0.0)[::2]] = -0.0
    a[:, group + 5] = zeros  # p10 and p50 in a tie at ±0.0: the whole cell selected
    a[:, group + 6] = np.where(rng.random(n) < 0.4, 0.3, 0.3 + rng.normal(size=n))
    a[:, 2 * group + 10] = 5.0
    a[-1, 2 * group + 10] = 6.0
    a[:, 2 * group + 11] = -0.0
    where = np.array([0.1, 0.5, 0.9]) * (n - 1)
    got, sel = np.empty((4, cells)), np.empty((4, cells))
    kernels.sampled_quantiles(a, where, got)
    kernels.select_quantiles(a, where, sel)
    np.testing.assert_array_equal(got[:3], np.quantile(a, (0.1, 0.5, 0.9), axis=0))
    assert got[3].tobytes() == a.mean(axis=0).tobytes()
    clean = [j for j in range(cells) if j != group + 5]
    assert got[:, clean].tobytes() == sel[:, clean].tobytes()
    row = zeros.copy()  # quantile after quantile on the whole cell, as before
    for q in (0, 1):
        k = int(np.floor(where[q]))
        x, y = kernels._order_pair(row, k, n)
        assert got[q, group + 5].tobytes() == np.float64(kernels._lerp(x, y, where[q] - k)).tobytes()


def test_transpose_moves_a_block_of_eight_by_eight() -> None:
    """`_transpose`: dest[b:b + 8, k:k + 8] = src[i:i + 8, j:j + 8].T, every other place of
    dest untouched, the bits as they were (NaNs, −0.0 and infinities moved, not computed on)."""
    from numba import njit

    from simulator import kernels

    @njit
    def move(src: np.ndarray, i: int, j: int, dest: np.ndarray, b: int, k: int) -> None:
        kernels._transpose(src, i, j, dest, b, k)

    src = np.random.default_rng(2).normal(size=(19, 21))
    src[3, 5], src[4, 6], src[5, 7] = -0.0, np.inf, np.nan
    src.view(np.int64)[6, 8] = 0x7FF0000000000123  # a NaN with a payload
    dest = np.full((17, 23), 9.5)
    move(src, 3, 5, dest, 6, 11)
    want = np.full((17, 23), 9.5)
    want[6:14, 11:19] = src[3:11, 5:13].T
    assert dest.tobytes() == want.tobytes()


@pytest.mark.parametrize("limit", [0, 5, 40, 1000])
def test_gather_more_keeps_up_to_a_limit_and_counts_on(limit: int) -> None:
    """`_gather_more` in parts (as the sweep gives a cell's draws a tile at a time) counts as
    one `_gather` over the whole row, and keeps the same draws in order up to `limit` (what
    it writes past them is never read)."""
    from simulator import kernels

    rng = np.random.default_rng(limit)
    n = 203
    row = np.round(rng.normal(size=n), 1)
    row[rng.random(n) < 0.2] = -0.0
    lo, hi = np.array([-0.3, 0.0, 0.5]), np.array([-0.1, 0.0, np.inf])
    whole = np.full((3, n + 8), np.nan)
    below, count = np.empty(3, dtype=np.intp), np.empty(3, dtype=np.intp)
    kernels._gather(row, lo, hi, whole, below, count)
    parts = np.full((3, limit + 8), np.nan)
    below2, count2 = np.zeros(3, dtype=np.intp), np.zeros(3, dtype=np.intp)
    for i0 in range(0, n, 32):
        kernels._gather_more(row[i0:i0 + 32], lo, hi, parts, below2, count2, limit)
    assert below2.tolist() == below.tolist() and count2.tolist() == count.tolist()
    for q in range(3):
        kept = min(count[q], limit)
        assert parts[q, :kept].tobytes() == whole[q, :kept].tobytes()


def test_bands_read_in_place_without_avx512_are_the_same(generic_cache: Path) -> None:
    """Compiled for a CPU without AVX-512 (numba's generic target, a cache of its own), the
    cells read in place (a group of `_GROUP` cells of `_IN_PLACE` values and more:
    `_transpose` and `_gather_more` on narrower vectors, one draw at a time): the same bands,
    bit for bit."""
    from simulator import kernels

    n, cells = kernels._IN_PLACE // kernels._GROUP + 3, kernels._GROUP + 11
    _same_bands_on_the_generic_cpu(generic_cache, 6, n, cells)
