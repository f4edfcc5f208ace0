"""Compare two JSON Schemas and classify every change as patch, minor or major.

The rules follow semantic versioning from the point of view of a document that
was valid before:

- **patch**: nothing that decides validity changed (descriptions, titles, examples).
- **minor**: every document valid before is still valid (a new optional field, a new
  code in a code list or in a pattern's list of codes, a loosened bound).
- **major**: some document valid before is now invalid, or a field is gone (a field
  removed or renamed, a new required field, a narrowed type, bound or pattern, a code
  removed).

The walk is data-driven: ``KEYWORD_RULES`` says how each JSON Schema keyword is judged.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from coded_events.spec.versions import Level as Level
from coded_events.spec.versions import bump_level as bump_level
from coded_events.spec.versions import sort_key


@dataclass(frozen=True)
class Change:
    """One difference between two schemas."""

    pointer: str
    level: Level
    description: str


# Keywords that never decide validity.
ANNOTATIONS = {"description", "title", "examples", "default", "$comment", "deprecated"}
# Keywords whose change is ignored: they carry the version itself.
VERSION_KEYWORDS = {"$id"}
VERSION_POINTERS = {"/properties/schema_version"}

_LOWER_BOUNDS = {"minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"}
_UPPER_BOUNDS = {"maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"}


def _as_set(value: Any) -> set[str]:
    values = value if isinstance(value, list) else [value]
    return {json.dumps(v, sort_keys=True) for v in values}


def _judge_bound(keyword: str, old: Any, new: Any) -> Level:
    if old is None:
        return Level.major  # a bound appeared
    if new is None:
        return Level.minor  # a bound went away
    tighter = new > old if keyword in _LOWER_BOUNDS else new < old
    return Level.major if tighter else Level.minor


def _judge_set(old: Any, new: Any) -> Level:
    """For ``type`` and ``enum``: removing allowed values is major, adding is minor."""
    if old is None:
        return Level.major
    if new is None:
        return Level.minor
    before, after = _as_set(old), _as_set(new)
    lost = before - after
    if '"number"' in after:  # every integer is a number: integer -> number widens
        lost.discard('"integer"')
    if lost:
        return Level.major
    return Level.minor if after - before else Level.none


def _judge_required(old: Any, new: Any) -> Level:
    before, after = set(old or []), set(new or [])
    if after - before:
        return Level.major
    return Level.minor if before - after else Level.none


def _judge_additional(old: Any, new: Any) -> Level:
    if old is False and new is not False:
        return Level.minor
    return Level.major


def _judge_changed(old: Any, new: Any) -> Level:
    """Const, format (and patterns not judged by :func:`_judge_pattern`): any change can
    reject old documents."""
    if new is None:
        return Level.minor
    return Level.major


# A group of two or more literal alternatives, as the codebook's code lists are written into
# patterns: ``(AFG|ALB|...)``.
_CODE_GROUP = re.compile(r"\(((?:[A-Za-z0-9_]+\|)+[A-Za-z0-9_]+)\)")
_LOOKAROUND = ("(?=", "(?!", "(?<=", "(?<!")


def _code_groups(pattern: str) -> tuple[str, list[set[str]]]:
    """The pattern with each literal alternation replaced by a marker, and the alternations."""
    groups: list[set[str]] = []

    def mark(match: re.Match[str]) -> str:
        groups.append(set(match.group(1).split("|")))
        return "\x00"

    return _CODE_GROUP.sub(mark, pattern), groups


def _judge_pattern(old: Any, new: Any) -> Level:
    """A pattern that only gained codes in its code lists is minor: with the rest of the
    pattern unchanged (and no lookaround, which could negate a list), a larger list of
    literal alternatives matches every string the smaller one did. Any other change can
    reject old documents."""
    if new is None:
        return Level.minor
    if old is None or not isinstance(old, str) or not isinstance(new, str):
        return Level.major
    old_skeleton, old_groups = _code_groups(old)
    new_skeleton, new_groups = _code_groups(new)
    if old_skeleton != new_skeleton or any(mark in new_skeleton for mark in _LOOKAROUND):
        return Level.major
    if any(not before <= after for before, after in zip(old_groups, new_groups, strict=True)):
        return Level.major
    return Level.minor if old != new else Level.none


KEYWORD_RULES: dict[str, Callable[[Any, Any], Level]] = {
    "type": _judge_set,
    "enum": _judge_set,
    "required": _judge_required,
    "additionalProperties": _judge_additional,
    "pattern": _judge_pattern,
    "const": _judge_changed,
    "format": _judge_changed,
    **{k: (lambda o, n, k=k: _judge_bound(k, o, n)) for k in _LOWER_BOUNDS | _UPPER_BOUNDS},
}

_SUBSCHEMA_MAPS = {"properties", "$defs", "patternProperties"}  # see MAP_RULES
_SUBSCHEMA_LISTS = {"anyOf", "oneOf", "allOf", "prefixItems"}  # see LIST_RULES
# Lists of alternatives: a branch added to an existing list widens it (anyOf), but a list
# that appears where there was none is a new constraint, and one that goes is none.
_ALTERNATIVES = {"anyOf", "oneOf"}
_SUBSCHEMA_SINGLE = {"items", "not", "if", "then", "else", "contains"}


def _describe(keyword: str, old: Any, new: Any) -> str:
    def short(value: Any) -> str:
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 60 else text[:57] + "..."

    if keyword == "enum" and isinstance(old, list) and isinstance(new, list):
        removed = [v for v in old if v not in new]
        added = [v for v in new if v not in old]
        parts = []
        if removed:
            parts.append(f"removed {short(removed)}")
        if added:
            parts.append(f"added {short(added)}")
        return f"enum: {'; '.join(parts)}"
    if keyword == "required":
        before, after = set(old or []), set(new or [])
        parts = []
        if after - before:
            parts.append(f"now required: {sorted(after - before)}")
        if before - after:
            parts.append(f"no longer required: {sorted(before - after)}")
        return f"required: {'; '.join(parts)}"
    if keyword == "pattern" and isinstance(old, str) and isinstance(new, str):
        (old_skeleton, old_groups), (new_skeleton, new_groups) = (
            _code_groups(old),
            _code_groups(new),
        )
        if old_skeleton == new_skeleton:
            added = sorted(
                set().union(*(n - o for o, n in zip(old_groups, new_groups, strict=True)))
            )
            removed = sorted(
                set().union(*(o - n for o, n in zip(old_groups, new_groups, strict=True)))
            )
            parts = [f"codes added: {', '.join(added)}"] if added else []
            parts += [f"codes removed: {', '.join(removed)}"] if removed else []
            return f"pattern: {'; '.join(parts)}"
    return f"{keyword}: {short(old)} -> {short(new)}"


def _walk(old: Any, new: Any, pointer: str, out: list[Change]) -> None:
    if pointer in VERSION_POINTERS:
        return
    if not isinstance(old, dict) or not isinstance(new, dict):
        if old != new:
            out.append(Change(pointer, Level.major, "sub-schema replaced"))
        return
    for keyword in sorted(set(old) | set(new)):
        before, after = old.get(keyword), new.get(keyword)
        if before == after or keyword in VERSION_KEYWORDS:
            continue
        here = f"{pointer}/{keyword}"
        if keyword in ANNOTATIONS:
            out.append(Change(here, Level.patch, f"{keyword} changed"))
        elif keyword in _SUBSCHEMA_MAPS:
            _walk_map(before or {}, after or {}, here, keyword, out)
        elif keyword in _ALTERNATIVES and not before and after:
            # no alternatives before means no constraint; any list of them is one
            out.append(Change(here, Level.major, f"{keyword} added (a new constraint)"))
        elif keyword in _ALTERNATIVES and before and not after:
            out.append(Change(here, Level.minor, f"{keyword} removed (a constraint gone)"))
        elif keyword in _SUBSCHEMA_LISTS:
            _walk_list(before or [], after or [], here, keyword, out)
        elif keyword in _SUBSCHEMA_SINGLE:
            if before is None or after is None:
                level = Level.major if before is None else Level.minor
                out.append(Change(here, level, f"{keyword} {'added' if after else 'removed'}"))
            else:
                _walk(before, after, here, out)
        elif keyword in KEYWORD_RULES:
            level = KEYWORD_RULES[keyword](before, after)
            if level:
                out.append(Change(here, level, _describe(keyword, before, after)))
        else:
            out.append(Change(here, Level.major, f"unclassified keyword {keyword!r} changed"))


# What adding or removing one entry of a keyword does to documents that were valid before:
# (keyword) -> (level when added, what it is, level when removed, what it is).
MAP_RULES: dict[str, tuple[Level, str, Level, str]] = {
    # a new property is minor unless it is also required (judged at "required")
    "properties": (Level.minor, "optional field added", Level.major, "field removed"),
    # a definition on its own constrains nothing; its uses are judged where they change
    "$defs": (Level.patch, "definition added", Level.major, "definition removed"),
    "patternProperties": (
        Level.major,
        "pattern property added (constrains matching keys)",
        Level.minor,
        "pattern property removed",
    ),
}
LIST_RULES: dict[str, tuple[Level, str, Level, str]] = {
    "anyOf": (Level.minor, "alternative added", Level.major, "alternative removed"),
    # a new oneOf branch can make an old document match twice
    "oneOf": (Level.major, "alternative added", Level.major, "alternative removed"),
    "allOf": (Level.major, "constraint added", Level.minor, "constraint removed"),
    "prefixItems": (Level.major, "item schema added", Level.minor, "item schema removed"),
}
# In these lists the order of the entries carries no meaning.
_UNORDERED = {"anyOf", "oneOf", "allOf"}


def _walk_map(old: dict, new: dict, pointer: str, keyword: str, out: list[Change]) -> None:
    added, what_added, removed, what_removed = MAP_RULES[keyword]
    for name in sorted(set(old) | set(new)):
        here = f"{pointer}/{name}"
        if name not in new:
            out.append(Change(here, removed, what_removed))
        elif name not in old:
            out.append(Change(here, added, what_added))
        else:
            _walk(old[name], new[name], here, out)


def _walk_list(old: list, new: list, pointer: str, keyword: str, out: list[Change]) -> None:
    added, what_added, removed, what_removed = LIST_RULES[keyword]
    before, after = list(enumerate(old)), list(enumerate(new))
    if keyword in _UNORDERED:  # entries equal in content match wherever they stand
        same = {_canonical(x) for _, x in before} & {_canonical(x) for _, x in after}
        before = [(i, x) for i, x in before if _canonical(x) not in same]
        after = [(i, x) for i, x in after if _canonical(x) not in same]
    for k in range(max(len(before), len(after))):
        if k >= len(after):
            out.append(Change(f"{pointer}/{before[k][0]}", removed, what_removed))
        elif k >= len(before):
            out.append(Change(f"{pointer}/{after[k][0]}", added, what_added))
        else:
            _walk(before[k][1], after[k][1], f"{pointer}/{after[k][0]}", out)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every change from ``old`` to ``new``, each with its level."""
    out: list[Change] = []
    _walk(old, new, "", out)
    return out


def required_level(changes: list[Change]) -> Level:
    """The smallest version bump that covers all ``changes``."""
    return max((c.level for c in changes), default=Level.none)


def __getattr__(name: str) -> object:
    """``version_key``: moved to ``coded_events.spec.versions.sort_key`` (deprecated here)."""
    if name == "version_key":
        warnings.warn(
            "coded_events.spec.schema_diff.version_key is deprecated; use "
            "coded_events.spec.versions.sort_key",
            DeprecationWarning,
            stacklevel=2,
        )
        return sort_key
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
