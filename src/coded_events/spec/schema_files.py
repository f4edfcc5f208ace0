"""The published JSON Schema files: generate them from the models, find and load them."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from coded_events.resources import schema_dir
from coded_events.safe_files import (
    UnsafePathError,
    make_dirs,
    read_regular,
    sha256_bytes,
    sha256_file,
    write_atomic,
)
from coded_events.spec import models
from coded_events.spec.layout import DOCUMENT_SCHEMA_FILE
from coded_events.spec.versions import SCHEMA_VERSION, sort_key

GENERATE_COMMAND = "coded-events schema generate"


def render(schema: dict[str, Any]) -> str:
    """Serialise a schema the way it is committed: sorted nowhere, indented, final newline."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def generated_files() -> dict[str, str]:
    """File name -> text of every schema file generated from the current models."""
    return {DOCUMENT_SCHEMA_FILE: render(models.json_schema())}


class FrozenSchemaError(RuntimeError):
    """An attempt to change a released (frozen) schema version."""


def write(root: Path, version: str = SCHEMA_VERSION) -> list[Path]:
    """Write the generated schema files into ``root/<version>/``; return the paths.

    A released version is frozen: writing different bytes over it raises
    ``FrozenSchemaError`` (bump ``SCHEMA_VERSION`` instead).
    """
    generated = generated_files()
    digests = released().get(version)
    if digests is not None and any(
        sha256_bytes(text.encode("utf-8")) != digests.get(name) for name, text in generated.items()
    ):  # the models no longer give the released bytes (a missing file is simply written)
        raise FrozenSchemaError(
            f"schema {version} is released and frozen; the models changed, so bump "
            f"SCHEMA_VERSION in src/coded_events/spec/versions.py (see `coded-events schema diff`)"
        )
    folder = root / version
    make_dirs(folder, root)
    written = []
    for name, text in generated.items():
        path = folder / name
        write_atomic(path, text.encode("utf-8"), root=root)
        written.append(path)
    return written


def stale(root: Path, version: str = SCHEMA_VERSION) -> list[str]:
    """Names of schema files under ``root/<version>/`` that differ from a fresh generation.

    Compared byte for byte; a file that is missing, not UTF-8, not a regular file or a
    symbolic link below ``root`` (never read through) is stale too."""
    from coded_events.safe_files import check_no_links

    out = []
    for name, text in generated_files().items():
        path = root / version / name
        try:
            check_no_links(path, root)
            current = read_regular(path)
        except OSError:  # absent, unreadable, a link or not a regular file
            current = None
        if current != text.encode("utf-8"):
            out.append(name)
    return out


def published_path(version: str = SCHEMA_VERSION, name: str = DOCUMENT_SCHEMA_FILE) -> Path:
    """Path of a published schema file."""
    return schema_dir() / version / name


def load(version: str = SCHEMA_VERSION) -> dict[str, Any]:
    """The published source-document schema of ``version``."""
    return json.loads(published_path(version).read_text(encoding="utf-8"))


def published_versions() -> list[str]:
    """Published schema versions, oldest first."""
    root = schema_dir()
    found = [p.name for p in root.iterdir() if (p / DOCUMENT_SCHEMA_FILE).is_file()]
    return sorted(found, key=sort_key)


def load_schema(ref: str) -> tuple[str, dict[str, Any]]:
    """Load a schema given a published version (``1.0.0``) or a file path."""
    path = Path(ref)
    if path.is_file() or path.is_symlink():
        try:
            text = read_regular(path).decode("utf-8")
            schema = json.loads(text)
        except UnicodeDecodeError as error:
            raise ValueError(f"{path}: not UTF-8 ({error.reason} at byte {error.start})") from None
        except json.JSONDecodeError as error:
            raise ValueError(
                f"{path}: line {error.lineno}, column {error.colno}: not JSON ({error.msg})"
            ) from None
        if not isinstance(schema, dict):
            raise ValueError(f"{path}: a JSON Schema is an object, not {type(schema).__name__}")
        return str(path), schema
    if ref in published_versions():
        return ref, load(ref)
    known = ", ".join(published_versions())
    raise FileNotFoundError(f"{ref!r} is neither a schema file nor a published version ({known})")


@cache
def released() -> dict[str, dict[str, str]]:
    """Released schema versions: version -> {file name: sha256}. Shipped in the package."""
    text = files("coded_events").joinpath("schema_registry.json").read_text(encoding="utf-8")
    return json.loads(text)["released"]


def frozen_violations(root: Path | None = None) -> list[str]:
    """Released schema files that are missing or whose bytes changed since release."""
    root = root or schema_dir()
    problems = []
    for version, names in released().items():
        for name, digest in names.items():
            path = root / version / name
            if not path.is_file():
                problems.append(f"{path}: released file is missing")
                continue
            try:
                actual = sha256_file(path)
            except UnsafePathError as error:
                problems.append(f"{error}; released schemas are regular files")
                continue
            if actual != digest:
                problems.append(
                    f"{path}: released file changed (sha256 {actual}, "
                    f"released as {digest}); released schemas are never edited"
                )
    return problems


def bump_problem(
    version: str = SCHEMA_VERSION,
    schema: dict[str, Any] | None = None,
    root: Path | None = None,
) -> str | None:
    """Why ``version`` is too small a bump for its change from the newest earlier release.

    ``schema`` is the new schema (default: generated from the current models).
    """
    from coded_events.spec import schema_diff

    root = root or schema_dir()
    earlier = [v for v in released() if sort_key(v) < sort_key(version)]
    if not earlier:
        return None
    previous = max(earlier, key=sort_key)
    old = json.loads((root / previous / DOCUMENT_SCHEMA_FILE).read_text(encoding="utf-8"))
    changes = schema_diff.diff(old, schema if schema is not None else models.json_schema())
    needed = schema_diff.required_level(changes)
    have = schema_diff.bump_level(previous, version)
    if have >= needed:
        return None
    worst = [c for c in changes if c.level == needed][:3]
    listed = "; ".join(f"{c.pointer}: {c.description}" for c in worst)
    return (
        f"schema {previous} -> {version} is a {have} bump, but the changes need a {needed} "
        f"bump ({listed}); run `coded-events schema diff {previous} <file>` to see them all"
    )
