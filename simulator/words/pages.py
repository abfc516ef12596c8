"""The words of the pages, in Vietnamese (default) and English: one dictionary, no library.

`words(lang)` gives the page words; `metric_label`/`unit_label` name the model's metrics and
units. Numbers follow the language too (`formatting.fmt_number(..., lang=)`): 1.234,5 in
Vietnamese, 1,234.5 in English.
"""

from __future__ import annotations

__all__ = ["LANGS", "check_lang", "metric_label", "sector_label", "term", "unit_label", "words"]

LANGS = ("vi", "en")

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        # map: title box, popups, tooltips
        "year": "Year", "scenario": "scenario", "about": "About this map",
        "commune": "Commune", "status": "Status", "kind": "Kind", "declared_area": "Declared area",
        "position": "Position", "approx": "approximate position (schematic)",
        "indicators_in": "Indicators, {year}", "population_2019": "Population 2019",
        "irr_p50": "Developer IRR (median)", "payback_p50": "Payback year (median)",
        "band_note": "median (P10–P90 over draws)", "rule_checks": "Rule checks",
        "fan_title": "{label}, P10–P90 band, median line",
        # map: layers and controls
        "district": "District", "communes": "Communes", "water": "Water", "roads": "Roads",
        "clusters": "Clusters ({n})", "badges": "Rule warnings ({n})",
        "slider": "Year shown", "play": "Play the years", "pause": "Pause",
        "shade_by": "Shade communes by", "shade_none": "Nothing (outlines only)",
        "fullscreen": "Full screen", "minimap": "Overview map",
        # candidate sites (clustersim sites)
        "sites": "Candidate sites ({n})", "site": "Candidate site {rank}",
        "site_rank": "Rank", "site_score": "Suitability score (0–1)", "site_area": "Area",
        "site_shape": "Shape", "interchange_m": "Distance to an expressway interchange",
        "national_road_m": "Distance to a national road",
        "residential_m": "Distance to housing",
        "legend_sites": "candidate site for a new cluster (number = rank)",
        "site_rules": "Spatial rules", "site_rules_all": "passes all {n}",
        "sites_title": "{n} candidate sites for a new {area} ha cluster · {scenario}",
        "sites_pass": "Every candidate site passes each spatial rule of clustersim check: "
                      "{rules}.",
        "sites_rejected": "{n} better-scoring rectangles that were free on the grid failed the "
                          "exact check: {reasons}.",
        # legend
        "legend_status": "Cluster status", "cluster_occupancy": "Cluster occupancy",
        "cluster_delta_jobs": "Δ jobs in the cluster",
        "note_schematic": "Geometry is approximate (schematic): positions from commune "
                          "centroids and name-derived guesses, see geodata/README.md.",
        "legend_roads": "Roads", "legend_water": "Water", "legend_basemap": "Roads and water",
        "other_status": "Other status",
        "dashed": "dashed = planned cluster, approximate position (schematic)",
        "schematic_built": "{n} existing clusters drawn schematically: a square of the true "
                           "area at an approximate position",
        "schematic_small": "ringed: a cluster too small to tap at this zoom",
        # leadership summary (simulator/headline.py)
        "summary": "Summary", "card:jobs": "Jobs in {year}",
        "card:budget_revenue_bn_vnd": "Budget revenue in {year}",
        "card:npv_bn_vnd": "Developer NPV, {year}", "card:public_npv_bn_vnd": "Public NPV, {year}",
        "card:land": "Rice land converted by {year}, counted by the rule",
        "card_npv_ok": "NPV ≥ 0 in {p} of draws",
        "card_rice_cap": "cap {cap} ha: kept in {p} of draws",
        "card_rice_note": "The rule counts clusters approved from {base} on. With every cluster "
                          "(conversions before {base} included): {all} ha of rice land, {farm} ha "
                          "of farmland.",
        "card:rules": "Rules failing", "card_rules_unit": "rules",
        "card_rules_band": "{warn} warning · {na} could not be evaluated",
        "card:targets": "Targets likely met", "card_targets_unit": "with P ≥ 50 %",
        "card_targets_band": "least likely: {p}",
        "verdict": "About {jobs} jobs in {year} ({band}); the developer's NPV is ≥ 0 in {dev} of "
                   "draws and the public NPV in {pub}; {rules}.",
        "verdict_rules_fail": "{n} rule(s) fail", "verdict_rules_ok": "no rule fails",
        "direction:1": "higher", "direction:-1": "lower", "direction:0": "not ranked",
        "winner:a": "{a} better", "winner:b": "{b} better", "winner:tie": "tie",
        "winner:none": "not ranked", "card_p_better": "P({b} better) {p}",
        "cmp_verdict": "Against {a}, {b} has {jobs} jobs in {year} (P10–P90 {jobs_band}), a "
                       "developer NPV {npv} bn VND and {farm} ha of farmland converted; it is "
                       "better on {better} of {n} headline figures, worse on {worse}, tied on "
                       "{ties} (medians of the draw-by-draw differences).",
        "verdict_table": "Which scenario is better", "better_when": "Better when",
        "how_sure": "How sure (share of draws)", "verdict_col": "Verdict",
        "median_of": "{b}, median", "median_word": "median", "verdict_note": "Medians over the draws; Δ is paired draw by "
                                                   "draw. A tie: the scenarios differ by less "
                                                   "than 0.5 %.",
        "home": "Back to the whole district", "north": "N", "north_label": "North",
        "panel": "Legend and layers", "zoom_in": "Zoom in", "zoom_out": "Zoom out",
        "layers": "Layers", "leaflet_title": "A JavaScript library for interactive maps",
        "badge_fail": "a rule fails", "badge_warn": "a rule warns",
        "not_built": "clusters appear in the year their land is approved",
        "units_note": "Declared area in ha; click a cluster for its {year} indicators (units "
                      "shown).",
        "units_note_timeline": "Click a cluster for its indicators in the year shown: median and "
                               "P10–P90 over the draws.",
        # comparison
        "comparison": "Scenario comparison", "vs": "vs", "difference": "Difference {b} − {a}",
        "difference_note": "Paired over the same draws (common random numbers): colours show the "
                           "mean of B − A; tooltips and popups add P10–P90.",
        "fan_jobs_title": "District jobs by scenario (P10–P90 band, median line)",
        "table_caption": "Indicators by scenario. Differences (Δ) are relative to the first "
                         "scenario, {first} ({first_id}): positive values are higher than in "
                         "the first scenario.",
        "indicator": "Indicator", "unit": "Unit", "range": "P10 to P90", "p_better": "P(better)",
        "p_better_of": "P({b} better)", "delta_of": "Δ {b}", "range_of": "Δ {b}, P10 to P90",
        # report
        "report": "Scenario report", "purpose": "Purpose", "provenance": "Provenance",
        "version": "Tool version", "seed": "Seed", "draws": "Draws", "sha256": "Scenario sha256",
        "files": "Scenario files", "years": "Years simulated", "takeup": "Take-up model",
        "contents": "Contents", "key_indicators": "District indicators at milestone years",
        "key_note": "Each cell: the median, with the P10–P90 range over the draws below it.",
        "charts": "District trajectories", "developer": "Developer returns",
        "sha256_short": "scenario sha256", "run_at": "run",
        "static_map": "The clusters in {year}", "clusters_hit": "Clusters", "not_evaluated": "Checks that could not be evaluated ({n}), "
                                                     "and why",
        "irr": "IRR", "payback": "Payback year (median of every draw)",
        "pays_back": "Pays back by the horizon (share of draws)",
        "irr_share": "Draws with an IRR",
        "no_investment": "No investment in the simulated years (built before the base year): "
                         "no IRR or payback to show.",
        "developer_note": "IRR: median, below it P10–P90, over the draws that have one. The payback "
                          "year is the median over every draw, shown only when at least half of "
                          "the draws pay back.",
        "share_of_draws": "Share of draws with a value",
        "district_total": "District (all clusters)", "cluster": "Cluster",
        "checks": "Rule checks", "checks_counts": "{fail} fail, {warn} warn, {off} switched off, "
                                                  "{na} not checkable, {pass_} pass",
        "severity": "Result", "rule": "Rule", "citation": "Legal basis", "p_fail": "P(fail)",
        "citations": "Legal basis of these rules",
        "finding": "What was found", "fix": "How to fix", "no_problems": "No rule fails or warns.",
        # report: who gains, break-even, calibration (docs/model.md §6, docs/calibration.md)
        "who_gains": "Who gains", "party": "Party",
        "who_gains_note": "Each party's NPV since the base year, at the horizon (bn VND, discounted "
                          "at the run's rate): median, the P10–P90 range below it, and the "
                          "probability that the party gains. Money paid before the base year is "
                          "sunk: for clusters cleared before it, the households show only the "
                          "farm income they still lose.",
        "party:developer": "Developer", "party:public": "Public budget",
        "party:central": "of which central", "party:city": "of which city (Hà Nội)",
        "party:households": "Farm households", "party:workers": "Workers",
        "p_gain": "P(gain)", "gains_sentence": "{name}: gain — {gainers}; lose — {losers}.",
        "nobody": "nobody", "and": ", ",
        "gains_sentences": "In one sentence per cluster (probabilities over the draws):",
        "breakeven": "Break-even lease price",
        "breakeven_note": "The base-year lease price (one payment for the lease term) at which the "
                          "developer's NPV at the horizon is zero, per draw, the simulated take-up "
                          "held fixed (so the NPV is linear in the price and the price exact). "
                          "bn VND per leased ha; USD/m² at 25,000 VND/USD (1 USD/m² = 0.25 bn/ha). "
                          "No cluster's price list was found: the assumed price lies between the "
                          "one cluster listing and the Northern parks' average (docs/calibration.md "
                          "§1), and Hà Nội's own parks let land at 129–235 USD/m² (below).",
        "assumed_price": "Assumed price (mean)", "breakeven_p50": "Break-even, median",
        "p10_p90": "P10–P90", "usd_m2": "USD/m²", "p_profit": "P(developer NPV > 0)",
        "benchmarks": "Market benchmarks (sourced)", "what": "What", "value_bn_ha": "bn VND/ha",
        "district_uniform": "District: one price for every cluster",
        "price_response": "How take-up responds to the price (competitive take-up)",
        "price_response_note": "Each proposed cluster in turn is re-run with its lease price fixed "
                               "at its median break-even price, every other cluster unchanged, "
                               "the same draws. Leased ha-years add up the leased area over the "
                               "simulated years: the pace of take-up. The last column is, draw by "
                               "draw, how much more the other clusters lease: while the district's "
                               "demand is the limit, what one cluster loses at a higher price the "
                               "others gain.",
        "ha_years_default": "Leased ha-years at the assumed price",
        "ha_years_at_be": "Leased ha-years at break-even",
        "npv_at_be": "Developer NPV at break-even (take-up responding)",
        "moved_to_others": "Leased ha-years moved to the other clusters",
        "no_price_response": "Not computed: take-up does not depend on the price here "
                             "(independent take-up), no proposed cluster leases land, or there "
                             "are more than 40 proposed clusters (each needs a re-run of the "
                             "take-up over every cluster).",
        "calibration": "Calibration: published figures against the model",
        "calibration_note": "Each published figure beside the model's P10–P50–P90 for the same "
                            "quantity, flagged when it falls outside P10–P90. Per-cluster "
                            "quantities pool the clusters whose investment lies inside the "
                            "simulated years; back-test rows compare one cluster with its own "
                            "establishment decision. Sources: docs/calibration.md.",
        "quantity": "Quantity", "published": "Published", "model_band": "Model P10 – P50 – P90",
        "outside_band": "outside", "inside_band": "inside",
        "q:budget_per_gross_ha": "Budget revenue per gross ha of open clusters, base year",
        "q:jobs": "Cluster jobs, base year", "q:firms": "Firms and households, base year",
        "q:wage_per_worker": "Wage per worker, base year",
        "q:total_investment_per_gross_ha": "Total investment per gross ha (clearance included)",
        "q:clearance_per_farmland_ha": "Compensation and support per ha of farmland",
        "q:lease_price": "Lease price per leased ha (assumed)",
        "gates": "Approval gates (Decree 32/2024)", "planned": "Planned approval",
        "on_time": "P(on time)", "never": "P(never within horizon)",
        "delay": "Delay, years (P10–P90)", "no_gates": "No cluster is subject to a gate.",
        "targets": "Targets", "target": "Target", "probability": "Probability of meeting it",
        "no_targets": "The scenario sets no targets.",
        "sensitivity": "What drives the uncertainty", "no_sensitivity": "No sensitivity analysis "
        "was passed to this report (run {command}).",
        "assumptions": "Assumptions and sources", "key": "Parameter", "value": "Value or "
        "distribution", "source": "Source", "assumption": "assumption",
        "assumption_note": "{n} of {total} parameter values are assumptions (marked), not "
                           "sourced figures.",
        "phase_params": "Phase timing and size ({n} parameters)",
        "notes": "Notes and warnings",
        "fail": "fail", "warn": "warn", "pass": "pass", "off": "off", "n/a": "n/a",
        "fixed": "fixed",
    },
    "vi": {
        "year": "Năm", "scenario": "kịch bản", "about": "Về bản đồ này",
        "commune": "Xã", "status": "Tình trạng", "kind": "Loại", "declared_area": "Diện tích "
        "công bố", "position": "Vị trí", "approx": "vị trí gần đúng (sơ đồ)",
        "indicators_in": "Chỉ tiêu năm {year}", "population_2019": "Dân số 2019",
        "irr_p50": "IRR chủ đầu tư (trung vị)", "payback_p50": "Năm hoàn vốn (trung vị)",
        "band_note": "trung vị (P10–P90 theo các lần mô phỏng)", "rule_checks": "Kiểm tra "
        "quy định", "fan_title": "{label}, dải P10–P90, đường trung vị",
        "district": "Huyện", "communes": "Xã", "water": "Mặt nước", "roads": "Đường giao thông",
        "clusters": "Cụm công nghiệp ({n})", "badges": "Cảnh báo quy định ({n})",
        "slider": "Năm hiển thị", "play": "Chạy qua các năm", "pause": "Tạm dừng",
        "shade_by": "Tô màu xã theo", "shade_none": "Không tô (chỉ ranh giới)",
        "fullscreen": "Toàn màn hình", "minimap": "Bản đồ tổng quan",
        "sites": "Vị trí đề xuất ({n})", "site": "Vị trí đề xuất số {rank}",
        "site_rank": "Thứ hạng", "site_score": "Điểm phù hợp (0–1)", "site_area": "Diện tích",
        "site_shape": "Hình dạng", "interchange_m": "Khoảng cách đến nút giao cao tốc",
        "national_road_m": "Khoảng cách đến quốc lộ",
        "residential_m": "Khoảng cách đến khu dân cư",
        "legend_sites": "vị trí đề xuất cho cụm mới (số = thứ hạng)",
        "site_rules": "Quy tắc không gian", "site_rules_all": "đạt cả {n} quy tắc",
        "sites_title": "{n} vị trí đề xuất cho một cụm mới {area} ha · {scenario}",
        "sites_pass": "Mọi vị trí đề xuất đều đạt từng quy tắc không gian của clustersim "
                      "check: {rules}.",
        "sites_rejected": "{n} hình chữ nhật có điểm cao hơn, còn trống trên lưới, không đạt "
                          "khi kiểm tra chính xác: {reasons}.",
        "legend_status": "Tình trạng cụm", "cluster_occupancy": "Tỷ lệ lấp đầy của cụm",
        "cluster_delta_jobs": "Δ việc làm tại cụm",
        "note_schematic": "Hình học gần đúng (sơ đồ): vị trí lấy theo tâm xã và suy đoán từ "
                          "tên cụm, xem geodata/README.md.",
        "legend_roads": "Đường giao thông", "legend_water": "Mặt nước",
        "legend_basemap": "Đường giao thông và mặt nước",
        "other_status": "Tình trạng khác",
        "dashed": "viền đứt = cụm quy hoạch, vị trí gần đúng (sơ đồ)",
        "schematic_built": "{n} cụm hiện có vẽ theo sơ đồ: hình vuông đúng diện tích, vị trí "
                           "gần đúng",
        "schematic_small": "vòng tròn: cụm quá nhỏ để bấm ở mức thu phóng này",
        "summary": "Tóm tắt", "card:jobs": "Việc làm năm {year}",
        "card:budget_revenue_bn_vnd": "Thu ngân sách năm {year}",
        "card:npv_bn_vnd": "NPV chủ đầu tư, {year}", "card:public_npv_bn_vnd": "NPV ngân sách, {year}",
        "card:land": "Đất lúa chuyển đổi đến {year}, theo cách tính của quy tắc",
        "card_npv_ok": "NPV ≥ 0 trong {p} số lần mô phỏng",
        "card_rice_cap": "ngưỡng {cap} ha: không vượt trong {p} số lần mô phỏng",
        "card_rice_note": "Quy tắc chỉ tính các cụm được duyệt từ năm {base}. Tính mọi cụm (cả "
                          "phần chuyển đổi trước {base}): {all} ha đất lúa, {farm} ha đất nông "
                          "nghiệp.",
        "card:rules": "Quy tắc không đạt", "card_rules_unit": "quy tắc",
        "card_rules_band": "{warn} cảnh báo · {na} chưa xét được",
        "card:targets": "Mục tiêu nhiều khả năng đạt", "card_targets_unit": "với xác suất ≥ 50 %",
        "card_targets_band": "thấp nhất: {p}",
        "verdict": "Khoảng {jobs} việc làm năm {year} ({band}); NPV của chủ đầu tư ≥ 0 trong {dev} "
                   "số lần mô phỏng, NPV ngân sách ≥ 0 trong {pub}; {rules}.",
        "verdict_rules_fail": "{n} quy tắc không đạt",
        "verdict_rules_ok": "không quy tắc nào bị vi phạm",
        "direction:1": "cao hơn", "direction:-1": "thấp hơn", "direction:0": "không xếp hạng",
        "winner:a": "{a} tốt hơn", "winner:b": "{b} tốt hơn", "winner:tie": "ngang nhau",
        "winner:none": "không xếp hạng", "card_p_better": "P({b} tốt hơn) {p}",
        "cmp_verdict": "So với {a}, {b} có {jobs} việc làm năm {year} (P10–P90 {jobs_band}), NPV "
                       "chủ đầu tư {npv} tỷ đồng, đất nông nghiệp chuyển đổi {farm} ha; tốt hơn "
                       "ở {better}/{n} chỉ tiêu chính, kém hơn ở {worse}, ngang nhau ở {ties} "
                       "(trung vị của chênh lệch theo từng lần mô phỏng).",
        "verdict_table": "Phương án nào tốt hơn", "better_when": "Tốt hơn khi",
        "how_sure": "Mức chắc chắn (tỷ lệ lần mô phỏng)", "verdict_col": "Kết luận",
        "median_of": "{b}, trung vị", "median_word": "trung vị", "verdict_note": "Trung vị theo các lần mô phỏng; Δ tính "
                                                     "theo từng cặp lần mô phỏng. Ngang nhau: "
                                                     "chênh lệch dưới 0,5 %.",
        "home": "Về toàn huyện", "north": "B", "north_label": "Hướng bắc",
        "panel": "Chú giải, lớp", "zoom_in": "Phóng to", "zoom_out": "Thu nhỏ",
        "layers": "Lớp bản đồ", "leaflet_title": "Thư viện JavaScript cho bản đồ tương tác",
        "badge_fail": "vi phạm quy định", "badge_warn": "cảnh báo quy định",
        "not_built": "cụm hiện ra từ năm đất được phê duyệt",
        "units_note": "Diện tích công bố tính bằng ha; bấm vào một cụm để xem chỉ tiêu năm "
                      "{year} (có đơn vị).",
        "units_note_timeline": "Bấm vào một cụm để xem chỉ tiêu của năm đang hiển thị: trung "
                               "vị và P10–P90 theo các lần mô phỏng.",
        "comparison": "So sánh kịch bản", "vs": "và", "difference": "Chênh lệch {b} − {a}",
        "difference_note": "So sánh từng cặp trên cùng các lần mô phỏng: màu là trung bình của "
                           "B − A; chú thích và cửa sổ thông tin có thêm P10–P90.",
        "fan_jobs_title": "Việc làm toàn huyện theo kịch bản (dải P10–P90, đường trung vị)",
        "table_caption": "Chỉ tiêu theo kịch bản. Chênh lệch (Δ) so với kịch bản đầu tiên, "
                         "{first} ({first_id}): số dương là cao hơn kịch bản đầu tiên.",
        "indicator": "Chỉ tiêu", "unit": "Đơn vị", "range": "P10 đến P90",
        "p_better": "P(tốt hơn)", "p_better_of": "P({b} tốt hơn)", "delta_of": "Δ {b}",
        "range_of": "Δ {b}, P10 đến P90",
        "report": "Báo cáo kịch bản", "purpose": "Mục đích", "provenance": "Nguồn gốc kết quả",
        "version": "Phiên bản công cụ", "seed": "Hạt giống ngẫu nhiên", "draws": "Số lần mô "
        "phỏng", "sha256": "sha256 của kịch bản", "files": "Tệp kịch bản",
        "years": "Các năm mô phỏng", "takeup": "Mô hình lấp đầy", "contents": "Nội dung",
        "key_indicators": "Chỉ tiêu toàn huyện ở các năm mốc",
        "key_note": "Mỗi ô: trung vị, bên dưới là khoảng P10–P90 theo các lần mô phỏng.",
        "charts": "Diễn biến toàn huyện", "developer": "Hiệu quả của chủ đầu tư",
        "sha256_short": "sha256 kịch bản", "run_at": "chạy lúc",
        "static_map": "Các cụm năm {year}", "clusters_hit": "Các cụm", "not_evaluated": "Các kiểm tra chưa xét được ({n}) và lý do",
        "irr": "IRR", "payback": "Năm hoàn vốn (trung vị của mọi lần mô phỏng)",
        "pays_back": "Hoàn vốn trong kỳ (tỷ lệ lần mô phỏng)",
        "irr_share": "Lần mô phỏng có IRR",
        "no_investment": "Không có vốn đầu tư trong các năm mô phỏng (đã xây trước năm gốc): "
                         "không có IRR hay năm hoàn vốn để ghi.",
        "developer_note": "IRR: trung vị, bên dưới là P10–P90, trên các lần mô phỏng có IRR. Năm "
                          "hoàn vốn là trung vị của mọi lần mô phỏng, chỉ ghi khi ít nhất một "
                          "nửa số lần mô phỏng hoàn vốn.",
        "share_of_draws": "Tỷ lệ lần mô phỏng có giá trị",
        "district_total": "Toàn huyện (mọi cụm)", "cluster": "Cụm",
        "checks": "Kiểm tra quy định", "checks_counts": "{fail} không đạt, {warn} cảnh báo, "
        "{off} đã tắt, {na} chưa xét được, {pass_} đạt",
        "severity": "Kết quả", "rule": "Quy tắc", "citation": "Căn cứ pháp lý",
        "citations": "Căn cứ pháp lý của các quy tắc trên",
        "p_fail": "P(vi phạm)", "finding": "Kết quả kiểm tra", "fix": "Cách xử lý",
        "no_problems": "Không có quy tắc nào vi phạm hoặc cảnh báo.",
        "who_gains": "Ai được, ai mất", "party": "Bên liên quan",
        "who_gains_note": "NPV của mỗi bên từ năm gốc đến năm cuối (tỷ đồng, chiết khấu theo lãi "
                          "suất của kịch bản): trung vị, bên dưới là khoảng P10–P90, và xác suất "
                          "bên đó được lợi. Khoản chi trước năm gốc không tính: với các cụm đã "
                          "GPMB trước đó, hộ nông dân chỉ còn phần thu nhập nông nghiệp bị mất.",
        "party:developer": "Chủ đầu tư hạ tầng", "party:public": "Ngân sách nhà nước",
        "party:central": "trong đó trung ương", "party:city": "trong đó thành phố (Hà Nội)",
        "party:households": "Hộ nông dân", "party:workers": "Người lao động",
        "p_gain": "P(được lợi)", "gains_sentence": "{name}: được lợi — {gainers}; bị thiệt — {losers}.",
        "nobody": "không bên nào", "and": ", ",
        "gains_sentences": "Mỗi cụm một câu (xác suất theo các lần mô phỏng):",
        "breakeven": "Giá thuê hòa vốn",
        "breakeven_note": "Giá thuê đất năm gốc (trả một lần cho cả thời hạn thuê) làm NPV của chủ "
                          "đầu tư đến năm cuối bằng 0, tính cho từng lần mô phỏng với diện tích "
                          "cho thuê giữ nguyên như đã mô phỏng (NPV tuyến tính theo giá nên giá "
                          "hòa vốn là chính xác). Tỷ đồng/ha cho thuê; USD/m² theo 25.000 đồng/USD "
                          "(1 USD/m² = 0,25 tỷ đồng/ha). Chưa tìm được bảng giá thuê của CCN nào: "
                          "giá giả định nằm giữa giá chào thuê duy nhất của một CCN và giá bình quân "
                          "của các KCN miền Bắc (docs/calibration.md §1), còn các KCN của Hà Nội "
                          "cho thuê ở mức 129–235 USD/m² (bảng dưới).",
        "assumed_price": "Giá giả định (TB)", "breakeven_p50": "Giá hòa vốn, trung vị",
        "p10_p90": "khoảng P10–P90", "usd_m2": "USD mỗi m²", "p_profit": "P(NPV chủ đầu tư > 0)",
        "benchmarks": "Mốc giá thị trường (có nguồn)", "what": "Nội dung", "value_bn_ha": "tỷ đồng/ha",
        "district_uniform": "Toàn huyện: một giá chung cho mọi cụm",
        "price_response": "Diện tích thuê phản ứng với giá (lấp đầy cạnh tranh)",
        "price_response_note": "Lần lượt từng cụm đề xuất được chạy lại với giá thuê cố định bằng "
                               "giá hòa vốn trung vị của nó, các cụm khác giữ nguyên, cùng các lần "
                               "mô phỏng. Ha-năm cho thuê cộng diện tích đã cho thuê qua các năm: "
                               "tốc độ lấp đầy. Cột cuối là phần các cụm khác thuê thêm, theo từng "
                               "lần mô phỏng: khi nhu cầu toàn huyện là giới hạn, phần một cụm mất "
                               "vì giá cao hơn sẽ chuyển sang các cụm khác.",
        "ha_years_default": "Ha-năm cho thuê với giá giả định",
        "ha_years_at_be": "Ha-năm cho thuê với giá hòa vốn",
        "npv_at_be": "NPV chủ đầu tư ở giá hòa vốn (nhu cầu phản ứng)",
        "moved_to_others": "Ha-năm cho thuê chuyển sang các cụm khác",
        "no_price_response": "Không tính: diện tích thuê không phụ thuộc giá ở đây (lấp đầy độc "
                             "lập), không cụm đề xuất nào cho thuê đất, hoặc có hơn 40 cụm đề "
                             "xuất (mỗi cụm cần chạy lại phần lấp đầy của mọi cụm).",
        "calibration": "Hiệu chỉnh: số liệu công bố so với mô hình",
        "calibration_note": "Mỗi số liệu công bố đặt cạnh P10–P50–P90 của mô hình cho cùng đại "
                            "lượng; đánh dấu khi nằm ngoài P10–P90. Đại lượng theo cụm gộp các cụm "
                            "có vốn đầu tư trong các năm mô phỏng; dòng kiểm chứng so một cụm với "
                            "quyết định thành lập của nó. Nguồn: docs/calibration.md.",
        "quantity": "Đại lượng", "published": "Công bố", "model_band": "Mô hình P10 – P50 – P90",
        "outside_band": "ngoài khoảng", "inside_band": "trong khoảng",
        "q:budget_per_gross_ha": "Thu ngân sách trên mỗi ha cụm đang hoạt động, năm gốc",
        "q:jobs": "Việc làm trong các cụm, năm gốc", "q:firms": "Doanh nghiệp, hộ sản xuất, năm gốc",
        "q:wage_per_worker": "Tiền lương mỗi lao động, năm gốc",
        "q:total_investment_per_gross_ha": "Tổng mức đầu tư mỗi ha (gồm bồi thường GPMB)",
        "q:clearance_per_farmland_ha": "Bồi thường, hỗ trợ mỗi ha đất nông nghiệp",
        "q:lease_price": "Giá thuê mỗi ha cho thuê (giả định)",
        "gates": "Điều kiện thành lập, mở rộng (NĐ 32/2024)", "planned": "Năm dự kiến phê duyệt",
        "on_time": "P(đúng hạn)", "never": "P(không đạt trong kỳ)",
        "delay": "Chậm, năm (P10–P90)", "no_gates": "Không cụm nào phải qua điều kiện này.",
        "targets": "Mục tiêu", "target": "Mục tiêu", "probability": "Xác suất đạt",
        "no_targets": "Kịch bản không đặt mục tiêu.",
        "sensitivity": "Yếu tố quyết định độ bất định", "no_sensitivity": "Báo cáo này không "
        "kèm phân tích độ nhạy (chạy {command}).",
        "assumptions": "Giả định và nguồn số liệu", "key": "Tham số", "value": "Giá trị hoặc "
        "phân phối", "source": "Nguồn", "assumption": "giả định",
        "assumption_note": "{n} trong {total} giá trị tham số là giả định (có đánh dấu), không "
                           "phải số liệu có nguồn.",
        "phase_params": "Tiến độ và quy mô các giai đoạn ({n} tham số)",
        "notes": "Ghi chú và cảnh báo",
        "fail": "không đạt", "warn": "cảnh báo", "pass": "đạt", "off": "đã tắt",
        "n/a": "chưa xét", "fixed": "cố định",
    },
}

