"""The model for ONE draw as plain Python loops: the yardstick of benchmarks/bench.py.

The same equations as `simulator.model.simulate_draws` (land → take-up → jobs → money →
labour catchment; docs/model.md), written the straightforward way — lists, `for` loops over
phases, clusters, communes and years, `math` instead of numpy — as a careful programmer would
write it without vectorising. It returns the same keys as `simulate_draws` (one draw, lists
instead of arrays); bench.py checks it against the vectorised model before timing it.
"""

from __future__ import annotations

import math
from typing import Any

from simulator.kernels import IPF_MAX_SWEEPS, IPF_TOLERANCE  # the model's stopping rule

_INSTANT = 1e-6
_L0 = 1.0 / (1.0 + math.exp(4.0))  # logistic at τ = 0


def _ramp(t: float, start: float, n: float) -> float:
    x = t + 1.0 - start
    if n <= _INSTANT:
        return 1.0 if x > 0 else 0.0
    return min(max(x / n, 0.0), 1.0)


def _logistic(t: float, start: float, n: float) -> float:
    tau = t + 1.0 - start
    if tau <= 0:
        return 0.0
    if n <= _INSTANT:
        return 1.0
    z = 8.0 * (tau / n - 0.5)
    expit = 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
    return min(max((expit - _L0) / (1.0 - _L0), 0.0), 1.0)


def _one_draw_parameters(p: dict[str, dict[str, Any]], d: int) -> dict[str, dict[str, Any]]:
    """Row d of the `p` dict as Python floats and lists."""
    return {g: {k: v[d].tolist() for k, v in fields.items()} for g, fields in p.items()}


def _timeline(inp: Any, ph: dict[str, list[float]], cl: dict[str, list[float]],
              years: list[float]) -> dict[str, list[list[float]]]:
    """Per-cluster sums over phases: gross, cleared, built, open, filled, farmland converted."""
    n_c = len(inp.cluster_ids)
    out = {k: [[0.0] * len(years) for _ in range(n_c)]
           for k in ("gross_area_ha", "built_ha", "open_ha", "filled_ha", "farmland_converted_ha")}
    for k in range(len(inp.phase_cluster)):
        c = int(inp.phase_cluster[k])
        area = ph["size"][k] * float(inp.phase_size_factor[k])
        a = float(inp.phase_approval[k]) + ph.get("delay", [0.0] * (k + 1))[k]  # gating delay
        clear, build = ph["clearance_years"][k], ph["construction_years"][k]
        opening = a + clear + build
        for y, t in enumerate(years):
            out["gross_area_ha"][c][y] += area * _ramp(t, a, 0.0)
            farm = cl["farmland_share"][c] * area * _ramp(t, a, clear)
            out["farmland_converted_ha"][c][y] += farm
            out["built_ha"][c][y] += area * _ramp(t, a + clear, build)
            out["open_ha"][c][y] += area * _ramp(t, opening, 0.0)
            out["filled_ha"][c][y] += area * _logistic(t, opening, cl["fill_years"][c])
    return out


def _allocate(demand: float, score: list[float], room: list[float]) -> tuple[list[float], float]:
    """Water filling: take_c = room_c · min(1, θ · score_c) with Σ take = demand, found by
    walking the clusters from the highest score down (those before the level are full)."""
    order = sorted(range(len(room)), key=lambda c: -score[c])
    full, rest_weight = 0.0, sum(score[c] * room[c] for c in order)
    level = None
    for c in order:
        if rest_weight > 0:
            theta = (demand - full) / rest_weight
            if theta * score[c] < 1.0:
                level = theta
                break
        full += room[c]
        rest_weight -= score[c] * room[c]
    if level is None:  # every cluster with room is full
        live = [score[c] for c in order if room[c] > 0]
        level = 2.0 / min(live) if live else 0.0
    level = max(level, 0.0) if demand > 0 else 0.0
    take = [r * min(level * s, 1.0) for s, r in zip(score, room, strict=True)]
    return take, max(demand - sum(room), 0.0)


