"""Record a built release's files (sha256 and size) in the package registry.

    python scripts/update_registry.py datasets/south-caucasus [--registry PATH] [--check]

Reads ``datapackage.json`` in the release folder, re-hashes it and every file it names
(each must match the manifest's own ``bytes`` and ``hash``), and records
``dataset -> version -> {path: {"bytes": size, "sha256": hex}}`` in
``src/coded_events/access/registry.json`` (written atomically). A version already in the registry
with other files is refused: published data never changes; bump the version in
``dataset.json`` instead. ``--check`` writes nothing and exits 1 unless the registry
already holds exactly these files (the release workflow and the tests run it).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from coded_events.access.fetch import (
    REGISTRY_PATH,
    DataError,
    manifest_files,
    read_manifest,
    safe_join,
)
from coded_events.safe_files import sha256_file, write_atomic
from coded_events.spec.layout import MANIFEST


def release_files(folder: Path) -> tuple[str, str, dict[str, dict[str, Any]]]:
    """(dataset, version, {path: {bytes, sha256}}) of a built release, checked on disk."""
    manifest_file = folder / MANIFEST
    manifest = read_manifest(manifest_file)
    name, version = manifest.get("name"), manifest.get("version")
    if not name or not version:
        raise DataError(f"{manifest_file}: 'name' and 'version' are required")
    entry = {
        MANIFEST: {"bytes": manifest_file.stat().st_size, "sha256": sha256_file(manifest_file)}
    }
    for relative, declared in manifest_files(manifest, folder, str(manifest_file)).items():
        file = safe_join(folder, relative, str(manifest_file))
        if not file.is_file():
            raise DataError(f"{manifest_file}: {relative} is missing; build the release first")
        actual = {"bytes": file.stat().st_size, "sha256": sha256_file(file)}
        wanted_size = declared.size if declared.size is not None else actual["bytes"]
        if actual != {"bytes": wanted_size, "sha256": declared.sha256}:
            raise DataError(
                f"{file}: sha256 {actual['sha256']} ({actual['bytes']} bytes) does not match "
                f"the manifest (sha256 {declared.sha256}, {declared.size} bytes); rebuild the "
                "release"
            )
        entry[relative] = actual
    return str(name), str(version), dict(sorted(entry.items()))


def _differences(present: dict[str, Any], entry: dict[str, Any]) -> str:
    changed = sorted(p for p in set(present) | set(entry) if present.get(p) != entry.get(p))
    return ", ".join(changed)


def update(folder: Path, registry_path: Path, check: bool) -> str:
    """Record the release in the registry (or check it is recorded); a one-line summary."""
    dataset, version, entry = release_files(folder)
    registry = json.loads(registry_path.read_text(encoding="utf-8"))
    versions = registry.setdefault("datasets", {}).setdefault(dataset, {})
    present = versions.get(version)
    if present == entry:
        return f"{dataset} {version}: already in {registry_path}, every file agrees"
    if present is not None:
        raise DataError(
            f"{dataset} {version} is already in {registry_path} with other files "
            f"({_differences(present, entry)} differ): a published release never changes; "
            f"bump the version in {folder / 'dataset.json'} instead"
        )
    if check:
        raise DataError(
            f"{dataset} {version} is not in {registry_path}; run "
            f"`python scripts/update_registry.py {folder}`"
        )
    versions[version] = entry
    registry["datasets"] = {
        name: dict(sorted(found.items())) for name, found in sorted(registry["datasets"].items())
    }
    write_atomic(registry_path, (json.dumps(registry, indent=2) + "\n").encode("utf-8"))
    return f"{dataset} {version}: added {len(entry)} file(s) to {registry_path}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("release", type=Path, help="a built release folder (datasets/NAME)")
    parser.add_argument("--registry", type=Path, default=REGISTRY_PATH)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if absent")
    args = parser.parse_args(argv)
    try:
        print(update(args.release, args.registry, args.check))
    except (DataError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
