"""Edge cases found in review: each once crashed, mislocated or missed a finding."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from coded_events.records.validate import validate_paths
from coded_events.spec import codebook
from tests.conftest import FIXTURES

MINIMAL = FIXTURES / "valid" / "minimal.json"
TEXT = (FIXTURES / "sources" / "myind-2024-04-17-russia-peacekeepers-withdrawal.txt").read_text(
    encoding="utf-8"
)


def _dataset(tmp_path: Path, text: str) -> Path:
    """A dataset folder holding one record file (given as text) and the fixture article."""
    records = tmp_path / "ds" / "records"
    records.mkdir(parents=True)
    shutil.copytree(FIXTURES / "sources", tmp_path / "ds" / "sources")
    path = records / "doc.json"
    path.write_text(text, encoding="utf-8")
    return path


def _codes(path: Path) -> list[tuple[str, str]]:
    return [(f.code, f.pointer) for f in validate_paths([path])]


def test_integer_of_thousands_of_digits_is_a_finding(tmp_path: Path) -> None:
    text = MINIMAL.read_text().replace('"char_start": 112', '"char_start": 1' + "0" * 5000)
    found = _codes(_dataset(tmp_path, text))
    assert ("non-finite-number", "/events/0/evidence/0/char_start") in found
    assert all(code != "internal-error" for code, _ in found)


def test_duplicate_key_in_a_dropped_object_is_not_misplaced(tmp_path: Path) -> None:
    text = MINIMAL.read_text().replace(
        '"date": {"start": "2024-04", "approximate": true},',
        '"date": {"start": "2024-04", "start": "2024-04"}, '
        '"date": {"start": "2024-04", "approximate": true},',
    )
    found = [f for f in validate_paths([_dataset(tmp_path, text)]) if f.code == "duplicate-key"]
    assert [f.pointer for f in found] == ["/events/0/date"]


def test_line_of_a_key_with_slash_and_tilde(tmp_path: Path) -> None:
    text = MINIMAL.read_text().replace(
        '      "coder": "fixture"\n', '      "coder": "fixture",\n      "a/b~c": 1\n'
    )
    path = _dataset(tmp_path, text)
    line = 1 + text.splitlines().index('      "a/b~c": 1')
    found = [f for f in validate_paths([path]) if f.code == "unknown-field"]
    assert [(f.pointer, f.line) for f in found] == [("/events/0/a~1b~0c", line)]


@pytest.mark.parametrize(
    ("code", "expected", "segment"),
    [("AZEAZE", "unknown-actor-role", 2), ("RUSMILRUS", "unknown-actor-role", 3)],
)
def test_bad_segment_repeating_an_earlier_one_is_placed_right(
    tmp_path: Path, code: str, expected: str, segment: int
) -> None:
    document = json.loads(MINIMAL.read_text())
    document["events"][0]["source_actor"]["code"] = code
    found = [
        f
        for f in validate_paths([_dataset(tmp_path, json.dumps(document, indent=2))])
        if f.code.startswith("unknown-actor")
    ]
    assert [f.code for f in found] == [expected]
    assert f"segment {segment} of" in found[0].message


def test_roles_keep_a_known_group_that_spells_like_the_country() -> None:
    parsed = codebook.actor("PSEREBPSE")
    assert parsed.country == "PSE"
    assert parsed.roles == ("REB", "PSE")


def test_nested_quotes_all_overlap(tmp_path: Path) -> None:
    document = json.loads(MINIMAL.read_text())
    spans = [(0, 40), (5, 10), (20, 30)]
    document["events"][0]["evidence"] = [
        {"quote": TEXT[a:b], "char_start": a, "char_end": b} for a, b in spans
    ]
    found = [
        f.pointer
        for f in validate_paths([_dataset(tmp_path, json.dumps(document, indent=2))])
        if f.code == "quotes-overlap"
    ]
    assert sorted(found) == ["/events/0/evidence/1", "/events/0/evidence/2"]


def test_source_id_too_long_for_the_file_system_is_no_crash(tmp_path: Path) -> None:
    document = json.loads(MINIMAL.read_text())
    document["events"][0]["evidence"][0]["source_id"] = "a" * 300
    found = _codes(_dataset(tmp_path, json.dumps(document, indent=2)))
    assert all(code != "internal-error" for code, _ in found)
    assert ("unresolved-source-reference", "/events/0/evidence/0/source_id") in found


def test_an_invalid_source_id_is_reported_once_not_looked_up_as_a_text(tmp_path: Path) -> None:
    document = json.loads(MINIMAL.read_text())
    document["events"][0]["evidence"][0]["source_id"] = "Not A Valid Id"
    found = _codes(_dataset(tmp_path, json.dumps(document)))
    at_id = [code for code, pointer in found if pointer == "/events/0/evidence/0/source_id"]
    assert at_id and "source-text-missing" not in at_id, found
    assert all(code != "source-text-missing" for code, _ in found), found
