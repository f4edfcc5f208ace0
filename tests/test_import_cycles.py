"""No import cycles in the package, at module level or through deferred imports.

Every module under ``src/coded_events`` is parsed (``ast``, nothing is imported) and
each import it can run is an edge: module-level imports and imports inside functions
alike; only those under ``if TYPE_CHECKING:`` never run and are left out. Importing
``a.b.c`` also runs ``a`` and ``a.b``, so those are edges too (except a module's own
parent packages, which are already being imported when it runs). A cycle in that graph
fails the test, named module by module.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"


def module_files(src: Path, package: str) -> dict[str, Path]:
    """Every module of ``package`` under ``src`` by dotted name (packages by their own)."""
    found = {}
    for path in sorted((src / package).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _runs(test: ast.expr) -> bool:
    """False for ``if TYPE_CHECKING:`` (its body never runs)."""
    name = test.attr if isinstance(test, ast.Attribute) else getattr(test, "id", None)
    return name != "TYPE_CHECKING"


def _import_nodes(nodes: Iterable[ast.AST]) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements among ``nodes`` that can run, at any depth."""
    for node in nodes:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and not _runs(node.test):
            yield from _import_nodes(node.orelse)
        else:
            yield from _import_nodes(ast.iter_child_nodes(node))


def imported(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of ``modules`` that importing ``name`` (at ``path``) can import."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in _import_nodes([ast.parse(path.read_text(encoding="utf-8"))]):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            base = f"{anchor}.{base}" if base else anchor
        for alias in node.names:
            sub = f"{base}.{alias.name}"
            targets.add(sub if sub in modules else base)
    edges = set()
    for target in targets:
        parts = target.split(".")
        for end in range(1, len(parts) + 1):
            step = ".".join(parts[:end])
            own_parent = name == step or name.startswith(step + ".")
            if step in modules and not own_parent:
                edges.add(step)
    return edges


def import_graph(src: Path, package: str) -> dict[str, set[str]]:
    """Module -> the package's modules it can import."""
    modules = module_files(src, package)
    return {name: imported(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (as a path that returns to its start) per strongly connected group."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph[node]:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_cycle_in(graph, set(group)) for group in groups]


def _cycle_in(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """A path from the group's first module back to it, inside the group."""
    start = min(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for other in sorted(graph[node] & group):
            if other == start:
                return [*paths[node], start]
            if other not in paths:
                paths[other] = [*paths[node], other]
                queue.append(other)
    raise AssertionError(f"no cycle through {start}")  # a strongly connected group has one


KNOWN_CYCLES: set[frozenset[str]] = set()
"""Cycles being removed by a change in progress. The test fails on any other cycle, and
on an entry here that is no longer a cycle (so the entry goes too)."""


def test_the_package_has_no_import_cycle() -> None:
    graph = import_graph(SRC, "coded_events")
    assert len(graph) > 30  # the walk found the package
    found = {frozenset(c): c for c in cycles(graph)}
    new = [c for members, c in found.items() if members not in KNOWN_CYCLES]
    assert not new, "import cycles:\n" + "\n".join(" -> ".join(c) for c in new)
    assert found.keys() >= KNOWN_CYCLES, "a known cycle is gone: remove it from KNOWN_CYCLES"


def _package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (  # module level
            {"__init__.py": "", "a.py": "from pkg import b\n", "b.py": "import pkg.a\n"},
            ["pkg.a", "pkg.b", "pkg.a"],
        ),
        (  # deferred, inside a function, and relative
            {
                "__init__.py": "",
                "a.py": "def f():\n    from .b import g\n",
                "b.py": "from pkg.a import f\ndef g(): pass\n",
            },
            ["pkg.a", "pkg.b", "pkg.a"],
        ),
        (  # through a package's __init__ (importing pkg.sub.x runs pkg.sub)
            {
                "__init__.py": "",
                "sub/__init__.py": "from pkg.sub import x, y\n",
                "sub/x.py": "",
                "sub/y.py": "def f():\n    import pkg.d\n",
                "c.py": "from pkg.sub import x\n",
                "d.py": "import pkg.c\n",
            },
            ["pkg.c", "pkg.sub", "pkg.sub.y", "pkg.d", "pkg.c"],
        ),
    ],
    ids=["module-level", "deferred", "through-a-package"],
)
def test_a_cycle_is_found(tmp_path: Path, files: dict[str, str], expected: list[str]) -> None:
    assert cycles(import_graph(_package(tmp_path, files), "pkg")) == [expected]


def test_type_checking_imports_and_own_parents_are_not_edges(tmp_path: Path) -> None:
    files = {
        "__init__.py": "from pkg import a\n",
        "a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import b\n",
        "b.py": "from pkg.a import x\n",
    }
    graph = import_graph(_package(tmp_path, files), "pkg")
    assert graph == {"pkg": {"pkg.a"}, "pkg.a": set(), "pkg.b": {"pkg.a"}}
    assert cycles(graph) == []
