"""Benchmark (issue 5, item 9): a script, not a test.  Run:  .venv/bin/python benchmarks/bench.py

(a) `clustersim run scenarios/expansion.yaml --draws 10000` end to end in a subprocess (map
    included; output to a temporary folder), plus the model kernel of the same run in process;
    (a′) the same at the scenario's own 1,000 draws. Each run is repeated (--repeats, median
    reported) right after a run of the import floor, `python -c "import geopandas, folium,
    numpy, scipy.stats"`, and reported as the median of each run's ratio to its own floor, in
    wall time and in CPU seconds (user + system), so that the figures survive a noisy machine.
(b) a synthetic national-scale case, 2,000 clusters × 30 years × 10,000 draws, built in memory,
    through the real `model.simulate`: the per-cluster draws (~190 GiB if held) are recomputed
    block by block of clusters, and the bands of every metric, cluster and year and the IRR and
    payback per cluster are computed in one sweep (the "cluster bands" column, in the wall
    time); the table says which path ran.

For each: wall time, throughput (cluster-year-draws per second of wall time), peak RSS, the
kernel's time (the time inside `model.simulate_draws`) over a streaming bound measured in the
same run (numpy allocating and writing as many float64 values as the kernel returns, once, in
the same chunks; for (b) into one buffer touched beforehand, so that the bound does not depend
on the chunks' size; (b) also reports the kernel's CPU seconds and those of the simulation and
of the cluster bands), and the speed-up of the kernel over benchmarks/loop_reference.py (the same
equations in plain Python loops, one draw at a time), timed on a few draws and extrapolated.
Targets: (a) < 3 s and ≤ 3× the floor, (a′) ≤ 1.5× the floor; (b) peak RSS < 2 GiB, kernel ≤ 10×
streaming bound, ≥ 50× the loop.

Case (b) runs in a child process so that its peak RSS is its own; (a)'s peak RSS is the CLI
child's (os.wait4). This process is set up as `clustersim` sets up its own
(`simulator.process.prepare`: numpy's and OpenBLAS's environment, malloc tuning), so that (b)
gets what a CLI run gets; the floor and the CLI start from the caller's environment.
Options: --draws, --clusters, --years, --communes, --skip-a, --skip-b, --loop-draws, --profile
(cProfile tops of (a) in process and of (b)'s kernel).
"""

from __future__ import annotations

import argparse
import compileall
import cProfile
import dataclasses
import io
import json
import os
import pstats
import resource
import subprocess
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

# the process set up as `clustersim` sets up its own (environment for numpy and OpenBLAS,
# malloc tuning), before numpy loads, so case (b) in process measures what a CLI run gets
from simulator.process import prepare  # noqa: E402

CHILD_ENV = dict(os.environ)  # the children (floor, CLI) start from the caller's environment
prepare()

import numpy as np  # noqa: E402

from loop_reference import simulate_one  # noqa: E402

from simulator import model  # noqa: E402
from simulator.inputs import Inputs  # noqa: E402

GIB = 1024**3
_CHUNK_VALUES = 12_000_000  # (b): float64 values the kernel returns per chunk (~100 MB)
KERNEL_CPU = [0.0]  # CPU seconds of the last `_simulate_timed`'s kernel calls


@dataclass
class Row:
    case: str
    path: str
    cells: int  # cluster × year × draw
    wall_s: float
    peak_rss: float  # bytes
    kernel_s: float
    stream_s: float
    loop_s: float  # extrapolated to every draw
    loop_note: str
    values: int  # float64 values the kernel returned
    bands_s: float  # (b): every cluster band, IRR and payback (one sweep over cluster blocks)
    floor_s: float = float("nan")  # the import floor measured alongside (median)
    cpu_s: float = float("nan")  # user + system CPU seconds of the run (median)
    walls: tuple[float, ...] = ()  # every repeat's wall time
    ratio: float = float("nan")  # median of each repeat's wall ÷ its floor's wall
    cpu_ratio: float = float("nan")  # median of each repeat's CPU ÷ its floor's CPU


FLOOR_CMD = [sys.executable, "-c", "import geopandas, folium, numpy, scipy.stats"]


