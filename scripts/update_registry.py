"""Add a built release's sha256 hashes to the package registry (used by the release workflow).

    python scripts/update_registry.py datasets/south-caucasus [--registry PATH] [--check]

Reads ``datapackage.json`` in the release folder, re-hashes it and every file it names
(each must match the manifest's own ``bytes`` and ``hash``), and records
``dataset -> version -> {path: sha256}`` in ``src/coded_events/registry.json``. A version
already in the registry with different hashes is refused: published data never changes.
``--check`` writes nothing and exits 1 unless the registry already holds exactly these hashes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from coded_events.download import (
    MANIFEST,
    REGISTRY_PATH,
    DataError,
    manifest_hashes,
    read_manifest,
    safe_join,
    sha256_file,
)


def release_hashes(folder: Path) -> tuple[str, str, dict[str, str]]:
    """(dataset, version, {path: sha256}) of a built release, checked against its manifest."""
    manifest_file = folder / MANIFEST
    manifest = read_manifest(manifest_file)
    name, version = manifest.get("name"), manifest.get("version")
    if not name or not version:
        raise DataError(f"{manifest_file}: 'name' and 'version' are required")
    declared = manifest_hashes(manifest, folder, str(manifest_file))
    sizes = {r["path"]: r.get("bytes") for r in manifest["resources"]}
    entry = {MANIFEST: sha256_file(manifest_file)}
    for relative, digest in declared.items():
        file = safe_join(folder, relative, str(manifest_file))
        if not file.is_file():
            raise DataError(f"{manifest_file}: {relative} is missing; build the release first")
        actual = sha256_file(file)
        if actual != digest or (
            sizes[relative] is not None and sizes[relative] != file.stat().st_size
        ):
            raise DataError(
                f"{file}: sha256 {actual} ({file.stat().st_size} bytes) does not match the "
                f"manifest (sha256 {digest}, {sizes[relative]} bytes); rebuild the release"
            )
        entry[relative] = actual
    return str(name), str(version), dict(sorted(entry.items()))


def update(folder: Path, registry_path: Path, check: bool) -> str:
    """Record the release in the registry (or check it is recorded); a one-line summary."""
    dataset, version, entry = release_hashes(folder)
    registry = json.loads(registry_path.read_text(encoding="utf-8"))
    versions = registry.setdefault("datasets", {}).setdefault(dataset, {})
    present = versions.get(version)
    if present == entry:
        return f"{dataset} {version}: already in {registry_path}"
    if present is not None:
        raise DataError(
            f"{dataset} {version} is already in {registry_path} with other hashes: a published "
            "release never changes; bump the dataset version instead"
        )
    if check:
        raise DataError(f"{dataset} {version} is not in {registry_path}")
    versions[version] = entry
    registry["datasets"] = {
        name: dict(sorted(found.items())) for name, found in sorted(registry["datasets"].items())
    }
    registry_path.write_text(json.dumps(registry, indent=2) + "\n", encoding="utf-8")
    return f"{dataset} {version}: added {len(entry)} file(s) to {registry_path}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("release", type=Path, help="a built release folder (datasets/NAME)")
    parser.add_argument("--registry", type=Path, default=REGISTRY_PATH)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if absent")
    args = parser.parse_args(argv)
    try:
        print(update(args.release, args.registry, args.check))
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
