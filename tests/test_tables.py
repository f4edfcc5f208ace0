"""Records <-> Arrow tables: lossless round trip, derived values, Table Schemas."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings

from coded_events.release import rows as tables
from coded_events.release import table_schema
from coded_events.spec import codebook, models
from coded_events.spec.models import SourceDocument
from coded_events.strategies import source_documents
from tests.conftest import FIXTURES, ROOT

FULL = FIXTURES / "valid" / "full.json"
MINIMAL = FIXTURES / "valid" / "minimal.json"
REAL_RECORDS = ROOT / "datasets" / "south-caucasus" / "records"


def _document(path) -> SourceDocument:
    return SourceDocument.model_validate_json(path.read_bytes())


def _raw(path: Path) -> dict:
    return json.loads(path.read_text("utf-8"))


def _renamed(document: SourceDocument, source_id: str) -> SourceDocument:
    source = document.source.model_copy(update={"source_id": source_id})
    return document.model_copy(update={"source": source})


def _renamed_raw(raw: dict, source_id: str) -> dict:
    raw = copy.deepcopy(raw)
    raw["source"]["source_id"] = source_id
    return raw


# What the tables may drop, written out here from the record format (not from
# ``tables.canonical``, the code under test): the ``$schema`` editor hint, the action's
# readability copies of the codebook, and an evidence ``source_id`` that names the
# document's own source. Events come back ordered by id; nothing else may change.
REDUNDANT_ACTION_KEYS = ("label", "root_code", "quad_class", "goldstein")


def _expected(raw: dict) -> dict:
    """The record as the tables must give it back, as JSON (model defaults filled in)."""
    raw = copy.deepcopy(raw)
    raw.pop("$schema", None)
    own = raw["source"]["source_id"]
    for event in raw["events"]:
        for key in REDUNDANT_ACTION_KEYS:
            event["action"].pop(key, None)
        for quote in event.get("evidence", []):
            if quote.get("source_id") == own:
                del quote["source_id"]
    raw["events"].sort(key=lambda event: event["event_id"])
    return _json(SourceDocument.model_validate(raw))


def _json(document: SourceDocument) -> dict:
    return document.model_dump(mode="json", by_alias=True)


def _round_trip(raws: list[dict]) -> None:
    documents = [SourceDocument.model_validate(raw) for raw in raws]
    built = tables.tables_from_documents(documents)
    for name, table in zip(tables.TABLE_NAMES, built, strict=True):
        assert table.schema.equals(tables.ARROW_SCHEMAS[name])
        table.validate(full=True)
    back = [_json(d) for d in tables.documents_from_tables(*built)]
    expected = sorted((_expected(raw) for raw in raws), key=lambda d: d["source"]["source_id"])
    assert back == expected
    # ``canonical`` documents the same form (tables.py's docstring promises it)
    assert back == sorted(
        (_json(tables.canonical(d)) for d in documents), key=lambda d: d["source"]["source_id"]
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source_documents(max_events=4))
def test_generated_documents_round_trip_losslessly(document: dict) -> None:
    _round_trip([document])


def test_fixtures_round_trip_losslessly() -> None:
    _round_trip([_raw(FULL), _renamed_raw(_raw(MINIMAL), "other-source")])


def test_round_trip_keeps_values_the_fixtures_set() -> None:
    """The oracle itself is not vacuous: the fixture's optional values are all there."""
    (back,) = [
        _json(d)
        for d in tables.documents_from_tables(*tables.tables_from_documents([_document(FULL)]))
    ]
    event = back["events"][0]
    raw_event = _raw(FULL)["events"][0]
    for key in ("date", "target_actor", "certainty", "status", "quantities", "coder", "notes"):
        assert _holds(event[key], raw_event[key]), key
    assert event["evidence"][0]["quote"] == raw_event["evidence"][0]["quote"]
    assert event["location"]["name"] == raw_event["location"]["name"]


def _holds(back: object, raw: object) -> bool:
    """``back`` holds every value ``raw`` sets (model defaults it adds are ignored)."""
    if isinstance(raw, dict):
        return isinstance(back, dict) and all(_holds(back.get(k), v) for k, v in raw.items())
    if isinstance(raw, list):
        return (
            isinstance(back, list)
            and len(back) == len(raw)
            and all(_holds(b, r) for b, r in zip(back, raw, strict=True))
        )
    return back == raw


def test_real_dataset_round_trips_losslessly() -> None:
    files = sorted(REAL_RECORDS.glob("*.json"))
    if not files:
        pytest.skip("datasets/south-caucasus/records/ holds no records yet")
    _round_trip([_raw(p) for p in files])


def test_canonical_form_drops_only_redundant_values() -> None:
    document = _document(FULL)
    event = tables.canonical(document).events[0]
    assert event.action.label is None and event.action.root_code is None
    # evidence naming the document's own source is the default; other fields stay
    assert [e.source_id for e in event.evidence] == [None, None]
    assert event.model_dump(exclude={"action", "evidence"}) == document.events[0].model_dump(
        exclude={"action", "evidence"}
    )


