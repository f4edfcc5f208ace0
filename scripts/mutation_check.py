"""Mutation testing of the rule modules: apply one small change at a time, run the tests.

Each mutant changes one place of one module: a comparison operator (``<`` -> ``<=``,
``==`` -> ``!=``, ``in`` -> ``not in``), an Arrow kernel of the same kind
(``pc.less`` -> ``pc.less_equal``, ``pc.and_`` -> ``pc.or_``, ``pc.is_null`` ->
``pc.is_valid``, ``pc.invert(x)`` -> ``x``), a number (``n`` -> ``n + 1``, ``x`` ->
``x + 1.0``), a boolean (``True`` <-> ``False``, ``not x`` -> ``x``, ``and`` <-> ``or``),
an ``if``/``while`` condition negated, a statement removed (a call, a ``yield``, an
``append``, ``continue``) or a ``return value`` made ``return None``. Message text is not
mutated (tests assert codes and places, never wording): strings, f-strings, the keyword
arguments of ``template(...)`` and ``.finding(...)`` and the catalogue (``declare(...)``)
are left alone.

The project (``src/``, ``tests/``, the data; not ``.git`` or ``.venv``) is copied to a
temporary folder first; mutants are written there only, never to the checkout. For each
mutant the module's fast tests run (``pytest -x``, with a timeout); a mutant is *killed*
when they fail or time out, and *survives* when they pass. Tests that already fail on the
unmutated copy are deselected (and listed). The report lists every survivor with its line
and change; ``--json`` writes every result.

    .venv/bin/python scripts/mutation_check.py                      # every rule module
    .venv/bin/python scripts/mutation_check.py --modules flat/schema_rules.py --jobs 2
    .venv/bin/python scripts/mutation_check.py --sample 40 --seed 1   # 40 per module
    .venv/bin/python scripts/mutation_check.py --list --modules checks/consistency.py
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "src/coded_events"

# module (below src/coded_events) -> the fast tests that guard it, most specific first;
# a mutant they let through is run again with the wider CONFIRM tests before it counts as
# a survivor (two stages: most mutants die in the first, in seconds)
TESTS: dict[str, list[str]] = {
    "flat/keys.py": ["tests/test_provenance.py", "tests/test_flat.py"],
    "importers/codes.py": ["tests/test_import_codes.py", "tests/test_import_traps.py"],
    "flat/rules.py": ["tests/test_flat_rules.py"],
    "flat/rule_base.py": ["tests/test_flat_rules.py"],
    "flat/schema_rules.py": ["tests/test_flat_rules.py"],
    "flat/derived_rules.py": ["tests/test_flat_rules.py"],
    "flat/row_rules.py": ["tests/test_flat_rules.py"],
    "flat/control_rules.py": ["tests/test_flat_rules.py"],
    "records/checks/base.py": ["tests/test_validate.py", "tests/test_validate_edges.py"],
    "records/checks/codebook_checks.py": ["tests/test_validate.py", "tests/test_validate_edges.py"],
    "records/checks/consistency.py": ["tests/test_validate.py", "tests/test_validate_edges.py"],
    "records/checks/dataset.py": ["tests/test_validate.py", "tests/test_validate_edges.py"],
    "records/checks/evidence.py": ["tests/test_validate.py", "tests/test_validate_edges.py"],
    "records/checks/structure.py": ["tests/test_validate.py", "tests/test_validate_edges.py"],
    "records/checks/syntax.py": ["tests/test_validate.py", "tests/test_validate_edges.py"],
    "access/loader.py": ["tests/test_loader.py"],
    "access/fetch.py": ["tests/test_download.py"],
    "release/build.py": ["tests/test_build.py"],
}
_CHECKS_WIDE = ["tests/test_validate_safety.py", "tests/test_flat_rules.py",
                "tests/test_dataset.py", "tests/test_models.py", "tests/test_deprecations.py",
                "tests/test_validate_cli.py", "tests/test_validate_inputs.py"]  # fmt: skip
_FLAT_WIDE = ["tests/test_flat.py", "tests/test_validate_edges.py"]
CONFIRM: dict[str, list[str]] = {
    **{m: _FLAT_WIDE for m in TESTS if m.startswith("flat/")},
    **{m: _CHECKS_WIDE for m in TESTS if m.startswith("records/checks/")},
    "access/loader.py": [
        "tests/test_loader_cli.py",
        "tests/test_loader_wheel.py",
        "tests/test_download.py",
    ],
    "access/fetch.py": [
        "tests/test_loader.py",
        "tests/test_loader_wheel.py",
        "tests/test_download_limits.py",
    ],
    "release/build.py": ["tests/test_build_safety.py", "tests/test_build_kill.py"],
}
RULE_MODULES = [m for m in TESTS if m.startswith(("records/checks/", "flat/"))]

COMPARE_SWAP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
                ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In,
                ast.Is: ast.IsNot, ast.IsNot: ast.Is}  # fmt: skip
KERNEL_SWAP = {"less": "less_equal", "less_equal": "less", "greater": "greater_equal",
               "greater_equal": "greater", "equal": "not_equal", "not_equal": "equal",
               "and_": "or_", "or_": "and_", "is_null": "is_valid", "is_valid": "is_null",
               "any": "all", "all": "any"}  # fmt: skip
MESSAGE_CALLS = {"template", "finding"}  # their keyword arguments are message text
SKIP_CALLS = {"declare"}  # the catalogue: titles, messages, help


@dataclass
class Mutant:
    module: str
    index: int  # position of the node in the module's AST walk
    kind: str
    line: int
    change: str
    function: str = ""  # the enclosing function (line numbers move as the code changes)
    status: str = ""
    seconds: float = 0.0
    stage: int = 1  # 2: the fast tests let it through, the CONFIRM tests ran too


def _walk(node: ast.AST, parents: tuple[ast.AST, ...] = ()) -> Iterator[tuple]:
    yield node, parents
    for child in ast.iter_child_nodes(node):
        yield from _walk(child, (*parents, node))


def _call_name(node: ast.AST) -> str:
    func = node.func if isinstance(node, ast.Call) else None
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _skipped(node: ast.AST, parents: tuple[ast.AST, ...]) -> bool:
    """Message text, docstrings and the catalogue are not mutated."""
    for i, parent in enumerate(parents):
        if isinstance(parent, ast.JoinedStr):
            return True
        if isinstance(parent, ast.Call) and _call_name(parent) in SKIP_CALLS:
            return True
        if isinstance(parent, ast.keyword) and _call_name(parents[i - 1]) in MESSAGE_CALLS:
            return True
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)  # docstring


def _is_pc(func: ast.AST) -> bool:
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and (func.value.id == "pc")
    )


def variants(node: ast.AST) -> list[tuple[str, object]]:
    """The mutations of one node: (kind, argument)."""
    out: list[tuple[str, object]] = []
    if isinstance(node, ast.Compare):
        out += [("compare", i) for i, op in enumerate(node.ops) if type(op) in COMPARE_SWAP]
    elif isinstance(node, ast.Call) and _is_pc(node.func):
        if node.func.attr in KERNEL_SWAP:
            out.append(("kernel", KERNEL_SWAP[node.func.attr]))
        elif node.func.attr == "invert" and node.args:
            out.append(("drop-invert", None))
    elif isinstance(node, ast.BoolOp):
        out.append(("boolop", None))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        out.append(("drop-not", None))
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float, bool):
        out.append(("constant", None))
    elif isinstance(node, (ast.If, ast.While, ast.IfExp)):
        out.append(("negate-condition", None))
    elif isinstance(node, (ast.Expr, ast.Continue, ast.Break)):
        out.append(("remove-statement", None))
    elif isinstance(node, ast.Return) and not (
        node.value is None or (isinstance(node.value, ast.Constant) and node.value.value is None)
    ):
        out.append(("return-none", None))
    return out


def _replace(parent: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for name, value in ast.iter_fields(parent):
        if value is old:
            setattr(parent, name, new)
            return
        if isinstance(value, list) and any(v is old for v in value):
            value[[id(v) for v in value].index(id(old))] = new
            return
    raise ValueError("node not found in its parent")


def _constant(value: object) -> object:
    if isinstance(value, bool):
        return not value
    return value + 1 if isinstance(value, int) else value + 1.0


def mutate(node: ast.AST, parent: ast.AST, kind: str, arg: object) -> str:
    """Apply one mutation in place; return a description of it."""
    before = ast.unparse(node).splitlines()[0][:70]
    after = {"drop-invert": lambda: ast.unparse(node.args[0]),
             "drop-not": lambda: ast.unparse(node.operand),
             "remove-statement": lambda: "pass"}.get(kind)  # fmt: skip
    if kind == "compare":
        op = node.ops[arg]
        node.ops[arg] = COMPARE_SWAP[type(op)]()
    elif kind == "kernel":
        node.func.attr = arg
    elif kind == "drop-invert":
        _replace(parent, node, node.args[0])
    elif kind == "boolop":
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif kind == "drop-not":
        _replace(parent, node, node.operand)
    elif kind == "constant":
        node.value = _constant(node.value)
    elif kind == "negate-condition":
        node.test = ast.UnaryOp(ast.Not(), node.test)
    elif kind == "remove-statement":
        _replace(parent, node, ast.Pass())
    elif kind == "return-none":
        node.value = ast.Constant(None)
    shown = after() if after is not None else ast.unparse(node)
    return f"{before}  ->  {shown.splitlines()[0][:70]}"


def mutants_of(module: str, source: str) -> list[Mutant]:
    tree = ast.parse(source)
    out = []
    for index, (node, parents) in enumerate(_walk(tree)):
        if not parents or _skipped(node, parents):
            continue
        for kind, arg in variants(node):
            target = copy.deepcopy(node)  # described on a copy of the node alone
            stub = ast.Module([target], []) if isinstance(target, ast.stmt) else ast.Expr(target)
            change = mutate(target, stub, kind, arg)
            names = [p.name for p in parents if isinstance(p, (ast.FunctionDef, ast.ClassDef))]
            out.append(Mutant(module, index, f"{kind}:{arg}" if arg is not None else kind,
                              node.lineno, change, ".".join(names)))  # fmt: skip
    return out


def _nth(tree: ast.AST, index: int) -> tuple[ast.AST, ast.AST]:
    for i, (node, parents) in enumerate(_walk(tree)):
        if i == index:
            return node, parents[-1]
    raise IndexError(index)


def mutated_source(source: str, mutant: Mutant) -> str:
    tree = ast.parse(source)
    node, parent = _nth(tree, mutant.index)
    kind, _, arg = mutant.kind.partition(":")
    value: object = arg or None
    if kind == "compare":
        value = int(arg)
    mutate(node, parent, kind, value)
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


# --- running -------------------------------------------------------------------------------


def copy_project(target: Path) -> None:
    ignore = shutil.ignore_patterns(".git", ".venv", "__pycache__", ".hypothesis", ".pytest_cache",
                                    "*.egg-info", ".ruff_cache", "benchmarks")  # fmt: skip
    shutil.copytree(ROOT, target, ignore=ignore, symlinks=True)


def pytest_command(tests: list[str], deselect: list[str], stop: bool) -> list[str]:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o",
               "addopts=", *tests]  # fmt: skip
    if stop:
        command.insert(3, "-x")
    for node_id in deselect:
        command += ["--deselect", node_id]
    return command


PRELOAD = ("pytest", "numpy", "pyarrow", "pyarrow.compute", "pyarrow.csv", "pyarrow.parquet",
           "pydantic", "jsonschema", "hypothesis", "typer", "typer.testing")  # fmt: skip


def preload() -> None:
    """Import the heavy third-party modules once, so that forked runs skip their import
    (``coded_events`` itself is never imported here: each run imports the mutated copy)."""
    import importlib

    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


def _forked_pytest(tree: Path, command: list[str], timeout: float) -> tuple[int | None, str]:
    """``pytest.main`` in a forked child (imports done once in the parent)."""
    import pytest

    handle, log = tempfile.mkstemp(prefix="mutant-", suffix=".log")
    pid = os.fork()
    if pid == 0:  # child
        code = 3
        try:
            os.dup2(handle, 1)
            os.dup2(handle, 2)
            os.chdir(tree)
            sys.path.insert(0, str(tree / "src"))
            sys.path.insert(0, str(tree))
            os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
            sys.dont_write_bytecode = True
            code = int(pytest.main(command[3:]))
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        status = None
    os.close(handle)
    text = Path(log).read_text("utf-8", "replace")
    os.unlink(log)
    return (os.waitstatus_to_exitcode(status) if status is not None else None), text


FORK = hasattr(os, "fork")


def run_tests(tree: Path, tests: list[str], deselect: list[str], timeout: float,
              stop: bool = True) -> tuple[str, str]:  # fmt: skip
    command = pytest_command(tests, deselect, stop)
    if FORK:
        code, output = _forked_pytest(tree, command, timeout)
        if code is None:
            return "timeout", output
    else:
        env = dict(os.environ, PYTHONPATH=str(tree / "src"), PYTHONDONTWRITEBYTECODE="1")
        try:
            done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True,
                                  timeout=timeout)  # fmt: skip
        except subprocess.TimeoutExpired:
            return "timeout", ""
        code, output = done.returncode, done.stdout
    if code == 0:
        return "survived", output
    if code == 5:
        return "no-tests", output
    return "killed", output


def baseline_failures(tree: Path, tests: list[str], timeout: float) -> list[str]:
    """Node ids that fail on the unmutated copy (deselected for the mutants)."""
    status, output = run_tests(tree, [*tests, "-rf"], [], timeout * 4, stop=False)
    if status == "survived":
        return []
    return [line.split()[1] for line in output.splitlines() if line.startswith("FAILED ")]


def check_module(tree: Path, module: str, mutants: list[Mutant], timeout: float, jobs: int,
                 log: bool) -> list[str]:  # fmt: skip
    """Run the module's mutants, each in its own copy of the tree (one per worker)."""
    tests, wide = TESTS[module], CONFIRM.get(module, [])
    failing = baseline_failures(tree, tests + wide, timeout)
    workers = [tree] + [tree.with_name(f"{tree.name}-{i}") for i in range(1, jobs)]
    for extra in workers[1:]:
        if not extra.exists():
            shutil.copytree(tree, extra, symlinks=True)
    free = list(workers)
    original = (tree / PACKAGE / module).read_text("utf-8")

    def one(mutant: Mutant) -> Mutant:
        where = free.pop()
        path = where / PACKAGE / mutant.module
        try:
            path.write_text(mutated_source(original, mutant), "utf-8")
            start = time.perf_counter()
            mutant.status, _ = run_tests(where, tests, failing, timeout)
            if mutant.status == "survived" and wide:
                mutant.status, _ = run_tests(where, wide, failing, timeout)
                mutant.stage = 2
            mutant.seconds = round(time.perf_counter() - start, 1)
        finally:
            path.write_text(original, "utf-8")
            free.append(where)
        if log:
            where = f"{module}:{mutant.line} {mutant.function}".rstrip()
            print(f"  {mutant.status:8} {where} {mutant.change}", flush=True)
        return mutant

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, mutants))
    return failing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", nargs="*", default=RULE_MODULES,
                        help=f"below {PACKAGE}/ (default: the rule modules; also: "
                             "access/loader.py access/fetch.py release/build.py)")  # fmt: skip
    parser.add_argument("--sample", type=int, default=0, help="at most N mutants per module")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lines", default="", help="only these lines: A-B,C,...")
    parser.add_argument("--functions", nargs="*", default=[],
                        help="only the mutants inside these functions (or classes)")  # fmt: skip
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per mutant")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--json", type=Path, help="write every result here")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument(
        "--no-fork",
        action="store_true",
        help="a fresh interpreter per run (slower; forks by default)",
    )
    args = parser.parse_args(argv)
    global FORK
    FORK = FORK and not args.no_fork
    unknown = [m for m in args.modules if m not in TESTS]
    if unknown:
        parser.error(f"no tests configured for {unknown}; known: {sorted(TESTS)}")
    chosen: dict[str, list[Mutant]] = {}
    sources: dict[str, str] = {}  # the text the mutants were listed from (others edit src/)
    for module in args.modules:
        sources[module] = (ROOT / PACKAGE / module).read_text("utf-8")
        found = mutants_of(module, sources[module])
        if args.lines:
            spans = [(int(a), int(b or a)) for a, _, b in
                     (part.partition("-") for part in args.lines.split(","))]  # fmt: skip
            found = [m for m in found if any(a <= m.line <= b for a, b in spans)]
        if args.functions:
            wanted = set(args.functions)
            found = [m for m in found if wanted & set(m.function.split("."))]
        if args.sample and len(found) > args.sample:
            found = sorted(random.Random(args.seed).sample(found, args.sample),
                           key=lambda m: m.index)  # fmt: skip
        chosen[module] = found
    if args.list:
        for module, found in chosen.items():
            for m in found:
                print(f"{module}:{m.line} {m.function} [{m.kind}] {m.change}")
        print(sum(map(len, chosen.values())), "mutants")
        return 0
    if FORK:
        preload()
    start = time.perf_counter()
    results: list[Mutant] = []
    deselected: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory(prefix="mutation-") as scratch:
        tree = Path(scratch) / "tree"
        copy_project(tree)
        for module, text in sources.items():  # the copy mutates what was listed
            (tree / PACKAGE / module).write_text(text, "utf-8")
        for module, found in chosen.items():
            tests = " ".join(TESTS[module] + CONFIRM.get(module, []))
            print(f"{module}: {len(found)} mutants, tests {tests}", flush=True)
            deselected[module] = check_module(tree, module, found, args.timeout, args.jobs,
                                              not args.quiet)  # fmt: skip
            results += found
        for i in range(1, args.jobs):
            shutil.rmtree(tree.with_name(f"tree-{i}"), ignore_errors=True)
    elapsed = time.perf_counter() - start
    report(results, deselected, elapsed)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "seconds": round(elapsed),
                    "deselected": deselected,
                    "mutants": [asdict(m) for m in results],
                },
                indent=1,
            )
        )
    return 1 if any(m.status == "survived" for m in results) else 0


def report(results: list[Mutant], deselected: dict[str, list[str]], elapsed: float) -> None:
    print(f"\n{'module':32} {'mutants':>7} {'killed':>7} {'timeout':>7} {'survived':>8}")
    for module in dict.fromkeys(m.module for m in results):
        mine = [m for m in results if m.module == module]
        counts = {s: sum(m.status == s for m in mine) for s in ("killed", "timeout", "survived")}
        print(f"{module:32} {len(mine):7} {counts['killed']:7} {counts['timeout']:7} "
              f"{counts['survived']:8}")  # fmt: skip
    killed = sum(m.status in ("killed", "timeout") for m in results)
    score = killed / len(results) if results else 1.0
    print(f"total {len(results)} mutants, {killed} killed ({score:.0%}), {elapsed / 60:.1f} min")
    for module, failing in deselected.items():
        if failing:
            print(f"deselected for {module} (failing before any mutation): {failing}")
    survivors = [m for m in results if m.status not in ("killed", "timeout")]
    if survivors:
        print("\nsurvivors:")
        for m in survivors:
            print(f"  {m.module}:{m.line} {m.function} [{m.kind}] {m.change} ({m.status})")


if __name__ == "__main__":
    sys.exit(main())
