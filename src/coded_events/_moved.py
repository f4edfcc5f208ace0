"""Old module paths kept for one minor version after the 0.2 regroup, as data.

Each old module path is a one-line module that calls :func:`alias`; importing it warns
(``DeprecationWarning``) and hands back the module at its new path, the same object, so
attributes set on one are seen through the other. An old *package* path keeps its own
folder of such modules (so its submodules are not loaded twice) and forwards attribute
lookups with :func:`forward`. The old paths go in 0.3.0.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import Callable
from types import ModuleType

MOVED: dict[str, str] = {
    "coded_events.codebook": "coded_events.spec.codebook",
    "coded_events.models": "coded_events.spec.models",
    "coded_events.versions": "coded_events.spec.versions",
    "coded_events.schema_files": "coded_events.spec.schema_files",
    "coded_events.schema_diff": "coded_events.spec.schema_diff",
    "coded_events.migrate": "coded_events.spec.migrate",
    "coded_events.validate": "coded_events.records.validate",
    "coded_events.checks": "coded_events.records.checks",
    "coded_events.checks.base": "coded_events.records.checks.base",
    "coded_events.checks.codebook_checks": "coded_events.records.checks.codebook_checks",
    "coded_events.checks.consistency": "coded_events.records.checks.consistency",
    "coded_events.checks.dataset": "coded_events.records.checks.dataset",
    "coded_events.checks.evidence": "coded_events.records.checks.evidence",
    "coded_events.checks.inputs": "coded_events.records.checks.inputs",
    "coded_events.checks.structure": "coded_events.records.checks.structure",
    "coded_events.checks.syntax": "coded_events.records.checks.syntax",
    "coded_events.publish": "coded_events.release.build",
    "coded_events.tables": "coded_events.release.rows",
    "coded_events.table_schema": "coded_events.release.table_schema",
    "coded_events.csv_dialect": "coded_events.release.csv_dialect",
    "coded_events.data_versions": "coded_events.release.data_versions",
    "coded_events.citation": "coded_events.release.citation",
    "coded_events.loader": "coded_events.access.loader",
}
"""Old import path -> new import path."""

REMOVED_IN = "0.3.0"


def _warn(old: str) -> str:
    new = MOVED[old]
    warnings.warn(
        f"{old} moved to {new}; the old path is removed in {REMOVED_IN}",
        DeprecationWarning,
        stacklevel=4,
    )
    return new


def alias(old: str) -> ModuleType:
    """Warn that module ``old`` moved, and make it the module at its new path."""
    module = importlib.import_module(_warn(old))
    sys.modules[old] = module
    return module


def forward(old: str) -> Callable[[str], object]:
    """Warn that package ``old`` moved; return a module ``__getattr__`` reading the new one."""
    new = _warn(old)
    package = importlib.import_module(new)

    def attribute(name: str) -> object:
        if hasattr(package, name):
            return getattr(package, name)
        if f"{old}.{name}" in MOVED:
            return importlib.import_module(f"{old}.{name}")
        raise AttributeError(f"module {old!r} has no attribute {name!r}")

    return attribute
