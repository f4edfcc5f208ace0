"""Structure layer: the models and the published JSON Schema, mapped onto catalogue codes.

Both validators run; their errors are mapped onto the same codes and merged by JSON
Pointer, so each problem is reported once. The models' errors come first (they also
know the calendar); the schema adds what only it reports.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from coded_events.findings import Finding, field_of, pointer_of
from coded_events.records.checks.base import Document
from coded_events.spec.catalogue.structure import CHECKS
from coded_events.spec.versions import SCHEMA_VERSION

if TYPE_CHECKING:  # the heavy imports happen in the functions that need them
    pass

from coded_events.records.checks.structure_fast import (
    _EventFindings,
    _fast,
    _has_unknown,
    _model,
    _strip,
    _unknown_items,
)
from coded_events.records.checks.structure_mapping import _common, _Pending, _under, _whole


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

    Long because: the fast and the full path, with their emitters as closures over the findings.
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


"""Pydantic error types after which the JSON Schema adds no finding: it reports a missing
member at the same pointer (the models' finding is kept), and nothing where the models
found nothing (the two accept the same values: tests/test_validate_properties.py). An
event whose errors are all of these types (no errors at all included) is not given to
the JSON Schema (about 0.3 ms an event: 100,000 distinct broken events took 34 s)."""
"""The findings of events whose only errors are missing members, by their places (100,000
different events that lack the same members are mapped once)."""


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
