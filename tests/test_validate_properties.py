"""Properties: valid documents pass, mutated documents and arbitrary bytes never crash."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coded_events.strategies import source_documents, source_documents_with_text
from coded_events.validate import validate_document_bytes, validate_paths

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Checks that look at meaning a random document may well violate: generated documents
# are valid against the schema, not plausible as events.
SEMANTIC = {
    "event-after-publication",
    "coordinates-outside-country",
    "date-range-reversed",
    "likely-duplicate-event",
    "quotes-overlap",
    "quote-blank",
    "date-more-precise-than-evidence",
    "target-equals-source",
    "deprecated-event-code",
}


@SETTINGS
@given(source_documents_with_text())
def test_generated_valid_documents_have_no_structural_errors(pair: tuple[dict, str]) -> None:
    document, text = pair
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "records").mkdir()
        (root / "sources").mkdir()
        source_id = document["source"]["source_id"]
        (root / "sources" / f"{source_id}.txt").write_bytes(text.encode("utf-8"))
        record = root / "records" / f"{source_id}.json"
        record.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        findings = validate_paths([root])
    assert [f.code for f in findings if f.code not in SEMANTIC] == []


def _mutations() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=20),
        st.just("0874"),
        st.just("874"),
        st.lists(st.integers(), max_size=2),
        st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    )


def _paths(value: Any, here: tuple = ()) -> list[tuple]:
    out = [here]
    if isinstance(value, dict):
        for key, child in value.items():
            out += _paths(child, (*here, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out += _paths(child, (*here, index))
    return out


@SETTINGS
@given(source_documents(max_events=2), st.data())
def test_mutated_documents_never_crash(document: dict, data: st.DataObject) -> None:
    for _ in range(data.draw(st.integers(1, 3))):
        paths = [p for p in _paths(document) if p]
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        holder = document
        for key in path[:-1]:
            holder = holder[key]
        if data.draw(st.booleans()) and isinstance(holder, dict):
            del holder[path[-1]]
        else:
            holder[path[-1]] = data.draw(_mutations())
    raw = json.dumps(document, ensure_ascii=False).encode("utf-8", "surrogatepass")
    findings = validate_document_bytes(raw, "mutated.json", sources_dir=Path("/nonexistent"))
    assert "internal-error" not in {f.code for f in findings}
    json.dumps([f.to_dict() for f in findings], ensure_ascii=False).encode("utf-8")


@SETTINGS
@given(st.binary(max_size=300))
def test_arbitrary_bytes_give_findings_not_exceptions(data: bytes) -> None:
    findings = validate_document_bytes(data, "bytes.json", sources_dir=Path("/nonexistent"))
    assert findings
    assert "internal-error" not in {f.code for f in findings}


@SETTINGS
@given(
    st.recursive(
        st.none() | st.booleans() | st.floats() | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
        max_leaves=20,
    )
)
def test_arbitrary_json_gives_findings_not_exceptions(value: Any) -> None:
    raw = json.dumps(value).encode()
    findings = validate_document_bytes(raw, "json.json", sources_dir=Path("/nonexistent"))
    assert findings
    assert "internal-error" not in {f.code for f in findings}
