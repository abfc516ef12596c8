"""Shared fixtures: the two-cluster mini scenario and a CLI runner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

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
