"""Which uncertain input moves one output most: Morris screening and Sobol indices (SALib).

The output is one district value — a metric of `Results.district` in one year, e.g. `jobs` in
2030 or `npv_bn_vnd` at the horizon. The inputs are the parameters declared as distributions,
one per identity key (a distribution under `district.params` shared by every cluster is one
input). Both methods work on the unit hypercube: SALib picks u in (0, 1) for every input, and
each u goes through the input's own inverse CDF, `dist.sample_u(u, lo, hi)`, exactly as a Monte
Carlo draw would; every parameter not declared as a distribution keeps its central value.
Inputs are treated as independent (Sobol indices assume it). Reading: docs/sensitivity.md.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Literal, Mapping
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from simulator import model
from simulator.results import DISTRICT_METRICS, METRICS
from simulator.run import Run
from simulator.safe_csv import write_frame
from simulator.scenario.wording import local
from simulator.words.pages import metric_label, sector_label
from simulator.words.sensitivity import (
    METRIC_NAMES, SENSITIVITY_WORDS, TORNADO_LEGEND, parameter_phrase,
)

if TYPE_CHECKING:
    import pandas as pd

    from simulator.inputs import Inputs
    from simulator.uncertainty import ParamSpec

__all__ = ["Input", "uncertain_inputs", "district_values", "sensitivity",
           "write_sensitivity_csv", "tornado_svg", "plain_summary", "DEFAULT_N", "Sensitivity",
           "sensitivity_for_report"]

Method = Literal["sobol", "morris"]
DEFAULT_N: dict[str, int] = {"sobol": 128, "morris": 20}  # base samples / trajectories
_LEVELS = 4  # Morris grid levels (even, as SALib asks)
_U_EDGE = 1e-3  # u mapped onto [0.001, 0.999]: finite values for normal and lognormal tails
_ROW_CELLS = 250_000  # model rows × clusters × years per chunk (~120 MB of model arrays)
_RESAMPLES = 100  # bootstrap resamples of the confidence intervals
_CONF = 0.95


@dataclass(frozen=True)
class Input:
    """One uncertain input: a distribution and every (group, field, column) that takes it
    (column None for a district parameter, which is one value per draw)."""

    key: str
    label: str
    spec: ParamSpec
    places: tuple[tuple[str, str, int | None], ...]


def _places(inputs: Inputs) -> dict[str, list[tuple[ParamSpec, str, str, int | None]]]:
    found: dict[str, list[tuple[ParamSpec, str, str, int | None]]] = {}
    groups = {"phase": inputs.phase_specs, "cluster": inputs.cluster_specs,
              "sector": inputs.sector_specs}
    for group, fields in groups.items():
        for field, specs in fields.items():
            for col, spec in enumerate(specs):
                found.setdefault(spec.key, []).append((spec, group, field, col))
    for field, spec in inputs.district_specs.items():
        found.setdefault(spec.key, []).append((spec, "district", field, None))
    return found


def _label(key: str, inputs: Inputs, names: Mapping[str, str], n_cluster_places: int,
           lang: str = "en") -> str:
    """Plain words for an identity key, e.g. `clearance years of CCN Tín An phase 1`
    (`số năm giải phóng mặt bằng của CCN Tín An giai đoạn 1`)."""
    w = SENSITIVITY_WORDS["vi" if lang == "vi" else "en"]
    if m := re.fullmatch(r"clusters\[(.+?)\]\.phases\[(\d+)\]\.(\w+)", key):
        cid, i, field = m.group(1), int(m.group(2)), m.group(3)
        ci = inputs.cluster_ids.index(cid) if cid in inputs.cluster_ids else -1
        several = int((inputs.phase_cluster == ci).sum()) > 1
        return w["of"].format(phrase=parameter_phrase(field, lang), cluster=names.get(cid, cid)) \
            + (w["phase"].format(n=i + 1) if several else "")
    if m := re.fullmatch(r"clusters\[(.+?)\]\.params\.(\w+)", key):
        return w["of"].format(phrase=parameter_phrase(m.group(2), lang),
                              cluster=names.get(m.group(1), m.group(1)))
    if m := re.fullmatch(r"district\.sectors\.(.+)\.(\w+)", key):
        sector = m.group(1) if lang != "vi" else sector_label(m.group(1), lang)
        return w["in"].format(phrase=parameter_phrase(m.group(2), lang),
                              sector=sector.replace("_", " "))
    if m := re.fullmatch(r"district\.params\.(\w+)", key):
        phrase = parameter_phrase(m.group(1), lang, m.group(1).replace("_", " "))
        if n_cluster_places == 0:
            return phrase
        every = n_cluster_places == len(inputs.cluster_ids)
        return w["all" if every else "default"].format(phrase=phrase)
    return key


def uncertain_inputs(inputs: Inputs, *, names: Mapping[str, str] | None = None,
                     lang: str = "en") -> tuple[Input, ...]:
    """The inputs whose distribution is not fixed, one per key, in declaration order.

    `names` maps cluster ids to the names shown in labels (default: the ids); labels in
    `lang` (English in sensitivity.csv)."""
    out = []
    for key, places in _places(inputs).items():
        spec = places[0][0]
        if spec.dist.is_fixed():
            continue
        in_clusters = sum(1 for _, group, _, _ in places if group == "cluster")
        out.append(Input(key, _label(key, inputs, names or {}, in_clusters, lang), spec,
                         tuple((g, f, c) for _, g, f, c in places)))
    return tuple(out)


def _parameters(base: dict[str, dict[str, np.ndarray]], chosen: tuple[Input, ...],
                u: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """The `p` dict of model.simulate_draws for rows of u (rows, inputs): central values,
    with each chosen input's column set to its inverse CDF at u."""
    rows = len(u)
    p = {g: {k: np.repeat(v, rows, axis=0) for k, v in d.items()} for g, d in base.items()}
    edge = _U_EDGE + (1.0 - 2.0 * _U_EDGE) * u  # squeezed, not clipped: Morris steps stay equal
    for j, inp in enumerate(chosen):
        values = inp.spec.dist.sample_u(edge[:, j], inp.spec.lo, inp.spec.hi)
        for group, field, col in inp.places:
            if col is None:
                p[group][field][:] = values
            else:
                p[group][field][:, col] = values
    return p


