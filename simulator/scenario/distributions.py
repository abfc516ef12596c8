"""Numeric parameters: a fixed number or a probability distribution.

Every parameter is sampled by inverse transform, `value = ppf(u)` with `u` uniform in (0, 1).
That one entry point serves plain Monte Carlo, Latin hypercube sampling and rank correlation
(all of which only change how `u` is drawn), and truncation to a parameter's admissible range
(`u` is squeezed into `[F(lo), F(hi)]` before the inverse CDF, so no draw is ever clipped).

`central()` is the distribution's mean; a run with one draw uses it.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from scipy.special import betainc, ndtr, ndtri
from scipy.special._ufuncs import _beta_ppf  # what scipy.stats.beta.ppf calls (Boost's ibeta_inv)

__all__ = [
    "Fixed", "Uniform", "Triangular", "Normal", "LogNormal", "PERT",
    "Distribution", "Param", "param",
]

# The normal and beta CDFs and inverses through scipy.special rather than scipy.stats, whose
# import costs about half a second of every run: the same functions, called as scipy.stats calls
# them (loc + scale * standard; the beta CDF 0 below its support and 1 above), equal bit for
# bit (tests/test_distributions.py compares them with scipy.stats).


def _norm_ppf(u: np.ndarray, loc: float = 0.0, scale: float = 1.0) -> np.ndarray:
    x: np.ndarray = ndtri(u) * scale + loc
    return x


def _norm_cdf(x: float, loc: float = 0.0, scale: float = 1.0) -> float:
    return float(ndtr((x - loc) / scale))


def _beta_cdf(x: float, a: float, b: float) -> float:
    return x if math.isnan(x) else 0.0 if x <= 0 else 1.0 if x >= 1 else float(betainc(a, b, x))


class _Dist(BaseModel):
    # a NaN or infinite parameter would pass the order checks (every comparison with NaN is
    # false) and fill every draw with NaN: refused where it is written
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    source: str | None = None
    """Where the value comes from (a citation), or `assumption: …` with the reasoning."""

    def central(self) -> float:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def support(self) -> tuple[float, float]:
        return (-math.inf, math.inf)

    def ppf(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def cdf(self, x: float) -> float:  # pragma: no cover
        raise NotImplementedError

    def is_fixed(self) -> bool:
        return False

    def sample_u(self, u: np.ndarray, lo: float = -math.inf, hi: float = math.inf) -> np.ndarray:
        """Values at uniform quantiles `u`, truncated to [lo, hi] by squeezing `u`."""
        s_lo, s_hi = self.support()
        if lo <= s_lo and hi >= s_hi:
            return self.ppf(u)
        f_lo = self.cdf(lo) if lo > s_lo else 0.0
        f_hi = self.cdf(hi) if hi < s_hi else 1.0
        return self.ppf(f_lo + u * (f_hi - f_lo))


class Fixed(_Dist):
    """A number known exactly (or treated as such)."""

    dist: Literal["fixed"] = "fixed"
    value: float

    def central(self) -> float:
        return self.value

    def support(self) -> tuple[float, float]:
        return (self.value, self.value)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return np.full(np.shape(u), self.value)

    def sample_u(self, u: np.ndarray, lo: float = -math.inf, hi: float = math.inf) -> np.ndarray:
        return self.ppf(u)

    def is_fixed(self) -> bool:
        return True


class _Bounded(_Dist):
    @model_validator(mode="after")
    def _ordered(self) -> _Bounded:
        vals = [getattr(self, k) for k in ("low", "mode", "high") if hasattr(self, k)]
        if any(a > b for a, b in zip(vals, vals[1:])) or vals[0] == vals[-1]:
            names = [k for k in ("low", "mode", "high") if hasattr(self, k)]
            got = ", ".join(f"{k} {v:g}" for k, v in zip(names, vals))
            raise ValueError(f"{' ≤ '.join(names)} with low < high; found {got}")
        return self

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)  # type: ignore[attr-defined]


class Uniform(_Bounded):
    """Every value between `low` and `high` equally likely."""

    dist: Literal["uniform"]
    low: float
    high: float

    def central(self) -> float:
        return (self.low + self.high) / 2

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.low + np.asarray(u) * (self.high - self.low)

    def cdf(self, x: float) -> float:
        return min(1.0, max(0.0, (x - self.low) / (self.high - self.low)))


class Triangular(_Bounded):
    """Lowest, most likely and highest value."""

    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    def central(self) -> float:
        return (self.low + self.mode + self.high) / 3

    def ppf(self, u: np.ndarray) -> np.ndarray:
        a, c, b = self.low, self.mode, self.high
        u = np.asarray(u, dtype=float)
        fc = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1 - u) * (b - a) * (b - c))
        return np.where(u < fc, left, right)

    def cdf(self, x: float) -> float:
        a, c, b = self.low, self.mode, self.high
        if x <= a:
            return 0.0
        if x >= b:
            return 1.0
        if x <= c:
            return (x - a) ** 2 / ((b - a) * (c - a))
        return 1 - (b - x) ** 2 / ((b - a) * (b - c))


class PERT(_Bounded):
    """Beta-PERT: like triangular, with less weight in the tails (shape `lamb`, default 4)."""

    dist: Literal["pert"]
    low: float
    mode: float
    high: float
    lamb: float = Field(4.0, gt=0)

    def _ab(self) -> tuple[float, float]:
        r = self.high - self.low
        return (1 + self.lamb * (self.mode - self.low) / r, 1 + self.lamb * (self.high - self.mode) / r)

    def central(self) -> float:
        return (self.low + self.lamb * self.mode + self.high) / (self.lamb + 2)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        a, b = self._ab()
        x: np.ndarray = self.low + (self.high - self.low) * _beta_ppf(u, a, b)
        return x

    def cdf(self, x: float) -> float:
        a, b = self._ab()
        return _beta_cdf((x - self.low) / (self.high - self.low), a, b)


class Normal(_Dist):
    """Mean and standard deviation; truncated to the parameter's admissible range."""

    dist: Literal["normal"]
    mean: float
    sd: float = Field(gt=0)

    def central(self) -> float:
        return self.mean

    def ppf(self, u: np.ndarray) -> np.ndarray:
        x: np.ndarray = _norm_ppf(u, self.mean, self.sd)
        return x

    def cdf(self, x: float) -> float:
        return _norm_cdf(x, self.mean, self.sd)


