"""Load published datasets: the release bundled in the package, or any release, downloaded.

``load("south-caucasus")`` reads the bundled release offline. ``load(..., version="1.1.0")``
downloads that release once into the cache (see :mod:`coded_events.access.fetch`), verified
file by file, and re-checks the cached files' sha256 on every use. ``load(path)`` reads a
dataset folder on disk (an import's output, a release checkout): a ``pathlib.Path``, or a
string that contains a path separator or names a ``datapackage.json``.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from coded_events.access import fetch as _dl
from coded_events.access.fetch import (
    BundledDataError,
    DataError,
    DownloadHTTPError,
    OfflineError,
)
from coded_events.access.frames import CONVERTERS as _CONVERTERS
from coded_events.access.local import is_local, manifest_of, read_parquet, verified_files
from coded_events.extras import ExtraMissing, require
from coded_events.resources import datasets_dir, repo_root
from coded_events.safe_files import sha256_file
from coded_events.spec.layout import MANIFEST, METADATA_FILE
from coded_events.spec.versions import SortKey, sort_key, without_v

if TYPE_CHECKING:
    pass

DEFAULT_DATASET = "south-caucasus"


class UnknownNameError(DataError, LookupError):
    """A dataset, table, version or format name that does not exist."""

    kind = "name"

    def __init__(self, value: str, known: list[str], context: str = "", advice: str = "") -> None:
        closest = difflib.get_close_matches(str(value), known, n=1, cutoff=0.5)
        hint = f" Did you mean {closest[0]!r}?" if closest else ""
        listing = ", ".join(known) if known else "none"
        advice = f" {advice}" if advice else ""
        super().__init__(f"unknown {self.kind} {value!r}{context}; known: {listing}.{hint}{advice}")
        self.value = value
        self.known = known
        self.closest = closest[0] if closest else None


class UnknownDatasetError(UnknownNameError):
    """No bundled or registered dataset has this name."""

    kind = "dataset"


class UnknownTableError(UnknownNameError):
    """The release has no table of this name."""

    kind = "table"


class UnknownVersionError(UnknownNameError):
    """Neither the registry, the bundle nor the server knows this release."""

    kind = "version"


class UnknownFormatError(UnknownNameError):
    """The release has the table, but not in this file format."""

    kind = "format"


class ArgumentTypeError(DataError, TypeError):
    """An argument of the wrong type, e.g. ``load(dataset=None)``."""


class MissingExtraError(DataError, ExtraMissing):
    """``as_="pandas"`` or ``"polars"`` without the library installed."""


# ---------------------------------------------------------------------------- names


def version_sort_key(version: str) -> SortKey:
    """Sort key of a release version: :func:`coded_events.spec.versions.sort_key`.

    Semantic versions sort in SemVer order (``1.0.0-rc1`` before ``1.0.0``). Other forms
    (``2024-06``) are deliberately accepted, since registry entries and cache folder
    names need not be semantic versions; they sort first, by text.
    """
    return sort_key(version)


_VERSION_PATTERN = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+-]{0,63}")


def _normalise_version(version: str | None, known: list[str]) -> str | None:
    """``"v1.2.0"`` -> ``"1.2.0"``; refuse text that is no version (it names a cache folder).

    Deliberately wider than semantic versions (letters, ``-`` and ``+`` are allowed), so
    that a release named otherwise can still be fetched; it only has to be a safe name.
    """
    if version is None:
        return None
    text = str(version).strip()
    text = without_v(text)
    if not _VERSION_PATTERN.fullmatch(text) or ".." in text:
        raise UnknownVersionError(text, known, " (a version looks like 1.2.0)")
    return text


# argument -> (may it be None?, what it may be, for the message)
_ARGUMENTS: dict[str, tuple[bool, Callable[[], str]]] = {
    "dataset": (False, lambda: "Known: " + (", ".join(datasets()) or "none")),
    "table": (False, lambda: "Tables: " + ", ".join(_published_tables())),
    "format": (False, lambda: "Formats: parquet, csv"),
    "version": (True, lambda: "such as '1.2.0', or None for the bundled release"),
}


def _published_tables() -> tuple[str, ...]:
    from coded_events.spec.tables import TABLE_NAMES  # here: `import coded_events` stays fast

    return TABLE_NAMES


def _check_types(**arguments: object) -> None:
    """Refuse a name argument that is not a string (``None`` only where it means a default)."""
    for argument, value in arguments.items():
        may_be_none, known = _ARGUMENTS[argument]
        if isinstance(value, str) or (value is None and may_be_none):
            continue
        raise ArgumentTypeError(
            f"{argument} must be a string, not {type(value).__name__} ({value!r}). {known()}."
        )


def _bundled_folder(dataset: str) -> Path:
    return datasets_dir() / dataset


def bundled_version(dataset: str) -> str | None:
    """The version of ``dataset`` shipped in the package, or None if none is bundled.

    ``dataset.json`` says it (the built ``datapackage.json`` must agree); the manifest is
    read only when there is no ``dataset.json``.
    """
    folder = _bundled_folder(dataset)
    for name in (METADATA_FILE, MANIFEST):
        file = folder / name
        if file.is_file():
            return str(json.loads(file.read_text(encoding="utf-8")).get("version") or "") or None
    return None


def datasets() -> dict[str, list[str]]:
    """Every known dataset and its known versions (bundled and in the registry), oldest first."""
    known: dict[str, set[str]] = {}
    root = datasets_dir()
    if root.is_dir():
        for folder in sorted(root.iterdir()):
            version = bundled_version(folder.name) if folder.is_dir() else None
            if version:
                known.setdefault(folder.name, set()).add(version)
    for name, versions in _dl.read_registry().get("datasets", {}).items():
        known.setdefault(name, set()).update(versions)
    return {
        name: sorted(versions, key=version_sort_key) for name, versions in sorted(known.items())
    }


def _versions_of(dataset: str) -> list[str]:
    known = datasets()
    if dataset not in known:
        here = Path(dataset).is_dir()
        advice = f"A folder is read when given as a path: './{dataset}' or Path({dataset!r})."
        raise UnknownDatasetError(dataset, sorted(known), advice=advice if here else "")
    return known[dataset]


# ------------------------------------------------------------------------ releases


def download(
    dataset: str,
    version: str | None = None,
    *,
    base_url: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    timeout: float = _dl.DEFAULT_TIMEOUT,
    retries: int = _dl.DEFAULT_RETRIES,
    deadline: float | None = None,
    progress: bool | None = None,
    only: list[str] | None = None,
) -> Path:
    """Get one release (default: the newest known), verified; return its folder.

    The release bundled in the package is served from the package, checked against the
    registry, with no network. Another registered release is downloaded into the cache,
    every file checked against the registry's sha256 and size; files already cached are
    re-hashed, not downloaded again. A version the registry does not know is refused at
    once, unless ``base_url`` (or ``CODED_EVENTS_BASE_URL``) names a server of the user's
    own (its files are then checked against its own ``datapackage.json``, with an
    :class:`~coded_events.access.fetch.UnverifiedReleaseWarning`) or the cache already holds
    it. ``cache_dir`` (or ``CODED_EVENTS_CACHE``) moves the cache. ``timeout`` bounds each
    socket read, ``deadline`` (or ``CODED_EVENTS_DEADLINE``, default 600 s) each file in
    all. ``only`` limits the download to those manifest paths (the manifest always comes).

    Long because: the public function's documentation of each argument is half of it; the
    code is the argument checks, the bundled case, the registry and the cache in turn.
    """
    _check_types(dataset=dataset, version=version)
    versions = _versions_of(dataset)
    chosen = _normalise_version(version, versions) or versions[-1]
    if chosen == bundled_version(dataset):
        return _bundled_release(dataset, chosen, only)
    known = _dl.registry_files(dataset, chosen)
    cache = _dl.cache_dir(cache_dir)
    own_server = _dl.user_base_url(base_url) is not None
    cached = (_dl.release_dir(dataset, chosen, cache) / MANIFEST).is_file()
    if known is None and not own_server and not cached:
        raise UnknownVersionError(
            chosen,
            versions,
            f" of {dataset}",
            f"To fetch a release of your own, pass its base URL (base_url= in Python, "
            f"--base-url on the command line, or {_dl.ENV_BASE_URL}).",
        )
    try:
        return _dl.fetch_release(
            dataset,
            chosen,
            known=known,
            base_url=base_url,
            cache=cache,
            timeout=timeout,
            retries=retries,
            deadline=deadline,
            progress=progress,
            only=only,
            fetch_missing=known is not None or own_server,
        )
    except DownloadHTTPError as error:
        if error.status == 404 and known is None and error.url.endswith(MANIFEST):
            raise UnknownVersionError(
                chosen, versions, f" of {dataset} (the server has no {error.url})"
            ) from None
        raise
    except OfflineError as error:
        if known is None and chosen not in versions:
            unknown = UnknownVersionError(chosen, versions, f" of {dataset}")
            raise OfflineError(f"{error}\n{unknown}", error.missing) from None
        raise


def _verify_bundled(
    dataset: str, folder: Path, manifest: dict[str, Any], only: list[str] | None
) -> None:
    """Check bundled files (``only`` those, if given) against the registry or the manifest.

    A bundled version the registry knows is that release: every file must have the
    registry's sha256 and size. A version not released yet is checked against its own
    manifest.
    """
    version = str(manifest.get("version") or "")
    expected = _dl.registry_files(dataset, version)
    source = f"the registry's {dataset} {version}"
    if expected is None:
        expected = _dl.manifest_files(manifest, folder, str(folder / MANIFEST))
        source = str(folder / MANIFEST)
    if only is not None:
        unlisted = sorted(set(only) - set(expected))
        if unlisted:
            raise _dl.ManifestError(f"{source}: no sha256 for {', '.join(unlisted)}")
        expected = {p: d for p, d in expected.items() if p in only or p == MANIFEST}
    for relative, want in expected.items():
        file = _dl.safe_join(folder, relative, f"bundled {dataset} {version}")
        size = file.stat().st_size if file.is_file() else None
        actual = sha256_file(file) if size is not None else "missing"
        if actual != want.sha256 or (want.size is not None and size != want.size):
            raise BundledDataError(
                f"the bundled file {file} does not match {source}: sha256 expected "
                f"{want.sha256} ({want.size} bytes), got {actual} ({size} bytes). "
                f"{_bundled_fix(folder, source)}"
            )


def _bundled_fix(folder: Path, source: str) -> str:
    if repo_root() is None:
        return (
            "The installed data is damaged; reinstall the package: "
            "pip install --force-reinstall coded-events."
        )
    if source.startswith("the registry"):
        return (
            "A released version never changes: restore the released files (git checkout), "
            f"or bump the version in {folder / 'dataset.json'} and rebuild."
        )
    return f"Rebuild it with `coded-events build {folder}`."


def _bundled_release(dataset: str, version: str, only: list[str] | None = None) -> Path:
    """The bundled release folder, its manifest and files (``only`` those) verified."""
    folder = _bundled_folder(dataset)
    manifest_file = folder / MANIFEST
    if not manifest_file.is_file():
        raise BundledDataError(
            f"{dataset} {version} has no {MANIFEST} in {folder}: the data files were never "
            f"built. Run `coded-events build {folder}`."
        )
    manifest = _dl.read_manifest(manifest_file)
    built = str(manifest.get("version"))
    if manifest.get("name") == dataset and built != version:
        raise BundledDataError(
            f"{manifest_file} was built for {dataset} {built}, but {folder / 'dataset.json'} "
            f"says {version}: rebuild it with `coded-events build {folder}`."
        )
    _dl.check_manifest_identity(manifest, dataset, version, str(manifest_file))
    _verify_bundled(dataset, folder, manifest, only)
    return folder


def _choose(dataset: str, version: str | None) -> tuple[str, bool]:
    """The version meant by ``version`` (None: the bundled one) and whether it is bundled."""
    versions = _versions_of(dataset)
    bundled = bundled_version(dataset)
    chosen = _normalise_version(version, versions) or bundled or versions[-1]
    return chosen, chosen == bundled


def release_folder(
    dataset: str = DEFAULT_DATASET, version: str | None = None, only: list[str] | None = None
) -> Path:
    """The local folder of a release: the bundled one, or a download in the cache.

    Every file is verified (fetched first if need be); with ``only``, just the manifest
    and those manifest paths.
    """
    _check_types(dataset=dataset, version=version)
    chosen, is_bundled = _choose(dataset, version)
    if not is_bundled:
        return download(dataset, chosen, only=only)
    return _bundled_release(dataset, chosen, only)


def table_and_format(resource: dict[str, Any]) -> tuple[str, str]:
    """The table and file format of a manifest resource: ``data/events.parquet`` ->
    ``("events", "parquet")``; a ``format`` given in the resource wins over the suffix. A
    resource whose ``path`` lists parts (a partitioned import) is named by its ``name``."""
    if isinstance(resource.get("path"), list):
        return str(resource.get("name", "")), str(resource.get("format", "")).lower()
    path = PurePosixPath(str(resource.get("path", "")))
    file_format = str(resource.get("format") or path.suffix.lstrip(".")).lower()
    return path.stem, file_format


def path(
    dataset: str | os.PathLike[str] = DEFAULT_DATASET,
    table: str = "events",
    version: str | None = None,
    format: str = "parquet",
) -> Path:
    """The local, verified file of one table of a release, e.g. for DuckDB or Spark.

    ``dataset``: a registered name, or a dataset folder on disk (as for :func:`load`).
    ``version=None`` is the bundled release; another version is downloaded once and cached.
    """
    if is_local(dataset):
        if version is not None:
            raise ValueError(f"version={version!r} names a registry release; {dataset} is a folder")
        _check_types(dataset="local", table=table, format=format)
        return _local_file(dataset, table, format.lower())
    _check_types(dataset=dataset, table=table, version=version, format=format)
    folder = release_folder(dataset, version, only=[])
    manifest_file = folder / MANIFEST
    manifest = _dl.read_manifest(manifest_file)
    files: dict[str, dict[str, str]] = {}
    for resource in manifest["resources"]:
        name, file_format = table_and_format(resource)
        files.setdefault(name, {})[file_format] = resource["path"]
    where = f" in {dataset} {manifest.get('version', '')}".rstrip()
    if table not in files:
        raise UnknownTableError(table, sorted(files), where)
    if format.lower() not in files[table]:
        raise UnknownFormatError(format, sorted(files[table]), f" for table {table!r}{where}")
    relative = files[table][format.lower()]
    file = _dl.safe_join(folder, relative, str(manifest_file))
    release_folder(dataset, version, only=[relative])  # fetch if need be; verify
    return file


def _local_files(
    dataset: str | os.PathLike[str], table: str, file_format: str = "parquet"
) -> list[Path]:
    """The verified file (or part files) of ``table`` in a dataset folder on disk."""
    folder, manifest = manifest_of(dataset)
    resources = [r for r in manifest.get("resources", []) if isinstance(r, dict)]
    files = {table_and_format(r): r for r in resources}
    if (table, file_format) not in files:
        known = sorted({name for name, fmt in files if fmt == file_format})
        raise UnknownTableError(table, known, f" in {folder / MANIFEST} ({file_format})")
    return verified_files(folder, files[(table, file_format)])


def _local_file(dataset: str | os.PathLike[str], table: str, file_format: str) -> Path:
    """The one verified file of ``table`` in a dataset folder (``path()``)."""
    files = _local_files(dataset, table, file_format)
    if len(files) > 1:
        raise ValueError(
            f"table {table!r} of {dataset} is in {len(files)} parts (an `import --engine "
            f"dask`): read it with load(), or point DuckDB at {files[0].parent.parent}/**/*"
            f".{file_format}"
        )
    return files[0]


def load(
    dataset: str | os.PathLike[str] = DEFAULT_DATASET,
    table: str = "events",
    version: str | None = None,
    as_: str = "arrow",
) -> Any:
    """Load one table of a dataset release as a pyarrow Table (or pandas / polars frame).

    ``dataset``: a registered name, or a dataset folder on disk (see :func:`is_local`).
    ``version=None`` reads the release bundled in the package, offline (a folder on disk
    has no other version). Tables: ``events``, ``evidence``, ``sources``, ``links``,
    ``provenance`` (those the release's manifest lists). ``as_``: ``"arrow"``,
    ``"pandas"`` or ``"polars"``.
    """
    local = is_local(dataset)
    if local and version is not None:
        raise ValueError(f"version={version!r} names a registry release; {dataset} is a folder")
    _check_types(dataset="local" if local else dataset, table=table, version=version)
    if not isinstance(as_, str) or as_ not in _CONVERTERS:
        raise ValueError(f"as_ must be one of {', '.join(_CONVERTERS)}; got {as_!r}")
    module, convert = _CONVERTERS[as_]
    if module is not None:
        try:
            require(module, module)
        except ExtraMissing as error:
            raise MissingExtraError(f"as_={as_!r}: {error}") from None
    import pyarrow as pa  # imported here: `import coded_events` stays fast
    import pyarrow.parquet as pq

    if local:  # parts read one by one: a hive folder (year=2019/) is not a column
        files = _local_files(dataset, table)
        parts = [read_parquet(f, lambda f=f: pq.read_table(f, partitioning=None)) for f in files]
        where = f"the {len(parts)} parts of table {table!r} ({files[0].parent} ...)"
        return convert(read_parquet(where, lambda: pa.concat_tables(parts)))
    file = path(str(dataset), table, version, "parquet")
    return convert(read_parquet(file, lambda: pq.read_table(file)))
