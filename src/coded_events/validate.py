"""Validate record files: run every layer of the check catalogue and collect findings.

>>> from pathlib import Path
>>> from coded_events.validate import validate_paths
>>> [f.code for f in validate_paths([Path("tests/fixtures/valid/minimal.json")])]
[]

Nothing here writes to the input, raises on bad input, or stops at the first problem.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import json_source_map

from coded_events.checks import (
    VALIDATOR,
    Document,
    codebook_checks,
    consistency,
    dataset,
    evidence,
    structure,
    syntax,
)
from coded_events.checks.evidence import SourceText
from coded_events.findings import Finding
from coded_events.flat import is_flat, validate_flat

__all__ = ["expand_paths", "validate_document_bytes", "validate_paths"]

RECORDS_DIR = "records"
SOURCES_DIR = "sources"


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
) -> tuple[Document, list[Finding]]:
    """Run the per-document layers over one file's bytes."""
    doc = Document(file=file, path=path, sources_dir=sources_dir)
    findings = list(pre)
    if data is None:
        return doc, findings
    parsed = syntax.parse(data, file)
    findings += parsed.findings
    if not parsed.ok:
        return doc, findings
    doc.data, doc.text = parsed.data, parsed.text
    found = _safely("codebook", file, codebook_checks.run, doc)
    skip = {f.pointer for f in found} | parsed.replaced
    findings += found
    findings += _safely("structure", file, structure.run, doc, skip)
    later = _safely("consistency", file, consistency.run, doc)
    later += _safely("evidence", file, evidence.run, doc, texts)
    findings += [f for f in later if f.pointer not in parsed.replaced]
    return doc, findings


def _unescape(token: str) -> str:
    """An RFC 6901 pointer token as the raw key."""
    return token.replace("~1", "/").replace("~0", "~")


def _locate(doc: Document, findings: list[Finding]) -> list[Finding]:
    """Fill in line and column (1-based) from each finding's JSON Pointer."""
    if doc.text is None or all(f.line is not None for f in findings):
        return findings
    try:
        entries = json_source_map.calculate(doc.text)
    except Exception:
        entries = {}
    out = []
    for finding in findings:
        if finding.line is None and finding.file == doc.file:
            # json_source_map keys join the raw keys with "/"; ours escape them (RFC 6901)
            tokens = [_unescape(t) for t in finding.pointer.split("/")[1:]]
            while tokens and "/" + "/".join(tokens) not in entries:
                tokens.pop()
            entry = entries.get("/" + "/".join(tokens) if tokens else "")
            if entry is not None:
                where = entry.key_start or entry.value_start
                finding = dataclasses.replace(finding, line=where.line + 1, column=where.column + 1)
        out.append(finding)
    return out


def _finish(findings: list[Finding], strict: bool) -> list[Finding]:
    if strict:
        findings = [dataclasses.replace(f, severity="error") for f in findings]
    return sorted(findings, key=lambda f: (f.file, f.line or 0, f.column or 0, f.pointer, f.code))


def validate_document_bytes(
    data: bytes,
    file: str,
    *,
    sources_dir: Path | None = None,
    retired_ids: set[str] | None = None,
    strict: bool = False,
) -> list[Finding]:
    """Validate one document given as bytes; ``file`` is the name used in findings.

    Source texts are looked up in ``sources_dir`` (default: ``<file's folder>/../sources``);
    with ``retired_ids`` the document's event ids are also checked against them.
    """
    if sources_dir is None:
        sources_dir = Path(file).absolute().parent.parent / SOURCES_DIR
    doc, findings = _check_document(data, file, None, sources_dir, {}, [])
    findings += _safely("dataset", file, dataset.run, [doc], retired_ids or set())
    return _finish(_locate(doc, findings), strict)


def expand_paths(paths: Sequence[Path]) -> list[Path]:
    """The record files that ``paths`` stand for, in order, each once.

    A file stands for itself (whatever its name); a folder for every ``*.json`` below it
    (links are not followed), except that in a dataset folder (one that holds
    ``records/``), at any depth, only the records count.
    """
    out: dict[str, Path] = {}
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            base = path / RECORDS_DIR if (path / RECORDS_DIR).is_dir() else path
            for folder, dirs, names in os.walk(base):
                dirs.sort()
                if RECORDS_DIR in dirs:  # a dataset folder further down: its records only
                    dirs[:], names = [RECORDS_DIR], []
                for name in sorted(names):
                    if name.endswith(".json"):
                        found = Path(folder) / name
                        out.setdefault(os.path.abspath(found), found)
        else:
            out.setdefault(os.path.abspath(path), path)
    return list(out.values())


def _dataset_dir(folder: Path) -> Path:
    return folder.parent


def validate_paths(
    paths: list[Path], *, strict: bool = False, max_samples: int = 20
) -> list[Finding]:
    """Validate record files and folders; return every finding, sorted by file and line.

    Files in the same folder form one dataset for the dataset checks. When that folder is
    a dataset's ``records/``, the other records in it are read too (their own findings are
    not reported), so that ids are checked against the whole dataset, and ids listed in
    ``<dataset>/retired_ids.txt`` are refused.

    Flat tables (``.csv``, ``.parquet``, folders of published tables) are checked column
    by column by :mod:`coded_events.flat`, with at most ``max_samples`` findings per code.
    """
    flat = [p for p in paths if is_flat(p)]
    paths = [p for p in paths if not is_flat(p)]
    findings: list[Finding] = validate_flat(flat, max_samples=max_samples).findings if flat else []
    files = expand_paths(paths)
    texts: dict[Path, SourceText] = {}
    groups: dict[Path, list[Document]] = {}
    for path in files:
        folder = Path(os.path.abspath(path)).parent
        data, pre = syntax.read(path, str(path))
        doc, found = _check_document(data, str(path), path, folder.parent / SOURCES_DIR, texts, pre)
        findings += _locate(doc, found)
        groups.setdefault(folder, []).append(doc)
    requested = {os.path.abspath(p) for p in files}
    for folder, docs in groups.items():
        context = []
        if folder.name == RECORDS_DIR:
            for sibling in sorted(folder.glob("*.json")):
                if os.path.abspath(sibling) in requested:
                    continue
                data, _ = syntax.read(sibling, str(sibling))
                doc, _ = _check_document(data, str(sibling), sibling, None, texts, [])
                doc.requested = False
                context.append(doc)
        retired = dataset.read_retired_ids(_dataset_dir(folder) / dataset.RETIRED_IDS_FILE)
        everything = context + docs
        found = _safely("dataset", docs[0].file, dataset.run, everything, retired)
        for doc in docs:
            findings += _locate(doc, [f for f in found if f.file == doc.file])
    return _finish(findings, strict)
