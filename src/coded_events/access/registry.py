"""The package's registry of known releases (``access/registry.json``): files,
sha256, sizes and the base URL."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from coded_events.access.errors import DataError
from coded_events.access.hashes import Expected, parse_hash

REGISTRY_PATH = Path(__file__).resolve().parent / "registry.json"
ENV_BASE_URL = "CODED_EVENTS_BASE_URL"


def read_registry() -> dict[str, Any]:
    """The registry shipped in the package: base URL template and per-release files."""
    return json.loads(REGISTRY_PATH.read_text(encoding="utf-8"))


def registry_versions(dataset: str) -> dict[str, dict[str, Any]]:
    """Version -> {file path: {"sha256", "bytes"}} for every registered release of ``dataset``."""
    return read_registry().get("datasets", {}).get(dataset, {})


def registry_files(dataset: str, version: str) -> dict[str, Expected] | None:
    """{path: Expected} of a registered release, or None if the registry does not know it.

    An entry is ``{"sha256": hex, "bytes": size}``; a bare hex string (the first registry
    format) gives the hash without a size.
    """
    entry = registry_versions(dataset).get(version)
    if entry is None:
        return None
    where = f"{REGISTRY_PATH}: {dataset} {version}"
    files = {}
    for relative, item in entry.items():
        digest, size = (item, None) if isinstance(item, str) else (None, None)
        if isinstance(item, dict):
            digest, size = item.get("sha256"), item.get("bytes")
        if digest is None or (size is not None and (not isinstance(size, int) or size < 0)):
            raise DataError(f"{where}: {relative!r} needs 'sha256' and 'bytes'; found {item!r}")
        files[relative] = Expected(parse_hash(f"sha256:{digest}", where), size)
    return files


def user_base_url(override: str | None = None) -> str | None:
    """The base URL the user chose (argument, then ``CODED_EVENTS_BASE_URL``), or None."""
    return override or os.environ.get(ENV_BASE_URL) or None


def base_url_for(dataset: str, version: str, override: str | None = None) -> str:
    """The URL of a release folder: ``override``, else ``CODED_EVENTS_BASE_URL``, else default.

    The template may use ``{dataset}`` and ``{version}``; a trailing slash is added if missing.
    """
    if override:
        template, source = override, "the base_url argument"
    elif os.environ.get(ENV_BASE_URL):
        template, source = os.environ[ENV_BASE_URL], ENV_BASE_URL
    else:
        template, source = read_registry()["base_url"], str(REGISTRY_PATH)
    try:
        url = str(template).format(dataset=dataset, version=version)
    except (KeyError, IndexError, ValueError, AttributeError) as error:
        raise DataError(
            f"the base URL template {template!r} (from {source}) cannot be filled in "
            f"({type(error).__name__}: {error}): the only placeholders allowed are "
            f"{{dataset}} and {{version}}; write a literal brace as {{{{ or }}}}. "
            f"Fix --base-url or {ENV_BASE_URL}."
        ) from None
    return url if url.endswith("/") else url + "/"