def _child(cmd: list[str]) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds (user + system), peak RSS (bytes) and exit code of a child."""
    t = time.perf_counter()
    child = subprocess.Popen(cmd, cwd=ROOT, env=CHILD_ENV)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - t
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024.0, \
        os.waitstatus_to_exitcode(status)


def _cpu_self() -> float:
    """CPU seconds (user + system) of this process so far, every thread."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rss_self() -> float:
    """Peak RSS of this process image: VmHWM (Linux), which, unlike ru_maxrss, does not carry
    over the parent's peak through fork and exec."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            return next(float(line.split()[1]) * 1024.0 for line in f if line.startswith("VmHWM"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024.0


def _streaming_bound(values_per_chunk: list[int], reuse: bool = False) -> float:
    """Seconds for numpy to allocate and write the same float64 count once, chunk by chunk.
    With `reuse`, into one buffer touched beforehand, so that the bound is the memory's
    writing speed whatever the chunks' size (a fresh array past glibc's mmap threshold, as
    (b)'s larger chunks are, pays its first touch: ~0.45 s per GB here)."""
    if reuse:
        buf = np.empty(max(values_per_chunk, default=0))
        buf.fill(0.0)
        t = time.perf_counter()
        for n in values_per_chunk:
            buf[:n].fill(1.0)
        return time.perf_counter() - t
    t = time.perf_counter()
    for n in values_per_chunk:
        a = np.empty(n)
        a.fill(1.0)
        del a
    return time.perf_counter() - t


def _loop_time(inputs: Inputs, p: dict, raw: dict, draws: int) -> tuple[float, str]:
    """Seconds per draw of the loop reference over the first `draws` rows of p, after checking
    it against the vectorised outputs `raw` of the same rows."""
    worst, t = 0.0, time.perf_counter()
    for d in range(draws):
        one = simulate_one(inputs, p, d)
        for k, v in one.items():
            b = raw[k][d]
            err = np.abs(np.asarray(v) - b) / np.maximum(1.0, np.abs(b))
            worst = max(worst, float(np.max(err)))
    per = (time.perf_counter() - t) / draws
    if worst > 1e-9:
        raise AssertionError(f"loop reference differs from the model: {worst:.3g}")
    return per, f"{draws} draws timed, ×{{n}} extrapolated; agrees to {worst:.1e}"


def _simulate_timed(inputs: Inputs) -> tuple[float, list[int], Any]:
    """Run the real `model.simulate`, timing the kernel (every `simulate_draws` call, added up
    over the threads that run them; `KERNEL_CPU[0]`: their CPU seconds, thread by thread) and
    counting the float64 values each call returns; also returns the Results."""
    original, kernel, sizes = model.simulate_draws, [0.0], []
    KERNEL_CPU[0] = 0.0

    def timed(inp: Inputs, p: dict, **kw: Any) -> dict:
        t0, c0 = time.perf_counter(), time.thread_time()
        raw = original(inp, p, **kw)
        kernel[0] += time.perf_counter() - t0
        KERNEL_CPU[0] += time.thread_time() - c0
        # values computed: the per-cluster metrics count even when only their sums are kept
        held = 0 if kw.get("keep_clusters", True) else (
            len(model.cluster_metric_names(inp)) * p["district"]["discount_rate"].shape[0]
            * len(inp.cluster_ids) * len(inp.years))
        sizes.append(sum(v.size for v in raw.values()) + held)
        return raw

    model.simulate_draws = timed  # type: ignore[assignment]  # a benchmark probe, restored below
    try:
        results = model.simulate(inputs)
    finally:
        model.simulate_draws = original  # type: ignore[assignment]
    return kernel[0], sizes, results


# (a) ----------------------------------------------------------------------------------------

def _expansion_inputs(draws: int) -> Inputs:
    from simulator.geodata import (
        access_features, geo_arrays, load_layer, resolve_cluster_geometries,
    )
    from simulator.inputs import build_inputs
    from simulator.scenario.load import load_scenario

    loaded = load_scenario(ROOT / "scenarios" / "expansion.yaml")
    g = resolve_cluster_geometries(loaded)
    geo = geo_arrays(g.frame, load_layer("communes"), access_features())
    return build_inputs(loaded.scenario, geo, draws=draws)


def _cli_in_process(draws: int) -> None:
    from simulator.cli import main

    with tempfile.TemporaryDirectory(prefix="bench-a-") as out:
        main(["run", str(ROOT / "scenarios" / "expansion.yaml"), "--draws", str(draws),
              "--out", out, "--quiet"])


