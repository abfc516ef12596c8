"""Compare scenarios: district indicators at milestone years, differences to the first one."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.outputs import atomic_folder, map_view
from simulator.results import milestone_years

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
    """indicator, unit, year, one column per scenario (mean district total), then diff_<id>
    (that scenario minus the first) for every other scenario."""
    import pandas as pd

    ids = [r.results.scenario_id for r in runs]
    rows = []
    for metric in runs[0].results.district:
        unit = runs[0].results.units[metric]
        if any(metric not in r.results.district for r in runs):
            continue
        for year in _common_years(runs):
            values = [r.results.district_at(metric, year)["mean"] for r in runs]
            row = {"indicator": metric, "unit": unit, "year": year, **dict(zip(ids, values))}
            row.update({f"diff_{i}": v - values[0] for i, v in zip(ids[1:], values[1:])})
            rows.append(row)
    return pd.DataFrame(rows)


def comparison_name(runs: list[Run]) -> str:
    return "-vs-".join(r.results.scenario_id for r in runs)


def write_comparison(runs: list[Run], out: Path, *, overwrite: bool,
                     maps_dir: Path | None = None) -> Path:
    """comparison.csv and comparison.html into `out`, atomically."""
    from simulator.maps import render_comparison
    from simulator.maps.view import ComparisonView

    table = comparison_table(runs)
    html = render_comparison(ComparisonView(tuple(map_view(r) for r in runs), table))
    with atomic_folder(out, overwrite=overwrite) as tmp:
        table.to_csv(tmp / "comparison.csv", index=False, float_format="%.6f", lineterminator="\n")
        (tmp / "comparison.html").write_text(html, encoding="utf-8")
    if maps_dir is not None:
        Path(maps_dir).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out / "comparison.html", Path(maps_dir) / f"{comparison_name(runs)}.html")
    return out
