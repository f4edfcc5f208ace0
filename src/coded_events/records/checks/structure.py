"""Structure layer: the models and the published JSON Schema, mapped onto catalogue codes.

Both validators run; their errors are mapped onto the same codes and merged by JSON
Pointer, so each problem is reported once. The models' errors come first (they also
know the calendar); the schema adds what only it reports.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import typing
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any, NamedTuple

from coded_events.findings import Finding, field_of, pointer_of
from coded_events.records.checks.base import Check, Document
from coded_events.spec.catalogue.structure import CHECKS
from coded_events.spec.versions import SCHEMA_VERSION

if TYPE_CHECKING:  # the heavy imports happen in the functions that need them
    import jsonschema


DATE_FIELDS = {"/events/date/start", "/events/date/end", "/source/published"}
ID_FIELDS = {"/events/event_id", "/source/source_id", "/events/evidence/source_id"}

_PYDANTIC_TYPES = {
    "string_type": "a string",
    "float_type": "a number",
    "int_type": "an integer",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "int_from_float": "an integer",
    "none_required": "null",
}
_JSON_TYPES = {
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
    "null": "null",
}


class _Pending(NamedTuple):
    """A finding not built yet (building costs more than counting): its check, its
    pointer, the value (an empty tuple when there is none) and the message's parameters."""

    check: Check
    pointer: str
    value: tuple[Any, ...]
    params: dict[str, Any]

    @property
    def code(self) -> str:
        return self.check.code

    def build(self, file: str, prefix: str = "") -> Finding:
        return self.check.finding(file, prefix + self.pointer, *self.value, **self.params)


def _pending(check: Check, file: str, pointer: str = "", *value: Any, **params: Any) -> _Pending:
    return _Pending(check, pointer, value, params)


