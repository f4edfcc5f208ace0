"""Hypothesis properties of ``fix``: idempotent, and it never changes a field outside its
list (``FIXED_FIELDS``), whatever mechanical damage a record carries."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coded_events.coding.fix import FIXED_FIELDS, fix_document
from coded_events.strategies import source_documents_with_text

FIXED = [re.compile("^" + re.escape(p).replace(r"\*", r"\d+") + "$") for p in FIXED_FIELDS]


def leaves(value: Any, pointer: str = "") -> dict[str, Any]:
    """Every scalar (and empty container) by JSON Pointer."""
    if isinstance(value, dict) and value:
        return {
            k: v for key, item in value.items() for k, v in leaves(item, f"{pointer}/{key}").items()
        }
    if isinstance(value, list) and value:
        return {
            k: v for i, item in enumerate(value) for k, v in leaves(item, f"{pointer}/{i}").items()
        }
    return {pointer: value}


def outside_the_list(document: Any) -> dict[str, Any]:
    return {p: v for p, v in leaves(document).items() if not any(f.match(p) for f in FIXED)}


@st.composite
def damaged(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A valid document with shifted offsets, wrong or extra derived values, a dropped
    hash and its keys in another order."""
    document, text = draw(source_documents_with_text(max_events=3))
    for event in document["events"]:
        for quote in event["evidence"]:
            if draw(st.booleans()):
                shift = draw(st.integers(-5, 5))
                quote["char_start"] = max(0, quote["char_start"] + shift)
                quote["char_end"] = quote["char_start"] + draw(st.integers(1, 8))
        if draw(st.booleans()):
            event["action"]["label"] = draw(st.text(max_size=5))
        if draw(st.booleans()):
            event["action"]["goldstein"] = draw(st.floats(-10, 10))
        if draw(st.booleans()):
            event["action"]["quad_class"] = draw(st.integers(1, 4))
    if draw(st.booleans()):
        del document["source"]["text_sha256"]
    if draw(st.booleans()):
        document = dict(reversed(list(document.items())))
    return document, text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_fix_is_idempotent_and_stays_inside_its_list(case: tuple[dict[str, Any], str]) -> None:
    document, text = case
    with tempfile.TemporaryDirectory() as folder:
        sources = Path(folder)
        (sources / f"{document['source']['source_id']}.txt").write_bytes(text.encode("utf-8"))
        data = json.dumps(document, indent=3).encode("utf-8")
        once = fix_document(data, "doc.json", sources)
        assert once.after is not None
        twice = fix_document(once.after, "doc.json", sources)
        assert twice.after == once.after and not twice.changes
        assert outside_the_list(json.loads(once.after)) == outside_the_list(document)
        assert all(any(f.match(c.pointer) for f in FIXED) for c in once.changes)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)


@st.composite
def malformed(draw: st.DrawFn) -> tuple[dict[str, Any], str, str]:
    """A valid document with one value (at any depth) replaced by any JSON value, lone
    surrogates included; its text and its source id as they were."""
    document, text = draw(source_documents_with_text(max_events=2))
    source_id = document["source"]["source_id"]
    places = [*leaves(document), "/events", "/source", "/events/0", "/events/0/evidence"]
    pointer = draw(st.sampled_from(places))
    *path, last = [int(p) if p.isdigit() else p for p in pointer.strip("/").split("/")]
    node: Any = document
    try:
        for part in path:
            node = node[part]
        node[last] = draw(json_values)
    except (IndexError, KeyError, TypeError):
        pass  # a place this document does not have
    return document, text, source_id


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(malformed())
def test_fix_never_raises_and_never_writes_what_utf8_cannot_hold(
    case: tuple[dict[str, Any], str, str],
) -> None:
    document, text, source_id = case
    with tempfile.TemporaryDirectory() as folder:
        sources = Path(folder) / "sources"
        sources.mkdir()
        (sources / f"{source_id}.txt").write_bytes(text.encode("utf-8"))
        data = json.dumps(document, indent=2).encode("utf-8")  # surrogates are \u-escaped
        fixed = fix_document(data, "doc.json", sources)
        if fixed.after is None:
            assert fixed.notes and all("not fixed" in note.message for note in fixed.notes)
        else:
            assert json.loads(fixed.after.decode("utf-8")) is not None
