"""``coded-events fix``: repair what is mechanical in record files, and nothing else.

What it changes (``FIXED_FIELDS``), like a linter's ``--fix``:

- an evidence quote's ``char_start``/``char_end`` when the text at those offsets is not
  the quote but the quote occurs in the source text: set to the occurrence nearest the
  old offsets. Several occurrences are reported; two equally near are left for the coder.
  A quote that matches only when white space or typographic quotation marks are ignored
  is reported with the exact text it nearly matches, never rewritten;
- the values derived from the codebook that the record stores (``action.label``,
  ``root_code``, ``quad_class``, ``goldstein``): set to the codebook's, or removed where
  the codebook gives none. A value the record does not store is not added. A label that
  is exactly another code's label (``Sign formal agreement``, 057's, on 050) is reported
  as a likely mistyped code and the action's derived values are left alone: the code and
  the label disagree, and only the coder knows which is meant;
- a missing ``source.text_sha256``: computed from the stored text. A wrong one is never
  overwritten (the text changed, and every quote must be checked again; offsets of that
  source are then left alone too) unless ``accept_text`` says the change is known. A quote
  into another source is moved only when that text's sha256 is the one its record in the
  dataset's ``records/`` states (or with ``accept_text``);
- formatting: 2-space JSON, keys in the order the schema declares (``jsonfile.render``),
  no byte-order mark.

It never changes a code, a date, an actor, a quote's text or anything else. A file that
is not strict JSON (duplicate keys, NaN, ...), whose parts are not of the kind fix walks
(``"evidence": null``, a list as ``source_id``) or that holds a string no UTF-8 file can
(a lone surrogate such as ``"\\ud800"``) is reported with the place and left alone, as is a
file reached through a symbolic link below its dataset folder.
"""

from __future__ import annotations

import codecs
import functools
import json
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coded_events.coding.fix_shape import shape_problems, unwritable
from coded_events.coding.jsonfile import render
from coded_events.findings import pointer_of
from coded_events.records.checks import syntax
from coded_events.records.checks.consistency import derived_values
from coded_events.records.checks.evidence import SourceText, normalise, read_source
from coded_events.safe_files import check_no_links, read_regular, write_atomic
from coded_events.spec import codebook
from coded_events.spec.layout import RECORDS_DIR
from coded_events.spec.vocabulary import SOURCE_ID_PATTERN

FIXED_FIELDS = (
    "/events/*/evidence/*/char_start",
    "/events/*/evidence/*/char_end",
    "/events/*/action/label",
    "/events/*/action/root_code",
    "/events/*/action/quad_class",
    "/events/*/action/goldstein",
    "/source/text_sha256",
)
"""The only values ``fix`` may change (JSON Pointers, ``*`` for any index)."""


@dataclass(frozen=True)
class Change:
    """One value changed: where, what it was and what it is now (None: absent)."""

    pointer: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Note:
    """Something found and reported but not changed (the coder decides)."""

    pointer: str
    message: str


@dataclass
class FileFix:
    """The outcome for one file: its bytes before and after, the changes and the notes.

    ``after`` is None when the file could not be fixed (not strict JSON, not an object,
    malformed, reached through a link). ``root`` is the dataset folder: no link may lie
    between it and the file when the file is written.
    """

    file: str
    before: bytes
    after: bytes | None = None
    changes: list[Change] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    reformatted: bool = False
    bom_removed: bool = False
    root: Path | None = None

    @property
    def changed(self) -> bool:
        """Whether writing ``after`` would change the file."""
        return self.after is not None and self.after != self.before


def occurrences(text: str, quote: str) -> list[int]:
    """Every offset where ``quote`` occurs in ``text`` (overlapping ones too)."""
    hits, at = [], text.find(quote)
    while at >= 0 and quote:
        hits.append(at)
        at = text.find(quote, at + 1)
    return hits


