"""``coded-events new`` and ``new-dataset``: start a source document, or a dataset folder.

``new_source`` stores an article's text byte for byte in ``sources/<id>.txt``, records its
sha256 and writes ``records/<id>.json`` with the source block and no events, ready to code.
With ``coder``, the record is a second coding's (``codings/<coder>/records/<id>.json``)
and the source (text and block) is the one the dataset already holds. Nothing is ever
overwritten; every refusal is a ``NewError`` whose message says why.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import os
import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from coded_events import safe_files
from coded_events.coding.jsonfile import render
from coded_events.records.checks.dataset import read_retired_ids
from coded_events.spec.layout import METADATA_FILE, RECORDS_DIR, DatasetLayout
from coded_events.spec.models import Source, schema_url
from coded_events.spec.versions import SCHEMA_VERSION
from coded_events.spec.vocabulary import DATASET_NAME_PATTERN, SOURCE_ID_PATTERN

"""A dataset name: lower-case letters, digits, '.', '_' and '-' (a Frictionless name)."""
CODER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
"""A coder's folder name under ``codings/``."""

# Licences we can describe fully; any other name is kept as given (with --licence-url).
KNOWN_LICENCES = {
    "CC-BY-4.0": (
        "https://creativecommons.org/licenses/by/4.0/",
        "Creative Commons Attribution 4.0 International",
    ),
    "CC-BY-SA-4.0": (
        "https://creativecommons.org/licenses/by-sa/4.0/",
        "Creative Commons Attribution Share-Alike 4.0 International",
    ),
    "CC0-1.0": (
        "https://creativecommons.org/publicdomain/zero/1.0/",
        "Creative Commons Zero v1.0 Universal",
    ),
    "ODbL-1.0": (
        "https://opendatacommons.org/licenses/odbl/1-0/",
        "Open Data Commons Open Database License 1.0",
    ),
}


class NewError(ValueError):
    """A source or dataset that cannot be created; the message names the file and reason."""


@dataclass(frozen=True)
class Created:
    """What ``new_source`` wrote (``text`` is None for a second coding, which reuses it)."""

    record: Path
    text: Path | None
    sha256: str


def check_text(data: bytes, where: str) -> str:
    """The text of a source file's bytes; NewError when it is not UTF-8 or has a BOM."""
    if data.startswith(codecs.BOM_UTF8):
        raise NewError(
            f"{where}: starts with a UTF-8 byte-order mark (EF BB BF); save it as UTF-8 "
            "without a BOM (quote offsets would count the mark as a character)"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise NewError(
            f"{where}: not UTF-8 (byte {error.start}, line {line}: {error.reason}); "
            "convert it to UTF-8 first, e.g. iconv -f WINDOWS-1252 -t UTF-8"
        ) from None


def source_block(**fields: Any) -> dict[str, Any]:
    """A checked source block (the model's rules: id pattern, date, URL, language)."""
    given = {k: v for k, v in fields.items() if v is not None}
    try:
        return Source.model_validate(given).model_dump(mode="json", exclude_none=True)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'source'}: {e['msg']}"
            for e in error.errors(include_url=False)
        )
        raise NewError(f"the source does not follow schema {SCHEMA_VERSION}: {problems}") from None


