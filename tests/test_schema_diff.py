"""Schema diff classifies changes by what they do to documents that were valid before."""

from __future__ import annotations

import copy

import pytest

from coded_events.spec import schema_diff, schema_files
from coded_events.spec.schema_diff import Level

BASE = schema_files.load(schema_files.published_versions()[0])


def _mutate(edit) -> dict:
    schema = copy.deepcopy(BASE)
    edit(schema)
    return schema


def _event(schema: dict) -> dict:
    return schema["$defs"]["Event"]


CASES = {
    "description-is-patch": (
        lambda s: s["$defs"]["Actor"].update(description="Someone who acts."),
        Level.patch,
    ),
    "examples-are-patch": (
        lambda s: _event(s)["properties"]["event_id"].update(examples=["x-1"]),
        Level.patch,
    ),
    "new-optional-field-is-minor": (
        lambda s: _event(s)["properties"].update(links={"type": "array", "description": "x"}),
        Level.minor,
    ),
    "new-code-is-minor": (
        lambda s: s["$defs"]["Certainty"]["enum"].append("rumoured"),
        Level.minor,
    ),
    "loosened-bound-is-minor": (
        lambda s: _event(s)["properties"]["event_id"].update(maxLength=256),
        Level.minor,
    ),
    "removed-field-is-major": (
        lambda s: _event(s)["properties"].pop("notes"),
        Level.major,
    ),
    "new-required-field-is-major": (
        lambda s: (
            _event(s)["properties"].update(confidence={"type": "number", "description": "x"}),
            _event(s)["required"].append("confidence"),
        ),
        Level.major,
    ),
    "removed-code-is-major": (
        lambda s: s["$defs"]["Certainty"]["enum"].remove("disputed"),
        Level.major,
    ),
    "narrowed-pattern-is-major": (
        lambda s: _event(s)["properties"]["event_id"].update(pattern="^[a-z]+$"),
        Level.major,
    ),
    "code-added-to-a-pattern-list-is-minor": (
        lambda s: s["$defs"]["Actor"]["properties"]["code"].update(
            pattern=s["$defs"]["Actor"]["properties"]["code"]["pattern"].replace(
                "(ABW|", "(ABW|ZZZ|", 1
            )
        ),
        Level.minor,
    ),
    "code-removed-from-a-pattern-list-is-major": (
        lambda s: s["$defs"]["Actor"]["properties"]["code"].update(
            pattern=s["$defs"]["Actor"]["properties"]["code"]["pattern"].replace("(ABW|", "(", 1)
        ),
        Level.major,
    ),
    "pattern-list-grown-beside-another-change-is-major": (
        lambda s: s["$defs"]["Actor"]["properties"]["code"].update(
            pattern=s["$defs"]["Actor"]["properties"]["code"]["pattern"]
            .replace("(ABW|", "(ABW|ZZZ|", 1)
            .replace(")*$", ")?$", 1)
        ),
        Level.major,
    ),
    "tightened-bound-is-major": (
        lambda s: _event(s)["properties"]["event_id"].update(maxLength=16),
        Level.major,
    ),
    "narrowed-type-is-major": (
        lambda s: s["$defs"]["Quantity"]["properties"]["value"].update(type="integer"),
        Level.major,
    ),
    "allof-constraint-added-is-major": (
        lambda s: s["$defs"]["Quantity"]["properties"]["unit"].update(allOf=[{"maxLength": 3}]),
        Level.major,
    ),
    "pattern-property-added-is-major": (
        lambda s: s["$defs"]["Quantity"].update(patternProperties={"^u": {"maxLength": 2}}),
        Level.major,
    ),
    "integer-widened-to-number-is-minor": (
        lambda s: s["$defs"]["Location"]["properties"]["geonames_id"]["anyOf"][0].update(
            type="number"
        ),
        Level.minor,
    ),
    "renamed-field-is-major": (
        lambda s: _event(s)["properties"].update(comment=_event(s)["properties"].pop("notes")),
        Level.major,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_change_is_classified(name: str) -> None:
    edit, expected = CASES[name]
    changes = schema_diff.diff(BASE, _mutate(edit))
    assert changes, name
    assert schema_diff.required_level(changes) == expected


def test_alternatives_appearing_where_there_were_none_are_a_new_constraint() -> None:
    """anyOf with one branch added to an existing list widens it; an anyOf that appears
    constrains (an event must now hold one of the branches); one that goes loosens."""

    def branches(*required: str):
        return lambda s: _event(s).update(anyOf=[{"required": [name]} for name in required])

    appeared = schema_diff.diff(BASE, _mutate(branches("notes")))
    assert schema_diff.required_level(appeared) == Level.major
    widened = schema_diff.diff(_mutate(branches("notes")), _mutate(branches("notes", "coder")))
    assert schema_diff.required_level(widened) == Level.minor
    gone = schema_diff.diff(_mutate(branches("notes")), BASE)
    assert schema_diff.required_level(gone) == Level.minor


def test_a_grown_list_under_a_lookahead_is_major() -> None:
    """A negative lookahead inverts its list: more codes there reject more documents."""

    def lookahead(codes: str):
        return lambda s: _event(s)["properties"]["event_id"].update(
            pattern=f"^(?!({codes}))[a-z]+$"
        )

    changes = schema_diff.diff(_mutate(lookahead("ab|cd")), _mutate(lookahead("ab|cd|ef")))
    assert schema_diff.required_level(changes) == Level.major


def test_new_oneof_branch_is_major() -> None:
    def one_branch(schema: dict) -> None:
        _event(schema)["properties"]["coder"]["oneOf"] = [{"maxLength": 40}]

    def two_branches(schema: dict) -> None:
        _event(schema)["properties"]["coder"]["oneOf"] = [{"maxLength": 40}, {"minLength": 2}]

    changes = schema_diff.diff(_mutate(one_branch), _mutate(two_branches))
    assert [(c.level, c.description) for c in changes] == [(Level.major, "alternative added")]


def test_reordered_alternatives_are_no_change() -> None:
    def reverse(schema: dict) -> None:
        _event(schema)["properties"]["target_actor"]["anyOf"].reverse()

    assert schema_diff.diff(BASE, _mutate(reverse)) == []


def test_removed_allof_constraint_is_minor() -> None:
    def constrained(schema: dict) -> None:
        schema["$defs"]["Quantity"]["properties"]["unit"]["allOf"] = [{"maxLength": 3}]

    changes = schema_diff.diff(_mutate(constrained), BASE)
    assert schema_diff.required_level(changes) == Level.minor


def test_identical_schemas_have_no_changes() -> None:
    assert schema_diff.diff(BASE, copy.deepcopy(BASE)) == []


def test_version_markers_are_not_changes() -> None:
    def bump(schema: dict) -> None:
        schema["$id"] = schema["$id"].replace("1.0.0", "1.0.1")
        schema["properties"]["schema_version"]["const"] = "1.0.1"

    assert schema_diff.diff(BASE, _mutate(bump)) == []


@pytest.mark.parametrize(
    ("old", "new", "level"),
    [
        ("1.0.0", "1.0.1", Level.patch),
        ("1.0.0", "1.1.0", Level.minor),
        ("1.2.3", "2.0.0", Level.major),
        ("1.1.0", "1.0.0", Level.none),
    ],
)
def test_bump_level(old: str, new: str, level: Level) -> None:
    assert schema_diff.bump_level(old, new) == level
