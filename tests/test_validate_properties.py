"""Properties: valid documents pass every check; mutated documents and arbitrary bytes
never crash; the models and the JSON Schema accept the same documents, so the fast path
(the schema only where the models reject) finds what both validators over the whole
document find; capped findings are a sample with exact counts; positions agree with
json-source-map."""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import json_source_map
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from coded_events.findings import pointer_of
from coded_events.records.checks import structure_fast, structure_mapping
from coded_events.records.checks.consistency import DAY_CUE, MONTH_CUE, country_bboxes
from coded_events.records.checks.syntax import positions
from coded_events.records.validate import validate_document_bytes, validate_paths
from coded_events.spec import codebook
from coded_events.strategies import source_documents, source_documents_with_text
from tests.conftest import FIXTURES

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _plausible(document: dict[str, Any], text: str) -> None:
    """Make a generated document plausible as well as valid, so that every check applies.

    The strategies promise documents valid against the schema; the checks of meaning
    compare values the strategies draw independently. Each line below removes one such
    coincidence and names the check that would report it (rightly, for the document):
    """
    # event-after-publication: event dates reach 2033 (2030 plus a range); publication is
    # drawn on its own
    document["source"]["published"] = "2035-12-31"
    for index, event in enumerate(document["events"]):
        # likely-duplicate-event: shrunk draws repeat actors, codes, dates and places
        event["location"]["name"] += f" {index}"
        # coordinates-outside-country: coordinates are drawn anywhere on earth; put them
        # at a corner of the country's box (inside it, also across the antimeridian)
        box = country_bboxes().get(event["location"].get("country", ""))
        if box is not None and "latitude" in event["location"]:
            event["location"].update(latitude=box.min_lat, longitude=box.min_lon)
        # target-equals-source: both actor codes are drawn from the same few countries
        if event.get("target_actor", {}).get("code") == event["source_actor"]["code"]:
            del event["target_actor"]
        # deprecated-event-code: codes are drawn from the whole codebook, retired ones too
        if codebook.event_codes()[event["action"]["code"]].deprecated:
            event["action"]["code"] = "010"
        # quote-blank and quotes-overlap: quotes are random slices of the text
        kept: list[dict[str, Any]] = []
        for quote in event["evidence"]:
            if quote["quote"].strip() and all(
                quote["char_start"] >= q["char_end"] or quote["char_end"] <= q["char_start"]
                for q in kept
            ):
                kept.append(quote)
        event["evidence"] = kept or [{"quote": text, "char_start": 0, "char_end": len(text)}]
        # date-more-precise-than-evidence: a slice may name a month ("may") and no day
        quotes = " ".join(q["quote"] for q in event["evidence"])
        if MONTH_CUE.search(quotes) and not DAY_CUE.search(quotes):
            event["date"]["start"] = event["date"]["start"][:7]
            if "end" in event["date"]:
                event["date"]["end"] = event["date"]["end"][:7]
    # (date-range-reversed needs no change: an end is drawn on or after its start, at the
    # same precision)


@SETTINGS
@given(source_documents_with_text())
def test_generated_valid_documents_pass_every_check(pair: tuple[dict, str]) -> None:
    document, text = pair
    assume(text.strip())  # a blank source text has only blank quotes
    _plausible(document, text)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "records").mkdir()
        (root / "sources").mkdir()
        source_id = document["source"]["source_id"]
        (root / "sources" / f"{source_id}.txt").write_bytes(text.encode("utf-8"))
        record = root / "records" / f"{source_id}.json"
        record.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        findings = validate_paths([root])
    assert [(f.code, f.pointer, f.message) for f in findings] == []


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


def _mutated(document: dict, data: st.DataObject, most: int = 3) -> dict:
    """``document`` with up to ``most`` values replaced, deleted, or added as unknown."""
    for _ in range(data.draw(st.integers(0, most))):
        paths = [p for p in _paths(document) if p]
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        holder = document
        for key in path[:-1]:
            holder = holder[key]
        action = data.draw(st.sampled_from(["delete", "replace", "add"]))
        if action == "delete" and isinstance(holder, dict):
            del holder[path[-1]]
        elif action == "add" and isinstance(holder, dict):
            holder[data.draw(st.sampled_from(["colour", "x", "evidence_note"]))] = 1
        else:
            holder[path[-1]] = data.draw(_mutations())
    return document


@SETTINGS
@given(source_documents(max_events=3), st.data())
def test_models_and_schema_accept_the_same_documents(document: dict, data: st.DataObject) -> None:
    """The fast path skips the JSON Schema where the strict models accept: that is sound
    only if the two accept and reject the same documents, and the same events."""
    from pydantic import ValidationError

    from coded_events.spec import models

    document = _mutated(document, data)

    def accepts(model: type, value: Any) -> bool:
        try:
            model.model_validate(value)
        except ValidationError:
            return False
        return True

    schema_ok = not list(structure_mapping._schema_validator().iter_errors(document))
    assert accepts(models.SourceDocument, document) == schema_ok
    for event in document.get("events", []) if isinstance(document.get("events"), list) else []:
        event_ok = not list(structure_fast._event_validator().iter_errors(event))
        assert accepts(models.Event, event) == event_ok


