"""clustersim: exit codes, one line per problem, no partial output, determinism."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT


def _edit(path: Path, old: str, new: str) -> Path:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


BAD_CASES = {
    "unknown field": ("seed: 7", "seed: 7\nsede: 8", ":8: sede: expected a known field (did you mean 'seed'?)"),
    "wrong type": ("draws: 1", "draws: many", ":8: draws: expected a valid integer"),
    "negative area": ("area_ha: 10\n    source: test\n    sector_mix",
                      "area_ha: -10\n    source: test\n    sector_mix",
                      ":42: clusters[alpha].area_ha: expected a number greater than 0, found -10"),
    "yaml syntax": ("title:", "title: [", "expected valid YAML"),
    "missing parent": ("id: mini", "extends: parent.yaml\nid: mini",
                       ":3: extends: expected an existing parent scenario file, found parent.yaml"),
    "missing geometry file": ('inline: "POLYGON', 'file: nowhere.gpkg\n      x: "POLYGON',
                              "clusters[alpha].geometry"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_input_exit_2_one_line_each_no_output(case, mini, tmp_path, cli) -> None:
    old, new, expected = BAD_CASES[case]
    _edit(mini, old, new)
    out = tmp_path / "out"
    code, stdout, stderr = cli("run", mini, "--out", out, "--quiet")
    assert code == 2
    assert expected in stderr
    assert all(line.startswith(str(mini)) for line in stderr.splitlines()), stderr
    assert "Traceback" not in stderr
    assert not out.exists()


def test_extends_cycle_exit_2(write, cli, tmp_path) -> None:
    write("a.yaml", "extends: b.yaml\nid: a\n")
    b = write("b.yaml", "extends: a.yaml\nid: b\n")
    code, _, stderr = cli("validate", b)
    assert code == 2 and "b.yaml → a.yaml → b.yaml" in stderr


def test_unknown_bundled_geometry_exit_2(mini, cli) -> None:
    _edit(mini, 'inline: "POLYGON ((105.870 20.840, 105.873 20.840, 105.873 20.8429, 105.870 20.8429, 105.870 20.840))"',
          "bundled: no_such_cluster")
    code, _, stderr = cli("validate", mini)
    assert code == 2
    assert f"{mini}:41: clusters[alpha].geometry.bundled: expected an id of the bundled clusters layer" in stderr
    assert "found 'no_such_cluster'" in stderr


def test_one_bad_file_means_no_output_for_any(mini, tmp_path, cli) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(mini.read_text().replace("id: mini", "id: good"))
    _edit(mini, "draws: 1", "draws: -1")
    code, _, stderr = cli("run", good, mini, "--out", tmp_path / "out")
    assert code == 2 and "draws: expected a number greater than or equal to 1" in stderr
    assert not (tmp_path / "out").exists()


def test_existing_output_needs_overwrite(mini, tmp_path, cli) -> None:
    out = tmp_path / "out"
    assert cli("run", mini, "--out", out, "--quiet")[0] == 0
    code, _, stderr = cli("run", mini, "--out", out, "--quiet")
    assert code == 2 and "--overwrite" in stderr
    assert cli("run", mini, "--out", out, "--quiet", "--overwrite")[0] == 0
    assert sorted(p.name for p in out.iterdir()) == ["mini"]  # no temporary folders left


def test_same_seed_byte_identical_csv_other_seed_differs(mini, tmp_path, cli) -> None:
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        assert cli("run", mini, "--draws", 200, "--seed", seed, "--out", tmp_path / name)[0] == 0
    for f in ("timeseries.csv", "clusters.gpkg", "checks.json", "map.html"):
        out = {n: (tmp_path / n / "mini" / f).read_bytes() for n in "abc"}
        assert out["a"] == out["b"], f
        if f != "checks.json":  # mini's rule verdicts do not depend on the draws
            assert out["a"] != out["c"], f


def test_a_tiny_memory_budget_gives_the_same_bytes(mini, tmp_path, cli) -> None:
    """--memory-gib below the size of the per-cluster draws: they are recomputed block by
    block, and every output table is byte for byte the same (summary.json but its time stamp)."""
    for name, extra in (("held", ()), ("blocks", ("--memory-gib", "0.000001"))):
        assert cli("run", mini, "--draws", 200, "--out", tmp_path / name, "--quiet", *extra)[0] == 0
    for f in ("timeseries.csv", "checks.json", "sensitivity.csv", "summary.json"):
        a, b = (tmp_path / n / "mini" / f for n in ("held", "blocks"))
        if f == "summary.json":
            a, b = (json.loads(x.read_text()) for x in (a, b))
            a.pop("created_utc"), b.pop("created_utc")
            assert a == b
        elif a.exists() or b.exists():
            assert a.read_bytes() == b.read_bytes(), f
    code, _, stderr = cli("run", mini, "--memory-gib", "0", "--out", tmp_path / "z")
    assert code == 2 and "--memory-gib: expected a number of GiB > 0, found 0.0" in stderr


BAD_OPTIONS = {
    "no draws": (("--draws", "0"), "--draws: expected a whole number 1–1,000,000, found 0"),
    "too many draws": (("--draws", "1000000000"), "--draws: expected a whole number 1–1,000,000, "
                                                  "found 1000000000"),
    "negative seed": (("--seed", "-1"), "--seed: expected a whole number ≥ 0, found -1"),
    "negative workers": (("--workers", "-2"), "--workers: expected a number of processes 1–1024"),
    "infinite memory": (("--memory-gib", "inf"), "--memory-gib: expected a number of GiB > 0, found inf"),
    "scheduler not a url": (("--scheduler", "notaurl"), "--scheduler: expected a Dask scheduler "
                                                        "address like tcp://host:8786, found 'notaurl'"),
}


@pytest.mark.parametrize("case", sorted(BAD_OPTIONS))
def test_bad_options_exit_2_before_anything(mini, tmp_path, cli, case) -> None:
    extra, message = BAD_OPTIONS[case]
    code, stdout, stderr = cli("run", mini, "--out", tmp_path / "out", *extra)
    assert code == 2 and message in stderr, stderr
    assert len(stderr.splitlines()) == 1 and not (tmp_path / "out").exists()


def test_help_lists_commands_without_heavy_imports() -> None:
    # speed itself is measured in benchmarks/, never timed here; what keeps --help quick is
    # that the parser imports none of the numeric or mapping libraries (the probe below)
    done = subprocess.run([sys.executable, "-m", "simulator", "--help"], capture_output=True,
                          text=True, check=True, cwd=ROOT)
    for cmd in ("validate", "run", "compare"):
        assert cmd in done.stdout
    probe = subprocess.run([sys.executable, "-c", "import sys, simulator.cli as c; c._parser(); "
                            "print(sorted(m for m in ('numpy', 'pandas', 'geopandas', 'folium', 'scipy', "
                            "'numba', 'SALib', 'pydantic', 'shapely') "
                            "if m in sys.modules))"], capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == "[]"  # --help imports no heavy library


def test_help_states_the_defaults_the_code_uses() -> None:
    """The defaults --help states are the ones the code applies (the parser cannot import the
    modules that hold them: --help stays light), so a changed default cannot leave the help
    behind: --memory-gib's is `model.HOLD_BYTES`, -n's are `sensitivity.DEFAULT_N`."""
    from simulator import model, sensitivity

    def helped(command: str) -> str:
        done = subprocess.run([sys.executable, "-m", "simulator", command, "--help"],
                              capture_output=True, text=True, check=True, cwd=ROOT)
        return " ".join(done.stdout.split())

    assert f"(default {model.HOLD_BYTES / 2**30:g});" in helped("run")
    sobol, morris, text = (sensitivity.DEFAULT_N["sobol"], sensitivity.DEFAULT_N["morris"],
                           helped("sensitivity"))
    assert f"(default {sobol}; " in text and f"(default {morris})" in text


def test_the_command_ends_without_the_teardown_its_output_flushed_and_exit_handlers_run(
        mini) -> None:
    """`clustersim` (`cli.entry`) ends the process once the command is done, without the
    interpreter's teardown (an object's finaliser, run by the teardown, prints nothing), yet
    what the command printed to a pipe and what an exit handler prints arrive, and the exit
    code is the command's."""
    code = ("import atexit, sys\n"
            "class Kept:\n    def __del__(self): print('teardown ran')\n"
            "kept = Kept(); atexit.register(lambda: print('exit handler ran'))\n"
            "from simulator.cli import entry\n"
            "sys.argv = ['clustersim', 'validate', *sys.argv[1:]]; entry()")
    done = subprocess.run([sys.executable, "-c", code, str(mini)], capture_output=True,
                          text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith(f"{mini}: ok")
    assert done.stdout.splitlines()[-1] == "exit handler ran" and "teardown" not in done.stdout
    bad = subprocess.run([sys.executable, "-c", code, str(mini.parent / "none.yaml")],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and len(bad.stderr.splitlines()) == 1, bad.stderr
    assert bad.stdout == "exit handler ran\n"


def test_the_model_is_imported_with_the_collector_off_then_frozen_and_the_collector_back() -> None:
    """A scenario command imports the model stack without garbage collections, freezes what it
    allocated and leaves the collector on; `geodata` imports nothing of it."""
    probe = subprocess.run([sys.executable, "-c", "import gc, sys, simulator.cli as c; "
                            "p = c._parser(); c._import_model(p.parse_args(['geodata', 'info'])); "
                            "print('simulator.run' in sys.modules, gc.get_freeze_count() > 0); "
                            "c._import_model(p.parse_args(['validate', 'x'])); "
                            "print('simulator.run' in sys.modules, gc.get_freeze_count() > 10**5, "
                            "gc.isenabled())"], capture_output=True, text=True, check=True)
    assert probe.stdout.split() == ["False", "False", "True", "True", "True"]


def test_internal_error_is_exit_1_without_traceback(mini, cli, monkeypatch) -> None:
    import simulator.model

    def boom(*a, **k):
        raise RuntimeError("kaput")

    monkeypatch.setattr(simulator.model, "simulate", boom)
    monkeypatch.setattr("simulator.run.simulate", boom)
    code, _, stderr = cli("run", mini, "--out", mini.parent / "out")
    assert code == 1 and "internal error: RuntimeError: kaput" in stderr and "Traceback" not in stderr


def _no_computing(monkeypatch) -> None:
    monkeypatch.setattr("simulator.run.simulate", lambda *a, **k: pytest.fail("computed"))


OUT_CASES = {  # name: (set-up of tmp_path, extra options, expected stderr)
    "out exists": (lambda t: (t / "out" / "mini").mkdir(parents=True), ("--out", "{t}/out"),
                   "{t}/out/mini: expected a new output folder (or --overwrite to replace it), "
                   "found it already exists"),
    "out is a file": (lambda t: (t / "out").write_text("x"), ("--out", "{t}/out"),
                      "--out: expected a folder that can be created, found {t}/out is a file"),
    "maps is a file": (lambda t: (t / "maps").write_text("x"),
                       ("--out", "{t}/out", "--maps", "{t}/maps"),
                       "--maps: expected a folder, found {t}/maps is a file"),
    "out read-only": (lambda t: (t / "ro").mkdir(), ("--out", "{t}/ro/results"),
                      "--out: expected a folder you may write to, found {t}/ro is read-only"),
    "maps read-only": (lambda t: (t / "ro").mkdir(), ("--out", "{t}/out", "--maps", "{t}/ro/m"),
                       "--maps: expected a folder you may write to, found {t}/ro is read-only"),
}


@pytest.mark.parametrize("case", sorted(OUT_CASES))
def test_output_folders_are_checked_before_computing(mini, tmp_path, cli, monkeypatch,
                                                     case) -> None:
    import os

    setup, options, message = OUT_CASES[case]
    setup(tmp_path)
    real_access = os.access
    monkeypatch.setattr("simulator.folders.os.access",  # root may write anywhere: pretend
                        lambda p, mode: Path(p).name != "ro" and real_access(p, mode))
    _no_computing(monkeypatch)
    before = sorted(tmp_path.rglob("*"))
    code, _, err = cli("run", mini, *(o.format(t=tmp_path) for o in options))
    assert code == 2 and err == message.format(t=tmp_path) + "\n"
    assert sorted(tmp_path.rglob("*")) == before  # nothing written


def test_two_runs_racing_to_one_folder_do_not_replace_each_other(tmp_path) -> None:
    """The second run to finish, without --overwrite, is refused when it renames; the first
    one's folder stays whole; no temporary folder is left."""
    from simulator.errors import OutputExistsError
    from simulator.folders import atomic_folder

    final = tmp_path / "out" / "mini"
    with pytest.raises(OutputExistsError):
        with atomic_folder(final, overwrite=False) as slow:
            (slow / "who").write_text("slow")
            with atomic_folder(final, overwrite=False) as fast:  # starts later, ends first
                (fast / "who").write_text("fast")
    assert (final / "who").read_text() == "fast"
    with atomic_folder(final, overwrite=True) as again:  # --overwrite replaces
        (again / "who").write_text("again")
    assert (final / "who").read_text() == "again"
    assert sorted(p.name for p in final.parent.iterdir()) == ["mini"]


def test_sigterm_while_writing_removes_the_temporary_folder(mini, tmp_path, cli,
                                                            monkeypatch) -> None:
    import os
    import signal

    import simulator.outputs

    def killed(*a, **k):
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(simulator.outputs, "write_frame", killed)
    code, _, err = cli("run", mini, "--out", tmp_path / "out")
    assert code == 143 and err == "clustersim: terminated\n"
    assert list((tmp_path / "out").iterdir()) == []  # no hidden .mini.tmp-… folder
    assert signal.getsignal(signal.SIGTERM) is not simulator.cli._terminate  # restored


def test_run_prints_warnings_and_where_the_maps_went(mini, tmp_path, cli) -> None:
    _edit(mini, "commune: Quất Động", "commune: Nowhere")
    code, out, _ = cli("run", mini, "--out", tmp_path / "out", "--maps", tmp_path / "maps")
    assert code == 0
    assert f"{mini}: warning: alpha: the scenario says commune 'Nowhere'" in out
    assert f"mini: maps → {tmp_path / 'maps' / 'mini.html'}, {tmp_path / 'maps' / 'mini-report.html'}" in out
    assert (tmp_path / "maps" / "mini-report.html").exists()


def test_every_command_defaults_to_vietnamese() -> None:
    from simulator.cli import _parser

    p = _parser()
    langs = {}
    for name, sub in p._subparsers._group_actions[0].choices.items():  # type: ignore[union-attr]
        for action in sub._actions:
            if action.dest == "lang":
                langs[name] = action.default
    assert set(langs) >= {"run", "compare", "check", "sensitivity", "sites", "optimise"}
    assert set(langs.values()) == {"vi"}


def test_geodata_help_is_a_whole_sentence() -> None:
    done = subprocess.run([sys.executable, "-m", "simulator", "--help"], capture_output=True,
                          text=True, check=True, cwd=ROOT)
    text = " ".join(done.stdout.split())
    assert "geodata list the bundled GIS layers (info) or rebuild them from the sourced tables (build)" in text