_STATUS = {
    "en": {"operating": "Operating", "under_construction": "Under construction",
           "approved": "Approved", "proposed": "Proposed"},
    "vi": {"operating": "Đang hoạt động", "under_construction": "Đang xây dựng",
           "approved": "Đã phê duyệt", "proposed": "Đề xuất"},
}
_KIND = {
    "en": {"craft_village": "Craft-village cluster", "general": "General cluster"},
    "vi": {"craft_village": "CCN làng nghề", "general": "CCN đa ngành"},
}
_SHAPES = {  # candidate-site shapes (simulator/sites.py)
    "en": {"square": "Square", "2:1 east-west": "2:1 east–west",
           "2:1 north-south": "2:1 north–south"},
    "vi": {"square": "Hình vuông", "2:1 east-west": "Chữ nhật 2:1 đông–tây",
           "2:1 north-south": "Chữ nhật 2:1 bắc–nam"},
}
_FEATURES = {  # road and water kinds
    "en": {"expressway": "Expressway", "national": "National road", "ring": "Ring road",
           "provincial": "Provincial road", "railway": "Railway", "road": "Other road",
           "river": "River", "lake": "Lake / pond", "floodplain": "Floodplain",
           "river_centerline": "River centre line", "canal": "Canal", "dike": "Dike",
           "water": "Water"},
    "vi": {"expressway": "Đường cao tốc", "national": "Quốc lộ", "ring": "Đường vành đai",
           "provincial": "Đường tỉnh", "railway": "Đường sắt", "road": "Đường khác",
           "river": "Sông", "lake": "Hồ, ao", "floodplain": "Bãi sông",
           "river_centerline": "Tim sông", "canal": "Kênh", "dike": "Đê", "water": "Mặt nước"},
}
_METRICS = {  # metric → (en, vi)
    "gross_area_ha": ("Approved land (gross)", "Đất được duyệt (tổng)"),
    "leasable_area_ha": ("Leasable area", "Đất công nghiệp cho thuê được"),
    "leased_area_ha": ("Leased area", "Diện tích đã cho thuê"),
    "occupancy_pct": ("Occupancy", "Tỷ lệ lấp đầy"),
    "farmland_converted_ha": ("Farmland converted", "Đất nông nghiệp chuyển đổi"),
    "rice_land_converted_ha": ("Rice land converted", "Đất lúa chuyển đổi"),
    "jobs": ("Jobs", "Việc làm"),
    "firms": ("Firms", "Doanh nghiệp, hộ sản xuất"),
    "in_commuters": ("Workers from outside the district", "Lao động từ ngoài huyện"),
    "firm_revenue_bn_vnd": ("Firm revenue", "Doanh thu doanh nghiệp"),
    "wages_bn_vnd": ("Wages", "Tiền lương"),
    "budget_revenue_bn_vnd": ("Budget revenue", "Thu ngân sách"),
    "capex_bn_vnd": ("Infrastructure investment", "Vốn đầu tư hạ tầng"),
    "clearance_cost_bn_vnd": ("Land clearance cost", "Chi phí bồi thường, GPMB"),
    "opex_bn_vnd": ("Operating cost", "Chi phí vận hành"),
    "land_lease_revenue_bn_vnd": ("Developer lease revenue", "Thu cho thuê đất của chủ đầu tư"),
    "net_cash_bn_vnd": ("Developer net cash flow", "Dòng tiền ròng của chủ đầu tư"),
    "cumulative_net_cash_bn_vnd": ("Developer cumulative cash", "Dòng tiền lũy kế của chủ đầu tư"),
    "npv_bn_vnd": ("Developer NPV", "NPV của chủ đầu tư"),
    "public_net_cash_bn_vnd": ("Public net cash flow", "Dòng tiền ròng ngân sách"),
    "public_npv_bn_vnd": ("Public NPV", "NPV ngân sách"),
    "central_npv_bn_vnd": ("Central budget NPV", "NPV ngân sách trung ương"),
    "city_npv_bn_vnd": ("City budget NPV", "NPV ngân sách thành phố"),
    "farm_income_lost_bn_vnd": ("Farm income lost", "Thu nhập nông nghiệp bị mất"),
    "households_npv_bn_vnd": ("Farm households' NPV", "NPV của hộ nông dân"),
    "workers_npv_bn_vnd": ("Workers' NPV (over the farm alternative)", "NPV của người lao động (so với làm nông)"),
    "recovery_cost_npv_bn_vnd": ("Cost lease sales must recover (NPV)", "Chi phí cần thu hồi qua cho thuê đất (NPV)"),
    "leased_ha_npv": ("Land sold, discounted", "Diện tích cho thuê, chiết khấu"),
    "unmet_demand_ha": ("Unmet land demand", "Nhu cầu thuê đất chưa đáp ứng"),
    "workers_in_commuting": ("Workers commuting in", "Lao động từ nơi khác đến"),
    "worker_housing_demand": ("Workers needing housing", "Công nhân cần nhà ở"),
    "labour_available": ("Labour available", "Lao động sẵn có"),
    "workers_supplied": ("Residents working in clusters", "Người dân làm việc tại các cụm"),
    "jobs_reachable": ("Jobs within commuting reach", "Việc làm trong tầm đi lại"),
    "labour_balance": ("Spare labour", "Lao động còn dư"),
    "farmland_in_commune": ("Farmland converted for clusters in the commune",
                            "Đất nông nghiệp chuyển đổi cho cụm trong xã"),
}
_UNITS = {
    "ha": "ha", "%": "%", "workers": "lao động", "firms": "doanh nghiệp",
    "bn VND/yr": "tỷ đồng/năm", "bn VND": "tỷ đồng", "ha/yr": "ha/năm", "year": "năm",
    # parameters.csv units (the report's assumption table)
    "-": "-", "years": "năm", "km": "km", "per km": "trên 1 km", "per year": "mỗi năm",
    "per year (real)": "mỗi năm (giá thực)",
    "bn VND per gross ha": "tỷ đồng/ha tổng",
    "bn VND per gross ha per year": "tỷ đồng/ha tổng/năm",
    "bn VND per ha of farmland": "tỷ đồng/ha đất nông nghiệp",
    "bn VND per leased ha (one-off)": "tỷ đồng/ha cho thuê (một lần)",
    "bn VND per leased ha per year": "tỷ đồng/ha cho thuê/năm",
    "bn VND per worker per year": "tỷ đồng/lao động/năm",
    "firms or households per leased ha": "doanh nghiệp, hộ/ha cho thuê",
    "firms per leased ha": "doanh nghiệp/ha cho thuê",
    "leasable ha per year": "ha cho thuê được mỗi năm",
    "workers per leased ha": "lao động/ha cho thuê",
    "share of capex": "tỷ lệ vốn đầu tư", "share of farmland": "tỷ lệ đất nông nghiệp",
    "share of firm revenue": "tỷ lệ doanh thu", "share of gross area": "tỷ lệ diện tích tổng",
    "share of in-commuters": "tỷ lệ lao động từ nơi khác",
    "share of labour force": "tỷ lệ lực lượng lao động",
    "share of leasable area": "tỷ lệ diện tích cho thuê được",
    "share of leased area": "tỷ lệ diện tích đã thuê", "share of population": "tỷ lệ dân số",
    "share of working age": "tỷ lệ người trong tuổi lao động",
    "share of cluster area": "tỷ lệ diện tích cụm", "share of taxes": "tỷ lệ tiền thuế",
    "bn VND per ha of farmland per year": "tỷ đồng/ha đất nông nghiệp/năm",
}
_SECTORS = {  # the sectors of parameters.csv: (en, vi)
    "craft": ("craft villages", "làng nghề"),
    "light_manufacturing": ("light manufacturing", "công nghiệp nhẹ"),
    "mechanical": ("mechanical engineering", "cơ khí"),
    "pharmaceutical": ("pharmaceuticals", "dược phẩm"),
    "logistics": ("logistics", "kho vận"),
}
_TERMS = {  # model words a report shows: (en, vi)
    "competitive": ("competitive", "cạnh tranh"), "independent": ("independent", "độc lập"),
    "fixed": ("fixed", "cố định"), "uniform": ("uniform", "đều"),
    "triangular": ("triangular", "tam giác"), "pert": ("PERT", "PERT"),
    "normal": ("normal", "chuẩn"), "lognormal": ("lognormal", "loga chuẩn"),
    "low": ("low", "thấp"), "mode": ("mode", "yếu vị"), "high": ("high", "cao"),
    "mean": ("mean", "trung bình"), "sd": ("sd", "độ lệch chuẩn"),
    "median": ("median", "trung vị"), "sigma": ("sigma", "sigma"), "value": ("value", "giá trị"),
    "min": ("min", "nhỏ nhất"), "max": ("max", "lớn nhất"),
}