def _findings(raw: bytes, fast: bool) -> list[dict]:
    from coded_events.records.validate import _check_document

    _, found = _check_document(raw, "m.json", None, Path("/nonexistent"), {}, [], 10**9, fast=fast)
    return sorted(json.dumps(f.to_dict(), sort_keys=True) for f in found)


@SETTINGS
@given(source_documents(max_events=3), st.data())
def test_fast_path_finds_what_whole_document_validation_finds(
    document: dict, data: st.DataObject
) -> None:
    """Event by event, with the JSON Schema only on rejected parts, and identical events
    mapped once: the same findings as both validators over the whole document."""
    events = document["events"]
    if events and data.draw(st.booleans()):  # repeated events exercise the memo
        events += [json.loads(json.dumps(events[0])) for _ in range(3)]
    raw = json.dumps(_mutated(document, data), ensure_ascii=False).encode("utf-8", "surrogatepass")
    assert _findings(raw, fast=True) == _findings(raw, fast=False)


@pytest.mark.parametrize(
    "path",
    sorted((FIXTURES / "invalid").glob("*.json")) + sorted((FIXTURES / "valid").glob("*.json")),
    ids=lambda p: p.name,
)
def test_fast_path_on_the_fixtures(path: Path) -> None:
    raw = path.read_bytes()
    assert _findings(raw, fast=True) == _findings(raw, fast=False)


@SETTINGS
@given(source_documents(max_events=3), st.sampled_from([None, 1, 2, "\t"]), st.booleans())
def test_positions_agree_with_json_source_map(
    document: dict, indent: int | str | None, ascii_only: bool
) -> None:
    """The position of every member (and of members that are not there: their parent's)
    as json-source-map gives it, which the validator used before."""
    text = json.dumps(document, indent=indent, ensure_ascii=ascii_only)
    entries = json_source_map.calculate(text)
    pointers = [pointer_of(p) for p in _paths(document)]
    pointers += [p + "/missing" for p in pointers]
    # json.dumps of dicts never repeats a key: the walk may stop once all are placed
    places = positions(text, pointers, repeated_keys=False)
    for pointer in pointers:
        key = pointer[: -len("/missing")] if pointer.endswith("/missing") else pointer
        entry = entries[key]
        where = entry.key_start or entry.value_start
        assert places[pointer] == (where.line + 1, where.column + 1), pointer


@SETTINGS
@given(source_documents(max_events=3), st.data())
def test_capped_findings_are_a_sample_of_all_with_exact_counts(
    document: dict, data: st.DataObject
) -> None:
    """Under a cap, the findings shown are findings of the uncapped run, and each code's
    summary gives the exact count of the uncapped run."""
    from coded_events.findings import SUMMARY_HINT
    from coded_events.records.validate import _check_document

    document["events"] *= 4
    raw = json.dumps(_mutated(document, data), ensure_ascii=False).encode("utf-8", "surrogatepass")
    every = _findings(raw, fast=False)
    _, capped = _check_document(raw, "m.json", None, Path("/nonexistent"), {}, [], 2)
    shown = [f for f in capped if f.hint != SUMMARY_HINT]
    assert {json.dumps(f.to_dict(), sort_keys=True) for f in shown} <= set(every)
    counts = Counter(f.code for f in shown)
    for summary in (f for f in capped if f.hint == SUMMARY_HINT):
        counts[summary.code] = summary.value
    assert counts == Counter(json.loads(f)["code"] for f in every)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source_documents(max_events=2), st.data())
def test_events_the_json_schema_is_skipped_for_get_the_findings_of_both(
    document: dict, data: st.DataObject
) -> None:
    """An event whose only model errors are missing members (or none) is not given to the
    JSON Schema: its findings are those of both validators, merged by pointer."""
    from pydantic import ValidationError

    from coded_events.spec import models

    assume(document["events"])
    holder = _mutated({"e": document["events"][0]}, data, most=4)
    assume("e" in holder)
    event, _ = structure_fast._strip(holder["e"], models.Event)
    expected: dict[str, Any] = {}
    try:
        models.Event.model_validate(event)
    except ValidationError as error:
        for item in error.errors(include_url=False):
            found = structure_mapping._from_pydantic(item, event, "", structure_fast._EVENT_PREFIX)
            expected.setdefault(found.pointer[len("/events/0") :], found)
    for error in structure_fast._event_validator().iter_errors(event):
        for leaf in structure_mapping._leaves(error):
            for found in structure_mapping._from_jsonschema(leaf, "", structure_fast._EVENT_PREFIX):
                expected.setdefault(found.pointer[len("/events/0") :], found)
    structure_fast._missing.clear()
    got = structure_fast._event_pending(event)
    assert {p.pointer: (p.code, p.value, p.params) for p in got} == {
        pointer: (p.code, p.value, p.params) for pointer, p in expected.items()
    }
