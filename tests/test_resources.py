"""Memory is estimated before computing: a run that would not fit is refused with the number
of draws that would, instead of being killed by the kernel."""

from __future__ import annotations

import os
import tracemalloc

import pytest

from simulator import model
from simulator.errors import InputError
from simulator.run import run_file

from conftest import DATA


@pytest.mark.parametrize("hold", [None, 1 << 20])
def test_the_estimate_bounds_the_peak_and_is_not_absurd(hold) -> None:
    """Held (default budget) and recomputed (1 MiB budget) per-cluster draws: the traced peak
    of simulating and summarising stays under the estimate, and the estimate within 4× of it."""
    run = run_file(DATA / "mini.yaml", draws=1)
    estimate = model.memory_estimate(model.replace(run.inputs, draws=6000), hold)
    tracemalloc.start()
    try:
        run_file(DATA / "mini.yaml", draws=6000, hold_bytes=hold).results.summarise()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak + model._BASE_BYTES <= estimate.total <= 4 * (peak + model._BASE_BYTES)


def test_a_run_too_large_is_refused_before_computing(mini, cli, tmp_path, monkeypatch) -> None:
    inputs = run_file(mini, draws=1).inputs
    fit = model.memory_estimate(inputs).draws_within(1 << 30)
    need = model.memory_estimate(model.replace(inputs, draws=1_000_000)).total / 1024**3
    monkeypatch.setattr("simulator.run.available_bytes", lambda: 1 << 30)
    monkeypatch.setattr("simulator.run.simulate", lambda *a, **k: pytest.fail("computed"))
    code, _, err = cli("run", mini, "--draws", "1000000", "--out", tmp_path / "out")
    assert code == 2 and err == (f"--draws: expected at most {fit:,} draws for 2 clusters × 11 "
                                 "years in the 1.0 GiB of memory available (fewer draws, or a "
                                 "larger machine via --scheduler), found 1,000,000 draws, about "
                                 f"{need:.1f} GiB\n")
    assert 0 < fit < 1_000_000 and not (tmp_path / "out").exists()
    mini.write_text(mini.read_text().replace("draws: 1", "draws: 900000"))
    code, _, err = cli("run", mini, "--out", tmp_path / "out")
    assert code == 2 and err.startswith(f"{mini}:8: draws: expected at most {fit:,} draws")


def test_a_run_refused_for_its_memory_lets_go_of_the_numbers_made_ahead(mini, monkeypatch) -> None:
    """`run_file` allocates the numbers kept for every draw ahead, before its memory check (its
    probe draw runs meanwhile); a run refused lets them go: no array made ahead stays."""
    kept = model.kept_shapes(model.replace(run_file(mini, draws=1).inputs, draws=1000), True)
    made = []

    def hold_ahead(shapes):
        made.append(shapes)
        model.hold_ahead(shapes)

    monkeypatch.setattr("simulator.run.hold_ahead", hold_ahead)
    monkeypatch.setattr("simulator.run.available_bytes", lambda: 450 << 20)
    with pytest.raises(InputError, match="at most"):
        run_file(mini, draws=1000)
    assert made == [kept]
    assert not model._AHEAD


def test_pages_touched_ahead_for_the_run_count_as_available(mini, monkeypatch) -> None:
    """The memory check adds the pages touched ahead for the run (`model.touched_ahead`) to what
    the kernel says is available: it counts them as used, and the estimate as the run's."""
    monkeypatch.setattr("simulator.run.available_bytes", lambda: 1 << 30)
    model.hold_ahead({model.HELD: ((1 << 27) // 8,)})  # 128 MiB
    model._AHEAD[0]._thread.join()
    assert model.touched_ahead() == 1 << 27
    with pytest.raises(InputError, match=r"in the 1\.1 GiB of memory available"):
        run_file(mini, draws=1_000_000)  # 1.125 GiB
    assert model.touched_ahead() == 0 and not model._AHEAD


_CHUNK_PEAK = """
import sys
sys.path.insert(0, {tests!r})
from conftest import geo_for
from test_model import _random_scenario
from simulator import model
from simulator.errors import InputError
from simulator.inputs import build_inputs

def status(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(key))

s = _random_scenario({draws}, 1, 60, 2.0)
s = s.model_copy(update={{"district": s.district.model_copy(update={{"takeup": {takeup!r}}})}})
inputs = build_inputs(s, geo_for(60))
params = model.ParameterDraws(inputs)
model.simulate_draws(inputs, params.take(slice(0, 1)), keep_clusters={keep})  # kernels loaded
p = params.take()
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # VmHWM := VmRSS
before = status("VmRSS:")
model.simulate_draws(inputs, p, keep_clusters={keep})
print(status("VmHWM:") - before, 8 * {draws} * model._per_draw_cells(inputs, 60, {keep}))
"""


@pytest.mark.parametrize(("takeup", "keep"), [("competitive", False), ("competitive", True),
                                              ("independent", False)])
def test_a_chunk_of_draws_stays_within_the_cells_counted_for_it(takeup: str, keep: bool) -> None:
    """The memory one chunk of draws really takes (the peak RSS over `simulate_draws` in a fresh
    process, the compiled kernels' arrays included) stays within the cells `chunk_slices`
    counts for it (`_per_draw_cells`), and the count is within 2× of it: the chunks are as
    large as the memory bound allows and no larger."""
    import subprocess
    import sys
    from pathlib import Path

    if not Path("/proc/self/clear_refs").exists():
        pytest.skip("needs Linux's /proc/self/clear_refs to reset the peak RSS")
    code = _CHUNK_PEAK.format(tests=str(Path(__file__).parent), draws=1000, takeup=takeup, keep=keep)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, "NUMPY_MADVISE_HUGEPAGE": "0"})
    peak, counted = map(int, done.stdout.split())
    assert peak <= counted <= 2 * peak, (peak, counted)
