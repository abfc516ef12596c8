"""Fixed costs of a run (issue 13): what is cut must change no output byte."""

from __future__ import annotations

import gc
import importlib
import json
import math
import os
import subprocess
import sys
import threading
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from simulator.cli import _collector_paused, _Prefetch
from simulator.geodata import fixed_gpkg_date


def _frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": ["a", "b"], "area_ha": [1.5, 2.25]},
                            geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
                            crs="EPSG:4326")


def _write(path: Path) -> bytes:
    _frame().to_file(path, layer="clusters", driver="GPKG")
    _frame().to_file(path, layer="communes", driver="GPKG")
    return path.read_bytes()


def test_gpkg_without_fsync_has_the_same_bytes_and_options_come_back(tmp_path) -> None:
    """Inside `fixed_gpkg_date` SQLite does not fsync at each commit: the file is the same,
    byte for byte, as one written with fsync (and the stamp fixed), and GDAL's options are
    as they were afterwards, also when the block raises."""
    keys = ("OGR_CURRENT_DATE", "OGR_SQLITE_SYNCHRONOUS")
    before = {k: pyogrio.get_gdal_config_option(k) for k in keys}
    with fixed_gpkg_date():
        assert pyogrio.get_gdal_config_option("OGR_SQLITE_SYNCHRONOUS") is False  # "OFF"
        fast = _write(tmp_path / "fast.gpkg")
    assert {k: pyogrio.get_gdal_config_option(k) for k in keys} == before
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2025-01-01T00:00:00.000Z",
                                     "OGR_SQLITE_SYNCHRONOUS": "FULL"})
    try:
        synced = _write(tmp_path / "synced.gpkg")
    finally:
        pyogrio.set_gdal_config_options(before)
    assert fast == synced
    with pytest.raises(RuntimeError), fixed_gpkg_date():
        raise RuntimeError("a failed write")
    assert {k: pyogrio.get_gdal_config_option(k) for k in keys} == before


_WHO_IMPORTS = """
import sys, threading
first = {}
class Hook:
    def find_spec(self, name, path, target=None):
        first.setdefault(name, threading.current_thread().name)
sys.meta_path.insert(0, Hook())
from simulator.cli import main
code = main(sys.argv[1:])
print(first.get("folium"), first.get("simulator.outputs"), first.get("SALib"),
      first.get("numba"), sep="|")
sys.exit(code)
"""


