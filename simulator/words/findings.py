"""The words of the rule checks' findings, in English and Vietnamese, and their rendering.

A finding's message is a key and its parameters (`msg`), rendered per language by `render`:
the template of the key, with each parameter formatted by its spec:

- `{x}` as is (text, years); a parameter `{"key": …, "params": …}` is itself a message, and a
  list of them is joined with ", " (with " + " under `{x:+}`);
- `{x:0}`, `{x:1}`, `{x:2}`: a number with that many decimals, `{x:g}` as many as it needs;
- `{x:q}`: a (P10, P50, P90) triple as "P50 (P10 …, P90 …)", or P50 when they agree; `{x:qy}`
  the same for years (no thousands separator);
- `{x:%}`: a share 0–1 as a percentage.

Numbers follow the language (1,234.5 in English, 1.234,5 in Vietnamese; `maps.formatting`).
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from simulator.maps.formatting import fmt_number

__all__ = ["FINDING_WORDS", "msg", "render", "quantiles"]

Msg = dict[str, Any]

FINDING_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "cluster_size": "{what}; a {kind} cluster needs {low:g}–{high:g} ha{inferred}",
        "cluster_size.area": "{total:g} ha",
        "cluster_size.chain": "{total:g} ha after expansion ({chain:+})",
        "cluster_size.member": "{id} {area:g}",
        "cluster_size.inferred": " (area inferred)",
        "kind.general": "general", "kind.craft_village": "craft-village",
        "services_share": "services take {share:%} of the area (from {source}; cap {cap:%})",
        "source.own": "the scenario", "source.district": "the district's land_use",
        "source.parameters": "parameters.csv defaults", "source.rules": "the rules.yaml default",
        "land_structure": "{shares}, from {source}",
        "land_structure.share": "{use} {share:%} (min {min:%})",
        "use.green": "green", "use.roads": "roads", "use.technical": "technical",
        "no_land_use": "no land-use shares in the scenario",
        "attribute.none": "the scenario gives no `{attr}` (needs a site layout)",
        "attribute.missing": "no `{attr}` given",
        "green_strip": "green_strip_m = {value:g} m (min {min:g} m)",
        "plot_coverage": "plot_coverage = {value:g} (max {max:g})",
        "rice_land": "{total:q} ha of rice land converted {start}–{end} by clusters approved in "
                     "those years (cap {cap:g} ha)",
        "no_farmland": "the results have no farmland conversion",
        "new_cluster_gate": "at approval in {year} the other open clusters are {occ:q} % "
                            "occupied with {unleased:q} ha unleased (needs > {min_occ:g} % or "
                            "≤ {max_unleased:g} ha); {opening}",
        "expansion_occupancy": "{parent} is {occ:q} % occupied at approval in {year} (needs ≥ "
                               "{min_occ:g} %); {opening}",
        "expansion_infrastructure": "{parent} has {built:q} % of its area built at approval in "
                                    "{year} (needs {min_built:g} %); {opening}",
        "opening.never": "the condition never holds within the simulated years",
        "opening.first": "the condition first holds in {year:qy}",
        "opening.partly": "the condition first holds in {year:qy}; never within the simulated "
                          "years in {never:%} of draws",
        "parent_missing": "expands {parent}, which is not in the scenario",
        "approved_before": "approved {year}, before the rule applies ({applies})",
        "approved_outside": "approved {year}, outside the simulated years {start}–{end}",
        "schematic": "{inner} (schematic outline: confirm with a surveyed one)",
        "off": "switched off by the scenario (rules.off)",
        "layers_unavailable": "district layers unavailable ({reason}; technical detail: {error})",
        "layers.missing": "a file or layer is missing",
        "layers.malformed": "a layer lacks a column or is malformed",
        "layers.unreadable": "a file could not be read",
        "layers_not_built": "not built",
        "no_layer": "the district layers have no {layer}",
        "overlap": "overlaps {hits}", "overlap.hit": "{id} by {area:2} ha",
        "overlap.pass": "overlaps no other cluster",
        "inside_district": "{area:1} ha of the outline lies outside the district",
        "inside_district.pass": "inside the district",
        "river": "{area:1} ha of the outline lies on the river or its floodplain",
        "river.pass": "off the river and its floodplain",
        "dike_corridor": "{distance:0} m from the dike centreline; the protection corridor "
                         "reaches {need:0} m ({corridor:g} m from a toe assumed {half:g} m out)",
        "dike_corridor.pass": "outside the dike protection corridor",
        "sanitation_buffer": "{distance:0} m from residential land (approximated around commune "
                             "centres); hazard class {cls} needs {need:0} m",
        "sanitation_buffer.overlaps": "overlaps residential land (approximated around commune "
                                      "centres); hazard class {cls} needs {need:0} m",
        "sanitation_buffer.pass": "clear of the sanitation buffer around residential land",
        "transport_corridor": "within the corridor of {hits}",
        "transport_corridor.hit": "{kind} ({distance:0} m < {need:g} m)",
        "transport_corridor.pass": "clear of expressway, national road and railway corridors",
        "road.expressway": "expressway", "road.national": "national", "road.railway": "railway",
        "layer.district": "district", "layer.river": "river", "layer.dike": "dike",
        "layer.residential": "residential", "layer.transport": "transport",
    },
    "vi": {
        "cluster_size": "{what}; CCN {kind} cần {low:g}–{high:g} ha{inferred}",
        "cluster_size.area": "{total:g} ha",
        "cluster_size.chain": "{total:g} ha sau mở rộng ({chain:+})",
        "cluster_size.member": "{id} {area:g}",
        "cluster_size.inferred": " (diện tích suy ra)",
        "kind.general": "thông thường", "kind.craft_village": "làng nghề",
        "services_share": "đất dịch vụ chiếm {share:%} diện tích (theo {source}; tối đa {cap:%})",
        "source.own": "kịch bản", "source.district": "cơ cấu đất của huyện",
        "source.parameters": "giá trị mặc định trong parameters.csv",
        "source.rules": "giá trị mặc định trong rules.yaml",
        "land_structure": "{shares}, theo {source}",
        "land_structure.share": "{use} {share:%} (tối thiểu {min:%})",
        "use.green": "cây xanh", "use.roads": "giao thông", "use.technical": "hạ tầng kỹ thuật",
        "no_land_use": "kịch bản không có cơ cấu sử dụng đất",
        "attribute.none": "kịch bản không cho `{attr}` (cần quy hoạch chi tiết)",
        "attribute.missing": "không có `{attr}`",
        "green_strip": "dải cây xanh rộng {value:g} m (tối thiểu {min:g} m)",
        "plot_coverage": "mật độ xây dựng {value:g} (tối đa {max:g})",
        "rice_land": "{total:q} ha đất lúa chuyển mục đích {start}–{end} do các cụm được duyệt "
                     "trong những năm đó (ngưỡng {cap:g} ha)",
        "no_farmland": "kết quả không có diện tích đất nông nghiệp chuyển đổi",
        "new_cluster_gate": "khi duyệt năm {year}, các cụm đang hoạt động khác lấp đầy {occ:q} %"
                            ", còn {unleased:q} ha chưa cho thuê (cần > {min_occ:g} % hoặc "
                            "≤ {max_unleased:g} ha); {opening}",
        "expansion_occupancy": "{parent} lấp đầy {occ:q} % khi duyệt năm {year} (cần ≥ "
                               "{min_occ:g} %); {opening}",
        "expansion_infrastructure": "{parent} mới xây {built:q} % diện tích khi duyệt năm {year} "
                                    "(cần {min_built:g} %); {opening}",
        "opening.never": "điều kiện không đạt trong các năm mô phỏng",
        "opening.first": "điều kiện đạt lần đầu năm {year:qy}",
        "opening.partly": "điều kiện đạt lần đầu năm {year:qy}; không đạt trong các năm mô "
                          "phỏng ở {never:%} số lần mô phỏng",
        "parent_missing": "mở rộng {parent}, cụm này không có trong kịch bản",
        "approved_before": "duyệt năm {year}, trước khi quy định có hiệu lực ({applies})",
        "approved_outside": "duyệt năm {year}, ngoài các năm mô phỏng {start}–{end}",
        "schematic": "{inner} (ranh giới theo sơ đồ: cần xác nhận bằng ranh giới đo đạc)",
        "off": "kịch bản đã tắt quy tắc này",
        "layers_unavailable": "không đọc được các lớp bản đồ của huyện ({reason}); chi tiết kỹ "
                              "thuật trong tệp checks.json",
        "layers.missing": "thiếu tệp hoặc lớp dữ liệu",
        "layers.malformed": "một lớp dữ liệu thiếu cột hoặc sai định dạng",
        "layers.unreadable": "không đọc được tệp",
        "layers_not_built": "chưa dựng",
        "no_layer": "các lớp bản đồ của huyện không có lớp {layer}",
        "overlap": "chồng lấn {hits}", "overlap.hit": "{id} {area:2} ha",
        "overlap.pass": "không chồng lấn cụm nào",
        "inside_district": "{area:1} ha của ranh giới nằm ngoài địa giới huyện",
        "inside_district.pass": "nằm trong địa giới huyện",
        "river": "{area:1} ha của ranh giới nằm trên lòng sông hoặc bãi sông",
        "river.pass": "không nằm trên lòng sông, bãi sông",
        "dike_corridor": "cách tim đê {distance:0} m; hành lang bảo vệ đê rộng {need:0} m "
                         "({corridor:g} m tính từ chân đê, giả định cách tim {half:g} m)",
        "dike_corridor.pass": "nằm ngoài hành lang bảo vệ đê",
        "sanitation_buffer": "cách đất ở {distance:0} m (ước tính quanh trung tâm xã); cấp "
                             "độc hại {cls} cần {need:0} m",
        "sanitation_buffer.overlaps": "chồng lên đất ở (ước tính quanh trung tâm xã); cấp "
                                      "độc hại {cls} cần {need:0} m",
        "sanitation_buffer.pass": "ngoài khoảng cách ly vệ sinh quanh khu dân cư",
        "transport_corridor": "nằm trong hành lang {hits}",
        "transport_corridor.hit": "{kind} ({distance:0} m < {need:g} m)",
        "transport_corridor.pass": "ngoài hành lang đường cao tốc, quốc lộ và đường sắt",
        "road.expressway": "đường cao tốc", "road.national": "quốc lộ",
        "road.railway": "đường sắt",
        "layer.district": "địa giới", "layer.river": "sông", "layer.dike": "đê",
        "layer.residential": "khu dân cư", "layer.transport": "giao thông",
    },
}


def msg(key: str, **params: Any) -> Msg:
    """A message: its key in FINDING_WORDS and its parameters."""
    return {"key": key, "params": params}


def quantiles(values: Any) -> list[float]:
    """(P10, P50, P90) of an array of draws, for a `:q` parameter."""
    return [float(v) for v in np.quantile(values, (0.1, 0.5, 0.9))]


def _decimals(value: float) -> int:
    text = f"{value:g}"
    return len(text.split(".")[1]) if "." in text and "e" not in text else 0


class _Formatter(string.Formatter):
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def _q(self, value: Any, year: bool) -> str:
        p10, p50, p90 = value

        def one(v: float) -> str:
            return f"{v:.0f}" if year else fmt_number(v, 0, self.lang)

        close = abs(p90 - p10) <= 1e-8 + 1e-5 * abs(p90)
        return one(p50) if close else f"{one(p50)} (P10 {one(p10)}, P90 {one(p90)})"

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, dict) and "key" in value:
            return render(value, self.lang)
        if isinstance(value, list) and format_spec not in ("q", "qy"):
            sep = " + " if format_spec == "+" else ", "
            return sep.join(self.format_field(v, "") for v in value)
        if format_spec in ("q", "qy"):
            return self._q(value, format_spec == "qy")
        if format_spec == "%":
            return f"{fmt_number(100 * float(value), 0, self.lang)} %"
        if format_spec == "g":
            return fmt_number(value, _decimals(float(value)), self.lang)
        if format_spec.isdigit():
            return fmt_number(value, int(format_spec), self.lang)
        return str(value)


def render(message: Msg, lang: str = "en") -> str:
    """A message in a language (English unless `lang` is "vi")."""
    words = FINDING_WORDS["vi" if lang == "vi" else "en"]
    return _Formatter(lang).vformat(words[message["key"]], (), message.get("params", {}))
