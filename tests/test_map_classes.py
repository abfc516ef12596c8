"""One set of colour breaks: a colour means the same number on every map of every run and
comparison (map_content.CLASS_STEPS / DIFF_CLASS_STEPS, maps.classes.classes_for)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from simulator.map_content import CLASS_STEPS, DIFF_CLASS_STEPS, comparison_view, map_view
from simulator.maps.classes import classes_for
from simulator.maps.comparison_page import render_comparison
from simulator.maps.scenario_map import render_scenario_map
from simulator.maps.view import Band, Variable
from simulator.rules.engine import check_all
from simulator.tables import comparison_table

ROOT = Path(__file__).resolve().parents[1]


def _var(top: float, step: float | None, diverging: bool = False) -> Variable:
    values = {"a": Band((0.0, top), (0.0, top), (0.0, top), (0.0, top))}
    return Variable("k", "K", "workers", values, 0, "PuOr" if diverging else "Greens",
                    diverging, step)


def test_declared_breaks_do_not_depend_on_the_values() -> None:
    small, large = classes_for(_var(790, 500), "vi"), classes_for(_var(1667, 500), "vi")
    assert small == large
    assert small.labels == ("0", "> 0 – 500", "500 – 1.000", "1.000 – 1.500", "1.500 – 2.000",
                            "≥ 2.000")
    assert large.index(1667) == 4 and large.index(2000) == 5 and large.index(99_999) == 5
    # without a declared width the breaks follow the values (and would differ)
    assert classes_for(_var(790, None)).labels != classes_for(_var(1667, None)).labels
    assert classes_for(_var(1667, None)).labels[-1] == "2,000 – 2,500"  # closed: covers the max


def test_declared_diverging_breaks_are_open_at_both_ends() -> None:
    c = classes_for(_var(-4237, 2000, diverging=True), "en")
    assert c.labels == ("≤ -4,000", "-4,000 … -2,000", "-2,000 … 0", "0", "0 … +2,000",
                        "+2,000 … +4,000", "≥ +4,000")
    assert [c.index(v) for v in (-9000, -2500, -1, 0, 1999, 4237)] == [0, 1, 2, 3, 4, 6]


def test_every_mapped_quantity_has_declared_breaks() -> None:
    from simulator.map_content import COMMUNE_CHOICES

    assert set(CLASS_STEPS) == set(COMMUNE_CHOICES)
    assert set(DIFF_CLASS_STEPS) == {*COMMUNE_CHOICES, "jobs"}


_KEY = re.compile(r'<section class="ccn-choropleth-key" data-ccn-choice="(\w+)"[^>]*>\s*'
                  r'<h2>.*?</h2>\s*<ul class="ccn-classes">(.*?)</ul>', re.S)
_FILL = re.compile(r'<div class="ccn-key">\s*<h2>(.*?)</h2>\s*<ul class="ccn-classes">(.*?)</ul>',
                   re.S)


def _legends(html: str) -> list[dict[str, str]]:
    """The colour classes of each map's legend, in page order: key → swatches and labels
    (the cluster fill under "fill"). A legend starts at its fill key."""
    fills = [(m.start(), m.group(2)) for m in _FILL.finditer(html)]
    maps: list[dict[str, str]] = []
    for k, (start, fill) in enumerate(fills):
        end = fills[k + 1][0] if k + 1 < len(fills) else len(html)
        keys = {m.group(1): m.group(2) for m in _KEY.finditer(html, start, end)}
        maps.append({"fill": fill, **keys})
    return maps


@pytest.fixture(scope="module")
def pages() -> dict[str, Any]:
    """map.html of baseline and expansion, and the three-scenario comparison (20 draws)."""
    from simulator.run import run_file

    runs = []
    for name in ("baseline", "approved", "expansion"):
        r = run_file(ROOT / "scenarios" / f"{name}.yaml", draws=20)
        r.results.summarise()
        runs.append(r)
    views = {r.loaded.scenario.id: map_view(r, lang="vi") for r in (runs[0], runs[2])}
    view = comparison_view(runs, comparison_table(runs), [check_all(r) for r in runs], lang="vi")
    return {"views": views, "maps": {k: render_scenario_map(v) for k, v in views.items()},
            "comparison": render_comparison(view)}


def test_two_scenarios_and_their_comparison_share_every_break(pages: dict[str, Any]) -> None:
    base, = _legends(pages["maps"]["baseline"])
    expansion, = _legends(pages["maps"]["expansion"])
    compared = _legends(pages["comparison"])
    assert len(compared) == 5  # three scenario maps, then B − A for approved and expansion
    assert set(base) == {"fill", *CLASS_STEPS}
    for legend in (expansion, *compared[:3]):
        assert legend == base  # every quantity: the same swatches and the same numbers
    assert "≥ 2.000" in base["workers_supplied"]  # the declared width, not the values' range
    # the difference maps share theirs, with the declared widths
    assert compared[3] == compared[4]
    assert "≥ +4.000" in compared[3]["fill"] and "≥ +5.000" in compared[3]["jobs_reachable"]


def test_bundled_values_spread_over_the_declared_classes(pages: dict[str, Any]) -> None:
    """The widths suit this district: each quantity's largest value of the expansion reaches
    past the second class but not far into the open one (else the widths need revisiting)."""
    timeline = pages["views"]["expansion"].timeline
    for var in timeline.choropleths:
        top = max(v for band in var.values.values() for v in band.p50)
        assert 2 * CLASS_STEPS[var.key] <= top <= 7 * CLASS_STEPS[var.key], var.key
