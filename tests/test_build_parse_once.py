"""A build reads and parses each record file once: the validator's strict reader parses
it, and the build converts the documents it parsed (issue 14)."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from coded_events.records.checks import syntax
from coded_events.release import build as publish
from tests.conftest import ROOT
from tests.test_build import make_dataset

REAL = ROOT / "datasets" / "south-caucasus"


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    folder = tmp_path / "south-caucasus"
    shutil.copytree(REAL, folder)
    return folder


def _counted_build(
    dataset: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[Path], Counter[str], Counter[str], dict[str, bytes]]:
    """A build's files, with how often each record was parsed strictly and in all."""
    records = sorted((dataset / "records").glob("*.json"))
    assert records
    texts = {path.read_text("utf-8"): path.name for path in records}
    strict: Counter[str] = Counter()
    loads: Counter[str] = Counter()
    real_parse, real_loads = syntax.parse, json.loads

    def parse(data: bytes, file: str) -> syntax.Parsed:
        strict[Path(file).name] += 1
        return real_parse(data, file)

    def counting_loads(text: Any, *args: Any, **kwargs: Any) -> Any:
        decoded = text.decode("utf-8-sig") if isinstance(text, bytes) else text
        if decoded in texts:
            loads[texts[decoded]] += 1
        return real_loads(text, *args, **kwargs)

    monkeypatch.setattr(syntax, "parse", parse)
    monkeypatch.setattr(json, "loads", counting_loads)
    files = publish.render(dataset)
    monkeypatch.undo()
    return records, strict, loads, files


def test_each_record_is_parsed_once_and_the_build_is_unchanged(
    dataset: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records, strict, loads, files = _counted_build(dataset, monkeypatch)
    every = {path.name: 1 for path in records}
    assert dict(strict) == every  # the strict reader, once a file
    assert dict(loads) == every  # and no other parse of a record's text
    for relative, content in files.items():  # the same bytes as the committed build
        assert (REAL / relative).read_bytes() == content, relative


def test_several_records_are_each_parsed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records, strict, loads, files = _counted_build(make_dataset(tmp_path / "set"), monkeypatch)
    assert len(records) >= 2
    every = {path.name: 1 for path in records}
    assert dict(strict) == dict(loads) == every
    assert "data/events.parquet" in files


def test_a_record_the_validator_did_not_read_as_one_is_refused(dataset: Path) -> None:
    # records/dataset.json is a metadata file to the validator, never a record
    shutil.copy(dataset / "dataset.json", dataset / "records" / "dataset.json")
    with pytest.raises(publish.BuildError) as raised:
        publish.render(dataset)
    assert "dataset.json" in str(raised.value)
