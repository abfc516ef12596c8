"""Golden test: the README's worked example is what a real run gives.

The test reads the README itself — the command line (scenario, seed, draws), the table of
district totals and the figures of the sentences below it — and compares every number with a
run at that seed and number of draws. A change of numbers that updates the README passes; one
that forgets the README (or a README edited by hand) fails.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

from simulator.scenario.wording import local
from simulator.run import Run, run_file

from conftest import ROOT

README = ROOT / "README.md"
# README row label (its start) → district metric
ROWS = {
    "gross cluster area": "gross_area_ha", "occupancy": "occupancy_pct", "cluster jobs": "jobs",
    "firms": "firms", "workers from outside": "in_commuters",
    "budget revenue": "budget_revenue_bn_vnd", "farmland converted": "farmland_converted_ha",
    "developer NPV": "npv_bn_vnd", "public-budget NPV": "public_npv_bn_vnd",
}
_NUMBER = r"-?[\d,]+(?:\.\d+)?"
_CELL = re.compile(rf"^({_NUMBER})(?:\s*\(({_NUMBER})\s*–\s*({_NUMBER})\))?$")


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _plain(text: str) -> str:
    return text.replace("−", "-").strip()  # the README writes minus signs as U+2212


def worked_example(text: str) -> dict[str, Any]:
    """The section `## Worked example…` of README text: command, table rows and sentences."""
    section = text.split("## Worked example", 1)[1].split("\n## ", 1)[0]
    command = re.search(r"`clustersim run (\S+)` \(seed (\d+), ([\d,]+) draws", section)
    assert command, "README worked example: no `clustersim run FILE` (seed N, M draws …) line"
    lines = [ln for ln in section.splitlines() if ln.startswith("|")]
    years = [int(y) for y in (c.strip() for c in lines[0].strip("|").split("|")[1:])]
    rows = {}
    for line in lines[2:]:
        label, *cells = (c.strip() for c in line.strip("|").split("|"))
        rows[label] = dict(zip(years, (_plain(c) for c in cells), strict=True))
    return {"scenario": command[1], "seed": int(command[2]), "draws": int(_number(command[3])),
            "rows": rows, "prose": _plain(" ".join(section.split()))}


def _metric(label: str) -> str:
    found = [m for start, m in ROWS.items() if label.startswith(start)]
    assert len(found) == 1, f"README worked example: unknown row {label!r} (add it to ROWS)"
    return found[0]


def table_mismatches(example: dict[str, Any], run: Run) -> list[str]:
    """Every cell whose mean (and P10–P90 band, when shown) is not the run's, rounded as shown."""
    out = []
    for label, cells in example["rows"].items():
        metric = _metric(label)
        for year, cell in cells.items():
            match = _CELL.match(cell)
            assert match, f"README worked example: cannot read {label} {year}: {cell!r}"
            got = run.results.district_at(metric, year)
            shown = {"mean": match[1], "p10": match[2], "p90": match[3]}
            for stat, value in shown.items():
                if value is not None and abs(got[stat] - _number(value)) > 0.5 + 1e-9:
                    out.append(f"{label} {year} {stat}: README {value}, run {got[stat]:.2f}")
    return out


def _prose(example: dict[str, Any], pattern: str) -> tuple[str, ...]:
    found = re.search(pattern, example["prose"])
    assert found, f"README worked example: no sentence matching {pattern!r}"
    return found.groups()


def _target(run: Run, words: str) -> float:
    [t] = [t for t in run.loaded.scenario.targets if words in local(t.label, "vi")]
    return run.results.probability(t.metric, t.year, at_least=t.at_least, at_most=t.at_most,
                                   cluster=t.cluster)


def prose_mismatches(example: dict[str, Any], run: Run) -> list[str]:
    """The sentence figures of the scenario run: developer IRR P50, the share of draws meeting
    the opening, occupancy and break-even targets."""
    out = []
    irr = float(_prose(example, r"IRR P50 (-?\d+) %")[0])
    district = run.results.irr[:, -1]
    p50 = 100 * float(np.quantile(district[~np.isnan(district)], 0.5))
    if abs(p50 - irr) > 0.5:
        out.append(f"IRR P50: README {irr:g} %, run {p50:.1f} %")
    lo, hi = (float(x) for x in _prose(example, r"open for leasing in 2025.*? in (\d+)–(\d+) %"))
    for name in ("Thắng Lợi", "Tiền Phong giai đoạn 2", "Ninh Sở giai đoạn 2"):
        p = 100 * _target(run, name)
        if not lo - 0.5 <= p <= hi + 0.5:
            out.append(f"{name} open in 2025: README {lo:g}–{hi:g} %, run {p:.1f} %")
    full = float(_prose(example, r"are full \(≥ 95 %\) in 2026.*? in (\d+) %")[0])
    p = 100 * _target(run, "≥ 95 %")
    if abs(p - full) > 0.5:
        out.append(f"completed clusters full in 2026: README {full:g} %, run {p:.1f} %")
    under = float(_prose(example, r"under (\d+) % once the five proposed clusters")[0])
    p = 100 * _target(run, "hòa vốn")
    if not p < under:
        out.append(f"break even by 2045: README under {under:g} %, run {p:.1f} %")
    return out


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    return worked_example(README.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def run(example: dict[str, Any]) -> Run:
    return run_file(ROOT / example["scenario"], seed=example["seed"], draws=example["draws"])


def test_readme_table_is_a_real_run(example: dict[str, Any], run: Run) -> None:
    assert len(example["rows"]) == len(ROWS) and len(next(iter(example["rows"].values()))) >= 3
    assert table_mismatches(example, run) == []


def test_readme_sentences_are_a_real_run(example: dict[str, Any], run: Run) -> None:
    assert prose_mismatches(example, run) == []


def test_a_changed_figure_is_caught(example: dict[str, Any], run: Run) -> None:
    """The comparison can fail: one cell off by one and one sentence figure off by five."""
    text = README.read_text(encoding="utf-8")
    cell = example["rows"][next(iter(example["rows"]))]
    year, value = next(iter(cell.items()))
    bumped = f"{_number(value.split(' ')[0]) + 1:,.0f}"
    section = text.split("## Worked example", 1)[1]
    row = next(ln for ln in section.splitlines() if ln.startswith(f"| {next(iter(ROWS))}"))
    wrong = text.replace(row, row.replace(f"| {value.split(' ')[0]} ", f"| {bumped} ", 1), 1)
    assert any(f"{year} mean" in m for m in table_mismatches(worked_example(wrong), run))
    wrong = re.sub(r"IRR P50 (−?)(\d+) %", lambda m: f"IRR P50 {m[1]}{int(m[2]) + 5} %", text)
    assert any(m.startswith("IRR P50") for m in prose_mismatches(worked_example(wrong), run))
