"""Inputs layer: what the validator was given, before any record is read.

Paths that are not regular files, a run that finds nothing to check, and the metadata
files that sit beside the records (``dataset.json``, ``datapackage.json``), which are
checked for what they are rather than as records.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from coded_events.checks import syntax
from coded_events.checks.base import declare
from coded_events.findings import Finding
from coded_events.spec.layout import MANIFEST, METADATA_FILE
from coded_events.spec.versions import is_semver

CHECKS = declare(
    "inputs",
    (
        "not-regular-file",
        "error",
        "Not a regular file",
        "not a regular file (it is {kind}); it is not read",
        "Name a record file or a folder of records; remove the {kind} or give it another name.",
        "A path given, or found where a record, a table, a source text or a metadata file "
        "belongs (`*.json` in `records/`, `data/events.csv`, `sources/<id>.txt`), is a "
        "directory, a FIFO, a socket or a device. It is never opened: reading a FIFO or a "
        "device could block the validator or never end.",
    ),
    (
        "nothing-to-check",
        "error",
        "Nothing to check",
        "{path} holds no record file (*.json) and no flat table (.csv, .parquet)",
        "Name a dataset folder (one with records/), record files, or tables; check the "
        "path given to the validator (in CI: the workflow's working folder).",
        "A folder given to the validator yields nothing to validate. This is an error, so "
        "that a job pointed at the wrong folder fails instead of passing having checked "
        "nothing.",
    ),
    (
        "invalid-dataset-metadata",
        "error",
        "Dataset metadata invalid",
        "dataset.json {problem}",
        "dataset.json holds the dataset's name, title, description, version "
        "(MAJOR.MINOR.PATCH), created (a date), licenses and contributors; see "
        "datasets/south-caucasus/dataset.json.",
        "`dataset.json` (beside `records/`) is the dataset's metadata, not a record: it "
        "must be a JSON object with the keys `coded-events build` needs, each of its type.",
    ),
    (
        "invalid-package-manifest",
        "error",
        "Data Package manifest invalid",
        "datapackage.json {problem}",
        "Rebuild it with `coded-events build DATASET`; it is generated, not edited.",
        "`datapackage.json` is the Data Package manifest that `coded-events build` writes "
        "beside `data/`, not a record: it must be a JSON object with a `resources` list, "
        "each resource with a relative `path`.",
    ),
)

_JSON_TYPES: dict[type, str] = {str: "string", list: "array", dict: "object"}


def _dataset_problems(meta: Any) -> list[tuple[str, str]]:
    """(pointer, problem) pairs for a parsed dataset.json."""
    from coded_events.publish import _METADATA_OPTIONAL, _METADATA_REQUIRED

    if not isinstance(meta, dict):
        return [("", "must hold a JSON object")]
    out = [("", f"lacks the key {key!r}") for key in _METADATA_REQUIRED if key not in meta]
    for key, kind in {**_METADATA_REQUIRED, **_METADATA_OPTIONAL}.items():
        if key in meta and not isinstance(meta[key], kind):
            out.append((f"/{key}", f"key {key!r} must be a JSON {_JSON_TYPES[kind]}"))
    version = meta.get("version")
    if isinstance(version, str) and not is_semver(version):
        out.append(("/version", f"version {version!r} is not MAJOR.MINOR.PATCH"))
    return out


def _manifest_problems(manifest: Any) -> list[tuple[str, str]]:
    """(pointer, problem) pairs for a parsed datapackage.json."""
    if not isinstance(manifest, dict):
        return [("", "must hold a JSON object")]
    resources = manifest.get("resources")
    if not isinstance(resources, list):
        return [("", "lacks the 'resources' list")]
    out = []
    for index, resource in enumerate(resources):
        path = resource.get("path") if isinstance(resource, dict) else None
        if not isinstance(path, str) or not path:
            out.append((f"/resources/{index}", "has a resource without a 'path' string"))
        elif path.startswith("/") or ".." in Path(path).parts or "://" in path:
            out.append((f"/resources/{index}/path", f"names {path!r}, not a relative path"))
    return out


_METADATA: dict[str, tuple[str, Callable[[Any], list[tuple[str, str]]]]] = {
    METADATA_FILE: ("invalid-dataset-metadata", _dataset_problems),
    MANIFEST: ("invalid-package-manifest", _manifest_problems),
}
OTHER_METADATA = frozenset({"registry.json", "codemeta.json", ".zenodo.json", "package.json"})
"""JSON files of other tools that may sit in a dataset's tree: checked as strict JSON only."""

METADATA_FILES = frozenset(_METADATA) | OTHER_METADATA
"""File names that are metadata, never records."""


def is_metadata(path: Path) -> bool:
    """Whether ``path`` names a metadata file (by its name), not a record."""
    return path.name in METADATA_FILES


def check_metadata(data: bytes, file: str) -> list[Finding]:
    """Findings for a metadata file's bytes: strict JSON, then the keys its kind needs."""
    parsed = syntax.parse(data, file)
    if not parsed.ok:
        return parsed.findings
    kind = _METADATA.get(Path(file).name)
    if kind is None:
        return parsed.findings
    code, problems = kind
    return parsed.findings + [
        CHECKS[code].finding(file, pointer, problem=problem)
        for pointer, problem in problems(parsed.data)
    ]


def not_regular(file: str, kind: str) -> Finding:
    """The finding for a path that is a directory, FIFO, socket or device."""
    return CHECKS["not-regular-file"].finding(file, kind=kind)
