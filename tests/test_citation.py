"""Citations are generated from the metadata (coded_events.release.citation) and never stale:
CITATION.cff, each dataset.json's citation template, each built manifest, and what
`coded-events info` prints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from coded_events.release import citation
from tests.conftest import ROOT

DATASETS = sorted((ROOT / "datasets").glob("*/dataset.json"))


def test_citation_cff_is_current() -> None:
    committed = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert committed == citation.project_cff(ROOT), (
        f"CITATION.cff is stale: run `{citation.GENERATE_COMMAND}`"
    )


def test_citation_cff_holds_the_project_and_every_dataset() -> None:
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert {"message", "title", "authors", "version", "license"} <= set(cff)
    assert all(author.get("name") for author in cff["authors"])
    titles = [json.loads(meta.read_text("utf-8"))["title"] for meta in DATASETS]
    assert [ref["title"] for ref in cff["references"]] == titles
    for ref in cff["references"]:
        assert ref["type"] == "data" and isinstance(ref["year"], int)


@pytest.mark.parametrize("meta_file", DATASETS, ids=lambda p: p.parent.name)
def test_dataset_json_citation_is_the_generated_one(meta_file) -> None:
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    expected = citation.dataset_citation(meta, version="{version}")
    assert meta.get("citation", expected) == expected, (
        f"{meta_file}: the citation is stale; set it to {expected!r}"
    )


@pytest.mark.parametrize("meta_file", DATASETS, ids=lambda p: p.parent.name)
def test_info_prints_the_generated_citation(meta_file) -> None:
    manifest = json.loads((meta_file.parent / "datapackage.json").read_text(encoding="utf-8"))
    expected = citation.dataset_citation(manifest)
    assert manifest["citation"] == expected
    assert manifest["version"] in expected and manifest["title"] in expected
    done = subprocess.run(
        [sys.executable, "-m", "coded_events", "info", meta_file.parent.name],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "CODED_EVENTS_OFFLINE": "1"},
    )
    assert done.returncode == 0, done.stderr
    assert f"cite as: {expected}\n" in done.stdout


def test_dataset_citation_from_fields() -> None:
    meta = {
        "title": "T",
        "version": "2.1.0",
        "created": "2027-01-02",
        "homepage": "https://example.org/t",
        "contributors": [
            {"title": "A", "roles": ["author"]},
            {"title": "M", "roles": ["maintainer"]},
            {"title": "B", "roles": ["author", "maintainer"]},
        ],
    }
    assert (
        citation.dataset_citation(meta) == "A and B (2027). T, version 2.1.0. https://example.org/t"
    )
    assert citation.dataset_citation(meta, "{version}").endswith(
        "version {version}. https://example.org/t"
    )
    assert (
        citation.dataset_citation({**meta, "contributors": []})
        == "T, version 2.1.0. https://example.org/t"
    )
    assert citation.dataset_citation({"version": "1.0.0"}) == ""


def test_generator_outside_the_repository_says_where_to_run_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from coded_events.release.citation import main

    monkeypatch.chdir(tmp_path)
    assert main([]) == 2
    assert "not the repository's root folder" in capsys.readouterr().err
    assert not (tmp_path / "CITATION.cff").exists()


def test_generator_never_writes_through_a_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from coded_events.release.citation import main

    (tmp_path / "pyproject.toml").write_bytes((ROOT / "pyproject.toml").read_bytes())
    (tmp_path / "datasets").mkdir()
    elsewhere = tmp_path / "elsewhere.cff"
    elsewhere.write_text("theirs\n", encoding="utf-8")
    (tmp_path / "CITATION.cff").symlink_to(elsewhere)
    monkeypatch.chdir(tmp_path)
    assert main([]) == 2
    assert main(["--check"]) == 2
    assert elsewhere.read_text(encoding="utf-8") == "theirs\n"
    assert "link" in capsys.readouterr().err
