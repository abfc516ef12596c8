"""Read scenario files: YAML with line numbers → resolve `extends` → validate → Scenario.

Precedence when a file says `extends: parent.yaml` (applied in this order):
  1. the parent is resolved first, recursively (a cycle or a missing parent is an error);
  2. the child's top-level keys override the parent's; mappings (e.g. `district`) merge key by
     key, lists and scalars are replaced — except `clusters`;
  3. `remove_clusters: [id, …]` drops parent clusters;
  4. `modify_clusters: {id: {…}}` merges the given keys into a parent cluster (lists replaced);
  5. the child's `clusters:` are appended; reusing a parent's id is an error (use modify).
Every value keeps the file and line it came from, so a validation problem points at the line
that introduced the bad value, in whichever file of the chain that is.

Bounds: a scenario file (and every parent) is at most `MAX_BYTES`, a parent must be a YAML
file (`.yaml`/`.yml`) holding a mapping, and a file may hold at most `MAX_NODES` values once
its YAML aliases are expanded (a "billion laughs" file is refused, not expanded).
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml import resolver as ruamel_resolver
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from simulator.errors import Problem, ScenarioError
from simulator.scenario import distributions, optimise_config, schema
from simulator.scenario.schema import Scenario

__all__ = ["LoadedScenario", "load_scenario", "SourceMap", "bundled_scenarios", "scenario_path"]

_CHILD_ONLY = ("extends", "remove_clusters", "modify_clusters")
MAX_BYTES = 2_000_000  # a scenario file, or a parent, larger than this is refused
MAX_NODES = 200_000  # values in one file, aliases expanded (the bundled scenarios: < 2,000)
YAML_SUFFIXES = (".yaml", ".yml")


class LDict(dict):  # type: ignore[type-arg]
    """A mapping that remembers its file and the line of each key (and, after merging a
    child into a parent, the file of each key: `files`, default `file`)."""

    file: str
    line: int
    lines: dict[Any, int]
    files: dict[Any, str]


def _file_of(node: LDict, key: Any) -> str:
    files: dict[Any, str] = getattr(node, "files", {})
    return files.get(key, node.file)


class LList(list):  # type: ignore[type-arg]
    """A sequence that remembers its file and the line of each item."""

    file: str
    line: int
    lines: list[int]


def _key_line(node: Any, key: Any) -> int:
    """1-based line of a mapping's key; a key brought in by a YAML merge (`<<: *anchor`)
    points to where the anchored mapping writes it. ruamel keeps no key positions for some
    mappings (e.g. a flow mapping brought in by a merge): their keys are at the mapping's line."""
    if key in (node.lc.data or {}):
        return int(node.lc.key(key)[0]) + 1
    for source in getattr(node, "merge", []):
        source = source[1] if isinstance(source, tuple) else source  # (position, map) in older ruamel
        if key in source:
            return _key_line(source, key)
    return int(node.lc.line) + 1


def _too_many_values(file: str) -> ScenarioError:
    return ScenarioError([Problem(file, None, "", f"at most {MAX_NODES:,} values once YAML "
                                  "aliases are expanded", "more (an alias bomb?)")])


def _located(root: Any, file: str) -> Any:
    """ruamel round-trip nodes → LDict/LList carrying file and 1-based lines. An alias is
    copied where it is used; more than MAX_NODES values in all is refused."""
    count = 0

    def walk(node: Any) -> Any:
        nonlocal count
        count += 1
        if count > MAX_NODES:
            raise _too_many_values(file)
        if isinstance(node, CommentedMap):
            out = LDict((k, walk(v)) for k, v in node.items())
            out.file, out.line, out.files = file, node.lc.line + 1, {}
            out.lines = {k: _key_line(node, k) for k in node}
            return out
        if isinstance(node, CommentedSeq):
            out_l = LList(walk(v) for v in node)
            out_l.file, out_l.line = file, node.lc.line + 1
            out_l.lines = [node.lc.item(i)[0] + 1 for i in range(len(node))]
            return out_l
        if isinstance(node, str):
            return str(node)
        return node

    return walk(root)


