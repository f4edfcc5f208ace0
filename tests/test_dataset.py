"""The south-caucasus records: valid, quotes at their offsets, hashes right, ids unique."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from coded_events.records.validate import validate_paths
from coded_events.spec import models
from coded_events.spec.versions import SCHEMA_VERSION
from tests.conftest import ROOT

DATASET = ROOT / "datasets" / "south-caucasus"
RECORDS = sorted((DATASET / "records").glob("*.json"))
EVENT_ID = re.compile(r"^sc-[0-9]{4}$")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ValueError(f"duplicate keys {duplicates}")
    return dict(pairs)


def _reject_constant(name: str) -> None:
    raise ValueError(f"non-JSON number {name}")


def read_record(path: Path) -> dict[str, Any]:
    """Parse a record file strictly: no duplicate keys, no NaN or Infinity."""
    return json.loads(
        path.read_text(encoding="utf-8"),
        object_pairs_hook=_no_duplicate_keys,
        parse_constant=_reject_constant,
    )


def source_text(source_id: str) -> str:
    return (DATASET / "sources" / f"{source_id}.txt").read_text(encoding="utf-8")


def quote_mismatches(document: dict[str, Any]) -> list[str]:
    """Every evidence quote that differs from the source text at its offsets."""
    default = document["source"]["source_id"]
    problems = []
    for event in document["events"]:
        for i, evidence in enumerate(event["evidence"]):
            text = source_text(evidence.get("source_id") or default)
            found = text[evidence["char_start"] : evidence["char_end"]]
            if found != evidence["quote"]:
                problems.append(
                    f"{event['event_id']} evidence[{i}]: text at "
                    f"[{evidence['char_start']}:{evidence['char_end']}] is {found!r}, "
                    f"quote is {evidence['quote']!r}"
                )
    return problems


def retired_ids() -> set[str]:
    lines = (DATASET / "retired_ids.txt").read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def all_event_ids() -> list[str]:
    return [e["event_id"] for path in RECORDS for e in read_record(path)["events"]]


def test_there_are_records() -> None:
    assert RECORDS, f"no record files in {DATASET / 'records'}"


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.name)
def test_record_validates_against_the_models(path: Path) -> None:
    document = read_record(path)
    parsed = models.SourceDocument.model_validate(document)
    assert parsed.schema_version == SCHEMA_VERSION
    assert document["$schema"] == models.SCHEMA_ID


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.name)
def test_record_file_is_named_after_its_source(path: Path) -> None:
    source_id = read_record(path)["source"]["source_id"]
    assert path.stem == source_id
    assert (DATASET / "sources" / f"{source_id}.txt").is_file()


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.name)
def test_stored_sha256_matches_the_source_text(path: Path) -> None:
    source = read_record(path)["source"]
    data = (DATASET / "sources" / f"{source['source_id']}.txt").read_bytes()
    assert hashlib.sha256(data).hexdigest() == source["text_sha256"]


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.name)
def test_every_quote_equals_the_text_at_its_offsets(path: Path) -> None:
    assert quote_mismatches(read_record(path)) == []


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.name)
def test_every_event_has_a_quote(path: Path) -> None:
    for event in read_record(path)["events"]:
        assert len(event["evidence"]) >= 1, event["event_id"]
        assert all(e["quote"] for e in event["evidence"]), event["event_id"]


def test_event_ids_are_unique_well_formed_and_not_retired() -> None:
    ids = all_event_ids()
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert duplicates == []
    assert [i for i in ids if not EVENT_ID.match(i)] == []
    assert sorted(set(ids) & retired_ids()) == []


def test_the_first_article_is_numbered_in_reading_order() -> None:
    """sc-0001.. in order, without gaps, as the coding guide says."""
    events = read_record(
        DATASET / "records" / "myind-2024-04-17-russia-peacekeepers-withdrawal.json"
    )["events"]
    assert [e["event_id"] for e in events] == [f"sc-{n:04d}" for n in range(1, len(events) + 1)]


# The checks above must be able to fail, and the validator must catch what they catch: each
# case breaks a copy of the real dataset and asserts the validator's finding, in its place.


def _first_document() -> dict[str, Any]:
    return read_record(RECORDS[0])


def _copy_dataset(tmp: Path) -> Path:
    """A copy of the dataset's records and source texts; the path of the first record."""
    for folder in ("records", "sources"):
        shutil.copytree(DATASET / folder, tmp / "dataset" / folder)
    return tmp / "dataset" / "records" / RECORDS[0].name


def _errors(path: Path) -> set[tuple[str, str]]:
    """(code, pointer) of every error the validator reports for ``path``."""
    return {(f.code, f.pointer) for f in validate_paths([path]) if f.severity == "error"}


