"""report.html from the real pipeline (tests/data/mini.yaml, 40 draws): content, language,
escaping, offline (string-level; the browser test opens it too)."""

from __future__ import annotations

import html as html_lib
import re
from collections import Counter
from html.parser import HTMLParser
from typing import Any

import pandas as pd
import pytest
from maps_fixtures import (  # the mini_runs fixture comes from conftest.py
    XSS_DESCRIPTION,
    XSS_NAMES,
    XSS_TARGET,
    XSS_TITLE,
)

from simulator.appraisal import published_figures
from simulator.maps import check_offline
from simulator.gating import gate_openings
from simulator.maps.report_page import render_report_page as render_report
from simulator.report_content import assumption_rows, report_view
from simulator.rules.book import rule_table
from simulator.rules.engine import check_all
from simulator.scenario.schema import parameter_table, table_source
from simulator.sensitivity import Sensitivity


@pytest.fixture(scope="module")
def checked(mini_runs: tuple[Any, Any]) -> tuple[Any, list, list]:
    run = mini_runs[0]
    return run, check_all(run), gate_openings(run.loaded.scenario, run.results)


@pytest.fixture(scope="module")
def report_en(checked: tuple[Any, list, list]) -> str:
    run, findings, gates = checked
    return render_report(report_view(run, findings=findings, gates=gates, lang="en"))


@pytest.fixture(scope="module")
def report_vi(checked: tuple[Any, list, list]) -> str:
    run, findings, gates = checked
    return render_report(report_view(run, findings=findings, gates=gates, lang="vi"))


