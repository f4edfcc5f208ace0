"""Structure layer: the models and the published JSON Schema, mapped onto catalogue codes.

Both validators run; their errors are mapped onto the same codes and merged by JSON
Pointer, so each problem is reported once. The models' errors come first (they also
know the calendar); the schema adds what only it reports.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any, NamedTuple

from coded_events.checks.base import Check, Document
from coded_events.findings import Finding, field_of, pointer_of
from coded_events.spec.catalogue.structure import CHECKS
from coded_events.versions import SCHEMA_VERSION

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
    from coded_events import schema_files

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

    from coded_events import schema_files

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

    def emit_event(found: _EventFindings, index: int) -> None:
        prefix = f"/events/{index}"
        if every_event or str(index) in skipped:
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
        emit(_whole(data, older is not None))
        _typed(doc)
    else:
        _fast(doc, emit, emit_event)
    for finding in deprecated_fields(doc):
        if want(finding.code):
            out.append(finding)
    return out


def migrate_document(data: Any) -> Any:
    from coded_events import migrate

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

    from coded_events import models

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
def _field_names(model: str) -> frozenset[str]:
    from coded_events import models

    fields = getattr(models, model).model_fields
    return frozenset(f.alias or name for name, f in fields.items())


def _unknown_first(
    value: Any, model: str, validate: Callable[[Any], Iterable[_Pending]]
) -> list[_Pending]:
    """``validate(value)``, with the members of ``value`` that ``model`` does not know
    reported as unknown-field by themselves and left out of the validation. Both
    validators report each one so and nothing else about it; a file of half a million
    unknown keys is not turned into a million validator errors first."""
    known = _field_names(model)
    if not isinstance(value, dict) or all(key in known for key in value):
        return list(validate(value))
    unknown = CHECKS["unknown-field"]
    out = [
        _pending(unknown, "", pointer_of((key,)), name=repr(key))
        for key in value
        if key not in known
    ]
    return out + list(validate({k: v for k, v in value.items() if k in known}))


def _fast(doc: Document, emit: Callable[..., None], emit_event: Callable[..., None]) -> None:
    """The fast path of :func:`run`: the document without its events, then each event."""
    from pydantic import ValidationError

    from coded_events import models

    data = doc.data
    doc.source, doc.events = None, []
    events = data.get("events") if isinstance(data, dict) else None
    top = {**data, "events": []} if isinstance(events, list) else data
    try:
        doc.source = models.SourceDocument.model_validate(top).source
    except ValidationError:
        emit(_unknown_first(top, "SourceDocument", _whole))
        if isinstance(data, dict):
            with contextlib.suppress(ValidationError):
                doc.source = models.Source.model_validate(data.get("source"))
    validate = models.Event.__pydantic_validator__.validate_python  # model_validate, less a call
    for index, raw in enumerate(events) if isinstance(events, list) else ():
        try:
            doc.events.append((index, validate(raw)))
        except ValidationError:
            emit_event(_event_findings(raw), index)


_EVENT_PREFIX = ("events", 0)
_MAX_CACHED_EVENT = 16 * 1024  # characters of repr: a real event takes about 2,000
_CACHE_SIZE = 4096
_cache: dict[str, _EventFindings] = {}


class _EventFindings(NamedTuple):
    """One rejected event's findings (pointers relative to the event), also by code."""

    items: tuple[_Pending, ...]
    by_code: tuple[tuple[str, tuple[_Pending, ...]], ...]


def _event_findings(raw: Any) -> _EventFindings:
    """The findings of one event the models reject.

    Identical events (a file of a million ``{}``) are validated once: the findings depend
    on the event's value alone, and ``repr`` tells JSON values apart (1, 1.0 and True
    included)."""
    key = repr(raw)
    found = _cache.get(key)
    if found is None:
        items = tuple(_unknown_first(raw, "Event", _event_pending))
        codes: dict[str, list[_Pending]] = {}
        for item in items:
            codes.setdefault(item.code, []).append(item)
        found = _EventFindings(items, tuple((c, tuple(i)) for c, i in codes.items()))
        if len(key) <= _MAX_CACHED_EVENT:
            if len(_cache) >= _CACHE_SIZE:
                _cache.clear()
            _cache[key] = found
    return found


def _event_pending(raw: Any) -> tuple[_Pending, ...]:
    from pydantic import ValidationError

    from coded_events import models

    # Mapped as event 0 (the mapping looks at field paths, which have no indices) and
    # made relative; no message names the event's index.
    found: dict[str, _Pending] = {}
    try:
        models.Event.model_validate(raw)
    except ValidationError as error:
        for item in error.errors(include_url=False):
            pending = _from_pydantic(item, raw, "", _EVENT_PREFIX)
            found.setdefault(pending.pointer, pending)
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

    from coded_events import schema_files

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
    from coded_events import migrate, schema_files

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

    from coded_events import models

    if not isinstance(doc.data, dict):
        return
    try:
        doc.source = models.Source.model_validate(doc.data.get("source"))
    except ValidationError:
        doc.source = None
    doc.events = []
    for index, raw in doc.raw_events:
        try:
            doc.events.append((index, models.Event.model_validate(raw)))
        except ValidationError:
            continue