def _ruamel_located(text: str, shown: str) -> LDict:
    """A scenario file's text → LDict through ruamel's round-trip loader (YAML 1.2); a syntax
    error, a duplicate key or a document that is not a mapping is a located problem."""
    try:
        data = YAML(typ="rt").load(text)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        what = " ".join(str(x) for x in (e.context, e.problem) if x)
        raise ScenarioError([Problem(shown, line, "", "valid YAML", what)])
    except YAMLError as e:
        raise ScenarioError([Problem(shown, None, "", "valid YAML", str(e).splitlines()[0])])
    if not isinstance(data, dict):
        raise ScenarioError([Problem(shown, 1, "", "a mapping of scenario fields",
                                     "an empty file" if data is None else _shown(data))])
    located: LDict = _located(data, shown)  # a mapping comes back as an LDict
    return located


class _Unsupported(Exception):
    """A document `_libyaml_located` leaves to ruamel: a syntax error, a duplicate key, a value
    it would not read as ruamel does (a date, `0o17`, `1_000`, `.inf`, a tag, `%YAML 1.1`…)."""


def _yaml12_tags() -> dict[Any, list[tuple[str, Any]]]:
    """ruamel's own YAML 1.2 rules for the tag of a plain scalar, by first character, in the
    form PyYAML's resolver reads: `true`, `1e3`, `010`, `yes`, `~` get ruamel's tags."""
    out: dict[Any, list[tuple[str, Any]]] = {}
    for versions, tag, regexp, first in ruamel_resolver.implicit_resolvers:
        if (1, 2) in versions:
            for ch in first:
                out.setdefault(ch, []).append((tag, regexp))
    return out


_YAML12_TAGS = _yaml12_tags()
_LIBYAML = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser, where installed
_TAG = "tag:yaml.org,2002:"
_ODD_ANCHOR = re.compile(r"[&*][0-9A-Za-z_-]*[^0-9A-Za-z_\-\s,\[\]{}]")  # e.g. &a:b, *x.y
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?[0-9]+[eE][-+]?[0-9]+")
_CONSTANTS: dict[str, dict[str, Any]] = {
    "bool": {"true": True, "True": True, "TRUE": True, "false": False, "False": False,
             "FALSE": False},
    "null": {"~": None, "null": None, "Null": None, "NULL": None, "": None}}


def _scalar(node: Any) -> Any:
    """A scalar node's value as ruamel's round-trip loader makes it (its number types are int
    and float subclasses of the same value); any other form is `_Unsupported`."""
    kind, value = node.tag.removeprefix(_TAG), node.value
    if kind == "str":
        return value
    if kind in _CONSTANTS and value in _CONSTANTS[kind]:
        return _CONSTANTS[kind][value]
    if kind == "int" and _INT.fullmatch(value):
        return int(value)
    if kind == "float" and _FLOAT.fullmatch(value):
        return float(value)
    raise _Unsupported


class _Nodes:
    """libyaml's nodes → LDict/LList as `_located` makes them from ruamel's: the values, the
    line of each key and item, merge keys (`<<: *a` or `<<: [*a, *b]`: the mapping's own keys
    first, then each merged mapping's keys not there yet, the first mapping winning, at the
    lines where the anchored mappings write them), aliases copied where they are used, every
    value counted against MAX_NODES."""

    def __init__(self, file: str) -> None:
        self.file, self.count = file, 0

    def value(self, node: Any) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _too_many_values(self.file)
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node)
        if isinstance(node, yaml.SequenceNode) and node.tag == _TAG + "seq":
            return self.sequence(node)
        return self.mapping(node)

    def sequence(self, node: Any) -> LList:
        out = LList(self.value(item) for item in node.value)
        out.file, out.line = self.file, node.start_mark.line + 1
        out.lines = [item.start_mark.line + 1 for item in node.value]
        return out

    def mapping(self, node: Any) -> LDict:
        if not isinstance(node, yaml.MappingNode) or node.tag != _TAG + "map":
            raise _Unsupported
        out = LDict()
        out.file, out.line, out.files, out.lines = self.file, node.start_mark.line + 1, {}, {}
        merged: list[Any] = []
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge" and not merged:
                merged = _merged(value_node)
                continue
            key = _scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else out
            if key is out or key in out:  # a complex or a duplicate key, or a second `<<`
                raise _Unsupported
            out[key], out.lines[key] = self.value(value_node), key_node.start_mark.line + 1
        for source in map(self.mapping, merged):
            for key, value in source.items():
                if key not in out:
                    out[key], out.lines[key] = value, source.lines[key]
        return out


