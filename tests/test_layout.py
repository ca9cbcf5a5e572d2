"""The layout's rules, checked over the import graph (imports inside functions count).

ARCHITECTURE.md says who may import whom; a change that breaks a rule fails here, naming
the module and the import.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "embedlab"
CORE = {"embeddings", "search", "expressions", "subwords", "device", "errors", "limits", "checks"}
ROOMS = {"ingest", "formats", "train", "analysis", "store", "jobs", "app", "cli"}
# room -> rooms it must never import (core is open to every room)
FORBIDDEN = {
    "core": ROOMS,
    "formats": ROOMS - {"formats"},
    "ingest": {"train", "analysis", "store", "jobs", "app", "cli"},
    "train": {"analysis", "store", "jobs", "app", "cli"},
    "analysis": {"store", "jobs", "app", "cli"},
    "store": {"ingest", "train", "analysis", "jobs", "app", "cli"},
    "jobs": {"app", "cli"},
    "app": {"cli"},
    "cli": {"app"},
}


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, imported module) for every import in the file, at any depth."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "embedlab":
                for alias in node.names:
                    yield node.lineno, f"embedlab.{alias.name}"
            else:
                yield node.lineno, node.module


def _room(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "embedlab" or len(parts) < 2:
        return None
    if parts[1] in ROOMS:
        return parts[1]
    return "core" if parts[1] in CORE else None


SOURCES = sorted(PACKAGE.rglob("*.py"))
GRAPH = {_module(p): sorted(set(_imports(p))) for p in SOURCES}


def test_every_module_has_a_room():
    homeless = [m for m in GRAPH if m != "embedlab" and _room(m) is None]
    assert homeless == [], f"modules outside the layout: {homeless}"


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_follow_the_layers(module):
    room = _room(module)
    if room is None:
        return
    broken = [
        f"line {line}: {target}"
        for line, target in GRAPH[module]
        if _room(target) in FORBIDDEN[room] and _room(target) != room
    ]
    assert broken == [], f"{module} ({room}) may not import: {broken}"


def test_only_the_app_imports_streamlit():
    outside = [
        f"{m} line {line}"
        for m, imports in GRAPH.items()
        for line, target in imports
        if target.split(".")[0] == "streamlit" and _room(m) != "app"
    ]
    assert outside == []


def test_no_two_modules_import_each_other():
    """No cycles, not even through an import inside a function (package __init__ files that
    re-export their own modules are not edges back)."""
    edges = {
        m: {t for _, t in imports if t in GRAPH and t != m and not m.startswith(t + ".")}
        for m, imports in GRAPH.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for v in edges:
        if v not in index:
            visit(v)
    assert cycles == []


def test_pages_are_thin():
    long = {
        p.name: n
        for p in sorted((ROOT / "pages").glob("*.py"))
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 150
    }
    assert long == {}, f"pages over 150 lines: {long}"


def test_cli_modules_stay_small():
    long = {
        p.name: n
        for p in sorted((PACKAGE / "cli").glob("*.py"))
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 300
    }
    assert long == {}, f"cli modules over 300 lines: {long}"