class _Text(HTMLParser):
    """The text a reader sees (scripts and styles left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = False

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self._skip = tag in ("style", "script")

    def handle_endtag(self, tag: str) -> None:
        self._skip = False

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def _section(html: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}">(.*?)</section>', html, re.S)
    assert match, section_id
    return match.group(1)


def test_offline_and_without_javascript(report_en: str, report_vi: str) -> None:
    for html in (report_en, report_vi):
        assert check_offline(html) is html
        assert "<script" not in html.lower()
        assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="vi">' in report_vi and '<html lang="en">' in report_en


def test_headings_in_both_languages(report_en: str, report_vi: str) -> None:
    for heading in ("Purpose", "District indicators at milestone years", "Developer returns",
                    "Rule checks", "Targets", "Assumptions and sources",
                    "What drives the uncertainty"):
        assert f">{heading}</h2>" in report_en
    for heading in ("Mục đích", "Chỉ tiêu toàn huyện ở các năm mốc", "Hiệu quả của chủ đầu tư",
                    "Kiểm tra quy định", "Mục tiêu", "Giả định và nguồn số liệu"):
        assert f">{heading}</h2>" in report_vi
    assert "Việc làm" in report_vi and "lao động" in report_vi  # metric and unit names


def test_provenance(report_en: str, checked: tuple[Any, list, list]) -> None:
    run = checked[0]
    text = _text(_section(report_en, "purpose"))
    assert run.loaded.sha256 in text and "mini.yaml" in text
    assert "Seed 7" in text and "Draws 40" in text and "2020–2030" in text
    assert XSS_DESCRIPTION in text  # shown as text


def test_indicators_at_milestone_years(report_en: str, report_vi: str,
                                       checked: tuple[Any, list, list]) -> None:
    run = checked[0]
    section = _section(report_en, "indicators")
    for year in (2020, 2025, 2030):
        assert f'<th scope="col" class="num">{year}</th>' in section
    jobs = run.results.district_at("jobs", 2030)
    row = re.search(r"<th scope=\"row\">Jobs</th>(.*?)</tr>", section, re.S).group(1)
    assert f"{jobs['p50']:,.0f}" in row  # the median, not the mean
    assert f"{jobs['p10']:,.0f} – {jobs['p90']:,.0f}" in row
    vi_row = re.search(r"<th scope=\"row\">Việc làm</th>(.*?)</tr>", report_vi, re.S).group(1)
    assert f"{jobs['p50']:,.0f}".replace(",", ".") in vi_row  # 1.234 in Vietnamese


def test_fan_charts(report_en: str) -> None:
    section = _section(report_en, "charts")
    assert section.count("<svg") == 4
    for label in ("Jobs", "Leased area", "Budget revenue", "Developer cumulative cash"):
        assert f"<title>{label}</title>" in section
    assert section.count('fill-opacity="0.22"') == 4  # one P10–P90 band each


def test_developer_returns(report_en: str) -> None:
    text = _text(_section(report_en, "developer"))
    assert "District (all clusters)" in text and "IRR (%)" in text
    assert XSS_NAMES[0] in text and XSS_NAMES[1] in text


def test_rule_checks_with_citations(report_en: str, checked: tuple[Any, list, list]) -> None:
    findings = checked[1]
    shown = {f.rule for f in findings if f.severity in ("fail", "warn", "off")}
    section = _section(report_en, "checks")
    assert section.count("<tr class=\"ccn-sev-") == len(shown) > 0  # one row per rule
    na = [f for f in findings if f.severity == "n/a"]
    if na:  # what could not be evaluated is listed, with why
        assert f"could not be evaluated ({len(na)})" in section
        assert _text(na[0].message) in _text(section)
    assert "TCVN 4449:1987" in section  # a citation, in full
    counts = f"{sum(f.severity == 'fail' for f in findings)} fail"
    assert counts in _text(section)
    assert "Approval gates" in section


def test_targets_and_their_probability(report_en: str, checked: tuple[Any, list, list]) -> None:
    run = checked[0]
    p = run.results.probability("jobs", 2030, at_least=1600)
    assert 0.05 < p < 0.95  # a target that is uncertain, so the percentage says something
    section = _section(report_en, "targets")
    assert XSS_TARGET in _text(section) and "<b>jobs</b>" not in section
    assert f"{100 * p:.0f} %" in section


def test_assumptions_table(report_en: str, checked: tuple[Any, list, list]) -> None:
    rows = assumption_rows(checked[0])
    keys = {r["key"] for r in rows}
    assert {"district.params.fill_years", "district.params.access_scale_km",
            "clusters[beta].phases[1].clearance_years"} <= keys
    by_key = {r["key"]: r for r in rows}
    assert by_key["district.params.fill_years"]["value"] == "2"  # fixed in mini.yaml
    assert by_key["district.params.fill_years"]["assumption"]  # ... and without a source
    access = by_key["district.params.access_scale_km"]  # a default from parameters.csv
    assert access["value"] == "triangular (low 3, mode 5, high 10)" and access["unit"] == "km"
    assert access["assumption"] and access["source"].startswith("assumption")
    sourced = [r for r in rows if not r["assumption"]]
    assert sourced and all(r["source"] for r in sourced)
    section = _section(report_en, "assumptions")
    assert section.count('class="ccn-assumed"') == sum(r["assumption"] for r in rows)
    assert f"of {len(rows)} parameter values are assumptions" in section
    assert "<details>" in section  # phase timing, collapsed


def test_assumptions_table_in_vietnamese(report_vi: str, checked: tuple[Any, list, list]) -> None:
    """A default's source is parameters.csv's own words: in Vietnamese on the vi page, and not
    marked as a citation (the Vietnamese pages' English-word check reads it); the scenario
    author's source is shown as written, marked."""
    rows = {r["key"]: r for r in assumption_rows(checked[0], "vi")}
    access = rows["district.params.access_scale_km"]
    vi = parameter_table()["access_scale_km"]["source_vi"]
    assert access["source"] == vi and vi.startswith("giả định: sức hút giảm một nửa")
    assert not access["cited"] and access["assumption"]
    section = _section(report_vi, "assumptions")
    assert f"</span> {html_lib.escape(vi)}</td>" in section  # after the flag, outside a span
    assert "attractiveness" not in section and 'data-ccn-source="citation"' not in section
    assert table_source("test", "vi") is None  # not parameters.csv's: the author's words
    en = parameter_table()["detour_factor"]["source"]
    assert table_source(en, "en") == en
    assert table_source(en, "vi") == ("giả định: quãng đường đi thực tế ≈ khoảng cách đường "
                                      "chim bay × hệ số đường vòng")


_SECTION_REF = re.compile(r"§\d+(?:\.\d+)*")
_WEB_OR_FILE = re.compile(r"[\w/-]+(?:\.[\w-]+)*\.(?:md|vn|com|today)\b(?:/[\w./?=-]*)?")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DATE = re.compile(rf"\b(\d{{1,2}}) ({'|'.join(_MONTHS)}) (\d{{4}})\b")


def _figures(text: str, lang: str) -> Counter[str]:
    """The figures of a text as plain decimals (`6,694` and `6.694` → 6694; `60.9` and `60,9`
    → 60.9): English thousands comma and decimal point, Vietnamese thousands point and decimal
    comma. Section references and web or file addresses are left out (compared as written);
    an English date `1 Jul 2025` reads as the Vietnamese `1/7/2025`."""
    text = _WEB_OR_FILE.sub(" ", _SECTION_REF.sub(" ", text))
    if lang == "en":
        text = _DATE.sub(lambda m: f"{m[1]}/{_MONTHS.index(m[2]) + 1}/{m[3]}", text)
    thousands, decimal = (",", ".") if lang == "en" else (".", ",")
    return Counter(n.replace(thousands, "").replace(decimal, ".")
                   for n in re.findall(r"\d+(?:[.,]\d+)*", text))


def _says_the_same(en: str, vi: str) -> bool:
    """`vi` has every figure, section reference (facts.md §…, docs/….md §…) and web or file
    address of `en`, and no other."""
    return (_figures(vi, "vi") == _figures(en, "en")
            and Counter(_SECTION_REF.findall(vi)) == Counter(_SECTION_REF.findall(en))
            and Counter(_WEB_OR_FILE.findall(vi)) == Counter(_WEB_OR_FILE.findall(en)))


def test_every_parameter_source_is_in_vietnamese_with_the_same_figures() -> None:
    """parameters.csv's `source_vi` says what `source` says: the same figures, references and
    addresses; an assumption is called one (`giả định`)."""
    assert _figures("6,694 of 7,322 ha; 60.9 %; 1 Jul 2025", "en") == _figures(
        "6.694 trong 7.322 ha; 60,9 %; 1/7/2025", "vi")
    assert _figures("1.1 trn", "en") != _figures("1.1 nghìn tỷ", "vi")  # 1.1 ≠ 11
    assert not _says_the_same("facts.md §3.1, 60.9 %", "facts.md §3, 60,9 %")
    rows = parameter_table()
    assert len(rows) == 56
    for name, row in rows.items():
        en, vi = row["source"], row["source_vi"]
        assert vi and vi != en, name
        assert _says_the_same(en, vi), name
        assert vi.startswith("giả định") == en.startswith("assumption"), name


def test_every_published_figure_source_is_in_vietnamese_with_the_same_figures() -> None:
    """calibration.csv's `source_vi` is its `source` with the English words in Vietnamese: the
    same publication names, addresses, dates and figures."""
    rows = published_figures()
    for r in rows:
        assert r["source_vi"] and _says_the_same(r["source"], r["source_vi"]), r["source"]
    assert sum(r["source_vi"] != r["source"] for r in rows) == 4  # the others are names, dates


def test_every_rule_citation_is_in_vietnamese_with_the_same_figures() -> None:
    """rules.yaml's `citation_vi` says what `citation` says: the same figures, references and
    addresses, and an unverified, unfound or assumed part is flagged as such."""
    en_flags = ("unverified", "verify", "not found", "assumption", "check ")
    vi_flags = ("chưa kiểm chứng", "cần kiểm tra", "chưa tìm thấy", "giả định")
    rules = rule_table()
    assert len(rules) == 15
    for r in rules.values():
        en, vi = " ".join(r.citation.split()), " ".join(r.citation_vi.split())
        assert vi and vi != en, r.id
        assert _says_the_same(en, vi), r.id
        assert any(f in en.lower() for f in en_flags) == any(f in vi for f in vi_flags), r.id


def test_script_like_text_is_escaped(report_en: str) -> None:
    for raw in (*XSS_NAMES, XSS_TITLE, XSS_DESCRIPTION):
        assert raw not in report_en
    assert "&lt;img src=x onerror=alert(1)&gt;" in report_en
    assert XSS_TITLE in _text(report_en)  # the title reads as written, {{ }} included


def test_sensitivity_section(checked: tuple[Any, list, list]) -> None:
    run = checked[0]
    ranking = pd.DataFrame({"input": ["a", "b"], "label": ["Demand <b>x</b>", "Fill years"],
                            "ST": [0.6, 0.2], "ST_share": [0.75, 0.25]})
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>'
    sens = Sensitivity(ranking=ranking, svg=svg, sentence="Jobs 2030 is driven 75 % by demand.")
    html = render_report(report_view(run, lang="en", sensitivity=sens))
    section = _section(html, "sensitivity")
    assert svg in section and "Jobs 2030 is driven 75 % by demand." in section
    assert "Demand &lt;b&gt;x&lt;/b&gt;" in section and "75 %" in section
    assert "No sensitivity analysis" not in section
    for bad in ('<svg onload="alert(1)"></svg>', "<svg><script>alert(1)</script></svg>",
                "<img src=x>", '<svg xmlns:x="http://www.w3.org/1999/xlink"><a x:href="#"/></svg>',
                '<svg><rect ONCLICK="alert(1)"/></svg>', '<svg><rect fill="javascript:x"/></svg>',
                "<svg><foreignObject/></svg>", "<svg><use/></svg>", "<svg>"):
        with pytest.raises(ValueError, match="plain <svg>"):
            report_view(run, lang="en", sensitivity=Sensitivity(svg=bad))


@pytest.mark.parametrize("title", ['see href="x"', "onload=alert(1)", "javascript:void(0)",
                                   "<script>alert(1)</script>"])
def test_a_tornado_titled_like_markup_is_shown_as_text(checked: tuple[Any, list, list],
                                                        title: str) -> None:
    """Escaped text that reads like markup is words on the chart: the report accepts it."""
    from simulator.sensitivity import tornado_svg

    ranking = pd.DataFrame({"input": ["a"], "label": ["Demand"], "ST": [0.6], "ST_conf": [0.1],
                            "S1": [0.5], "S1_conf": [0.1], "ST_share": [1.0]})
    svg = tornado_svg(ranking, title=title)
    html = render_report(report_view(checked[0], lang="en", sensitivity=Sensitivity(
        ranking=ranking, svg=svg, sentence="s")))
    assert svg in html and "&lt;" in svg if "<" in title else title in svg


def test_no_sensitivity_says_so(report_en: str) -> None:
    assert "No sensitivity analysis was passed" in _section(report_en, "sensitivity")


def test_deterministic(checked: tuple[Any, list, list], report_vi: str) -> None:
    run, findings, gates = checked
    assert render_report(report_view(run, findings=findings, gates=gates)) == report_vi


def test_unknown_language() -> None:
    from simulator.words.pages import words

    with pytest.raises(ValueError, match="vi, en"):
        words("fr")
