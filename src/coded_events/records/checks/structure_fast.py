"""Structure layer, part two: the fast path (unknown members found by walking the
models' shapes; per-event findings cached by content), used when a document is valid
or nearly so."""

from __future__ import annotations

import contextlib
import typing
from collections.abc import Callable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from coded_events.findings import pointer_of
from coded_events.records.checks.base import Document
from coded_events.spec.catalogue.structure import CHECKS
from coded_events.spec.versions import SCHEMA_VERSION

if TYPE_CHECKING:  # the heavy imports happen in the functions that need them
    import jsonschema

from coded_events.records.checks.structure_mapping import (
    _from_jsonschema,
    _from_pydantic,
    _leaves,
    _Pending,
    _pending,
    _whole,
)


@cache
def _shape(model: type) -> dict[str, tuple[type | None, bool]]:
    """The members ``model`` defines (by JSON name): the model its value is an object of,
    or its list's items are (None for other values), and whether it is a list."""
    return {
        field.alias or name: _model_in(field.annotation)
        for name, field in model.model_fields.items()  # type: ignore[attr-defined]
    }


def _model_in(annotation: Any) -> tuple[type | None, bool]:
    """The model an annotation holds (``X``, ``X | None``, ``list[X]``), and whether a list."""
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is list:
        return (_model_in(args[0])[0], True) if args and _model_in(args[0])[0] else (None, False)
    for arg in args:  # a union (X | None) or Annotated[X, ...]
        if _model_in(arg)[0] is not None:
            return _model_in(arg)
    return None, False


def _strip(value: Any, model: type) -> tuple[Any, int]:
    """``value`` without the members the models do not know, in every object the models
    define (``model`` at the top), and how many there were. ``value`` itself when there
    are none; otherwise only the objects and lists on the way to one are copied."""
    if not isinstance(value, dict):
        return value, 0
    shape = _shape(model)
    count = 0 if value.keys() <= shape.keys() else sum(1 for key in value if key not in shape)
    changed: dict[str, Any] = {}
    for key, (sub, many) in shape.items():
        item = value.get(key)
        if sub is None or item is None:
            continue
        if many and isinstance(item, list):
            parts = [_strip(element, sub) for element in item]
            found = sum(n for _, n in parts)
            if found:
                changed[key], count = [clean for clean, _ in parts], count + found
        elif not many and isinstance(item, dict):
            clean, found = _strip(item, sub)
            if found:
                changed[key], count = clean, count + found
    if not count:
        return value, 0
    return {k: changed.get(k, v) for k, v in value.items() if k in shape}, count


def _unknown_paths(
    value: Any, model: type, path: tuple[Any, ...] = ()
) -> Iterator[tuple[Any, ...]]:
    """The path of every member :func:`_strip` leaves out, in document order."""
    if not isinstance(value, dict):
        return
    shape = _shape(model)
    for key, item in value.items():
        entry = shape.get(key)
        if entry is None:
            yield (*path, key)
        elif entry[0] is not None and entry[1] and isinstance(item, list):
            for index, element in enumerate(item):
                yield from _unknown_paths(element, entry[0], (*path, key, index))
        elif entry[0] is not None and not entry[1]:
            yield from _unknown_paths(item, entry[0], (*path, key))


def _unknown_items(value: Any, model: type) -> Iterator[_Pending]:
    """An unknown-field finding (not built) for each member :func:`_strip` leaves out.
    Both validators would report each one so and nothing else about it; a file of half
    a million unknown keys is not turned into a million validator errors first."""
    unknown = CHECKS["unknown-field"]
    for path in _unknown_paths(value, model):
        yield _pending(unknown, "", pointer_of(path), name=repr(path[-1]))


@cache
def _model(name: str) -> type:
    from coded_events.spec import models

    return getattr(models, name)  # type: ignore[no-any-return]


def _fast(
    doc: Document,
    emit: Callable[..., None],
    emit_event: Callable[..., None],
    emit_unknown: Callable[[Any, int], None],
) -> None:
    """The fast path of :func:`run`: the document without its events, then each event.

    Unknown members are reported and left out first (pydantic would build an error for
    each, and a validation error of the members left): the document's once, an event's
    only when the models reject it."""
    from pydantic import ValidationError

    from coded_events.spec import models

    data = doc.data
    doc.source, doc.events = None, []
    events = data.get("events") if isinstance(data, dict) else None
    top = {**data, "events": []} if isinstance(events, list) else data
    clean, count = _strip(top, models.SourceDocument)
    if count:
        emit_unknown(top, count)
    source = None
    try:
        source = models.SourceDocument.model_validate(clean).source
    except ValidationError:
        emit(_whole(clean))
        if isinstance(clean, dict):
            with contextlib.suppress(ValidationError):
                source = models.Source.model_validate(clean.get("source"))
    if (
        not count
        or not _strip(top.get("source") if isinstance(top, dict) else None, models.Source)[1]
    ):
        doc.source = source  # a source with unknown members is not one
    validate = models.Event.__pydantic_validator__.validate_python  # model_validate, less a call
    for index, raw in enumerate(events) if isinstance(events, list) else ():
        if not _has_unknown(raw):  # before pydantic: it would build an error for each
            try:
                doc.events.append((index, validate(raw)))
                continue
            except ValidationError:
                pass
        emit_event(_event_findings(raw), index)


