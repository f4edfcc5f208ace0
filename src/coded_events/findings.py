"""One validation finding, in one stable shape for every check and every output format."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]

MAX_VALUE_CHARS = 200


def clean_text(text: str) -> str:
    """Text safe to print and to encode as UTF-8 (lone surrogates become escapes)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def short_value(value: Any) -> str | int | float | bool | None:
    """A JSON scalar that stands for ``value`` in a finding (containers become short JSON)."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = clean_text(text)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def escape_pointer_token(token: object) -> str:
    """One RFC 6901 reference token."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer_of(path: tuple[object, ...] | list[object]) -> str:
    """The JSON Pointer of a path of keys and indices (``('events', 0)`` -> ``/events/0``)."""
    return "".join("/" + escape_pointer_token(p) for p in path)


def field_of(pointer: str) -> str:
    """The pointer without array indices.

    ``/events/0/location/latitude`` -> ``/events/location/latitude``
    """
    return "".join("/" + t for t in pointer.split("/")[1:] if not t.isdigit())


@dataclass(frozen=True)
class Finding:
    """A problem found in a file: which rule, how bad, where, and how to fix it.

    ``line`` and ``column`` are 1-based (None when the place has no line, such as a
    missing file); ``pointer`` is the JSON Pointer with indices, ``field`` the same
    without indices (for counting), ``value`` the offending value as a short scalar.
    """

    code: str
    severity: Severity
    message: str
    hint: str = ""
    file: str = ""
    line: int | None = None
    column: int | None = None
    pointer: str = ""
    field: str = field(default="")
    value: str | int | float | bool | None = None

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON shape: code, severity, message, hint, file, line, column,
        pointer, field, value."""
        return asdict(self)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"