def _metric_names(inputs: Inputs) -> list[str]:
    return [*METRICS, *DISTRICT_METRICS, *(f"jobs_{s}" for s in inputs.sectors)]


def _check(inputs: Inputs, metric: str, year: int) -> int:
    valid = _metric_names(inputs)
    if metric not in valid:
        raise ValueError(f"metric: expected one of {', '.join(valid)}; found {metric!r}")
    years: list[int] = inputs.years.astype(int).tolist()
    if year not in years:
        raise ValueError(f"year: expected {years[0]}–{years[-1]}; found {year}")
    return years.index(year)


def district_values(inputs: Inputs, chosen: tuple[Input, ...], u: np.ndarray, *,
                    metric: str, year: int) -> np.ndarray:
    """The district value of `metric` in `year` for every row of u (rows, inputs).

    The model is causal, so it runs only up to `year`; rows go through in chunks, and each
    value is the model's per-draw district value (sum over clusters, or a ratio of sums for
    occupancy)."""
    yi = _check(inputs, metric, year)
    upto = dataclasses.replace(inputs, years=inputs.years[: yi + 1],
                               years_since_census=inputs.years_since_census[: yi + 1])
    base = model.draw_parameters(inputs, 1)
    rows = max(1, _ROW_CELLS // (len(inputs.cluster_ids) * (yi + 1)))
    out = np.empty(len(u))
    for start in range(0, len(u), rows):
        sl = slice(start, min(start + rows, len(u)))
        p = _parameters(base, chosen, u[sl])
        raw = model.simulate_draws(upto, p, keep_clusters=False)
        out[sl] = raw[f"district:{metric}"][:, -1]
    return out


def _problem(chosen: tuple[Input, ...]) -> dict[str, Any]:
    return {"num_vars": len(chosen), "names": [i.key for i in chosen],
            "bounds": [[0.0, 1.0]] * len(chosen)}


Evaluate = Callable[[np.ndarray], np.ndarray]  # rows of u (rows, inputs) → output (rows,)


def _sobol(problem: dict[str, Any], evaluate: Evaluate, n: int, seed: int) -> dict[str, np.ndarray]:
    if n < 2 or n & (n - 1):
        raise ValueError(f"n: expected a power of 2 (64, 128, 256, …) for Sobol; found {n}")
    u = sobol_sample.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    y = evaluate(u)
    if np.ptp(y) <= np.finfo(float).eps * max(1.0, float(np.abs(y).max())):
        zero = np.zeros(problem["num_vars"])  # constant output: no variance (SALib would warn)
        return {"ST": zero, "ST_conf": zero, "S1": zero, "S1_conf": zero}
    # SALib takes seed 0 as "no seed" (random confidence intervals): shift it by one.
    si = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=_RESAMPLES,
                         conf_level=_CONF, seed=seed + 1)
    return {k: np.asarray(si[k], dtype=float) for k in ("ST", "ST_conf", "S1", "S1_conf")}