def _merged(node: Any) -> list[Any]:
    """The mappings a merge key's value names: one, or a sequence of them."""
    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    if not items or not all(isinstance(item, yaml.MappingNode) for item in items):
        raise _Unsupported
    return list(items)


def _libyaml_located(text: str, shown: str) -> LDict:
    """A scenario file's text → LDict, parsed by libyaml (C: some 30× faster than ruamel's
    pure-Python parser) with ruamel's YAML 1.2 tags, so the same values and lines; raises
    `_Unsupported` wherever ruamel's reading could differ (ruamel then reads the file, and
    words any problem with it)."""
    if text.startswith("%") or "\n%" in text:  # a directive, e.g. %YAML 1.1
        raise _Unsupported
    if "\t" in text or _ODD_ANCHOR.search(text):  # libyaml takes a tab after `key:` as a
        raise _Unsupported  # space, and ends an anchor's name at `:` or `.`; ruamel does not
    loader = _LIBYAML(text)
    loader.yaml_implicit_resolvers = _YAML12_TAGS
    try:
        root = loader.get_single_node()
    except yaml.YAMLError:
        raise _Unsupported from None
    finally:
        loader.dispose()
    if not isinstance(root, yaml.MappingNode):
        raise _Unsupported
    return _Nodes(shown).mapping(root)


def _read_yaml(path: Path) -> LDict:
    shown = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ScenarioError([Problem(shown, None, "", f"a scenario file of at most "
                                         f"{MAX_BYTES:,} bytes", f"{size:,} bytes")])
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        names = ", ".join(bundled_scenarios())
        raise ScenarioError([Problem(shown, None, "", "an existing scenario file or the name of "
                                     f"a bundled scenario ({names})", "no such file")])
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError([Problem(shown, None, "", "a readable UTF-8 text file", str(e))])
    try:
        return _libyaml_located(text, shown)
    except _Unsupported:
        return _ruamel_located(text, shown)


class _Replace(LDict):
    """A mapping that replaces, rather than merges into, the parent's value."""


def _merge(parent: Any, child: Any) -> Any:
    if isinstance(parent, LDict) and isinstance(child, LDict) and not isinstance(child, _Replace):
        out = LDict(parent)
        out.file, out.line, out.lines = child.file, child.line, {**parent.lines, **child.lines}
        out.files = {**{k: _file_of(parent, k) for k in parent},
                     **{k: _file_of(child, k) for k in child}}
        for k, v in child.items():
            out[k] = _merge(parent[k], v) if k in parent else v
        return out
    return child


def _cluster_index(clusters: Any) -> dict[str, int]:
    if not isinstance(clusters, list):
        return {}
    return {c["id"]: i for i, c in enumerate(clusters) if isinstance(c, dict) and "id" in c}


def _problem(node: LDict, key: str, expected: str, found: str) -> Problem:
    return Problem(_file_of(node, key), node.lines.get(key, node.line), key, expected, found)


