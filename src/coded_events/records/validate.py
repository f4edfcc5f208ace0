"""Validate record files: run every layer of the check catalogue and collect findings.

>>> from pathlib import Path
>>> from coded_events.records.validate import validate_paths
>>> [f.code for f in validate_paths([Path("tests/fixtures/valid/minimal.json")])]
[]

Nothing here writes to the input, raises on bad input, or stops at the first problem.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import functools
import gc
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from coded_events.findings import DEFAULT_MAX_SAMPLES, SUMMARY_HINT, Finding, Sampler
from coded_events.flat import is_flat, validate_flat
from coded_events.records.checks import (
    CATALOGUE,
    VALIDATOR,
    Document,
    codebook_checks,
    consistency,
    dataset,
    evidence,
    inputs,
    structure,
    syntax,
)
from coded_events.records.checks.evidence import SourceText
from coded_events.safe_files import LinkRefused, NotRegularFile, file_kind, read_regular
from coded_events.spec.layout import (
    CODINGS_DIR,
    DATA_DIR,
    MANIFEST,
    METADATA_FILE,
    RECORDS_DIR,
    RETIRED_IDS_FILE,
    SOURCES_DIR,
    sources_for,
)

__all__ = ["expand_paths", "validate_document_bytes", "validate_paths"]

_SEVERITY = {code: check.severity for code, check in CATALOGUE.items()}


def _safely(
    layer: str, file: str, run: Callable[..., Iterable[Finding]], *args: Any
) -> list[Finding]:
    """Run one layer; an unexpected exception becomes an internal-error finding."""
    try:
        return list(run(*args))
    except Exception as error:
        reason = f"{type(error).__name__}: {error}"[:300]
        return [VALIDATOR["internal-error"].finding(file, layer=layer, reason=reason)]


def _check_document(
    data: bytes | None,
    file: str,
    path: Path | None,
    sources_dir: Path | None,
    texts: dict[Path, SourceText],
    pre: list[Finding],
    max_samples: int = DEFAULT_MAX_SAMPLES,
    *,
    fast: bool = True,
    keep: dict[str, Any] | None = None,
) -> tuple[Document, list[Finding]]:
    """Run the per-document layers over one file's bytes.

    At most ``max_samples`` findings per code are kept (the first ones, event by event),
    each code's exact count in a summary finding; positions are filled in for the ones
    kept. The document keeps only what the dataset layer reads afterwards.
    """
    doc = Document(file=file, path=path, sources_dir=sources_dir)
    sampler = Sampler(max_samples)
    for finding in pre:
        sampler.add(finding)
    parsed = syntax.parse(data, file) if data is not None else None
    if parsed is not None:
        for finding in parsed.findings:
            sampler.add(finding)
    if parsed is not None and parsed.ok:
        doc.data, doc.text = parsed.data, parsed.text
        if keep is not None:
            keep[file] = parsed.data
        doc.repeated_keys = parsed.repeated_keys
        found = _safely("codebook", file, codebook_checks.run, doc)
        skip = {f.pointer for f in found} | parsed.replaced
        for finding in found:
            sampler.add(finding)
        wants = functools.partial(sampler.room, file)
        run = functools.partial(structure.run, fast=fast)
        for finding in _safely("structure", file, run, doc, skip, wants):
            if finding.code == "internal-error":
                sampler.add(finding)
            else:
                sampler.keep(finding)
        later = _safely("consistency", file, consistency.run, doc)
        later += _safely("evidence", file, evidence.run, doc, texts)
        for finding in later:
            if finding.pointer not in parsed.replaced:
                sampler.add(finding)
        doc.release()
    return doc, _capped(doc, sampler)


def _capped(doc: Document, sampler: Sampler) -> list[Finding]:
    """The findings a sampler kept, with their positions, and its summaries."""
    return _locate(doc, sampler.kept) + sampler.summaries(_SEVERITY)


def _cap(doc: Document, findings: list[Finding], max_samples: int) -> list[Finding]:
    """``findings`` of one file, capped per code (with summaries) and located."""
    sampler = Sampler(max_samples)
    for finding in findings:
        sampler.add(finding)
    return _capped(doc, sampler)


def _locate(doc: Document, findings: list[Finding]) -> list[Finding]:
    """Fill in line and column (1-based) from each finding's JSON Pointer.

    Positions are looked up for these findings only (the text is scanned once, skipping
    the values no finding points into); a pointer to a member that is not there gets
    the position of the nearest enclosing one. Summaries of capped codes have none.
    """
    wanted = [
        f for f in findings if f.line is None and f.file == doc.file and f.hint != SUMMARY_HINT
    ]
    text = doc.text if doc.text is not None or not wanted else _text_again(doc)
    if text is None or not wanted:
        return findings
    places = syntax.positions(text, [f.pointer for f in wanted], doc.repeated_keys)
    out = []
    for finding in findings:
        place = places.get(finding.pointer) if finding.line is None else None
        if place is not None and finding.file == doc.file and finding.hint != SUMMARY_HINT:
            finding = dataclasses.replace(finding, line=place[0], column=place[1])
        out.append(finding)
    return out


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one validation run: it allocates
    millions of objects, next to no cycles, and the collector's passes over them cost
    about a third of the run. The collector runs again afterwards."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


def _text_again(doc: Document) -> str | None:
    """The text of a document that was parsed, read again (documents do not keep it while
    the other files of their dataset are read); None when it changed meanwhile."""
    if doc.path is None:
        return None
    data, _ = read_file(doc.path, doc.file)
    try:
        return data.removeprefix(codecs.BOM_UTF8).decode("utf-8") if data else None
    except UnicodeDecodeError:
        return None


def _finish(findings: list[Finding], strict: bool) -> list[Finding]:
    if strict:
        findings = [dataclasses.replace(f, severity="error") for f in findings]
    return sorted(findings, key=lambda f: (f.file, f.line or 0, f.column or 0, f.pointer, f.code))


@_collector_paused()
def validate_document_bytes(
    data: bytes,
    file: str,
    *,
    sources_dir: Path | None = None,
    retired_ids: set[str] | None = None,
    strict: bool = False,
    max_samples: int = DEFAULT_MAX_SAMPLES,
) -> list[Finding]:
    """Validate one document given as bytes; ``file`` is the name used in findings.

    Source texts are looked up in ``sources_dir`` (default: ``<file's folder>/../sources``);
    with ``retired_ids`` the document's event ids are also checked against them. At most
    ``max_samples`` findings per code are shown, with a summary finding giving the
    exact count when there are more.
    """
    if sources_dir is None:
        sources_dir = sources_for(Path(file).absolute().parent)
    doc, findings = _check_document(data, file, None, sources_dir, {}, [], max_samples)
    found = _safely("dataset", file, dataset.run, [doc], retired_ids or set())
    return _finish(findings + _cap(doc, found, max_samples), strict)


DATASET_PARTS = (
    RECORDS_DIR,
    SOURCES_DIR,
    DATA_DIR,
    METADATA_FILE,
    MANIFEST,
    RETIRED_IDS_FILE,
    CODINGS_DIR,
)
"""What a dataset folder holds; none of them may be a symbolic link."""


@dataclasses.dataclass
class Inputs:
    """What the paths given to the validator stand for."""

    records: list[Path] = dataclasses.field(default_factory=list)
    """Record files (links and odd files among them: reported when read, never followed)."""
    metadata: list[Path] = dataclasses.field(default_factory=list)
    """``dataset.json``, ``datapackage.json``, ...: checked for what they are."""
    findings: list[Finding] = dataclasses.field(default_factory=list)
    """Links met while looking (a symlinked ``records/``, ``sources/`` or ``data/``)."""
    empty: list[Path] = dataclasses.field(default_factory=list)
    """Folders given that hold no record file."""


def _mode(path: Path) -> int | None:
    """``st_mode`` of ``path`` itself (a link is not followed); None when it is not there."""
    try:
        return path.lstat().st_mode
    except (OSError, ValueError):
        return None


def _is_dataset(folder: Path) -> bool:
    records = folder / RECORDS_DIR
    return records.is_symlink() or records.is_dir()


def _link_finding(path: Path) -> Finding:
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    return syntax.CHECKS["symlinked-file"].finding(str(path), target=target)


def _dataset_parts(root: Path, found: Inputs) -> None:
    """A dataset folder's own parts: links among them reported, metadata files listed."""
    for name in DATASET_PARTS:
        part = root / name
        if part.is_symlink():
            found.findings.append(_link_finding(part))
        elif name in inputs.METADATA_FILES and os.path.lexists(part):
            found.metadata.append(part)
    for folder in (root / SOURCES_DIR, root / DATA_DIR):
        if folder.is_dir() and not folder.is_symlink():
            with os.scandir(folder) as entries:
                links = sorted(Path(e.path) for e in entries if e.is_symlink())
            found.findings += [_link_finding(link) for link in links]


def _walk(folder: Path, found: Inputs) -> None:
    """The records below ``folder`` (not itself a link). A dataset folder met on the way
    (one holding ``records/``) stands for its records and its parts; links are reported,
    never entered."""
    records_dirs: list[str] = []
    for here, dirs, names in os.walk(folder):
        at = Path(here)
        dirs.sort()
        in_records = any(here == r or here.startswith(r + os.sep) for r in records_dirs)
        if not in_records and _is_dataset(at):
            _dataset_parts(at, found)
            dirs[:] = [] if (at / RECORDS_DIR).is_symlink() else [RECORDS_DIR]
            # second codings (codings/<coder>/records/): checked, with their own ids
            dirs += [CODINGS_DIR] if (at / CODINGS_DIR).is_dir() else []
            records_dirs.append(os.path.join(here, RECORDS_DIR))
            continue
        for name in list(dirs):
            path = at / name
            if path.is_symlink():
                found.findings.append(_link_finding(path))
                dirs.remove(name)
            elif name.endswith(".json"):  # a folder named like a record: reported
                found.records.append(path)
                dirs.remove(name)
        for name in sorted(names):
            if name.endswith(".json"):
                path = at / name
                (found.metadata if inputs.is_metadata(path) else found.records).append(path)


def _unique(paths: list[Path]) -> list[Path]:
    out: dict[str, Path] = {}
    for path in paths:
        out.setdefault(os.path.abspath(path), path)
    return list(out.values())


def discover(paths: Sequence[Path]) -> Inputs:
    """What ``paths`` stand for: record files, metadata files, links met on the way, and
    folders that hold nothing to check. Nothing is read and no link is followed below the
    paths given (the folders above them are the user's)."""
    found = Inputs()
    for path in paths:
        mode = _mode(path)
        if mode is not None and stat.S_ISLNK(mode) and path.is_dir():
            mode = stat.S_IFDIR  # a folder named through a link: the user's choice
        if mode is None or not stat.S_ISDIR(mode) or path.name.endswith(".json"):
            # a file stands for itself, whatever its name; a link or odd file is reported
            (found.metadata if inputs.is_metadata(path) else found.records).append(path)
            continue
        before = len(found.records)
        _walk(path, found)
        if len(found.records) == before:
            found.empty.append(path)
    found.records, found.metadata = _unique(found.records), _unique(found.metadata)
    return found


def expand_paths(paths: Sequence[Path]) -> list[Path]:
    """The record files that ``paths`` stand for, in order, each once.

    A file stands for itself (whatever its name, unless it is a metadata file such as
    ``dataset.json``); a folder for every ``*.json`` below it (links are reported, not
    followed), except that in a dataset folder (one that holds ``records/``), at any
    depth, only the records count, and those of second codings
    (``codings/<coder>/records/``, whose quotes point into the dataset's ``sources/``).
    """
    return discover(paths).records


def read_file(path: Path, file: str) -> tuple[bytes | None, list[Finding]]:
    """The bytes of a file, read without following a link and never opening a FIFO,
    directory or device; or the findings that say why it was not read."""
    mode = _mode(path)
    try:
        if mode is not None and stat.S_ISLNK(mode):
            raise LinkRefused(path)
        if mode is not None and not stat.S_ISREG(mode):
            return None, [inputs.not_regular(file, file_kind(mode))]
        size = path.lstat().st_size
        if size > syntax.MAX_BYTES:
            check = syntax.CHECKS["file-too-large"]
            return None, [check.finding(file, size=size, limit=syntax.MAX_BYTES)]
        return read_regular(path), []
    except LinkRefused:
        return None, [dataclasses.replace(_link_finding(path), file=file)]
    except NotRegularFile as error:  # it changed since it was looked at
        return None, [inputs.not_regular(file, error.reason.partition("(it is ")[2][:-1])]
    except OSError as error:
        check = syntax.CHECKS["file-unreadable"]
        return None, [check.finding(file, reason=error.strerror or error)]


def _dataset_dir(folder: Path) -> Path:
    return folder.parent


def _nothing_to_check(path: Path) -> Finding:
    return inputs.CHECKS["nothing-to-check"].finding(str(path), path=str(path))


@_collector_paused()
def validate_paths(
    paths: list[Path],
    *,
    strict: bool = False,
    max_samples: int = DEFAULT_MAX_SAMPLES,
    parsed: dict[str, Any] | None = None,
) -> list[Finding]:
    """Validate record files and folders; return every finding, sorted by file and line.

    Files in the same folder form one dataset for the dataset checks. When that folder is
    a dataset's ``records/``, the other records in it are read too (their own findings are
    not reported), so that ids are checked against the whole dataset, and ids listed in
    ``<dataset>/retired_ids.txt`` are refused. Metadata files (``dataset.json``,
    ``datapackage.json``) are checked for what they are; a folder given that holds no
    record and no table is a ``nothing-to-check`` error.

    Flat tables (``.csv``, ``.parquet``, folders of published tables) are checked column
    by column by :mod:`coded_events.flat`, with at most ``max_samples`` findings per code.
    Record files show at most ``max_samples`` findings per code and file (the first ones,
    event by event), with a summary finding giving the exact count of each code capped.

    With ``parsed``, the strictly parsed JSON of each record file given that parsed is put
    there, by file name as in findings (the build reads and parses each record once).
    """
    flat = [p for p in paths if is_flat(p)]
    paths = [p for p in paths if not is_flat(p)]
    findings: list[Finding] = validate_flat(flat, max_samples=max_samples).findings if flat else []
    found = discover(paths)
    findings += found.findings + [_nothing_to_check(p) for p in found.empty]
    for path in found.metadata:
        data, pre = read_file(path, str(path))
        findings += pre if data is None else inputs.check_metadata(data, str(path))
    files = found.records
    texts: dict[Path, SourceText] = {}
    groups: dict[Path, list[Document]] = {}
    for path in files:
        folder = Path(os.path.abspath(path)).parent
        data, pre = read_file(path, str(path))
        doc, found_here = _check_document(
            data, str(path), path, sources_for(folder), texts, pre, max_samples, keep=parsed
        )
        findings += _locate(doc, found_here)
        groups.setdefault(folder, []).append(doc)
    requested = {os.path.abspath(p) for p in files}
    for folder, docs in groups.items():
        findings += _dataset_findings(folder, docs, requested, texts, max_samples)
    return _finish(_once(findings), strict)


def _dataset_findings(
    folder: Path,
    docs: list[Document],
    requested: set[str],
    texts: dict[Path, SourceText],
    max_samples: int,
) -> list[Finding]:
    """The dataset checks of the records given in one folder, against every record of
    the dataset when the folder is its ``records/`` (the others are read for their ids)."""
    context = []
    if folder.name == RECORDS_DIR:
        for sibling in sorted(folder.glob("*.json")):
            if os.path.abspath(sibling) in requested or inputs.is_metadata(sibling):
                continue
            data, _ = read_file(sibling, str(sibling))
            # read for their ids only: no finding of theirs is built (max_samples 0)
            doc, _ = _check_document(data, str(sibling), sibling, None, texts, [], 0)
            doc.requested = False
            context.append(doc)
    retired = dataset.read_retired_ids(_dataset_dir(folder) / RETIRED_IDS_FILE)
    found_here = _safely("dataset", docs[0].file, dataset.run, context + docs, retired)
    by_file: dict[str, list[Finding]] = {}
    for finding in found_here:
        by_file.setdefault(finding.file, []).append(finding)
    out: list[Finding] = []
    for doc in docs:
        out += _cap(doc, by_file.get(doc.file, []), max_samples)
    return out


def _once(findings: list[Finding]) -> list[Finding]:
    """Each finding once: a link or odd path met twice (while looking, and again by a
    record that names it) is reported once, under the name it was first met by."""
    seen: set[tuple[str, str, str]] = set()
    out = []
    for finding in findings:
        key = (finding.code, os.path.abspath(finding.file), finding.pointer)
        whole_file = finding.code in {"symlinked-file", "not-regular-file"}
        if whole_file and key in seen:
            continue
        seen.add(key)
        out.append(finding)
    return list(dict.fromkeys(out))
