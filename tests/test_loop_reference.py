"""The benchmark's plain-Python loop reference computes what the model computes (else its
speed-up figure would compare different work)."""

from __future__ import annotations

import sys

import numpy as np

from simulator import model
from simulator.inputs import build_inputs

from conftest import ROOT, geo_for
from test_model import _random_scenario

sys.path.insert(0, str(ROOT / "benchmarks"))

from loop_reference import simulate_one  # noqa: E402


def test_loop_reference_agrees_with_the_model() -> None:
    inputs = build_inputs(_random_scenario(6, 21, 4, 2.0), geo_for(4))
    p = model.draw_parameters(inputs)
    raw = model.simulate_draws(inputs, p)
    for d in range(inputs.draws):
        one = simulate_one(inputs, p, d)
        assert len(one) > 10
        for k, v in one.items():
            np.testing.assert_allclose(np.asarray(v), raw[k][d], rtol=1e-9, atol=1e-7, err_msg=k)
