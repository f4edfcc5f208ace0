"""What ``coded-events fix`` will not work around: parts of a record that are not of the
kind the schema says (``"evidence": null``, a list as ``source_id``) and strings UTF-8
cannot hold (lone surrogates). Each is a (JSON pointer, message) pair; the record is then
left as it is."""

from __future__ import annotations

from typing import Any

from coded_events.findings import pointer_of

__all__ = ["shape_problems", "unwritable"]


_KINDS = ((type(None), "null"), (bool, "a boolean"), (int | float, "a number"),
          (str, "a string"), (list, "an array"), (dict, "an object"))  # fmt: skip


def _kind(value: Any) -> str:
    return next(name for kind, name in _KINDS if isinstance(value, kind))


Problems = list[tuple[str, str]]
"""(JSON pointer, message) pairs."""


def _expect(value: Any, kind: type, pointer: str, notes: Problems, optional: bool) -> bool:
    """Whether ``value`` is a ``kind`` (or absent, when ``optional``); a note when not."""
    if isinstance(value, kind) or (optional and value is None):
        return True
    wanted = _kind(kind())
    notes.append((pointer, f"{_kind(value)} where {wanted} is expected; not fixed"))
    return False


def shape_problems(doc: dict[str, Any]) -> Problems:
    """Where the parts ``fix`` walks are not of the kind the schema says (``"evidence":
    null``, a list as ``source_id``): fixing around them would guess, so nothing is."""
    notes: Problems = []
    source = doc.get("source")
    if _expect(source, dict, "/source", notes, "source" not in doc):
        given = source or {}
        _expect(given.get("source_id"), str, "/source/source_id", notes, "source_id" not in given)
    events = doc.get("events")
    if not _expect(events, list, "/events", notes, "events" not in doc):
        return notes
    for e, event in enumerate(events or []):
        if not _expect(event, dict, pointer_of(("events", e)), notes, False):
            continue
        action, evidence = event.get("action"), event.get("evidence")
        _expect(action, dict, pointer_of(("events", e, "action")), notes, "action" not in event)
        at = pointer_of(("events", e, "evidence"))
        if not _expect(evidence, list, at, notes, "evidence" not in event):
            continue
        for q, item in enumerate(evidence or []):
            where = ("events", e, "evidence", q)
            if _expect(item, dict, pointer_of(where), notes, False):  # null: the record's own
                _expect(item.get("source_id"), str, pointer_of((*where, "source_id")), notes, True)
    return notes


def unwritable(value: Any, path: tuple[object, ...] = ()) -> Problems:
    """Strings (keys too) that UTF-8 cannot hold: lone surrogates such as ``"\\ud800"``,
    which strict JSON parsing lets through as escapes."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            message = (
                f"holds a lone surrogate (U+{ord(value[error.start]):04X} at character "
                f"{error.start}), which UTF-8 cannot encode; not fixed"
            )
            return [(pointer_of(path), message)]
        return []
    if isinstance(value, dict):
        keys = [n for k in value for n in unwritable(k, path)]
        return keys + [n for k, v in value.items() for n in unwritable(v, (*path, k))]
    if isinstance(value, list):
        return [n for i, v in enumerate(value) for n in unwritable(v, (*path, i))]
    return []