def _apply_child(parent: LDict, child: LDict) -> LDict:
    """Steps 2–5 of the precedence order in this module's docstring."""
    problems: list[Problem] = []
    plain = LDict((k, v) for k, v in child.items() if k not in (*_CHILD_ONLY, "clusters"))
    plain.file, plain.line, plain.lines = child.file, child.line, child.lines
    plain.files = child.files
    merged: LDict = _merge(parent, plain)
    clusters = LList(parent.get("clusters") or [])
    old = parent.get("clusters")
    clusters.file = getattr(old, "file", parent.file)
    clusters.line = getattr(old, "line", parent.line)
    clusters.lines = list(getattr(old, "lines", [parent.line] * len(clusters)))

    removed = _removed_ids(child, _cluster_index(clusters), problems)
    keep = [i for i, c in enumerate(clusters) if not (isinstance(c, dict) and c.get("id") in removed)]
    kept, kept.file, kept.line = LList(clusters[i] for i in keep), clusters.file, clusters.line
    kept.lines = [clusters.lines[i] for i in keep]

    modify: Any = child.get("modify_clusters") or {}
    index = _cluster_index(kept)
    if not isinstance(modify, dict):
        problems.append(_problem(child, "modify_clusters", "a mapping of cluster id → fields",
                                 _shown(modify)))
        modify = {}
    for mid, change in modify.items():
        if mid not in index:
            problems.append(Problem(modify.file, modify.lines.get(mid), f"modify_clusters.{mid}",
                                    "a cluster id of the parent", repr(mid)))
        elif not isinstance(change, dict):
            problems.append(Problem(modify.file, modify.lines.get(mid), f"modify_clusters.{mid}",
                                    "a mapping of cluster fields", repr(change)))
        else:
            kept[index[mid]] = _merge(kept[index[mid]], _replacing_geometry(change))

    _add_clusters(child, index, kept, problems)
    if problems:
        raise ScenarioError(problems)
    merged["clusters"] = kept
    merged.lines.setdefault("clusters", kept.line)
    return merged


def _removed_ids(child: LDict, index: dict[str, int], problems: list[Problem]) -> list[str]:
    """The ids a child's `remove_clusters` names (one id or a list of ids), each one of the
    parent's (`index`); anything else goes to `problems`."""
    given: Any = child.get("remove_clusters") or []
    ids = [given] if isinstance(given, str) else given if type(given) in (LList, list) else None
    if ids is None:
        problems.append(_problem(child, "remove_clusters", "a cluster id or a list of ids",
                                 _shown(given)))
        return []
    for rid in ids:
        if not isinstance(rid, str) or rid not in index:
            problems.append(_problem(child, "remove_clusters", "a cluster id of the parent",
                                     f"{_shown(rid)} (parent has {', '.join(index) or 'none'})"))
    return [rid for rid in ids if isinstance(rid, str)]


def _shown(value: Any) -> str:
    """A value as a problem's `found` names it: a mapping by its keys, a list as a list."""
    if isinstance(value, dict):
        return f"a mapping of {', '.join(map(str, value))}"
    return repr(list(value)) if isinstance(value, list) else repr(value)


def _add_clusters(child: LDict, index: dict[str, int], kept: LList,
                  problems: list[Problem]) -> None:
    """A child's `clusters` (new clusters, a list) appended to the parent's `kept`; a new
    cluster with a parent's id, or `clusters` not a list (e.g. a mapping of the parent's ids,
    meant as `modify_clusters`), goes to `problems`."""
    added: Any = child.get("clusters") or []
    if type(added) not in (LList, list):  # a type test mypy does not narrow: `added` stays Any
        hint = " (to change the parent's clusters: modify_clusters: {id: {field: value}})"
        problems.append(_problem(
            child, "clusters", f"a list of new clusters{hint if isinstance(added, dict) else ''}",
            _shown(added)))
        return
    for j, c in enumerate(added):
        cid = c.get("id") if isinstance(c, dict) else None
        if not isinstance(c, dict):  # named here: it has no file of its own to be found by later
            problems.append(Problem(added.file, added.lines[j], f"clusters[{j}]",
                                    "a mapping of cluster fields", _shown(c)))
        elif cid in index:
            problems.append(Problem(added.file, added.lines[j], f"clusters[{j}].id",
                                    f"a new cluster id (use modify_clusters to change {cid!r}"
                                    f", defined in the parent)", repr(cid)))
        kept.append(c)
        kept.lines.append(added.lines[j])


