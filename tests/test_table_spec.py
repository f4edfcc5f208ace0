"""The table spec (coded_events.spec.tables): declared once, everything else follows it."""

from __future__ import annotations

import copy
import dataclasses

import pyarrow as pa
import pytest

from coded_events.flat import rules
from coded_events.release import rows as tables
from coded_events.release import table_schema
from coded_events.spec import models
from coded_events.spec import tables as spec
from tests.conftest import FIXTURES

FULL = FIXTURES / "valid" / "full.json"


def _column(table: str, name: str) -> spec.Column:
    return next(c for c in spec.TABLE[table].columns if c.name == name)


def test_every_table_and_column_is_declared_once_and_its_keys_exist() -> None:
    assert spec.TABLE_NAMES == ("events", "evidence", "sources", "links", "provenance")
    for table in spec.TABLES:
        names = table.column_names
        assert len(names) == len(set(names)), table.name
        assert set(table.primary_key) <= set(names)
        assert set(table.sort_key) <= set(names)
        assert table.row and all(table.nouns)
        for key in table.foreign_keys:
            assert set(key.columns) <= set(names)
            assert set(key.fields) <= set(spec.TABLE[key.reference].column_names)
        for column in table.columns:
            assert column.description and column.example is not None, column.name
            assert column.path or column.value, f"{table.name}.{column.name}: no source"


def test_every_path_names_a_field_of_the_row_model() -> None:
    for table in spec.TABLES:
        for column in table.columns:
            if column.path:  # raises KeyError on a misspelled path
                spec._property(table.model, column.path)
            if column.model:
                spec._property(*column.model.split(".", 1))


def test_generated_lists_follow_the_spec() -> None:
    from coded_events.release.table_diff import ROW_NOUNS

    assert tables.TABLE_NAMES == spec.TABLE_NAMES
    assert ROW_NOUNS["evidence"] == ("evidence quote", "evidence quotes")
    assert list(ROW_NOUNS) == list(spec.TABLE_NAMES)
    for table in spec.TABLES:
        assert tables.ARROW_SCHEMAS[table.name] == table.arrow_schema()
        assert tables.SORT_KEYS[table.name] == table.primary_key
        assert table_schema.PRIMARY_KEYS[table.name] == list(table.primary_key)
        schema = table_schema.table_schema(table.name)
        assert [f["name"] for f in schema["fields"]] == table.column_names
        assert [f["description"] for f in schema["fields"]] == [
            table_schema.description(table, c) for c in table.columns
        ]
        for column, field in zip(table.columns, schema["fields"], strict=True):
            if column.hand_coded:  # nullable, and the description's note says when
                assert not column.required
                assert field["description"].endswith(table_schema.HAND_CODED_NOTES[table.name])
    assert table_schema.FOREIGN_KEYS["links"] == [
        (["event_id"], "events", ["event_id"]),
        (["target_event_id"], "events", ["event_id"]),
    ]


def test_the_schema_file_read_is_the_models_json_schema() -> None:
    assert spec._model_schema()["$defs"] == models.SourceDocument.model_json_schema()["$defs"]


def test_constraints_stated_by_the_models_are_read_from_them() -> None:
    fields = {
        name: {
            f["name"]: f.get("constraints", {}) for f in table_schema.table_schema(name)["fields"]
        }
        for name in spec.TABLE_NAMES
    }
    event_id = models.Event.model_json_schema()["properties"]["event_id"]
    assert fields["events"]["event_id"]["maxLength"] == event_id["maxLength"] == 128
    # JSON Schema searches ("^https?://"); a Table Schema pattern matches the whole value.
    assert models.Source.model_json_schema()["properties"]["url"]["anyOf"][0]["pattern"] == (
        "^https?://"
    )
    assert fields["sources"]["url"] == {"pattern": "https?://.*"}
    assert fields["events"]["certainty"]["enum"] == sorted(c.value for c in models.Certainty)
    assert fields["links"]["type"]["enum"] == sorted(t.value for t in models.LinkType)
    assert fields["events"]["latitude"] == {"minimum": -90, "maximum": 90}
    # a quote's source id may be the document's own: Source.source_id's rules apply
    assert fields["evidence"]["source_id"] == fields["sources"]["source_id"]


def test_a_changed_model_constraint_reaches_the_table_schema(monkeypatch) -> None:
    changed = copy.deepcopy(spec._model_schema())
    changed["$defs"]["Event"]["properties"]["event_id"]["maxLength"] = 64
    monkeypatch.setattr(spec, "_model_schema", lambda: changed)
    events = spec.TABLE["events"]
    assert spec.constraints(events, _column("events", "event_id"))["maxLength"] == 64
    links = spec.TABLE["links"]  # derived columns that name the field follow it too
    assert spec.constraints(links, _column("links", "event_id"))["maxLength"] == 64


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("^[a-z]+$", "[a-z]+"),
        ("^https?://", "https?://.*"),
        ("[0-9]$", ".*[0-9]"),
        ("x", ".*x.*"),
    ],
)
def test_table_pattern_keeps_the_meaning_of_a_search(pattern: str, expected: str) -> None:
    assert spec.table_pattern(pattern) == expected


def test_a_column_added_to_the_spec_reaches_the_rows() -> None:
    document = models.SourceDocument.model_validate_json(FULL.read_bytes())
    extra = spec.Column(
        "root_label",
        pa.string(),
        True,
        "Label of the root code (derived).",
        "Exhibit military posture",
        value=lambda row: row.item.action.code[:2],
    )
    events = dataclasses.replace(spec.TABLE["events"], columns=(*spec.EVENTS.columns, extra))
    rows = list(tables._rows(events, document))
    assert [r["root_label"] for r in rows] == [e.action.code[:2] for e in document.events]
    assert "root_label" not in tables._record(events, rows[0], None)  # derived: not restored
    assert events.arrow_schema().field("root_label").type == pa.string()


def test_an_event_without_target_has_no_target_after_the_round_trip() -> None:
    row = {c.name: None for c in spec.EVENTS.columns}
    record = tables._record(spec.EVENTS, row, None)
    assert record["target_actor"] is None and record["source_actor"] is None


def test_flat_rules_take_their_column_sets_from_the_spec() -> None:
    assert set(rules._LOOKUPS) == {
        "cameo_code",
        "location_country",
        *(f"{who}_{key}" for who in ("source_actor", "target_actor")
          for key in ("code", "ethnic", "religion", "known_group")),
    }  # fmt: skip
    dates = {
        (t.name, c.name)
        for t in spec.TABLES
        for c in t.columns
        if rules._is_date_text(spec.constraints(t, c))
    }
    assert dates == {
        ("events", "date_start_text"),
        ("events", "date_end_text"),
        ("sources", "published_text"),
    }
    ids = {c.name for t in spec.TABLES for c in t.columns if rules._is_id(spec.constraints(t, c))}
    assert ids == {"event_id", "source_id", "target_event_id"}


def test_checking_order_puts_referenced_tables_first() -> None:
    from coded_events.flat.reader import table_order

    order = tuple(table_order())
    assert sorted(order) == sorted(spec.TABLE_NAMES)
    for table in spec.TABLES:
        for key in table.foreign_keys:
            assert order.index(key.reference) <= order.index(table.name), (table.name, key)
    assert order == ("sources", "events", "evidence", "links", "provenance")  # manifest order