def _morris(problem: dict[str, Any], evaluate: Evaluate, n: int, seed: int,
            ) -> dict[str, np.ndarray]:
    if n < 2:
        raise ValueError(f"n: expected at least 2 Morris trajectories; found {n}")
    u = morris_sample.sample(problem, n, num_levels=_LEVELS, seed=seed)
    si = morris_analyze.analyze(problem, u, evaluate(u), num_resamples=_RESAMPLES, conf_level=_CONF,
                         num_levels=_LEVELS, seed=seed + 1)
    return {k: np.asarray(si[k], dtype=float) for k in ("mu_star", "mu_star_conf", "sigma", "mu")}


def sensitivity(inputs: Inputs, *, metric: str, year: int, method: Method = "sobol",
                n: int | None = None, seed: int = 0, names: Mapping[str, str] | None = None,
                ) -> pd.DataFrame:
    """Rank the uncertain inputs by their influence on the district `metric` in `year`.

    method "sobol": `n` base samples (a power of 2; n·(inputs + 2) model rows), columns
    ST, ST_conf, S1, S1_conf (95 % bootstrap half-widths) and ST_share = ST / ΣST.
    method "morris": `n` trajectories (n·(inputs + 1) rows) on a 4-level grid, columns
    mu_star, mu_star_conf, sigma, mu, in output units per unit of u (the quantile).
    Rows are sorted by ST (or mu_star), largest first. Same inputs and seed, same frame.
    """
    if method not in DEFAULT_N:
        raise ValueError(f"method: expected sobol or morris; found {method!r}")
    _check(inputs, metric, year)
    chosen = uncertain_inputs(inputs, names=names)
    n = DEFAULT_N[method] if n is None else n
    cols = (["ST", "ST_conf", "S1", "S1_conf"] if method == "sobol"
            else ["mu_star", "mu_star_conf", "sigma", "mu"])
    if chosen:
        run = _sobol if method == "sobol" else _morris
        evaluate = partial(district_values, inputs, chosen, metric=metric, year=year)
        values = run(_problem(chosen), evaluate, n, seed)
    else:
        values = {c: np.zeros(0) for c in cols}
    df = pd.DataFrame({"input": [i.key for i in chosen], "label": [i.label for i in chosen],
                       **{c: values[c] for c in cols}})
    if method == "sobol":
        total = float(np.clip(df["ST"], 0, None).sum())
        df["ST_share"] = np.clip(df["ST"], 0, None) / total if total > 0 else 0.0
    df = df.sort_values([cols[0], "input"], ascending=[False, True], kind="stable")
    df.attrs.update(metric=metric, year=year, method=method, n=n, seed=seed)
    return df.reset_index(drop=True)