@pytest.mark.parametrize("sensitivity", [False, True])
def test_the_page_stack_is_imported_while_the_model_runs(mini, tmp_path, sensitivity) -> None:
    """`clustersim run` imports simulator.outputs (folium, jinja, maps/*), and with
    --sensitivity simulator.sensitivity (SALib), on a background thread while the draws are
    computed, not before; the model's stack in the main thread."""
    extra = ["--sensitivity", "jobs"] if sensitivity else []
    done = subprocess.run([sys.executable, "-c", _WHO_IMPORTS, "run", str(mini), "--draws",
                           "20", "--out", str(tmp_path), "--quiet", *extra],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    thread = "import simulator.outputs" + (", simulator.sensitivity" if sensitivity else "")
    assert done.stdout.split("|") == [thread, thread, thread if sensitivity else "None",
                                      "MainThread\n"]
    assert (tmp_path / "mini" / "map.html").stat().st_size > 0
    assert (tmp_path / "mini" / "sensitivity.csv").exists() == sensitivity


def test_a_failed_background_import_fails_again_where_it_is_used(tmp_path, monkeypatch) -> None:
    """An import that fails on the prefetch thread leaves nothing behind: the main thread's
    own import raises the same error (which the CLI reports as usual)."""
    (tmp_path / "i13f_broken_module.py").write_text("raise RuntimeError('broken install')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    prefetch = _Prefetch("i13f_broken_module")
    prefetch.start()
    prefetch.join()
    assert "i13f_broken_module" not in sys.modules
    with pytest.raises(RuntimeError, match="broken install"):
        importlib.import_module("i13f_broken_module")


def test_prefetch_of_imported_modules_starts_no_thread() -> None:
    prefetch = _Prefetch("simulator.geodata", "simulator.cli")
    before = threading.active_count()
    prefetch.start()
    assert threading.active_count() == before
    prefetch.join()


def test_the_warm_up_runs_once_on_the_asking_thread_after_the_imports(tmp_path, monkeypatch) -> None:
    """`_Prefetch.warm` calls its function only once the imports are done (never waiting for
    them: not before `start`, not while the import thread runs), once, on the thread that
    asks; a warm-up that fails is left for the writers (nothing raised here)."""
    import types
    gate = types.ModuleType("i13w2_gate")  # the module's import waits until the test lets it go
    gate.started, gate.go = threading.Event(), threading.Event()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "i13w2_gate", gate)
    (tmp_path / "i13w2_slow_module.py").write_text(
        "import threading\nimport i13w2_gate\ni13w2_gate.started.set()\n"
        "assert i13w2_gate.go.wait(60)\nCALLS = []\n\n\n"
        "def warm():\n    CALLS.append(threading.current_thread().name)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    prefetch = _Prefetch("i13w2_slow_module", warm="i13w2_slow_module:warm")
    prefetch.warm()  # not started: nothing
    prefetch.start()
    assert gate.started.wait(60)
    prefetch.warm()  # the import still running: nothing, and no waiting for it
    assert not hasattr(sys.modules.get("i13w2_slow_module"), "CALLS")
    gate.go.set()
    prefetch.join()
    module = sys.modules["i13w2_slow_module"]
    assert module.CALLS == []
    prefetch.warm()
    prefetch.warm()
    assert module.CALLS == [threading.current_thread().name]
    failing = _Prefetch("i13w2_slow_module", warm="i13w2_slow_module:no_such_function")
    failing.start()
    failing.warm()  # a failing warm-up raises nothing here


def test_clustersim_run_warms_the_writers_caches_on_the_main_thread_during_the_chunks(
        mini, tmp_path, cli, monkeypatch) -> None:
    """`clustersim run` fills the writers' run-independent caches (the rule book, pyproj's
    transformers of this thread) on the main thread, once, while the model's chunks run (a
    chunk tick), before the writers start."""
    import simulator.model
    import simulator.outputs
    from simulator.rules import book

    events: list[tuple[str, str]] = []
    warm, write = simulator.outputs.warm_caches, simulator.outputs.write_outputs
    run_chunks = simulator.model._run_chunks

    def spy_warm() -> None:
        events.append(("warm", threading.current_thread().name))
        warm()

    def spy_chunks(*a, **k):
        events.append(("chunks", "start"))
        try:
            return run_chunks(*a, **k)
        finally:
            events.append(("chunks", "end"))

    monkeypatch.setattr(simulator.model, "_CHUNK_CELLS", 20_000)  # several chunks
    monkeypatch.setattr(simulator.outputs, "warm_caches", spy_warm)
    monkeypatch.setattr(simulator.model, "_run_chunks", spy_chunks)
    monkeypatch.setattr(simulator.outputs, "write_outputs",
                        lambda *a, **k: events.append(("write", "")) or write(*a, **k))
    book.rule_table.cache_clear()
    code, _, err = cli("run", mini, "--draws", "60", "--out", tmp_path, "--quiet")
    assert code == 0, err
    assert events == [("chunks", "start"), ("warm", threading.main_thread().name),
                      ("chunks", "end"), ("write", "")]
    assert book.rule_table.cache_info().currsize == 1


_CYCLES = """
class Node:
    pass


nodes = []
for _ in range(20_000):  # far past the first generation's threshold (700 allocations)
    node = Node()
    node.me = node
    nodes.append(node)
"""


def test_the_prefetch_imports_with_the_collector_paused_then_frozen(tmp_path, monkeypatch) -> None:
    """No garbage collection runs on the prefetch thread, however much its import allocates;
    what it allocated is frozen, and the collector is on again afterwards."""
    (tmp_path / "i13f_cyclic_module.py").write_text(_CYCLES)
    monkeypatch.syspath_prepend(str(tmp_path))
    collected_on: list[str] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collected_on.append(threading.current_thread().name)

    frozen = gc.get_freeze_count()
    gc.callbacks.append(seen)
    try:
        prefetch = _Prefetch("i13f_cyclic_module")
        prefetch.start()
        prefetch.join()
    finally:
        gc.callbacks.remove(seen)
        sys.modules.pop("i13f_cyclic_module", None)
        after = gc.get_freeze_count()
        gc.unfreeze()
    assert "import i13f_cyclic_module" not in collected_on
    assert after >= frozen + 20_000
    assert gc.isenabled()


def test_a_paused_collector_comes_back_as_it_was() -> None:
    gc.disable()
    try:
        with _collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # it was off: it stays off
    finally:
        gc.enable()
        gc.unfreeze()
    with _collector_paused():
        assert not gc.isenabled()
    gc.unfreeze()
    assert gc.isenabled()


_COLLECTOR_IN_RUN = """
import gc, sys
import simulator.cli as cli
seen, during = [], []
inner = cli._runs
def runs(*args, **kwargs):
    during.append(gc.isenabled())
    gc.callbacks.append(lambda phase, info: seen.append(phase))
    try:
        return inner(*args, **kwargs)
    finally:
        gc.callbacks.clear()
cli._runs = runs
code = cli.main(sys.argv[1:])
print(during, len(seen), gc.isenabled())
sys.exit(code)
"""


@pytest.mark.parametrize("command", ["run", "compare"])
def test_runs_are_simulated_with_the_collector_paused(mini, tmp_path, command) -> None:
    """`clustersim run` and `compare` simulate with the cyclic collector off (no collection
    while the draws are computed and the page stack imported) and turn it back on to write."""
    files = [str(mini)] * (2 if command == "compare" else 1)
    if command == "compare":  # two scenarios with distinct ids
        other = tmp_path / "other.yaml"
        other.write_text(mini.read_text(encoding="utf-8").replace("id: mini", "id: other", 1),
                         encoding="utf-8")
        files[1] = str(other)
    done = subprocess.run([sys.executable, "-c", _COLLECTOR_IN_RUN, command, *files,
                           "--draws", "20", "--out", str(tmp_path / "out"), "--quiet"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[False]", "0", "True"]


@pytest.mark.parametrize("sensitivity", [False, True])
def test_the_price_response_starts_once_the_cluster_bands_are_in(mini, tmp_path, cli,
                                                                 monkeypatch, sensitivity) -> None:
    """`clustersim run` computes every band (the held draws' cluster bands, the district and
    commune bands; every core) before it starts the price response's re-runs, and nothing
    else (who gains comes after), which then go on beside the writers; with --sensitivity
    they start first, to go on beside the sensitivity's runs."""
    import simulator.outputs
    import simulator.post_run

    started: list[tuple[bool, bool]] = []  # every band in, who gains not yet?

    def spy(run):
        bands = {kind for kind, _ in run.results._stats}
        started.append(("irr" in run.results._finance  # the bands, IRR and payback: one sweep
                        and bands == {"metrics", "district", "communes"},
                        not any(k.startswith("who_gains") for k in run.results._memo)))
        return simulator.post_run.PostRun(run)

    monkeypatch.setattr(simulator.outputs, "post_run", spy)
    monkeypatch.setattr(simulator.post_run, "post_run", spy)
    extra = ["--sensitivity", "jobs"] if sensitivity else []
    code, _, err = cli("run", mini, "--draws", "20", "--out", tmp_path, "--quiet", *extra)
    assert code == 0, err
    assert started == [(not sensitivity, True)]


_REFAULTS = """
import resource, sys, threading
import numpy as np
from simulator.process import tune_malloc

tuned = tune_malloc() if sys.argv[1] == "tuned" else None
faults = []

def chunks():  # like the model's chunk threads: temporaries of a few MB, freed and made again
    for _ in range(12):
        before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
        made = [np.ones(3 << 19) for _ in range(4)]  # 4 × 12 MiB, touched
        del made
        faults.append(resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before)

thread = threading.Thread(target=chunks)
thread.start()
thread.join()
print(tuned, faults[0], sum(faults[1:]))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc, Linux")
def test_freed_temporaries_are_reused_not_faulted_in_again() -> None:
    """After `tune_malloc` (as `clustersim` does at its start), temporaries below 32 MiB freed on
    a thread are reused by the next ones, their pages not given back to the kernel and faulted
    in (and zeroed) again: the first round of four arrays faults their 12,288 pages in, the
    next eleven rounds almost none. With glibc's defaults the thread's heap gives them back
    at each round's end."""
    rounds = {}
    for how in ("tuned", "default"):
        done = subprocess.run([sys.executable, "-c", _REFAULTS, how], capture_output=True,
                              text=True, check=True, timeout=120,
                              env={**os.environ, "NUMPY_MADVISE_HUGEPAGE": "0"})  # 4 KiB pages
        rounds[how] = done.stdout.split()
    if rounds["tuned"][0] != "True":
        pytest.skip("not glibc's malloc")
    first, again = map(int, rounds["tuned"][1:])
    assert first > 0.9 * 12288 and again < 0.05 * first, rounds  # 12,288 pages of 4 KiB
    assert int(rounds["default"][2]) > 5 * first, rounds  # what the tuning saves


_THREADS_LEFT = """
import os, sys
from simulator.cli import main
code = main(sys.argv[1:])
print(code, sorted(os.listdir("/proc/self/task")) == [str(os.getpid())])
"""


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="Linux's /proc")
def test_clustersim_starts_no_blas_threads(mini, tmp_path) -> None:
    """`main` prepares the process before the model's stack loads: OpenBLAS (numpy's and
    scipy's) starts no worker threads, so after a run (its chunk and prefetch threads done)
    the main thread is the only one left; without `prepare` numpy's and scipy's OpenBLAS each
    leave one per further core."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    done = subprocess.run([sys.executable, "-c", _THREADS_LEFT, "run", str(mini), "--draws", "20",
                           "--out", str(tmp_path), "--quiet"], capture_output=True, text=True,
                          timeout=300, env=env)
    assert done.stdout.split() == ["0", "True"], done.stderr


def test_clustersim_prepares_the_process_before_its_libraries_load(mini, cli, monkeypatch) -> None:
    """`main` prepares the process first, before the model's stack is imported."""
    import simulator.cli

    order: list[str] = []
    monkeypatch.setattr(simulator.cli, "prepare", lambda: order.append("prepare"))
    monkeypatch.setattr(simulator.cli, "_import_model", lambda args: order.append("import"))
    code, _, err = cli("validate", mini)
    assert code == 0, err
    assert order == ["prepare", "import"]


_HELD_AHEAD = """
import json, sys
import simulator.model as model
seen = []
hold, taken = model.hold_ahead, model._taken_ahead
def hold_ahead(shapes):
    seen.append(["ahead", {k: list(v) for k, v in shapes.items()}, "simulator.run" in sys.modules])
    hold(shapes)
def _taken_ahead(shapes):
    values = taken(shapes)
    seen.append(["taken", {k: list(v.shape) for k, v in values.items()}])
    return values
model.hold_ahead, model._taken_ahead = hold_ahead, _taken_ahead
from simulator.cli import main
code = main(sys.argv[1:])
print(json.dumps(seen))
sys.exit(code)
"""


def _between_held_rows_and_every_metric(mini) -> str:
    """A --memory-gib above the bytes of the held rows but below those of every cluster
    metric, which is what `simulate` compares with it: the run recomputes its draws."""
    from simulator import model
    from simulator.scenario.load import load_scenario
    s = load_scenario(mini).scenario
    dims = (s.district.sectors, 30, len(s.clusters), s.horizon_year - s.base_year + 1)
    rows, every = 8 * math.prod(model.held_shape(*dims)), model.held_bytes_of(*dims)
    assert rows < every
    return repr((rows + every) / 2 / 1024**3)


@pytest.mark.parametrize("memory", [None, "0.0001", "between"])
def test_the_held_pages_are_touched_while_the_model_stack_is_imported(mini, tmp_path,
                                                                      memory) -> None:
    """`clustersim run` allocates the held draws of the shape the run holds, and starts
    touching their pages, before it imports the model's stack (simulator.run: geometry,
    numba's kernels), so that the page faults fall on the idle core; the numbers kept for
    every draw follow once the inputs are built (`run._keep_ahead`), and the run takes every
    array made ahead. Draws not held (past --memory-gib, by `simulate`'s own test of the
    budget) are not allocated ahead."""
    if memory == "between":
        memory = _between_held_rows_and_every_metric(mini)
    extra = [] if memory is None else ["--memory-gib", memory]
    done = subprocess.run([sys.executable, "-c", _HELD_AHEAD, "run", str(mini), "--draws", "30",
                           "--out", str(tmp_path), "--quiet", *extra],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    from simulator.model import HELD
    seen = json.loads(done.stdout)
    if memory is not None:
        assert all(HELD not in made for _, made, *_ in seen)
        return
    (_, held, imported), (_, kept, _), (_, taken) = seen
    assert not imported and list(held) == [HELD] and held[HELD][1] == 30
    assert taken == {**held, **kept}
