"""No module over 500 lines and no function over 60 lines without a stated reason.

A module or function over the limit passes when its docstring says why, in a sentence that
starts ``Long because:``. Those over today without one are listed in ``ALLOWED`` with a
one-line reason each: that is debt, for the next round to pay (split, or state the
reason). An entry that is no longer over the limit fails the test, so the list only
shrinks. Lines are counted from the source (``ast``; nothing is imported): a module's
physical lines, a function's from ``def`` to its last line, docstring included.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60
REASON = "Long because:"

ALLOWED: dict[str, str] = {
    # modules (dotted name)
    # functions (module:qualified name)
}


def _modules(src: Path, package: str) -> dict[str, Path]:
    found = {}
    for path in sorted((src / package).rglob("*.py")):
        found[".".join(path.relative_to(src).with_suffix("").parts)] = path
    return found


def _functions(
    node: ast.AST, prefix: str = ""
) -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """Every function and method below ``node`` by qualified name (``Class.method``)."""
    out = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            name = f"{prefix}{child.name}"
            out.append((name, child))
            out += _functions(child, f"{name}.")
        elif isinstance(child, ast.ClassDef):
            out += _functions(child, f"{prefix}{child.name}.")
        else:
            out += _functions(child, prefix)
    return out


def oversized(src: Path = SRC, package: str = "coded_events") -> dict[str, int]:
    """Every module and function over its limit whose docstring gives no reason."""
    over = {}
    for module, path in _modules(src, package).items():
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        lines = len(text.splitlines())
        if lines > MAX_MODULE_LINES and REASON not in (ast.get_docstring(tree) or ""):
            over[module] = lines
        for name, node in _functions(tree):
            size = (node.end_lineno or node.lineno) - node.lineno + 1
            if size > MAX_FUNCTION_LINES and REASON not in (ast.get_docstring(node) or ""):
                over[f"{module}:{name}"] = size
    return over


def test_no_module_or_function_over_the_limit_without_a_reason() -> None:
    over = oversized()
    new = {name: size for name, size in over.items() if name not in ALLOWED}
    assert not new, (
        f"over {MAX_MODULE_LINES} lines (module) or {MAX_FUNCTION_LINES} (function), "
        f"with no '{REASON} ...' in the docstring: split it or state why: {new}"
    )


def test_the_allow_list_only_holds_what_is_still_over() -> None:
    gone = sorted(set(ALLOWED) - set(oversized()))
    assert not gone, f"no longer over the limit (or a reason is stated): drop from ALLOWED: {gone}"


def test_only_a_stated_reason_lets_a_long_module_or_function_pass(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    padding = "\n" * (MAX_MODULE_LINES + 1)
    files = {
        "bare.py": f"def f():\n{body}\n",
        "reasoned.py": f'def f():\n    """Long because: a table."""\n{body}\n',
        "method.py": f"class C:\n    def m(self):\n    {body.replace(chr(10), chr(10) + '    ')}\n",
        "short.py": "def f():\n    return 1\n",
        "big.py": f"X = 1{padding}",
        "big_reasoned.py": f'"""Long because: generated."""{padding}',
    }
    for name, text in files.items():
        path = tmp_path / "pkg" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert set(oversized(tmp_path, "pkg")) == {"pkg.bare:f", "pkg.method:C.m", "pkg.big"}
