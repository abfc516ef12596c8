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