def test_derived_columns_come_from_the_codebook_and_models() -> None:
    events, evidence, sources, *_ = tables.tables_from_documents(
        [_document(FULL), _renamed(_document(MINIMAL), "other-source")]
    )
    rows = {row["event_id"]: row for row in events.to_pylist()}
    minimal = rows["fixture-0001"]
    entry = codebook.event("0874")
    assert (minimal["cameo_code"], minimal["cameo_label"]) == ("0874", entry.label)
    assert (minimal["root_code"], minimal["quad_class"]) == (entry.root_code, entry.quad_class)
    assert minimal["goldstein"] == entry.goldstein
    actor = codebook.actor("RUSMIL")
    assert minimal["source_actor_country"] == actor.country
    assert minimal["source_actor_roles"] == list(actor.roles)
    date = models.EventDate(start="2024-04")
    assert (minimal["date_start"], minimal["date_end"]) == (date.first_day, date.last_day)
    assert (minimal["date_precision"], minimal["date_start_text"]) == ("month", "2024-04")
    assert minimal["target_actor_code"] is None and minimal["target_actor_roles"] is None
    full = rows["fixture-0002"]
    assert full["cameo_code"] == "010"  # the leading zero stays
    assert full["quantities"][0]["as_written"] == "nearly 2,000"
    assert [r["evidence_index"] for r in evidence.to_pylist()] == [0, 0, 1]
    assert sources.column("source_id").to_pylist() == sorted(
        sources.column("source_id").to_pylist()
    )


def test_rows_are_sorted_by_key_and_codes_dictionary_encoded() -> None:
    document = _document(FULL)
    later = document.events[0].model_copy(update={"event_id": "a-first"})
    document = document.model_copy(update={"events": [*document.events, later]})
    events, *_ = tables.tables_from_documents([document])
    assert events.column("event_id").to_pylist() == ["a-first", "fixture-0002"]
    assert pa.types.is_dictionary(events.schema.field("cameo_code").type)
    assert events.schema.field("date_start").type == pa.date32()
    assert events.schema.field("latitude").type == pa.float64()


def test_duplicate_event_ids_are_refused() -> None:
    with pytest.raises(tables.TableError, match="duplicate event id"):
        tables.tables_from_documents([_document(FULL), _renamed(_document(FULL), "other")])


def test_evidence_citing_an_unknown_source_is_refused() -> None:
    document = _document(FULL)
    event = document.events[0]
    quote = event.evidence[0].model_copy(update={"source_id": "nowhere"})
    event = event.model_copy(update={"evidence": [quote]})
    with pytest.raises(tables.TableError, match="nowhere"):
        tables.tables_from_documents([document.model_copy(update={"events": [event]})])


def test_table_schemas_follow_the_arrow_schemas_and_the_models() -> None:
    for name in tables.TABLE_NAMES:
        schema = table_schema.table_schema(name)
        assert [f["name"] for f in schema["fields"]] == tables.ARROW_SCHEMAS[name].names
        for field, arrow_field in zip(schema["fields"], tables.ARROW_SCHEMAS[name], strict=True):
            assert field["description"] and "example" in field
            assert field.get("constraints", {}).get("required", False) == (not arrow_field.nullable)
        assert schema["missingValues"] == [""]
    events = {f["name"]: f for f in table_schema.table_schema("events")["fields"]}
    assert events["certainty"]["constraints"]["enum"] == sorted(c.value for c in models.Certainty)
    assert events["cameo_code"]["constraints"]["enum"] == sorted(codebook.event_codes())
    assert events["quad_class"]["type"] == "integer"
    assert events["date_start"]["type"] == "date"
    assert events["source_actor_roles"]["type"] == "array"
    keys = table_schema.table_schema("evidence", {"events": "events-csv"})["foreignKeys"]
    assert keys[0]["reference"] == {"resource": "events-csv", "fields": ["event_id"]}


def test_data_dictionary_is_current() -> None:
    committed = ROOT / "docs" / "data-dictionary.md"
    assert committed.is_file(), (
        "docs/data-dictionary.md is missing: run `coded-events data-dictionary`"
    )
    assert committed.read_text("utf-8") == table_schema.data_dictionary(), (
        "docs/data-dictionary.md is stale: run `coded-events data-dictionary`"
    )


def test_old_vocabulary_path_still_names_the_published_tables_but_warns() -> None:
    import importlib
    import sys

    import pytest

    sys.modules.pop("coded_events.vocabulary", None)
    with pytest.warns(DeprecationWarning, match=r"coded_events\.spec\.vocabulary"):
        old = importlib.import_module("coded_events.vocabulary")
    assert tables.TABLE_NAMES == old.PUBLISHED_TABLES
    assert old.Precision is importlib.import_module("coded_events.spec.vocabulary").Precision
