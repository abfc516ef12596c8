"""Shared fixtures: the two-cluster mini scenario and a CLI runner."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

# The browser fixtures (one Chromium for the whole session) are shared by every test module;
# modules must not import them again, or pytest would start a second Playwright.
pytest_plugins = ["maps_fixtures"]

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent


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
