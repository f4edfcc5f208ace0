"""Data versions follow rules: compare a new release with the previous one.

The dataset's ``version`` follows the Frictionless data-versioning recipe (see
``docs/versioning.md``), judged per table by primary key:

- **patch**: rows changed (a record fixed);
- **minor**: rows added, a table (resource) added;
- **major**: rows removed, a column added, removed or retyped, the column order or the
  primary key changed, a table (resource) removed.

``compare(previous_dir, files)`` reads the previous release (its ``datapackage.json`` and
Parquet files) and the freshly rendered files (``publish.render``) and lists every
change; ``Comparison.problem()`` says why a version bump is too small, or None.
Rows are matched with Arrow joins and compared column-wise with Arrow kernels; only
nested columns (lists, structs) of matched rows are compared as Python values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from coded_events.access.fetch import (
    DataError,
    parse_manifest,
    read_manifest,
    registry_versions,
    safe_join,
)
from coded_events.access.loader import release_folder
from coded_events.release.table_diff import (
    DataChange,
    DataVersionError,
    _parquet_resources,
    _release_rules,
    compare_tables,
    required_level,
)
from coded_events.spec import versions
from coded_events.spec.layout import MANIFEST, METADATA_FILE, DatasetLayout
from coded_events.spec.versions import Level, bump_level

__all__ = [
    "Comparison",
    "DataChange",
    "DataVersionError",
    "compare",
    "compare_tables",
    "default_previous",
    "next_version",
    "read_release",
    "rendered_tables",
    "required_level",
    "resolve_previous",
    "version_check",
]

FIRST_RELEASE = "first release: no previous version to compare"


def _parse(text: bytes | str, where: str) -> dict[str, Any]:
    with _release_rules():
        return parse_manifest(text, where)


def read_release(folder: Path) -> tuple[dict[str, Any], dict[str, pa.Table]]:
    """A release folder's manifest and its Parquet tables (by table name)."""
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise DataVersionError(f"{folder}: no {MANIFEST} (not a release folder)")
    where = str(manifest_path)
    with _release_rules():
        manifest = read_manifest(manifest_path)
    tables = {}
    for table, resource in _parquet_resources(manifest, where).items():
        with _release_rules():
            path = safe_join(folder, resource["path"], where)
        try:
            tables[table] = pq.read_table(path)
        except (OSError, pa.ArrowException) as error:
            raise DataVersionError(f"{path}: cannot read the Parquet file ({error})") from None
    return manifest, tables


def rendered_tables(files: dict[str, bytes]) -> tuple[dict[str, Any], dict[str, pa.Table]]:
    """The manifest and Parquet tables of a build rendered in memory (``publish.render``)."""
    where = f"the rendered {MANIFEST}"
    manifest = _parse(files[MANIFEST], where)
    tables = {}
    for table, resource in _parquet_resources(manifest, where).items():
        if resource["path"] not in files:
            raise DataVersionError(f"{where}: {resource['path']} was not rendered")
        tables[table] = pq.read_table(pa.BufferReader(files[resource["path"]]))
    return manifest, tables


# --- versions --------------------------------------------------------------------------


def _parts(version: str, where: str) -> versions.Version:
    try:
        return versions.require(version, where)
    except versions.VersionError as error:
        raise DataVersionError(str(error)) from None


def next_version(version: str, level: Level) -> str:
    """The smallest version after ``version`` with a bump of ``level``."""
    _parts(version, "next_version")
    return versions.next_version(version, level)


@dataclass(frozen=True)
class Comparison:
    """A new build compared with the previous release."""

    dataset: str
    previous_version: str
    new_version: str
    previous_dir: Path
    changes: list[DataChange] = field(default_factory=list)

    @property
    def required(self) -> Level:
        """The smallest bump the changes need."""
        return required_level(self.changes)

    @property
    def bump(self) -> Level:
        """The bump from the previous version to the new one (none if not newer)."""
        return bump_level(self.previous_version, self.new_version)

    def problem(self, version_file: str = METADATA_FILE) -> str | None:
        """Why the new version is not allowed, or None when it is."""
        where = f"set version to {{}} in {version_file}"
        old = _parts(self.previous_version, f"{self.previous_dir / MANIFEST}").precedence
        new = _parts(self.new_version, version_file).precedence
        if new < old:
            return (
                f"dataset version {self.new_version} is older than the previous release "
                f"{self.previous_version}; " + where.format(self._suggestion())
            )
        if self.bump >= self.required:
            return None
        needed = "; ".join(c.description for c in self.changes if c.level == self.required)
        what = (
            "the previous release's version (no bump)"
            if new == old
            else f"a {self.bump} bump from {self.previous_version}"
        )
        return (
            f"dataset version {self.new_version} is {what}, but the changes need a "
            f"{self.required} bump: {needed}; " + where.format(self._suggestion())
        )

    def _suggestion(self) -> str:
        return next_version(self.previous_version, max(self.required, Level.patch))


