"""Every module under src/ imports only what pyproject.toml declares.

The imports are read from the source (``ast``, imports inside functions included), mapped
to distributions with ``importlib.metadata.packages_distributions()`` and compared with
``[project.dependencies]``, or with the extra that the importing module's feature
documents (``OPTIONAL_IMPORTS``). An undeclared import works in a venv that happens to
hold the package and crashes after a plain ``pip install``: this test fails first.
"""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from tests.conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SRC = ROOT / "src"
PACKAGE = "coded_events"

# (module path under src/, import name) -> the extra that declares it. Everything else a
# module imports must be a runtime dependency.
OPTIONAL_IMPORTS: dict[tuple[str, str], str] = {
    ("coded_events/access/frames.py", "pandas"): "pandas",  # load(..., as_="pandas")
    ("coded_events/access/frames.py", "polars"): "polars",  # load(..., as_="polars")
    ("coded_events/strategies.py", "hypothesis"): "hypothesis",  # strategies for tests
    ("coded_events/flat/distributed.py", "dask"): "dask",  # validate_flat(engine="dask")
    ("coded_events/flat/distributed.py", "distributed"): "dask",
    ("coded_events/flat/distributed.py", "pandas"): "dask",  # hashes keys into buckets
    ("coded_events/flat/partitions.py", "fsspec"): "dask",  # URLs, on the Dask engine only
    ("coded_events/importers/distributed.py", "dask"): "dask",  # import --engine dask
    ("coded_events/importers/distributed.py", "distributed"): "dask",
}


def normalise(name: str) -> str:
    """A distribution name in PEP 503 form (``Json_Source.Map`` -> ``json-source-map``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    """The distribution a PEP 508 requirement names (``numpy>=1.24; extra == 'x'``)."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match, f"unreadable requirement {requirement!r}"
    return normalise(match.group(1))


def declared(pyproject: Path) -> tuple[set[str], dict[str, set[str]]]:
    """Runtime dependencies and the extras of a pyproject.toml, as normalised names."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    runtime = {requirement_name(r) for r in project.get("dependencies", [])}
    extras = {
        extra: {requirement_name(r) for r in requirements}
        for extra, requirements in project.get("optional-dependencies", {}).items()
    }
    return runtime, extras


def imports(source: Path) -> set[str]:
    """Top-level names of the absolute imports in one file, nested ones included."""
    tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def third_party_imports(src: Path) -> dict[str, set[str]]:
    """Module path under ``src`` -> the third-party import names it uses."""
    out = {}
    for source in sorted(src.rglob("*.py")):
        names = imports(source) - set(sys.stdlib_module_names) - {PACKAGE, "__future__"}
        if names:
            out[source.relative_to(src).as_posix()] = names
    return out


def undeclared_imports(
    src: Path, pyproject: Path, optional: dict[tuple[str, str], str]
) -> list[str]:
    """One line per import that no declared requirement provides."""
    runtime, extras = declared(pyproject)
    providers = packages_distributions()
    problems = []
    for module, names in third_party_imports(src).items():
        for name in sorted(names):
            distributions = {normalise(d) for d in providers.get(name, [])}
            extra = optional.get((module, name))
            allowed = runtime | (extras.get(extra, set()) if extra else set())
            if not distributions:
                problems.append(f"{module}: imports {name!r}, which no installed package provides")
            elif not distributions & allowed:
                where = f"the {extra!r} extra" if extra else "[project.dependencies]"
                problems.append(
                    f"{module}: imports {name!r} (distribution {', '.join(sorted(distributions))})"
                    f", not declared in {where}"
                )
    return problems


def test_every_import_under_src_is_declared() -> None:
    problems = undeclared_imports(SRC, ROOT / "pyproject.toml", OPTIONAL_IMPORTS)
    assert not problems, "\n".join(problems)


def test_every_runtime_dependency_is_imported() -> None:
    """A runtime dependency nothing imports only makes the install heavier."""
    runtime, _ = declared(ROOT / "pyproject.toml")
    providers = packages_distributions()
    used = {
        normalise(dist)
        for names in third_party_imports(SRC).values()
        for name in names
        for dist in providers.get(name, [])
    }
    assert runtime - used == set(), f"declared but never imported under src/: {runtime - used}"


def test_optional_imports_table_is_current() -> None:
    """Each entry names a real import of that module and an extra that declares it."""
    _, extras = declared(ROOT / "pyproject.toml")
    found = third_party_imports(SRC)
    providers = packages_distributions()
    for (module, name), extra in OPTIONAL_IMPORTS.items():
        assert name in found.get(module, set()), f"{module} no longer imports {name}"
        assert extra in extras, f"no extra {extra!r} in pyproject.toml"
        assert {normalise(d) for d in providers[name]} & extras[extra]


def test_loader_conversions_are_extras_of_the_same_name() -> None:
    """``load(as_="pandas")`` needs ``pip install coded-events[pandas]``, and so on."""
    from coded_events.access import loader

    _, extras = declared(ROOT / "pyproject.toml")
    for as_, (module, _convert) in loader._CONVERTERS.items():
        if module is not None:
            assert normalise(module) in extras.get(as_, set()), f"as_={as_!r}"


def test_the_check_fails_on_an_undeclared_import(tmp_path: Path) -> None:
    """The checker itself: an import nested in a function, of an installed but undeclared
    package (pytest), is reported; the same import declared passes."""
    package = tmp_path / "src" / PACKAGE
    package.mkdir(parents=True)
    (package / "mod.py").write_text("def f():\n    import pytest.mark\n", encoding="utf-8")
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\ndependencies = ["numpy"]\n', encoding="utf-8")
    problems = undeclared_imports(tmp_path / "src", pyproject, {})
    assert problems == [
        "coded_events/mod.py: imports 'pytest' (distribution pytest), not declared in "
        "[project.dependencies]"
    ]
    optional = {("coded_events/mod.py", "pytest"): "test"}
    assert undeclared_imports(tmp_path / "src", pyproject, optional)  # no such extra
    pyproject.write_text(
        '[project]\ndependencies = []\n[project.optional-dependencies]\ntest = ["PyTest>=8"]\n',
        encoding="utf-8",
    )
    assert undeclared_imports(tmp_path / "src", pyproject, optional) == []


@pytest.mark.parametrize(
    ("requirement", "name"),
    [("numpy>=1.24", "numpy"), ("json_source.map>=1", "json-source-map"), ("PyYAML", "pyyaml")],
)
def test_requirement_names(requirement: str, name: str) -> None:
    assert requirement_name(requirement) == name
