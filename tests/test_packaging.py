"""The installed package carries its data: the GeoPackage, its build module and the bundled
scenarios ship inside the wheel (geodata/ → simulator.bundled_geodata, scenarios/ →
simulator.bundled_scenarios), and nothing is looked up beside the package.

The full check, `pip install .` into a fresh venv with its own dependencies, is
`make install-check` (about a minute). Here the wheel is installed without dependencies into a
fresh venv that borrows the test venv's third-party packages through a path entry; that entry
does not activate the test venv's editable install, so `simulator` can only come from the wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
from pathlib import Path

import pytest

from simulator import geodata, kernels
from simulator.scenario.load import bundled_scenarios, load_scenario, scenario_path

ROOT = Path(__file__).resolve().parents[1]


def _declared_packages() -> set[str]:
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return set(conf["tool"]["setuptools"]["packages"])


def test_every_subpackage_is_declared():
    """setuptools is given an explicit package list (to map geodata/ and scenarios/ in); a new
    folder of modules under simulator/ would silently be left out of the wheel."""
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "simulator").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    declared = _declared_packages()
    assert found <= declared, sorted(found - declared)
    assert {"simulator.bundled_geodata", "simulator.bundled_scenarios"} <= declared


def test_bundled_data_is_package_data():
    """In the checkout (editable install) the package data are the repository folders: one copy."""
    if "CLUSTERSIM_GEODATA" in os.environ:
        pytest.skip("CLUSTERSIM_GEODATA overrides the bundled folder")
    assert geodata.geodata_dir() == ROOT / "geodata"
    assert set(bundled_scenarios()) == {p.stem for p in (ROOT / "scenarios").glob("*.yaml")}
    assert bundled_scenarios()["expansion"] == ROOT / "scenarios" / "expansion.yaml"


def test_scenario_names_resolve_to_bundled_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert scenario_path("expansion") == ROOT / "scenarios" / "expansion.yaml"
    assert scenario_path("expansion.yaml") == ROOT / "scenarios" / "expansion.yaml"
    assert scenario_path("nowhere") == Path("nowhere")  # reading it reports the missing file
    assert scenario_path("sub/expansion.yaml") == Path("sub/expansion.yaml")  # a path stays one
    (tmp_path / "expansion.yaml").write_text("id: local\n", encoding="utf-8")
    assert scenario_path("expansion.yaml") == Path("expansion.yaml")  # a local file wins
    by_name = load_scenario("approved")
    assert by_name.scenario.id == "approved"
    assert by_name.chain[-1] == str(ROOT / "scenarios" / "baseline.yaml")  # extends still works


def test_missing_scenario_names_the_bundled_ones(tmp_path, monkeypatch):
    from simulator.errors import ScenarioError

    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError) as err:
        load_scenario("expanshun")
    (problem,) = err.value.problems
    assert problem.found == "no such file"
    assert "approved, baseline, expansion" in problem.expected


# what a build leaves in the checkout (.gitignore): setuptools would pack a stale build/lib/ or
# the files an old *.egg-info/SOURCES.txt lists, hiding package data left out of pyproject.toml
_BUILT = {".git", ".venv", "build", "results", "maps", "test-artifacts", ".pytest_cache",
          ".hypothesis"}


def _not_sources(folder: str, names: list[str]) -> set[str]:
    """The names in `folder` that a fresh clone would not have (for shutil.copytree)."""
    top = _BUILT if Path(folder) == ROOT else set()
    return {n for n in names if n in top or n == "__pycache__" or n.endswith(".egg-info")}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from a copy of the checkout's sources, as from a fresh clone."""
    src = tmp_path_factory.mktemp("src") / "clustersim"
    shutil.copytree(ROOT, src, ignore=_not_sources)
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(src)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (whl,) = out.glob("clustersim-*.whl")
    return whl


def _share_compiled_kernels(installed: Path) -> None:
    """Copy numba's on-disk cache of the checkout's kernels (*.nbi, *.nbc, written by the tests
    before: simulator/__pycache__, or NUMBA_CACHE_DIR's folder for it) beside the installed
    package's modules, so the installed command does not compile every kernel again (about
    45 s CPU, most of this test's time). numba keys each entry by the source file's content (a
    sha256 of kernels.py) and the function's bytecode: an installed kernels.py that differs
    from the checkout's is compiled as before. Compiling the same source again would only test
    numba, not the wheel."""
    cache = installed / "__pycache__"
    cache.mkdir(exist_ok=True)
    for entry in Path(kernels.irr._cache.cache_path).glob("*.nb[ic]"):
        shutil.copy2(entry, cache / entry.name)


def test_wheel_install_runs_a_bundled_scenario(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    site = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # third-party packages from the test venv; a path entry does not run its .pth files, so
    # the editable install of the checkout stays inactive
    Path(site, "borrowed_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps",
         str(wheel)], capture_output=True, text=True, timeout=300,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    _share_compiled_kernels(Path(site) / "simulator")
    work = tmp_path / "elsewhere"
    work.mkdir()
    # the installed package's own numba cache (its __pycache__), not NUMBA_CACHE_DIR's
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "CLUSTERSIM_GEODATA", "NUMBA_CACHE_DIR")}
    where = subprocess.run([py, "-c", "import simulator.geodata as g; print(g.geodata_dir())"],
                           cwd=work, env=env, capture_output=True, text=True)
    assert where.returncode == 0, where.stderr[-2000:]
    assert Path(where.stdout.strip()).is_relative_to(site)  # inside the installed package
    run = subprocess.run(
        [env_dir / "bin" / "clustersim", "run", "expansion", "--draws", "20", "--out", "out"],
        cwd=work, env=env, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert (work / "out" / "expansion" / "summary.json").is_file()
    assert not list(work.glob("*.gpkg")) and not (work / "geodata").exists()
