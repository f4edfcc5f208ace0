"""Structure layer, part one: pydantic and JSON Schema errors mapped onto catalogue codes."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from coded_events.findings import Finding, field_of, pointer_of
from coded_events.records.checks.base import Check
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
    """The pending findings of one JSON Schema error (a leaf of the error tree).

    Long because: a dispatch over the JSON Schema keywords, one branch each; a table of
    keyword -> builder would shorten it.
    """
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
