"""clustersim: validate, run and compare scenario files.

The only module that knows about exit codes and the terminal: 0 ok, 1 internal error,
2 invalid input (one line per problem: FILE:LINE: field.path: expected …, found …).
Heavy libraries are imported inside the commands so that `--help` answers at once.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import importlib
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

from simulator.process import prepare

if TYPE_CHECKING:
    from dask.distributed import Client

    from simulator.run import Run

__all__ = ["main", "entry"]

EXAMPLES = """examples:
  clustersim validate scenarios/*.yaml
  clustersim run scenarios/expansion.yaml --draws 2000 --overwrite
  clustersim run expansion            # a bundled scenario, by name
  clustersim compare scenarios/baseline.yaml scenarios/expansion.yaml --overwrite
  clustersim check scenarios/expansion.yaml
  clustersim sites scenarios/expansion.yaml --area 74 --count 5
  clustersim sensitivity scenarios/expansion.yaml --metric npv_bn_vnd --method morris
  clustersim optimise scenarios/optimise-jobs.yaml --overwrite
"""


def _say(args: argparse.Namespace, text: str) -> None:
    if not args.quiet:
        print(text)


def _client(args: argparse.Namespace) -> Client | None:
    """A dask.distributed client for --workers / --scheduler, or None (plain local numpy)."""
    if not (args.workers or args.scheduler):
        return None
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        from simulator.errors import InputError, Problem

        raise InputError([Problem("--workers/--scheduler", None, "", "dask.distributed "
                                  "installed (pip install 'clustersim[scale]')", "not installed")])
    if args.scheduler:
        try:
            return Client(args.scheduler, timeout=30)
        except (OSError, TimeoutError, ValueError) as e:
            from simulator.errors import InputError, Problem

            raise InputError([Problem("--scheduler", None, "", "a Dask scheduler that answers",
                                      f"{args.scheduler}: {e}")]) from None
    # ":0": any free port for the scheduler's HTTP server (None still binds 8787 and warns)
    return Client(LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0"))


def _hold_bytes(args: argparse.Namespace) -> int | None:
    """--memory-gib as bytes (None: the model's default)."""
    gib = getattr(args, "memory_gib", None)
    if gib is None:
        return None
    if not 0 < gib < float("inf"):
        from simulator.errors import InputError, Problem

        raise InputError([Problem("--memory-gib", None, "", "a number of GiB > 0", repr(gib))])
    return int(gib * 1024**3)


def _progress(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """A rich progress bar on a terminal (not with --quiet); else nothing."""
    import contextlib

    if args.quiet or not sys.stderr.isatty():
        return contextlib.nullcontext(None)
    from rich.progress import Progress

    return Progress(transient=True)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a stack of modules is imported, or a run is
    simulated, then what was allocated frozen (long-lived objects that no collection would
    free, but that every full collection would walk) and the collector back as it was. Nested
    (the prefetch's import inside a run), the outer one turns it back on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


class _Prefetch:
    """Import modules on a background thread while the model computes.

    The model's chunks spend most of their time in compiled kernels and numpy, which leave the
    GIL free, so the page stack (`simulator.outputs`: folium, branca, jinja, maps/*, about
    0.3 s of CPU; with --sensitivity also `simulator.sensitivity`: SALib and scipy.stats, about
    0.5 s) is imported on the other core for little wall time. It starts when the first chunk
    of draws is done: by then the kernels are loaded and no other thread imports (two threads
    importing one circle of modules at once could deadlock). `join` before the modules are
    used; an import that failed here fails again, and is reported, in the main thread. As for
    the model's stack (`_import_model`), the cyclic collector is paused during the import and
    what it allocated frozen: a full collection in its middle (walking every object of the run
    and of the imports so far, ≈ 0.05 s of GIL-held time) is no longer made. `warm` (a
    "module:function") then fills, on the main thread between chunks, the caches the writers
    would otherwise fill on their way (`outputs.warm_caches`)."""

    def __init__(self, *modules: str, warm: str | None = None) -> None:
        self.modules = modules
        self.warm_up = warm  # "module:function", called by `warm` on the thread that asks
        self._started = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._started = True
        if self._thread is None and not all(m in sys.modules for m in self.modules):
            self._thread = threading.Thread(target=self._import, daemon=True,
                                            name=f"import {', '.join(self.modules)}")
            self._thread.start()

    def _import(self) -> None:
        with _collector_paused():
            for module in self.modules:
                with contextlib.suppress(Exception):
                    importlib.import_module(module)

    def warm(self) -> None:
        """Once the imports are done (never waiting for them): the `warm` function, once, on
        the calling thread, which `clustersim run`'s chunk ticks are: caches that are per
        thread (pyproj's) must be filled on the thread that writes. Its failure is left for
        the writers to meet and report."""
        if (self.warm_up is None or not self._started
                or (self._thread is not None and self._thread.is_alive())):
            return
        module, _, name = self.warm_up.partition(":")
        self.warm_up = None
        with contextlib.suppress(Exception):
            getattr(importlib.import_module(module), name)()

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()


def _runs_importing(args: argparse.Namespace, pages: _Prefetch, **kw: Any) -> list[Run]:
    """`_runs(args, **kw)` with `pages` imported beside the model and the collector paused
    (the run's objects live on until the writers are done); `pages` joined before returning."""
    with _collector_paused():
        try:
            return _runs(args, prefetch=pages, **kw)
        finally:
            pages.join()


def _runs(args: argparse.Namespace, *, seed: int | None = None, draws: int | None = None,
          loaded: Sequence[Any] = (), prefetch: _Prefetch | None = None) -> list[Run]:
    """Load and simulate every file; every input problem of every file is reported.
    `loaded`: the files already loaded (`_loaded_all`), not read and validated again;
    `prefetch` starts once the first chunk of draws is done (local runs only)."""
    from simulator.errors import InputError
    from simulator.run import run_file

    runs, problems = [], []
    client = _client(args)
    try:
        with _progress(args) as bar:
            for i, f in enumerate(args.files):
                task = bar.add_task(str(f), total=None) if bar else None

                def tick(done: int, total: int, task=task) -> None:  # type: ignore[no-untyped-def]
                    if bar:
                        bar.update(task, completed=done, total=total)
                    if prefetch is not None and client is None:
                        prefetch.start()
                        prefetch.warm()

                try:
                    run = run_file(f, draws=draws or args.draws, seed=seed if seed is not None
                                   else args.seed, on_chunk=tick, client=client,
                                   hold_bytes=_hold_bytes(args),
                                   loaded=loaded[i] if loaded else None)
                    if bar:  # the bands of every cluster, block by block of clusters
                        bar.update(task, description=f"{f}: bands", completed=0)
                    run.results.summarise(on_block=tick, client=client)
                    runs.append(run)
                except InputError as e:
                    problems.extend(e.problems)
    finally:
        if client is not None:
            client.close()
    if problems:
        raise InputError(problems)
    return runs


def cmd_validate(args: argparse.Namespace) -> int:
    """Check scenario files (schema, extends, geometry, targets, the optimise: problem) with one
    central-value run."""
    from simulator.errors import InputError
    from simulator.optimise.checks import check_optimise
    from simulator.run import run_file

    problems = []
    for f in args.files:
        try:
            run = run_file(f, draws=1)
        except InputError as e:
            problems.extend(e.problems)
            continue
        s = run.loaded.scenario
        if s.optimise is not None:
            found = check_optimise(run.loaded, set(run.results.district) | set(run.results.metrics))
            if found:
                problems.extend(found)
                continue
        _say(args, f"{f}: ok — {s.id}, {len(s.clusters)} clusters, "
                   f"{sum(c.area_ha for c in s.clusters):.1f} ha, {s.base_year}–{s.horizon_year}")
        for w in run.geometries.warnings:
            _say(args, f"{f}: warning: {w}")
    if problems:
        raise InputError(problems)
    return 0


def _loaded_all(files: Sequence[str | Path]) -> list[Any]:
    """Every file loaded and validated (cheap: no geometry, no simulation); all problems."""
    from simulator.errors import InputError
    from simulator.scenario.load import load_scenario

    loaded, problems = [], []
    for f in files:
        try:
            loaded.append(load_scenario(f))
        except InputError as e:
            problems.extend(e.problems)
    if problems:
        raise InputError(problems)
    return loaded


def _hold_ahead(args: argparse.Namespace, scenario: Any) -> None:
    """Allocate the first run's held draws and touch their pages on a thread
    (`model.hold_ahead`) while this thread imports the model's stack, reads the geometry and
    loads the kernels: the kernel's page faults then fall on the core the start leaves idle,
    not in the chunks. Only for a local run whose held draws are held (within the budget,
    `--memory-gib`) and take at most half the memory available."""
    from simulator.model import HELD, held_bytes_of, held_shape, hold_ahead, holds

    dims = (scenario.district.sectors, args.draws or scenario.draws, len(scenario.clusters),
            scenario.horizon_year - scenario.base_year + 1)
    if not (args.workers or args.scheduler) and holds(held_bytes_of(*dims), _hold_bytes(args)):
        hold_ahead({HELD: held_shape(*dims)})  # `simulate` holds these draws (the same test)


def _refuse(problems: list[Any]) -> None:
    from simulator.errors import InputError

    if problems:
        raise InputError(problems)


def cmd_run(args: argparse.Namespace) -> int:
    """Simulate scenario files and write results/<id>/ (summary, timeseries, GeoPackage, map)."""
    from simulator.folders import folder_problems

    with _collector_paused():  # the model's stack is imported here, once the files are read
        loaded = _loaded_all(args.files)
        _distinct_ids(loaded, "two results folders")
        _refuse([*(p for one in loaded for p in folder_problems(
            Path(args.out) / one.scenario.id, "--out", new=True, overwrite=args.overwrite)),
            *folder_problems(args.maps, "--maps")])
        _hold_ahead(args, loaded[0].scenario)
        _import_model(args, now=True)
    runs = _runs_importing(args, _Prefetch("simulator.outputs", *(
        ["simulator.sensitivity"] if args.sensitivity else []),
        warm="simulator.outputs:warm_caches"), loaded=loaded)
    from simulator.outputs import write_outputs
    from simulator.post_run import post_run

    for f, run in zip(args.files, runs):
        for w in run.geometries.warnings:
            _say(args, f"{f}: warning: {w}")
        post, sens = None, None  # the price response's re-runs: started by write_outputs
        if args.sensitivity:  # else here, to run beside the sensitivity's
            post = post_run(run)
            metric, _, year = args.sensitivity.partition(":")
            sens = _sensitivity(run, metric, int(year) if year.isdigit() else None,
                                where=str(args.files[0]) if len(args.files) == 1 else "clustersim run",
                                flag="--sensitivity", lang=args.lang)
        folder = write_outputs(run, Path(args.out), overwrite=args.overwrite, maps_dir=args.maps,
                               lang=args.lang, sensitivity=sens, post=post)
        sid = run.loaded.scenario.id
        _say(args, f"{sid}: {run.draws} draws → {folder}/ (map.html, report.html)")
        if args.maps is not None:
            _say(args, f"{sid}: maps → {Path(args.maps) / f'{sid}.html'}, "
                       f"{Path(args.maps) / f'{sid}-report.html'}")
    return 0


def _sensitivity(run: Run, metric: str, year: int | None, *, where: str, flag: str = "",
                 **options: Any) -> Any:
    """`outputs.sensitivity_for_report`, with a bad metric, year or sample size turned into one
    located input problem (exit 2): the analysis says `what: expected …; found …`."""
    from simulator.errors import InputError, Problem
    from simulator.sensitivity import sensitivity_for_report

    try:
        return sensitivity_for_report(run, metric, year, **options)
    except ValueError as e:
        what, _, rest = str(e).partition(": expected ")
        expected, _, found = rest.partition("; found ")
        option = flag or ("-n" if what == "n" else f"--{what}")
        raise InputError([Problem(where, None, option, expected or "METRIC[:YEAR]",
                                  found or str(e))]) from None


def _distinct_ids(loaded: list[Any], why: str = "compare names its columns by scenario id",
                  ) -> None:
    """Two files with one id would lose one: compare names its columns by scenario id, run
    its results folders."""
    from simulator.errors import InputError, Problem

    seen: dict[str, str] = {}
    problems = []
    for one in loaded:
        sid = one.scenario.id
        if sid in seen:
            file, line, _ = one.sources.locate(("id",))
            problems.append(Problem(file, line, "id", f"an id other than {seen[sid]}'s "
                                    f"({why})", repr(sid)))
        seen.setdefault(sid, Path(one.chain[0]).name)
    if problems:
        raise InputError(problems)


def cmd_compare(args: argparse.Namespace) -> int:
    """Run two or more scenarios and write comparison.csv and comparison.html."""
    from simulator.folders import folder_problems

    # Common random numbers: every scenario runs with the first one's seed and draws.
    loaded = _loaded_all(args.files)
    _distinct_ids(loaded)
    first = loaded[0].scenario
    planned = Path(args.out) if args.out else Path("results") / "-vs-".join(
        one.scenario.id for one in loaded)
    _refuse([*folder_problems(planned, "--out", new=True, overwrite=args.overwrite),
             *folder_problems(args.maps, "--maps")])
    runs = _runs_importing(args, _Prefetch("simulator.outputs"),
                           seed=args.seed if args.seed is not None else first.seed,
                           draws=args.draws or first.draws, loaded=loaded)
    from simulator.outputs import comparison_name, write_comparison

    out = Path(args.out) if args.out else Path("results") / comparison_name(runs)
    write_comparison(runs, out, overwrite=args.overwrite, maps_dir=args.maps, lang=args.lang)
    _say(args, f"comparison of {', '.join(r.results.scenario_id for r in runs)} → {out}/")
    if args.maps is not None:
        _say(args, f"map → {Path(args.maps) / f'{comparison_name(runs)}.html'}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Check scenarios against Decree 32/2024/NĐ-CP, QCVN 01 and TCVN 4449 (exit 3 when a rule
    fails). Example: clustersim check scenarios/expansion.yaml --draws 500 --json results"""
    import json

    from simulator.gating import gate_openings
    from simulator.rules.check_table import checks_json, exit_code, render_check_table
    from simulator.folders import folder_problems
    from simulator.rules.engine import check_all

    _refuse(folder_problems(args.json, "--json"))
    worst = 0
    for run in _runs(args):
        findings = check_all(run)
        sid = run.loaded.scenario.id
        _say(args, f"{sid}:\n" + render_check_table(findings, args.lang, include_passing=args.all))
        if args.json is not None:
            folder = Path(args.json) / sid
            folder.mkdir(parents=True, exist_ok=True)
            doc = checks_json(findings, gate_openings(run.loaded.scenario, run.results))
            (folder / "checks.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1),
                                                encoding="utf-8")
        worst = max(worst, exit_code(findings))
    return worst


def _optimise_search(args: argparse.Namespace, client: Client | None):  # type: ignore[no-untyped-def]
    """The planner's run, then the search, with one progress bar for both."""
    from simulator.optimise.solve import solve
    from simulator.run import run_file

    with _progress(args) as bar:
        task = bar.add_task(f"{args.files[0]}: planner's plan", total=None) if bar else None

        def tick(done: int, total: int) -> None:
            if bar:
                bar.update(task, completed=done, total=total)

        run = run_file(args.files[0], draws=args.draws, seed=args.seed, on_chunk=tick,
                       client=client, hold_bytes=_hold_bytes(args))
        if bar:
            bar.update(task, description=f"{args.files[0]}: plans simulated", completed=0)
        return run, solve(run, client=client, hold_bytes=_hold_bytes(args), progress=tick)


def cmd_optimise(args: argparse.Namespace) -> int:
    """Recommend which clusters to approve, and when, for the scenario's `optimise:` problem
    (docs/optimise.md); write results/<id>-optimise/ with the best plan as a scenario file,
    optimise.json, plans.csv, the paired comparison page (and the Pareto front for two
    objectives). Exit 3 when no plan meets every constraint.
    Example: clustersim optimise scenarios/optimise-jobs.yaml --overwrite"""
    from simulator.optimise.write import best_id, best_title, summary_lines, write_optimisation
    from simulator.folders import folder_problems

    sid = _loaded_all(args.files[:1])[0].scenario.id
    _refuse([*folder_problems(Path(args.out) / f"{sid}-optimise", "--out", new=True,
                              overwrite=args.overwrite), *folder_problems(args.maps, "--maps")])
    client = _client(args)
    try:
        run, outcome = _optimise_search(args, client)
    finally:
        if client is not None:
            client.close()
    ev = outcome.evaluator
    planner = ev.score(run, outcome.result.start.plan)
    best_run = ev.run(outcome.best.plan, best_id(outcome), run.layers, title=best_title(outcome))
    out = Path(args.out) / f"{run.loaded.scenario.id}-optimise"
    write_optimisation(outcome, planner, best_run, out, overwrite=args.overwrite,
                       maps_dir=args.maps, lang=args.lang)
    for line in summary_lines(outcome, planner):
        _say(args, line)
    _say(args, f"→ {out}/")
    return 0 if outcome.best.feasible else 3


def _weights(pairs: list[str]) -> dict[str, float] | None:
    """--weight NAME=W options → a weights mapping (None: the defaults)."""
    from simulator.errors import InputError, Problem
    from simulator.sites import DEFAULT_WEIGHTS

    out = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name.strip() not in DEFAULT_WEIGHTS:
            raise InputError([Problem("--weight", None, "", "NAME=W with NAME one of "
                                      f"{', '.join(DEFAULT_WEIGHTS)}", pair)])
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise InputError([Problem("--weight", None, "", "NAME=number", pair)]) from None
        if not 0 <= out[name.strip()] < float("inf"):
            raise InputError([Problem("--weight", None, "", "NAME=W with W a finite number ≥ 0",
                                      pair)])
    if out and not any(out.values()):
        raise InputError([Problem("--weight", None, "", "at least one weight > 0",
                                  " ".join(pairs))])
    return out or None


def cmd_sites(args: argparse.Namespace) -> int:
    """Propose sites for a new cluster that pass every spatial rule, ranked by suitability.
    With --out, writes <scenario id>_sites.gpkg and a map of them, <scenario id>_sites.html.
    Example: clustersim sites scenarios/expansion.yaml --area 74 --count 5"""
    from simulator.errors import InputError, Problem
    from simulator.map_content import map_view
    from simulator.maps.scenario_map import render_scenario_map
    from simulator.folders import atomic_files, folder_problems
    from simulator.geodata import fixed_gpkg_date
    from simulator.rules.engine import check_all
    from simulator.sites import find_sites

    weights = _weights(args.weight)
    _refuse(folder_problems(args.out, "--out"))
    # the page shows the scenario's bands: with --out, the scenario's own draws; else one
    for run in _runs(args, draws=None if args.out is not None else 1):
        try:
            sites = find_sites(run, args.area, args.count, weights, kind=args.kind)
        except ValueError as e:
            raise InputError([Problem("clustersim sites", None, "", *str(e).split("; found "))])
        sid = run.loaded.scenario.id
        _say(args, f"{sid}: {len(sites)} of {args.count} sites of {args.area:g} ha")
        centres = sites.to_crs("EPSG:5897").centroid.to_crs("EPSG:4326")
        for row, c in zip(sites.itertuples(), centres, strict=True):
            _say(args, f"  {row.rank}. score {row.score:.3f}  {row.area_ha:.1f} ha {row.shape:<16}"
                       f" at {c.y:.5f}, {c.x:.5f}  interchange {row.interchange_m:.0f} m, national "
                       f"road {row.national_road_m:.0f} m, housing {row.residential_m:.0f} m")
        if args.out is not None:  # both files, or neither (`atomic_files`)
            html = render_scenario_map(map_view(run, sites=sites, findings=check_all(run),
                                                lang=getattr(args, "lang", "vi")))
            with (atomic_files(Path(args.out), [f"{sid}_sites.gpkg", f"{sid}_sites.html"]) as tmp,
                  fixed_gpkg_date()):  # the same scenario gives the same bytes
                sites.to_file(tmp[f"{sid}_sites.gpkg"], layer="sites", driver="GPKG")
                tmp[f"{sid}_sites.html"].write_text(html, encoding="utf-8")
    return 0


def cmd_geodata(args: argparse.Namespace) -> int:
    """`info`: each bundled layer with its feature count, CRS and accuracy mix;
    `build`: rebuild geodata/thuong_tin.gpkg from the sourced tables in geodata/."""
    from simulator import geodata

    if args.action == "build":
        # the build module ships inside the package: geodata/ is simulator.bundled_geodata
        from simulator.bundled_geodata import build

        out = geodata.geodata_dir() / geodata.BUNDLE
        build.build(out)
        _say(args, f"wrote {out}")
        return 0
    import pyogrio

    path = geodata.geodata_dir() / geodata.BUNDLE
    print(f"{path}")
    for name, geom_type in pyogrio.list_layers(path):
        info = pyogrio.read_info(path, layer=name)
        line = f"  {name:<14} {info['features']:>4} features  {geom_type or 'table':<16} {info['crs'] or '-'}"
        if geom_type:
            acc = pyogrio.read_dataframe(path, layer=name, columns=["accuracy"], read_geometry=False)
            mix = acc["accuracy"].value_counts().to_dict()
            line += "  " + ", ".join(f"{k} {v}" for k, v in sorted(mix.items()))
        print(line)
    return 0


def _sensitivity_one(args: argparse.Namespace, path: str) -> Path:
    from simulator.folders import atomic_folder, folder_problems
    from simulator.run import run_file
    from simulator.sensitivity import plain_summary, write_sensitivity_csv

    run = run_file(path, draws=1, seed=args.seed)
    s = run.loaded.scenario
    year = s.horizon_year if args.year is None else args.year
    _refuse(folder_problems(Path(args.out) / f"{s.id}-sensitivity-{args.metric}-{year}", "--out",
                            new=True, overwrite=args.overwrite))
    sens = _sensitivity(run, args.metric, year, where=path, method=args.method, n=args.n,
                        lang=args.lang)
    out = Path(args.out) / f"{s.id}-sensitivity-{args.metric}-{year}"
    with atomic_folder(out, overwrite=args.overwrite) as tmp:
        write_sensitivity_csv(sens.ranking, tmp / "sensitivity.csv")
        (tmp / "tornado.svg").write_text(sens.svg, encoding="utf-8")
    _say(args, plain_summary(sens.ranking, args.metric, year))  # the terminal speaks English
    return out


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Rank the uncertain inputs by their influence on one district metric in one year (SALib:
    Sobol indices, or Morris screening); write sensitivity.csv and tornado.svg to
    results/<id>-sensitivity-<metric>-<year>/. Example:
    clustersim sensitivity scenarios/expansion.yaml --metric jobs --year 2030"""
    from simulator.errors import InputError

    problems = []
    for f in args.files:
        try:
            out = _sensitivity_one(args, str(f))
            _say(args, f"{f}: {args.method} → {out}/")
        except InputError as e:
            problems.extend(e.problems)
    if problems:
        raise InputError(problems)
    return 0


def _parser() -> argparse.ArgumentParser:
    from simulator import __version__

    p = argparse.ArgumentParser(
        prog="clustersim", description="Cluster-park planning simulator for Thường Tín (Hà Nội).",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"clustersim {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--quiet", action="store_true", help="print only errors")
    common.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sim = argparse.ArgumentParser(add_help=False)
    sim.add_argument("--draws", type=int, help="Monte Carlo draws (default: the scenario's)")
    sim.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    sim.add_argument("--maps", type=Path, default=None, help="also copy maps into this folder")
    sim.add_argument("--overwrite", action="store_true", help="replace existing output folders")
    sim.add_argument("--workers", type=int, default=0,
                     help="run the draws on a local Dask cluster of N worker processes")
    sim.add_argument("--scheduler", default=None,
                     help="run the draws on an existing Dask scheduler (e.g. tcp://host:8786)")
    sim.add_argument("--memory-gib", type=float, default=None, metavar="GIB",
                     help="hold per-cluster draws in memory up to this size (default 2); above "
                          "it they are recomputed block by block: same numbers, bounded memory")

    def add(name: str, fn: Callable[[argparse.Namespace], int],
            parents: list[argparse.ArgumentParser], nargs: str | int) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=fn.__doc__, description=fn.__doc__, parents=parents)
        sp.add_argument("files", nargs=nargs, metavar="FILE",
                        help="scenario YAML file, or the name of a bundled scenario "
                             "(baseline, approved, expansion)")
        sp.set_defaults(func=fn)
        return sp

    add("validate", cmd_validate, [common], "+")
    run = add("run", cmd_run, [common, sim], "+")
    run.add_argument("--out", default="results", help="results folder (default: results)")
    run.add_argument("--sensitivity", metavar="METRIC[:YEAR]", default=None,
                     help="add a Morris sensitivity ranking of METRIC (in YEAR, default the "
                          "horizon) to report.html, e.g. jobs:2030")
    cmp_ = add("compare", cmd_compare, [common, sim], "+")
    cmp_.add_argument("--out", default=None, help="output folder (default: results/<a>-vs-<b>)")
    for sp in (run, cmp_):
        sp.add_argument("--lang", choices=("vi", "en"), default="vi",
                        help="language of maps and reports (default: vi)")
    chk = add("check", cmd_check, [common, sim], "+")
    chk.add_argument("--lang", choices=("vi", "en"), default="vi",
                     help="language of the table (default: vi)")
    chk.add_argument("--all", action="store_true", help="also list passing and n/a checks")
    chk.add_argument("--json", type=Path, metavar="DIR", help="write DIR/<scenario id>/checks.json")
    sen = add("sensitivity", cmd_sensitivity, [common], "+")
    sen.add_argument("--metric", required=True,
                     help="district metric, e.g. jobs, npv_bn_vnd, occupancy_pct, leased_area_ha")
    sen.add_argument("--year", type=int, default=None, help="year (default: the horizon year)")
    sen.add_argument("--method", choices=("sobol", "morris"), default="sobol",
                     help="sobol: variance shares S1 and ST (default); morris: quick screening")
    sen.add_argument("-n", type=int, default=None, dest="n",
                     help="Sobol base samples, a power of 2 (default 128; n·(inputs + 2) model "
                          "runs), or Morris trajectories (default 20)")
    sen.add_argument("--seed", type=int, default=None,
                     help="seed of the design (default: the scenario's)")
    sen.add_argument("--out", default="results", help="results folder (default: results)")
    sen.add_argument("--overwrite", action="store_true",
                     help="replace an existing sensitivity folder")
    sen.add_argument("--lang", choices=("vi", "en"), default="vi",
                     help="language of the chart's captions (default: vi; labels are English)")
    opt = add("optimise", cmd_optimise, [common, sim], 1)
    opt.add_argument("--out", default="results", help="results folder (default: results)")
    opt.add_argument("--lang", choices=("vi", "en"), default="vi",
                     help="language of the page (default: vi)")
    geo = sub.add_parser("geodata", help="list the bundled GIS layers (info) or rebuild them "
                         "from the sourced tables (build)",
                         description=cmd_geodata.__doc__, parents=[common])
    geo.add_argument("action", choices=("info", "build"))
    geo.set_defaults(func=cmd_geodata)
    st = add("sites", cmd_sites, [common], "+")
    st.set_defaults(draws=None, seed=None, workers=0, scheduler=None)
    st.add_argument("--area", type=float, required=True, help="area of the new cluster in ha")
    st.add_argument("--count", type=int, default=5, help="number of candidate sites (default 5)")
    st.add_argument("--kind", choices=("general", "craft_village"), default="general",
                    help="sets the hazard class and so the sanitation buffer")
    st.add_argument("--weight", action="append", default=[], metavar="NAME=W",
                    help="suitability weight of interchange, national_road or residential")
    st.add_argument("--out", type=Path,
                    help="write <scenario id>_sites.gpkg and <scenario id>_sites.html (the map "
                         "with the candidate sites) into this folder")
    st.add_argument("--lang", choices=("vi", "en"), default="vi",
                    help="language of the map (default: vi)")
    return p


MAX_DRAWS = 1_000_000  # as the scenario schema's `draws`


def _option_problems(args: argparse.Namespace) -> list[str]:
    """Options checked before anything is read or computed."""
    out = []
    if args.command == "compare" and len(args.files) < 2:
        out.append("clustersim compare: expected two or more scenario files")
    draws = getattr(args, "draws", None)
    if draws is not None and not 1 <= draws <= MAX_DRAWS:
        out.append(f"clustersim: --draws: expected a whole number 1–{MAX_DRAWS:,}, found {draws}")
    seed = getattr(args, "seed", None)
    if seed is not None and not 0 <= seed < 2**63:
        out.append(f"clustersim: --seed: expected a whole number ≥ 0, found {seed}")
    workers = getattr(args, "workers", 0) or 0
    if not 0 <= workers <= 1024:
        out.append(f"clustersim: --workers: expected a number of processes 1–1024 (0: no "
                   f"Dask), found {workers}")
    area = getattr(args, "area", None)
    if area is not None:
        from simulator.sites import MAX_AREA_HA

        if not 0 < area <= MAX_AREA_HA:
            out.append(f"clustersim sites: --area: expected a number of hectares > 0 and ≤ "
                       f"{MAX_AREA_HA:,g}, found {area:g}")
    if getattr(args, "count", 1) < 1:
        out.append(f"clustersim sites: --count: expected a whole number ≥ 1, found {args.count}")
    scheduler = getattr(args, "scheduler", None)
    if scheduler is not None and not _is_scheduler_address(scheduler):
        out.append("clustersim: --scheduler: expected a Dask scheduler address like "
                   f"tcp://host:8786, found {scheduler!r}")
    return out


def _is_scheduler_address(text: str) -> bool:
    import re

    return re.fullmatch(r"(tcp|tls|ws|wss|ucx)://[^\s/:]+(:\d{1,5})?/?", text) is not None


def _terminate(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def _on_sigterm_exit() -> Any:
    """SIGTERM unwinds like Ctrl-C (a temporary output folder is removed on the way out);
    returns the previous handler (None where signals cannot be set: not the main thread)."""
    try:
        return signal.signal(signal.SIGTERM, _terminate)
    except ValueError:
        return None


def _import_model(args: argparse.Namespace, now: bool = False) -> None:
    """Import the model's stack (numpy, pandas, geopandas, scipy, numba, pydantic, the model)
    with the cyclic garbage collector off, then freeze what the imports allocated: some 10⁵
    long-lived objects that no collection would free, which otherwise cost about 400
    collections (0.2–0.3 s CPU) in every run. Garbage made later is collected as usual. Once
    per process (a second `main()`, e.g. in the tests, finds it imported); not for `geodata`,
    the one command that runs no scenario, and for `run` only `now` (cmd_run: once its files
    are read and the held pages are being touched, `_hold_ahead`)."""
    if (args.func is cmd_geodata or "simulator.run" in sys.modules
            or (args.func is cmd_run and not now)):
        return
    with _collector_paused():
        import simulator.run  # noqa: F401


def main(argv: Sequence[str] | None = None) -> int:
    prepare()  # numpy's and OpenBLAS's settings, malloc tuned: before the libraries load
    args = _parser().parse_args(argv)
    bad = _option_problems(args)
    if bad:
        print("\n".join(bad), file=sys.stderr)
        return 2
    _import_model(args)
    previous = _on_sigterm_exit()
    try:
        code: int = args.func(args)
        return code
    except KeyboardInterrupt:
        print("clustersim: interrupted", file=sys.stderr)
        return 130
    except SystemExit as e:
        if e.code != 128 + signal.SIGTERM:
            raise
        print("clustersim: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except Exception as e:  # the one place that turns exceptions into exit codes
        from simulator.errors import InputError

        if isinstance(e, InputError):
            for problem in e.problems:
                print(problem, file=sys.stderr)
            return 2
        if args.debug:
            raise
        print(f"clustersim: internal error: {type(e).__name__}: {e} (rerun with --debug "
              "for the traceback)", file=sys.stderr)
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def entry() -> None:
    """The `clustersim` command (and `python -m simulator`): `main()`, then the process ends
    as soon as the exit handlers have run and the standard streams are flushed (`os._exit`).
    Everything a command makes is written and closed by then (output folders are renamed
    into place), so the interpreter's teardown — freeing, one by one, every object of the
    imports and of the run, 0.1–0.3 s — would only delay the exit. `main` itself returns
    (the tests call it in-process)."""
    code = main()
    atexit._run_exitfuncs()  # e.g. a Dask LocalCluster's workers are stopped here
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe or stream
            stream.flush()
    os._exit(code)
