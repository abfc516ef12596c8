"""The words of the sensitivity analysis: how an input (a parameter) and an output metric are
named in the ranking and its sentence, and the tornado chart's legend."""

from __future__ import annotations

__all__ = ["PARAMETER_PHRASES", "PARAMETER_PHRASES_VI", "METRIC_NAMES", "TORNADO_LEGEND",
           "SENSITIVITY_WORDS", "parameter_phrase"]

PARAMETER_PHRASES: dict[str, str] = {  # English (sensitivity.csv and English pages)
    "area_ha": "area", "share": "area share", "clearance_years": "clearance years",
    "construction_years": "construction years", "max_occupancy": "maximum occupancy",
    "fill_years": "years to fill", "farmland_share": "farmland share",
    "rice_share": "rice share of farmland", "capex_bn_vnd_per_ha": "infrastructure cost per ha",
    "clearance_cost_bn_vnd_per_ha": "clearance cost per ha",
    "lease_price_bn_vnd_per_ha": "lease price per ha",
    "infra_fee_bn_vnd_per_leased_ha": "infrastructure fee per leased ha",
    "opex_bn_vnd_per_ha": "operating cost per ha",
    "land_rent_bn_vnd_per_leased_ha": "land rent per leased ha",
    "tax_share": "tax share of firm revenue", "state_support_share": "State support share",
    "demand_ha_per_year": "demand for industrial land",
    "craft_demand_ha_per_year": "craft-village land demand",
    "demand_growth": "growth of land demand", "access_scale_km": "accessibility distance scale",
    "rent_elasticity": "rent elasticity", "wage_bn_vnd_per_worker": "wage per worker",
    "discount_rate": "discount rate", "population_growth": "population growth",
    "working_age_share": "working-age share", "participation": "labour participation",
    "cluster_labour_share": "labour share open to clusters", "detour_factor": "road detour factor",
    "commute_decay_per_km": "commuting decay per km",
    "outside_distance_km": "distance to outside labour",
    "housing_share": "in-commuters needing housing", "jobs_per_leased_ha": "jobs per leased ha",
    "firms_per_leased_ha": "firms per leased ha",
    "revenue_bn_vnd_per_leased_ha": "revenue per leased ha",
    "lease_price_growth": "lease price growth", "central_tax_share": "central share of taxes",
    "farm_income_bn_vnd_per_ha": "farm income per ha", "alt_income_bn_vnd_per_worker":
    "workers' alternative income",
}

PARAMETER_PHRASES_VI: dict[str, str] = {
    "area_ha": "diện tích", "share": "tỷ lệ diện tích",
    "clearance_years": "số năm giải phóng mặt bằng",
    "construction_years": "số năm xây dựng hạ tầng", "max_occupancy": "tỷ lệ lấp đầy tối đa",
    "fill_years": "số năm lấp đầy", "farmland_share": "tỷ lệ đất nông nghiệp",
    "rice_share": "tỷ lệ đất lúa trong đất nông nghiệp",
    "capex_bn_vnd_per_ha": "vốn hạ tầng mỗi ha",
    "clearance_cost_bn_vnd_per_ha": "chi phí giải phóng mặt bằng mỗi ha",
    "lease_price_bn_vnd_per_ha": "giá thuê đất mỗi ha",
    "infra_fee_bn_vnd_per_leased_ha": "phí hạ tầng mỗi ha đã thuê",
    "opex_bn_vnd_per_ha": "chi phí vận hành mỗi ha",
    "land_rent_bn_vnd_per_leased_ha": "tiền thuê đất mỗi ha đã thuê",
    "tax_share": "tỷ lệ thuế trên doanh thu doanh nghiệp",
    "state_support_share": "tỷ lệ hỗ trợ của Nhà nước",
    "demand_ha_per_year": "nhu cầu đất công nghiệp",
    "craft_demand_ha_per_year": "nhu cầu đất làng nghề",
    "demand_growth": "tăng trưởng nhu cầu đất", "access_scale_km": "thang khoảng cách tiếp cận",
    "rent_elasticity": "độ co giãn theo giá thuê", "wage_bn_vnd_per_worker": "tiền lương mỗi lao động",
    "discount_rate": "suất chiết khấu", "population_growth": "tốc độ tăng dân số",
    "working_age_share": "tỷ lệ dân số trong tuổi lao động",
    "participation": "tỷ lệ tham gia lao động",
    "cluster_labour_share": "tỷ lệ lao động sẵn sàng làm ở cụm",
    "detour_factor": "hệ số đường vòng", "commute_decay_per_km": "mức giảm đi làm theo km",
    "outside_distance_km": "khoảng cách đến nguồn lao động bên ngoài",
    "housing_share": "tỷ lệ lao động từ nơi khác cần nhà ở",
    "jobs_per_leased_ha": "việc làm mỗi ha đã thuê",
    "firms_per_leased_ha": "doanh nghiệp mỗi ha đã thuê",
    "revenue_bn_vnd_per_leased_ha": "doanh thu mỗi ha đã thuê",
    "lease_price_growth": "tốc độ tăng giá thuê đất", "central_tax_share": "phần thuế về trung ương",
    "farm_income_bn_vnd_per_ha": "thu nhập nông nghiệp mỗi ha",
    "alt_income_bn_vnd_per_worker": "thu nhập thay thế của người lao động",
}

