"""Generate docs/scenario-reference.md and docs/scenario.schema.json from the schema.

    python -m simulator.scenario.reference          # rewrite both files
A test regenerates them and fails when the committed copies drift.
"""

from __future__ import annotations

import ast
import inspect
import json
import sys
import textwrap
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any, get_args

from pydantic import BaseModel

from simulator.scenario import distributions, optimise_config as oc, rules_config, schema, wording
from simulator.scenario.rules_config import RulesConfig

__all__ = ["reference_markdown", "json_schema", "write_reference"]

DOCS = Path(__file__).resolve().parents[2] / "docs"
_MODELS = (schema.Scenario, schema.District, schema.DistrictParams, schema.LandUse,
           schema.SectorParams, schema.Cluster, schema.ClusterParams, schema.Phase, schema.GeometryRef,
           schema.Target, schema.UncertaintySettings, schema.Correlation, RulesConfig,
           schema.GeodataLayers, schema.LayerRef, oc.OptimiseConfig, oc.Decision, oc.Objective, oc.MetricConstraint, oc.RuleConstraint,
           oc.SearchBudget)
_INTRO = """# Scenario file reference

*Generated from `simulator/scenario/schema.py` by `python -m simulator.scenario.reference`;
do not edit by hand.*

A scenario is a YAML file. Unknown keys are errors. Any field typed **param** takes a number or
a distribution:

| form | example | central value (used with `draws: 1`) |
|---|---|---|
| number | `25` | the number |
| fixed with a source | `{value: 25, source: "…"}` | `value` |
| triangular | `{dist: triangular, low: 20, mode: 25, high: 34}` | (low + mode + high) / 3 |
| PERT | `{dist: pert, low: 20, mode: 25, high: 34}` (optional `lamb`, default 4) | (low + lamb·mode + high) / (lamb + 2) |
| uniform | `{dist: uniform, low: 1, high: 3}` | (low + high) / 2 |
| normal | `{dist: normal, mean: 3, sd: 0.5}` (truncated to the field's range) | mean |
| lognormal | `{dist: lognormal, median: 2, sigma: 0.3}` | median · exp(sigma² / 2) |

Every distribution also takes `source:`. Each value is drawn once per place it is declared: a
district parameter is one draw shared by every cluster that inherits it.

## Inheritance
`extends: parent.yaml` loads the parent first. The child's keys override the parent's
(mappings merge key by key; lists are replaced). Then `remove_clusters: [id, …]` drops parent
clusters, `modify_clusters: {id: {…}}` merges keys into a parent cluster, and the child's
`clusters:` are appended (an id already in the parent is an error). A `geometry:` given under
`modify_clusters` replaces the parent's (a new `file:` does not keep the parent's `bundled:`).
Cycles and missing parents are errors; a parent must be a YAML scenario file (`.yaml`/`.yml`,
at most 2 MB, a mapping), and a problem in a parent is reported at its own file and line.

Phases must add up to the cluster's `area_ha` (shares to 1), and no phase may be approved after
`horizon_year`.

## Texts in two languages
`title`, `description`, a target's `label` and an optimisation constraint's `label` (types
**text or {vi, en}**) take one text, or one text per language:
`description: {vi: "…", en: "…"}` (either key may be left
out). A page shows the text of its own language (`--lang`), else the other, and marks the
language it is in; summary.json, optimise.json and the terminal use the English one. A key
other than `vi` or `en`, or an empty text, is an error at its file and line.
"""


def _attribute_docs(cls: type) -> dict[str, str]:
    """The docstrings under the fields of `cls`'s own body (`name: type` then a string), as
    pydantic's `use_attribute_docstrings` reads them; {} for a class built by create_model."""
    try:
        first = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0]
    except (OSError, TypeError):
        return {}
    body = first.body if isinstance(first, ast.ClassDef) else []
    return {a.target.id: inspect.cleandoc(b.value.value) for a, b in zip(body, body[1:])
            if isinstance(a, ast.AnnAssign) and isinstance(a.target, ast.Name)
            and isinstance(b, ast.Expr) and isinstance(b.value, ast.Constant)
            and isinstance(b.value.value, str)}


def _models(module: ModuleType) -> list[type[BaseModel]]:
    """The pydantic models defined in `module`, parents before children."""
    found = {id(c): c for c in vars(module).values()
             if isinstance(c, type) and issubclass(c, BaseModel) and c.__module__ == module.__name__}
    return sorted(found.values(), key=lambda c: len(c.__mro__))


@cache
def _documented() -> None:
    """Each field's docstring as its description, for the reference and the JSON schema.

    The models do not read their docstrings at import (pydantic's `use_attribute_docstrings`
    reads every class's source, a tenth of a second of every run); the reference does, here:
    a field declared in a class takes the docstring under it, an inherited field its parent's,
    a description given in `Field(...)` stays, and the models are rebuilt leaves first."""
    models = [m for mod in (distributions, rules_config, oc, wording, schema)
              for m in _models(mod)]
    assert set(_MODELS) <= set(models), "a model of the reference is in a module not read here"
    for m in models:
        own, fields = _attribute_docs(m), m.model_fields
        for name, field in fields.items():
            if field.description is not None:
                continue
            if name in own:
                field.description = own[name]
            elif name not in m.__dict__.get("__annotations__", {}):
                field.description = next((b.model_fields[name].description for b in m.__mro__[1:]
                                          if issubclass(b, BaseModel) and name in b.model_fields),
                                         None)
    for m in sorted(models, key=_depth):
        m.model_rebuild(force=True)


