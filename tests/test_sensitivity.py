"""Sensitivity analysis on a case whose answer is known.

tests/data/mini.yaml with every parameter fixed at its central value except two uniform inputs:
light-manufacturing jobs per leased ha, x ~ U(50, 150), and the discount rate, r ~ U(0.05, 0.15).
District jobs in 2030 are linear in x (cluster alpha is all light manufacturing with 6 leased
ha, so d jobs / d x = 6) and do not depend on r; the developer NPV depends on r and not on x.
"""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from simulator import model
from simulator.inputs import build_inputs

from simulator.scenario.distributions import Fixed, Triangular, Uniform
from simulator.scenario.load import load_scenario
from simulator.sensitivity import (
    _metric_names, _parameters, district_values, plain_summary, sensitivity, tornado_svg,
    uncertain_inputs, write_sensitivity_csv,
)

from conftest import DATA, geo_for

JOBS = "district.sectors.light_manufacturing.jobs_per_leased_ha"
RATE = "district.params.discount_rate"
NAMES = {"alpha": "CCN <Alpha> & co", "beta": "CCN Beta"}


def with_dists(inputs, uncertain: dict):
    """`inputs` with every spec fixed at its central value except the keys in `uncertain`."""

    def fix(spec):
        dist = uncertain.get(spec.key, Fixed(value=min(max(spec.dist.central(), spec.lo), spec.hi)))
        return dataclasses.replace(spec, dist=dist)

    return dataclasses.replace(
        inputs,
        phase_specs={f: tuple(map(fix, v)) for f, v in inputs.phase_specs.items()},
        cluster_specs={f: tuple(map(fix, v)) for f, v in inputs.cluster_specs.items()},
        district_specs={f: fix(v) for f, v in inputs.district_specs.items()},
        sector_specs={f: tuple(map(fix, v)) for f, v in inputs.sector_specs.items()},
    )


@pytest.fixture(scope="module")
def mini_inputs():
    return build_inputs(load_scenario(DATA / "mini.yaml").scenario, geo_for(2))


@pytest.fixture(scope="module")
def two(mini_inputs):
    return with_dists(mini_inputs, {JOBS: Uniform(dist="uniform", low=50, high=150),
                                    RATE: Uniform(dist="uniform", low=0.05, high=0.15)})


@pytest.fixture(scope="module")
def sobol_jobs(two):
    return sensitivity(two, metric="jobs", year=2030, method="sobol", n=256, seed=3)


def test_inputs_grouped_by_key_with_plain_labels(mini_inputs) -> None:
    shared = Triangular(dist="triangular", low=10, mode=12, high=20)
    inputs = with_dists(mini_inputs, {
        "district.params.lease_price_bn_vnd_per_ha": shared,
        "clusters[beta].phases[1].clearance_years": Triangular(dist="triangular", low=1, mode=2,
                                                               high=4),
        "clusters[alpha].phases[0].clearance_years": Uniform(dist="uniform", low=0.5, high=2),
        JOBS: Uniform(dist="uniform", low=50, high=150)})
    found = {i.key: i for i in uncertain_inputs(inputs, names=NAMES)}
    assert len(found) == 4  # one input for the two clusters that share the district price
    price = found["district.params.lease_price_bn_vnd_per_ha"]
    assert price.places == (("cluster", "lease_price_bn_vnd_per_ha", 0),
                            ("cluster", "lease_price_bn_vnd_per_ha", 1))
    assert price.label == "lease price per ha (all clusters)"
    assert found["clusters[beta].phases[1].clearance_years"].label == \
        "clearance years of CCN Beta phase 2"
    assert found["clusters[alpha].phases[0].clearance_years"].label == \
        "clearance years of CCN <Alpha> & co"  # one phase: no phase number
    assert found[JOBS].label == "jobs per leased ha in light manufacturing"