# how a phrase is placed, and the plain sentence, per language
SENSITIVITY_WORDS: dict[str, dict[str, str]] = {
    "en": {"of": "{phrase} of {cluster}", "phase": " phase {n}", "in": "{phrase} in {sector}",
           "all": "{phrase} (all clusters)", "default": "{phrase} (district default)",
           "none": "{what} has no uncertain inputs: every parameter is a fixed number.",
           "flat": "{what} does not change with any uncertain input of this scenario.",
           "then": ", then {rest}", "and": " and ",
           "morris": "{what}: Morris screening ranks {first} first{rest}. μ* is the typical size "
                     "of an input's effect over its range, not a share of the variance; run "
                     "Sobol for shares.",
           "part": "{share} % by {label}",
           "sobol": "{what} is driven {said} (normalised total-order Sobol indices; before "
                    "normalising they add up to {raw} %: an interaction counts once for every "
                    "input in it, so they need not add up to 100 % — read them as relative "
                    "weights)."},
    "vi": {"of": "{phrase} của {cluster}", "phase": " giai đoạn {n}",
           "in": "{phrase} ngành {sector}", "all": "{phrase} (mọi cụm)",
           "default": "{phrase} (mặc định của huyện)",
           "none": "{what} không có đầu vào bất định: mọi tham số là số cố định.",
           "flat": "{what} không thay đổi theo đầu vào bất định nào của kịch bản này.",
           "then": ", tiếp theo là {rest}", "and": " và ",
           "morris": "{what}: phép sàng lọc Morris xếp {first} đứng đầu{rest}. μ* là độ lớn "
                     "điển hình của ảnh hưởng một đầu vào trên toàn khoảng giá trị của nó, "
                     "không phải tỷ phần phương sai; chạy Sobol để có tỷ phần.",
           "part": "{share} % vào {label}",
           "sobol": "{what} phụ thuộc {said} (chỉ số Sobol toàn phần đã chuẩn hoá; trước khi "
                    "chuẩn hoá chúng cộng lại {raw} %: một tương tác được tính một lần cho mỗi "
                    "đầu vào tham gia, nên tổng không nhất thiết bằng 100 % — hãy đọc như trọng "
                    "số tương đối)."},
}


def parameter_phrase(field: str, lang: str, fallback: str | None = None) -> str:
    """A parameter's name in a sentence (English unless `lang` is "vi"); unknown: `fallback`
    (default: the field name)."""
    phrases = PARAMETER_PHRASES_VI if lang == "vi" else PARAMETER_PHRASES
    return phrases.get(field, PARAMETER_PHRASES.get(field, field if fallback is None else fallback))


METRIC_NAMES: dict[str, str] = {  # English; other languages: words.pages.metric_label
    "npv_bn_vnd": "Developer NPV", "public_npv_bn_vnd": "Public NPV",
    "occupancy_pct": "Occupancy", "in_commuters": "Workers from outside",
}

TORNADO_LEGEND: dict[str, dict[str, str]] = {
    "en": {"ST": "total order ST (bar) with 95 % interval", "S1": "first order S1",
           "mu_star": "Morris μ* with 95 % interval (output units per full range of u)"},
    "vi": {"ST": "chỉ số toàn phần ST (thanh), khoảng tin cậy 95 %", "S1": "chỉ số bậc một S1",
           "mu_star": "Morris μ*, khoảng tin cậy 95 % (đơn vị đầu ra trên toàn khoảng u)"},
}