def _has_unknown(raw: Any) -> bool:
    """Whether an event has members the models do not know (checked before pydantic,
    which would otherwise build an error for each of them)."""
    return _any_unknown(raw, _model("Event"))


def _any_unknown(value: Any, model: type) -> bool:
    """Whether :func:`_strip` would leave something out of ``value`` (about 8 µs for a
    real event, half of what pydantic takes: this runs on every event)."""
    if value.__class__ is not dict:
        return False
    names, nested = _members(model)
    if not value.keys() <= names:
        return True
    for key, sub, many in nested:
        item = value.get(key)
        if item.__class__ is dict:
            if not many and _any_unknown(item, sub):
                return True
        elif many and item.__class__ is list:
            for element in item:
                if _any_unknown(element, sub):
                    return True
    return False


@cache
def _members(model: type) -> tuple[frozenset[str], tuple[tuple[str, type, bool], ...]]:
    """The member names of ``model``, and those that hold models (or lists of them)."""
    shape = _shape(model)
    nested = tuple((k, sub, many) for k, (sub, many) in shape.items() if sub is not None)
    return frozenset(shape), nested


_EVENT_PREFIX = ("events", 0)
_MAX_CACHED_EVENT = 16 * 1024  # characters of repr: a real event takes about 2,000
_CACHE_SIZE = 4096
_cache: dict[str, _EventFindings] = {}


class _EventFindings(NamedTuple):
    """One rejected event's findings (pointers relative to the event), also by code; the
    count of its unknown members (their findings are made from ``raw`` when shown)."""

    items: tuple[_Pending, ...]
    by_code: tuple[tuple[str, tuple[_Pending, ...]], ...]
    unknown: int = 0
    raw: Any = None


def _event_findings(raw: Any) -> _EventFindings:
    """The findings of one event the models reject.

    Identical events (a file of a million ``{}``) are validated once: the findings depend
    on the event's value alone, and ``repr`` tells JSON values apart (1, 1.0 and True
    included)."""
    key = repr(raw)
    found = _cache.get(key)
    if found is None:
        clean, unknown = _strip(raw, _model("Event"))
        items = _event_pending(clean)
        codes: dict[str, list[_Pending]] = {}
        for item in items:
            codes.setdefault(item.code, []).append(item)
        by_code = tuple((c, tuple(i)) for c, i in codes.items())
        found = _EventFindings(items, by_code, unknown, raw if unknown else None)
        if len(key) <= _MAX_CACHED_EVENT:
            if len(_cache) >= _CACHE_SIZE:
                _cache.clear()
            _cache[key] = found
    return found


_SCHEMA_ADDS_NOTHING = frozenset({"missing"})


_missing: dict[tuple[tuple[Any, ...], ...], tuple[_Pending, ...]] = {}


def _event_pending(raw: Any) -> tuple[_Pending, ...]:
    from pydantic import ValidationError

    from coded_events.spec import models

    # Mapped as event 0 (the mapping looks at field paths, which have no indices) and
    # made relative; no message names the event's index.
    found: dict[str, _Pending] = {}
    kinds: set[str] = set()
    try:
        models.Event.model_validate(raw)
    except ValidationError as error:
        brief = error.errors(include_url=False, include_context=False, include_input=False)
        if all(item["type"] == "missing" for item in brief):  # the findings name places only
            locs = tuple(tuple(item["loc"]) for item in brief)
            if locs not in _missing:
                if len(_missing) >= _CACHE_SIZE:
                    _missing.clear()
                _missing[locs] = tuple(_from_pydantic(item, None, "", ()) for item in brief)
            return _missing[locs]
        for item in error.errors(include_url=False):
            kinds.add(item["type"])
            pending = _from_pydantic(item, raw, "", _EVENT_PREFIX)
            found.setdefault(pending.pointer, pending)
    if not kinds <= _SCHEMA_ADDS_NOTHING:
        for error in _event_validator().iter_errors(raw):
            for leaf in _leaves(error):
                for pending in _from_jsonschema(leaf, "", _EVENT_PREFIX):
                    found.setdefault(pending.pointer, pending)
    cut = len(pointer_of(_EVENT_PREFIX))
    return tuple(p._replace(pointer=p.pointer[cut:]) for p in found.values())


@cache
def _event_validator() -> jsonschema.Draft202012Validator:
    """The published schema's definition of one event, as a validator of its own."""
    import jsonschema

    from coded_events.spec import schema_files

    schema = schema_files.load(SCHEMA_VERSION)
    events = schema["properties"]["events"]["items"]
    return jsonschema.Draft202012Validator({"$defs": schema["$defs"], **events})
