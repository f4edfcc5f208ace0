"""The 0.1 module paths still import until 0.3.0: each warns and is the moved module itself."""

from __future__ import annotations

import importlib
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from coded_events._moved import MOVED, REMOVED_IN

SRC = Path(__file__).resolve().parents[1] / "src"


@pytest.mark.parametrize("old", sorted(MOVED))
def test_old_path_warns_and_is_the_new_module(old: str) -> None:
    code = (
        "import importlib, warnings\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        f"    importlib.import_module({old!r})\n"
        "for warning in caught:\n"
        "    if warning.category is DeprecationWarning:\n"
        "        print(warning.message)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert f"{old} moved to {MOVED[old]}" in run.stdout
    assert REMOVED_IN in run.stdout
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        module = importlib.import_module(old)
    new = importlib.import_module(MOVED[old])
    if hasattr(new, "__path__"):  # a package: its old path forwards attribute lookups
        public = [name for name in vars(new) if not name.startswith("_")]
        assert public and all(getattr(module, name) is getattr(new, name) for name in public)
    else:
        assert module is new


def test_old_attribute_import_reaches_the_new_module() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from coded_events.checks import syntax
    assert syntax is importlib.import_module("coded_events.records.checks.syntax")


def test_every_new_path_exists_and_no_old_path_is_used_inside_the_package() -> None:
    for new in MOVED.values():
        importlib.import_module(new)
    old_names = tuple(MOVED)
    for path in (SRC / "coded_events").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "_moved import" in text or path.name == "_moved.py":
            continue
        for old in old_names:
            leaf = old.rsplit(".", 1)
            assert f"import {old}\n" not in text, f"{path}: imports the old path {old}"
            assert f"from {old} import" not in text, f"{path}: imports the old path {old}"
            assert f"from {leaf[0]} import {leaf[1]}\n" not in text, f"{path}: old path {old}"