def term(word: str, lang: str) -> str:
    """A model word (take-up model, distribution and its parameters) in the language."""
    pair = _TERMS.get(word)
    return word if pair is None else pair[1 if check_lang(lang) == "vi" else 0]


def check_lang(lang: str) -> str:
    """`lang` itself, or ValueError naming the languages there are."""
    if lang not in LANGS:
        raise ValueError(f"lang: expected one of {', '.join(LANGS)}; found {lang!r}")
    return lang


def words(lang: str) -> dict[str, str]:
    """The page words of a language, plus `status:<s>`, `kind:<k>`, `feature:<kind>` and
    `shape:<candidate-site shape>`."""
    check_lang(lang)
    out = dict(_WORDS[lang])
    for prefix, table in (("status", _STATUS), ("kind", _KIND), ("feature", _FEATURES),
                          ("shape", _SHAPES)):
        out.update({f"{prefix}:{k}": v for k, v in table[lang].items()})
    return out


def metric_label(metric: str, lang: str) -> str:
    """A metric's name for people; `jobs_<sector>` becomes "Jobs – <sector>"; unknown → key."""
    i = 1 if check_lang(lang) == "vi" else 0
    if metric in _METRICS:
        return _METRICS[metric][i]
    if metric.startswith("jobs_"):
        sector = metric[5:]
        name = _SECTORS[sector][i] if sector in _SECTORS else sector.replace("_", " ")
        return f"{_METRICS['jobs'][i]} – {name}"
    return metric


def sector_label(sector: str, lang: str) -> str:
    """A sector's name for people ("light manufacturing", "công nghiệp nhẹ")."""
    if sector in _SECTORS:
        return _SECTORS[sector][1 if check_lang(lang) == "vi" else 0]
    return sector.replace("_", " ")


def unit_label(unit: str, lang: str) -> str:
    """A unit in the language (unknown units are shown as given)."""
    return _UNITS.get(unit, unit) if check_lang(lang) == "vi" else unit


# cluster names shortened for map labels (simulator/maps/features.cluster_label): the prefix
# every cluster's name shares, and the phase word with its abbreviation
CLUSTER_NAME_PREFIX = r"^(CCN|Cụm công nghiệp)\s+(làng nghề\s+)?"
PHASE_WORD, PHASE_ABBREVIATION = "giai đoạn", "GĐ"