def _cli_runs(draws: int, repeats: int) -> tuple[list[float], list[float], list[float],
                                                 list[float], tuple[float, float]]:
    """`clustersim run scenarios/expansion.yaml --draws N` (map and report), `repeats` times,
    each right after an import floor run, so both see the same machine: walls, CPU seconds,
    peak RSS, the floors' walls, and the medians of each repeat's ratio to its own floor, in
    wall time and in CPU seconds (steadier than a ratio of medians on a busy machine, where
    one floor sample may take twice another)."""
    exe = ROOT / ".venv" / "bin" / "clustersim"
    walls, cpus, rss, floors, floor_cpus = [], [], [], [], []
    for _ in range(repeats):
        floor_wall, floor_cpu, _, _ = _child(FLOOR_CMD)
        floors.append(floor_wall)
        floor_cpus.append(floor_cpu)
        with tempfile.TemporaryDirectory(prefix="bench-a-") as out:
            cmd = [str(exe), "run", str(ROOT / "scenarios" / "expansion.yaml"), "--draws",
                   str(draws), "--out", out, "--quiet"]
            wall, cpu, peak, code = _child(cmd)
            if code != 0 or not (Path(out) / "expansion" / "map.html").exists():
                raise RuntimeError(f"clustersim run failed (exit {code})")
        walls.append(wall)
        cpus.append(cpu)
        rss.append(peak)
    ratios = (statistics.median(w / f for w, f in zip(walls, floors, strict=True)),
              statistics.median(c / f for c, f in zip(cpus, floor_cpus, strict=True)))
    return walls, cpus, rss, floors, ratios


def case_a(draws: int, loop_draws: int, profile: bool, repeats: int = 3) -> tuple[Row, str]:
    walls, cpus, rss, floors, ratios = _cli_runs(draws, repeats)
    inputs = _expansion_inputs(draws)
    kernel, sizes, _ = _simulate_timed(inputs)
    p = model.draw_parameters(inputs, loop_draws)
    per, note = _loop_time(inputs, p, model.simulate_draws(inputs, p), loop_draws)
    cells = len(inputs.cluster_ids) * len(inputs.years) * draws
    _, stats = _profiled(_cli_in_process, draws, profile=profile)
    row = Row(f"(a) expansion.yaml, {draws:,} draws, CLI end to end",
              f"clustersim run (model.simulate, {len(sizes)} chunks)", cells,
              statistics.median(walls), max(rss), kernel, _streaming_bound(sizes), per * draws,
              note.replace("{n}", f"{draws // loop_draws}"), sum(sizes), float("nan"),
              statistics.median(floors), statistics.median(cpus), tuple(walls), *ratios)
    return row, stats


def case_a_small(draws: int, repeats: int) -> Row:
    """(a′) the same run at fewer draws (the scenario's own 1,000): end to end only."""
    walls, cpus, rss, floors, ratios = _cli_runs(draws, repeats)
    cells = 21 * 23 * draws
    nan = float("nan")
    return Row(f"(a′) expansion.yaml, {draws:,} draws, CLI end to end", "clustersim run", cells,
               statistics.median(walls), max(rss), nan, nan, nan, "", 0, nan,
               statistics.median(floors), statistics.median(cpus), tuple(walls), *ratios)


# (b) ----------------------------------------------------------------------------------------

