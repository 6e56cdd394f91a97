"""The house's import graph: no cycle between modules (imports inside functions count), rooms read top-down.

An import placed inside a function to dodge a cycle still ties the two modules together: the graph here
reads every ``import`` statement of a module, wherever it stands (the check of ``shared/hooks/before-stop``,
extended from pairs to cycles of any length with Tarjan's strongly connected components).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import pmo_analytics

ROOT = Path(pmo_analytics.__file__).parent


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """module -> modules of the package it imports (any statement, at any depth; ``from pkg import mod`` is the module)."""
    files = {}
    for p in root.rglob("*.py"):
        parts = list(p.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        files[".".join([package, *parts])] = p
    edges: dict[str, set[str]] = {m: set() for m in files}
    for mod, path in files.items():
        here = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    pkg = here.split(".")[: len(here.split(".")) - node.level + 1]
                    base = ".".join(pkg + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names]
            else:
                continue
            edges[mod].update(t for t in targets if t in files and t != mod)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component of more than one module (Tarjan 1972), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(edges) + 100))
    try:
        for v in sorted(edges):
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(limit)
    return sorted(out)


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def test_the_checker_finds_a_cycle_held_open_by_imports_inside_functions(tmp_path):
    # the shape the records stack had: export -> html -> pages -> review -> export, two links inside functions
    root = _package(tmp_path, {
        "__init__.py": "",
        "records/__init__.py": "",
        "records/export.py": "def f():\n    from .html import page_title\n",
        "records/html.py": "from . import pages\n",
        "records/pages.py": "def g():\n    from .review import IDENTITY\n",
        "records/review.py": "from .export import export_results\nimport os\n",
        "records/leaf.py": "from ..records import export\n",
    })
    edges = import_graph(root, "pkg")
    assert edges["pkg.records.leaf"] == {"pkg.records.export"}  # the module named, not its package
    assert cycles(edges) == [["pkg.records.export", "pkg.records.html", "pkg.records.pages", "pkg.records.review"]]


def test_the_checker_passes_a_graph_without_cycles(tmp_path):
    root = _package(tmp_path, {"__init__.py": "from . import b\n", "a.py": "from . import b\n", "b.py": "import json\n"})
    assert cycles(import_graph(root, "pkg")) == []


def test_the_package_has_no_import_cycle():
    assert cycles(import_graph(ROOT, "pmo_analytics")) == []


#: The analytics rooms, and the layers above them that they never import (ARCHITECTURE: charts, records and
#: the command line sit on top; the review room chains the analytics).
ANALYTICS = ("tables", "intake", "selection", "schedule", "risk", "monitor", "benefits", "governance")
ABOVE = ("charts", "records", "cli", "review", "workshop")


@pytest.mark.parametrize("room", ANALYTICS)
def test_an_analytics_room_never_imports_the_layers_above(room):
    edges = import_graph(ROOT, "pmo_analytics")
    up = sorted(f"{m} -> {t}" for m, ts in edges.items() if m.split(".")[1:2] == [room]
                for t in ts if t.split(".")[1:2] and t.split(".")[1] in ABOVE)
    assert up == []