def compare(previous_dir: Path, files: dict[str, bytes]) -> Comparison:
    """Compare the release in ``previous_dir`` with a build rendered in memory."""
    previous = read_release(previous_dir)
    current = rendered_tables(files)
    old_name, new_name = previous[0].get("name"), current[0].get("name")
    if old_name != new_name:
        raise DataVersionError(
            f"{previous_dir / MANIFEST}: the previous release is of dataset {old_name!r}, "
            f"not {new_name!r}"
        )
    return Comparison(
        dataset=str(new_name),
        previous_version=str(previous[0].get("version", "")),
        new_version=str(current[0].get("version", "")),
        previous_dir=previous_dir,
        changes=compare_tables(previous, current),
    )


# --- finding the previous release ------------------------------------------------------


def _version_tuple(version: str) -> versions.Precedence | None:
    parsed = versions.parse(version)
    return parsed.precedence if parsed is not None else None


def default_previous(dataset: str, version: str) -> str | None:
    """The newest registered release of ``dataset`` not newer than ``version``, or None.

    A registered release at the same version counts: a released version is frozen, so
    rebuilding it with different data must be refused.
    """
    current = _version_tuple(version)
    candidates = [
        (parsed, v)
        for v in registry_versions(dataset)
        if (parsed := _version_tuple(v)) is not None and current is not None and parsed <= current
    ]
    return max(candidates)[1] if candidates else None


def _fetch(dataset: str, version: str) -> Path:
    """The local folder of a published release (bundled, cached or downloaded)."""
    try:
        return release_folder(dataset, version)
    except DataError as error:
        raise DataVersionError(f"cannot get {dataset} {version}: {error}") from None


def resolve_previous(
    dataset: str, version: str, previous: str | None
) -> tuple[Path | None, str | None]:
    """The previous release's folder and a note for the user (None, note: nothing to compare).

    ``previous`` is a release folder or a version; None means the newest registered release
    of ``dataset`` not newer than ``version``. An explicit ``previous`` that cannot be had
    raises DataVersionError; a default one that cannot be had gives a warning note.
    """
    if previous is None:
        chosen = default_previous(dataset, version)
        if chosen is None:
            released = sorted(registry_versions(dataset), key=versions.sort_key)
            if released:  # every registered release is newer: the version went backwards
                raise DataVersionError(
                    f"{METADATA_FILE} /version: {dataset} {version} is older than its "
                    f"registered releases ({', '.join(released)}): a dataset's version only "
                    "goes up"
                )
            return None, FIRST_RELEASE
        try:
            return _fetch(dataset, chosen), None
        except DataVersionError as error:
            note = (
                f"warning: the previous release {dataset} {chosen} is not available, so the "
                f"version bump was not checked ({error}); pass --previous PATH to check it"
            )
            return None, note
    path = Path(previous)
    if path.is_dir():
        if not (path / MANIFEST).is_file():
            raise DataVersionError(f"--previous {previous}: no {MANIFEST} in this folder")
        return path, None
    if path.exists() or not versions.looks_like_version(previous):
        raise DataVersionError(
            f"--previous {previous}: neither a release folder (with {MANIFEST}) nor a version "
            f"such as 1.0.0"
        )
    return _fetch(dataset, versions.without_v(previous)), None


# --- the build's check -----------------------------------------------------------------


def version_check(
    dataset_dir: Path, previous: str | None, echo: Callable[[str], None] = print
) -> Callable[[dict[str, bytes]], None]:
    """A ``publish.build`` inspect hook: refuse a version bump smaller than the changes need.

    ``previous`` is as in ``resolve_previous``. What was compared, and every change, is
    reported through ``echo``; a refusal raises ``publish.BuildError``.
    """
    from coded_events.release.build import BuildError

    def inspect(files: dict[str, bytes]) -> None:
        manifest = _parse(files[MANIFEST], f"the rendered {MANIFEST}")
        name, version = str(manifest.get("name")), str(manifest.get("version"))
        try:
            folder, note = resolve_previous(name, version, previous)
            if note:
                echo(note)
            if folder is None:
                return
            comparison = compare(folder, files)
            problem = comparison.problem(str(DatasetLayout(dataset_dir).metadata))
        except DataVersionError as error:
            raise BuildError([str(error)]) from None
        summary = f"needs a {comparison.required} bump" if comparison.changes else "no changes"
        echo(f"compared with {name} {comparison.previous_version} ({folder}): {summary}")
        for change in comparison.changes:
            echo(f"  {change.level}: {change.description}")
        if problem:
            raise BuildError([problem])

    return inspect