def _depth(model: type[BaseModel]) -> int:
    """1 + the depth of the deepest model among `model`'s field types (0 for none)."""
    inner = {r for f in model.model_fields.values() for r in _model_types(f.annotation)} - {model}
    return 1 + max(map(_depth, inner), default=-1)


def _model_types(tp: Any) -> set[type[BaseModel]]:
    return set(_models_of(tp))


def _models_of(tp: Any) -> list[type[BaseModel]]:
    """The scenario models an annotation holds, in the order written (once each)."""
    own = [tp] if isinstance(tp, type) and issubclass(tp, BaseModel) else []
    return list(dict.fromkeys(own + [m for a in get_args(tp) for m in _models_of(a)]))


def _type(field: Any) -> str:
    if "Wording" in str(field.annotation):
        optional = "None" in str(field.annotation) or field.default is None
        return "text or {vi, en}" + (" or None" if optional else "")
    text = str(field.annotation).replace("typing.", "").replace("simulator.scenario.schema.", "")
    text = text.replace("simulator.scenario.optimise_config.", "")
    text = text.replace("simulator.scenario.rules_config.", "")
    if "Fixed" in text or "tagged-union" in text or "Annotated" in text and "dist" in text:
        return "param"
    if "Discriminator" in text:  # models told apart by a function (optimise's constraints)
        kinds = " or ".join(m.__name__ for m in _models_of(field.annotation))
        return f"list[{kinds}]" if text.startswith("list[") else kinds
    for old, new in (("<class '", ""), ("'>", ""), ("Optional[", ""), ("NoneType", "none")):
        text = text.replace(old, new)
    return text.replace(" | ", " or ")


def _default(model_name: str, field: Any) -> str:
    if field.is_required():
        return "**required**"
    if field.default_factory is not None:
        return _factory_default(field.default_factory())
    if field.default is None:
        return "parameters.csv" if model_name == "DistrictParams" else "—"
    return f"`{field.default}`"


def _factory_default(value: Any) -> str:
    """What a default factory gives, as the reference shows it: a section below for a model,
    the value otherwise (a land-use share comes from parameters.csv)."""
    if isinstance(value, BaseModel):
        name = type(value).__name__
        assert type(value) in _MODELS, f"{name} needs a section in the reference"
        return f"(see [{name}](#{name.lower()}))"
    if isinstance(value, float):
        return f"`{value:g}` (parameters.csv)"
    return f"`{value!r}`" if value else ("`[]`" if isinstance(value, list) else "`{}`")


def _defaults_table() -> str:
    rows = ["| parameter | where | unit | default | range | source |", "|---|---|---|---|---|---|"]
    where = {"cluster": "district.params, clusters[].params", "district": "district.params",
             "sector": "district.sectors", "land_use": "district.land_use, clusters[].land_use",
             "sector_mix": "clusters[].sector_mix (by kind)"}
    for name, row in schema.parameter_table().items():
        rng = f"{row['low']}–{row['high']}" if row["low"] else "—"
        shown = f"{row['dist']} mode {row['mode']}" if row["dist"] != "fixed" else row["mode"]
        rows.append(f"| `{name}` | {where[row['group']]} | {row['unit']} | {shown} | {rng} | "
                    f"{row['source']} |")
    return "\n".join(rows)


def reference_markdown() -> str:
    _documented()
    parts = [_INTRO]
    for model in _MODELS:
        parts.append(f"## {model.__name__}\n\n{(model.__doc__ or '').strip()}\n")
        parts.append("| field | type | default | meaning |\n|---|---|---|---|")
        for name, field in model.model_fields.items():
            doc = (field.description or "").replace("\n", " ")
            parts.append(f"| `{name}` | {_type(field)} | {_default(model.__name__, field)} | {doc} |")
        parts.append("")
    parts.append("## Parameter defaults (simulator/parameters.csv)\n\n" + _defaults_table() + "\n")
    return "\n".join(parts)


def json_schema() -> str:
    _documented()
    s = schema.Scenario.model_json_schema()
    s["properties"]["remove_clusters"] = {"type": "array", "items": {"type": "string"},
                                          "description": "Parent clusters to drop (with extends)."}
    s["properties"]["modify_clusters"] = {"type": "object", "description":
                                          "Keys to merge into parent clusters, by id (with extends)."}
    s["required"] = []  # a child file may inherit any field; the resolved scenario is checked
    return json.dumps(s, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def write_reference(docs: Path = DOCS) -> None:
    docs.mkdir(exist_ok=True)
    (docs / "scenario-reference.md").write_text(reference_markdown(), encoding="utf-8")
    (docs / "scenario.schema.json").write_text(json_schema(), encoding="utf-8")


if __name__ == "__main__":
    write_reference(Path(sys.argv[1]) if len(sys.argv) > 1 else DOCS)
