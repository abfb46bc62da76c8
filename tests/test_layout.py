"""The package's own structure: which of its modules import which."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "skgraphfeat"


def _imports_of_the_package():
    """``{module: {modules of the package it imports}}``, at any depth of
    the module (function-level imports too)."""
    graph = {}
    for path in PACKAGE.glob("*.py"):
        name = path.stem
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module:
                    imported.add(node.module.split(".")[0])
                else:  # from . import x, y
                    imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                if parts[0] == "skgraphfeat" and len(parts) > 1:
                    imported.add(parts[1])
        graph[name] = {m for m in imported if (PACKAGE / f"{m}.py").exists()}
    return graph


def _circles(graph):
    """Every import circle, as a list of modules (one rotation each)."""
    found, state = set(), {}

    def visit(module, path):
        state[module] = "open"
        for other in sorted(graph[module]):
            if state.get(other) == "open":
                circle = path[path.index(other) :]
                start = circle.index(min(circle))
                found.add(tuple(circle[start:] + circle[:start]))
            elif other not in state:
                visit(other, [*path, other])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return sorted(found)


def test_the_package_has_no_import_circle():
    graph = _imports_of_the_package()
    assert graph["_base"] >= {"_copies", "_graph"}  # the reading works
    assert _circles(graph) == []


def test_the_circle_finder_finds_one():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circles(graph) == [("a", "b", "c")]
