"""What a check is: one rule of the catalogue, declared apart from the code that runs it."""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Any, Literal

from coded_events.findings import Finding, Severity, clean_text, field_of, short_value

Applies = Literal["records", "tables", "both", "imports"]
"""The inputs a check applies to: record files, flat tables (CSV, Parquet), both, or the
producer files ``coded-events import`` reads."""

RECORDS: Applies = "records"
TABLES: Applies = "tables"
BOTH: Applies = "both"
IMPORTS: Applies = "imports"

_UNSET: Any = object()


class MessageParameterError(TypeError):
    """A finding was built without a parameter its check's message or hint needs."""


def template_fields(template: str) -> set[str]:
    """The names a ``str.format`` template fills in (``{reason}`` -> ``reason``)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@dataclass(frozen=True)
class Check:
    """One rule of the catalogue.

    ``message`` and ``hint`` are ``str.format`` templates filled from the keyword
    arguments given to :meth:`finding`, which must include ``params``; ``doc`` is the
    documentation entry; ``applies_to`` says which inputs the check is run on.
    """

    code: str
    severity: Severity
    layer: str
    title: str
    message: str
    hint: str
    doc: str
    applies_to: Applies = BOTH
    params: tuple[str, ...] = ()
    _param_set: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_param_set", frozenset(self.params))

    @property
    def on_records(self) -> bool:
        """Whether the record validator runs this check."""
        return self.applies_to in (RECORDS, BOTH)

    @property
    def on_tables(self) -> bool:
        """Whether the flat-table validator runs this check."""
        return self.applies_to in (TABLES, BOTH)

    def finding(
        self,
        file: str,
        pointer: str = "",
        value: Any = _UNSET,
        /,
        *,
        line: int | None = None,
        column: int | None = None,
        **params: Any,
    ) -> Finding:
        """A finding of this check at ``pointer`` in ``file``.

        Raises :class:`MessageParameterError` when one of the check's declared parameters
        is not given: a misspelled or forgotten parameter is a bug, not a ``?``. Other
        keyword arguments are ignored (layers pass what they know of a problem).
        """
        if not self._param_set <= params.keys():
            missing = sorted(self._param_set - params.keys())
            raise MessageParameterError(
                f"check {self.code!r} needs the message parameters {missing}, "
                f"given {sorted(params)}"
            )
        fill = {k: clean_text(str(v)) for k, v in params.items()}
        return Finding(
            code=self.code,
            severity=self.severity,
            message=self.message.format_map(fill),
            hint=self.hint.format_map(fill),
            file=file,
            line=line,
            column=column,
            pointer=pointer,
            field=field_of(pointer),
            value=None if value is _UNSET else short_value(value),
        )


Row = tuple[str, Severity, Applies, tuple[str, ...], str, str, str, str]
"""(code, severity, applies_to, params, title, message, hint, doc)."""


def declare(layer: str, *rows: Row) -> dict[str, Check]:
    """A layer's checks from (code, severity, applies_to, params, title, message, hint,
    doc) rows."""
    return {
        code: Check(code, severity, layer, title, message, hint, doc, applies, params)
        for code, severity, applies, params, title, message, hint, doc in rows
    }
