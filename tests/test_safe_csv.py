"""write_frame writes the bytes pandas' to_csv writes, by its own path for plain frames (speed,
issue 13) and through pandas for any other; checked on random frames, not timed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.safe_csv import safe_cell, safe_frame, write_frame

FLOATS = st.one_of(st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-7, -5e-7, 0.5e-6,
                                    123456789.987654321, 1e300]), st.floats())
TEXT = st.text(alphabet=st.sampled_from(list("ab ,\"'\n\r\t=+-@;é😀")), max_size=6)


def _column(kind: str, n: int) -> st.SearchStrategy[list[object]]:
    return {"float": st.lists(FLOATS, min_size=n, max_size=n),
            "int": st.lists(st.integers(-2**62, 2**62), min_size=n, max_size=n),
            "text": st.lists(TEXT, min_size=n, max_size=n),
            "gaps": st.lists(st.one_of(st.none(), TEXT), min_size=n, max_size=n),
            "bool": st.lists(st.booleans(), min_size=n, max_size=n)}[kind]


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 12))
    # unique once made safe: names that coincide ('=' and "'=") have their own test below
    names = draw(st.lists(TEXT.filter(bool), min_size=1, max_size=5, unique_by=safe_cell))
    kinds = [draw(st.sampled_from(["float", "float", "int", "text", "text", "gaps", "bool"]))
             for _ in names]  # mostly the plain frames write_frame writes itself
    data = {}
    for name, kind in zip(names, kinds):
        values = draw(_column(kind, n))
        data[name] = np.array(values, dtype=np.float64) if kind == "float" else \
            np.array(values, dtype=np.int64) if kind == "int" else values
    return pd.DataFrame(data)


def _pandas(df: pd.DataFrame, path: Path, float_format: str) -> bytes:
    """pandas' bytes, after setting to +0.0 every float ≤ 0 whose magnitude prints as zero."""
    df = df.copy()
    for i in range(df.shape[1]):
        x = df.iloc[:, i]
        if x.dtype == np.float64:
            zero = x.map(lambda v: v <= 0 and float_format % abs(v) == float_format % 0.0)
            df.isetitem(i, x.mask(zero.astype(bool), 0.0))
    safe_frame(df).to_csv(path, index=False, float_format=float_format, lineterminator="\n",
                          encoding="utf-8")
    return path.read_bytes()


@pytest.mark.parametrize("plain", [True, False])
def test_a_value_that_prints_as_zero_has_no_minus_sign(tmp_path: Path, plain: bool) -> None:
    """−0.0 and −4e-7 print "0.000000"; −6e-7 keeps its sign ("-0.000001"), as do −0.5 and
    −1e-12 in "%g"; a NaN stays empty, with its sign bit set too; by the joined cells (plain)
    and through pandas (a column with gaps)."""
    df = pd.DataFrame({"x": [-0.0, -4e-7, -6e-7, -0.5, np.nan, 0.0, -np.nan], "y": 1.0})
    assert np.signbit(df["x"].iloc[-1])
    if not plain:
        df["gaps"] = [None, "a", "b", "c", "d", "e", "f"]
    write_frame(df, tmp_path / "f.csv", float_format="%.6f")
    cells = [line.split(",")[0] for line in (tmp_path / "f.csv").read_text().splitlines()[1:]]
    assert cells == ["0.000000", "0.000000", "-0.000001", "-0.500000", "", "0.000000", ""]
    write_frame(pd.DataFrame({"x": [-1e-12, -0.0], "y": [1.0, 2.0]}), tmp_path / "g.csv",
                float_format="%g")
    assert (tmp_path / "g.csv").read_text().splitlines()[1:] == ["-1e-12,1", "0,2"]


@settings(max_examples=150, deadline=None)
@given(df=frames(), float_format=st.sampled_from(["%.6f", "%.6g", "%.1f", "%.1f,", '"%.2e']))
def test_the_same_bytes_as_pandas(tmp_path_factory: pytest.TempPathFactory, df: pd.DataFrame,
                                  float_format: str) -> None:
    d = tmp_path_factory.mktemp("csv")
    write_frame(df, d / "ours.csv", float_format=float_format)
    assert (d / "ours.csv").read_bytes() == _pandas(df, d / "pandas.csv", float_format)


def test_a_plain_frame_does_not_go_through_pandas(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    df = pd.DataFrame({"scenario": ["x", "x"], "cluster": ["=a", "b,c"], "year": [2030, 2031],
                       "mean": [1.5, np.nan], "p10": [-0.0, np.inf]})
    want = _pandas(df, tmp_path / "pandas.csv", "%.6f")

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("went through to_csv")

    monkeypatch.setattr(pd.DataFrame, "to_csv", refuse)
    write_frame(df, tmp_path / "ours.csv", float_format="%.6f")
    assert (tmp_path / "ours.csv").read_bytes() == want
    assert want.decode().splitlines()[1:] == ["x,'=a,2030,1.500000,0.000000",
                                              'x,"b,c",2031,,inf']


def test_names_that_coincide_once_made_safe(tmp_path: Path) -> None:
    # '=' is written "'=", the same as the next column's own name: both columns are kept
    # apart by position and each one's cells are made safe
    df = pd.DataFrame([["=x", "+y", 1.0]], columns=["=", "'=", "v"])
    safe = safe_frame(df)
    assert list(safe.columns) == ["'=", "'=", "v"]
    assert safe.iloc[0].tolist() == ["'=x", "'+y", 1.0]
    assert df.iloc[0].tolist() == ["=x", "+y", 1.0]  # the caller's frame is untouched
    write_frame(df, tmp_path / "ours.csv", float_format="%.1f")
    assert (tmp_path / "ours.csv").read_text().splitlines() == ["'=,'=,v", "'=x,'+y,1.0"]
