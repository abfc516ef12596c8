"""Vietnamese pages say everything in Vietnamese: an English-word detector over the rendered
DOM text of the map (with every popup and tooltip), the report and the comparison.

The English lexicon is the project's own English: every word of the English page words, metric,
unit and status names (simulator.words.pages), and Leaflet's own control texts. A word of it that
shows up in the Vietnamese page is untranslated, unless it is a proper name or a code (ALLOW). Text from outside the page words is marked by its source and left out:
what the scenario's author wrote in one language (`data-ccn-source="scenario"`), citations and
the author's sources (`citation`) and geodata warnings (`geodata`). Our own data files' words are
checked: calibration.csv's descriptions, parameters.csv's sources (`source_vi`) and rules.yaml's
citations (`citation_vi`) are shown in Vietnamese. The rule engine's finding messages and
remedies (`rules`) are checked: their words live in simulator.words.findings and
simulator.words.rules, and their English is part of the lexicon. Author text given per language
(`{vi: …, en: …}`, marked with the page's `lang`) is checked too: the bundled scenarios give
their titles, descriptions and target labels in both languages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from maps_fixtures import assert_offline_clean, open_offline

from markupsafe import escape

from simulator.appraisal import published_figures
from simulator.gating import gate_openings
from simulator.words.findings import FINDING_WORDS
from simulator.words.pages import metric_label, unit_label, words
from simulator.words.rules import RULE_WORDS, fix_words
from simulator.words.sensitivity import PARAMETER_PHRASES, SENSITIVITY_WORDS
from simulator.results import COMMUNE_METRICS, DISTRICT_METRICS, METRICS
from simulator.outputs import render_pages
from simulator.rules.book import rule_table
from simulator.rules.engine import check_all
from simulator.scenario.schema import parameter_table
from simulator.map_content import comparison_view
from simulator.maps.comparison_page import render_comparison
from simulator.tables import cluster_table, comparison_table

pytestmark = pytest.mark.browser

# proper names, codes and units that are the same in both languages
ALLOW = {"leaflet", "javascript", "npv", "irr", "ccn", "sha256", "clustersim", "pert", "mini",
         "ha", "km", "usd", "vnd",
         "p10", "p50", "p90", "alpha", "beta", "test", "morris", "sobol"}
WORD = re.compile(r"\w{3,}")
FILE = re.compile(r"[\w./-]+\.(?:md|csv|yaml|py|gpkg)\b")
LEAFLET_TEXTS = ("Zoom in", "Zoom out", "A JavaScript library for interactive maps", "Layers")


def _lexicon() -> set[str]:
    texts = [*words("en").values(), *LEAFLET_TEXTS,
             *(metric_label(m, "en") for m in (*METRICS, *DISTRICT_METRICS, *COMMUNE_METRICS)),
             *(unit_label(u, "en") for u in METRICS.values()),
             *FINDING_WORDS["en"].values(), *(fix_words(r, "en") for r in RULE_WORDS),
             *PARAMETER_PHRASES.values(), *SENSITIVITY_WORDS["en"].values()]
    return {w.lower() for t in texts for w in WORD.findall(t) if w.isascii() and w.isalpha()
            } - ALLOW
_TEXT = """() => {
  const lang = document.documentElement.lang;
  const skip = `[data-ccn-source]:not([data-ccn-source="rules"]):not([lang="${lang}"]), ` +
    'script, style, template, code';
  const clone = document.body.cloneNode(true);
  clone.querySelectorAll(skip).forEach(e => e.remove());
  const out = [clone.textContent];
  const html = [];  // popups and tooltips of every feature, as the page would show them
  (window.ClusterSim ? ClusterSim.maps : []).forEach(m => m.eachLayer(l => {
    const p = l.feature && l.feature.properties;
    if (p) { html.push(p.popup || '', p.tooltip || ''); }
  }));
  html.forEach(h => { const d = document.createElement('div'); d.innerHTML = h;
    d.querySelectorAll(skip).forEach(e => e.remove()); out.push(d.textContent); });
  document.querySelectorAll('[title], [aria-label]').forEach(e =>
    out.push(e.getAttribute('title') || '', e.getAttribute('aria-label') || ''));
  return out.join(' ');
}"""


def _words(page: Any, path: Path, scripted: bool) -> set[str]:
    errors = open_offline(page, path, wait_ready=scripted)
    text = FILE.sub(" ", page.evaluate(_TEXT))  # a file name is a name
    assert_offline_clean(errors)
    return {w.lower() for w in WORD.findall(text)}


@pytest.fixture(scope="module")
def both(mini_runs: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """map.html, report.html and comparison.html of the mini runs in vi and in en."""
    # mini_b second: plain names (the script-like names of mini are not words)
    return _pages(list(mini_runs), tmp_path_factory.mktemp("langs"))


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """The same pages of the bundled baseline and expansion (20 draws): the authors' titles,
    descriptions and target labels are given per language."""
    from simulator.run import run_file

    root = Path(__file__).resolve().parents[1] / "scenarios"
    runs = [run_file(root / f"{name}.yaml", draws=20) for name in ("baseline", "expansion")]
    return _pages(runs, tmp_path_factory.mktemp("bundled"), sensitivity=True)


def _pages(runs: list[Any], out: Path, sensitivity: bool = False) -> dict[str, dict[str, Path]]:
    """The report of the second run with its sensitivity section (Morris, 4 trajectories)
    when `sensitivity`."""
    from simulator.sensitivity import sensitivity_for_report

    findings = [check_all(r) for r in runs]
    pages: dict[str, dict[str, Path]] = {}
    for lang in ("vi", "en"):
        folder = out / lang
        folder.mkdir()
        run = runs[1]
        sens = sensitivity_for_report(run, "jobs", 2030, n=4, lang=lang) if sensitivity else None
        html = render_pages(run, cluster_table(run), findings=findings[1],
                            gates=gate_openings(run.loaded.scenario, run.results), lang=lang,
                            sensitivity=sens)
        html["comparison.html"] = render_comparison(
            comparison_view(runs, comparison_table(runs), findings, lang=lang))
        for name, text in html.items():
            (folder / name).write_text(text, encoding="utf-8")
        pages[lang] = {n.split(".")[0]: folder / n for n in html}
    return pages


@pytest.mark.parametrize("which", ["map", "report", "comparison"])
def test_no_english_words_in_vietnamese_pages_of_the_bundled_scenarios(
        map_page: Any, bundled: dict[str, dict[str, Path]], which: str) -> None:
    test_no_english_words_in_vietnamese_pages(map_page, bundled, which)


def test_bundled_author_text_is_shown_in_the_page_language(
        map_page: Any, bundled: dict[str, dict[str, Path]]) -> None:
    """The description and target labels the authors gave per language: the Vietnamese one on
    the vi page (marked lang="vi", so the detector reads it), the English one on the en page."""
    vi = bundled["vi"]["report"].read_text(encoding="utf-8")
    en = bundled["en"]["report"].read_text(encoding="utf-8")
    assert '<p data-ccn-source="scenario" lang="vi">Các cụm đã phê duyệt cộng thêm' in vi
    assert '<p data-ccn-source="scenario" lang="en">The approved pipeline plus' in en
    assert "The approved pipeline" not in vi and "Các cụm đã phê duyệt cộng thêm" not in en
    assert 'lang="vi">Thắng Lợi mở cho thuê đất năm 2025</span>' in vi
    assert 'lang="en">Thắng Lợi open for leasing in 2025</span>' in en
    assert "Mở rộng: thêm 5 cụm đề xuất" in bundled["vi"]["map"].read_text(encoding="utf-8")
    # a default's source is parameters.csv's own, in the page language and not exempt from the
    # check; a phase's source is the author's, shown as written and marked
    assert ('<span class="ccn-flag">assumption</span> assumption: road distance ≈ straight-line '
            "distance × detour factor</td>") in en
    assert ("<td><span class=\"ccn-flag\">giả định</span> giả định: quãng đường đi thực tế ≈ "
            "khoảng cách đường chim bay × hệ số đường vòng</td>") in vi
    assert "road distance" not in vi
    assert ('<span data-ccn-source="citation">24-month builds in the 2025 decisions '
            '(igip.gov.vn); high case an assumption</span>') in vi


@pytest.mark.parametrize("which", ["map", "report", "comparison"])
def test_no_english_words_in_vietnamese_pages(map_page: Any, both: dict[str, dict[str, Path]],
                                              which: str) -> None:
    scripted = which != "report"
    english = _lexicon()
    assert {"developer", "cluster", "draws"} <= english  # the lexicon is real
    assert len(_words(map_page, both["en"][which], scripted) & english) > 30  # and finds English
    vietnamese = _words(map_page.context.new_page(), both["vi"][which], scripted)
    left = sorted(vietnamese & english)
    assert not left, " ".join(left)


def test_our_data_files_words_are_checked_on_the_vietnamese_report(
        map_page: Any, bundled: dict[str, dict[str, Path]], tmp_path: Path) -> None:
    """A parameter's source (parameters.csv), a rule's citation (rules.yaml) and a published
    figure's source (calibration.csv) are not exempt on the vi report: put back in English in
    their cells, the check finds them."""
    vi = bundled["vi"]["report"].read_text(encoding="utf-8")
    detour, rice = parameter_table()["detour_factor"], rule_table()["rice_land"]
    budget = next(r for r in published_figures() if r["source"].startswith("vietnamplus"))
    for ours, english in ((detour["source_vi"], detour["source"]),
                          (rice.citation_vi, rice.citation),
                          (budget["source_vi"], budget["source"])):
        shown = str(escape(" ".join(ours.split())))
        assert shown in vi, ours
        vi = vi.replace(shown, str(escape(" ".join(english.split()))))
    bad = tmp_path / "report.html"
    bad.write_text(vi, encoding="utf-8")
    assert {"distance", "decree", "same"} <= _words(map_page, bad, False) & _lexicon()


def test_the_detector_finds_an_untranslated_word(map_page: Any,
                                                 both: dict[str, dict[str, Path]],
                                                 tmp_path: Path) -> None:
    vi = both["vi"]["report"].read_text(encoding="utf-8")
    bad = tmp_path / "report.html"
    bad.write_text(vi.replace("</main>", "<p>Developer payback</p></main>"), encoding="utf-8")
    found = _words(map_page, bad, False) & _lexicon()
    assert "developer" in found
