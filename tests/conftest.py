"""Shared fixtures: the two-cluster mini scenario and a CLI runner."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

# The browser fixtures (one Chromium for the whole session) are shared by every test module;
# modules must not import them again, or pytest would start a second Playwright.
pytest_plugins = ["maps_fixtures"]

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent


# numba's generic CPU (no AVX-512): test_uncertainty runs `sampled_quantiles` compiled for it in
# processes of their own, with a numba cache of their own. Compiling it takes ~15 s of one core;
# it starts when the tests are collected (if one asks for `generic_cache`), in a process of its
# own, so it runs beside the first tests (while they compile this machine's kernels, one core).
# The call's argument types are the tests' (2-D and 1-D float64 arrays, C order): the same
# cache entry.
_GENERIC_COMPILE = """if True:
    import numpy as np
    from simulator import kernels
    assert not kernels._WIDE
    kernels.sampled_quantiles(np.ones((9, 4)), np.array([0.8, 4.0, 7.2]), np.empty((4, 4)))
"""
_generic: dict[str, Any] = {}


def generic_cpu_env(cache: Path) -> dict[str, str]:
    """This environment with numba compiling for its generic CPU into the cache `cache`."""
    return {**os.environ, "NUMBA_CPU_NAME": "generic", "NUMBA_CACHE_DIR": str(cache)}


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start compiling for the generic CPU when a collected test will need it."""
    if any("generic_cache" in getattr(item, "fixturenames", ()) for item in session.items):
        folder = Path(tempfile.mkdtemp(prefix="clustersim-numba-generic-"))
        _generic["folder"] = folder
        _generic["process"] = subprocess.Popen(
            [sys.executable, "-c", _GENERIC_COMPILE], env=generic_cpu_env(folder),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop the generic CPU's compile if still running; remove its cache."""
    process = _generic.pop("process", None)
    if process is not None:
        process.kill()
        process.communicate()
    folder = _generic.pop("folder", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def generic_cache() -> Path:
    """numba's cache for the generic CPU, apart from this machine's, holding
    `sampled_quantiles` compiled for it (the compile started at collection, waited for here)."""
    process = _generic.pop("process")
    _, err = process.communicate()
    assert process.returncode == 0, err[-2000:]
    folder: Path = _generic["folder"]
    return folder


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A copy of tests/data/mini.yaml in a temporary folder (safe to edit)."""
    dst = tmp_path / "mini.yaml"
    shutil.copyfile(DATA / "mini.yaml", dst)
    return dst


@pytest.fixture
def write(tmp_path: Path):
    """write("name.yaml", text) → path of a new file in a temporary folder."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    """cli(*args) → (exit code, stdout, stderr) of clustersim, run in-process."""
    from simulator.cli import main

    def _run(*args: str) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return _run


def geo_for(n_clusters: int, seed: int = 0):
    """Synthetic GeoArrays: three communes, clusters 1–6 km from an interchange."""
    import numpy as np

    from simulator.geodata import GeoArrays

    rng = np.random.default_rng(seed)
    return GeoArrays(
        access_km=np.linspace(1.0, 6.0, n_clusters),
        commune_ids=("north", "centre", "south"),
        commune_population=np.array([10_000.0, 8_000.0, 6_000.0]),
        distance_km=rng.uniform(0.5, 8.0, (n_clusters, 3)),
        cluster_commune=np.arange(n_clusters) % 3,
    )


def assert_same_summaries(want: Any, got: Any) -> None:
    """Two Results agree bit for bit on every cluster band, district array, IRR and payback."""
    import numpy as np

    for k in want.metrics:
        for stat, v in want.stats("metrics", k).items():
            np.testing.assert_array_equal(got.stats("metrics", k)[stat], v, err_msg=f"{k} {stat}")
    for k in want.district:
        np.testing.assert_array_equal(got.district[k], want.district[k], err_msg=k)
    np.testing.assert_array_equal(got.irr, want.irr)
    np.testing.assert_array_equal(got.payback, want.payback)
