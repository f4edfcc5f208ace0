"""Whatever it is given, the validator reports findings: no traceback, no change to input."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from coded_events.records.checks import structure_mapping, syntax
from coded_events.records.validate import validate_document_bytes, validate_paths
from tests.conftest import FIXTURES

MINIMAL = FIXTURES / "valid" / "minimal.json"
ARTICLE = FIXTURES / "sources" / "myind-2024-04-17-russia-peacekeepers-withdrawal.txt"


def _dataset(tmp_path: Path) -> Path:
    """A dataset folder with the minimal record and its source text; returns records/."""
    records = tmp_path / "ds" / "records"
    records.mkdir(parents=True)
    (tmp_path / "ds" / "sources").mkdir()
    (tmp_path / "ds" / "sources" / ARTICLE.name).write_bytes(ARTICLE.read_bytes())
    (records / "minimal.json").write_bytes(MINIMAL.read_bytes())
    return records


def _codes(findings) -> set[str]:
    return {f.code for f in findings}


def test_dataset_folder_means_its_records(tmp_path: Path) -> None:
    records = _dataset(tmp_path)
    (records.parent / "notes.json").write_text("not json")  # beside records/: not a record
    assert validate_paths([records.parent]) == []
    (records.parent / "datapackage.json").write_text("not json")  # a manifest: checked as one
    (hit,) = validate_paths([records.parent])
    assert (hit.code, hit.file) == ("json-syntax", str(records.parent / "datapackage.json"))


def test_symlinked_record_is_reported_not_read(tmp_path: Path) -> None:
    records = _dataset(tmp_path)
    secret = tmp_path / "secret.json"
    secret.write_text('{"password": "hunter2"}')
    (records / "link.json").symlink_to(secret)
    findings = validate_paths([records])
    assert _codes(findings) == {"symlinked-file"}
    assert "hunter2" not in repr(findings)


def test_unreadable_and_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records = _dataset(tmp_path)
    broken = records / "broken.json"
    broken.mkdir()  # a folder named like a record, given explicitly
    assert _codes(validate_paths([broken])) == {"not-regular-file"}
    broken.rmdir()
    fifo = records / "pipe.json"
    os.mkfifo(fifo)
    assert _codes(validate_paths([fifo])) == {"not-regular-file"}
    fifo.unlink()
    monkeypatch.setattr(syntax, "MAX_BYTES", 100)
    assert _codes(validate_paths([records / "minimal.json"])) == {"file-too-large"}


def test_source_text_symlink_outside_sources_is_refused(tmp_path: Path) -> None:
    records = _dataset(tmp_path)
    text = records.parent / "sources" / ARTICLE.name
    outside = tmp_path / "elsewhere.txt"
    outside.write_bytes(text.read_bytes())
    text.unlink()
    text.symlink_to(outside)
    (hit,) = validate_paths([records])
    assert (hit.code, hit.file) == ("symlinked-file", str(text))


def test_source_text_not_utf8(tmp_path: Path) -> None:
    records = _dataset(tmp_path)
    (records.parent / "sources" / ARTICLE.name).write_bytes(b"caf\xe9")
    (hit,) = validate_paths([records])
    assert (hit.code, hit.pointer) == ("source-text-unreadable", "/source/source_id")


def test_duplicate_source_across_files(tmp_path: Path) -> None:
    records = _dataset(tmp_path)
    other = MINIMAL.read_text(encoding="utf-8").replace("fixture-0001", "fixture-0009")
    (records / "second.json").write_text(other.replace('"Karabakh"', '"Stepanakert"'))
    findings = validate_paths([records])
    assert [(f.code, f.file) for f in findings] == [
        ("duplicate-source-id", str(records / "second.json"))
    ]


def test_unmapped_errors_get_schema_violation() -> None:
    finding = structure_mapping._from_pydantic(
        {"type": "some_new_error", "loc": ("events", 0), "msg": "odd", "input": 1}, None, "f"
    )
    assert (finding.code, finding.pointer) == ("schema-violation", "/events/0")


def test_a_failing_layer_becomes_internal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from coded_events.records.checks import consistency

    def broken(doc):
        raise RuntimeError("boom")

    monkeypatch.setattr(consistency, "run", broken)
    findings = validate_document_bytes(MINIMAL.read_bytes(), str(MINIMAL))
    assert [(f.code, f.severity) for f in findings] == [("internal-error", "error")]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   \n",
        b"\x00\x01\x02",
        b"\xff\xfe{\x00}\x00",
        b"[" * 100_000,
        b"[" * 10_000 + b"]" * 10_000,
        b'{"a": 1e400}',
        b"NaN",
        b'"\\ud800"',
        b"[]",
        b"null",
        b'{"events": [1, null, {"action": {"code": 10}}], "source": []}',
        b'{"schema_version": "1.0.0", "source": {"source_id": "../../../../etc/passwd"}}',
    ],
)
def test_odd_bytes_give_findings(data: bytes) -> None:
    findings = validate_document_bytes(data, "odd.json", sources_dir=FIXTURES / "sources")
    assert findings and all(f.code != "internal-error" for f in findings)
    for finding in findings:
        finding.to_dict()


def test_never_writes_to_its_input(root: Path) -> None:
    dataset = root / "datasets" / "south-caucasus"
    folders = [FIXTURES, dataset / "records", dataset / "sources"]
    files = [p for folder in folders for p in folder.rglob("*") if p.is_file()]
    before = {p: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest()) for p in files}
    validate_paths([FIXTURES / "valid", FIXTURES / "invalid", dataset])
    after = {p: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest()) for p in files}
    assert before == after
    assert sorted(p for f in folders for p in f.rglob("*") if p.is_file()) == sorted(files)


def test_folder_of_datasets_means_their_records(tmp_path: Path) -> None:
    records = _dataset(tmp_path)
    (records.parent / "datapackage.json").write_text("not json")
    assert _codes(validate_paths([tmp_path])) == {"json-syntax"}  # the manifest, as one