def test_every_parameter_has_a_plain_phrase() -> None:
    from simulator.scenario.schema import DISTRICT_PARAMETER_NAMES, PARAMETER_NAMES, SECTOR_FIELDS
    from simulator.words.sensitivity import PARAMETER_PHRASES

    names = (*PARAMETER_NAMES, *DISTRICT_PARAMETER_NAMES, *SECTOR_FIELDS, "area_ha", "share",
             "clearance_years", "construction_years")
    assert [n for n in names if n not in PARAMETER_PHRASES] == []


def test_district_values_match_results_for_every_metric(two) -> None:
    """Running only up to the year and slicing gives what a full run's Results hold."""
    chosen = uncertain_inputs(two)
    u = np.random.default_rng(0).random((5, len(chosen)))
    p = _parameters(model.draw_parameters(two, 1), chosen, u)
    full = model.simulate_draws(two, p)
    for metric in _metric_names(two):
        for year in (2024, 2030):
            got = district_values(two, chosen, u, metric=metric, year=year)
            want = full[f"district:{metric}"][:, int(np.searchsorted(two.years, year))]
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9, err_msg=metric)


def test_sobol_puts_the_influential_input_first_and_the_inert_one_at_zero(sobol_jobs) -> None:
    df = sobol_jobs.set_index("input")
    assert sobol_jobs["input"].tolist() == [JOBS, RATE]
    assert df.loc[JOBS, "ST"] == pytest.approx(1, abs=0.05)
    assert df.loc[JOBS, "S1"] == pytest.approx(1, abs=0.05)
    assert df.loc[RATE, ["ST", "S1", "ST_conf"]].abs().max() < 1e-9  # exactly inert
    assert df.loc[JOBS, "ST_share"] == pytest.approx(1)


def test_sobol_on_npv_reverses_the_ranking(two) -> None:
    df = sensitivity(two, metric="npv_bn_vnd", year=2030, n=64, seed=1)
    assert df["input"].tolist() == [RATE, JOBS]
    assert df.set_index("input").loc[JOBS, "ST"] == 0


def test_morris_mu_star(two) -> None:
    df = sensitivity(two, metric="jobs", year=2030, method="morris", n=10, seed=5)
    assert df["input"].tolist() == [JOBS, RATE]
    row = df.set_index("input")
    # d jobs / d u = 6 ha × (150 − 50) jobs per ha, on u squeezed into [0.001, 0.999]
    assert row.loc[JOBS, "mu_star"] == pytest.approx(600 * 0.998, rel=1e-9)
    assert row.loc[JOBS, "sigma"] == pytest.approx(0, abs=1e-6)  # linear: no interactions
    assert row.loc[RATE, "mu_star"] == 0