def _taken(layout: DatasetLayout, source_id: str) -> str | None:
    """Why ``source_id`` cannot be used in this dataset, or None."""
    retired = read_retired_ids(layout.retired_ids)
    if retired.problem is not None:  # never a rule switched off: say why it cannot be read
        return f"{layout.retired_ids}: {retired.problem}; fix it before adding sources"
    if source_id in retired:
        return f"{source_id!r} is listed in {layout.retired_ids} (retired ids are never reused)"
    for name in (f"{source_id}.json", f"{source_id}.txt"):
        for folder in (layout.records, layout.sources):
            if (folder / name).exists() or (folder / name).is_symlink():
                return f"{folder / name} exists (new never overwrites)"
    for record in sorted(layout.records.glob("*.json")):
        try:  # never through a link, never a FIFO or device (read_regular refuses them)
            found = json.loads(safe_files.read_regular(record))["source"]["source_id"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if found == source_id:
            return f"{record} already codes the source {source_id!r}"
    return None


def _document(source: dict[str, Any]) -> dict[str, Any]:
    return {
        "$schema": schema_url(SCHEMA_VERSION),
        "schema_version": SCHEMA_VERSION,
        "source": source,
        "events": [],
    }


def _write_new(target: Path, data: bytes, root: Path) -> None:
    """Create ``target`` whole or not at all; refuse when it exists, also when it appears
    meanwhile (``safe_files.write_atomic(..., exclusive=True)``)."""
    if target.exists() or target.is_symlink():
        raise NewError(f"{target} exists (new never overwrites)")
    safe_files.make_dirs(target.parent, root)
    try:
        safe_files.write_atomic(target, data, root, exclusive=True)
    except FileExistsError:
        raise NewError(f"{target} exists (new never overwrites)") from None


def new_source(
    dataset_dir: Path,
    text_file: Path,
    *,
    source_id: str,
    title: str,
    publisher: str,
    published: str,
    url: str | None = None,
    language: str = "en",
) -> Created:
    """Store ``text_file`` as ``sources/<source_id>.txt`` and write a record with no events."""
    layout = _dataset(dataset_dir)
    try:
        data = safe_files.read_regular(text_file)
    except OSError as error:
        raise NewError(f"{text_file}: cannot be read: {error.strerror or error}") from None
    check_text(data, str(text_file))
    sha = safe_files.sha256_bytes(data)
    source = source_block(
        source_id=source_id,
        title=title,
        publisher=publisher,
        published=published,
        url=url,
        language=language,
        text_sha256=sha,
    )
    reason = _taken(layout, source_id)
    if reason:
        raise NewError(reason)
    record = layout.records / f"{source_id}.json"
    text = layout.sources / f"{source_id}.txt"
    _write_new(text, data, layout.root)
    try:
        _write_new(record, render(_document(source)), layout.root)
    except BaseException:
        text.unlink(missing_ok=True)  # all or nothing
        raise
    return Created(record, text, sha)


def new_coding(dataset_dir: Path, coder: str, source_id: str) -> Created:
    """Start a second, blind coding of a source the dataset holds: the same source block,
    no events, in ``codings/<coder>/records/<source_id>.json``."""
    layout = _dataset(dataset_dir)
    if not re.fullmatch(CODER_PATTERN, coder):
        raise NewError(f"coder {coder!r}: use letters, digits, '.', '_' and '-' (a folder name)")
    if not re.fullmatch(SOURCE_ID_PATTERN, source_id):
        raise NewError(
            f"source id {source_id!r}: use lower-case letters and digits in groups joined by "
            "'-' (the id of a source the dataset holds, e.g. myind-2024-04-17-title)"
        )
    original = layout.records / f"{source_id}.json"
    try:
        safe_files.check_no_links(original, layout.root)
        source = json.loads(safe_files.read_regular(original))["source"]
        if not isinstance(source, dict):
            raise TypeError("the source block is not an object")
    except safe_files.UnsafePathError as error:
        raise NewError(f"{error} (not read)") from None
    except (OSError, ValueError, KeyError, TypeError):
        raise NewError(
            f"{original}: no readable record of source {source_id!r} to double-code "
            "(start the source with `coded-events new` first)"
        ) from None
    record = layout.coding(coder).records / f"{source_id}.json"
    _write_new(record, render(_document(source)), layout.root)
    return Created(record, None, str(source.get("text_sha256", "")))


def _dataset(dataset_dir: Path) -> DatasetLayout:
    layout = DatasetLayout(dataset_dir)
    if not layout.records.is_dir():
        raise NewError(
            f"{dataset_dir}: not a dataset folder (no {RECORDS_DIR}/); "
            "create one with `coded-events new-dataset`"
        )
    return layout


def new_dataset(
    parent: Path,
    name: str,
    *,
    title: str,
    licence: str,
    description: str | None = None,
    licence_url: str | None = None,
    author: str = "coded-events team",
    created: str | None = None,
) -> Path:
    """Create ``parent/<name>/`` with ``dataset.json``, ``records/``, ``sources/`` and an
    empty ``retired_ids.txt``; return the folder. Refused when the folder exists. The folder
    is made whole in a temporary folder beside it and renamed into place, so a failure
    leaves nothing behind that would block a retry."""
    if not re.fullmatch(DATASET_NAME_PATTERN, name):
        raise NewError(
            f"dataset name {name!r}: use lower-case letters, digits, '.', '_' and '-' "
            "(it is the Frictionless package name)"
        )
    if not title.strip():
        raise NewError("--title must not be empty")
    root = parent / name
    if root.exists() or root.is_symlink():
        raise NewError(f"{root} exists (new-dataset never overwrites)")
    path, long_title = KNOWN_LICENCES.get(licence, (licence_url, None))
    licence_entry = {"name": licence, "path": path, "title": long_title}
    meta = {
        "name": name,
        "title": title,
        "description": description or title,
        "version": "0.1.0",
        "schema_version": SCHEMA_VERSION,
        "created": created or dt.date.today().isoformat(),
        "licenses": [{k: v for k, v in licence_entry.items() if v}],
        "contributors": [{"title": author, "roles": ["author", "maintainer"]}],
    }
    safe_files.make_dirs(parent, parent)
    work = parent / f"{safe_files.TEMP_PREFIX}{name}-{secrets.token_hex(6)}"
    work.mkdir()  # the usual permissions (mkdtemp's are 0700)
    try:
        _fill_dataset(work, meta)
        if root.exists() or root.is_symlink():  # appeared meanwhile
            raise NewError(f"{root} exists (new-dataset never overwrites)")
        os.rename(work, root)  # refused when root is a file or a folder with anything in it
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return root


def _fill_dataset(root: Path, meta: dict[str, Any]) -> None:
    """Write a new dataset's folders and files into ``root``."""
    layout = DatasetLayout(root)
    safe_files.make_dirs(layout.records, root)
    safe_files.make_dirs(layout.sources, root)
    text = json.dumps(meta, indent=2, ensure_ascii=False) + "\n"
    safe_files.write_atomic(root / METADATA_FILE, text.encode("utf-8"), root)
    retired = (
        "# Retired event ids: an id once published is never reused. One per line; "
        "'#' starts a comment.\n"
    )
    safe_files.write_atomic(layout.retired_ids, retired.encode("utf-8"), root)
