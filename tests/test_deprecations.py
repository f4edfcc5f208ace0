"""Deprecation is data: deprecated codes and fields give warnings that name the fix."""

from __future__ import annotations

import pytest

from coded_events.records.checks import structure
from coded_events.records.validate import validate_paths
from coded_events.spec import codebook
from tests.conftest import FIXTURES

MINIMAL = FIXTURES / "valid" / "minimal.json"


@pytest.fixture
def notes_deprecated(monkeypatch: pytest.MonkeyPatch) -> None:
    table = {
        "/events/coder": {
            "since": "1.1.0",
            "replaced_by": "/events/coders",
            "why": "events may have several coders",
        }
    }
    monkeypatch.setattr(structure, "field_deprecations", lambda: table)


def test_no_field_is_deprecated_today() -> None:
    assert structure.field_deprecations() == {}


def test_deprecated_field_warns_and_names_replacement(notes_deprecated: None) -> None:
    findings = validate_paths([MINIMAL])
    assert [(f.code, f.severity, f.pointer) for f in findings] == [
        ("deprecated-field", "warning", "/events/0/coder")
    ]
    assert "/events/coders" in findings[0].hint
    assert "1.1.0" in findings[0].message
    assert findings[0].line is not None


def test_deprecated_field_fails_only_when_strict(notes_deprecated: None) -> None:
    findings = validate_paths([MINIMAL], strict=True)
    assert [f.severity for f in findings] == ["error"]


def test_deprecated_field_absent_gives_nothing(
    notes_deprecated: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        structure,
        "field_deprecations",
        lambda: {"/events/location/admin2": {"since": "1.1.0", "replaced_by": None, "why": "x"}},
    )
    assert validate_paths([MINIMAL]) == []


def test_deprecated_codes_are_data() -> None:
    deprecated = {c: e for c, e in codebook.event_codes().items() if e.deprecated}
    assert set(deprecated) == {"1213", "1214"}
    for entry in deprecated.values():
        assert entry.deprecated_since and entry.replaced_by and entry.deprecation_note
        assert not codebook.event(entry.replaced_by).deprecated


def test_deprecated_code_fixture_names_replacement() -> None:
    path = FIXTURES / "invalid" / "model-valid" / "deprecated-event-code__1213.json"
    findings = [f for f in validate_paths([path]) if f.code == "deprecated-event-code"]
    assert findings and "121" in findings[0].hint + findings[0].message
