"""Compare scenarios: district indicators at milestone years, differences to the first one."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.outputs import atomic_folder
import numpy as np

from simulator.results import BETTER, milestone_years

if TYPE_CHECKING:
    import pandas as pd

    from simulator.run import Run

__all__ = ["comparison_table", "comparison_name", "write_comparison"]


def _common_years(runs: list[Run]) -> list[int]:
    first = runs[0].loaded.scenario
    lo = max(r.loaded.scenario.base_year for r in runs)
    hi = min(r.loaded.scenario.horizon_year for r in runs)
    return [y for y in milestone_years(first.base_year, first.horizon_year) if lo <= y <= hi] or [hi]


def comparison_table(runs: list[Run]) -> pd.DataFrame:
    """indicator, unit, year, one column per scenario (mean district value); then, for every
    other scenario B against the first A, the paired difference B − A over draws
    (`diff_<B>` its mean, `diff_<B>_p10/p50/p90`) and `p_better_<B>`, the share of draws in
    which B is better than A (empty where neither direction is better, e.g. areas).

    Paired: the scenarios must have been run with the same seed and draws, so that a shared
    parameter has the same draw in every scenario (common random numbers)."""
    import pandas as pd

    ids = [r.results.scenario_id for r in runs]
    first = runs[0].results
    rows = []
    for metric in first.district:
        if any(metric not in r.results.district for r in runs):
            continue
        for year in _common_years(runs):
            per_draw = [r.results.values(metric, year) for r in runs]
            row: dict[str, object] = {"indicator": metric, "unit": first.units[metric], "year": year}
            row.update({i: float(v.mean()) for i, v in zip(ids, per_draw)})
            for i, v in zip(ids[1:], per_draw[1:]):
                row.update(_paired(i, v - per_draw[0], BETTER.get(metric, 0)))
            rows.append(row)
    return pd.DataFrame(rows)


def _paired(scenario: str, diff: np.ndarray, better: int) -> dict[str, float | None]:
    q = np.quantile(diff, (0.1, 0.5, 0.9))
    p_better = None if better == 0 else float((better * diff > 1e-9).mean())
    return {f"diff_{scenario}": float(diff.mean()), f"diff_{scenario}_p10": float(q[0]),
            f"diff_{scenario}_p50": float(q[1]), f"diff_{scenario}_p90": float(q[2]),
            f"p_better_{scenario}": p_better}


def comparison_name(runs: list[Run]) -> str:
    return "-vs-".join(r.results.scenario_id for r in runs)


def write_comparison(runs: list[Run], out: Path, *, overwrite: bool,
                     maps_dir: Path | None = None, lang: str = "vi") -> Path:
    """comparison.csv and comparison.html into `out`, atomically."""
    from simulator.views import render_comparison_page

    table = comparison_table(runs)
    html = render_comparison_page(runs, table, lang=lang)
    with atomic_folder(out, overwrite=overwrite) as tmp:
        table.to_csv(tmp / "comparison.csv", index=False, float_format="%.6f", lineterminator="\n")
        (tmp / "comparison.html").write_text(html, encoding="utf-8")
    if maps_dir is not None:
        Path(maps_dir).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out / "comparison.html", Path(maps_dir) / f"{comparison_name(runs)}.html")
    return out