def near_match(text: str, quote: str, near: int) -> tuple[int, int] | None:
    """The span of ``text`` that equals ``quote`` once white space and quotation marks are
    normalised (the one nearest ``near``), or None."""
    flat_text, where = normalise(text)
    flat_quote = normalise(quote)[0].strip()
    hits = occurrences(flat_text, flat_quote)
    if not hits:
        return None
    best = min(hits, key=lambda h: (abs(where[h] - near), h))
    return where[best], where[best + len(flat_quote) - 1] + 1


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _shown(text: str, limit: int = 100) -> str:
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _fix_quote(item: dict[str, Any], text: str, pointer: str, out: FileFix) -> None:
    quote, start, end = item.get("quote"), item.get("char_start"), item.get("char_end")
    if not isinstance(quote, str) or not quote.strip() or not (_is_int(start) and _is_int(end)):
        return  # a malformed quote: the validator says what is wrong
    if 0 <= start < end <= len(text) and text[start:end] == quote:
        return
    hits = occurrences(text, quote)
    if not hits:
        span = near_match(text, quote, start)
        if span is None:
            message = "the quote does not occur in the source text; not changed"
        else:
            message = (
                f"the quote nearly matches {_shown(text[span[0] : span[1]])} at "
                f"{span[0]}-{span[1]} (differing in white space or quotation marks); copy "
                "the exact text and offsets by hand"
            )
        out.notes.append(Note(pointer + "/quote", message))
        return
    nearest = min(abs(h - start) for h in hits)
    ties = [h for h in hits if abs(h - start) == nearest]
    if len(ties) > 1:
        places = " and ".join(f"{h}-{h + len(quote)}" for h in ties)
        out.notes.append(
            Note(
                pointer,
                f"ambiguous: the quote occurs at {places}, equally near the old offsets "
                f"{start}-{end}; set char_start and char_end by hand",
            )
        )
        return
    new = ties[0]
    if len(hits) > 1:
        out.notes.append(
            Note(
                pointer,
                f"the quote occurs {len(hits)} times; chose {new}-{new + len(quote)}, the "
                f"nearest to the old offsets {start}-{end}: check it is the one meant",
            )
        )
    for name, value in (("char_start", new), ("char_end", new + len(quote))):
        if item[name] != value:
            out.changes.append(Change(f"{pointer}/{name}", item[name], value))
            item[name] = value


def _same(typed: Any, expected: Any) -> bool:
    if (
        isinstance(expected, float)
        and isinstance(typed, int | float)
        and not isinstance(typed, bool)
    ):
        return math.isclose(typed, expected, abs_tol=1e-9)
    return type(typed) is type(expected) and typed == expected


@functools.cache
def _label_owners() -> dict[str, list[str]]:
    """Each CAMEO label -> the codes that have it."""
    owners: dict[str, list[str]] = {}
    for code in codebook.event_codes():
        owners.setdefault(codebook.event(code).label, []).append(code)
    return owners


def _fix_derived(action: dict[str, Any], pointer: str, out: FileFix) -> None:
    code = action.get("code")
    if not isinstance(code, str) or code not in codebook.event_codes():
        return
    label = action.get("label")
    others = (
        [c for c in _label_owners().get(label, []) if c != code] if isinstance(label, str) else []
    )
    if others:
        out.notes.append(
            Note(
                f"{pointer}/label",
                f"{label!r} is the label of {' and '.join(others)}, not of {code} (the code): "
                "a mistyped code or a stale label? not changed; set the code or the label "
                "by hand",
            )
        )
        return
    for name, expected in derived_values(code).items():
        if name not in action:
            continue
        typed = action[name]
        if expected is None:
            out.changes.append(Change(f"{pointer}/{name}", typed, None))
            del action[name]
        elif not _same(typed, expected):
            out.changes.append(Change(f"{pointer}/{name}", typed, expected))
            action[name] = expected


def _fix_hash(source: dict[str, Any], found: SourceText, accept_text: bool, out: FileFix) -> bool:
    """Fill in or (knowingly) replace ``text_sha256``; whether the text can be trusted."""
    if found.sha256 is None:
        return False
    typed = source.get("text_sha256")
    if typed is None:
        out.changes.append(Change("/source/text_sha256", None, found.sha256))
        source["text_sha256"] = found.sha256
        return True
    if typed == found.sha256:
        return True
    if accept_text:
        out.changes.append(Change("/source/text_sha256", typed, found.sha256))
        source["text_sha256"] = found.sha256
        return True
    out.notes.append(
        Note(
            "/source/text_sha256",
            f"the source text {found.path} changed (sha256 {found.sha256}, the record says "
            f"{typed}); not overwritten and its quotes not moved: check every quote against "
            "the new text, then run fix with --accept-text",
        )
    )
    return False