def json_type(value: Any) -> str:
    """The JSON type name of a Python value, as a contributor reads it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    for kind, name in ((str, "a string"), (int, "an integer"), (float, "a number")):
        if isinstance(value, kind):
            return name
    return "a list" if isinstance(value, list) else "an object"


def _form_finding(
    file: str, pointer: str, value: Any, too_long: bool, pattern: Any, rule: str
) -> _Pending:
    """A value that does not have its field's form (pattern, or length for a free string),
    as the models and the JSON Schema both report it."""
    check = _pattern_check(field_of(pointer))
    if check.code == "invalid-format" and too_long:
        check = CHECKS["out-of-range"]
    return _pending(check, file, pointer, value, value=repr(value), pattern=pattern, rule=rule)


def _pattern_check(field: str) -> Check:
    if field in DATE_FIELDS:
        return CHECKS["invalid-date"]
    if field in ID_FIELDS:
        return CHECKS["invalid-id"]
    return CHECKS["invalid-format"]


@cache
def _common_values() -> dict[str, Any]:
    from coded_events.spec import schema_files

    return {"known": ", ".join(schema_files.published_versions()), "current": SCHEMA_VERSION}


def _common(file: str) -> dict[str, Any]:
    """Parameters some messages name: the known schema versions (the schema folder is
    listed once per run, not once per finding) and the current one."""
    return _common_values()


def _from_pydantic(
    error: dict[str, Any], data: Any = None, file: str = "", prefix: tuple[Any, ...] = ()
) -> _Pending:
    loc = prefix + tuple(error["loc"])
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    pointer, field = pointer_of(loc), field_of(pointer_of(loc))
    common = _common(file)
    if kind == "missing":
        return _pending(CHECKS["missing-field"], file, pointer, name=repr(loc[-1]))
    if kind == "extra_forbidden":
        return _pending(CHECKS["unknown-field"], file, pointer, name=repr(loc[-1]))
    if field == "/schema_version":
        return _pending(
            CHECKS["unsupported-schema-version"], file, pointer, value, value=repr(value), **common
        )
    if kind in _PYDANTIC_TYPES:
        return _pending(
            CHECKS["wrong-type"],
            file,
            pointer,
            value,
            expected=_PYDANTIC_TYPES[kind],
            found=json_type(value),
        )
    if kind == "enum" or kind == "literal_error":
        return _pending(
            CHECKS["invalid-enum"],
            file,
            pointer,
            value,
            value=repr(value),
            expected=ctx.get("expected", "?"),
        )
    if kind in ("string_pattern_mismatch", "string_too_long") or (
        kind == "value_error" and field in DATE_FIELDS
    ):
        too_long = kind == "string_too_long"
        return _form_finding(file, pointer, value, too_long, ctx.get("pattern", "?"), error["msg"])
    if kind in ("string_too_short", "too_short"):
        return _pending(
            CHECKS["empty-value"], file, pointer, value, what=repr(loc[-1] if loc else "value")
        )
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return _pending(
            CHECKS["out-of-range"],
            file,
            pointer,
            value,
            value=repr(value),
            rule=error["msg"].lower(),
        )
    return _pending(CHECKS["schema-violation"], file, pointer, value, reason=error["msg"], **common)


@cache
def _schema_validator() -> jsonschema.Draft202012Validator:
    import jsonschema

    from coded_events.spec import schema_files

    return jsonschema.Draft202012Validator(schema_files.load(SCHEMA_VERSION))


def _leaves(error: jsonschema.ValidationError) -> Iterator[jsonschema.ValidationError]:
    """The useful errors inside anyOf/oneOf: drop the 'or null' branch of optional fields."""
    if not error.context:
        yield error
        return
    useful = [
        e for e in error.context if not (e.validator == "type" and e.validator_value == "null")
    ]
    if not useful:
        yield error
        return
    for sub in useful:
        yield from _leaves(sub)


def _from_jsonschema(
    error: jsonschema.ValidationError, file: str, prefix: tuple[Any, ...] = ()
) -> Iterator[_Pending]:
    path = prefix + tuple(error.absolute_path)
    pointer = pointer_of(path)
    field = field_of(pointer)
    value = error.instance
    kind = error.validator
    common = _common(file)
    if kind == "required" and isinstance(value, dict):
        for name in error.validator_value:
            if name not in value:
                yield _pending(
                    CHECKS["missing-field"], file, pointer_of((*path, name)), name=repr(name)
                )
        return
    if kind == "additionalProperties" and isinstance(value, dict):
        for name in sorted(set(value) - set(error.schema.get("properties", {}))):
            yield _pending(
                CHECKS["unknown-field"], file, pointer_of((*path, name)), name=repr(name)
            )
        return
    if field == "/schema_version":
        yield _pending(
            CHECKS["unsupported-schema-version"], file, pointer, value, value=repr(value), **common
        )
    elif kind == "type":
        expected = error.validator_value
        names = [expected] if isinstance(expected, str) else list(expected)
        yield _pending(
            CHECKS["wrong-type"],
            file,
            pointer,
            value,
            expected=" or ".join(_JSON_TYPES.get(n, n) for n in names),
            found=json_type(value),
        )
    elif kind in ("enum", "const"):
        expected = error.validator_value
        shown = ", ".join(map(repr, expected[:8])) if isinstance(expected, list) else repr(expected)
        yield _pending(
            CHECKS["invalid-enum"], file, pointer, value, value=repr(value), expected=shown
        )
    elif kind in ("pattern", "maxLength") and isinstance(value, str):
        too_long = kind == "maxLength"
        yield _form_finding(file, pointer, value, too_long, error.validator_value, error.message)
    elif kind in ("minLength", "minItems"):
        yield _pending(
            CHECKS["empty-value"], file, pointer, value, what=repr(path[-1] if path else "value")
        )
    elif kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        yield _pending(
            CHECKS["out-of-range"],
            file,
            pointer,
            value,
            value=repr(value),
            rule=f"{kind} {error.validator_value}",
        )
    else:
        yield _pending(
            CHECKS["schema-violation"], file, pointer, value, reason=error.message, **common
        )


def run(
    doc: Document,
    skip: set[str],
    wants: Callable[..., int] | None = None,
    *,
    fast: bool = True,
) -> list[Finding]:
    """Structure findings for ``doc``; pointers in ``skip`` (and below) are already reported
    by a more specific check. Fills ``doc.source`` and ``doc.events`` with what validates.

    ``wants(code, count=1)`` is told of findings before they are built: it counts them
    and says how many of them (the first ones) to build. The fast path validates the
    document without its events, then event by event, and runs the JSON Schema only on
    the parts the strict models reject (the two accept the same documents:
    tests/test_validate_properties.py); a rejected event's findings are computed once
    per distinct event. ``fast=False`` runs both validators over the whole document
    (the reference the fast path is tested against; also the path for documents
    migrated from an older schema version).
    """
    want = wants or (lambda code, count=1: count)
    out: list[Finding] = []
    every_event = "" in skip or "/events" in skip
    skipped = {p.split("/")[2] for p in skip if p.startswith("/events/")}

    def emit(pending: Iterable[_Pending], prefix: str = "") -> None:
        for item in pending:
            pointer = prefix + item.pointer
            if not _under(pointer, skip) and want(item.check.code):
                out.append(item.build(doc.file, prefix))

    def emit_unknown(value: Any, model: type, count: int, prefix: str, each: bool) -> None:
        """The unknown members of ``value``: counted at once (built only when shown), or
        one by one when some of them may be skipped (``each``)."""
        items = _unknown_items(value, model)
        if each:
            emit(items, prefix)
            return
        for item in itertools.islice(items, want("unknown-field", count)):
            out.append(item.build(doc.file, prefix))

    def emit_event(found: _EventFindings, index: int) -> None:
        prefix = f"/events/{index}"
        each = every_event or str(index) in skipped
        if found.unknown:
            emit_unknown(found.raw, _model("Event"), found.unknown, prefix, each)
        if each:
            emit(found.items, prefix)
            return
        for code, items in found.by_code:  # counted per code, built only when shown
            for item in items[: want(code, len(items))]:
                out.append(item.build(doc.file, prefix))

    older = _older_version(doc.data)
    if older is not None or not fast:
        if older is not None:
            found = CHECKS["outdated-schema-version"].finding(
                doc.file, "/schema_version", older, value=repr(older), file=doc.file, **_common("")
            )
            if want(found.code):
                out.append(found)
        data = migrate_document(doc.data) if older is not None else doc.data
        clean, count = _strip(data, _model("SourceDocument"))
        if count:
            emit_unknown(data, _model("SourceDocument"), count, "", bool(skip))
        emit(_whole(clean, older is not None))
        _typed(doc)
    else:
        top_skip = any(not p.startswith("/events/") for p in skip)
        _fast(
            doc,
            emit,
            emit_event,
            lambda v, n: emit_unknown(v, _model("SourceDocument"), n, "", top_skip),
        )
    for finding in deprecated_fields(doc):
        if want(finding.code):
            out.append(finding)
    return out


def migrate_document(data: Any) -> Any:
    from coded_events.spec import migrate

    return migrate.migrate_document(data)


def _under(pointer: str, skip: set[str]) -> bool:
    """Whether ``pointer`` is in ``skip`` or below a pointer in it."""
    while skip:
        if pointer in skip:
            return True
        if not pointer:
            return False
        pointer = pointer[: pointer.rfind("/")]
    return False


def _whole(data: Any, migrated: bool = False) -> list[_Pending]:
    """Both validators over ``data``, merged by pointer (the models' errors first)."""
    from pydantic import ValidationError

    from coded_events.spec import models

    found: dict[str, _Pending] = {}
    if migrated:
        found["/schema_version"] = _pending(
            CHECKS["outdated-schema-version"], "", "/schema_version"
        )
    try:
        models.SourceDocument.model_validate(data)
    except ValidationError as error:
        for item in error.errors(include_url=False):
            pending = _from_pydantic(item, data, "")
            found.setdefault(pending.pointer, pending)
    for error in _schema_validator().iter_errors(data):
        for leaf in _leaves(error):
            for pending in _from_jsonschema(leaf, ""):
                found.setdefault(pending.pointer, pending)
    if migrated:
        del found["/schema_version"]
    return list(found.values())


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
"""Pydantic error types after which the JSON Schema adds no finding: it reports a missing
member at the same pointer (the models' finding is kept), and nothing where the models
found nothing (the two accept the same values: tests/test_validate_properties.py). An
event whose errors are all of these types (no errors at all included) is not given to
the JSON Schema (about 0.3 ms an event: 100,000 distinct broken events took 34 s)."""


_missing: dict[tuple[tuple[Any, ...], ...], tuple[_Pending, ...]] = {}
"""The findings of events whose only errors are missing members, by their places (100,000
different events that lack the same members are mapped once)."""


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


@cache
def field_deprecations() -> dict[str, dict[str, Any]]:
    """Deprecated fields: field path -> {since, replaced_by, why}."""
    text = files("coded_events").joinpath("field_deprecations.json").read_text("utf-8")
    return json.loads(text)["fields"]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every object member in ``value``."""
    items: Iterable[tuple[Any, Any]] = ()
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    for key, item in items:
        if isinstance(value, dict):
            yield (*path, key)
        yield from _paths(item, (*path, key))


def deprecated_fields(doc: Document) -> list[Finding]:
    """A warning for every deprecated field the document uses."""
    table = field_deprecations()
    if not table:
        return []
    out = []
    for path in _paths(doc.data):
        pointer = pointer_of(path)
        entry = table.get(field_of(pointer))
        if entry is None:
            continue
        replacement = entry.get("replaced_by")
        fix = f"Use {replacement} instead." if replacement else "Remove the field."
        out.append(
            CHECKS["deprecated-field"].finding(
                doc.file,
                pointer,
                field=field_of(pointer),
                since=entry["since"],
                why=entry["why"],
                fix=fix,
            )
        )
    return out


def _older_version(data: Any) -> str | None:
    """The document's schema version when it is an older, migratable released version."""
    version = data.get("schema_version") if isinstance(data, dict) else None
    if not isinstance(version, str) or version == SCHEMA_VERSION:
        return None
    from coded_events.spec import migrate, schema_files

    if version not in schema_files.released():
        return None
    try:
        migrate.path_to(version)
    except migrate.MigrationError:
        return None
    return version


def _typed(doc: Document) -> None:
    """Validate the source and each event on their own, keeping those that pass."""
    from pydantic import ValidationError

    from coded_events.spec import models

    if not isinstance(doc.data, dict):
        return
    source = doc.data.get("source")
    doc.source = None
    with contextlib.suppress(ValidationError):
        if not _strip(source, models.Source)[1]:  # unknown members: rejected, unvalidated
            doc.source = models.Source.model_validate(source)
    doc.events = []
    for index, raw in doc.raw_events:
        if _has_unknown(raw):
            continue
        try:
            doc.events.append((index, models.Event.model_validate(raw)))
        except ValidationError:
            continue