def _rewrite(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")


def test_the_copied_dataset_is_valid(tmp_path: Path) -> None:
    """The base of the cases below: an unchanged copy has no error."""
    assert _errors(_copy_dataset(tmp_path)) == set()


def test_a_shifted_offset_is_caught(tmp_path: Path) -> None:
    path = _copy_dataset(tmp_path)
    document = read_record(path)
    evidence = document["events"][0]["evidence"][0]
    evidence["char_start"] += 1
    evidence["char_end"] += 1
    _rewrite(path, document)
    assert _errors(path) == {("quote-mismatch", "/events/0/evidence/0/quote")}
    problems = quote_mismatches(document)  # the check of this module agrees
    assert len(problems) == 1
    assert problems[0].startswith(f"{document['events'][0]['event_id']} evidence[0]")


def test_an_edited_quote_is_caught(tmp_path: Path) -> None:
    path = _copy_dataset(tmp_path)
    document = read_record(path)
    last = len(document["events"]) - 1
    document["events"][last]["evidence"][0]["quote"] += "!"
    _rewrite(path, document)
    assert _errors(path) == {("quote-mismatch", f"/events/{last}/evidence/0/quote")}
    assert len(quote_mismatches(document)) == 1


def test_a_changed_text_breaks_the_hash(tmp_path: Path) -> None:
    """One byte appended to the source text (the quotes still match): only the hash fails."""
    path = _copy_dataset(tmp_path)
    source_id = read_record(path)["source"]["source_id"]
    text = path.parents[1] / "sources" / f"{source_id}.txt"
    text.write_bytes(text.read_bytes() + b" ")
    assert _errors(path) == {("source-text-hash-mismatch", "/source/text_sha256")}


def test_duplicate_keys_are_rejected(tmp_path: Path) -> None:
    path = _copy_dataset(tmp_path)
    content = path.read_text(encoding="utf-8")
    first = '"coder": "coded-events team"'
    assert first in content
    path.write_text(content.replace(first, f'{first}, "coder": "someone else"', 1), "utf-8")
    assert _errors(path) == {("duplicate-key", "/events/0/coder")}
    with pytest.raises(ValueError, match="duplicate keys"):  # so does this module's reader
        read_record(path)


def test_an_event_without_evidence_fails_validation(tmp_path: Path) -> None:
    document = copy.deepcopy(_first_document())
    document["events"][0]["evidence"] = []
    # schema 1.2.0: the models allow it (an event with provenance needs no quote); the
    # evidence layer refuses an event with neither
    models.SourceDocument.model_validate(document)
    path = _copy_dataset(tmp_path)
    _rewrite(path, document)
    assert _errors(path) == {("evidence-missing", "/events/0/evidence")}


def test_events_without_ids_are_missing_not_duplicates(tmp_path: Path) -> None:
    path = _copy_dataset(tmp_path)
    document = read_record(path)
    linked = {link["event_id"] for e in document["events"] for link in e.get("links", [])}
    chosen = [i for i, e in enumerate(document["events"]) if e["event_id"] not in linked][:2]
    for index in chosen:
        del document["events"][index]["event_id"]
    _rewrite(path, document)
    assert _errors(path) == {("missing-field", f"/events/{i}/event_id") for i in chosen}


TEXT_LIMIT = 20 * 1024 * 1024  # source texts above 20 MiB are not read, like record files


def test_source_text_size_limit(tmp_path: Path) -> None:
    """A text of exactly the limit is read (the padding only breaks the hash); one byte
    more is not read at all."""
    path = _copy_dataset(tmp_path)
    source_id = read_record(path)["source"]["source_id"]
    text = path.parents[1] / "sources" / f"{source_id}.txt"
    data = text.read_bytes()
    text.write_bytes(data + b" " * (TEXT_LIMIT - len(data)))
    assert _errors(path) == {("source-text-hash-mismatch", "/source/text_sha256")}
    with text.open("ab") as handle:
        handle.write(b" ")
    assert _errors(path) == {("source-text-unreadable", "/source/source_id")}


def test_a_quote_may_end_at_the_end_of_the_text(tmp_path: Path) -> None:
    """char_end equal to the text's length is valid; one more is not."""
    path = _copy_dataset(tmp_path)
    document = read_record(path)
    text = source_text(document["source"]["source_id"])
    evidence = document["events"][0]["evidence"][0]
    start = len(text) - 10
    evidence.update(char_start=start, char_end=len(text), quote=text[start:])
    _rewrite(path, document)
    assert _errors(path) == set()
    evidence["char_end"] = len(text) + 1
    _rewrite(path, document)
    assert _errors(path) == {("quote-offsets-invalid", "/events/0/evidence/0/char_end")}


def test_record_file_size_limit(tmp_path: Path) -> None:
    """A record file of exactly 20 MiB is read (trailing white space is valid JSON); one
    byte more is not read at all (docs/checks.md)."""
    path = _copy_dataset(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data + b" " * (TEXT_LIMIT - len(data)))
    assert _errors(path) == set()
    with path.open("ab") as handle:
        handle.write(b" ")
    assert _errors(path) == {("file-too-large", "")}


def test_adjacent_quotes_do_not_overlap(tmp_path: Path) -> None:
    """A quote that starts where the previous one ends does not overlap it; one character
    earlier, it does."""
    path = _copy_dataset(tmp_path)
    document = read_record(path)
    text = source_text(document["source"]["source_id"])
    first, second = document["events"][0]["evidence"][:2]
    end = first["char_end"]
    second.update(char_start=end, char_end=end + 5, quote=text[end : end + 5])
    _rewrite(path, document)
    codes = {f.code for f in validate_paths([path]) if f.pointer.startswith("/events/0/")}
    assert "quotes-overlap" not in codes
    second.update(char_start=end - 1, quote=text[end - 1 : end + 5])
    _rewrite(path, document)
    codes = {f.code for f in validate_paths([path]) if f.pointer.startswith("/events/0/")}
    assert "quotes-overlap" in codes