def _leased(inp: Any, now: dict[str, list[list[float]]], before: dict[str, list[list[float]]],
            cl: dict[str, list[float]], di: dict[str, float]) -> tuple[list[list[float]], ...]:
    n_c, n_y = len(inp.cluster_ids), len(inp.years)
    plots = [float(inp.land_use[c, 0]) * cl["max_occupancy"][c] for c in range(n_c)]
    history = [plots[c] * before["filled_ha"][c][0] for c in range(n_c)]
    if inp.takeup == "independent":
        leased = [[plots[c] * now["filled_ha"][c][y] for y in range(n_y)] for c in range(n_c)]
        return leased, [0.0] * n_y, history
    price = cl["lease_price_bn_vnd_per_ha"]
    mean_price = sum(price) / n_c
    score = [math.exp(-float(inp.geo.access_km[c]) / di["access_scale_km"])
             * (price[c] / mean_price) ** -di["rent_elasticity"] for c in range(n_c)]
    craft = [bool(x) for x in inp.craft]
    leased = [[0.0] * n_y for _ in range(n_c)]
    unmet = [0.0] * n_y
    current = list(history)
    for y in range(n_y):
        growth = (1.0 + di["demand_growth"]) ** (float(inp.years[y]) - float(inp.years[0]))
        vacant = [max(plots[c] * now["open_ha"][c][y] - current[c], 0.0) for c in range(n_c)]
        for is_craft, demand in ((False, di["demand_ha_per_year"]),
                                 (True, di["craft_demand_ha_per_year"])):
            mask = [1.0 if craft[c] == is_craft else 0.0 for c in range(n_c)]
            pool_score = [s * m for s, m in zip(score, mask, strict=True)]
            pool_room = [v * m for v, m in zip(vacant, mask, strict=True)]
            take, rest = _allocate(demand * growth, pool_score, pool_room)
            current = [cur + tk for cur, tk in zip(current, take, strict=True)]
            unmet[y] += rest
        for c in range(n_c):
            leased[c][y] = current[c]
    return leased, unmet, history


def _change(series: list[float], before: float) -> list[float]:
    return [series[y] - (series[y - 1] if y else before) for y in range(len(series))]


