"""Map and report load benchmark (issue 7, item 5): a script, not a test.

    .venv/bin/python benchmarks/map_load.py                      # run, then time the pages
    .venv/bin/python benchmarks/map_load.py --pages a.html b.html  # time existing pages

Without --pages it runs scenarios/baseline.yaml and scenarios/expansion.yaml (--draws, default
300) into a temporary folder and writes their map.html and report.html and the comparison page.
Each page is opened --repeat times (default 5) in headless Chromium (/usr/bin/chromium) with
every request that is not file:/data: aborted, in a fresh browser context each time. For each
page it prints its size and, over the repeats, the median and worst of

  ready  ms from navigation start until the page's own script has drawn every map
         (`CLUSTERSIM.readyAt`; reports have no script: the end of the load event),
  drawn  ms until two animation frames later, when the drawn maps are on screen
         (`CLUSTERSIM.drawnAt`; reports: first contentful paint or load end, the later),
  wall   ms measured outside the browser from `goto` until `drawn` is known.

Budgets: map.html of expansion < 3 MB; drawn < 2000 ms. Exit code 1 if one is missed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SIZE_BUDGET = 3 * 1024 * 1024
TIME_BUDGET_MS = 2000.0
_DRAWN = "window.CLUSTERSIM && window.CLUSTERSIM.drawnAt > 0"
_REPORT = ("Math.max(performance.getEntriesByType('navigation')[0].loadEventEnd, "
           "...performance.getEntriesByType('paint').map(e => e.startTime))")


def build_pages(out: Path, draws: int, lang: str) -> list[Path]:
    """Run baseline and expansion (common random numbers) and write their pages into `out`."""
    sys.path.insert(0, str(ROOT))
    from simulator.outputs import write_comparison, write_outputs
    from simulator.run import run_file

    runs = [run_file(ROOT / "scenarios" / f"{name}.yaml", draws=draws)
            for name in ("baseline", "expansion")]
    pages = []
    for run in runs:
        folder = write_outputs(run, out, overwrite=True, lang=lang)
        pages += [folder / "map.html", folder / "report.html"]
    write_comparison(runs, out / "comparison", overwrite=True, lang=lang)
    return [*pages, out / "comparison" / "comparison.html"]


def time_page(browser: object, path: Path) -> dict[str, float]:
    """One cold load of `path` in a fresh context: ready, drawn and wall ms."""
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 1280, "height": 860})
    page = context.new_page()
    blocked: list[str] = []
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
               else (blocked.append(r.request.url), r.abort()))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    start = time.perf_counter()
    page.goto(path.resolve().as_uri(), wait_until="load")
    is_map = page.evaluate("typeof window.ClusterSim !== 'undefined'")
    if is_map:
        page.wait_for_function(_DRAWN, polling="raf", timeout=30_000)
        ready, drawn = page.evaluate("[window.CLUSTERSIM.readyAt, window.CLUSTERSIM.drawnAt]")
    else:
        page.wait_for_function("performance.getEntriesByType('paint').length > 0", timeout=30_000)
        ready = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
        drawn = page.evaluate(_REPORT)
    wall = 1000 * (time.perf_counter() - start)
    context.close()
    if errors or blocked:
        raise RuntimeError(f"{path}: errors {errors}, blocked requests {blocked}")
    return {"ready": ready, "drawn": drawn, "wall": wall}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", nargs="*", type=Path, help="existing HTML pages to time")
    ap.add_argument("--draws", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--lang", choices=("vi", "en"), default="vi")
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        if args.pages:
            pages = args.pages
        else:
            t0 = time.perf_counter()
            pages = build_pages(Path(tmp), args.draws, args.lang)
            print(f"built {len(pages)} pages ({args.draws} draws) in "
                  f"{time.perf_counter() - t0:.1f} s")
        ok = True
        print(f"{'page':<34} {'KiB':>7} {'ready ms':>15} {'drawn ms':>15} {'wall ms':>15}")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for path in pages:
                runs = [time_page(browser, path) for _ in range(args.repeat)]
                size = path.stat().st_size
                cols = [f"{statistics.median(r[k] for r in runs):7.0f} /"
                        f"{max(r[k] for r in runs):6.0f}" for k in ("ready", "drawn", "wall")]
                name = f"{path.parent.name}/{path.name}"
                print(f"{name:<34} {size / 1024:7.0f} {cols[0]:>15} {cols[1]:>15} {cols[2]:>15}")
                if path.name == "map.html" and size > SIZE_BUDGET:
                    ok = False
                if max(r["drawn"] for r in runs) > TIME_BUDGET_MS:
                    ok = False
            browser.close()
        print("(median / worst of", args.repeat, "cold loads; budgets: map.html < 3 MiB, drawn "
              "< 2000 ms) —", "OK" if ok else "BUDGET MISSED")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