def national_scenario(clusters: int, years: int, draws: int, seed: int = 1):
    """A synthetic national scenario: `clusters` clusters over `years` years from 2016. About
    40 % are proposed, with uncertain clearance and construction; the rest have fixed dates.
    Demand is scaled to the number of clusters."""
    from simulator.scenario.schema import Scenario

    rng = np.random.default_rng(seed)
    square = "POLYGON ((105.87 20.84, 105.873 20.84, 105.873 20.843, 105.87 20.843, 105.87 20.84))"
    tri = {"dist": "triangular", "low": 1, "mode": 2, "high": 5}
    build = {"dist": "triangular", "low": 1, "mode": 2, "high": 3}

    def cluster(k: int) -> dict:
        proposed = rng.random() < 0.4
        approval = int(rng.integers(2020, 2040)) if proposed else int(rng.integers(2000, 2020))
        n_phases = 2 if rng.random() < 0.5 else 1
        phases = [{"share": 1.0 / n_phases, "approval_year": min(approval + 4 * i, 2045),
                   "clearance_years": tri if proposed else 1,
                   "construction_years": build if proposed else 2} for i in range(n_phases)]
        return {"id": f"c{k:05d}", "name": f"CCN {k}", "commune": "x",
                "status": "proposed" if proposed else "operating",
                "kind": "craft_village" if rng.random() < 0.15 else "general",
                "geometry": {"inline": square}, "area_ha": float(rng.uniform(10, 75)),
                "source": "synthetic", "phases": phases}

    scale = clusters / 21  # Thường Tín has 21 clusters in expansion.yaml
    def tri_scaled(low: float, mode: float, high: float) -> dict:  # the schema caps at 1,000
        return {"dist": "triangular", "low": min(low * scale, 500), "mode": min(mode * scale, 800),
                "high": min(high * scale, 1000)}

    demand, craft = tri_scaled(6, 10, 16), tri_scaled(1, 2, 4)
    return Scenario.model_validate({
        "id": "national", "title": "synthetic national case", "base_year": 2016,
        "horizon_year": 2016 + years - 1, "seed": seed, "draws": draws,
        "district": {"params": {"demand_ha_per_year": demand, "craft_demand_ha_per_year": craft}},
        "clusters": [cluster(k) for k in range(clusters)]})


def national_geo(clusters: int, communes: int, seed: int = 0):
    """Synthetic GeoArrays as tests/conftest.py's geo_for, with `communes` communes."""
    from simulator.geodata import GeoArrays

    rng = np.random.default_rng(seed)
    return GeoArrays(access_km=np.linspace(1.0, 6.0, clusters),
                     commune_ids=tuple(f"k{i}" for i in range(communes)),
                     commune_population=rng.uniform(5_000, 15_000, communes),
                     distance_km=rng.uniform(0.5, 8.0, (clusters, communes)),
                     cluster_commune=np.arange(clusters) % communes)


def _profiled(fn, *args, profile: bool):  # type: ignore[no-untyped-def]
    """fn(*args), and the top of its cProfile (by own time) when `profile`."""
    if not profile:
        return fn(*args), ""
    prof = cProfile.Profile()
    prof.enable()
    try:
        out = fn(*args)
    finally:
        prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(16)
    return out, buf.getvalue()


def _bands(results: Any) -> tuple[float, str]:
    """Seconds for the bands of every cluster metric, cluster and year, and the IRR and
    payback year per cluster: one sweep over the blocks of clusters."""
    t = time.perf_counter()
    results.stats("metrics", "jobs")
    how = (f"recomputed in {len(results.metrics.block_slices)} blocks"
           if isinstance(results.metrics, model.RecomputedDraws) else "held")
    return time.perf_counter() - t, how


def case_b(clusters: int, years: int, draws: int, communes: int, loop_draws: int,
           profile: bool) -> tuple[Row, str]:
    from simulator.inputs import build_inputs

    t0, cpu0 = time.perf_counter(), _cpu_self()
    inputs = build_inputs(national_scenario(clusters, years, draws),
                          national_geo(clusters, communes))
    (kernel, sizes, results), stats = _profiled(_simulate_timed, inputs, profile=profile)
    kernel_cpu, cpu1 = KERNEL_CPU[0], _cpu_self()
    bands, how = _bands(results)
    wall, rss, cpu = time.perf_counter() - t0, _rss_self(), _cpu_self()
    path = (f"model.simulate, {len(sizes)} chunks; per-cluster draws {how} "
            f"({model.held_bytes(inputs) / GIB:.0f} GiB if held); CPU: kernel {kernel_cpu:.0f} s, "
            f"simulate {cpu1 - cpu0:.0f} s, cluster bands {cpu - cpu1:.0f} s")
    p = model.draw_parameters(dataclasses.replace(inputs, draws=loop_draws))
    per, note = _loop_time(inputs, p, model.simulate_draws(inputs, p), loop_draws)
    row = Row(f"(b) national {clusters} clusters × {years} y, {communes} communes", path,
              clusters * years * draws, wall, rss, kernel, _streaming_bound(sizes, reuse=True),
              per * draws, note.replace("{n}", f"{draws // loop_draws}"), sum(sizes), bands,
              cpu_s=cpu - cpu0)
    return row, stats


# table ----------------------------------------------------------------------------------------

def _num(x: float, fmt: str, unit: str = "") -> str:
    return "–" if x != x else f"{x:{fmt}}{unit}"


