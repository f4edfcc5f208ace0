"""Every check has documentation and a fixture, and each fixture yields its code where
expected. Codes and places are asserted, never message text."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from coded_events.findings import Finding
from coded_events.records.checks import CATALOGUE
from coded_events.records.validate import validate_document_bytes, validate_paths
from coded_events.spec.catalogue.check import IMPORTS
from tests.conftest import FIXTURES

INVALID = FIXTURES / "invalid"
MINIMAL = FIXTURES / "valid" / "minimal.json"
FIXTURE_FILES = sorted(
    p for p in INVALID.rglob("*") if p.is_file() and "__" in p.name and "sources" not in p.parts
)

# fixture -> JSON Pointer of the expected finding ("" for findings about the whole file)
EXPECTED_POINTER = {
    "empty-value__actor-name.json": "/events/0/source_actor/name",
    "evidence-missing__no-provenance.json": "/events/0/evidence",
    "event-code-lost-leading-zero__874.json": "/events/0/action/code",
    "event-code-not-string__integer.json": "/events/0/action/code",
    "invalid-date__february-30.json": "/events/0/date/start",
    "invalid-date__month-13.json": "/events/0/date/start",
    "invalid-date__slashes.json": "/events/0/date/start",
    "invalid-date__year-0000.json": "/events/0/date/start",
    "invalid-enum__certainty.json": "/events/0/certainty",
    "invalid-enum__geo-precision.json": "/events/0/location/geo_precision",
    "invalid-format__language.json": "/source/language",
    "invalid-format__sha256-short.json": "/source/text_sha256",
    "invalid-id__event-id-spaces.json": "/events/0/event_id",
    "malformed-actor-code__lowercase.json": "/events/0/source_actor/code",
    "missing-field__certainty.json": "/events/0/certainty",
    "out-of-range__latitude-91.json": "/events/0/location/latitude",
    "out-of-range__negative-char-start.json": "/events/0/evidence/0/char_start",
    "source-path-outside__dot-dot.json": "/events/0/evidence/0/source_id",
    "unknown-actor-country__qqq.json": "/events/0/source_actor/code",
    "unknown-actor-role__xyz.json": "/events/0/source_actor/code",
    "unknown-country__xxx.json": "/events/0/location/country",
    "unknown-ethnic-group__zzz.json": "/events/0/source_actor/ethnic",
    "unknown-event-code__9999.json": "/events/0/action/code",
    "unknown-field__extra.json": "/events/0/confidence",
    "unknown-known-group__xxx.json": "/events/0/source_actor/known_group",
    "unknown-religion__xxx.json": "/events/0/source_actor/religion",
    "unsupported-schema-version__9.json": "/schema_version",
    "outdated-schema-version__1-0-0.json": "/schema_version",
    "link-unresolved__unknown-event.json": "/events/0/links/0/event_id",
    "link-to-self__own-id.json": "/events/0/links/0/event_id",
    "wrong-type__approximate-string.json": "/events/0/date/approximate",
    "wrong-type__latitude-string.json": "/events/0/location/latitude",
    "coordinates-incomplete__no-longitude.json": "/events/0/location/longitude",
    "coordinates-outside-country__swapped.json": "/events/0/location/latitude",
    "date-more-precise-than-evidence__month-quote.json": "/events/0/date/start",
    "date-range-reversed__end-before-start.json": "/events/0/date/end",
    "deprecated-event-code__1213.json": "/events/0/action/code",
    "derived-value-mismatch__root-code.json": "/events/0/action/root_code",
    "duplicate-event-id__two-events.json": "/events/1/event_id",
    "event-after-publication__may.json": "/events/0/date/start",
    "likely-duplicate-event__coded-twice.json": "/events/1",
    "quote-blank__spaces.json": "/events/0/evidence/0/quote",
    "quote-mismatch__shifted-offsets.json": "/events/0/evidence/0/quote",
    "quote-offsets-invalid__end-before-start.json": "/events/0/evidence/0/char_end",
    "quotes-overlap__quoted-twice.json": "/events/0/evidence/1",
    "retired-event-id__listed.json": "/events/0/event_id",
    "source-text-hash-mismatch__zeros.json": "/source/text_sha256",
    "source-text-missing__renamed-source.json": "/source/source_id",
    "target-equals-source__same-actor.json": "/events/0/target_actor",
    "unresolved-source-reference__other-article.json": "/events/0/evidence/0/source_id",
    "duplicate-key__coder.json": "/events/0/coder",
    "file-binary__nul.json": "",
    "file-empty__empty.json": "",
    "invalid-utf8__latin1.json": "",
    "json-syntax__trailing-comma.json": "",
    "nesting-too-deep__notes.json": "",
    "non-finite-number__1e400.json": "/events/0/location/longitude",
    "non-finite-number__nan.json": "/events/0/location/latitude",
    "utf8-bom__bom.json": "",
    "control-character__nul-in-coder.json": "/events/0/coder",
}

# Codes whose input cannot be a committed file; tests/test_validate_safety.py builds it.
BUILT_BY_TESTS = {
    "file-unreadable",
    "symlinked-file",
    "file-too-large",
    "source-text-unreadable",
    "duplicate-source-id",
    "schema-violation",
    "internal-error",
    "deprecated-field",  # no field is deprecated yet: tests/test_deprecations.py injects one
    # flat tables (CSV, Parquet): tests/test_flat.py builds them
    "unknown-table",
    "malformed-row",
    "duplicate-column",
    "duplicate-row-key",
    "unresolved-event-reference",
    "hand-coded-value-missing",  # tests/test_provenance.py and tests/test_flat_dask.py
    # paths that are not files, and files known by their name (dataset.json):
    # tests/test_validate_inputs.py builds them
    "not-regular-file",
    "nothing-to-check",
    "invalid-dataset-metadata",
    "invalid-package-manifest",
    "retired-ids-unreadable",  # tests/test_retired_ids.py: a retired_ids.txt not readable
}


def _code(path: Path) -> str:
    return path.name.split("__")[0]


def _changed_lines(path: Path) -> set[int]:
    """1-based lines of ``path`` that differ from minimal.json (the mutation)."""
    base = MINIMAL.read_text(encoding="utf-8").splitlines()
    mine = path.read_bytes().decode("utf-8", "replace").lstrip("\ufeff").splitlines()
    changed: set[int] = set()
    for tag, _, _, j1, j2 in difflib.SequenceMatcher(None, base, mine).get_opcodes():
        if tag in ("replace", "insert"):
            changed.update(range(j1 + 1, j2 + 1))
    return changed


def test_every_code_is_documented() -> None:
    for code, check in CATALOGUE.items():
        assert check.code == code
        assert check.severity in ("error", "warning")
        assert check.title and check.message and check.hint and len(check.doc) > 20, code


def test_every_code_has_a_fixture() -> None:
    """Every check of records and flat tables has a record fixture (the import layer's
    checks, run on producer files, are each triggered by a fixture of their own: see
    tests/test_import_traps.py and tests/test_import_part2_formats.py)."""
    covered = {_code(p) for p in FIXTURE_FILES} | BUILT_BY_TESTS
    ours = {code for code, check in CATALOGUE.items() if check.applies_to != IMPORTS}
    assert sorted(ours - covered) == []
    assert sorted({_code(p) for p in FIXTURE_FILES} - set(CATALOGUE)) == []


def test_every_fixture_has_an_expected_pointer() -> None:
    assert sorted(p.name for p in FIXTURE_FILES) == sorted(EXPECTED_POINTER)


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_fixture_yields_its_code_at_its_place(path: Path) -> None:
    findings = validate_paths([path])
    code = _code(path)
    hits = [f for f in findings if f.code == code]
    assert hits, [(f.code, f.pointer) for f in findings]
    hit = hits[0]
    assert hit.pointer == EXPECTED_POINTER[path.name]
    assert hit.severity == CATALOGUE[code].severity
    assert hit.file == str(path)
    assert hit.line is not None and hit.column is not None
    changed = _changed_lines(path)
    if changed and hit.pointer and code != "missing-field":
        assert hit.line in changed | {min(changed) - 1}, (hit.line, sorted(changed))
    assert "internal-error" not in {f.code for f in findings}


@pytest.mark.parametrize("path", sorted((FIXTURES / "valid").glob("*.json")), ids=lambda p: p.name)
def test_valid_fixture_has_no_findings(path: Path) -> None:
    assert validate_paths([path]) == []


def test_model_valid_fixtures_differ_from_minimal_only_in_their_mutation() -> None:
    """Each model-valid fixture yields its own code and no unrelated error."""
    for path in sorted((INVALID / "model-valid").glob("*.json")):
        allowed = {_code(path), "source-text-missing", "likely-duplicate-event"}
        codes = {f.code for f in validate_paths([path]) if f.is_error}
        assert codes <= allowed, (path.name, codes)


def test_finding_shape() -> None:
    finding = validate_paths([INVALID / "out-of-range__latitude-91.json"])[0]
    assert list(finding.to_dict()) == [
        "code", "severity", "message", "hint", "file",
        "line", "column", "pointer", "field", "value",
    ]  # fmt: skip
    assert finding.field == "/events/location/latitude"
    assert finding.value == 91.0
    assert isinstance(finding, Finding)


def test_quote_mismatch_says_where_the_quote_occurs() -> None:
    path = INVALID / "model-valid" / "quote-mismatch__shifted-offsets.json"
    (hit,) = [f for f in validate_paths([path]) if f.code == "quote-mismatch"]
    assert "112-209" in hit.message


def test_document_bytes_and_strict() -> None:
    data = (INVALID / "model-valid" / "deprecated-event-code__1213.json").read_bytes()
    sources = FIXTURES / "sources"
    (plain,) = validate_document_bytes(data, "x.json", sources_dir=sources)
    assert (plain.code, plain.severity) == ("deprecated-event-code", "warning")
    (strict,) = validate_document_bytes(data, "x.json", sources_dir=sources, strict=True)
    assert strict.severity == "error"


def test_real_dataset_validates(root: Path) -> None:
    folder = root / "datasets" / "south-caucasus"
    if not any((folder / "records").glob("*.json")):
        pytest.skip("no records yet")
    assert [f for f in validate_paths([folder]) if f.is_error] == []


def test_dataset_checks_span_the_records_folder(tmp_path: Path) -> None:
    """A file validated alone is still checked against its sibling records."""
    records = tmp_path / "ds" / "records"
    records.mkdir(parents=True)
    shutil.copytree(FIXTURES / "sources", tmp_path / "ds" / "sources")  # a link is refused
    text = MINIMAL.read_text(encoding="utf-8")
    (records / "a.json").write_text(text, encoding="utf-8")
    (records / "b.json").write_text(text.replace("Karabakh", "Karabakh region"), encoding="utf-8")
    codes = {f.code for f in validate_paths([records / "b.json"])}
    assert {"duplicate-event-id", "duplicate-source-id"} <= codes
    assert {f.file for f in validate_paths([records / "b.json"])} == {str(records / "b.json")}