def _replacing_geometry(change: Any) -> Any:
    """`modify_clusters.<id>.geometry` names a new source: it replaces the parent's geometry
    (merging would keep the parent's `bundled` beside a new `file`)."""
    geometry = change.get("geometry")
    if not isinstance(geometry, LDict):
        return change
    new = _Replace(geometry)
    new.file, new.line, new.lines, new.files = geometry.file, geometry.line, geometry.lines, {}
    out = LDict(change)
    out.file, out.line, out.lines, out.files = change.file, change.line, change.lines, change.files
    out["geometry"] = new
    return out


def _parent_path(doc: LDict, path: Path) -> Path:
    """The file `extends:` names: an existing YAML scenario file of at most MAX_BYTES."""
    name = doc.get("extends")
    if not isinstance(name, str):
        raise ScenarioError([_problem(doc, "extends", "a file name", repr(name))])
    parent = path.parent / name
    if parent.suffix.lower() not in YAML_SUFFIXES:
        raise ScenarioError([_problem(doc, "extends", "a YAML scenario file (.yaml or .yml)",
                                      repr(name))])
    if not parent.is_file():
        raise ScenarioError([_problem(doc, "extends", "an existing parent scenario file",
                                      f"{name} (no such file next to {path.name})")])
    return parent


def _resolve(given: Path, chain: tuple[Path, ...]) -> tuple[LDict, tuple[Path, ...]]:
    """The file as given (problems name it so, e.g. `scenarios/my-plan.yaml`) and its parents;
    the chain holds resolved paths (to find cycles)."""
    path = given.resolve()
    if path in chain:
        loop = " → ".join(p.name for p in (*chain[chain.index(path):], path))
        raise ScenarioError([Problem(str(chain[-1]), None, "extends", "no cycle of extends",
                                     loop)])
    doc = _read_yaml(given)
    chain = (*chain, path)
    if doc.get("extends") is None:
        return doc, chain
    parent, parents = _resolve(_parent_path(doc, given), chain)
    return _apply_child(parent, doc), parents


@dataclass(frozen=True)
class SourceMap:
    """Finds the file and line behind a field path of the resolved scenario."""

    root: LDict

    def locate(self, loc: tuple[Any, ...]) -> tuple[str, int | None, str]:
        """(file, line, readable path) for a pydantic-style location tuple."""
        node: Any = self.root
        file, line = self.root.file, None
        parts: list[str] = []
        for key in loc:
            if isinstance(node, LDict) and key in node:
                file, line = _file_of(node, key), node.lines.get(key, node.line)
                parts.append(f".{key}" if parts else str(key))
                node = node[key]
            elif isinstance(node, LList) and isinstance(key, int) and key < len(node):
                file, line = getattr(node[key], "file", node.file), node.lines[key]
                item = node[key]
                label = item.get("id") if isinstance(item, dict) and "id" in item else key
                parts.append(f"[{label}]")
                node = item
            elif isinstance(node, LDict) and isinstance(key, str) and key in _TAGS:
                continue  # a distribution tag pydantic adds to the path
            else:
                parts.append(f".{key}" if parts else str(key))
                node = None
        return file, line, "".join(parts)

    def file_of(self, loc: tuple[Any, ...]) -> Path:
        """The file that declared the value at `loc` (to resolve relative paths in it)."""
        return Path(self.locate(loc)[0])


_TAGS = {"fixed", "uniform", "triangular", "pert", "normal", "lognormal",
         "function-after[check(), tagged-union[Fixed,Uniform,Triangular,PERT,Normal,LogNormal]]",
         *optimise_config.CONSTRAINT_KINDS}