class LogNormal(_Dist):
    """Median and `sigma`, the standard deviation of the logarithm (always positive)."""

    dist: Literal["lognormal"]
    median: float = Field(gt=0)
    sigma: float = Field(gt=0)

    def central(self) -> float:
        return self.median * math.exp(self.sigma**2 / 2)

    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        x: np.ndarray = self.median * np.exp(self.sigma * _norm_ppf(u))
        return x

    def cdf(self, x: float) -> float:
        return 0.0 if x <= 0 else _norm_cdf(math.log(x / self.median) / self.sigma)


_PARAM_HELP = "a number or a distribution {dist: triangular, low, mode, high} (or uniform, normal, lognormal, pert, fixed)"


def _to_tagged(v: Any) -> Any:
    """A bare number, or a mapping with `value` and no `dist`, means a fixed value."""
    if isinstance(v, (bool, str, list)) or v is None:
        raise ValueError(f"{_PARAM_HELP}; found {v!r}")
    if isinstance(v, (int, float)):
        return {"dist": "fixed", "value": v}
    if isinstance(v, dict) and "dist" not in v and "value" in v:
        return {"dist": "fixed", **v}
    return v


Distribution = Annotated[
    Union[Fixed, Uniform, Triangular, PERT, Normal, LogNormal], Field(discriminator="dist")
]
Param = Annotated[Distribution, BeforeValidator(_to_tagged)]


def param(ge: float | None = None, le: float | None = None) -> Any:
    """A Param whose every possible value must lie in [ge, le].

    Bounded distributions must fit inside; unbounded ones (normal) must have their mean inside
    and are truncated to the range when sampled.
    """

    def check(d: _Dist) -> _Dist:
        lo, hi = d.support()
        if math.isinf(lo) or math.isinf(hi):
            lo = hi = d.central()
        if ge is not None and lo < ge:
            raise ValueError(f"a value ≥ {ge:g}; found {lo:g}")
        if le is not None and hi > le:
            raise ValueError(f"a value ≤ {le:g}; found {hi:g}")
        return d

    bounds = Field(json_schema_extra={"bounds": {"ge": ge, "le": le}})
    return Annotated[Param, AfterValidator(check), bounds]
