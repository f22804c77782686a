"""The package's layout stays readable (ARCHITECTURE.md): few modules at the top, no function
over 80 lines, and no import circle between modules - counting every import, also those inside
functions and those made only for type checking."""

from __future__ import annotations

import ast
from pathlib import Path

import hipdrop

PACKAGE = Path(hipdrop.__file__).parent
MAX_TOP_LEVEL_MODULES = 12
MAX_FUNCTION_LINES = 80


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, ast.Module]:
    return {
        _module_name(path): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(PACKAGE.rglob("*.py"))
    }


def _imported(node: ast.AST, modules: set[str]) -> set[str]:
    """The package's modules one import statement names (``from a import b``: a.b where that
    is a module, else a)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in modules}
    if not isinstance(node, ast.ImportFrom) or node.level or node.module not in modules:
        return set()
    submodules = {f"{node.module}.{alias.name}" for alias in node.names}
    return (submodules & modules) or {node.module}


def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports anywhere in its code."""
    trees = _modules()
    names = set(trees)
    return {
        name: {t for node in ast.walk(tree) for t in _imported(node, names)} - {name}
        for name, tree in trees.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle (as a list of modules, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[node] = 2
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_cycle_between_modules() -> None:
    assert find_cycle(import_graph()) is None


def test_the_cycle_finder_finds_a_circle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_few_modules_at_the_top_of_the_package() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top


def test_no_function_over_80_lines() -> None:
    long = [
        f"{name}.{node.name}: {node.end_lineno - node.lineno + 1} lines"
        for name, tree in _modules().items()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, long


#: The data flow's layers, lowest first (ARCHITECTURE.md). A module may import from its own
#: layer or those below it, never from one above: pose never reaches into analysis, nor
#: geometry into the report.
LAYERS = [
    {"conventions", "errors", "version"},
    {"tracks"},
    {"io"},
    {"pose", "geometry"},
    {"events"},
    {"analysis", "validation"},
    {"report", "options", "summary_schema", "synthetic"},
    {"result", "compare", "pipeline", "batch"},
    {"cli", ""},
]


def _layer(module: str) -> int:
    """The layer of ``hipdrop.x.y`` (its first part below ``hipdrop``; '' for the package)."""
    part = module.split(".")[1] if "." in module else ""
    return next(i for i, layer in enumerate(LAYERS) if part in layer)


def test_every_import_points_down_the_data_flow() -> None:
    upward = [
        f"{source} -> {target}"
        for source, targets in import_graph().items()
        for target in targets
        if _layer(target) > _layer(source)
    ]
    assert not upward, upward
