"""Reading a scenario file's YAML: libyaml's parser with ruamel's YAML 1.2 tags gives the very
values and lines ruamel's round-trip loader gives; every other form is left to ruamel."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.errors import ScenarioError
from simulator.scenario import load
from simulator.scenario.load import load_scenario

from conftest import DATA, ROOT

FILES = [*sorted((ROOT / "scenarios").glob("*.yaml")), DATA / "mini.yaml"]

SAME = {
    "numbers": "a: 1\nb: -2\nc: +3\nd: 0\ne: 1.5\nf: -0.0\ng: 1e3\nh: 2.5E-3\ni: .5\nj: 1.\n"
               "k: -12.75e+2\nl: 0.1\nm: 123456789012345678901234567890\n",
    "words": "a: true\nb: False\nc: TRUE\nd: yes\ne: no\nf: on\ng: ~\nh: null\ni:\nj: ''\n"
             "k: \"1\"\nl: '2.5'\nm: text with spaces\nn: 'quoted: yes'\no: \"tab\\t\\u00e9\"\n"
             "p: Thường Tín\nq: 1.2.3\nr: =x\ns: <<x\n",
    "block scalars": "a: |\n  line one\n  line two\nb: >\n  folded\n  text\n\nc: end\n"
                     "d: |-\n  kept\n",
    "flow": "a: [1, 2.5, x, {b: c}]\nb: {c: [d, e], f: g}\nc: []\nd: {}\n",
    "nested": "list:\n- a\n- b: 1\n  c: 2\n-\n  - x\n  - y\nother:\n  deep:\n    deeper: [1]\n",
    "comments": "# top\na: 1 # after\n\n# between\nb:\n  # inside\n  c: 2\n",
    "keys": "2030: 5\n1.5: x\ntrue: y\n~: z\n'7': w\n",
    "aliases": "a: &x [1, {b: 2}]\nb: *x\nc: &s text\nd: *s\n",
    "merges": "a: &t\n  x: 1\n  y: 2\nb:\n  <<: *t\n  y: 3\nc:\n  z: 0\n  <<: *t\n  w: 9\n"
              "g: &v\n  x: 5\n  q: 7\nd:\n  <<: [*t, *v]\n  k: 1\n",
    "merged flow mappings": "a: &v {p: 1, q: 2}\nb: &t {q: 3}\nc:\n  <<: [*v, *t]\n  r: 0\n"
                            "d: {<<: *t, s: 1}\ne:\n  <<: [*v, *t]\nf: {<<: *v}\n",
    "merged targets": "targets:\n  - &t\n    metric: jobs\n    year: 2030\n    at_least: 100\n"
                      "  - <<: *t\n    at_least: 200\n",
}

RUAMEL = {
    "a date": "a: 2024-01-01\n",
    "an octal": "a: 0o17\n",
    "a leading zero": "a: 010\n",
    "underscores": "a: 1_000\n",
    "a hexadecimal": "a: 0x1F\n",
    "infinity": "a: .inf\n",
    "not a number": "a: .nan\n",
    "a tag": "a: !!float 42\n",
    "a custom tag": "a: !thing 1\n",
    "a directive": "%YAML 1.1\n---\na: yes\n",
    "a tab after a colon": "a:\tx\nb: 1\n",
    "a tab in a quoted text": "a: \"x\ty\"\n",
    "a colon in an anchor": "x: &a:b 5\ny: 1\n",
    "an anchor before a colon": "a:\n  b: 1\n  &source: test\n",
    "a duplicate key": "a: 1\nb: 2\na: 3\n",
    "two merge keys": "a: &t {x: 1}\nb:\n  <<: *t\n  <<: *t\n",
    "a merged scalar": "a: &t 1\nb:\n  <<: *t\n",
    "a complex key": "? [1, 2]\n: 3\n",
    "a syntax error": "a: [1, 2\nb: 3\n",
    "an unknown alias": "a: *nowhere\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "a list": "- 1\n- 2\n",
    "an empty file": "",
}


def canonical(value: Any) -> Any:
    """A value read from YAML, with its lines, in a form that compares types and bits: ruamel's
    ScalarFloat and ScalarInt are floats and ints, its ScalarBoolean a bool."""
    if isinstance(value, dict):
        return ("map", value.file, value.line, value.files,
                [(canonical(k), canonical(v), value.lines[k]) for k, v in value.items()])
    if isinstance(value, list):
        return ("seq", value.file, value.line, list(value.lines), [canonical(v) for v in value])
    if value is None or isinstance(value, str):
        return (type(value).__name__, value)
    if isinstance(value, bool) or type(value).__name__ == "ScalarBoolean":
        return ("bool", bool(value))
    if isinstance(value, int):
        return ("int", int(value))
    if isinstance(value, float):
        return ("float", float(value).hex())
    return ("other", type(value).__name__, repr(value))  # a date, a tagged value…


def test_every_bundled_scenario_file_reads_as_ruamel_reads_it() -> None:
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        assert canonical(load._libyaml_located(text, "f.yaml")) == canonical(
            load._ruamel_located(text, "f.yaml")), path.name


@pytest.mark.parametrize("text", SAME.values(), ids=SAME.keys())
def test_libyaml_reads_values_lines_and_merges_as_ruamel(text: str) -> None:
    assert canonical(load._libyaml_located(text, "f.yaml")) == canonical(
        load._ruamel_located(text, "f.yaml"))


@pytest.mark.parametrize("text", RUAMEL.values(), ids=RUAMEL.keys())
def test_other_forms_are_left_to_ruamel(text: str, write) -> None:
    """libyaml declines; ruamel reads the file (or words its problem) as it always did."""
    with pytest.raises(load._Unsupported):
        load._libyaml_located(text, "f.yaml")
    path = write("f.yaml", text)

    def read(reader: Any) -> Any:
        try:
            return canonical(reader())
        except ScenarioError as e:
            return [str(p) for p in e.problems]

    assert read(lambda: load._read_yaml(path)) == read(lambda: load._ruamel_located(text, str(path)))


def test_the_bundled_scenarios_are_read_without_ruamel(monkeypatch) -> None:
    """The extends chain of expansion.yaml is read by libyaml alone (the fast path is taken)."""
    def refuse(text: str, shown: str) -> None:
        raise AssertionError(f"ruamel read {shown}")

    monkeypatch.setattr(load, "_ruamel_located", refuse)
    loaded = load_scenario(ROOT / "scenarios" / "expansion.yaml")
    assert len(loaded.chain) == 3


def test_too_many_values_through_aliases_are_refused() -> None:
    text = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"{k}: &{k} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, k in zip("abcdef", "bcdefg"))
    with pytest.raises(ScenarioError, match="at most 200,000 values once YAML aliases are expanded"):
        load._libyaml_located(text, "bomb.yaml")