def write_sensitivity_csv(df: pd.DataFrame, path: str | Path) -> None:
    """The ranking as CSV (UTF-8, `\\n` line ends, 6 significant digits)."""
    write_frame(df, path, float_format="%.6g")


def _metric_label(metric: str, lang: str = "en") -> str:
    if lang == "vi":
        return metric_label(metric, lang)
    if metric in METRIC_NAMES:
        return METRIC_NAMES[metric]
    words = re.sub(r"_(ha|pct|bn_vnd)$", "", metric).replace("_", " ")
    return words[:1].upper() + words[1:]


def plain_summary(df: pd.DataFrame, metric: str, year: int, lang: str = "en") -> str:
    """One sentence a planner can read, e.g. `Developer NPV 2045 is driven 60 % by … and
    20 % by …`, from the normalised total-order indices (Sobol) or the μ* ranking (Morris);
    in `lang` (the labels of `df` are taken as they are)."""
    w = SENSITIVITY_WORDS["vi" if lang == "vi" else "en"]
    what = f"{_metric_label(metric, lang)} {year}"
    key = "ST" if "ST" in df else "mu_star"
    if df.empty:
        return w["none"].format(what=what)
    if not (df[key] > 0).any():
        return w["flat"].format(what=what)
    if key == "mu_star":
        top = df.head(3)["label"].tolist()
        rest = w["then"].format(rest=w["and"].join(top[1:])) if len(top) > 1 else ""
        return w["morris"].format(what=what, first=top[0], rest=rest)
    shares, picked = df["ST_share"].tolist(), list[tuple[float, str]]()
    for share, label in zip(shares, df["label"], strict=True):
        if picked and (len(picked) == 3 or share < 0.05 or sum(s for s, _ in picked) >= 0.8):
            break
        picked.append((share, label))
    parts = [w["part"].format(share=f"{100 * s:.0f}", label=lab) for s, lab in picked]
    said = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])}{w['and']}{parts[-1]}"
    raw = 100 * float(np.clip(df["ST"], 0, None).sum())
    return w["sobol"].format(what=what, said=said, raw=f"{raw:.0f}")


def _ticks(x: float) -> list[float]:
    """0 and up to five round steps (1, 2, 2.5 or 5 × 10^k) covering x."""
    if x <= 0 or not math.isfinite(x):
        return [0.0, 0.25, 0.5, 0.75, 1.0]
    base = 10 ** math.floor(math.log10(x / 5))
    step = next(k * base for k in (1, 2, 2.5, 5, 10) if k * base * 5 >= x)
    return [step * k for k in range(math.ceil(x / step - 1e-9) + 1)]


def _tick_text(t: float, lang: str = "en") -> str:
    text = f"{t:,.0f}" if abs(t) >= 1000 else f"{t:.3g}"
    return text.translate(str.maketrans(",.", ".,")) if lang == "vi" else text


def _bar_rows(df: pd.DataFrame, key: str, scale: float, x0: float, top: float) -> list[str]:
    """One row per input: label, bar (and the S1 bar inside it), 95 % interval whisker."""
    out = []
    for k, r in enumerate(df.itertuples(index=False)):
        y, value, conf = top + 24 * k, float(getattr(r, key)), float(getattr(r, f"{key}_conf"))
        v = max(value, 0.0)
        tip = escape(f"{r.label}: {key} {value:.3g} ± {conf:.2g}")
        out.append(f'<g><title>{tip}</title><text x="{x0 - 8}" y="{y + 16}" '
                   f'text-anchor="end">{escape(str(r.label))}</text><rect x="{x0}" y="{y + 4}" '
                   f'width="{v * scale:.1f}" height="16" fill="#9ecae1"/>')
        if key == "ST":
            s1 = max(float(df["S1"].iloc[k]), 0.0)
            out.append(f'<rect x="{x0}" y="{y + 8}" width="{s1 * scale:.1f}" height="8" '
                       'fill="#08519c"/>')
        lo, hi = x0 + max(v - conf, 0) * scale, x0 + (v + conf) * scale
        out.append(f'<line x1="{lo:.1f}" x2="{hi:.1f}" y1="{y + 12}" y2="{y + 12}" '
                   'stroke="#333"/></g>')
    return out


