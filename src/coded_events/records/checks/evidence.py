"""Evidence layer: the source text is there and unchanged, and every quote is in it."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from coded_events.findings import Finding, pointer_of
from coded_events.records.checks import inputs, syntax
from coded_events.records.checks.base import Document
from coded_events.safe_files import (
    LinkRefused,
    NotRegularFile,
    check_no_links,
    file_kind,
    read_regular,
    sha256_bytes,
)
from coded_events.spec.catalogue.evidence import CHECKS
from coded_events.spec.vocabulary import SOURCE_ID_PATTERN

MAX_TEXT_BYTES = 20 * 1024 * 1024


_SOURCE_ID = re.compile(SOURCE_ID_PATTERN)
_QUOTE_CHARS = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "«": '"', "»": '"'})


@dataclass(frozen=True)
class SourceText:
    """A source text as read from disk, or why it could not be read."""

    path: Path
    text: str | None = None
    sha256: str | None = None
    problem: str | None = None  # a check code
    reason: str = ""


def shown(path: Path) -> str:
    """A path for a message: relative to the working folder when it lies below it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


def source_path(sources_dir: Path, source_id: str) -> tuple[Path, bool]:
    """Where the text of ``source_id`` lives, and whether that stays inside ``sources_dir``."""
    path = sources_dir / f"{source_id}.txt"
    try:
        inside = path.resolve().is_relative_to(sources_dir.resolve())
    except (OSError, RuntimeError, ValueError):
        inside = False
    return path, inside


def _mode(path: Path) -> int | None:
    """``st_mode`` of the path itself (a link not followed); None when it cannot be looked
    up (missing, or a name too long for the system)."""
    try:
        return path.lstat().st_mode
    except (OSError, ValueError):
        return None


def _link_below(sources_dir: Path, path: Path) -> Path | None:
    """The first symbolic link among ``sources/`` and the text's path below it (links
    above the dataset folder are the user's), or None."""
    if not os.path.normpath(path).startswith(os.path.normpath(sources_dir) + os.sep):
        return None  # leaves the folder by name ('..'): source-path-outside says so
    try:
        check_no_links(path, sources_dir.parent)
    except LinkRefused as error:
        return error.path
    except OSError:
        return None
    return None


def _read_text(path: Path, mode: int) -> SourceText:
    """A source text's bytes, read without following a link or opening a FIFO."""
    if not stat.S_ISREG(mode):
        return SourceText(path, problem="not-regular-file", reason=file_kind(mode))
    try:
        size = path.lstat().st_size
        if size > MAX_TEXT_BYTES:
            raise OSError(f"{size} bytes, more than {MAX_TEXT_BYTES}")
        data = read_regular(path)
        return SourceText(path, data.decode("utf-8"), sha256_bytes(data))
    except LinkRefused:
        return SourceText(path, problem="symlinked-file")
    except NotRegularFile as error:
        return SourceText(path, problem="not-regular-file", reason=error.reason)
    except (OSError, UnicodeDecodeError) as error:
        return SourceText(path, problem="source-text-unreadable", reason=str(error))


def read_source(sources_dir: Path, source_id: str, cache: dict[Path, SourceText]) -> SourceText:
    """Read (once) the text of a source; never raises, never follows a link below the
    dataset folder (``sources/`` itself included)."""
    path, inside = source_path(sources_dir, source_id)
    if path in cache:
        return cache[path]
    link = _link_below(sources_dir, path)
    mode = _mode(path)
    if link is not None:
        found = SourceText(link, problem="symlinked-file")
    elif not inside:
        found = SourceText(path, problem="source-path-outside")
    elif mode is None:
        found = SourceText(path, problem="source-text-missing")
    else:
        found = _read_text(path, mode)
    cache[path] = found
    return found


def _source_problem(doc: Document, found: SourceText, source_id: str, pointer: str) -> Finding:
    assert doc.sources_dir is not None
    if found.problem == "symlinked-file":  # about the link itself, named as the file
        target = os.readlink(found.path) if found.path.is_symlink() else "?"
        return syntax.CHECKS["symlinked-file"].finding(str(found.path), target=target)
    if found.problem == "not-regular-file":
        kind = found.reason.partition("(it is ")[2].rstrip(")") or found.reason
        return inputs.CHECKS["not-regular-file"].finding(str(found.path), kind=kind)
    return CHECKS[found.problem or "source-text-unreadable"].finding(
        doc.file,
        pointer,
        source_id,
        value=repr(source_id),
        path=shown(found.path),
        folder=shown(doc.sources_dir),
        reason=found.reason,
    )


def normalise(text: str) -> tuple[str, list[int]]:
    """Text with white space runs collapsed and curly quotes straightened, and for each
    character of the result its offset in ``text`` (the near match of a quote; also used
    by ``coded-events fix`` to report one)."""
    out, where = [], []
    previous_space = False
    for i, char in enumerate(text.translate(_QUOTE_CHARS)):
        if char.isspace():
            if previous_space:
                continue
            char, previous_space = " ", True
        else:
            previous_space = False
        out.append(char)
        where.append(i)
    return "".join(out), where