def _money(leased: list[float], d_leased: list[float], built: list[float], d_built: list[float],
           farmland: tuple[list[float], list[float]], revenue: list[float], jobs: list[float],
           q: dict[str, float]) -> dict[str, list[float]]:
    """One cluster's cash flows for every party (docs/model.md §6); d_ are changes from the
    year before; `farmland`: converted so far and its change."""
    farm, d_farm = farmland
    npvs = ("npv_bn_vnd", "public_npv_bn_vnd", "central_npv_bn_vnd", "city_npv_bn_vnd",
            "households_npv_bn_vnd", "workers_npv_bn_vnd", "recovery_cost_npv_bn_vnd", "leased_ha_npv")
    out: dict[str, list[float]] = {k: [] for k in (
        "wages_bn_vnd", "budget_revenue_bn_vnd", "capex_bn_vnd", "clearance_cost_bn_vnd",
        "opex_bn_vnd", "land_lease_revenue_bn_vnd", "net_cash_bn_vnd",
        "cumulative_net_cash_bn_vnd", "public_net_cash_bn_vnd", "farm_income_lost_bn_vnd", *npvs)}
    total = 0.0
    acc = dict.fromkeys(npvs, 0.0)
    for y in range(len(leased)):
        capex = q["capex_bn_vnd_per_ha"] * d_built[y]
        support = q["state_support_share"] * capex
        clearance = q["clearance_cost_bn_vnd_per_ha"] * d_farm[y]
        opex = q["opex_bn_vnd_per_ha"] * built[y]
        sold = (1.0 + q["lease_price_growth"]) ** y * d_leased[y]
        sales = q["lease_price_bn_vnd_per_ha"] * sold
        lease = sales + q["infra_fee_bn_vnd_per_leased_ha"] * leased[y]
        taxes = q["tax_share"] * revenue[y]
        budget = taxes + q["land_rent_bn_vnd_per_leased_ha"] * leased[y]
        net = lease - (capex - support) - clearance - opex
        lost = q["farm_income_bn_vnd_per_ha"] * farm[y]
        wage = q["wage_bn_vnd_per_worker"]
        total += net
        discount = (1.0 + q["discount_rate"]) ** -y
        central = q["central_tax_share"] * taxes
        for k, v in (("npv_bn_vnd", net), ("public_npv_bn_vnd", budget - support),
                     ("central_npv_bn_vnd", central), ("city_npv_bn_vnd", budget - central - support),
                     ("households_npv_bn_vnd", clearance - lost),
                     ("workers_npv_bn_vnd", (wage - q["alt_income_bn_vnd_per_worker"]) * jobs[y]),
                     ("recovery_cost_npv_bn_vnd", sales - net), ("leased_ha_npv", sold)):
            acc[k] += v * discount
        for k, v in (("wages_bn_vnd", wage * jobs[y]),
                     ("budget_revenue_bn_vnd", budget), ("capex_bn_vnd", capex),
                     ("clearance_cost_bn_vnd", clearance), ("opex_bn_vnd", opex),
                     ("land_lease_revenue_bn_vnd", lease), ("net_cash_bn_vnd", net),
                     ("cumulative_net_cash_bn_vnd", total),
                     ("public_net_cash_bn_vnd", budget - support),
                     ("farm_income_lost_bn_vnd", lost), *acc.items()):
            out[k].append(v)
    return out


def _inv(x: float) -> float:
    return 1.0 / max(x, 1e-300)  # an empty row or column stays finite, as in the model


def _gravity_year(workers: list[float], jobs: list[float], f: list[list[float]]
                  ) -> tuple[list[float], list[float]]:
    """Doubly-constrained gravity for one year by iterative proportional fitting."""
    n_i, n_c = len(workers), len(jobs)
    total_w, total_j = sum(workers), sum(jobs)
    origins = [*workers, max(total_j - total_w, 0.0)]
    dests = [*jobs, max(total_w - total_j, 0.0)]
    a, b = [0.0] * (n_i + 1), [1.0] * (n_c + 1)
    for _ in range(IPF_MAX_SWEEPS):  # until no A_i moves by more than the tolerance
        new = [_inv(sum(f[i][c] * b[c] * dests[c] for c in range(n_c + 1))) for i in range(n_i + 1)]
        moved = any(abs(x - y) * o > IPF_TOLERANCE * abs(x) * o for x, y, o in zip(new, a, origins))
        a = new
        if not moved:
            break
        b = [_inv(sum(f[i][c] * a[i] * origins[i] for i in range(n_i + 1))) for c in range(n_c + 1)]
    to_c = [b[c] * dests[c] for c in range(n_c)]
    supplied = [a[i] * origins[i] * sum(f[i][c] * to_c[c] for c in range(n_c)) for i in range(n_i)]
    incoming = [to_c[c] * a[n_i] * origins[n_i] * f[n_i][c] for c in range(n_c)]
    return supplied, incoming