# what a text field's pattern asks for, in words
_PATTERNS = {schema.SLUG_PATTERN: "an id of lower-case letters, digits, '_' and '-' "
                                  "(starting with a letter or a digit)",
             optimise_config.STAT_PATTERN: "'mean' or a percentile 'p1' … 'p99'"}


@dataclass(frozen=True)
class LoadedScenario:
    scenario: Any  # Scenario
    sha256: str  # of the resolved, validated scenario (canonical JSON)
    chain: tuple[str, ...]  # the file, then its parents
    sources: SourceMap


def _expected_found(err: dict[str, Any]) -> tuple[str, str]:
    kind, msg = err["type"], err["msg"]
    found = err.get("input")
    shown = "nothing" if kind == "missing" else _short(found)
    if kind == "extra_forbidden":
        return "a known field", f"unknown field {err['loc'][-1]!r}"
    if kind == "missing":
        return "a value (this field is required)", "nothing"
    if kind == "value_error":
        text = msg.removeprefix("Value error, ")
        exp, _, fnd = text.partition("; found ")
        return exp, fnd or shown
    if kind == "too_short":
        n = err.get("ctx", {}).get("min_length", 1)
        return f"at least {n} item{'s' if n != 1 else ''}", shown
    if kind == "too_long":
        n = err["ctx"]["max_length"]
        return f"at most {n} item{'s' if n != 1 else ''}", f"{len(err['input'])}"
    if kind == "string_pattern_mismatch" and err["ctx"]["pattern"] in _PATTERNS:
        return _PATTERNS[err["ctx"]["pattern"]], shown
    if kind == "union_tag_invalid" or kind == "union_tag_not_found":
        return "a number or {dist: fixed|uniform|triangular|pert|normal|lognormal, …}", shown
    text = msg.removeprefix("Input should be ").removeprefix("Value error, ")
    if text.startswith(("greater", "less")):
        text = "a number " + text
    return text, shown


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _models_in(annotation: Any) -> list[tuple[str, type[BaseModel]]]:
    """(suffix, model) for each scenario model an annotation holds: `X`, `X | None` → "",
    `list[X]` → "[<id>]", `dict[str, X]` → ".<name>" (distributions are leaves)."""
    origin, args = get_origin(annotation), get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [] if annotation.__module__ == distributions.__name__ else [("", annotation)]
    if origin is list and args:
        return [(f"[<{'id' if 'id' in getattr(m, 'model_fields', {}) else 'n'}>]{s}", m)
                for s, m in _models_in(args[0])]
    if origin is dict and len(args) == 2:
        return [(f".<name>{s}", m) for s, m in _models_in(args[1])]
    return [x for a in args for x in _models_in(a)]


@functools.cache
def _schema_paths() -> tuple[tuple[str, str], ...]:
    """(leaf name, full path) of every field of the scenario schema, e.g. ("jobs_per_leased_ha",
    "district.sectors.<name>.jobs_per_leased_ha")."""
    out: list[tuple[str, str]] = []

    def walk(cls: Any, prefix: str, depth: int) -> None:
        for name, field in cls.model_fields.items():
            out.append((name, prefix + name))
            for suffix, model in _models_in(field.annotation) if depth < 6 else []:
                walk(model, f"{prefix}{name}{suffix}.", depth + 1)

    walk(schema.Scenario, "", 0)
    return tuple(out)


def _hint(loc: tuple[Any, ...]) -> str | None:
    """'did you mean …?' for an unknown field: the field of that name elsewhere in the
    schema (with its full path), else the closest name here, else the closest name anywhere."""
    leaf, known = str(loc[-1]), _known_fields(loc)
    elsewhere = sorted({p for name, p in _schema_paths() if name == leaf})
    here = ".".join(str(k) for k in loc if not isinstance(k, int) and k not in _TAGS)
    if here in {re.sub(r"\[<\w+>\]|\.<\w+>", "", p) for p in elsewhere}:
        return None  # a field of another kind of item here (a rule constraint's `metric`)
    if elsewhere:
        return " or ".join(repr(p) for p in elsewhere[:3])
    close = difflib.get_close_matches(leaf, known, n=1)
    if close:
        return repr(close[0])
    leaves = {name: p for name, p in _schema_paths()}
    close = difflib.get_close_matches(leaf, list(leaves), n=1, cutoff=0.8)
    return repr(leaves[close[0]]) if close else None


