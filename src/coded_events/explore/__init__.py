"""``coded-events explore``: a static explorer site for a built dataset.

:func:`build_site` writes ``index.html`` (header, data and chart specs inlined), the
vendored Vega and Vega-Lite builds with their licences, the page's own script and style,
and a copy of the release's files for download. The site opens from ``file://`` with no
server and no network, and the same release gives the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from coded_events import safe_files
from coded_events.explore import data, network, page, specs
from coded_events.explore.inputs import ExploreInputError, Release, resolve

__all__ = ["ExploreInputError", "Site", "build_site"]

_HERE = resources.files(__package__)
# site path -> the packaged file it is copied from
PACKAGED = {
    "assets/vega.min.js": "vendor/vega.min.js",
    "assets/vega-lite.min.js": "vendor/vega-lite.min.js",
    "assets/LICENSE-vega": "vendor/LICENSE-vega",
    "assets/LICENSE-vega-lite": "vendor/LICENSE-vega-lite",
    "assets/VENDORED.md": "vendor/README.md",
    "assets/LICENSE-world-atlas": "shapes/LICENSE-world-atlas",
    "assets/SHAPES.md": "shapes/README.md",
    "assets/explorer.js": "static/explorer.js",
    "assets/explorer.css": "static/explorer.css",
}
SHAPES = "shapes/countries-110m.json"
META_KEYS = (
    "name",
    "title",
    "description",
    "version",
    "schema_version",
    "codebook_version",
    "licenses",
    "citation",
    "licence_note",
    "homepage",
)


@dataclass(frozen=True)
class Site:
    """What :func:`build_site` wrote."""

    folder: Path
    files: list[str]
    counts: dict[str, int]


def _packaged(name: str) -> bytes:
    return _HERE.joinpath(name).read_bytes()


def payload(release: Release, with_sources: bool = False) -> tuple[dict[str, Any], dict]:
    """The page's data and its Vega-Lite specs for one release."""
    events = data.events_payload(release)
    actors = data.actors_payload(events)
    edges = network.network_payload(events, actors)
    sources = data.sources_payload(release)
    meta = {key: release.manifest[key] for key in META_KEYS if key in release.manifest}
    body: dict[str, Any] = {
        "meta": meta,
        "events": events,
        "actors": actors,
        "edges": edges,
        "sources": sources,
        "roots": data.root_labels(events),
        "texts": data.texts_payload(release, sources, events) if with_sources else {},
    }
    shapes = json.loads(_packaged(SHAPES))
    return body, specs.all_specs(events, shapes)


def _counts(release: Release, events: int) -> dict[str, int]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    counts = {"events": events}
    for table in ("evidence", "sources", "links"):
        if table in release.tables:
            content = release.contents[release.tables[table]]
            counts[table] = pq.read_metadata(pa.BufferReader(content)).num_rows
    return counts


def _generated(html: str) -> dict[str, bytes]:
    """The files the site writes itself: the page and its assets."""
    files = {"index.html": html.encode("utf-8")}
    files.update({target: _packaged(source) for target, source in PACKAGED.items()})
    return files


def _copies(release: Release, generated: dict[str, bytes]) -> dict[str, bytes]:
    """The release's files as the site publishes them; never in place of a generated one."""
    taken = {name.casefold() for name in generated}
    copies = {}
    for target, file in sorted(release.downloads.items()):
        if target.casefold() in taken or target.casefold().startswith("assets/"):
            raise ExploreInputError(
                f"{file}: the release file {target!r} would replace the site's own {target}"
            )
        copies[target] = release.contents[file]
    return copies


def build_site(
    dataset: str | Path, out: Path, *, version: str | None = None, with_sources: bool = False
) -> Site:
    """Write the explorer site of ``dataset`` (a folder, a ``data/`` folder, a
    ``datapackage.json`` or a published name) into the folder ``out``."""
    release = resolve(str(dataset), version)
    body, view_specs = payload(release, with_sources)
    counts = _counts(release, len(body["events"]))
    downloads = sorted(release.downloads)
    html = page.page(body["meta"], counts, downloads, body, view_specs)
    files = _generated(html)
    files.update(_copies(release, files))
    out = Path(out)
    earlier = _check_out(out)
    for name, content in sorted(files.items()):
        target = out / name
        safe_files.make_dirs(target.parent, out)
        safe_files.write_atomic(target, content, out)
    for stale in earlier - {out / name for name in files}:  # the earlier site's, not ours now
        if stale.relative_to(out).parts[0] in SITE_FOLDERS:
            stale.unlink()
    for folder in sorted({p.parent for p in earlier}, key=lambda p: -len(p.parts)):
        if folder != out and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return Site(out, sorted(files), counts)


SITE_FOLDERS = ("assets", "data")
"""The site's folders: what an earlier site had there and the new one lacks is removed."""
BESIDE = ("CNAME",)
"""Files a Pages checkout keeps beside a site (with any dot-file or dot-folder, such as
``.git`` or ``.nojekyll``): they do not make ``--out`` someone else's, and stay as they are."""


def _beside(relative: Path) -> bool:
    return relative.parts[0].startswith(".") or relative.parts[0] in BESIDE


def _check_out(out: Path) -> set[Path]:
    """Refuse an ``--out`` that holds what the explorer did not write: it must be absent,
    empty, or an earlier explorer site (its ``index.html`` names the generator). Returns
    the earlier site's files (its ``SITE_FOLDERS`` hold only what the new site writes; other
    files someone added, such as a ``CNAME``, stay)."""
    try:
        found = safe_files.output_entries(out, _beside)
    except safe_files.NotAFolder as error:
        raise ExploreInputError(str(error)) from None
    if not found:  # absent, empty, or only what a Pages checkout holds beside a site
        return set()
    index = out / "index.html"
    marker = f'<meta name="generator" content="{page.GENERATOR}">'.encode()
    if not index.is_file() or marker not in safe_files.read_regular(index)[:2048]:
        raise ExploreInputError(
            f"{out}: holds files the explorer did not write; --out must be a new or empty "
            "folder, or an earlier explorer site"
        )
    return {p for p in found if p.is_file()}