def _labour(inp: Any, jobs: list[list[float]], di: dict[str, float]) -> dict[str, Any]:
    g = inp.geo
    n_c, n_i, n_y = len(inp.cluster_ids), len(g.commune_ids), len(inp.years)
    rate = di["working_age_share"] * di["participation"] * di["cluster_labour_share"]
    workers = [[(1.0 + di["population_growth"]) ** float(inp.years_since_census[y]) * rate
                * float(g.commune_population[i]) for y in range(n_y)] for i in range(n_i)]
    road = [[float(g.distance_km[c, i]) * di["detour_factor"] for i in range(n_i)]
            for c in range(n_c)]
    beta = di["commute_decay_per_km"]
    f = [[math.exp(-beta * road[c][i]) for c in range(n_c)] + [1.0] for i in range(n_i)]
    f.append([math.exp(-beta * di["outside_distance_km"])] * n_c + [0.0])
    supplied, incoming = [[0.0] * n_y for _ in range(n_i)], [[0.0] * n_y for _ in range(n_c)]
    for y in range(n_y):
        s, inc = _gravity_year([w[y] for w in workers], [j[y] for j in jobs], f)
        for i in range(n_i):
            supplied[i][y] = s[i]
        for c in range(n_c):
            incoming[c][y] = inc[c]
    reach = 1.0 / max(beta, 1e-9)
    reachable = [[sum(jobs[c][y] for c in range(n_c) if road[c][i] <= reach) for y in range(n_y)]
                 for i in range(n_i)]
    in_district = [sum(incoming[c][y] for c in range(n_c)) for y in range(n_y)]
    return {"commune:labour_available": workers, "commune:workers_supplied": supplied,
            "commune:jobs_reachable": reachable, "in_commuters": incoming,
            "district:workers_in_commuting": in_district,
            "district:worker_housing_demand": [x * di["housing_share"] for x in in_district]}


def _per_cluster(inp: Any, sector: dict[str, list[float]], field: str, c: int) -> float:
    return sum(float(inp.sector_mix[c, s]) * sector[field][s] for s in range(len(inp.sectors)))


def simulate_one(inp: Any, p: dict[str, dict[str, Any]], d: int) -> dict[str, Any]:
    """Every metric of draw `d` of the parameter dict `p` (as `model.draw_parameters` gives)."""
    q = _one_draw_parameters(p, d)
    ph, cl, di, se = q["phase"], q["cluster"], q["district"], q["sector"]
    years = [float(t) for t in inp.years]
    now = _timeline(inp, ph, cl, years)
    before = _timeline(inp, ph, cl, [years[0] - 1.0])
    leased, unmet, leased_before = _leased(inp, now, before, cl, di)
    n_c = len(inp.cluster_ids)
    out: dict[str, Any] = {"gross_area_ha": now["gross_area_ha"],
                           "farmland_converted_ha": now["farmland_converted_ha"],
                           "leased_area_ha": leased, "district:unmet_demand_ha": unmet}
    out["leasable_area_ha"] = [[float(inp.land_use[c, 0]) * x for x in now["open_ha"][c]]
                               for c in range(n_c)]
    out["rice_land_converted_ha"] = [[cl["rice_share"][c] * x for x in row]
                                     for c, row in enumerate(now["farmland_converted_ha"])]
    for name, field in (("jobs", "jobs_per_leased_ha"), ("firms", "firms_per_leased_ha"),
                        ("firm_revenue_bn_vnd", "revenue_bn_vnd_per_leased_ha")):
        out[name] = [[_per_cluster(inp, se, field, c) * x for x in leased[c]] for c in range(n_c)]
    for s, sector in enumerate(inp.sectors):
        out[f"jobs_{sector}"] = [[x * float(inp.sector_mix[c, s]) * se["jobs_per_leased_ha"][s]
                                  for x in leased[c]] for c in range(n_c)]
    money = []
    for c in range(n_c):
        built, farm = now["built_ha"][c], now["farmland_converted_ha"][c]
        money.append(_money(
            leased[c], _change(leased[c], leased_before[c]), built,
            _change(built, before["built_ha"][c][0]),
            (farm, _change(farm, before["farmland_converted_ha"][c][0])),
            out["firm_revenue_bn_vnd"][c], out["jobs"][c],
            {**{k: v[c] for k, v in cl.items()}, **di}))
    for k in money[0]:
        out[k] = [m[k] for m in money]
    out.update(_labour(inp, out["jobs"], di))
    return out
