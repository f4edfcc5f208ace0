"""Syntax layer: is the file there, readable, UTF-8 and strict JSON?"""

from __future__ import annotations

import bisect
import codecs
import json
import math
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coded_events.findings import Finding, pointer_of
from coded_events.spec.catalogue.syntax import CHECKS, MAX_BYTES, MAX_DEPTH

_CONSTANTS = {"NaN", "Infinity", "-Infinity"}


@dataclass
class Parsed:
    """The outcome of the syntax layer: the data when it parsed, and the findings."""

    data: Any = None
    text: str | None = None
    ok: bool = False
    findings: list[Finding] = field(default_factory=list)
    # pointers whose value the syntax layer replaced (non-finite numbers)
    replaced: set[str] = field(default_factory=set)
    repeated_keys: bool = False  # some object repeats a key


_MAX_INT_DIGITS = 308  # 10**308 is about the largest double


class _NonFinite:
    def __init__(self, token: str) -> None:
        self.token = token


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and (byte) column of a byte offset."""
    line = data.count(b"\n", 0, offset) + 1
    return line, offset - (data.rfind(b"\n", 0, offset) + 1) + 1


def read(path: Path, file: str) -> tuple[bytes | None, list[Finding]]:
    """The bytes of a record file, or findings saying why they were not read."""
    try:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            target = str(path.readlink())
            return None, [CHECKS["symlinked-file"].finding(file, target=target)]
        if not stat.S_ISREG(info.st_mode):
            return None, [CHECKS["file-unreadable"].finding(file, reason="not a regular file")]
        if info.st_size > MAX_BYTES:
            check = CHECKS["file-too-large"]
            return None, [check.finding(file, size=info.st_size, limit=MAX_BYTES)]
        with path.open("rb") as handle:
            return handle.read(MAX_BYTES + 1), []
    except OSError as error:
        return None, [CHECKS["file-unreadable"].finding(file, reason=error.strerror or error)]


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether anything in ``value`` (parsed JSON: plain dicts and lists) lies deeper than
    ``limit`` levels (the value itself is level 1), walked level by level over the
    containers only."""
    level = [value] if type(value) is dict or type(value) is list else []
    for _depth in range(1, limit):
        below: list[Any] = []
        for item in level:
            children = item.values() if type(item) is dict else item
            below += [c for c in children if type(c) is dict or type(c) is list]
        if not below:
            return False
        level = below
    return any(level)  # a container at the limit with anything in it


def parse(data: bytes, file: str) -> Parsed:
    """Decode and parse one file's bytes strictly; never raises.

    Long because: each refusal (size, empty, BOM, NUL, UTF-8, JSON, depth) in the order they
    apply, with the parse hooks as closures.
    """
    out = Parsed()
    if len(data) > MAX_BYTES:
        out.findings.append(CHECKS["file-too-large"].finding(file, size=len(data), limit=MAX_BYTES))
        return out
    if not data.strip():
        out.findings.append(CHECKS["file-empty"].finding(file, line=1, column=1))
        return out
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)) or data.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    ):
        out.findings.append(
            CHECKS["invalid-utf8"].finding(
                file, line=1, column=1, reason="UTF-16/UTF-32 byte-order mark", offset=0
            )
        )
        return out
    nul = data.find(b"\x00")
    if nul >= 0:
        line, column = _position(data, nul)
        out.findings.append(
            CHECKS["file-binary"].finding(file, line=line, column=column, offset=nul)
        )
        return out
    if data.startswith(codecs.BOM_UTF8):
        out.findings.append(CHECKS["utf8-bom"].finding(file, line=1, column=1))
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _position(data, error.start)
        out.findings.append(
            CHECKS["invalid-utf8"].finding(
                file, line=line, column=column, reason=error.reason, offset=error.start
            )
        )
        return out
    out.text = text
    # id of an object -> (the object, its repeated keys); holding the object keeps its id
    # from being reused when a repeated key drops it.
    duplicates: dict[int, tuple[dict[str, Any], list[str]]] = {}

    odd: list[bool] = []  # something was replaced by a _NonFinite marker

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        for key, value in items:
            if key in obj:
                duplicates.setdefault(id(obj), (obj, []))[1].append(key)
            obj[key] = value
        return obj

    def constant(token: str) -> Any:
        odd.append(True)
        return _NonFinite(token)

    def number(token: str) -> Any:
        value = float(token)
        return constant(token) if math.isinf(value) else value

    def integer(token: str) -> Any:
        # Beyond a double's range (and Python's 4,300-digit limit for int()).
        if len(token.lstrip("-")) > _MAX_INT_DIGITS:
            return constant(f"{token[:12]}... ({len(token)} digits)")
        return int(token)

    try:
        value = json.loads(
            text,
            object_pairs_hook=pairs,
            parse_constant=constant,
            parse_float=number,
            parse_int=integer,
        )
    except json.JSONDecodeError as error:
        out.findings.append(
            CHECKS["json-syntax"].finding(
                file, line=error.lineno, column=error.colno, reason=error.msg
            )
        )
        return out
    except RecursionError:
        out.findings.append(
            CHECKS["nesting-too-deep"].finding(file, line=1, column=1, limit=MAX_DEPTH)
        )
        return out
    if _depth_exceeds(value, MAX_DEPTH):
        out.findings.append(
            CHECKS["nesting-too-deep"].finding(file, line=1, column=1, limit=MAX_DEPTH)
        )
        return out
    out.data = _clean(value, duplicates, out, file) if duplicates or odd else value
    out.repeated_keys = bool(duplicates)
    out.ok = True
    return out


