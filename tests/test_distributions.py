"""Distributions: inverse CDFs against scipy, truncation, central values."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import TypeAdapter

from simulator.scenario.distributions import Param
from simulator.uncertainty import ParamSpec, draw_keys

P = TypeAdapter(Param)
U = np.linspace(0.001, 0.999, 201)


@pytest.mark.parametrize(
    ("spec", "frozen"),
    [
        ({"dist": "triangular", "low": 1, "mode": 2, "high": 5},
         lambda st: st.triang(c=0.25, loc=1, scale=4)),
        ({"dist": "uniform", "low": 2, "high": 6}, lambda st: st.uniform(2, 4)),
        ({"dist": "normal", "mean": 3, "sd": 0.5}, lambda st: st.norm(3, 0.5)),
        ({"dist": "lognormal", "median": 2, "sigma": 0.3}, lambda st: st.lognorm(0.3, scale=2)),
        ({"dist": "pert", "low": 0, "mode": 1, "high": 4},
         lambda st: st.beta(1 + 4 * 0.25, 1 + 4 * 0.75, loc=0, scale=4)),
    ],
)
def test_ppf_and_mean_match_scipy(spec, frozen) -> None:
    import scipy.stats as st

    d, ref = P.validate_python(spec), frozen(st)
    np.testing.assert_allclose(d.ppf(U), ref.ppf(U), rtol=1e-9)
    assert d.central() == pytest.approx(ref.mean())


def test_numbers_and_value_mappings_are_fixed() -> None:
    assert P.validate_python(3).central() == 3
    d = P.validate_python({"value": 2, "source": "x"})
    assert d.is_fixed() and d.source == "x"


def test_truncated_normal_stays_in_range_without_clipping() -> None:
    d = P.validate_python({"dist": "normal", "mean": 0.1, "sd": 0.5})
    x = draw_keys({"k": ParamSpec("k", d, 0.0, 1.0)}, seed=1, n=5000)["k"]
    assert x.min() >= 0 and x.max() <= 1
    assert (x == 0).mean() < 0.001  # squeezed quantiles, not a pile-up at the bound


def test_one_draw_is_the_mean() -> None:
    d = P.validate_python({"dist": "triangular", "low": 0, "mode": 0, "high": 3})
    assert draw_keys({"k": ParamSpec("k", d)}, seed=1, n=1)["k"][0] == pytest.approx(1.0)


def test_shared_key_shares_draws() -> None:
    """A value inherited from the district is one draw for every cluster; a cluster's own
    declaration is its own draw."""
    from conftest import geo_for
    from test_model import _random_scenario

    from simulator.inputs import build_inputs
    from simulator.model import ParameterDraws

    s = _random_scenario(100, 4, 3, 2.0)
    own = s.clusters[2].model_copy(update={"params": s.clusters[2].params.model_copy(update={
        "lease_price_bn_vnd_per_ha": P.validate_python({"dist": "uniform", "low": 5, "high": 9})})})
    s = s.model_copy(update={"clusters": [*s.clusters[:2], own]})
    m = ParameterDraws(build_inputs(s, geo_for(3))).take()["cluster"]["lease_price_bn_vnd_per_ha"]
    np.testing.assert_array_equal(m[:, 0], m[:, 1])
    assert not np.array_equal(m[:, 0], m[:, 2])


def test_scipy_special_forms_equal_scipy_stats_bit_for_bit() -> None:
    """The normal and beta functions go through scipy.special (scipy.stats is half a second of
    import): they equal scipy.stats's, bit for bit, on a dense grid, the ends and outside."""
    import scipy.stats as st

    from simulator.scenario import distributions as dd

    u = np.concatenate([np.random.default_rng(7).random(20_000), [0.0, 1.0, 0.5, 1e-300, 5e-324,
                                                                   1 - 2**-53, -0.1, 1.1, np.nan]])
    np.testing.assert_array_equal(dd._norm_ppf(u), st.norm.ppf(u))
    np.testing.assert_array_equal(dd._norm_ppf(u, 3.5, 0.7), st.norm.ppf(u, 3.5, 0.7))
    tame = u[(u > 1e-200) | ~(u > 0)]  # Boost warns (and scipy.stats alike) below ~1e-300
    for a, b in [(1.0, 1.0), (1.0, 5.0), (2.3, 3.7), (3.0, 3.0), (1.8, 1.2)]:
        np.testing.assert_array_equal(dd._beta_ppf(tame, a, b), st.beta.ppf(tame, a, b))
        for x in [*u[:200], 0.0, 1.0, -0.5, 1.5, np.nan, -np.inf, np.inf]:
            np.testing.assert_array_equal(dd._beta_cdf(x, a, b), st.beta.cdf(x, a, b))
    for x in [*(u[:200] * 12 - 6), 0.0, -0.0, np.inf, -np.inf, np.nan]:
        np.testing.assert_array_equal(dd._norm_cdf(x), st.norm.cdf(x))
        np.testing.assert_array_equal(dd._norm_cdf(x, 1.3, 2.2), st.norm.cdf(x, 1.3, 2.2))
