"""String-level tests of the offline map pages (fast; no browser)."""

from __future__ import annotations

import json
import re

import folium
import numpy as np
import pytest
from maps_fixtures import BADGES, XSS_NAMES, YEARS, make_comparison_view, make_map_view

from simulator.maps import STATUS_COLORS, OfflineViolation, assets, check_offline
from simulator.maps.comparison_page import render_comparison
from simulator.maps.scenario_map import render_scenario_map
from simulator.maps.charts import Series, fan_svg, nice_ticks
from simulator.maps.classes import classes_for
from simulator.maps.elements import LeanMap
from simulator.maps.encode import json_for_script
from simulator.maps.formatting import fmt_number, fmt_signed
from simulator.words.pages import LANGS, metric_label, unit_label, words
from simulator.maps.view import Band, Variable

LEAFLET_MARK = 'version="1.9.3"'
TEMPLATE_NAME = "{{ 7*7 }} {% if 1 %}x{% endif %}"
DATA_BLOCK = re.compile(r'<script type="application/json" id="([^"]+)">(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def page() -> str:
    return render_scenario_map(make_map_view())


@pytest.fixture(scope="module")
def xss_page() -> str:
    view = make_map_view((*XSS_NAMES, TEMPLATE_NAME), title="<b>bold</b> & </script>")
    return render_scenario_map(view)


@pytest.fixture(scope="module")
def comparison() -> str:
    return render_comparison(make_comparison_view())


def _data_blocks(html: str) -> list[dict]:
    return [json.loads(body) for _, body in DATA_BLOCK.findall(html)]


def _clusters(html: str) -> list[dict]:
    return [f for fc in _data_blocks(html) for f in fc.get("features", [])
            if "ccn-cluster" in f["properties"].get("style", {}).get("className", "")]


def test_no_external_resources(page: str, comparison: str) -> None:
    for html in (page, comparison):
        assert check_offline(html) is html
        assert not re.search(r"<script[^>]*\ssrc=", html, re.I)
        assert not re.search(r"<link\b", html, re.I)
        assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", html, re.I)
        assert "sourceMappingURL" not in html
        for cdn in ("cdn.jsdelivr", "cdnjs", "code.jquery", "bootstrapcdn", "unpkg", "jquery"):
            assert cdn not in html.lower()


def test_leaflet_is_inlined_once(page: str, comparison: str) -> None:
    assert page.count(LEAFLET_MARK) == 1
    assert comparison.count(LEAFLET_MARK) == 1
    assert comparison.count("window.ClusterSim") == 1 or comparison.count("global.ClusterSim") == 1
    assert "data:image/png;base64," in page  # leaflet.css images


def test_folium_class_lists_untouched(page: str) -> None:
    assert LeanMap.default_js == [] and LeanMap.default_css == []
    assert any(name == "jquery" for name, _ in folium.Map.default_js)
    assert "tile" not in " ".join(re.findall(r"L\.(\w+)\(", page.split("ClusterSim.register")[1]))


def test_cluster_count_and_status_colours(page: str) -> None:
    view = make_map_view()
    clusters = _clusters(page)
    assert len(clusters) == len(view.clusters) == 3
    assert [f["properties"]["id"] for f in clusters] == list(view.clusters["id"])
    for status, colour in STATUS_COLORS.items():
        assert colour in page, status
    fills = {f["properties"]["style"]["fillColor"] for f in clusters}
    assert fills == {STATUS_COLORS[s] for s in view.clusters["status"]}


def test_schematic_cluster_is_dashed(page: str) -> None:
    styles = {f["properties"]["id"]: f["properties"]["style"] for f in _clusters(page)}
    assert "dashArray" in styles["cl2"] and "ccn-schematic" in styles["cl2"]["className"]
    assert "dashArray" not in styles["cl0"]
    assert "approximate position" in _clusters(page)[2]["properties"]["popup"]
    assert "dashed = planned cluster, approximate position" in page


def test_built_schematic_cluster_is_solid_and_counted_in_the_legend() -> None:
    view = make_map_view()
    clusters = view.clusters.copy()
    clusters.loc[0, "accuracy"] = "schematic"  # cl0 is operating
    html = render_scenario_map(type(view)(**{**view.__dict__, "clusters": clusters}))
    styles = {f["properties"]["id"]: f["properties"]["style"] for f in _clusters(html)}
    assert "dashArray" not in styles["cl0"] and "ccn-schematic" in styles["cl0"]["className"]
    assert "dashArray" in styles["cl2"]  # proposed: still dashed
    assert "1 existing clusters drawn schematically" in html


def test_label_data_for_the_map() -> None:
    from simulator.maps.features import cluster_label, short_name

    assert short_name("Sông Hồng (đường tim, Natural Earth 1:10m)") == "Sông Hồng"
    assert cluster_label("CCN làng nghề Tiền Phong (giai đoạn 1)") == "Tiền Phong GĐ 1"
    assert cluster_label("CCN Quất Động mở rộng") == "Quất Động mở rộng"
    html = render_scenario_map(make_map_view())
    clusters = {f["properties"]["id"]: f["properties"] for f in _clusters(html)}
    assert clusters["cl2"]["big"] and not clusters["cl0"]["big"]  # 45 ha and 20 ha
    assert clusters["cl0"]["caption"] == "Quất Động"
    blocks = _data_blocks(html)
    communes = [f["properties"] for fc in blocks for f in fc.get("features", [])
                if f["properties"].get("style", {}).get("className") == "ccn-commune"]
    assert [c["caption"] for c in communes] == ["Quất Động", "Liên Phương", "Hà Hồi"]
    lat, lng = communes[0]["lp"]
    assert 20.79 < lat < 20.91 and 105.80 < lng < 105.84  # inside the first commune square
    named = [f["properties"]["caption"] for fc in blocks for f in fc.get("features", [])
             if "caption" in f["properties"] and "ccn-road" in str(f["properties"].get("style"))]
    assert named == ["QL1A", "Đường sắt Bắc–Nam", "Cao tốc Pháp Vân–Cầu Giẽ"]  # one each


def test_popup_has_indicators_with_units(page: str) -> None:
    popup = _clusters(page)[1]["properties"]["popup"]
    for expected in ("CCN Liên Phương", "Indicators, 2030", "2,734", "workers", "32.5 ha",
                     "bn VND / year", "Craft-village cluster", "Approved"):
        assert expected in popup


def test_names_are_escaped(xss_page: str) -> None:
    for name in XSS_NAMES:
        assert name not in xss_page
    assert "<b>bold</b>" not in xss_page
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;/script&gt;" in xss_page  # <title> and title box
    assert xss_page.lower().count("</script") == xss_page.lower().count("<script")
    popups = [f["properties"]["popup"] for f in _clusters(xss_page)]
    assert "&lt;img src=x onerror=alert(1)&gt;" in popups[0]
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in popups[1]


def test_text_is_not_evaluated_as_a_template(xss_page: str) -> None:
    # branca re-compiles element output as jinja; names must reach the page verbatim
    assert "{{ 7*7 }} {% if 1 %}x{% endif %}" in _clusters(xss_page)[2]["properties"]["popup"]


def test_coordinates_rounded_to_six_decimals(page: str) -> None:
    for _, body in DATA_BLOCK.findall(page):
        assert not re.search(r"\d\.\d{7,}", body)


def test_title_box_has_provenance_and_notes(page: str) -> None:
    for expected in ("Baseline: operating clusters", "Year 2030", "seed 20231", "1,000 draws",
                     "sha256 0123456789ab", "Communes: synthetic test squares."):
        assert expected in page
    assert "0123456789abcdef0123" not in page  # short hash only


def test_strict_check_raises_on_injected_resources(page: str) -> None:
    injections = [
        '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"></script>',
        '<link rel="stylesheet" href="https://unpkg.com/leaflet@1.9.3/dist/leaflet.css">',
        '<style>.x { background: url("https://example.org/a.png") }</style>',
        "<style>@import 'https://example.org/a.css';</style>",
        '<script src="leaflet.js"></script>',  # relative: not self-contained either
        '<img src="//example.org/pixel.gif">',
        '<div style="background:url(http://example.org/a.png)"></div>',
    ]
    for snippet in injections:
        with pytest.raises(OfflineViolation):
            check_offline(page.replace("</head>", snippet + "</head>"))


# Planted references in every place the check reads, written in every way html.parser reads
# them (case, quotes, character references, bare values, self-closing tags), and markup that
# is not plain (comments, `<!`, `<?`, odd whitespace, script ends with spaces): the quick
# plain scan must agree with html.parser's reading, or leave the page to it.
PLANTED = [
    '<SCRIPT SRC="https://cdn.example.org/a.js"></SCRIPT>',
    "<script src='//cdn.example.org/a.js'></script>",
    "<script src=https://cdn.example.org/a.js></script>",
    '<script src="&#104;ttps://cdn.example.org/a.js"></script>',
    '<script type="module" src="a.mjs"></script>',
    '<script type="application/json">{"u": "https://cdn.example.org/a.js"}</script>',
    '<script>import("https://cdn.example.org/a.js")</script>',
    '<script>var s = "//cdn.example.org/a.css";</script>',
    '<Link Rel="Stylesheet" HREF="https://unpkg.com/a.css">',
    '<link rel="icon" href="favicon.ico"/>',
    '<link rel="canonical" href="https://example.org/">',  # not loaded: no problem
    '<style>.x { background: URL( "https://example.org/a.png" ) }</style>',
    "<style media=print>@IMPORT 'a.css';</style>",
    '<div style="background:url&#40;http://example.org/a.png)"></div>',
    '<div style=\'background:url(//example.org/a.png)\'></div>',
    '<span title="x" style="color:red"></span>',  # no problem
    '<img src="//example.org/pixel.gif" alt="">',
    '<img alt="" src="data:image/png;base64,AAAA">',  # no problem
    '<video poster="https://example.org/p.jpg"></video>',
    '<object data="https://example.org/a.swf"></object>',
    '<input type="image" src="https://example.org/b.png"/>',
    '<iframe src="https://example.org/"></iframe>',
    '<p title="<script src=https://cdn.example.org/a.js>">text</p>',  # an attribute value
    "<p>a &lt;script src=https://cdn.example.org/a.js&gt; as text</p>",
    '<!-- <script src="https://cdn.example.org/a.js"></script> -->',
    '<!x><script src="https://cdn.example.org/a.js"></script>',
    '<?x><img src="https://example.org/a.png">',
    '<script>a < b; c</ script><img src="https://example.org/a.png"></script>',
    '<script>a</script ><img src="https://example.org/a.png">',
    '<script/><img src="https://example.org/a.png">',
    '<style/><img src="https://example.org/a.png">',
    '<script>x = "</style>"</script><img src="https://example.org/a.png">',
    '<img\xa0src="https://example.org/a.png">',
    '<img src\xa0="https://example.org/a.png">',
    '<a href="https://example.org/" style="background:url(https://example.org/x.png)">x</a>',
    "1 < 2 <img src=https://example.org/a.png>",
]


@pytest.mark.parametrize("snippet", PLANTED)
@pytest.mark.parametrize("where", ["</head>", "</body>", "<body>"])
def test_the_plain_scan_agrees_with_html_parser(page: str, snippet: str, where: str) -> None:
    planted = page.replace(where, snippet + where, 1) if where != "<body>" else \
        page.replace(where, where + snippet, 1)
    reader = assets._ResourceScanner()
    reader.feed(planted)
    reader.close()
    quick = assets._plain_scan(planted)
    assert quick is None or quick == reader.problems
    if reader.problems:
        with pytest.raises(OfflineViolation) as raised:
            check_offline(planted)
        assert all(p in str(raised.value) for p in reader.problems[:20])
    else:
        assert check_offline(planted) is planted


NOT_LOADED = {  # html.parser reads no reference that the page would load in these
    '<script type="application/json">{"u": "https://cdn.example.org/a.js"}</script>',
    '<link rel="canonical" href="https://example.org/">',
    '<span title="x" style="color:red"></span>',
    '<img alt="" src="data:image/png;base64,AAAA">',
    '<p title="<script src=https://cdn.example.org/a.js>">text</p>',
    "<p>a &lt;script src=https://cdn.example.org/a.js&gt; as text</p>",
    '<!-- <script src="https://cdn.example.org/a.js"></script> -->',
    '<img\xa0src="https://example.org/a.png">',  # a tag named 'img\xa0src="https:'
}


def test_planted_references_are_caught(page: str) -> None:
    for snippet in PLANTED:
        planted = page.replace("</head>", snippet + "</head>")
        if snippet in NOT_LOADED:
            assert check_offline(planted) is planted
        else:
            with pytest.raises(OfflineViolation):
                check_offline(planted)


def test_the_pages_are_plain(page: str, comparison: str) -> None:
    """The renderers' pages are read by the quick scan (html.parser only for other pages)."""
    for html in (page, comparison):
        assert assets._plain_scan(html) == []
    assert assets._plain_scan(page.replace("</head>", "<!-- x --></head>")) is None


def test_renderer_fails_when_a_cdn_link_slips_in(monkeypatch: pytest.MonkeyPatch) -> None:
    # e.g. a folium upgrade that adds a resource to the class list we inherit from
    monkeypatch.setattr(LeanMap, "default_js", list(folium.Map.default_js))
    with pytest.raises(OfflineViolation, match="cdn"):
        render_scenario_map(make_map_view())


def test_text_urls_are_not_resources(page: str) -> None:
    assert "Source: https://example.org" in page  # a note, shown as text, fetches nothing


def test_output_is_deterministic_and_lean(page: str) -> None:
    assert render_scenario_map(make_map_view()) == page
    assert len(page.encode("utf-8")) < 250 * 1024  # Leaflet ~190 KiB; labels, touch, print


def test_comparison_page(comparison: str) -> None:
    assert comparison.count('class="folium-map ccn-map"') == 2
    assert comparison.count("ClusterSim.sync(") == 1
    assert len(_clusters(comparison)) == 6
    assert "Baseline: operating clusters" in comparison and "Expansion: +3 clusters" in comparison
    assert "relative to the first scenario" in comparison
    assert re.search(r"Δ <span data-ccn-source=\"scenario\">Expansion: \+3 clusters</span>", comparison)
    assert re.search(r'ccn-diff">\+\d{1,3}(,\d{3})+<', comparison)  # signed, separated


def test_comparison_escapes_table_and_titles() -> None:
    cv = make_comparison_view()
    cv.table.loc[0, "indicator"] = XSS_NAMES[0]
    html = render_comparison(cv)
    assert XSS_NAMES[0] not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_comparison_needs_two_views() -> None:
    cv = make_comparison_view()
    with pytest.raises(ValueError, match="2 or more"):
        render_comparison(type(cv)(views=cv.views[:1], table=cv.table))


def test_number_formats() -> None:
    assert fmt_number(1234567.891, 1) == "1,234,567.9"
    assert fmt_signed(1234) == "+1,234" and fmt_signed(-1234.5, 1) == "-1,234.5"
    assert fmt_signed(0) == "0" and fmt_number(-0.0001, 1) == "0.0"
    assert fmt_number(float("nan")) == "–" and fmt_signed(None) == "–"


def test_json_for_script_cannot_close_the_element() -> None:
    text = json_for_script({"a": "</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"a": "</script><!-- & \u2028"}


def test_cluster_without_geometry_is_an_error() -> None:
    view = make_map_view()
    view.clusters.loc[0, "geometry"] = None
    with pytest.raises(ValueError, match="cl0"):
        render_scenario_map(view)


def test_projected_input_is_refused() -> None:
    view = make_map_view()
    bad = type(view)(**{**view.__dict__, "clusters": view.clusters.to_crs(5897)})
    with pytest.raises(ValueError, match="EPSG:4326"):
        render_scenario_map(bad)


def test_optional_layers_and_unusual_rows() -> None:
    view = make_map_view()
    clusters = view.clusters.copy()
    clusters.loc[0, "geometry"] = clusters.geometry[0].centroid  # a point: drawn as a circle
    clusters.loc[1, "status"] = "cancelled"  # unknown status: grey, "Other status" in legend
    communes = view.communes.drop(columns="population_2019")
    bare = type(view)(**{**view.__dict__, "roads": None, "water": None, "clusters": clusters,
                         "communes": communes, "notes": ()})
    html = render_scenario_map(bare)
    assert len(_clusters(html)) == 3 and "Other status" in html
    assert "Population 2019: –" in html and "<h2>Roads</h2>" not in html


def test_no_clusters() -> None:
    view = make_map_view()
    empty = type(view)(**{**view.__dict__, "clusters": view.clusters.iloc[0:0]})
    assert _clusters(render_scenario_map(empty)) == []


# ------------------------------------------------------------ slider maps, language, classes


CONFIG_BLOCK = re.compile(r'<script type="application/json" id="ccn-cfg-[^"]+">(.*?)</script>',
                          re.S)


@pytest.fixture(scope="module")
def slider_page() -> str:
    return render_scenario_map(make_map_view(timeline=True, badges=BADGES))


def _communes(html: str) -> list[dict]:
    return [f for fc in _data_blocks(html) for f in fc.get("features", [])
            if f["properties"].get("style", {}).get("className") == "ccn-commune"]


def test_words_exist_in_every_language() -> None:
    keys = {lang: set(words(lang)) for lang in LANGS}
    assert keys["vi"] == keys["en"]
    vi, en = words("vi"), words("en")
    same = [k for k in vi if vi[k] == en[k] and len(en[k]) > 4]
    assert same == ["delta_of"]  # every longer phrase is translated, "Δ {b}" needs not be
    assert "Tỷ lệ lấp đầy" in metric_label("occupancy_pct", "vi")
    assert metric_label("jobs_craft", "en") == "Jobs – craft villages"
    assert metric_label("jobs_logistics", "vi") == "Việc làm – kho vận"
    assert unit_label("bn VND/yr", "vi") == "tỷ đồng/năm"
    assert unit_label("bn VND/yr", "en") == "bn VND/yr"


def test_every_model_metric_has_a_name() -> None:
    from simulator.results import COMMUNE_METRICS, DISTRICT_METRICS, METRICS

    for metric in (*METRICS, *DISTRICT_METRICS, *COMMUNE_METRICS, "farmland_in_commune"):
        for lang in LANGS:
            assert metric_label(metric, lang) != metric, (metric, lang)


def test_vietnamese_number_format() -> None:
    assert fmt_number(1234567.891, 1, "vi") == "1.234.567,9"
    assert fmt_signed(-1234.5, 1, "vi") == "-1.234,5"
    assert fmt_number(0.5, 0, "vi") == "0"


def test_sequential_and_diverging_classes() -> None:
    ones = (1.0,) * 2
    seq = Variable("x", "X", "workers", {"a": Band(ones, ones, (0.0, 1234.5), ones)})  # medians
    c = classes_for(seq, "vi")
    assert c.labels == ("0", "> 0 – 250", "250 – 500", "500 – 750", "750 – 1.000", "1.000 – 1.250")
    assert [c.index(v) for v in (0, 0.4, 5, 250, 1234.5)] == [0, 0, 1, 2, 5]
    div = Variable("d", "D", "workers", {"a": Band(ones, ones, (-130.0, 40.0), ones)},
                   scheme="BrBG", diverging=True)
    d = classes_for(div)
    assert d.labels[3] == "0" and d.labels[0] == "-150 … -100" and d.labels[-1] == "+100 … +150"
    assert [d.index(v) for v in (-130, -1, 0, 1, 60, 149)] == [0, 2, 3, 4, 5, 6]
    assert len(d.colors) == len(d.labels) == 7


def test_nice_ticks_and_escaped_chart_text() -> None:
    assert nice_ticks(0, 37_000) == [0, 10_000, 20_000, 30_000, 40_000]
    assert nice_ticks(-310, 20) == [-400, -300, -200, -100, 0, 100]
    svg = fan_svg((2020, 2021), [Series("<b>A</b>", Band((1, 2), (0, 1), (1, 2), (2, 3))),
                                 Series("B", Band((1, 2), (0, 1), (1, 2), (2, 3)))],
                  title="</svg><script>", unit="ha")
    assert "<script" not in svg and "&lt;/svg&gt;&lt;script&gt;" in svg
    assert "&lt;b&gt;A&lt;/b&gt;" in svg and svg.count("<path") == 4


def test_slider_map_carries_per_year_data(slider_page: str) -> None:
    clusters = {f["properties"]["id"]: f["properties"] for f in _clusters(slider_page)}
    assert clusters["cl1"]["t"]["vis"] == [0, 0, 1, 1, 1, 1]  # appears in 2027
    assert clusters["cl2"]["t"]["vis"] == [0, 0, 0, 0, 1, 1]
    assert clusters["cl0"]["t"]["fill"][0] < clusters["cl0"]["t"]["fill"][-1]  # fills up
    mean, p10, p90 = clusters["cl2"]["t"]["ind"]["jobs"]
    assert mean[-1] == 3000 and p10[-1] == 2400 and p90[-1] == 3600
    assert "data-k=\"jobs\"" in clusters["cl2"]["popup"] and "ccn-spark" in clusters["cl2"]["popup"]
    assert "Indicators, <span data-ccn-year>2030</span>" in clusters["cl2"]["popup"]
    communes = _communes(slider_page)
    assert set(communes[0]["properties"]["t"]) == {"jobs_reachable", "labour_balance"}
    config = json.loads(CONFIG_BLOCK.search(slider_page).group(1))
    assert config["timeline"]["years"] == list(YEARS) and config["timeline"]["index"] == 5
    assert config["timeline"]["colors"]["fill"][0] == "#ffffff"  # the zero class
    assert config["sep"] == {"thousands": ",", "decimal": "."}


def test_slider_controls_and_legends(slider_page: str) -> None:
    assert re.search(r'<input type="range" id="ccn-year-m1" min="0" max="5" step="1" value="5" '
                     r'aria-valuetext="2030">', slider_page)
    assert slider_page.count('type="radio" name="ccn-ch-m1"') == 3  # none + two choices
    assert re.search(r'value="jobs_reachable" checked', slider_page)
    keys = re.findall(r'<section class="ccn-choropleth-key" data-ccn-choice="(\w+)"( hidden)?>',
                      slider_page)
    assert keys == [("jobs_reachable", ""), ("labour_balance", " hidden")]
    assert "Jobs within commuting reach (workers)" in slider_page
    assert "Cluster occupancy (%), <span data-ccn-year>2030</span>" in slider_page
    assert "a rule fails" in slider_page and "Rule warnings (2)" in slider_page


def test_badges_start_in_their_year(slider_page: str) -> None:
    badges = [f for fc in _data_blocks(slider_page) for f in fc.get("features", [])
              if "severity" in f["properties"]]
    assert [(b["properties"]["id"], b["properties"]["severity"], b["properties"]["start"])
            for b in badges] == [("cl1", "fail", 3), ("cl2", "warn", 0)]
    assert "needs 10–75 ha" in badges[0]["properties"]["tooltip"]


def test_vietnamese_page() -> None:
    html = render_scenario_map(make_map_view(timeline=True, lang="vi"))
    assert '<html lang="vi">' in html
    for phrase in ("Năm hiển thị", "Tô màu xã theo", "Bấm vào một cụm", "Chỉ tiêu năm", "Xã",
                   "Đường giao thông", "Đã phê duyệt", "CCN làng nghề"):
        assert phrase in html, phrase
    assert json.dumps("Cụm công nghiệp (3)") in html  # the layer control's name (folium JSON)
    assert "Indicators," not in html and "Shade communes" not in html


def test_slider_map_escapes_names_and_badges() -> None:
    badge = (BADGES[0].__class__("cl0", "warn", None, (("warn", XSS_NAMES[1]),)),)
    html = render_scenario_map(make_map_view(XSS_NAMES + (TEMPLATE_NAME,), timeline=True,
                                             badges=badge))
    for name in XSS_NAMES:
        assert name not in html
    assert html.lower().count("</script") == html.lower().count("<script")
    assert "{{ 7*7 }}" in html


def test_comparison_with_paired_statistics() -> None:
    html = render_comparison(make_comparison_view(timeline=True))
    assert "Expansion: +3 clusters</span>, P10 to P90" in html
    assert "Expansion: +3 clusters</span> better)" in html and ">88 %<" in html
    assert re.search(r'ccn-range">\+\d[\d,]* – \+\d[\d,]*<', html)
    assert "ClusterSim.linkYears();" in html and 'class="ccn-shared' in html
    assert html.count('class="ccn-footer ccn-legend"') == 2  # legends below the maps


def test_simplified_communes_keep_their_shared_edges() -> None:
    import shapely

    from simulator.geodata import load_layer
    from simulator.map_content import simplified

    communes = load_layer("communes")
    out = simplified(communes, 60.0, coverage=True)
    assert out.crs.to_epsg() == 4326 and len(out) == len(communes)
    geoms = np.asarray(out.to_crs(5897).geometry.values)
    assert shapely.coverage_is_valid(geoms)
    assert shapely.get_num_coordinates(geoms).sum() < shapely.get_num_coordinates(
        np.asarray(communes.geometry.values)).sum()
    area = communes.to_crs(5897).area.sum()
    assert abs(out.to_crs(5897).area.sum() - area) < 0.01 * area


def test_expansion_map_is_well_under_budget() -> None:
    from simulator import map_content
    from simulator.run import run_file

    run = run_file("scenarios/expansion.yaml", draws=20)
    html = render_scenario_map(map_content.map_view(run))
    assert len(html.encode("utf-8")) < 1.5 * 1024 * 1024  # budget 3 MB
    assert _clusters(html)[0]["properties"]["t"]["vis"]  # the slider data is there


def test_comparison_table_shows_a_tie_not_zero_percent_better() -> None:
    """Where the paired Δ is 0 from P10 to P90 (identical scenarios), P(B better) reads "tie"
    (vi "ngang nhau"), not "0 %", which would read as "B is worse"."""
    import dataclasses as dc

    from simulator.maps.comparison_page import indicator_table

    view = make_comparison_view(timeline=True)
    table = view.table.copy()
    table.loc[0, ["diff_expansion", "diff_expansion_p10", "diff_expansion_p50",
                  "diff_expansion_p90", "p_better_expansion"]] = 0.0
    html = indicator_table(dc.replace(view, table=table))
    cells = re.findall(r'<td class="num ccn-pbetter">([^<]*)</td>', html)
    assert cells[0] == "tie" and cells[1] == cells[2] != "tie"  # the others keep their share
    vi = indicator_table(dc.replace(view, table=table, lang="vi"))
    assert "ngang nhau" in vi


def _typed(rows: list[dict]) -> list[list[tuple[str, str, str]]]:
    return [[(k, type(v).__name__, repr(v)) for k, v in r.items()] for r in rows]


def test_records_are_the_rows_pandas_gives() -> None:
    """`features.records` gives `to_dict("records")`'s rows without the geometry, value for
    value and type for type (numbers as Python's, NaN, text with gaps, booleans, times), and
    the same for frames it hands to pandas (Python objects, numpy numbers among them; a
    repeated name) and a frame with nothing but its geometry."""
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    from simulator.maps.features import records

    n = 3
    frame = gpd.GeoDataFrame({
        "id": pd.array(["a", None, "c"], dtype="string"), "x": [1.5, np.nan, -0.0],
        "k": np.arange(n), "big": [True, False, True],
        "when": pd.to_datetime(["2024-01-01", "2025-06-30", None]),
        "geometry": [Point(i, i) for i in range(n)]}, crs="EPSG:4326")
    mixed = frame.assign(o=pd.Series([np.float64(2.5), None, "t"], dtype=object))
    twice = frame.rename(columns={"k": "x"})
    for gdf in (frame, mixed, frame[["geometry"]], frame.drop(columns="when")):
        want = gdf.drop(columns="geometry").to_dict("records")
        assert _typed(records(gdf)) == _typed(want)
    with pytest.warns(UserWarning, match="not unique"):
        want = twice.drop(columns="geometry").to_dict("records")
    with pytest.warns(UserWarning, match="not unique"):
        assert _typed(records(twice)) == _typed(want)
    assert type(records(mixed)[0]["o"]) is float  # numpy's number made Python's, as pandas does
    assert records(frame)[0] == {"id": "a", "x": 1.5, "k": 0, "big": True,
                                 "when": pd.Timestamp("2024-01-01")}


TEXTS = ["", "a", "a\n", "a\n\n", "\nvar m1 = ClusterSim.geoLayer(\"ccn-data-1\", \"roads\");\n",
         "{ a: 1 }", "x } y {", "50% {\n", "# not a comment\n", "Hà Nội 💡\n", "a\tb\n  \n",
         "{{ 7*7 }}", "{% if 1 %}x{% endif %}\n", "{# c #}x", "a\r\nb\r\n", "a\rb"]


@pytest.mark.parametrize("text", TEXTS)
def test_placed_output_renders_as_branca_renders_it(text: str) -> None:
    """A macro's output in the page: what branca's Element (compiling it as a template) gives,
    without compiling unless it holds jinja syntax or a carriage return."""
    from branca.element import Element

    from simulator.maps.elements import Text, placed

    element = placed(text)
    assert element.render() == Element(text).render()
    assert isinstance(element, Text) == (not any(s in text for s in ("{{", "{%", "{#", "\r")))


def test_our_elements_output_is_placed_without_compiling() -> None:
    """Every macro output of the project's elements (maps, layers, controls, blocks) reaches the
    page as a `Text`, folium's own steps (the layers' add-to-map lines) still run."""
    from simulator.maps.elements import Placed, Text, _walk
    from simulator.maps.page import PageBuilder

    builder = PageBuilder("t", body_class="ccn-single")
    builder.add_map(make_map_view())
    builder.script("ClusterSim.ready();")
    ours = {e.get_name() for e in _walk(builder.page) if isinstance(e, Placed)}
    builder.page.render()
    parts = [builder.page.header, builder.page.html, builder.page.script]
    placed = [c for p in parts for n, c in p._children.items() if n in ours]
    assert len(ours) >= 10 and len(placed) >= len(ours)
    assert all(isinstance(c, Text) for c in placed)
    assert any(n.startswith("layer_control") for n in builder.page.script._children)  # folium's
