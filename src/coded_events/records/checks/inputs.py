"""Inputs layer: what the validator was given, before any record is read.

Paths that are not regular files, a run that finds nothing to check, and the metadata
files that sit beside the records (``dataset.json``, ``datapackage.json``), which are
checked for what they are rather than as records.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from coded_events.findings import Finding
from coded_events.records.checks import syntax
from coded_events.spec.catalogue.inputs import (
    CHECKS,
    DATASET_METADATA_OPTIONAL,
    DATASET_METADATA_REQUIRED,
)
from coded_events.spec.layout import MANIFEST, METADATA_FILE
from coded_events.spec.versions import is_semver
from coded_events.spec.vocabulary import DATASET_NAME_PATTERN

_JSON_TYPES: dict[type, str] = {str: "string", list: "array", dict: "object"}


IMPORT_OMITS = frozenset({"created"})
"""Keys an import's ``dataset.json`` (marked ``imported``) leaves out: the same input gives
the same bytes, so no creation date is written (its ``imported`` block says what it holds)."""


def dataset_problems(meta: Any) -> list[tuple[str, str]]:
    """(pointer, problem) pairs for a parsed dataset.json."""
    if not isinstance(meta, dict):
        return [("", "must hold a JSON object")]
    required = [
        k for k in DATASET_METADATA_REQUIRED if k not in IMPORT_OMITS or "imported" not in meta
    ]
    out = [("", f"lacks the key {key!r}") for key in required if key not in meta]
    for key, kind in {**DATASET_METADATA_REQUIRED, **DATASET_METADATA_OPTIONAL}.items():
        if key in meta and not isinstance(meta[key], kind):
            out.append((f"/{key}", f"key {key!r} must be a JSON {_JSON_TYPES[kind]}"))
    version = meta.get("version")
    if isinstance(version, str) and not is_semver(version):
        out.append(("/version", f"version {version!r} is not MAJOR.MINOR.PATCH (no leading zeros)"))
    created = meta.get("created")
    if isinstance(created, str) and not _is_iso_date(created):
        out.append(("/created", f"created {created!r} is not an ISO 8601 date"))
    name = meta.get("name")
    if isinstance(name, str) and not re.fullmatch(DATASET_NAME_PATTERN, name):
        out.append(("/name", f"name {name!r} is not a dataset name ({DATASET_NAME_PATTERN})"))
    licences = meta.get("licenses")
    if isinstance(licences, list) and not licences:
        out.append(("/licenses", "lists no licence: a dataset states the terms of its use"))
    for index, licence in enumerate(licences if isinstance(licences, list) else []):
        given = [licence.get(k) for k in ("name", "path")] if isinstance(licence, dict) else []
        if not any(isinstance(v, str) and v.strip() for v in given):
            out.append(
                (f"/licenses/{index}", "a licence needs a 'name' (an SPDX id) or a 'path' (URL)")
            )
    return out


def _is_iso_date(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


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
    METADATA_FILE: ("invalid-dataset-metadata", dataset_problems),
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
