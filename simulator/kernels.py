"""The model's hot loops, compiled with numba: each cluster's timeline (its phases' ramps added
up), take-up by water filling, the gravity model's iterative proportional fitting, the jobs
within reach of each commune, a cluster's densities from its sector mix (numpy's sums), every
party's money and running NPVs, the developer IRR (Chandrupatla's bracketing root finder, step
for step SciPy's), and band quantiles by selection.

These loops *are* the equations (docs/model.md); land.py, employment.py and uncertainty.py call
them. Every loop runs draw by draw (and cell by cell), so a draw's numbers never depend on the
chunk of draws or the block of clusters it is computed in. Compiled once and cached on disk
(`cache=True`); numba is imported only when a model module is (the CLI imports those lazily).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils, codegen, config
from numba.extending import intrinsic, models, overload, register_model
from numba.np.arrayobj import populate_array

__all__ = ["IPF_TOLERANCE", "IPF_MAX_SWEEPS", "RAMP_INSTANT", "ramp", "TIMELINE", "timeline",
           "water_level", "takeup", "ipf", "MONEY_OUT",
           "money", "running_npv", "irr", "select_quantiles", "CLUSTER_GIVEN", "CLUSTER_OUT",
           "cluster_metrics", "balanced_jobs", "commune_sums", "sampled_quantiles", "add_weighted",
           "mix_sums", "PAIRWISE_BLOCK"]

IPF_TOLERANCE = 1e-12  # stop when no balanced origin weight moves by more than this (relative)
IPF_MAX_SWEEPS = 1000  # a safety stop; the bundled scenarios converge in ~10–30 sweeps


RAMP_INSTANT = 1e-6  # years: a shorter step (about 30 s) is done at once


_Compiled = TypeVar("_Compiled", bound=Callable[..., Any])


def _without_refcounts(fn: _Compiled) -> _Compiled:
    """njit(cache=True, nogil=True) without numba's reference counting, for a function that
    allocates nothing: a call then pays no atomic count per array argument, nor per view it
    takes (the kernels' inner passes: `_ipf_cell`, `_cluster_pass`, `_takeup_years`…)."""
    compiled: _Compiled = njit(cache=True, nogil=True, _nrt=False)(fn)  # type: ignore[call-overload]
    return compiled


def _inlined(fn: _Compiled) -> _Compiled:
    """`_without_refcounts`, and compiled into each caller (numba's inline="always"): no call,
    whose every array argument is 7 or more values passed on the stack (the IPF's sweeps
    called five such steps a sweep; inlined, `ipf` took 0.7 of the time). Still callable
    alone (the tests do)."""
    compiled: _Compiled = njit(cache=True, nogil=True, _nrt=False, inline="always")(fn)  # type: ignore[call-overload]
    return compiled


@_inlined
def _share(year: float, start: float, duration: float) -> float:  # pragma: no cover - compiled
    """Share of a step done by the end of `year`: clip((t + 1 − s) / n, 0, 1); a step of
    n ≤ RAMP_INSTANT is done at once in year s."""
    x = year + 1.0 - start
    share = x / duration if duration > RAMP_INSTANT else (1.0 if x > 0 else 0.0)
    return min(max(share, 0.0), 1.0)


@njit(cache=True, nogil=True)
def ramp(years: np.ndarray, start: np.ndarray, duration: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """`_share` of each step (draw, phase) in each year: (draw, phase, year)."""
    n, p = start.shape
    out = np.empty((n, p, years.shape[0]))
    for d in range(n):
        for j in range(p):
            for t in range(years.shape[0]):
                out[d, j, t] = _share(years[t], start[d, j], duration[d, j])
    return out


# the timeline's quantities, in the order `timeline` writes them
TIMELINE = ("gross_area_ha", "cleared_ha", "farmland_converted_ha", "built_ha", "open_ha")


@njit(cache=True, nogil=True)
def timeline(years: np.ndarray, phases: np.ndarray, first: np.ndarray,
             out: np.ndarray) -> None:  # pragma: no cover - compiled
    """Each cluster's TIMELINE quantities in one pass: out (5, draw, cluster, year) the sums over
    its phases (first[k] … first[k + 1] − 1, the last to the end) of each phase's steps, added
    in phase order (the first term as it is): A · ramp(t; a, 0), A · ramp(t; a, c),
    f · (A · ramp(t; a, c)), A · ramp(t; a + c, k), A · ramp(t; a + c + k, 0) (ramp: `_share`).
    phases (5, draw, phase): area A, approval year a, clearance years c, construction years k,
    farmland share f. A phase's years side by side (the loop over years innermost, on vectors),
    each year's sum in phase order."""
    n, p, nc = phases.shape[1], phases.shape[2], first.shape[0]
    for d in range(n):
        for k in range(nc):
            for j in range(first[k], first[k + 1] if k + 1 < nc else p):
                area, start, clearance, construction, share = phases[:, d, j]
                _phase_steps(years, (area, start, clearance, construction, share), out[:, d, k], j == first[k])


@_inlined
def _phase_steps(years: np.ndarray, phase: tuple[float, float, float, float, float], out: np.ndarray,
                 alone: bool) -> None:  # pragma: no cover - compiled
    """One phase's steps in every year (`timeline`'s; phase = A, a, c, k, f) into out (5, year),
    or added to it unless `alone`."""
    area, start, clearance, construction, share = phase
    built = start + clearance
    for t in range(years.shape[0]):
        cleared = area * _share(years[t], start, clearance)
        x = (area * _share(years[t], start, 0.0), cleared, share * cleared,
             area * _share(years[t], built, construction), area * _share(years[t], built + construction, 0.0))
        for q in range(5):
            out[q, t] = x[q] if alone else out[q, t] + x[q]


@_inlined
def _level(demand: float, score: np.ndarray, room: np.ndarray, order: np.ndarray,
           rest: np.ndarray) -> float:  # pragma: no cover - compiled
    """θ with Σ_c V_c · min(1, θ a_c) = D over the clusters `order` (falling score): the first
    k are full at θ_k = (D − Σ_{j<k} V_j) / Σ_{j≥k} a_j V_j; the answer is the first k with
    θ_k · a_k < 1. When the demand exceeds all the room, θ = 2 / min a over clusters with room
    (everyone full, with a margin against rounding). rest: scratch, at least len(order)."""
    if not demand > 0.0:
        return 0.0
    n = order.shape[0]
    # rest[k] = Σ_{j≥k} a_j V_j, summed from the last cluster up
    acc = 0.0
    for k in range(n - 1, -1, -1):
        c = order[k]
        acc += score[c] * room[c]
        rest[k] = acc
    filled = 0.0  # running Σ_{j≤k} V_j; Σ_{j<k} V_j is taken as filled − V_k
    smallest = np.inf
    for k in range(n):
        c = order[k]
        v = room[c]
        filled += v
        if v > 0.0 and score[c] < smallest:
            smallest = score[c]
        if rest[k] > 0.0:
            theta = (demand - (filled - v)) / rest[k]
            if theta * score[c] < 1.0:
                found: float = max(theta, 0.0)
                return found
    if smallest == np.inf:
        return 0.0
    full: float = 2.0 / smallest
    return full


@njit(cache=True, nogil=True)
def water_level(demand: np.ndarray, score: np.ndarray, room: np.ndarray,
                order: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """θ (draw,) for demand (draw,), score and room (draw, cluster), `order` (draw, k) the
    clusters to share among, by falling score."""
    out, rest = np.empty(demand.shape[0]), np.empty(order.shape[1])
    for d in range(demand.shape[0]):
        out[d] = _level(demand[d], score[d], room[d], order[d], rest)
    return out


_INSERTION = 32  # clusters of a pool sorted by insertion at most (`_by_score`)


@njit(cache=True, nogil=True)
def _by_score(score: np.ndarray, idx: np.ndarray, order: np.ndarray) -> None:  # pragma: no cover - compiled
    """order = the clusters idx by falling score, ties (and NaN, last) in the order of idx:
    numpy's stable argsort of −score; a few by insertion into the reused `order`, many by
    numpy's merge sort."""
    if idx.shape[0] > _INSERTION:
        order[:] = idx[np.argsort(-score[idx], kind="mergesort")]
        return
    for a in range(idx.shape[0]):
        key = -score[idx[a]]
        b = a
        while b > 0:
            before = -score[order[b - 1]]
            if not (key < before or (np.isnan(before) and not np.isnan(key))):
                break
            order[b] = order[b - 1]
            b -= 1
        order[b] = idx[a]


@njit(cache=True, nogil=True)
def takeup(capacity: np.ndarray, leased_before: np.ndarray, score: np.ndarray,
           pool_of: np.ndarray, demand: np.ndarray, levels: np.ndarray, solve: bool,
           kept: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Year by year, each pool's demand (draw, year, pool) is shared among its clusters'
    (`pool_of`, −1: none) vacant land V = capacity − leased by water filling,
    leased[t] = leased[t−1] + V[t] · min(1, θ[t] · a), for each run's scores a (run, draw,
    cluster): runs that differ in their scores alone (lease prices) share the rest. With
    `solve`, the levels θ (run, draw, year, pool) are found and written, and the unmet demand
    (run, draw, year) summed; else `levels` are given (from a run over every cluster) and only
    the fill is computed, with the same arithmetic. kept = (keep, total): returns leased (run,
    draw, k, year) of the clusters keep (run, k) and unmet (run, draw, year), and writes the
    leased area summed over every cluster into total (run, draw, year) unless it has no draws
    (the clusters added in order, the first copied, as `cluster_metrics` adds them). Each run's draw's pools ordered
    by score (`_by_score`), then its years (`_takeup_years`), then what is kept (`_kept`)."""
    runs, (n, c, years), (keep, total) = score.shape[0], capacity.shape, kept
    pools = levels.shape[3]
    leased, unmet = np.empty((runs, n, keep.shape[1], years)), np.zeros((runs, n, years))
    groups = [np.flatnonzero(pool_of == k) for k in range(pools)]
    starts = np.zeros(pools + 1, dtype=np.intp)  # pool k's clusters: members[starts[k]:starts[k + 1]]
    for k in range(pools):
        starts[k + 1] = starts[k] + groups[k].shape[0]
    members, scratch = np.empty(starts[pools], dtype=np.intp), (np.empty(c), np.empty(c), np.empty(c))
    every = np.empty((c, years))  # a draw's leased area of every cluster
    for r in range(runs):
        given, out = (capacity, leased_before, score[r], demand), (every, unmet[r], levels[r])
        into = (keep[r], leased[r], total[r].reshape((1, total.shape[1], years)))
        for d in range(n):
            for k in range(pools):
                _by_score(score[r, d], groups[k], members[starts[k]:starts[k + 1]])
            _takeup_years(given, (members, starts), d, solve, scratch, out)
            _kept(every, into, d)
    return leased, unmet


@_without_refcounts
def _kept(every: np.ndarray, kept: tuple[np.ndarray, np.ndarray, np.ndarray],
          d: int) -> None:  # pragma: no cover - compiled
    """Draw d of a take-up's leased area `every` (cluster, year) into kept = (clusters,
    leased (draw, k, year), total (1, draw, year)): the clusters' rows, and their sum over
    every cluster unless total has no draws (`_add_cluster`, as `cluster_metrics` sums them)."""
    clusters, leased, total = kept
    for k in range(clusters.shape[0]):
        for t in range(every.shape[1]):
            leased[d, k, t] = every[clusters[k], t]
    if total.shape[1] > 0:
        for c in range(every.shape[0]):
            _add_cluster(every[c:c + 1], total, d, c == 0)


@_without_refcounts
def _takeup_years(given: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
                  pools: tuple[np.ndarray, np.ndarray], d: int, solve: bool,
                  scratch: tuple[np.ndarray, np.ndarray, np.ndarray],
                  out: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:  # pragma: no cover - compiled
    """`takeup`'s years of draw d: given = (capacity, leased_before, score, demand), pools =
    (members, starts) each pool's clusters by falling score, scratch (current, vacant, rest)
    (cluster,), out = (leased (cluster, year) of draw d, unmet, levels)."""
    capacity, leased_before, score, demand = given
    members, starts = pools
    current, vacant, rest = scratch
    leased, unmet, levels = out
    c = capacity.shape[1]
    for j in range(c):
        current[j] = leased_before[d, j]
    for t in range(capacity.shape[2]):
        for j in range(c):
            vacant[j] = max(capacity[d, j, t] - current[j], 0.0)
        for k in range(starts.shape[0] - 1):
            group = members[starts[k]:starts[k + 1]]
            if solve:
                total = 0.0
                for member in group:
                    total += vacant[member]
                unmet[d, t] += max(demand[d, t, k] - total, 0.0)
                levels[d, t, k] = _level(demand[d, t, k], score[d], vacant, group, rest)
            level = levels[d, t, k]
            for member in group:
                current[member] = current[member] + vacant[member] * min(level * score[d, member], 1.0)
        for j in range(c):
            leased[j, t] = current[j]


def _lowered(typer: Callable[..., Any]) -> Any:
    """numba's @intrinsic: `typer` types a call and returns its LLVM code generator."""
    return intrinsic(typer)


@_lowered
def _fma(typingctx: Any, a: Any, b: Any, c: Any) -> Any:  # pragma: no cover - compiled
    """_fma(a, b, c) = a · b + c rounded once (llvm.fma: the fused instruction of every x86-64
    CPU since 2013, else libm's fma, with the same result), for float64."""
    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.call(builder.module.declare_intrinsic("llvm.fma", [_F64] * 3), args)
    return types.float64(types.float64, types.float64, types.float64), codegen


_F64 = ir.DoubleType()
_WIDTH = 8  # lanes of a _Vec: the IPF's vectors are padded with zeros to a multiple of this
_VEC_IR = ir.VectorType(_F64, _WIDTH)


class _Vec(types.Type):
    """_WIDTH float64 lanes held as one vector value. Every operation on it is lane by lane
    (a CPU with narrower vectors runs it in parts), so its results are the same on any CPU."""

    def __init__(self) -> None:
        super().__init__(name="Vec")


_VEC = _Vec()


@register_model(_Vec)
class _VecModel(models.PrimitiveModel):
    """A _Vec is LLVM's <_WIDTH x double>."""

    def __init__(self, dmm: Any, fe_type: Any) -> None:
        super().__init__(dmm, fe_type, _VEC_IR)  # type: ignore[no-untyped-call]


def _contiguous(*arrays: Any) -> bool:
    """Whether every type is a 1-D C-contiguous float64 array (what `_vec_at` reads and writes)."""
    return all(isinstance(t, types.Array) and t.ndim == 1 and t.layout == "C" and t.dtype == types.float64
               for t in arrays)


def _vec_at(context: Any, builder: Any, ty: Any, array: Any, at: Any) -> Any:
    """A pointer to the _WIDTH float64 of a 1-D C array from index `at`, as one vector."""
    data = context.make_array(ty)(context, builder, array).data
    return builder.bitcast(builder.gep(data, [at]), _VEC_IR.as_pointer())


def _vec_call(builder: Any, name: str, *args: Any) -> Any:
    """A call of the LLVM intrinsic `name` (llvm.fma.*, llvm.fabs.*) on vectors."""
    fn = cgutils.get_or_insert_function(  # type: ignore[no-untyped-call]
        builder.module, ir.FunctionType(_VEC_IR, [_VEC_IR] * len(args)), f"{name}.v{_WIDTH}f64")
    return builder.call(fn, args)


def _lanes(value: float) -> Any:
    """The constant vector of `value` in every lane."""
    return ir.Constant(_VEC_IR, [ir.Constant(_F64, value)] * _WIDTH)


def _any(builder: Any, lanes: Any) -> Any:
    """Whether some lane of a vector of booleans is true."""
    return builder.icmp_unsigned("!=", builder.bitcast(lanes, ir.IntType(_WIDTH)),
                                 ir.Constant(ir.IntType(_WIDTH), 0))


def _everywhere(builder: Any, value: Any) -> Any:
    """Codegen: the vector of the float64 `value` in every lane."""
    one = builder.insert_element(ir.Constant(_VEC_IR, ir.Undefined), value, ir.Constant(ir.IntType(32), 0))
    return builder.shuffle_vector(one, one, ir.Constant(ir.VectorType(ir.IntType(32), _WIDTH), [0] * _WIDTH))


@_lowered
def _splat(typingctx: Any, value: Any) -> Any:  # pragma: no cover - compiled
    """The vector of `value` in every lane."""
    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return _everywhere(builder, args[0])
    return _VEC(types.float64), codegen


@_lowered
def _spread(typingctx: Any, a: Any, i: Any) -> Any:  # pragma: no cover - compiled
    """The vector of a[i] in every lane (a 1-D float64 array, contiguous; i not checked, as
    `_load`'s: a plain load, without the index's wraparound test of a[i])."""
    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        return _everywhere(builder, builder.load(builder.gep(data, [args[1]])))
    return (_VEC(a, i), codegen) if _contiguous(a) else None


@_lowered
def _load(typingctx: Any, a: Any, i: Any) -> Any:  # pragma: no cover - compiled
    """The vector a[i:i + _WIDTH] (a 1-D float64 array, contiguous)."""
    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.load(_vec_at(context, builder, signature.args[0], args[0], args[1]), align=8)
    return (_VEC(a, i), codegen) if _contiguous(a) else None  # None: numba reports the call as untyped


@_lowered
def _store(typingctx: Any, a: Any, i: Any, v: Any) -> Any:  # pragma: no cover - compiled
    """a[i:i + _WIDTH] = v (a 1-D float64 array, contiguous)."""
    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        builder.store(args[2], _vec_at(context, builder, signature.args[0], args[0], args[1]), align=8)
        return context.get_dummy_value()
    return (types.none(a, i, _VEC), codegen) if _contiguous(a) else None


@_lowered
def _vfma(typingctx: Any, a: Any, b: Any, c: Any) -> Any:  # pragma: no cover - compiled
    """a · b + c lane by lane, each rounded once (llvm.fma)."""
    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return _vec_call(builder, "llvm.fma", *args)
    return _VEC(_VEC, _VEC, _VEC), codegen


def _lane_op(name: str) -> Any:
    """An intrinsic x ∘ y lane by lane, `name` the IR builder's operation (fadd, fsub, fmul,
    fdiv: each lane rounded once)."""
    def typer(typingctx: Any, x: Any, y: Any) -> Any:  # pragma: no cover - compiled
        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            return getattr(builder, name)(args[0], args[1])
        return _VEC(_VEC, _VEC), codegen
    return _lowered(typer)


_vadd, _vsub, _vmul, _vdiv = (_lane_op(op) for op in ("fadd", "fsub", "fmul", "fdiv"))


@_lowered
def _at_least(typingctx: Any, v: Any, low: Any) -> Any:  # pragma: no cover - compiled
    """low where v < low, else v, lane by lane (a NaN stays NaN)."""
    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.select(builder.fcmp_ordered("<", args[0], args[1]), args[1], args[0])
    return _VEC(_VEC, _VEC), codegen


@_lowered
def _total(typingctx: Any, v: Any) -> Any:  # pragma: no cover - compiled
    """The sum of the lanes, halves added pairwise: ((v_0 + v_4) + (v_2 + v_6)) + ((v_1 + v_5)
    + (v_3 + v_7)), the upper half of the lanes added to the lower half as vectors (a few
    shuffles rather than a lane at a time)."""
    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        lanes, half, at = args[0], _WIDTH, ir.IntType(32)
        while half > 1:
            half //= 2
            low, high = (builder.shuffle_vector(lanes, lanes, ir.Constant(ir.VectorType(at, half),
                                                                          list(range(k, k + half))))
                         for k in (0, half))
            lanes = builder.fadd(low, high)
        return builder.extract_element(lanes, ir.Constant(at, 0))
    return types.float64(_VEC), codegen


@_lowered
def _balance(typingctx: Any, sums: Any, totals: Any, before: Any, out: Any,
             at: Any) -> Any:  # pragma: no cover - compiled
    """For the _WIDTH rows from `at`, lane by lane: new = totals / max(sums, 1e-300) into
    out, and whether some |new − before| > IPF_TOLERANCE · |new| (totals, before and out 1-D
    float64 arrays, contiguous; before may be out)."""
    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        total, old = (builder.load(_vec_at(context, builder, signature.args[k], args[k], args[4]), align=8)
                      for k in (1, 2))
        tiny = _lanes(1e-300)
        new = builder.fdiv(total, builder.select(builder.fcmp_ordered(">", args[0], tiny), args[0], tiny))
        builder.store(new, _vec_at(context, builder, signature.args[3], args[3], args[4]), align=8)
        step = _vec_call(builder, "llvm.fabs", builder.fsub(new, old))
        return _any(builder, builder.fcmp_ordered(">", step, builder.fmul(_lanes(IPF_TOLERANCE),
                                                                             _vec_call(builder, "llvm.fabs", new))))
    return (types.boolean(_VEC, totals, before, out, at), codegen) if _contiguous(totals, before, out) else None


@_lowered
def _positive(typingctx: Any, v: Any, totals: Any, at: Any) -> Any:  # pragma: no cover - compiled
    """Whether 0 < v < ∞ in every lane where totals[at:at + _WIDTH] > 0 (totals a 1-D float64
    array, contiguous)."""
    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        total = builder.load(_vec_at(context, builder, signature.args[1], args[1], args[2]), align=8)
        inside = builder.and_(builder.fcmp_ordered(">", args[0], _lanes(0.0)),
                              builder.fcmp_ordered("<", args[0], _lanes(np.inf)))
        return builder.not_(_any(builder, builder.and_(builder.fcmp_ordered(">", total, _lanes(0.0)),
                                                       builder.not_(inside))))
    return (types.boolean(_VEC, totals, at), codegen) if _contiguous(totals) else None


@_inlined
def _four_terms(m: np.ndarray, k: int, rows: int, a: Any, s: Any) -> Any:  # pragma: no cover - compiled
    """The partial sums s = (s_0, …, s_3) (vectors) with the next term each:
    s_p + m[k + p · rows : …+ _WIDTH] · a_p, fused lane by lane (`_vfma`)."""
    return (_vfma(_load(m, k), a[0], s[0]), _vfma(_load(m, k + rows), a[1], s[1]),
            _vfma(_load(m, k + 2 * rows), a[2], s[2]), _vfma(_load(m, k + 3 * rows), a[3], s[3]))


@_inlined
def _row_sums(m: np.ndarray, x: np.ndarray, r0: int, rows: int,
              pair: bool) -> Any:  # pragma: no cover - compiled
    """`_half_sweep`'s sums Σ_j m[j R + r] · x[j] of the _WIDTH rows from r0 and, with
    `pair`, of the _WIDTH rows after them (else −0s): two vectors, each row's 4 partial sums
    added as (s_0 + s_2) + (s_1 + s_3). Two groups of rows at once keep 8 chains of fused
    multiply-adds going (each waits on the one before), in the order of one group alone."""
    zero = _splat(-0.0)
    s = t = (zero, zero, zero, zero)
    for j in range(0, x.shape[0], 4):
        a = (_spread(x, j), _spread(x, j + 1), _spread(x, j + 2), _spread(x, j + 3))
        s = _four_terms(m, j * rows + r0, rows, a, s)
        if pair:
            t = _four_terms(m, j * rows + r0 + _WIDTH, rows, a, t)
    return _vadd(_vadd(s[0], s[2]), _vadd(s[1], s[3])), _vadd(_vadd(t[0], t[2]), _vadd(t[1], t[3]))


@_inlined
def _half_sweep(m: np.ndarray, x: np.ndarray, totals: np.ndarray, before: np.ndarray,
                out: np.ndarray) -> bool:  # pragma: no cover - compiled
    """Half an IPF sweep: out[r] = totals[r] / max(Σ_j m[j R + r] · x[j], 1e-300) for each
    row r < R = len(out), m flat (term j < len(x), row r); returns whether some out[r] moved
    from before[r] by more than IPF_TOLERANCE of its new value. R and len(x) are multiples
    of _WIDTH (`ipf` pads with zeros).

    Each row's sum in one fixed order, the same on any CPU: 4 partial sums s_p (from −0)
    take the terms j ≡ p (mod 4) in order, each fused (fma(a, b, s) = a · b + s rounded
    once), then are added as (s_0 + s_2) + (s_1 + s_3). _WIDTH rows side by side, lane by
    lane (`_vfma`, `_balance`), each as if alone; two such groups at a time (`_row_sums`)."""
    rows = out.shape[0]
    moved = False
    for r0 in range(0, rows, 2 * _WIDTH):
        pair = r0 + _WIDTH < rows
        first, second = _row_sums(m, x, r0, rows, pair)
        moved |= _balance(first, totals, before, out, r0)
        if pair:
            moved |= _balance(second, totals, before, out, r0 + _WIDTH)
    return moved


IPF_HISTORY = 4  # earlier sweeps an Anderson step of the IPF extrapolates from (`_ipf_cell`)
_PAUSE = 3  # plain sweeps after one where the residual did not fall
# rows of the IPF's scratch `work` (row, origin): the last IPF_HISTORY differences of G and of
# the residual, the last G(x) and residual, and G(x)
_DG, _DR = 0, IPF_HISTORY
_LAST_G, _LAST_R, _G = 2 * IPF_HISTORY, 2 * IPF_HISTORY + 1, 2 * IPF_HISTORY + 2
# columns of its `gram` (IPF_HISTORY, _GRAM_COLUMNS): the Gram matrix of the residual's
# differences, its factors L and D, and the right-hand side, solved in place for the weights
_FACTOR, _RHS, _GRAM_COLUMNS = IPF_HISTORY, 2 * IPF_HISTORY, 2 * IPF_HISTORY + 1


@_inlined
def _differences(x: np.ndarray, work: np.ndarray, slot: int, keep: bool,
                 gram: np.ndarray) -> float:  # pragma: no cover - compiled
    """From G(x) = work[_G]: the residual r = G(x) − x and G(x) kept as the last ones; with
    `keep`, their differences from the last ones before into row `slot` of the differences,
    that row and column of the Gram matrix of the residual's differences (ΔR_slot · ΔR_p) and
    the right-hand side ΔR_p · r. Returns Σ r². Each sum lane by lane over i in order, fused,
    then the lanes added pairwise (`_total`): the same on any CPU."""
    g_now, last_g, last_r = work[_G], work[_LAST_G], work[_LAST_R]
    dg, dr = work[_DG + slot], work[_DR + slot]
    total = _splat(0.0)
    for i in range(0, x.shape[0], _WIDTH):
        g = _load(g_now, i)
        r = _vsub(g, _load(x, i))
        total = _vfma(r, r, total)
        if keep:
            _store(dg, i, _vsub(g, _load(last_g, i)))
            _store(dr, i, _vsub(r, _load(last_r, i)))
        _store(last_g, i, g)
        _store(last_r, i, r)
    for p in range(IPF_HISTORY if keep else 0):
        other, c, b = work[_DR + p], _splat(0.0), _splat(0.0)
        for i in range(0, x.shape[0], _WIDTH):
            d = _load(other, i)
            c, b = _vfma(_load(dr, i), d, c), _vfma(_load(last_r, i), d, b)
        gram[slot, p] = gram[p, slot] = _total(c)
        gram[p, _RHS] = _total(b)
    return float(_total(total))


@_inlined
def _factor(gram: np.ndarray, k: int) -> bool:  # pragma: no cover - compiled
    """The factors L D Lᵀ of the first k rows and columns of the Gram matrix (L unit lower
    triangular into gram[:k, _FACTOR:] below the diagonal, the pivots d_j of D on it), in a
    fixed order and without square roots; False when a pivot is not above 1e-12 of the
    largest diagonal entry (the differences nearly dependent) or is not a number."""
    scale = 0.0
    for j in range(k):
        scale = max(scale, gram[j, j])
    for j in range(k):
        for r in range(j, k):
            t = gram[r, j]
            for i in range(j):
                t -= gram[r, _FACTOR + i] * gram[j, _FACTOR + i] * gram[i, _FACTOR + i]
            if r > j:
                gram[r, _FACTOR + j] = t / gram[j, _FACTOR + j]
            elif t > 1e-12 * scale:
                gram[j, _FACTOR + j] = t
            else:
                return False
    return True


@_inlined
def _solve(gram: np.ndarray, k: int) -> bool:  # pragma: no cover - compiled
    """The weights γ = gram[:k, _RHS] solving (Gram matrix) γ = right-hand side, in place:
    `_factor`, then L y = rhs, D z = y and Lᵀ γ = z in a fixed order; False when `_factor`
    fails."""
    if not _factor(gram, k):
        return False
    for j in range(k):
        for i in range(j):
            gram[j, _RHS] -= gram[j, _FACTOR + i] * gram[i, _RHS]
    for j in range(k):
        gram[j, _RHS] /= gram[j, _FACTOR + j]
    for j in range(k - 1, -1, -1):
        for i in range(j + 1, k):
            gram[j, _RHS] -= gram[i, _FACTOR + j] * gram[i, _RHS]
    return True


@_inlined
def _extrapolate(work: np.ndarray, k: int, totals: np.ndarray, gram: np.ndarray,
                 out: np.ndarray) -> bool:  # pragma: no cover - compiled
    """Anderson's next x = G(x) − Σ_{p < k} γ_p ΔG_p into out (γ from `_solve`; the terms
    fused in order p = 0, 1, …); False when some weight with totals > 0 comes out not
    positive and finite (out then holds part of it)."""
    ok = True
    for i in range(0, totals.shape[0], _WIDTH):
        v = _load(work[_G], i)
        for p in range(k):
            v = _vfma(_splat(-gram[p, _RHS]), _load(work[_DG + p], i), v)
        ok &= _positive(v, totals, i)
        _store(out, i, v)
    return ok


@_inlined
def _copy(a: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover - compiled
    """out[:len(a)] = a, _WIDTH values at a time (len(a) a multiple of _WIDTH; without the
    shape check of a slice's assignment, whose message needs reference counting)."""
    for i in range(0, a.shape[0], _WIDTH):
        _store(out, i, _load(a, i))


@_without_refcounts
def _ipf_cell(mats: np.ndarray, origins: np.ndarray, dests: np.ndarray, bd: np.ndarray,
              ao: np.ndarray, work: np.ndarray, gram: np.ndarray) -> int:  # pragma: no cover - compiled
    """One draw and year of `ipf`, from B_c D_c = bd and A_i O_i = ao (the year before's, or
    0 in the first year, when bd holds D_c), both balanced in place; returns the sweeps.

    A sweep is the map x → G(x): A_i O_i from B_c D_c (`_half_sweep`; the first sweep from
    the given bd), the stopping rule (no A_i O_i moved from x by more than IPF_TOLERANCE of
    itself: G(x) is returned), then B_c D_c from the next x. The next x is Anderson's
    extrapolation (type II) from the last IPF_HISTORY sweeps: G(x) − Σ_p γ_p ΔG_p, γ the
    least-squares fit of the residual r = G(x) − x by its differences ΔR_p (`_differences`,
    `_solve`, `_extrapolate`), while Σ r² keeps falling. Otherwise it is the plain IPF step
    x = G(x): when a fit fails or gives a weight that is not positive and finite (the
    differences then start anew); for _PAUSE sweeps after one where Σ r² did not fall; and
    from half of IPF_MAX_SWEEPS on, so that a cell that does not converge ends where plain
    IPF stalls. Each stop is a plain sweep's, so the stopping rule promises what it did.
    mats[0] the deterrences flat (destination, origin) and mats[1] (origin, destination),
    work (2 · IPF_HISTORY + 3, origin) and gram (IPF_HISTORY, _GRAM_COLUMNS) scratch; every
    vector padded with zeros as `_half_sweep` needs.
    """
    g, by_dest, by_origin = work[_G], mats[0], mats[1]
    sweeps, stored, last = 0, -1, np.inf  # stored: differences held, < 0 while none are kept
    if ao.sum() == 0.0:
        stored = -2  # the first G is from B_c = 1, not from an x
    while True:
        sweeps += 1
        if not _half_sweep(by_dest, bd, origins, ao, g) or sweeps >= IPF_MAX_SWEEPS:
            _copy(g, ao)
            return sweeps
        worst = _differences(ao, work, max(stored, 0) % IPF_HISTORY, stored >= 0, gram)
        stored, last = stored + 1 if worst < last else -_PAUSE, worst
        k = min(stored, IPF_HISTORY) if sweeps < IPF_MAX_SWEEPS // 2 else 0  # then plain
        if not (k > 0 and _solve(gram, k) and _extrapolate(work, k, origins, gram, ao)):
            _copy(g, ao)
            stored = min(stored, 0)
        _half_sweep(by_origin, ao, dests, bd, bd)


@njit(cache=True, nogil=True)
def _aligned(n: int) -> np.ndarray:  # pragma: no cover - compiled
    """n float64 zeros from an address that is a multiple of 8 · _WIDTH bytes (a vector's
    loads then never straddle two cache lines)."""
    buf = np.zeros(n + _WIDTH)
    skip = (-buf.ctypes.data) % (8 * _WIDTH) // 8
    return buf[skip:skip + n]


@njit(cache=True, nogil=True)
def ipf(full: np.ndarray, origins: np.ndarray, dests: np.ndarray,
        out: np.ndarray) -> int:  # pragma: no cover - compiled
    """Balanced origin weights A_i O_i (draw, origin, year) of the doubly-constrained gravity
    model by iterative proportional fitting, each draw and year on its own:

        A_i O_i = O_i / Σ_c f_ic B_c D_c,   B_c D_c = D_c / Σ_i f_ic A_i O_i

    until no A_i O_i moves by more than IPF_TOLERANCE of itself in a sweep (the row marginals
    then agree to that), at most IPF_MAX_SWEEPS; Anderson's acceleration (`_ipf_cell`) needs
    far fewer sweeps to that stop than plain IPF. The first year starts from B_c = 1; each
    later year from the year before's A_i O_i (years differ little, so a few sweeps do). The
    flows T_ic are unique; A_i O_i only up to a factor shared with B_c, and the model only
    ever uses them with B_c recomputed from them. x / max(y, 1e-300) keeps an empty row or
    column finite. Every sum in a fixed order (`_half_sweep`), the same on any CPU. full
    (draw, origin, destination), origins (draw, origin, year), dests (draw, destination,
    year). Returns the total of sweeps over every draw and year."""
    n, ni, nc = full.shape
    wi, wc = ni + (-ni) % _WIDTH, nc + (-nc) % _WIDTH  # vectors padded with zeros
    bd, ao, o, de = _aligned(wc), _aligned(wi), _aligned(wi), _aligned(wc)
    work = _aligned((2 * IPF_HISTORY + 3) * wi).reshape((2 * IPF_HISTORY + 3, wi))
    gram = np.zeros((IPF_HISTORY, _GRAM_COLUMNS))
    mats = _aligned(2 * wi * wc).reshape((2, wi * wc))
    return _ipf_draws(full, origins, dests, out, (mats, o, de, bd, ao, work, gram))


@_without_refcounts
def _ipf_draws(full: np.ndarray, origins: np.ndarray, dests: np.ndarray, out: np.ndarray,
               scratch: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                              np.ndarray]) -> int:  # pragma: no cover - compiled
    """`ipf`'s loop over draws and years (its arguments), in its scratch (mats, o, de, bd,
    ao, work, gram): each draw's deterrences into mats (as `_ipf_cell` reads them), then
    year by year O_i into o, D_c into de, B_c D_c into bd (from last year's A_i O_i, else
    D_c), `_ipf_cell`, and A_i O_i out; vectors padded with zeros. Returns the sweeps."""
    mats, o, de, bd, ao, work, gram = scratch
    n, ni, nc = full.shape
    wi, wc = o.shape[0], de.shape[0]
    sweeps = 0
    for d in range(n):
        for i in range(ni):
            for c in range(nc):
                mats[0, c * wi + i] = mats[1, i * wc + c] = full[d, i, c]
        ao[:] = 0.0
        for y in range(origins.shape[2]):
            for i in range(ni):
                o[i] = origins[d, i, y]
            for c in range(nc):
                de[c] = dests[d, c, y]
            if ao.sum() > 0.0:  # B_c D_c from last year's A_i O_i
                _half_sweep(mats[1], ao, de, bd, bd)
            else:
                _copy(de, bd)
            sweeps += _ipf_cell(mats, o, de, bd, ao, work, gram)
            for i in range(ni):
                out[d, i, y] = ao[i]
    return sweeps


@njit(cache=True, nogil=True)
def balanced_jobs(f: np.ndarray, origin_weights: np.ndarray,
                  jobs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """B_c J_c = J_c / max(Σ_i f_ci A_i O_i, 1e-300), the sum taken origin by origin in order,
    cell by cell (a NaN sum stays NaN, as numpy's maximum), and the workers from the last
    origin (outside the district), B_c J_c · A_out O_out · f_out,c: f (draw, cluster, origin),
    origin_weights (draw, origin, year), jobs (draw, cluster, year) → both (draw, cluster,
    year). _WIDTH years side by side, lane by lane (each cell as if alone), through rows
    padded with zeros."""
    n, nc, no = f.shape
    ny = jobs.shape[2]
    w = ny + (-ny) % _WIDTH
    out, outside = np.empty((n, nc, ny)), np.empty((n, nc, ny))
    ow, rows = _aligned(no * w), _aligned(3 * w)
    jb, bj, oc = rows[:w], rows[w:2 * w], rows[2 * w:]
    for d in range(n):
        for i in range(no):
            for t in range(ny):
                ow[i * w + t] = origin_weights[d, i, t]
        for c in range(nc):
            for t in range(ny):
                jb[t] = jobs[d, c, t]
            for t0 in range(0, w, _WIDTH):
                total = _vmul(_splat(f[d, c, 0]), _load(ow, t0))
                for i in range(1, no):
                    total = _vadd(total, _vmul(_splat(f[d, c, i]), _load(ow, i * w + t0)))
                b = _vmul(_vdiv(_splat(1.0), _at_least(total, _splat(1e-300))), _load(jb, t0))
                _store(bj, t0, b)
                _store(oc, t0, _vmul(_vmul(b, _load(ow, (no - 1) * w + t0)), _splat(f[d, c, no - 1])))
            for t in range(ny):
                out[d, c, t], outside[d, c, t] = bj[t], oc[t]
    return out, outside


@njit(cache=True, nogil=True)
def commune_sums(weights: np.ndarray, per_cluster: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """Σ_c w_ci · x_c for each commune i: weights (draw, cluster, commune), per_cluster (draw,
    cluster, year) → (draw, commune, year); from 0, the products fused cluster by cluster in
    order (fma(w, x, s) = w · x + s rounded once), the same on any CPU. With weights 1 or 0 (the
    jobs within reach) every product is exact: numpy's einsum("dci,dcy->diy") bit for bit.
    With deterrences f_ci (the workers supplied) it is the sum OpenBLAS's matmul gave on this
    project's machine (one fused accumulator per cell, cluster by cluster), which other CPUs'
    BLAS kernels may order otherwise. _WIDTH years side by side, lane by lane, through rows
    padded with zeros."""
    n, nc, ni = weights.shape
    ny = per_cluster.shape[2]
    w = ny + (-ny) % _WIDTH
    out = np.empty((n, ni, ny))
    acc, x = _aligned(ni * w), _aligned(w)
    for d in range(n):
        acc[:] = 0.0
        for c in range(nc):
            for t in range(ny):
                x[t] = per_cluster[d, c, t]
            for i in range(ni):
                weight = _splat(weights[d, c, i])
                for t0 in range(0, w, _WIDTH):
                    _store(acc, i * w + t0, _vfma(weight, _load(x, t0), _load(acc, i * w + t0)))
        for i in range(ni):
            for t in range(ny):
                out[d, i, t] = acc[i * w + t]
    return out


# what `money` writes, in order: yearly flows, the cumulative net cash, then running NPVs
MONEY_OUT = ("wages_bn_vnd", "budget_revenue_bn_vnd", "capex_bn_vnd", "clearance_cost_bn_vnd",
             "opex_bn_vnd", "land_lease_revenue_bn_vnd", "net_cash_bn_vnd", "public_net_cash_bn_vnd",
             "farm_income_lost_bn_vnd", "cumulative_net_cash_bn_vnd",
             "npv_bn_vnd", "public_npv_bn_vnd", "central_npv_bn_vnd", "city_npv_bn_vnd",
             "households_npv_bn_vnd", "workers_npv_bn_vnd", "recovery_cost_npv_bn_vnd",
             "leased_ha_npv")
_FLOWS = 9  # MONEY_OUT[:_FLOWS] are yearly flows kept as they are
# flows discounted into MONEY_OUT[_FLOWS + 1:], by their row in `money`'s scratch
_DISCOUNTED = (6, 7, 9, 10, 11, 12, 13, 14)


@_inlined
def _npv_row(flows: np.ndarray, factor: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover - compiled
    """Running NPV of one series: out[t] = Σ_{τ ≤ t} flows[τ] · factor[τ], factor = (1 + r)^−τ,
    added year by year in order (numpy's cumsum of the discounted flows)."""
    acc = flows[0] * factor[0]
    out[0] = acc
    for t in range(1, flows.shape[0]):
        acc += flows[t] * factor[t]
        out[t] = acc


@njit(cache=True, nogil=True)
def running_npv(flows: np.ndarray, factor: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """`_npv_row` of every row of flows (draw, row, year), factor (draw, year)."""
    out = np.empty(flows.shape)
    for d in range(flows.shape[0]):
        for r in range(flows.shape[1]):
            _npv_row(flows[d, r], factor[d], out[d, r])
    return out


@_inlined
def _money_row(stock: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], revenue: np.ndarray,
               at: tuple[int, int], terms: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
               x: np.ndarray) -> None:  # pragma: no cover - compiled
    """One cluster's yearly flows into the scratch x (15, year), rows 0–8 as MONEY_OUT, then
    net cash, central, city, households, workers, recovery cost, price-indexed ha sold (the
    equations: finance.simulate_money). stock = leased L, built B, farmland F, jobs J (draw,
    cluster, year), read at at = (draw, cluster); revenue = the firms' revenue R (year,) of
    that cluster; terms = (before, rate, each, index, factor) as `money`: before = L, B, F the
    year before the base year; rate = K, σ, κ, o, p₀, φ, τ, ρ; each = c, y_f, w, w_a. Every
    value is read in place (no array views per cluster: numba counts references to views)."""
    leased, built, farm, jobs = stock
    before, rate, each, index = terms[0], terms[1], terms[2], terms[3]
    d, c = at
    for t in range(leased.shape[2]):
        if t == 0:
            d_l, d_b = leased[d, c, 0] - before[d, c, 0], built[d, c, 0] - before[d, c, 1]
            d_f = farm[d, c, 0] - before[d, c, 2]
        else:
            d_l, d_b = leased[d, c, t] - leased[d, c, t - 1], built[d, c, t] - built[d, c, t - 1]
            d_f = farm[d, c, t] - farm[d, c, t - 1]
        capex = rate[d, c, 0] * d_b
        support = rate[d, c, 1] * capex
        clearance = rate[d, c, 2] * d_f
        opex = rate[d, c, 3] * built[d, c, t]
        sold = index[d, t] * d_l
        sales = rate[d, c, 4] * sold
        lease = sales + rate[d, c, 5] * leased[d, c, t]
        taxes = rate[d, c, 6] * revenue[t]
        rent = rate[d, c, 7] * leased[d, c, t]
        central = each[d, 0] * taxes
        net = lease - (capex - support) - clearance - opex
        lost = each[d, 1] * farm[d, c, t]
        x[0, t], x[1, t], x[2, t], x[3, t] = each[d, 2] * jobs[d, c, t], taxes + rent, capex, clearance
        x[4, t], x[5, t], x[6, t], x[7, t] = opex, lease, net, taxes + rent - support
        x[8, t], x[9, t], x[10, t] = lost, central, taxes - central + rent - support
        x[11, t], x[12, t] = clearance - lost, (each[d, 2] - each[d, 3]) * jobs[d, c, t]
        x[13, t], x[14, t] = sales - net, sold


@_inlined
def _money_cluster(stock: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], revenue: np.ndarray,
                   at: tuple[int, int], terms: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
                   x: np.ndarray, out: np.ndarray, to: tuple[int, int, int]) -> None:  # pragma: no cover - compiled
    """One cluster's money (`_money_row`'s arguments) into out[base + k, od, oc] (year,),
    to = (base, od, oc), k in MONEY_OUT's order: the yearly flows (through the scratch x
    (15, year)), the cumulative net cash and the running NPVs (`_npv_row`, terms[4] the
    discount factor (1 + r)^−t (draw, year))."""
    _money_row(stock, revenue, at, terms, x)
    base, od, oc = to
    ny = x.shape[1]
    for k in range(_FLOWS):
        for t in range(ny):
            out[base + k, od, oc, t] = x[k, t]
    acc = x[6, 0]
    out[base + _FLOWS, od, oc, 0] = acc
    for t in range(1, ny):
        acc += x[6, t]
        out[base + _FLOWS, od, oc, t] = acc
    factor = terms[4][at[0]]
    for k in range(len(_DISCOUNTED)):
        _npv_row(x[_DISCOUNTED[k]], factor, out[base + _FLOWS + 1 + k, od, oc])


@njit(cache=True, nogil=True)
def money(stock: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
          before: np.ndarray, rate: np.ndarray, each: np.ndarray, index: np.ndarray,
          factor: np.ndarray, out: np.ndarray, rows: np.ndarray) -> None:  # pragma: no cover - compiled
    """Every party's money, cluster by cluster in one pass (into a scratch (len(MONEY_OUT),
    1, 1, year) that stays in cache), the rows `rows` of MONEY_OUT copied into out (len(rows),
    draw, cluster, year) in that order. stock: L, B, F, R, J (draw, cluster, year); before
    (draw, cluster, 3): L, B, F the year before the base year; rate (draw, cluster, 8) and
    each (draw, 4) as `_money_row`; index (draw, year) the lease price index (1 + g)^t;
    factor (draw, year) the discount factor (1 + r)^−t."""
    n, nc, ny = stock[0].shape
    x, every = np.empty((15, ny)), np.empty((len(MONEY_OUT), 1, 1, ny))
    held = (stock[0], stock[1], stock[2], stock[4])
    terms = (before, rate, each, index, factor)
    for d in range(n):
        for c in range(nc):
            _money_cluster(held, stock[3][d, c], (d, c), terms, x, every, (0, 0, 0))
            for k in range(rows.shape[0]):
                for t in range(ny):
                    out[k, d, c, t] = every[rows[k], 0, 0, t]


# the cluster metrics `cluster_metrics` is given (and adds up), then those it computes, in order;
# the jobs by sector follow
CLUSTER_GIVEN = ("gross_area_ha", "leasable_area_ha", "leased_area_ha", "farmland_converted_ha",
                 "jobs", "in_commuters")
CLUSTER_OUT = ("occupancy_pct", "rice_land_converted_ha", "firms", "firm_revenue_bn_vnd", *MONEY_OUT)
_GIVEN = len(CLUSTER_GIVEN)
_SECTORS = _GIVEN + len(CLUSTER_OUT)  # the first row of the jobs by sector


@_inlined
def _cluster_row(stock: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                              np.ndarray, np.ndarray],
                 at: tuple[int, int], terms: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
                 per_ha: np.ndarray, x: np.ndarray, dest: np.ndarray,
                 to: tuple[int, int]) -> None:  # pragma: no cover - compiled
    """One cluster's metrics into dest[row, od, oc] (year,), to = (od, oc): the given stocks
    (CLUSTER_GIVEN), then

    occupancy_pct          = 100 · L / A where A > 0, else 0      A: leasable ha
    rice_land_converted_ha = r · F                                 r: rice share of farmland
    firms                  = n · L ;  firm_revenue_bn_vnd = R = v · L    (per leased ha)
    money                  = `_money_cluster` of L, B, F, R, J
    jobs_<sector s>        = L · (mix_s · j_s)

    stock = the CLUSTER_GIVEN and built B (draw, cluster, year), read at at = (draw, cluster);
    per_ha (draw, cluster, 3 + sectors) = r, n, v, then mix_s · j_s by sector; terms as
    `money`'s (before, rate, each, index, factor)."""
    d, c = at
    od, oc = to
    leased, farm = stock[2], stock[3]
    ny = leased.shape[2]
    for k in range(_GIVEN):
        given = stock[k]
        for t in range(ny):
            dest[k, od, oc, t] = given[d, c, t]
    rice, firms, revenue = per_ha[d, c, 0], per_ha[d, c, 1], per_ha[d, c, 2]
    for t in range(ny):
        area = stock[1][d, c, t]
        dest[_GIVEN, od, oc, t] = (100.0 * leased[d, c, t]) / area if area > 0.0 else 0.0
        dest[_GIVEN + 1, od, oc, t] = rice * farm[d, c, t]
        dest[_GIVEN + 2, od, oc, t] = firms * leased[d, c, t]
        dest[_GIVEN + 3, od, oc, t] = revenue * leased[d, c, t]
    for s in range(per_ha.shape[2] - 3):
        rate = per_ha[d, c, 3 + s]
        for t in range(ny):
            dest[_SECTORS + s, od, oc, t] = leased[d, c, t] * rate
    _money_cluster((leased, stock[6], farm, stock[4]), dest[_GIVEN + 3, od, oc], at, terms, x,
                   dest, (_GIVEN + 4, od, oc))


_ROW = types.Array(types.float64, 1, "C")


@_lowered
def _years_of(typingctx: Any, a: Any, k: Any, d: Any, c: Any) -> Any:  # pragma: no cover - compiled
    """a[k, d, c] of a 4-D float64 array whose last axis is contiguous, as a 1-D C-contiguous
    array (loops over it then run on vectors; numba types a view of an array of any strides
    as strided). A view without a reference count: only for code compiled without them."""
    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        array = context.make_array(signature.args[0])(context, builder, args[0])
        strides = cgutils.unpack_tuple(builder, array.strides, 4)  # type: ignore[no-untyped-call]
        offset = builder.add(builder.add(builder.mul(args[1], strides[0]), builder.mul(args[2], strides[1])),
                             builder.mul(args[3], strides[2]))
        data = builder.inttoptr(builder.add(builder.ptrtoint(array.data, ir.IntType(64)), offset), array.data.type)
        row, itemsize = context.make_array(_ROW)(context, builder), context.get_constant(types.intp, 8)
        populate_array(row, data=data, shape=cgutils.pack_array(  # type: ignore[no-untyped-call]
            builder, [cgutils.unpack_tuple(builder, array.shape, 4)[3]]),  # type: ignore[no-untyped-call]
            strides=cgutils.pack_array(builder, [itemsize]),  # type: ignore[no-untyped-call]
            itemsize=itemsize, meminfo=None)
        return row._getvalue()
    ok = isinstance(a, types.Array) and a.ndim == 4 and a.dtype == types.float64
    return (_ROW(a, k, d, c), codegen) if ok else None


@_inlined
def _add_cluster(rows: np.ndarray, total: np.ndarray, d: int,
                 first: bool) -> None:  # pragma: no cover - compiled
    """total[:, d] = rows (row, year) (the first cluster), else total[:, d] += rows."""
    if first:
        for k in range(rows.shape[0]):
            for t in range(rows.shape[1]):
                total[k, d, t] = rows[k, t]
        return
    for k in range(rows.shape[0]):
        for t in range(rows.shape[1]):
            total[k, d, t] += rows[k, t]


@njit(cache=True, nogil=True)
def cluster_metrics(stock: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                 np.ndarray, np.ndarray],
                    before: np.ndarray, rate: np.ndarray, per_ha: np.ndarray, each: np.ndarray,
                    price: tuple[np.ndarray, np.ndarray], held: tuple[np.ndarray, np.ndarray],
                    total: np.ndarray) -> None:  # pragma: no cover - compiled
    """Every cluster metric, cluster by cluster in one pass (`_cluster_row`, into a scratch
    (row, 1, 1, year) that stays in cache): the rows CLUSTER_GIVEN, CLUSTER_OUT, then the jobs
    by sector; with held = (out, rows), the rows `rows` of them, in that order, copied into out
    (len(rows), draw, cluster, year; any strides but the years' contiguous, as in a slice of
    draws of a C array) unless out has no draws (all of a cluster's rows at once: a held
    array's fresh pages are faulted in apart from the arithmetic, which written straight into
    out measured as slow as the copy it saved), and
    the sums of every row over clusters into total (row, draw, year) unless total has no
    draws. The sums add the clusters in order, the first copied (numpy's sum over the
    cluster axis when there are several years). stock: the CLUSTER_GIVEN and built B (draw,
    cluster, year); before (draw, cluster, 3), rate (draw, cluster, 8), per_ha (draw,
    cluster, 3 + sectors), each (draw, 4), price (index, factor) (draw, year)."""
    rows = _SECTORS + per_ha.shape[2] - 3
    row, x = np.empty((rows, stock[0].shape[2])), np.empty((15, stock[0].shape[2]))
    if held[0].shape[1] > 0 and held[0].strides[3] != held[0].itemsize:
        raise ValueError("cluster_metrics: a held row's years must be contiguous")
    _cluster_pass(stock, (before, rate, each, price[0], price[1]), per_ha, (row, x), held, total)


@_without_refcounts
def _cluster_pass(stock: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                               np.ndarray, np.ndarray],
                  terms: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
                  per_ha: np.ndarray, scratch: tuple[np.ndarray, np.ndarray],
                  held: tuple[np.ndarray, np.ndarray], total: np.ndarray) -> None:  # pragma: no cover - compiled
    """`cluster_metrics`' pass over draws and clusters (its arguments; terms as `money`'s),
    in its scratch (row (row, year), x (15, year)): no reference counted per view taken."""
    row, x = scratch
    n, nc, ny = stock[0].shape
    rows = row.reshape((row.shape[0], 1, 1, ny))
    out, rows_out = held
    for d in range(n):
        for c in range(nc):
            _cluster_row(stock, (d, c), terms, per_ha, x, rows, (0, 0))
            if out.shape[1] > 0:
                for k in range(rows_out.shape[0]):
                    years, given = _years_of(out, k, d, c), row[rows_out[k]]
                    for t in range(ny):
                        years[t] = given[t]
            if total.shape[1] > 0:
                _add_cluster(row, total, d, c == 0)


# SciPy's default tolerances of scipy.optimize.elementwise.find_root for float64, and its
# iteration limit log2(max) − log2(smallest normal)
_XATOL = 4 * float(np.finfo(np.float64).smallest_normal)
_XRTOL = 4 * float(np.finfo(np.float64).eps)
_FATOL = float(np.finfo(np.float64).smallest_normal)
_MAXITER = 2046
_RATE_LO, _RATE_HI = -0.9, 1.0  # the IRR's bracket


@njit(cache=True, nogil=True)
def _npv_rate(series: np.ndarray, r: float) -> float:  # pragma: no cover - compiled
    """NPV(r) of one series (year last) by Horner's rule in x = 1 / (1 + r), from the last
    year back: one pass over the years."""
    x = 1.0 / (1.0 + r)
    last = series.shape[0] - 1
    acc: float = series[last]
    for k in range(last - 1, -1, -1):
        acc = acc * x + series[k]
    return acc


@njit(cache=True, nogil=True)
def _clip(t: float, lo: float, hi: float) -> float:  # pragma: no cover - compiled
    """numpy's clip of a float: NaN stays NaN."""
    if not np.isnan(t):
        t = t if t > lo else lo
    if not np.isnan(t):
        t = t if t < hi else hi
    return t


@njit(cache=True, nogil=True)
def _step(x: tuple[float, float, float], f: tuple[float, float, float], tol: float,
          dx: float) -> float:  # pragma: no cover - compiled
    """Chandrupatla's next fraction t of the bracket: inverse quadratic interpolation through
    (x1, f1), (x2, f2), (x3, f3) where it is safe, else bisection; kept tol / 2 off the ends."""
    x1, x2, x3 = x
    f1, f2, f3 = f
    xi1 = (x1 - x2) / (x3 - x2)
    phi1 = (f1 - f2) / (f3 - f2)
    alpha = (x3 - x1) / (x2 - x1)
    t = 0.5
    if ((1 - np.sqrt(1 - xi1)) < phi1) and (phi1 < np.sqrt(xi1)):
        t = f1 / (f1 - f2) * f3 / (f3 - f2) - alpha * f1 / (f3 - f1) * f2 / (f2 - f3)
    tl = 0.5 * tol / dx
    return _clip(t, tl, 1 - tl)


@njit(cache=True, nogil=True)
def _irr_row(series: np.ndarray) -> float:  # pragma: no cover - compiled
    """The root of NPV(r) in (−0.9, 1) by Chandrupatla's method, operation for operation as
    scipy.optimize.elementwise.find_root with its default tolerances (so the same root,
    bit for bit); NaN where NPV does not change sign over the bracket."""
    x1, x2 = _RATE_LO, _RATE_HI
    f1, f2 = _npv_rate(series, x1), _npv_rate(series, x2)
    if not np.sign(f1) * np.sign(f2) < 0:
        return np.nan
    fatol = _FATOL + 0.0 * min(abs(f1), abs(f2))  # NaN (never met) when an end is infinite
    x3, f3 = x2, f2
    nit = 0
    while True:
        xmin, fmin = (x1, f1) if abs(f1) < abs(f2) else (x2, f2)
        if abs(fmin) <= fatol:
            return xmin
        if np.sign(f1) == np.sign(f2) or np.isnan(f1) and np.isnan(f2):
            return np.nan
        dx = abs(x2 - x1)
        tol = abs(xmin) * _XRTOL + _XATOL
        if dx < tol:
            return xmin
        if nit >= _MAXITER:
            return np.nan
        t = 0.5 if nit == 0 else _step((x1, x2, x3), (f1, f2, f3), tol, dx)
        x = x1 + t * (x2 - x1)
        f = _npv_rate(series, x)
        x3, f3 = x2, f2
        if np.sign(f) == np.sign(f1):
            x3, f3 = x1, f1
        else:
            x2, f2 = x1, f1
        x1, f1 = x, f
        nit += 1


@njit(cache=True, nogil=True)
def irr(flat: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """Internal rate of return of each row of flat (row, year): `_irr_row`."""
    out = np.empty(flat.shape[0])
    for j in range(flat.shape[0]):
        out[j] = _irr_row(flat[j])
    return out


@njit(cache=True, nogil=True)
def _select(buf: np.ndarray, lo: int, hi: int, k: int) -> None:  # pragma: no cover - compiled
    """Rearrange buf[lo:hi] so that buf[k] is its (k − lo)-th smallest, no larger value before
    it and no smaller after (quickselect with branch-free partitions: values below the pivot
    to the front, then values equal to it, so ties and constants end at once). A NaN pivot
    ends it (no value is below or equal to NaN, so the loop would never narrow): such a cell's
    NaN mean gives it NaN quantiles (`uncertainty.quantiles`)."""
    while hi - lo > 1:
        a, b, c = buf[lo], buf[(lo + hi) // 2], buf[hi - 1]
        pivot = max(min(a, b), min(max(a, b), c))  # median of three
        if pivot != pivot:
            return
        s = lo
        for i in range(lo, hi):
            x = buf[i]
            buf[i] = buf[s]
            buf[s] = x
            s += x < pivot
        if k < s:
            hi = s
            continue
        e = s
        for i in range(s, hi):
            x = buf[i]
            buf[i] = buf[e]
            buf[e] = x
            e += x == pivot
        if k < e:
            return
        lo = e


@njit(cache=True, nogil=True)
def _lerp(x: float, y: float, w: float) -> float:  # pragma: no cover - compiled
    """numpy's `_lerp` of two neighbouring order statistics (the quantile's interpolation)."""
    diff = y - x
    return x + diff * w if w < 0.5 else y - diff * (1.0 - w)


def _value(flat: Any, i: int, j: int) -> float:
    """Draw i of cell j of what the quantile kernels read (`sampled_quantiles`' flat): an array
    (draw, cell), or a product (x, rate, cluster) of such an x (an array or a product) and
    rates (draw, cluster), the cells' clusters `cluster` (cell,): rate[i, cluster[j]] · x's
    value, each product rounded once as `cluster_metrics` rounds a rate times a stock
    (`_cluster_row`)."""
    raise NotImplementedError  # compiled only: `_value_of`


@overload(_value)
def _value_of(flat: Any, i: Any, j: Any) -> Any:  # pragma: no cover - compiled
    """`_value` for numba: flat[i, j] for an array, the product for a tuple."""
    def element(flat: Any, i: Any, j: Any) -> Any:
        return flat[i, j]

    def product(flat: Any, i: Any, j: Any) -> Any:
        x, rate, cluster = flat
        return rate[i, cluster[j]] * _value(x, i, j)
    return element if isinstance(flat, types.Array) else product


def _shape(flat: Any) -> tuple[int, int]:
    """(draws, cells) of what the quantile kernels read (`_value`)."""
    raise NotImplementedError  # compiled only: `_shape_of`


@overload(_shape)
def _shape_of(flat: Any) -> Any:  # pragma: no cover - compiled
    """`_shape` for numba: an array's shape, a product's array's."""
    def of_array(flat: Any) -> Any:
        return flat.shape

    def of_product(flat: Any) -> Any:
        return _shape(flat[0])
    return of_array if isinstance(flat, types.Array) else of_product


_TILE = 16  # draws copied at a time (`_copy_columns`): whole cache lines of the buffer written at once


@njit(cache=True, nogil=True)
def _copy_columns(flat: Any, j0: int, buf: np.ndarray, total: np.ndarray) -> None:  # pragma: no cover - compiled
    """Columns j0 … j0 + len(total) − 1 of flat (draw, cell; `_value`) into the rows of buf,
    _TILE draws at a time (each row of buf gets whole cache lines, each tile of flat is read
    from cache), and each column's draws added in order (from 0) into total: numpy's mean
    over axis 0."""
    total[:] = 0.0
    n, width = _shape(flat)[0], total.shape[0]
    full = n - n % _TILE
    for i0 in range(0, full, _TILE):
        for b in range(width):
            for i in range(i0, i0 + _TILE):
                buf[b, i] = _value(flat, i, j0 + b)
        for i in range(i0, i0 + _TILE):
            for b in range(width):
                total[b] += buf[b, i]
    for i in range(full, n):
        for b in range(width):
            x = _value(flat, i, j0 + b)
            buf[b, i] = x
            total[b] += x


@njit(cache=True, nogil=True)
def _constant(bits: np.ndarray) -> bool:  # pragma: no cover - compiled
    """Whether every draw of a cell has the same bits (its float64 draws viewed as int64): then
    every order statistic is its first draw, whichever the selection (signed zeros too)."""
    first = bits[0]
    for i in range(1, bits.shape[0]):
        if bits[i] != first:
            return False
    return True


_NEGATIVE_ZERO = -(1 << 63)  # the bits of −0.0 as an int64


@njit(cache=True, nogil=True)
def _differs(bits: np.ndarray, first: int) -> bool:  # pragma: no cover - compiled
    """Whether some of the draws `bits` (float64 viewed as int64) has other bits than `first`."""
    other = 0
    for i in range(bits.shape[0]):
        other |= bits[i] ^ first
    return other != 0


@njit(cache=True, nogil=True)
def _has_negative_zero(bits: np.ndarray) -> int:  # pragma: no cover - compiled
    """1 if a cell's draws (float64 viewed as int64) hold a −0.0, else 0. Without one, draws
    equal as numbers have the same bits, so any exact selection gives the same bits."""
    for i in range(bits.shape[0]):
        if bits[i] == _NEGATIVE_ZERO:
            return 1
    return 0


@njit(cache=True, nogil=True)
def _constant_band(x: float, where: np.ndarray, out: np.ndarray, j: int) -> None:  # pragma: no cover - compiled
    """The quantiles of a constant cell of value x into out[:len(where), j]: `_lerp` of x and x."""
    for q in range(where.shape[0]):
        out[q, j] = _lerp(x, x, where[q] - np.floor(where[q]))


@njit(cache=True, nogil=True)
def _pair_from(row: np.ndarray, lo: int, k: int, hi: int) -> tuple[float, float]:  # pragma: no cover - compiled
    """row[k] once row[lo:hi] is rearranged so that it is its (k − lo)-th smallest (`_select`),
    and the smallest of what is left to its right (row[k] itself at the end)."""
    _select(row, lo, hi, k)
    x = row[k]
    y = x
    if k + 1 < hi:
        y = row[k + 1]
        for i in range(k + 2, hi):
            y = min(y, row[i])
    return x, y


@njit(cache=True, nogil=True)
def _selected_bands(row: np.ndarray, where: np.ndarray, out: np.ndarray,
                    j: int) -> None:  # pragma: no cover - compiled
    """numpy's linear quantiles of a cell's draws `row` at positions `where` into out[:, j]:
    the order statistics selected in increasing order, each on what is left to the right of
    the one before (`_select`), interpolated by numpy's _lerp."""
    start = 0
    for q in range(where.shape[0]):
        below = int(np.floor(where[q]))
        x, y = _pair_from(row, start, below, row.shape[0])
        start = below
        out[q, j] = _lerp(x, y, where[q] - below)


@njit(cache=True, nogil=True)
def _copied_bands(flat: Any, where: np.ndarray, out: np.ndarray, g: int, scratch: Any,
                  sampled: bool) -> None:  # pragma: no cover - compiled
    """The quantiles at `where` and the mean (last) of each column of flat (`_value`) into
    out: the columns copied g at a time into a reused buffer (`_copy_columns`, which adds
    up the mean); a constant column's quantiles are its value (`_constant`), the others'
    selected on the copy (`_cell_bands` with its scratch if `sampled`, else
    `_selected_bands`)."""
    n, cells = _shape(flat)
    g = min(g, cells)
    buf, total = np.empty((g, n)), np.empty(g)
    bits = buf.view(np.int64)
    m = where.shape[0]
    for j0 in range(0, cells, g):
        width = min(g, cells - j0)
        _copy_columns(flat, j0, buf, total[:width])
        for b in range(width):
            out[m, j0 + b] = total[b] / n
            if _constant(bits[b]):
                _constant_band(buf[b, 0], where, out, j0 + b)
            elif sampled:
                _cell_bands(buf[b], where, scratch, out, j0 + b)
            else:
                _selected_bands(buf[b], where, out, j0 + b)


_COLUMNS = 16  # cells copied at a time by `select_quantiles`


@njit(cache=True, nogil=True)
def select_quantiles(flat: Any, where: np.ndarray,
                     out: np.ndarray) -> None:  # pragma: no cover - compiled
    """numpy's linear quantiles of each column of `flat` (draw, cell: `_value`) at positions `where`
    (increasing, q · (n − 1)), and the mean: out (len(where) + 1, cell), the mean last. The
    columns are copied a few at a time into a reused buffer (`_copied_bands`); a constant
    column's quantiles are its value, the others' order statistics are selected in
    increasing order (`_selected_bands`); the interpolation is numpy's _lerp and the mean
    numpy's (the draws added in order), so the values equal np.quantile's and np.mean's."""
    _copied_bands(flat, where, out, _COLUMNS, _scratch(1), False)


_SAMPLE = 512  # draws sampled per cell to bracket each wanted order statistic (`sampled_quantiles`)
_GROUP = 128  # cells copied together, row by row of draws (1 kB of each row), below _IN_PLACE draws
_IN_PLACE = _GROUP * 8192  # values of a group from which its cells are read in place (`_sweep_group`):
#                             its copy would no longer stay in cache


@njit(cache=True, nogil=True)
def _brackets(sample: np.ndarray, where: np.ndarray, n: int, lo: np.ndarray,
              hi: np.ndarray) -> None:  # pragma: no cover - compiled
    """For each position q · (n − 1) in `where` (increasing), values lo ≤ hi that bracket the
    order statistic floor(q · (n − 1)) of n draws and the one after it with high probability
    (3 standard deviations of a sample rank and 2 more each side, as Floyd and Rivest's
    selection), from a sample of the draws (rearranged here: the sample's order statistics
    are selected in increasing order); ±inf past the sample's ends."""
    s = sample.shape[0]
    start = 0
    for q in range(where.shape[0]):
        rank = (np.floor(where[q]) + 0.5) * s / n
        spread = 3.0 * np.sqrt(rank * (1.0 - rank / s) + 1.0) + 2.0
        below, above = int(np.floor(rank - spread)), int(np.ceil(rank + spread))
        lo[q] = -np.inf
        if below >= max(start, 0):
            _select(sample, start, s, below)
            lo[q], start = sample[below], below
        hi[q] = np.inf
        if above < s:
            _select(sample, max(start, 0), s, above)
            hi[q], start = sample[above], above


@njit(cache=True, nogil=True)
def _order_pair(row: np.ndarray, k: int, hi: int) -> tuple[float, float]:  # pragma: no cover - compiled
    """The k-th smallest of row[:hi] and the next (the same at the end): `_pair_from` 0."""
    return _pair_from(row, 0, k, hi)


def _compresses() -> bool:
    """Whether numba compiles for a CPU with AVX-512F (`NUMBA_CPU_NAME`/`NUMBA_CPU_FEATURES`,
    else this machine's): its `vcompresspd` packs the lanes of a vector that a mask keeps."""
    chosen: str | None = getattr(config, "CPU_FEATURES", None)
    features: str = chosen if chosen is not None else codegen.get_host_cpu_features()  # type: ignore[no-untyped-call]
    return "+avx512f" in features.split(",")


_WIDE = _compresses()  # `_gather` compares _WIDTH draws at once (a constant of the compiled code)


def _how_many(builder: Any, lanes: Any) -> Any:
    """Codegen: how many lanes of a vector of booleans are true, as an int64."""
    count = cgutils.get_or_insert_function(  # type: ignore[no-untyped-call]
        builder.module, ir.FunctionType(ir.IntType(_WIDTH), [ir.IntType(_WIDTH)]), f"llvm.ctpop.i{_WIDTH}")
    return builder.zext(builder.call(count, [builder.bitcast(lanes, ir.IntType(_WIDTH))]), ir.IntType(64))


@_lowered
def _below(typingctx: Any, v: Any, lo: Any) -> Any:  # pragma: no cover - compiled
    """How many lanes of v are below lo's."""
    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return _how_many(builder, builder.fcmp_ordered("<", args[0], args[1]))
    return types.int64(_VEC, _VEC), codegen


@_lowered
def _keep(typingctx: Any, v: Any, lo: Any, hi: Any, dest: Any, at: Any) -> Any:  # pragma: no cover - compiled
    """The lanes of v within [lo, hi] lane by lane, in order, stored from dest[at] (a 1-D
    float64 array, contiguous; all _WIDTH places from `at` are written), and how many.
    AVX-512F only (`_WIDE`): `vcompresspd` packs the kept lanes in a register, then one store."""
    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        kept = builder.and_(builder.fcmp_ordered(">=", args[0], args[1]),
                            builder.fcmp_ordered("<=", args[0], args[2]))
        compress = cgutils.get_or_insert_function(  # type: ignore[no-untyped-call]
            builder.module, ir.FunctionType(_VEC_IR, [_VEC_IR, _VEC_IR, ir.VectorType(ir.IntType(1), _WIDTH)]),
            f"llvm.x86.avx512.mask.compress.v{_WIDTH}f64")
        builder.store(builder.call(compress, [args[0], args[0], kept]),
                      _vec_at(context, builder, signature.args[3], args[3], args[4]), align=8)
        return _how_many(builder, kept)
    return (types.int64(_VEC, _VEC, _VEC, dest, at), codegen) if _contiguous(dest) else None


def _shuffled(builder: Any, a: Any, b: Any, lanes: list[int]) -> Any:
    """Codegen: the vector of lanes `lanes` of a and b side by side (b's lanes from _WIDTH)."""
    return builder.shuffle_vector(a, b, ir.Constant(ir.VectorType(ir.IntType(32), _WIDTH), lanes))


def _transposed(builder: Any, rows: list[Any]) -> list[Any]:
    """Codegen: the columns of the _WIDTH × _WIDTH matrix whose rows are `rows` (vectors):
    pairs of lanes, then of pairs, then of fours interleaved (3 · _WIDTH shuffles)."""
    t = [_shuffled(builder, rows[r & ~1], rows[r | 1], [(r & 1) + m + (m & 1) * 7 for m in range(_WIDTH)])
         for r in range(_WIDTH)]  # t[2p + e] = r₂ₚ[e], r₂ₚ₊₁[e], r₂ₚ[2 + e], …
    u = [_shuffled(builder, t[a & ~2], t[a | 2], [m % 2 + (a & 2) + (m // 2 % 2) * 8 + (m // 4) * 4
                                                   for m in range(_WIDTH)])
         for a in range(_WIDTH)]  # u[4P + g] = rows 4P … 4P + 3 of columns g, then 4 + g
    return [_shuffled(builder, u[c % 4], u[c % 4 + 4], [m % 4 + (c // 4) * 4 + (m // 4) * 8 for m in range(_WIDTH)])
            for c in range(_WIDTH)]


def _item_at(context: Any, builder: Any, ty: Any, array: Any, i: Any, j: Any) -> Any:
    """Codegen: a pointer to array[i, j] (a 2-D array of type ty, any layout)."""
    return cgutils.get_item_pointer(  # type: ignore[no-untyped-call]
        context, builder, ty, context.make_array(ty)(context, builder, array), [i, j])


def _block_at(context: Any, builder: Any, ty: Any, array: Any, i: Any, j: Any, r: int) -> Any:
    """A pointer to the _WIDTH float64 of row i + r of a 2-D C array from column j, as one vector."""
    item = _item_at(context, builder, ty, array, builder.add(i, ir.Constant(i.type, r)), j)
    return builder.bitcast(item, _VEC_IR.as_pointer())


@_lowered
def _transpose(typingctx: Any, src: Any, i: Any, j: Any, dest: Any, b: Any,
               k: Any) -> Any:  # pragma: no cover - compiled
    """dest[b:b + _WIDTH, k:k + _WIDTH] = src[i:i + _WIDTH, j:j + _WIDTH].T (2-D float64 C
    arrays): _WIDTH rows read as vectors, shuffled into columns, stored as vectors (the
    same bits on any CPU: values are only moved)."""
    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        sty, dty = signature.args[0], signature.args[3]
        rows = [builder.load(_block_at(context, builder, sty, args[0], args[1], args[2], r), align=8)
                for r in range(_WIDTH)]
        for c, column in enumerate(_transposed(builder, rows)):
            builder.store(column, _block_at(context, builder, dty, args[3], args[4], args[5], c), align=8)
        return context.get_dummy_value()
    two_d = all(isinstance(t, types.Array) and t.ndim == 2 and t.layout == "C" and t.dtype == types.float64
                for t in (src, dest))
    return (types.none(src, i, j, dest, b, k), codegen) if two_d else None


@_lowered
def _prefetch(typingctx: Any, a: Any, i: Any, j: Any) -> Any:  # pragma: no cover - compiled
    """Ask for the cache line of a[i, j] (a 2-D array) ahead of its reading (llvm.prefetch; a
    hint: no value changes)."""
    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        item = _item_at(context, builder, signature.args[0], *args)
        byte = ir.IntType(8).as_pointer()
        hint = cgutils.get_or_insert_function(  # type: ignore[no-untyped-call]
            builder.module, ir.FunctionType(ir.VoidType(), [byte] + [ir.IntType(32)] * 3), "llvm.prefetch.p0i8")
        builder.call(hint, [builder.bitcast(item, byte), *(ir.Constant(ir.IntType(32), v) for v in (0, 3, 1))])
        return context.get_dummy_value()
    return (types.none(a, i, j), codegen) if isinstance(a, types.Array) and a.ndim == 2 else None


@njit(cache=True, nogil=True)
def _ahead(flat: np.ndarray, i: int, j0: int, width: int) -> None:  # pragma: no cover - compiled
    """Ask for the cache lines of flat[i, j0:j0 + width] (`_prefetch`)."""
    for b in range(0, width, _WIDTH):
        _prefetch(flat, i, j0 + b)


_SMALL = 64  # `_order_pair_wide` selects among this many values or fewer one by one (`_order_pair`)


@njit(cache=True, nogil=True)
def _pack(src: np.ndarray, at: int, size: int, lo: float, hi: float, dest: np.ndarray,
          to: int) -> int:  # pragma: no cover - compiled
    """The values of src[at:at + size] within [lo, hi], in order, into dest from `to` (which
    needs _WIDTH places more), and how many: _WIDTH at a time (`_keep`), the rest one by one."""
    vlo, vhi = _splat(lo), _splat(hi)
    wide = at + size - size % _WIDTH
    n = to
    for i in range(at, wide, _WIDTH):
        n += _keep(_load(src, i), vlo, vhi, dest, n)
    for i in range(wide, at + size):
        x = src[i]
        dest[n] = x
        n += (x >= lo) & (x <= hi)
    return n - to


@njit(cache=True, nogil=True)
def _order_pair_wide(a: np.ndarray, spare: np.ndarray, k: int,
                     n: int) -> tuple[float, float]:  # pragma: no cover - compiled
    """`_order_pair(a, k, n)`'s values (the k-th smallest of a[:n] and the next, the same at
    the end) of finite values among which equal ones have the same bits (no zeros, so no
    tie of ±0.0), AVX-512 only (`_WIDE`): quickselect whose partitions are packed _WIDTH values
    at a time (`_pack`) from a into spare and back (both need n + _WIDTH places; a is
    overwritten): the values below the pivot (median of three), then those above; the
    pivot's ties are not moved, being its value. The smallest value above the part kept is
    remembered for the next order statistic; the last _SMALL values by `_order_pair`."""
    src, dest = a, spare
    at, size, rank = 0, n, 0  # src[at:at + size] holds the order statistics rank … rank + size − 1
    upper, above = 0.0, False  # the smallest value above them, if any
    while size > _SMALL:
        x0, x1, x2 = src[at], src[at + size // 2], src[at + size - 1]
        pivot = max(min(x0, x1), min(max(x0, x1), x2))
        less = _pack(src, at, size, -np.inf, np.nextafter(pivot, -np.inf), dest, 0)
        more = _pack(src, at, size, np.nextafter(pivot, np.inf), np.inf, dest, less)
        ties, r = size - less - more, k - rank
        if r < less:
            upper, above = pivot, True
            at, size = 0, less
        elif r >= less + ties:
            at, size, rank = less, more, rank + less + ties
        else:
            y = pivot
            if r + 1 == less + ties and more > 0:
                y = dest[less]
                for i in range(less + 1, less + more):
                    y = min(y, dest[i])
            elif r + 1 == less + ties and above:
                y = upper
            return pivot, y
        src, dest = dest, src
    x, y = _order_pair(src[at:at + size], k - rank, size)
    if k - rank + 1 == size and above:
        y = upper
    return x, y


@njit(cache=True, nogil=True)
def _gathered_pair(gathered: np.ndarray, spare: np.ndarray, r: int, c: int, lo: float,
                   hi: float) -> tuple[float, float]:  # pragma: no cover - compiled
    """`_order_pair(gathered, r, c)` of the c draws a bracket [lo, hi] gathered: by
    `_order_pair_wide` where the bracket is finite and holds no zero (and the CPU AVX-512)."""
    if _WIDE and (0.0 < lo <= hi < np.inf or -np.inf < lo <= hi < 0.0):
        return _order_pair_wide(gathered, spare, r, c)
    return _order_pair(gathered, r, c)


@njit(cache=True, nogil=True)
def _gather_more(row: np.ndarray, lo: np.ndarray, hi: np.ndarray, inside: np.ndarray,
                 below: np.ndarray, count: np.ndarray, limit: int) -> None:  # pragma: no cover - compiled
    """One pass over draws of a cell for three brackets (lo, hi): how many are below each lo
    added to `below`, and those within each [lo, hi] gathered in order into inside (3, limit
    + _WIDTH), from place count[q], their number added to `count`; past `limit` draws a
    bracket's draws are counted, not kept (each is written at place `limit`). Branch-free:
    with AVX-512 (`_WIDE`) _WIDTH draws at a time (`_below`, `_keep`), the rest one by one,
    every draw written at each bracket's next place, which moves on when the draw is within;
    the same counts and draws either way."""
    lo0, lo1, lo2, hi0, hi1, hi2 = lo[0], lo[1], lo[2], hi[0], hi[1], hi[2]
    b0, b1, b2, c0, c1, c2 = below[0], below[1], below[2], count[0], count[1], count[2]
    in0, in1, in2 = inside[0], inside[1], inside[2]
    n = row.shape[0]
    if _WIDE:
        wide = n - n % _WIDTH
        l0, l1, l2, h0, h1, h2 = _splat(lo0), _splat(lo1), _splat(lo2), _splat(hi0), _splat(hi1), _splat(hi2)
        for i in range(0, wide, _WIDTH):
            v = _load(row, i)
            b0 += _below(v, l0)
            b1 += _below(v, l1)
            b2 += _below(v, l2)
            c0 += _keep(v, l0, h0, in0, min(c0, limit))
            c1 += _keep(v, l1, h1, in1, min(c1, limit))
            c2 += _keep(v, l2, h2, in2, min(c2, limit))
    else:
        wide = 0
    for i in range(wide, n):
        x = row[i]
        b0 += x < lo0
        b1 += x < lo1
        b2 += x < lo2
        in0[min(c0, limit)] = x
        in1[min(c1, limit)] = x
        in2[min(c2, limit)] = x
        c0 += (x >= lo0) & (x <= hi0)
        c1 += (x >= lo1) & (x <= hi1)
        c2 += (x >= lo2) & (x <= hi2)
    below[0], below[1], below[2], count[0], count[1], count[2] = b0, b1, b2, c0, c1, c2


@njit(cache=True, nogil=True)
def _gather(row: np.ndarray, lo: np.ndarray, hi: np.ndarray, inside: np.ndarray,
            below: np.ndarray, count: np.ndarray) -> None:  # pragma: no cover - compiled
    """One pass over a cell's draws for three brackets (lo, hi): how many draws are below
    each lo (`below`), and those within each [lo, hi] gathered in order into inside (3,
    draws + _WIDTH) (`count`): `_gather_more` from none."""
    below[:] = 0
    count[:] = 0
    _gather_more(row, lo, hi, inside, below, count, row.shape[0])


@njit(cache=True, nogil=True)
def _tied(lo: np.ndarray, hi: np.ndarray) -> bool:  # pragma: no cover - compiled
    """Whether one of three brackets is a single value (the draws within it a tie, `_pair_of`)."""
    return bool(lo[0] == hi[0] or lo[1] == hi[1] or lo[2] == hi[2])


@njit(cache=True, nogil=True)
def _pair_of(cell: Any, spare: np.ndarray, q: int, n: int,
             negative: bool) -> tuple[float, float, bool]:  # pragma: no cover - compiled
    """The order statistics k = floor(where[q]) and k + 1 of a cell of n draws from what its
    brackets gathered, cell = (where, inside, lo, hi, below, count) as `_gather` leaves them:
    selected among the draws within bracket q where it holds both and no more than n / 4
    draws; its value where it is a tie of more draws (lo = hi) and the cell holds no −0.0
    (`negative`: then the tie's draws all have the value's bits); else (x, y, False): the
    whole cell must be selected."""
    where, inside, lo, hi, below, count = cell
    k = int(np.floor(where[q]))
    r, c = k - below[q], count[q]
    within = 0 <= r and (r + 1 < c or (k + 1 == n and r < c))
    if c <= n // 4 and within:
        x, y = _gathered_pair(inside[q], spare, r, c, lo[q], hi[q])
        return x, y, True
    if within and lo[q] == hi[q] and not negative:
        return lo[q], lo[q], True  # a tie of more than n / 4 draws, all of this value's bits
    return lo[q], hi[q], False


@njit(cache=True, nogil=True)
def _cell_bands(row: np.ndarray, where: np.ndarray, scratch: Any, out: np.ndarray,
                j: int) -> None:  # pragma: no cover - compiled
    """The three quantiles of a cell's draws `row` (contiguous, not constant) into out[:3, j]:
    a sample of _SAMPLE draws brackets each order statistic (`_brackets`), one pass counts
    and gathers (`_gather`), the order statistics are selected among the gathered
    (`_pair_of`) or, where that cannot tell, on the whole row, quantile after quantile
    (`_order_pair`). scratch = (sample (_SAMPLE,), lo, hi (3,), inside (3, n + _WIDTH),
    below, count (3,), spare (n + _WIDTH,), …)."""
    sample, lo, hi, inside, below, count, spare = scratch[:7]
    n = row.shape[0]
    step = n / _SAMPLE
    for s in range(_SAMPLE):
        sample[s] = row[int(s * step)]
    _brackets(sample, where, n, lo, hi)
    _gather(row, lo, hi, inside, below, count)
    negative = _tied(lo, hi) and _has_negative_zero(row.view(np.int64)) == 1  # read only for a tie
    for q in range(3):
        x, y, found = _pair_of((where, inside, lo, hi, below, count), spare, q, n, negative)
        k = int(np.floor(where[q]))
        if not found:
            x, y = _order_pair(row, k, n)
        out[q, j] = _lerp(x, y, where[q] - k)


_SWEEP = 32  # draws of a group of cells read at a time into tiles that stay in cache (`_sweep_group`)
_SWEPT = 64  # cells read in place together (`_sweep_group`): half a kB of each row of draws
_AHEAD = 8  # draws read ahead (`_ahead`): a group's rows are short, too short for the CPU to guess


@njit(cache=True, nogil=True)
def _stage(flat: np.ndarray, i0: int, t: int, j0: int, stage: np.ndarray,
           total: np.ndarray) -> None:  # pragma: no cover - compiled
    """Draws i0 … i0 + t − 1 of cells j0 … j0 + len(total) − 1 of flat (draw, cell) into the
    rows of stage (draw, cell), each read along its row with the row _AHEAD draws on asked
    for, and added draw after draw into total (numpy's mean over axis 0)."""
    n, width = _shape(flat)[0], total.shape[0]
    for i in range(t):
        if i0 + i + _AHEAD < n:
            _ahead(flat, i0 + i + _AHEAD, j0, width)
        src, dest = flat[i0 + i, j0:j0 + width], stage[i, :width]
        for b in range(width):
            dest[b] = src[b]
    for i in range(t):
        row = stage[i, :width]
        for b in range(width):
            total[b] += row[b]


@njit(cache=True, nogil=True)
def _group_brackets(flat: np.ndarray, j0: int, where: np.ndarray, group: Any) -> None:  # pragma: no cover - compiled
    """For cells j0 … j0 + len(total) − 1 of flat (draw, cell; group as `_sweep_group`'s): the
    sample of _SAMPLE draws read in place (every n / _SAMPLE-th draw), and where it is not
    constant (`gathers`) the brackets it gives (`_brackets`); a cell with a constant sample is
    left to its full sweep (constant, or selected as a row: `_cell_bands`)."""
    samples, lo, hi, gathers = group[0], group[1], group[2], group[3]
    n, width = _shape(flat)[0], group[6].shape[0]
    step = n / _SAMPLE
    for s in range(_SAMPLE):
        i = int(s * step)
        if s + 1 < _SAMPLE:
            _ahead(flat, int((s + 1) * step), j0, width)
        for b in range(width):
            samples[b, s] = flat[i, j0 + b]
    bits = samples.view(np.int64)
    for b in range(width):
        gathers[b] = not _constant(bits[b])
        if gathers[b]:
            _brackets(samples[b], where, n, lo[b], hi[b])


@njit(cache=True, nogil=True)
def _sweep_group(flat: np.ndarray, j0: int, tiles: tuple[np.ndarray, np.ndarray],
                 group: Any) -> None:  # pragma: no cover - compiled
    """One pass over the draws of cells j0 … j0 + len(total) − 1 of flat (draw, cell), read in
    place _SWEEP draws at a time into tiles (draw, cell) then (cell, draw) (`_stage`,
    `_transpose`): each cell's draws added in order (total: numpy's mean), whether any
    draw's bits differ from the first's (`differs`) or are −0.0's (`negative`), and, for a
    cell that `gathers`, its draws counted and gathered against its three brackets
    (`_gather_more`, at most n / 4 kept); a cell whose brackets hold a tie (`_tied`) also has
    its draws kept in `rows` (should the tie need the whole cell: `_group_bands`). group =
    (samples, lo, hi, gathers, inside, counts, total, first, differs, negative, rows)."""
    lo, hi, gathers, inside, counts = group[1], group[2], group[3], group[4], group[5]
    total, first, differs, negative, rows = group[6], group[7], group[8], group[9], group[10]
    stage, tile = tiles
    n, width = _shape(flat)[0], total.shape[0]
    bits = tile.view(np.int64)
    total[:] = 0.0
    counts[:] = 0
    differs[:] = gathers[:width]  # a cell whose sample varies is not constant
    negative[:] = False
    for i0 in range(0, n, _SWEEP):
        t = min(_SWEEP, n - i0)
        _stage(flat, i0, t, j0, stage, total)
        for i in range(0, t, _WIDTH):
            for b in range(0, width, _WIDTH):
                _transpose(stage, i, b, tile, b, i)
        if i0 == 0:
            first[:] = bits[:width, 0]
        for b in range(width):
            if gathers[b]:
                _gather_more(tile[b, :t], lo[b], hi[b], inside[b], counts[0, b], counts[1, b], n // 4)
            if not differs[b]:
                differs[b] = _differs(bits[b, :t], first[b])
            if gathers[b] and _tied(lo[b], hi[b]):  # the draws kept, should the tie need them
                rows[b, i0:i0 + t] = tile[b, :t]
                negative[b] |= _has_negative_zero(bits[b, :t]) == 1


@njit(cache=True, nogil=True)
def _group_bands(flat: np.ndarray, j0: int, where: np.ndarray, group: Any, scratch: Any,
                 out: np.ndarray) -> None:  # pragma: no cover - compiled
    """The quantiles and mean of cells j0 … j0 + len(total) − 1 of flat (draw, cell) into out
    from their sweep (`_group_brackets`, `_sweep_group`): a constant cell's from its value,
    the others' from what their brackets gathered (`_pair_of`); a cell whose sample was
    constant, or whose gathered draws cannot tell, is copied (`_copy_columns`) and selected
    as a row (`_cell_bands`)."""
    lo, hi, gathers, inside, counts = group[1], group[2], group[3], group[4], group[5]
    total, first, differs, negative, rows = group[6], group[7], group[8], group[9], group[10]
    n = _shape(flat)[0]
    for b in range(total.shape[0]):
        j = j0 + b
        out[3, j] = total[b] / n
        if not differs[b]:
            _constant_band(first.view(np.float64)[b], where, out, j)
            continue
        cell = (where, inside[b], lo[b], hi[b], counts[0, b], counts[1, b])
        found = gathers[b]
        for q in range(3):
            if found:
                x, y, found = _pair_of(cell, scratch[6], q, n, negative[b])
                out[q, j] = _lerp(x, y, where[q] - int(np.floor(where[q])))
        if not found:
            if not (gathers[b] and _tied(lo[b], hi[b])):  # else its draws were kept by the sweep
                _copy_columns(flat, j, rows[b:b + 1], scratch[7])
            _cell_bands(rows[b], where, scratch, out, j)


@njit(cache=True, nogil=True)
def sampled_quantiles(flat: Any, where: np.ndarray,
                      out: np.ndarray) -> None:  # pragma: no cover - compiled
    """`select_quantiles`' values (numpy's linear quantiles at positions `where` and the mean,
    equal to np.quantile's and np.mean's; no NaN) with less work per draw when there are many
    draws: for each cell a sample of _SAMPLE draws brackets each wanted order statistic
    between two values (`_brackets`); one pass over the cell's draws counts those below each
    bracket and gathers those within it (`_gather`); the order statistics are selected among
    the few gathered, or where a bracket misses them or gathers more than n / 4 draws (ties),
    on the whole cell (`_pair_of`, `_cell_bands`). A constant cell's quantiles are its value
    (a third of a run's cells, e.g. the years before a cluster opens). Below _IN_PLACE draws
    the cells are copied _GROUP at a time (`_copied_bands`), from it read in place
    (`_swept_bands`: one pass over a group's draws does the mean, the constant cells and the
    gathering). Fewer than 4 · _SAMPLE draws, or other than three positions:
    `select_quantiles`."""
    n, cells = _shape(flat)
    if n < 4 * _SAMPLE or where.shape[0] != 3:
        select_quantiles(flat, where, out)
    else:
        _large_bands(flat, where, out)


def _large_bands(flat: Any, where: np.ndarray, out: np.ndarray) -> None:
    """`sampled_quantiles` of 4 · _SAMPLE draws or more at three positions: an array's cells
    read in place where a group's copy would not stay in cache (`_swept_bands`), else copied
    (`_copied_bands`); a product's copied (each rate multiplied as it is copied; measured no
    faster in place)."""
    raise NotImplementedError  # compiled only: `_large_bands_of`


@overload(_large_bands)
def _large_bands_of(flat: Any, where: Any, out: Any) -> Any:  # pragma: no cover - compiled
    """`_large_bands` for numba."""
    def of_array(flat: Any, where: Any, out: Any) -> Any:
        n, cells = flat.shape
        if min(_GROUP, cells) * n < _IN_PLACE:
            _copied_bands(flat, where, out, _GROUP, _scratch(n), True)
        else:
            _swept_bands(flat, where, out)

    def of_product(flat: Any, where: Any, out: Any) -> Any:
        _copied_bands(flat, where, out, _GROUP, _scratch(_shape(flat)[0]), True)
    return of_array if isinstance(flat, types.Array) else of_product


@njit(cache=True, nogil=True)
def _scratch(n: int) -> tuple[np.ndarray, ...]:  # pragma: no cover - compiled
    """The buffers of `_cell_bands` for cells of n draws."""
    return (np.empty(_SAMPLE), np.empty(3), np.empty(3), np.empty((3, n + _WIDTH)),
            np.empty(3, dtype=np.intp), np.empty(3, dtype=np.intp), np.empty(n + _WIDTH), np.empty(1))


@njit(cache=True, nogil=True)
def _swept_bands(flat: np.ndarray, where: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover - compiled
    """`sampled_quantiles` with the cells read in place, _SWEPT at a time: their samples and
    brackets (`_group_brackets`), one pass over their draws (`_sweep_group`), then the
    selection among the gathered (`_group_bands`)."""
    n, cells = _shape(flat)
    g = min(_SWEPT, cells)
    group = (np.empty((g, _SAMPLE)), np.empty((g, 3)), np.empty((g, 3)), np.empty(g, dtype=np.bool_),
             np.empty((g, 3, n // 4 + _WIDTH)), np.empty((2, g, 3), dtype=np.intp), np.empty(g),
             np.empty(g, dtype=np.int64), np.empty(g, dtype=np.bool_), np.empty(g, dtype=np.bool_),
             np.empty((g, n)))
    scratch = _scratch(n)
    tiles = (np.empty((_SWEEP, g + _WIDTH)), np.empty((g + _WIDTH, _SWEEP)))  # room for whole blocks
    for j0 in range(0, cells, g):
        width = min(g, cells - j0)
        part = (group[0], group[1], group[2], group[3], group[4], group[5], group[6][:width],
                group[7][:width], group[8][:width], group[9][:width], group[10])
        _group_brackets(flat, j0, where, part)
        _sweep_group(flat, j0, tiles, part)
        _group_bands(flat, j0, where, part, scratch, out)


@njit(cache=True, nogil=True)
def add_weighted(x: np.ndarray, weights: np.ndarray, first: int,
                 out: np.ndarray) -> None:  # pragma: no cover - compiled
    """out (draw, K, year) += weights[first + j, k] · x (draw, j, year), cluster j by cluster
    in order, zero weights skipped: each product rounded, then added, as numpy's
    `out[:, k] += w * x[:, j]` one cluster after the other (`results.ClusterDraws.weighted_sum`),
    in one pass over x."""
    n, nc, ny = x.shape
    nk = weights.shape[1]
    for d in range(n):
        for j in range(nc):
            for k in range(nk):
                w = weights[first + j, k]
                if w != 0.0:
                    for y in range(ny):
                        out[d, k, y] += w * x[d, j, y]


PAIRWISE_BLOCK = 128  # numpy's PW_BLOCKSIZE: numpy splits longer sums in two halves (`mix_sums`)


@njit(cache=True, nogil=True)
def _pairwise(a: np.ndarray) -> float:  # pragma: no cover - compiled
    """numpy's pairwise_sum of a, at most PAIRWISE_BLOCK terms: under 8 added in order onto
    −0.0; else eight running sums of every eighth term, added as
    ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), then the last n % 8 in order."""
    n = a.shape[0]
    if n < 8:
        res = -0.0
        for i in range(n):
            res += a[i]
        return res
    r0, r1, r2, r3, r4, r5, r6, r7 = a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]
    i = 8
    while i < n - n % 8:
        r0, r1, r2, r3 = r0 + a[i], r1 + a[i + 1], r2 + a[i + 2], r3 + a[i + 3]
        r4, r5, r6, r7 = r4 + a[i + 4], r5 + a[i + 5], r6 + a[i + 6], r7 + a[i + 7]
        i += 8
    summed: float = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for k in range(i, n):
        summed += a[k]
    return summed


@njit(cache=True, nogil=True)
def mix_sums(mix: np.ndarray, per_sector: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """x_dc = Σ_s mix_cs · x_ds for mix (cluster, sector) and per_sector (draw, sector) →
    (draw, cluster), at most PAIRWISE_BLOCK sectors: each product rounded, the sum numpy's
    over the last axis (0.0 plus `_pairwise` of the products), so it equals
    (per_sector[:, None, :] · mix[None]).sum(-1) bit for bit, without numpy's reduction loop
    per (draw, cluster)."""
    n, s = per_sector.shape
    out, terms = np.empty((n, mix.shape[0])), np.empty(s)
    for d in range(n):
        for c in range(mix.shape[0]):
            for k in range(s):
                terms[k] = per_sector[d, k] * mix[c, k]
            out[d, c] = 0.0 + _pairwise(terms)
    return out
