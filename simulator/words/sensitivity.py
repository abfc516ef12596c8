"""The words of the sensitivity analysis: how an input (a parameter) and an output metric are
named in the ranking and its sentence, and the tornado chart's legend."""

from __future__ import annotations

__all__ = ["PARAMETER_PHRASES", "METRIC_NAMES", "TORNADO_LEGEND"]

PARAMETER_PHRASES: dict[str, str] = {  # en only
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

METRIC_NAMES: dict[str, str] = {  # en only
    "npv_bn_vnd": "Developer NPV", "public_npv_bn_vnd": "Public NPV",
    "occupancy_pct": "Occupancy", "in_commuters": "Workers from outside",
}

TORNADO_LEGEND: dict[str, dict[str, str]] = {
    "en": {"ST": "total order ST (bar) with 95 % interval", "S1": "first order S1",
           "mu_star": "Morris μ* with 95 % interval (output units per full range of u)"},
    "vi": {"ST": "chỉ số toàn phần ST (thanh), khoảng tin cậy 95 %", "S1": "chỉ số bậc một S1",
           "mu_star": "Morris μ*, khoảng tin cậy 95 % (đơn vị đầu ra trên toàn khoảng u)"},
}