def tornado_svg(df: pd.DataFrame, *, title: str, lang: str = "en", top: int = 12) -> str:
    """A self-contained SVG bar chart of the `top` most influential inputs, largest on top:
    ST with S1 inside it (Sobol) or μ* (Morris), each with its 95 % interval."""
    if lang not in TORNADO_LEGEND:
        raise ValueError(f"lang: expected {' or '.join(TORNADO_LEGEND)}; found {lang!r}")
    key = "ST" if "ST" in df else "mu_star"
    shown = df.head(top)
    label_w = 7 * max([len(str(x)) for x in shown["label"]] + [10]) + 16
    x0, width, head = label_w, 360, 40
    vmax = float((shown[key].clip(lower=0) + shown[f"{key}_conf"]).max()) if len(shown) else 0.0
    ticks = _ticks(vmax)
    scale = width / ticks[-1]
    axis_y = head + 24 * len(shown) + 4
    parts = [f'<line x1="{x0 + t * scale:.1f}" x2="{x0 + t * scale:.1f}" y1="{head}" '
             f'y2="{axis_y}" stroke="#ddd"/><text x="{x0 + t * scale:.1f}" y="{axis_y + 14}" '
             f'text-anchor="middle">{_tick_text(t, lang)}</text>' for t in ticks]
    parts += _bar_rows(shown, key, scale, x0, head)
    text = TORNADO_LEGEND[lang]
    legend = escape(text[key]) + (f'; <tspan fill="#08519c">■</tspan> {escape(text["S1"])}'
                                  if key == "ST" else "")
    w, h = x0 + width + 40, axis_y + 44
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
            f'viewBox="0 0 {w} {h}" role="img" font-family="system-ui, sans-serif" '
            f'font-size="12"><title>{escape(title)}</title>'
            f'<text x="8" y="22" font-size="15" font-weight="bold">{escape(title)}</text>'
            + "".join(parts)
            + f'<text x="{x0}" y="{axis_y + 34}" fill="#555">{legend}</text></svg>')


@dataclass(frozen=True)
class Sensitivity:
    """A sensitivity analysis to show in the report: the ranking (sensitivity.csv as a
    DataFrame), the tornado chart from `tornado_svg` and its plain-language sentence."""

    ranking: pd.DataFrame | None = None
    svg: str | None = None
    sentence: str | None = None
    shown: pd.DataFrame | None = None  # the ranking with its labels in the page's language

    def write_csv(self, path: str | Path) -> None:
        """The ranking as sensitivity.csv (`write_sensitivity_csv`); a method, so that the
        writers need not import this module (SALib imports scipy.stats, half a second)."""
        write_sensitivity_csv(self.ranking, path)


def sensitivity_for_report(run: Run, metric: str, year: int | None, *, method: Method = "morris",
                           n: int | None = None, lang: str = "vi") -> Sensitivity:
    """A sensitivity ranking of `metric` in `year` (default: the horizon) with its tornado
    chart and sentence, computed before any page is rendered."""
    s = run.loaded.scenario
    year = s.horizon_year if year is None else year
    names = {c.id: c.name for c in s.clusters}
    df = sensitivity(run.inputs, metric=metric, year=year, method=method, n=n, seed=run.seed,
                     names=names)
    words = {i.key: i.label for i in uncertain_inputs(run.inputs, names=names, lang=lang)}
    shown = df.assign(label=[words.get(k, lab) for k, lab in zip(df["input"], df["label"])])
    head, colon, _ = local(s.title, lang).partition(":")  # "Mở rộng: thêm …" → "Mở rộng"
    name = head.strip() if colon and len(head.strip()) <= 24 else s.id
    title = f"{_metric_label(metric, lang)} {year} — {name}"  # fits the chart's width
    return Sensitivity(ranking=df, svg=tornado_svg(shown, title=title, lang=lang),
                       sentence=plain_summary(shown, metric, year, lang), shown=shown)
