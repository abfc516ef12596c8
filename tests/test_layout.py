"""The package's import graph: no cycles, and no imports hidden inside functions.

A small AST walk over simulator/: every `import` and `from … import`, at module level, under
`if TYPE_CHECKING:` or inside a function, is an edge from the importing module to each module of
the package it names (`from simulator.x import y` also names `simulator.x.y` when that is a
module). cli.py is left out: its imports are lazy on purpose (a quick `--help`).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "simulator"
LAZY_OK = {"simulator.cli", "simulator.__main__"}  # the CLI imports lazily, on purpose
OPTIONAL = ("dask", "distributed", "numba")  # optional extras may be imported where used


def modules(root: Path = PACKAGE) -> dict[str, Path]:
    out = {}
    for f in sorted(root.rglob("*.py")):
        name = ".".join(f.relative_to(root.parent).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = f
    return out


def _targets(mods: dict[str, Path], cur: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    package = cur.split(".") if mods[cur].name == "__init__.py" else cur.split(".")[:-1]
    if isinstance(node, ast.Import):
        named = [a.name for a in node.names]
    else:
        base = node.module or ""
        if node.level:
            base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
        named = [base, *(f"{base}.{a.name}" for a in node.names)]
    return {m for m in named if m in mods and m != cur}


def import_graph(mods: dict[str, Path]) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {m: set() for m in mods}
    for m, f in mods.items():
        if m in LAZY_OK:
            continue
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                edges[m] |= _targets(mods, m, node)
    return edges


def _reachable(edges: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(edges[start])
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo.extend(edges[m])
    return seen


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or through others."""
    reach = {m: _reachable(edges, m) for m in edges}
    groups = {tuple(sorted(m2 for m2 in reach[m] if m in reach[m2])) for m in edges if m in reach[m]}
    return sorted(list(g) for g in groups)


def imports_in_functions(mods: dict[str, Path]) -> list[str]:
    out = []
    for m, f in mods.items():
        if m in LAZY_OK:
            continue
        for fn in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(fn):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [
                        a.name for a in node.names]
                    if not all(n.split(".")[0] in OPTIONAL for n in names):
                        out.append(f"{m}:{node.lineno} {fn.name}: {ast.unparse(node)}")
    return out


def test_no_import_cycle() -> None:
    assert cycles(import_graph(modules())) == []


def test_no_import_inside_functions() -> None:
    assert imports_in_functions(modules()) == []


def test_the_cycle_finder_finds_a_cycle(tmp_path: Path) -> None:
    """The walk sees module-level, TYPE_CHECKING, relative and in-function imports."""
    pkg = tmp_path / "simulator"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from simulator import b\n")
    (pkg / "b.py").write_text("from typing import TYPE_CHECKING\n"
                              "if TYPE_CHECKING:\n    from simulator.sub import c\n")
    (pkg / "sub" / "c.py").write_text("def f():\n    from ..a import x\n")
    (pkg / "d.py").write_text("import simulator.a\n")
    mods = modules(pkg)
    assert cycles(import_graph(mods)) == [["simulator.a", "simulator.b", "simulator.sub.c"]]
    assert imports_in_functions(mods) == ["simulator.sub.c:2 f: from ..a import x"]
    (pkg / "sub" / "c.py").write_text("def f():\n    import numba\n")
    assert cycles(import_graph(mods)) == []
    assert imports_in_functions(mods) == []  # an optional extra may be imported where used


VIETNAMESE = re.compile("[ạảãáàâầấậẩẫăằắặẳẵđêềếệểễôồốộổỗơờớợởỡưừứựửữịỉĩíìọỏõóòụủũúùỳýỵỷỹ]",
                        re.IGNORECASE)
PLACE_NAMES = ("Thường Tín", "Hà Nội", "Việt Nam")  # names, not words to translate


def _docstrings(tree: ast.AST) -> set[int]:
    """Bare string statements: docstrings, and attribute docstrings of the schema's fields."""
    return {id(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}


def test_vietnamese_words_live_in_the_words_package() -> None:
    """Every string a user reads in Vietnamese is in simulator/words/ (one place to translate)."""
    found = []
    for m, f in modules().items():
        if m.startswith("simulator.words"):
            continue
        tree = ast.parse(f.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and id(node) not in docs):
                text = node.value
                for name in PLACE_NAMES:
                    text = text.replace(name, "")
                if VIETNAMESE.search(text):
                    found.append(f"{m}:{node.lineno}: {node.value[:40]!r}")
    assert found == []


def test_page_content_loads_without_folium() -> None:
    """maps/__init__ imports no renderer: the content a page is handed (and everything that
    builds it) loads without folium; the renderers do load it."""
    probe = ("import sys, simulator.tables, simulator.map_content, simulator.report_content; "
             "print('folium' in sys.modules); import simulator.maps.scenario_map; "
             "print('folium' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["False", "True"]
