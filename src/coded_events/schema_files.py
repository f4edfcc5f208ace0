"""The published JSON Schema files: generate them from the models, find and load them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from coded_events import models
from coded_events.resources import schema_dir
from coded_events.versions import SCHEMA_VERSION

DOCUMENT_SCHEMA_FILE = "source-document.schema.json"
GENERATE_COMMAND = "coded-events schema generate"


def render(schema: dict[str, Any]) -> str:
    """Serialise a schema the way it is committed: sorted nowhere, indented, final newline."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def generated_files() -> dict[str, str]:
    """File name -> text of every schema file generated from the current models."""
    return {DOCUMENT_SCHEMA_FILE: render(models.json_schema())}


def write(root: Path, version: str = SCHEMA_VERSION) -> list[Path]:
    """Write the generated schema files into ``root/<version>/``; return the paths."""
    folder = root / version
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in generated_files().items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale(root: Path, version: str = SCHEMA_VERSION) -> list[str]:
    """Names of schema files under ``root/<version>/`` that differ from a fresh generation."""
    out = []
    for name, text in generated_files().items():
        path = root / version / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
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
    return sorted(found, key=lambda v: tuple(int(x) for x in v.split(".")))
