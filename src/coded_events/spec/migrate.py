"""Upgrade source documents one schema version at a time.

Each step is one small function registered in ``STEPS`` under the version it
upgrades from. A migrated document is written only after it validates against the
target version, and a step may never drop data: every value of the old document must
still be found in the new one, at the same place or at a place the step declares.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coded_events import safe_files
from coded_events.spec.versions import SCHEMA_VERSION, sort_key

Document = dict[str, Any]


@dataclass(frozen=True)
class Step:
    """One migration step: ``source`` version to ``target`` version."""

    source: str
    target: str
    upgrade: Callable[[Document], Document]
    moved: dict[str, str] = field(default_factory=dict)  # old pointer prefix -> new prefix


STEPS: dict[str, Step] = {}


def step(source: str, target: str, moved: dict[str, str] | None = None) -> Callable:
    """Register a migration step from ``source`` to ``target``."""

    def register(function: Callable[[Document], Document]) -> Callable[[Document], Document]:
        STEPS[source] = Step(source, target, function, moved or {})
        return function

    return register


class MigrationError(ValueError):
    """A document that cannot be migrated; the message says why."""


def _leaves(value: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    """Every scalar and every empty container of ``value``, with its JSON Pointer."""
    if isinstance(value, dict | list) and not value:
        yield pointer, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _leaves(item, f"{pointer}/{i}")
    else:
        yield pointer, value


_MISSING = object()


def _lost(old: Document, new: Document, moved: dict[str, str]) -> list[str]:
    """Pointers of old values that the new document does not hold (where declared)."""
    have = dict(_leaves(new))
    lost = []
    for pointer, value in _leaves(old):
        if pointer in ("/schema_version", "/$schema"):
            continue
        target = pointer
        for old_prefix, new_prefix in moved.items():
            if pointer.startswith(old_prefix):
                target = new_prefix + pointer[len(old_prefix) :]
        kept = have.get(target, _MISSING)
        if type(kept) is not type(value) or kept != value:  # True is not 1
            lost.append(pointer)
    return lost


def path_to(source: str, target: str = SCHEMA_VERSION) -> list[Step]:
    """The chain of steps from ``source`` to ``target``; the error names ``source`` (the
    document's own version), not the version a chain stopped at."""
    known = sorted({*STEPS, *(s.target for s in STEPS.values())}, key=sort_key)
    if source != target and sort_key(target) < sort_key(source):
        raise MigrationError(
            f"the document is schema {source}, newer than {target}; migrations only go "
            "forward (keep the file, or migrate to a newer version)"
        )
    chain, version = [], source
    while version != target:
        if version not in STEPS:
            raise MigrationError(
                f"no migration from schema {source} to {target}; known versions: "
                f"{', '.join(known) or SCHEMA_VERSION}"
            )
        chain.append(STEPS[version])
        version = STEPS[version].target
    return chain


def migrate_document(document: Document, target: str = SCHEMA_VERSION) -> Document:
    """Return ``document`` upgraded to ``target``; the input is not modified."""
    from coded_events.spec import models  # the editor hint ($schema) follows the version

    version = document.get("schema_version")
    if not isinstance(version, str):
        raise MigrationError("the document has no schema_version string")
    current = copy.deepcopy(document)
    for item in path_to(version, target):
        upgraded = item.upgrade(copy.deepcopy(current))
        upgraded["schema_version"] = item.target
        if upgraded.get("$schema") == models.schema_url(item.source):
            upgraded["$schema"] = models.schema_url(item.target)  # the editor hint follows along
        lost = _lost(current, upgraded, item.moved)
        if lost:
            raise MigrationError(
                f"step {item.source} -> {item.target} would drop {', '.join(lost[:5])}"
            )
        current = upgraded
    return current


@dataclass(frozen=True)
class FileResult:
    """What ``migrate_file`` did to one file."""

    path: Path
    source_version: str
    target_version: str
    written: bool
    problems: list[str]


def _validator(version: str) -> Any:
    import jsonschema

    from coded_events.spec import schema_files

    return jsonschema.Draft202012Validator(schema_files.load(version))


def _read_bytes(path: Path, root: Path | None) -> bytes:
    """The bytes of ``path``, never through a link (``safe_files.UnsafePathError``); an
    unreadable file raises :class:`MigrationError`."""
    safe_files.check_no_links(path, root)
    try:
        return safe_files.read_regular(path)
    except safe_files.UnsafePathError:
        raise
    except OSError as error:
        raise MigrationError(f"cannot read the file: {error}") from None


def _read(path: Path, root: Path | None = None) -> Document:
    """The document in ``path``, parsed as strictly as the validator parses it: a file
    with duplicate keys, non-finite numbers or other syntax errors is not migrated (a
    rewrite would silently drop what they hide). A link (``path`` itself, or a folder
    below ``root``) or a non-file raises ``safe_files.UnsafePathError``."""
    from coded_events.records.checks.syntax import parse

    data = _read_bytes(path, root)
    parsed = parse(data, str(path))
    errors = [f for f in parsed.findings if f.is_error]
    if errors:
        shown = "; ".join(f"{f.pointer or 'file'}: [{f.code}] {f.message}" for f in errors[:3])
        raise MigrationError(f"fix the file first (coded-events validate): {shown}")
    if not isinstance(parsed.data, dict):
        raise MigrationError("the file does not hold a JSON object (a source document)")
    return parsed.data


def migrate_file(
    path: Path, target: str = SCHEMA_VERSION, *, write: bool = True, root: Path | None = None
) -> FileResult:
    """Migrate one file; write it only if the result validates against ``target``.

    The file is replaced atomically (``safe_files.write_atomic``: a temporary file beside it,
    renamed over it). ``root`` is the folder the user named: a symbolic link at ``path`` or
    in a folder below ``root`` raises ``safe_files.LinkRefused`` and nothing is written.
    """
    from pydantic import ValidationError

    from coded_events.spec.models import SourceDocument

    document = _read(path, root)
    source = document.get("schema_version", "?")
    if source == target:
        return FileResult(path, source, target, False, [])
    upgraded = migrate_document(document, target)
    problems = [
        f"{'/'.join(map(str, e.absolute_path)) or '/'}: {e.message}"
        for e in _validator(target).iter_errors(upgraded)
    ]
    if not problems and target == SCHEMA_VERSION:
        try:
            SourceDocument.model_validate(upgraded)
        except ValidationError as error:
            problems = [f"/{'/'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()]
    if write and not problems:
        text = json.dumps(upgraded, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        safe_files.write_atomic(path, text.encode("utf-8"), root=root)
    return FileResult(path, source, target, write and not problems, problems)


_SCHEMA_VERSION_MEMBER = re.compile(r'("schema_version"\s*:\s*)"((?:[^"\\]|\\.)*)"')


def set_dataset_version(
    path: Path, target: str = SCHEMA_VERSION, *, write: bool = True, root: Path | None = None
) -> str | None:
    """Set the ``schema_version`` of a dataset's ``dataset.json`` (``path``) to ``target``;
    return the version it had (None when it has none: then it is left as it is, the build
    takes the package's). Only that value changes (the rest of the text is kept); the file
    is replaced atomically and never through a link below ``root``
    (``safe_files.UnsafePathError``). A file that is not a JSON object, or whose version
    is not a string, raises :class:`MigrationError`."""
    from coded_events.records.checks.syntax import parse

    data = _read_bytes(path, root)
    parsed = parse(data, str(path))
    if any(f.is_error for f in parsed.findings) or not isinstance(parsed.data, dict):
        raise MigrationError("not a valid JSON object (coded-events validate names the problem)")
    version = parsed.data.get("schema_version")
    if version is None or version == target:
        return version
    if not isinstance(version, str):
        raise MigrationError(f"schema_version is {version!r}, not a version string")
    text = data.decode("utf-8")
    members = list(_SCHEMA_VERSION_MEMBER.finditer(text))
    if len(members) == 1 and json.loads(f'"{members[0].group(2)}"') == version:
        start, end = members[0].span(2)
        text = text[:start] + target + text[end:]
    else:  # written some other way: write the object again, in its order
        text = json.dumps({**parsed.data, "schema_version": target}, indent=2, ensure_ascii=False)
        text += "\n"
    if write:
        safe_files.write_atomic(path, text.encode("utf-8"), root=root)
    return version


@step("1.0.0", "1.1.0")
def _add_links(document: Document) -> Document:
    """1.0.0 -> 1.1.0: events may now carry ``links``; nothing else changed."""
    return document


@step("1.1.0", "1.2.0")
def _add_provenance(document: Document) -> Document:
    """1.1.0 -> 1.2.0: events may now carry ``provenance`` (and then need no evidence);
    nothing else changed."""
    return document
