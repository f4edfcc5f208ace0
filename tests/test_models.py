"""The models and the published JSON Schema accept and reject the same documents."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from pydantic import ValidationError

from coded_events.findings import pointer_of
from coded_events.records.checks import structure, structure_mapping
from coded_events.spec import models, schema_files
from coded_events.spec.versions import SCHEMA_VERSION
from coded_events.strategies import source_documents
from tests.conftest import FIXTURES, load_json
from tests.test_validate import EXPECTED_POINTER

VALID = sorted((FIXTURES / "valid").glob("*.json"))
INVALID = sorted((FIXTURES / "invalid").glob("*.json"))

# Rules JSON Schema cannot express; only the models reject these fixtures.
MODEL_ONLY = {"invalid-date__february-30.json", "invalid-date__year-0000.json"}


def _schema_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema_files.load(SCHEMA_VERSION))


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_fixture_accepted_by_models_and_schema(path: Path) -> None:
    document = load_json(path)
    models.SourceDocument.model_validate(document)
    assert list(_schema_validator().iter_errors(document)) == []


# Codes the structure layer gives to model and schema errors; a fixture named after one of
# them must be rejected with it. Fixtures named after other codes (codebook, evidence,
# versions) are rejected at their fault's place, whatever the structure layer calls it.
STRUCTURE_CODES = set(structure.CHECKS) - {"outdated-schema-version", "deprecated-field"}


def _fault(path: Path) -> tuple[str, str]:
    """The fault a fixture is named after: its code and its place (tests/test_validate.py)."""
    return path.name.split("__")[0], EXPECTED_POINTER[path.name]


def _model_errors(document: object) -> set[tuple[str, str]]:
    with pytest.raises(ValidationError) as raised:
        models.SourceDocument.model_validate(document)
    return {
        (structure_mapping._from_pydantic(e, document, "").code, pointer_of(tuple(e["loc"])))
        for e in raised.value.errors(include_url=False)
    }


def _schema_errors(document: object) -> set[tuple[str, str]]:
    return {
        (finding.code, finding.pointer)
        for error in _schema_validator().iter_errors(document)
        for leaf in structure_mapping._leaves(error)
        for finding in structure_mapping._from_jsonschema(leaf, "")
    }


def _assert_named_fault(errors: set[tuple[str, str]], path: Path) -> None:
    code, pointer = _fault(path)
    assert {p for _, p in errors} == {pointer}, errors  # rejected there and only there
    if code in STRUCTURE_CODES:
        assert code in {c for c, _ in errors}, errors


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_fixture_rejected_by_models(path: Path) -> None:
    _assert_named_fault(_model_errors(load_json(path)), path)


@pytest.mark.parametrize(
    "path", [p for p in INVALID if p.name not in MODEL_ONLY], ids=lambda p: p.name
)
def test_invalid_fixture_rejected_by_schema(path: Path) -> None:
    _assert_named_fault(_schema_errors(load_json(path)), path)


def test_model_only_fixtures_are_accepted_by_schema() -> None:
    """Keeps MODEL_ONLY honest: drop an entry once the schema can express the rule."""
    for name in MODEL_ONLY:
        assert list(_schema_validator().iter_errors(load_json(FIXTURES / "invalid" / name))) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source_documents())
def test_generated_documents_pass_schema_and_round_trip(document: dict) -> None:
    assert list(_schema_validator().iter_errors(document)) == []
    text = json.dumps(document, ensure_ascii=False)
    parsed = models.SourceDocument.model_validate_json(text)
    again = parsed.model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert again == document


def test_date_precision_and_bounds_are_derived() -> None:
    date = models.EventDate(start="2024-02", end="2024")
    assert date.precision is models.Precision.month
    assert str(date.first_day) == "2024-02-01"
    assert str(date.last_day) == "2024-12-31"
    assert str(models.EventDate(start="2024-02").last_day) == "2024-02-29"


def test_strict_types_do_not_coerce() -> None:
    with pytest.raises(ValidationError):
        models.Location.model_validate({"name": "x", "geo_precision": "region", "latitude": "40.1"})
    with pytest.raises(ValidationError):
        models.EventDate.model_validate({"start": "2024", "approximate": 1})


def _walk_properties(schema: dict, where: str = ""):
    for name, definition in schema.get("$defs", {}).items():
        yield from _walk_properties(definition, name)
    for prop, spec in schema.get("properties", {}).items():
        yield f"{where}.{prop}", spec


def test_every_field_has_description_and_scalars_have_examples() -> None:
    schema = models.json_schema()
    missing = []
    for name, spec in _walk_properties(schema):
        if "description" not in spec:
            missing.append(f"{name}: description")
        is_object = (
            "$ref" in spec
            or spec.get("type") == "array"
            or any("$ref" in option for option in spec.get("anyOf", []))
        )
        if not is_object and "examples" not in spec:
            missing.append(f"{name}: examples")
    assert missing == []


def test_schema_id_contains_version() -> None:
    schema = schema_files.load(SCHEMA_VERSION)
    assert schema["$id"].endswith(f"/{SCHEMA_VERSION}/source-document.schema.json")
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_committed_schema_is_current(root: Path) -> None:
    stale = schema_files.stale(root / "schema", SCHEMA_VERSION)
    assert stale == [], f"schema/{SCHEMA_VERSION}/ is stale: run `{schema_files.GENERATE_COMMAND}`"