def _texts(
    doc: dict[str, Any], sources_dir: Path, cache: dict[Path, SourceText]
) -> dict[str, SourceText]:
    """Source id -> its text, for the document's source and every source a quote names."""
    wanted: set[str] = set()
    source = doc.get("source")
    if isinstance(source, dict) and isinstance(source.get("source_id"), str):
        wanted.add(source["source_id"])
    for event in doc.get("events") if isinstance(doc.get("events"), list) else []:
        evidence = event.get("evidence") if isinstance(event, dict) else None
        for item in evidence if isinstance(evidence, list) else []:
            if isinstance(item, dict) and isinstance(item.get("source_id"), str):
                wanted.add(item["source_id"])
    valid = (sid for sid in sorted(wanted) if re.fullmatch(SOURCE_ID_PATTERN, sid))
    return {sid: read_source(sources_dir, sid, cache) for sid in valid}


def recorded_hashes(records_dir: Path, root: Path) -> dict[str, str]:
    """Source id -> the ``text_sha256`` its record in ``records_dir`` states. Records are
    read without following a link below ``root`` (the dataset folder) or opening anything
    but a regular file; one that cannot be read states nothing."""
    found: dict[str, str] = {}
    try:
        check_no_links(records_dir, root)
        entries = sorted(records_dir.glob("*.json"))
    except OSError:
        return found
    for path in entries:
        try:
            if path.lstat().st_size > syntax.MAX_BYTES:
                continue
            source = json.loads(read_regular(path))["source"]
            sid, sha = source["source_id"], source["text_sha256"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if isinstance(sid, str) and isinstance(sha, str):
            found.setdefault(sid, sha)
    return found


def _trust_other(
    sid: str, found: SourceText, recorded: dict[str, str], accept_text: bool, pointer: str
) -> Note | None:
    """None when quotes into another source ``sid`` may be moved: its text's sha256 is the
    one its record states (or ``accept_text``); else the note that says why not."""
    expected = recorded.get(sid)
    if accept_text or expected == found.sha256:
        return None
    if expected is None:
        return Note(
            pointer,
            f"no record of source {sid!r} states the sha256 of {found.path}; quotes into it "
            "not moved (add its record, or run fix with --accept-text)",
        )
    return Note(
        pointer,
        f"the source text {found.path} changed (sha256 {found.sha256}, its record says "
        f"{expected}); quotes into it not moved: check them against the new text, then run "
        "fix with --accept-text",
    )


def _parse(data: bytes, out: FileFix) -> Any:
    """The strictly parsed JSON, or None (with a note) when it cannot be fixed safely."""
    parsed = syntax.parse(data, out.file)
    blocking = [f for f in parsed.findings if f.code != "utf8-bom"]
    if not parsed.ok or blocking or not isinstance(parsed.data, dict):
        reason = "; ".join(f"{f.code}: {f.message}" for f in blocking) or "not a JSON object"
        out.notes.append(Note("", f"not fixed: {reason} (fix it by hand; validate says where)"))
        return None
    return parsed.data


def fix_document(
    data: bytes,
    file: str,
    sources_dir: Path,
    *,
    accept_text: bool = False,
    cache: dict[Path, SourceText] | None = None,
    hashes: dict[Path, dict[str, str]] | None = None,
) -> FileFix:
    """Fix one record given as bytes (``file`` names it in notes); nothing is written.

    Quotes into another source than the record's are checked against the sha256 that
    source's record in ``sources_dir``'s dataset states (``hashes`` caches them per folder).
    """
    out = FileFix(file, data)
    doc = _parse(data, out)
    if doc is None:
        return out
    malformed = shape_problems(doc) + unwritable(doc)
    if malformed:
        out.notes += [Note(pointer, message) for pointer, message in malformed]
        return out
    before = data.removeprefix(codecs.BOM_UTF8)
    out.bom_removed = before != data
    out.reformatted = render(doc) != before
    texts = _texts(doc, sources_dir, {} if cache is None else cache)
    source = doc.get("source") if isinstance(doc.get("source"), dict) else {}
    own_id = source.get("source_id")
    trusted: dict[str, bool] = {}
    if own_id in texts:
        trusted[own_id] = _fix_hash(source, texts[own_id], accept_text, out)
    recorded: dict[str, str] | None = None

    def may_move(sid: str, pointer: str) -> bool:
        nonlocal recorded
        if sid not in trusted:
            if texts[sid].text is None:
                trusted[sid] = False  # validate says why the text cannot be read
                return False
            if recorded is None and not accept_text:
                recorded = (hashes or {}).get(sources_dir)
                if recorded is None:
                    recorded = recorded_hashes(sources_dir.parent / RECORDS_DIR, sources_dir.parent)
                if hashes is not None:
                    hashes[sources_dir] = recorded
            note = _trust_other(sid, texts[sid], recorded or {}, accept_text, pointer)
            trusted[sid] = note is None
            if note is not None:
                out.notes.append(note)
        return trusted[sid]

    _fix_events(doc, own_id, texts, may_move, out)
    out.after = render(doc)
    return out


def _fix_events(
    doc: dict[str, Any],
    own_id: Any,
    texts: dict[str, SourceText],
    may_move: Callable[[str, str], bool],
    out: FileFix,
) -> None:
    """Each event's derived values, and each quote whose source text may be trusted."""
    events = doc.get("events") if isinstance(doc.get("events"), list) else []
    for e, event in enumerate(events):
        if not isinstance(event, dict):
            continue
        if isinstance(event.get("action"), dict):
            _fix_derived(event["action"], pointer_of(("events", e, "action")), out)
        evidence = event.get("evidence") if isinstance(event.get("evidence"), list) else []
        for q, item in enumerate(evidence):
            sid = (item.get("source_id") or own_id) if isinstance(item, dict) else None
            pointer = pointer_of(("events", e, "evidence", q))
            if isinstance(sid, str) and sid in texts and may_move(sid, pointer + "/source_id"):
                _fix_quote(item, texts[sid].text or "", pointer, out)


def fix_paths(paths: list[Path], *, accept_text: bool = False) -> list[FileFix]:
    """Fix the record files ``paths`` stand for (as ``validate`` finds them, second
    codings included); nothing is written (``write`` does)."""
    from coded_events.records.validate import expand_paths, read_file
    from coded_events.spec.layout import link_root, sources_for

    cache: dict[Path, SourceText] = {}
    hashes: dict[Path, dict[str, str]] = {}
    out = []
    for path in expand_paths(paths):
        absolute = Path(os.path.abspath(path))
        sources_dir = sources_for(absolute.parent)
        root = link_root(absolute)  # the dataset folder (or a loose file's): no link below
        try:
            check_no_links(absolute, root)
        except OSError as error:
            refused = FileFix(str(path), b"", root=root)
            refused.notes.append(Note("", f"not fixed: {error}"))
            out.append(refused)
            continue
        data, problems = read_file(path, str(path))
        if data is None:
            fixed = FileFix(str(path), b"", root=root)
            fixed.notes += [Note("", f"not fixed: {p.code}: {p.message}") for p in problems]
            out.append(fixed)
            continue
        fixed = fix_document(
            data, str(path), sources_dir, accept_text=accept_text, cache=cache, hashes=hashes
        )
        fixed.root = root
        out.append(fixed)
    return out


def write(fixes: list[FileFix]) -> list[str]:
    """Write each changed file atomically (a temporary file renamed over it); return them."""
    written = []
    for fixed in fixes:
        if fixed.changed and fixed.after is not None:
            target = Path(os.path.abspath(fixed.file))
            write_atomic(target, fixed.after, fixed.root or target.parent)
            written.append(fixed.file)
    return written