def _known_fields(loc: tuple[Any, ...]) -> list[str]:
    """Field names valid at the parent of `loc`, for a 'did you mean' hint."""
    cls: type[BaseModel] = schema.Scenario
    for key in loc[:-1]:
        if isinstance(key, int):
            continue
        if key in optimise_config.CONSTRAINT_KINDS:  # the kind of item pydantic validated
            cls = optimise_config.CONSTRAINT_KINDS[key]
            continue
        field = cls.model_fields.get(key) if hasattr(cls, "model_fields") else None
        if field is None:
            return []
        ann = field.annotation
        args: tuple[Any, ...] = getattr(ann, "__args__", (ann,))
        inner = [a for a in args if hasattr(a, "model_fields")] or [m for _, m in _models_in(ann)]
        if not inner:
            return []
        cls = inner[0]
    return list(cls.model_fields)


def _validation_problems(exc: Any, sources: SourceMap) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"]) + getattr(err.get("ctx", {}).get("error"), "loc", ())
        file, line, path = sources.locate(loc)
        expected, found = _expected_found(err)
        if err["type"] == "extra_forbidden":
            known, hint = _known_fields(loc), _hint(loc)
            expected = f"one of {', '.join(known)}" if known else expected
            if hint:
                expected = f"a known field (did you mean {hint}?)"
        problems.append(Problem(file, line, path, expected, found))
    return problems


BUNDLED_SCENARIOS = "simulator.bundled_scenarios"  # the repository's scenarios/, installed


def bundled_scenarios() -> dict[str, Path]:
    """The scenarios shipped with the package (the repository's `scenarios/`), by name."""
    folder = Path(str(resources.files(BUNDLED_SCENARIOS)))
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def scenario_path(name: str | Path) -> Path:
    """`name` itself when it is an existing file; else the bundled scenario of that name
    (`expansion` or `expansion.yaml`); else `name` unchanged, so that reading it reports the
    missing file."""
    path = Path(name)
    if path.is_file() or path.parent != Path("."):
        return path
    return bundled_scenarios().get(path.name.removesuffix(".yaml"), path)


def _late_problems(scenario: Any, sources: SourceMap) -> list[Problem]:
    """What the schema cannot see field by field: a phase approved after the horizon would
    silently contribute nothing."""
    problems = []
    for i, c in enumerate(scenario.clusters):
        for j, p in enumerate(c.phases):
            if p.approval_year > scenario.horizon_year:
                file, line, where = sources.locate(("clusters", i, "phases", j, "approval_year"))
                problems.append(Problem(file, line, where, f"a year ≤ horizon_year "
                                        f"{scenario.horizon_year} (a phase approved later adds "
                                        "nothing to the results)", str(p.approval_year)))
    return problems


def load_scenario(path: str | Path) -> LoadedScenario:
    """Load, resolve and validate a scenario file (a path, or the name of a bundled scenario:
    `scenario_path`); raise ScenarioError with every problem."""
    doc, chain = _resolve(scenario_path(path), ())
    for key in _CHILD_ONLY[1:]:
        doc.pop(key, None)
    if len(chain) > 1:
        doc["extends"] = str(chain[1].name)
    sources = SourceMap(doc)
    try:
        scenario = Scenario.model_validate(doc)
    except ValidationError as exc:
        raise ScenarioError(_validation_problems(exc, sources)) from None
    late = _late_problems(scenario, sources)
    if late:
        raise ScenarioError(late)
    canonical = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return LoadedScenario(scenario, digest, tuple(str(p) for p in chain), sources)