def _fmt(row: Row) -> list[str]:
    kernel = row.kernel_s == row.kernel_s
    return [row.case, row.path, f"{row.wall_s:.1f} s", " ".join(f"{w:.1f}" for w in row.walls),
            _num(row.cpu_s, ".1f", " s"), _num(row.floor_s, ".2f", " s"),
            _num(row.ratio, ".2f", "×"), _num(row.cpu_ratio, ".2f", "×"),
            f"{row.cells / row.wall_s:.3g}",
            f"{row.peak_rss / GIB:.2f} GiB", _num(row.kernel_s, ".1f", " s"),
            f"{row.stream_s:.2f} s ({row.values * 8 / row.stream_s / 1e9:.0f} GB/s)"
            if kernel else "–", _num(row.kernel_s / row.stream_s, ".0f", "×"),
            _num(row.loop_s, ".0f", " s"), _num(row.loop_s / row.kernel_s, ".0f", "×"),
            _num(row.bands_s, ".0f", " s"), row.loop_note]


def print_table(rows: list[Row]) -> None:
    head = ["case", "path", "wall (median)", "walls", "CPU (median)", "import floor",
            "wall / floor", "CPU / floor CPU", "cell-draws/s", "peak RSS", "kernel", "stream bound",
            "kernel/stream", "loop (extrap.)", "speed-up", "cluster bands", "loop reference"]
    body = [head] + [_fmt(r) for r in rows]
    widths = [max(len(r[i]) for r in body) for i in range(len(head))]
    for k, r in enumerate(body):
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
        if k == 0:
            print("-+-".join("-" * w for w in widths))


def _case_b_in_child(a: argparse.Namespace) -> tuple[Row, str]:
    """Case (b) in a fresh process, so that its peak RSS is its own."""
    cmd = [sys.executable, __file__, "--worker-b", "--draws", str(a.draws), "--clusters",
           str(a.clusters), "--years", str(a.years), "--communes", str(a.communes),
           "--loop-draws", str(a.loop_draws), *(["--profile"] if a.profile else [])]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT,
                          env=CHILD_ENV)
    doc = json.loads(done.stdout.splitlines()[-1])
    return Row(**doc["row"]), doc["profile"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--clusters", type=int, default=2_000)
    ap.add_argument("--years", type=int, default=30)
    ap.add_argument("--communes", type=int, default=3, help="(b): communes (geo_for has 3)")
    ap.add_argument("--loop-draws", type=int, default=3, help="draws timed in the loop reference")
    ap.add_argument("--repeats", type=int, default=3, help="(a): runs (each after a floor run)")
    ap.add_argument("--small-draws", type=int, default=1_000, help="(a′): the scenario's draws")
    ap.add_argument("--skip-a", action="store_true")
    ap.add_argument("--skip-b", action="store_true")
    ap.add_argument("--profile", action="store_true", help="print cProfile tops of (a) and (b)")
    ap.add_argument("--worker-b", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker_b:
        row, prof = case_b(a.clusters, a.years, a.draws, a.communes, a.loop_draws, a.profile)
        print(json.dumps({"row": dataclasses.asdict(row), "profile": prof}))
        return 0
    load = os.getloadavg()
    print(f"{os.cpu_count()} cores, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}, "
          f"numpy {np.__version__}, python {sys.version.split()[0]}", flush=True)
    rows, stats = [], []
    if not a.skip_a:
        # the package's bytecode, as an install has it (`make bytecode`): with
        # PYTHONDONTWRITEBYTECODE set, each CLI run would compile simulator/ from source
        compileall.compile_dir(ROOT / "simulator", quiet=1)
        # (a′) first: a child's ru_maxrss starts from this process's peak at fork, so the CLI
        # runs go before the in-process kernel timing grows it
        small = case_a_small(a.small_draws, a.repeats)
        row, prof = case_a(a.draws, max(a.loop_draws, 10), a.profile, a.repeats)
        rows += [row, small]
        stats.append(("(a) clustersim run, in process", prof))
    if not a.skip_b:
        row, prof = _case_b_in_child(a)
        rows.append(row)
        stats.append(("(b) kernel", prof))
    print_table(rows)
    for name, text in stats:
        if text:
            print(f"\n## profile {name}\n{text}")
    load = os.getloadavg()
    print(f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