def _clean(
    value: Any, duplicates: dict[int, tuple[dict[str, Any], list[str]]], out: Parsed, file: str
) -> Any:
    """Report duplicate keys and non-finite numbers; replace the latter by None."""
    stack: list[tuple[Any, tuple[object, ...]]] = (
        [(value, ())] if isinstance(value, dict | list) else []
    )
    root = [value]
    while stack:
        item, path = stack.pop()
        entries = item.items() if isinstance(item, dict) else enumerate(item)
        if isinstance(item, dict):
            held, repeated = duplicates.get(id(item), (None, []))
            for key in repeated if held is item else []:
                out.findings.append(
                    CHECKS["duplicate-key"].finding(file, pointer_of((*path, key)), key=repr(key))
                )
        for key, child in list(entries):
            if isinstance(child, _NonFinite):
                pointer = pointer_of((*path, key))
                out.findings.append(
                    CHECKS["non-finite-number"].finding(
                        file, pointer, child.token, token=child.token
                    )
                )
                out.replaced.add(pointer)
                item[key] = None
            elif isinstance(child, dict | list):
                stack.append((child, (*path, key)))
    if isinstance(value, _NonFinite):
        out.findings.append(
            CHECKS["non-finite-number"].finding(file, "", value.token, token=value.token)
        )
        out.replaced.add("")
        root[0] = None
    return root[0]


_SPACE = re.compile(r"[ \t\n\r]*")
# Skips a value at C speed; numbers and constants stay text (a huge integer is no error).
_SKIPPER = json.JSONDecoder(parse_int=str, parse_float=str, parse_constant=str)


def positions(
    text: str, pointers: Iterable[str], repeated_keys: bool = True
) -> dict[str, tuple[int, int]]:
    """1-based line and column of the JSON Pointers in ``text`` (valid JSON).

    An object member is placed at its key, an array element at its value; a pointer to
    a member that is not there gets the place of the nearest enclosing one. The text is
    read once and only the values some pointer enters are walked (the others are skipped
    by the C decoder), so the cost does not grow with the number of pointers. Without
    ``repeated_keys`` (no object repeats a key) the walk stops once all are placed;
    with them, a repeated key is placed where it last occurs, as parsers keep the last.
    """
    trie: dict[str, Any] = {}
    wanted = list(dict.fromkeys(pointers))
    nodes = 0
    for pointer in wanted:
        node = trie
        for token in pointer.split("/")[1:]:
            key = token.replace("~1", "/").replace("~0", "~")
            nodes += key not in node
            node = node.setdefault(key, {})
    found: dict[tuple[str, ...], int] = {}
    try:
        start = _SPACE.match(text, 0).end()  # type: ignore[union-attr]
        found[()] = start
        _walk(text, start, trie, (), found, None if repeated_keys else nodes + 1)
    except (ValueError, IndexError, RecursionError, _AllFound):
        pass  # all placed, or not valid JSON after all: the places found so far stand
    lines = _LineIndex(text)
    out: dict[str, tuple[int, int]] = {}
    for pointer in wanted:
        tokens = tuple(t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:])
        while tokens not in found and tokens:
            tokens = tokens[:-1]
        if tokens in found:
            out[pointer] = lines.place(found[tokens])
    return out


class _AllFound(Exception):
    """Every pointer has its place: the rest of the text need not be read."""


def _walk(
    text: str,
    at: int,
    node: dict[str, Any],
    here: tuple[str, ...],
    found: dict,
    stop: int | None,
) -> int:
    """Record the places of ``node``'s members in the value at ``at``; return its end.
    With ``stop``, raise :class:`_AllFound` once ``stop`` places are recorded."""
    if stop is not None and len(found) >= stop:
        raise _AllFound
    if not node:
        return _SKIPPER.raw_decode(text, at)[1]
    char = text[at]
    if char == "{":
        at = _SPACE.match(text, at + 1).end()  # type: ignore[union-attr]
        if text[at] == "}":
            return at + 1
        while True:
            key_start = at
            key, at = json.decoder.scanstring(text, at + 1)
            at = _SPACE.match(text, at).end()  # type: ignore[union-attr]
            at = _SPACE.match(text, at + 1).end()  # type: ignore[union-attr]  # the ':'
            child = node.get(key)
            if child is None:
                at = _SKIPPER.raw_decode(text, at)[1]
            else:
                found[(*here, key)] = key_start  # a repeated key: the last one counts
                at = _walk(text, at, child, (*here, key), found, stop)
            at = _SPACE.match(text, at).end()  # type: ignore[union-attr]
            if text[at] == "}":
                return at + 1
            at = _SPACE.match(text, at + 1).end()  # type: ignore[union-attr]  # the ','
    if char == "[":
        at = _SPACE.match(text, at + 1).end()  # type: ignore[union-attr]
        if text[at] == "]":
            return at + 1
        index = 0
        while True:
            child = node.get(str(index))
            if child is None:
                at = _SKIPPER.raw_decode(text, at)[1]
            else:
                found[(*here, str(index))] = at
                at = _walk(text, at, child, (*here, str(index)), found, stop)
            at = _SPACE.match(text, at).end()  # type: ignore[union-attr]
            if text[at] == "]":
                return at + 1
            at = _SPACE.match(text, at + 1).end()  # type: ignore[union-attr]
            index += 1
    return _SKIPPER.raw_decode(text, at)[1]


class _LineIndex:
    """Character offsets to 1-based (line, column), with the line starts found once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts: list[int] | None = None

    def place(self, offset: int) -> tuple[int, int]:
        if self.starts is None:
            self.starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1