def test_csv_columns_and_same_seed_same_bytes(two, sobol_jobs, tmp_path) -> None:
    write_sensitivity_csv(sobol_jobs, tmp_path / "a.csv")
    again = sensitivity(two, metric="jobs", year=2030, method="sobol", n=256, seed=3)
    pd.testing.assert_frame_equal(sobol_jobs, again)
    write_sensitivity_csv(again, tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    header = (tmp_path / "a.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "input,label,ST,ST_conf,S1,S1_conf,ST_share"
    other = sensitivity(two, metric="jobs", year=2030, method="sobol", n=256, seed=4)
    assert not np.array_equal(other["ST_conf"], sobol_jobs["ST_conf"])
    morris = sensitivity(two, metric="jobs", year=2030, method="morris", n=4, seed=0)
    write_sensitivity_csv(morris, tmp_path / "m.csv")
    assert (tmp_path / "m.csv").read_text(encoding="utf-8").splitlines()[0] == \
        "input,label,mu_star,mu_star_conf,sigma,mu"


def test_tornado_is_xml_and_escapes_labels(two) -> None:
    inputs = with_dists(two, {"clusters[alpha].phases[0].clearance_years":
                              Uniform(dist="uniform", low=0.5, high=3),
                              JOBS: Uniform(dist="uniform", low=50, high=150)})
    df = sensitivity(inputs, metric="jobs", year=2024, n=32, seed=2, names=NAMES)
    for lang in ("en", "vi"):
        svg = tornado_svg(df, title="Jobs <2024> & more", lang=lang)
        root = ET.fromstring(svg)  # well-formed, with every label escaped
        texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
        assert "clearance years of CCN <Alpha> & co" in texts
        assert "Jobs <2024> & more" in texts
        assert "CCN &lt;Alpha&gt; &amp; co" in svg
        assert "<script" not in svg and "href" not in svg  # self-contained
    with pytest.raises(ValueError, match="lang"):
        tornado_svg(df, title="x", lang="fr")


def test_plain_summary(two, sobol_jobs) -> None:
    text = plain_summary(sobol_jobs, "jobs", 2030)
    assert text.startswith("Jobs 2030 is driven 100 % by jobs per leased ha in light "
                           "manufacturing (")
    assert "discount" not in text and "need not add up to 100 %" in text
    flat = sensitivity(two, metric="gross_area_ha", year=2030, n=8, seed=0)  # constant output
    assert (flat["ST"] == 0).all()
    assert plain_summary(flat, "gross_area_ha", 2030) == \
        "Gross area 2030 does not change with any uncertain input of this scenario."
    morris = sensitivity(two, metric="npv_bn_vnd", year=2030, method="morris", n=4, seed=0)
    assert plain_summary(morris, "npv_bn_vnd", 2030).startswith(
        "Developer NPV 2030: Morris screening ranks discount rate first")


def test_no_uncertain_input(mini_inputs) -> None:
    df = sensitivity(with_dists(mini_inputs, {}), metric="jobs", year=2030)
    assert df.empty and list(df.columns)[:3] == ["input", "label", "ST"]
    assert "no uncertain inputs" in plain_summary(df, "jobs", 2030)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"metric": "jobz", "year": 2030}, "metric: expected one of .*jobs"),
    ({"metric": "jobs", "year": 2050}, "year: expected 2020–2030; found 2050"),
    ({"metric": "jobs", "year": 2030, "method": "fast"}, "method"),
    ({"metric": "jobs", "year": 2030, "n": 100}, "power of 2"),
])
def test_bad_arguments(two, kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        sensitivity(two, **kwargs)


def test_sensitivity_speaks_the_page_language(two, sobol_jobs) -> None:
    """The vi report's ranking, sentence and chart: Vietnamese parameter names and sentence
    (hand-written), the English labels kept for sensitivity.csv."""
    from simulator.sensitivity import uncertain_inputs

    vi = {i.key: i.label for i in uncertain_inputs(two, names=NAMES, lang="vi")}
    assert vi[JOBS] == "việc làm mỗi ha đã thuê ngành công nghiệp nhẹ"
    assert vi[RATE] == "suất chiết khấu"
    shown = sobol_jobs.assign(label=[vi[k] for k in sobol_jobs["input"]])
    assert plain_summary(shown, "jobs", 2030, "vi").startswith(
        "Việc làm 2030 phụ thuộc 100 % vào việc làm mỗi ha đã thuê ngành công nghiệp nhẹ (chỉ "
        "số Sobol toàn phần đã chuẩn hoá; ")
    assert sobol_jobs["label"].iloc[0] == "jobs per leased ha in light manufacturing"
    inputs = with_dists(two, {"clusters[alpha].phases[0].clearance_years":
                              Uniform(dist="uniform", low=0.5, high=3)})
    labels = {i.key: i.label for i in uncertain_inputs(inputs, names=NAMES, lang="vi")}
    assert labels["clusters[alpha].phases[0].clearance_years"] == \
        "số năm giải phóng mặt bằng của CCN <Alpha> & co"
    morris = sensitivity(two, metric="npv_bn_vnd", year=2030, method="morris", n=4, seed=0)
    morris = morris.assign(label=[vi[k] for k in morris["input"]])
    assert plain_summary(morris, "npv_bn_vnd", 2030, "vi").startswith(
        "NPV của chủ đầu tư 2030: phép sàng lọc Morris xếp suất chiết khấu đứng đầu, tiếp theo là")