def locate(text: str, quote: str, near: int) -> str:
    """Where ``quote`` occurs in ``text`` (nearest to ``near``), for a message."""
    hits = [m.start() for m in re.finditer(re.escape(quote), text)] if quote else []
    if hits:
        best = min(hits, key=lambda h: abs(h - near))
        more = f" (and {len(hits) - 1} more place(s))" if len(hits) > 1 else ""
        return f"; the quote occurs at {best}-{best + len(quote)}{more}"
    flat_text, where = normalise(text)
    flat_quote, _ = normalise(quote)
    flat_quote = flat_quote.strip()
    at = flat_text.find(flat_quote) if flat_quote else -1
    if at >= 0:
        start, end = where[at], where[at + len(flat_quote) - 1] + 1
        return (
            f"; a near match (differing in white space or quotation marks) occurs at {start}-{end}"
        )
    return "; the quote does not occur anywhere in the source text"


def _quote_checks(doc: Document, index: int, event, texts: dict[str, SourceText]) -> list[Finding]:
    """The findings of one event's evidence quotes.

    Long because: each quote rule in turn, in the order a coder fixes them; one helper per
    rule would shorten it.
    """
    out = []
    spans: list[tuple[int, int, int, str]] = []
    for q, evidence in enumerate(event.evidence):
        pointer = pointer_of(("events", index, "evidence", q))
        source_id = evidence.source_id or doc.source_id
        if not evidence.quote.strip():
            out.append(CHECKS["quote-blank"].finding(doc.file, pointer + "/quote", evidence.quote))
            continue
        found = texts.get(source_id or "")
        if found is None or found.text is None:
            continue
        text, start, end = found.text, evidence.char_start, evidence.char_end
        if end <= start or end > len(text):
            out.append(
                CHECKS["quote-offsets-invalid"].finding(
                    doc.file,
                    pointer + "/char_end",
                    end,
                    start=start,
                    end=end,
                    length=len(text),
                    where=locate(text, evidence.quote, start),
                )
            )
        elif text[start:end] != evidence.quote:
            actual = text[start:end]
            out.append(
                CHECKS["quote-mismatch"].finding(
                    doc.file,
                    pointer + "/quote",
                    evidence.quote,
                    start=start,
                    end=end,
                    actual=actual if len(actual) <= 80 else actual[:77] + "...",
                    where=locate(text, evidence.quote, start),
                )
            )
        else:
            spans.append((start, end, q, source_id or ""))
    # Every quote that starts before the furthest end seen so far (same source) overlaps
    # the quote that reaches furthest, not only its neighbour in start order.
    spans.sort(key=lambda span: (span[3], span[0], span[1]))
    furthest: dict[str, tuple[int, int, int, str]] = {}
    for s2, e2, q2, src2 in spans:
        previous = furthest.get(src2)
        if previous is None or e2 > previous[1]:
            furthest[src2] = (s2, e2, q2, src2)
        if previous is None:
            continue
        s1, e1, q1, _ = previous
        if s2 < e1:
            out.append(
                CHECKS["quotes-overlap"].finding(
                    doc.file,
                    pointer_of(("events", index, "evidence", max(q1, q2))),
                    start=s2 if q2 > q1 else s1,
                    end=e2 if q2 > q1 else e1,
                    other=min(q1, q2),
                    other_start=s1 if q2 > q1 else s2,
                    other_end=e1 if q2 > q1 else e2,
                )
            )
    return out


def unsupported_events(doc: Document) -> list[Finding]:
    """Events with neither an evidence quote nor provenance (schema 1.2.0)."""
    return [
        CHECKS["evidence-missing"].finding(doc.file, f"/events/{index}/evidence")
        for index, event in doc.events
        if not event.evidence and event.provenance is None
    ]


def run(doc: Document, cache: dict[Path, SourceText]) -> list[Finding]:
    """Evidence findings: events without support, source texts, hashes and quotes."""
    out: list[Finding] = unsupported_events(doc)
    if doc.sources_dir is None or not isinstance(doc.data, dict):
        return out
    texts: dict[str, SourceText] = {}
    wanted: dict[str, str] = {}  # source id -> pointer of its first mention
    if doc.source_id is not None:
        wanted[doc.source_id] = "/source/source_id"
    for index, raw in doc.raw_events:
        evidence = raw.get("evidence") if isinstance(raw, dict) else None
        for q, item in enumerate(evidence if isinstance(evidence, list) else []):
            value = item.get("source_id") if isinstance(item, dict) else None
            if isinstance(value, str):
                wanted.setdefault(value, pointer_of(("events", index, "evidence", q, "source_id")))
    for source_id, pointer in wanted.items():
        _, inside = source_path(doc.sources_dir, source_id)
        if inside and not _SOURCE_ID.fullmatch(source_id):
            continue  # an invalid id, already reported by the structure layer
        found = read_source(doc.sources_dir, source_id, cache)
        texts[source_id] = found
        if found.problem:
            out.append(_source_problem(doc, found, source_id, pointer))
    own = texts.get(doc.source_id or "")
    if (
        doc.source is not None
        and own is not None
        and own.sha256 is not None
        and own.sha256 != doc.source.text_sha256
    ):
        out.append(
            CHECKS["source-text-hash-mismatch"].finding(
                doc.file,
                "/source/text_sha256",
                doc.source.text_sha256,
                path=shown(own.path),
                actual=own.sha256,
                expected=doc.source.text_sha256,
            )
        )
    for index, event in doc.events:
        out += _quote_checks(doc, index, event, texts)
    return out
