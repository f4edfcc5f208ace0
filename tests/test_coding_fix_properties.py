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
