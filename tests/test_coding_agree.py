"""``coded-events agree`` and the matcher it stands on, on copies of the real dataset; alpha
values checked against ``krippendorff.alpha`` computed here from the known changes."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import krippendorff
import numpy as np
import pytest
from typer.testing import CliRunner

from coded_events.cli import app
from coded_events.cli.data_cmd import _agreement_lines
from coded_events.coding import matching
from coded_events.coding.agree import FIELDS, agreement
from coded_events.records.validate import validate_paths
from coded_events.spec import codebook
from tests.conftest import ROOT

DATASET = ROOT / "datasets" / "south-caucasus"
RECORD = "myind-2024-04-17-russia-peacekeepers-withdrawal.json"
CHANGED = {"sc-0003": "0874", "sc-0004": "111", "sc-0024": "141"}  # three new root codes
REMOVED = "sc-0022"


def run(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def dataset(hand_coded_copy: Path) -> Path:
    return hand_coded_copy


def original() -> dict[str, Any]:
    return json.loads((DATASET / "records" / RECORD).read_text(encoding="utf-8"))


def second_coding(root: Path, document: dict[str, Any], seed: int = 5) -> dict[str, str]:
    """Write ``document`` as coder bob's coding with new ids and shuffled events; return
    the map of original id -> bob's id."""
    events = document["events"]
    random.Random(seed).shuffle(events)
    ids = {e["event_id"]: f"bob-{n:03d}" for n, e in enumerate(events)}
    for event in events:
        event["event_id"] = ids[event["event_id"]]
        event["links"] = [
            {**link, "event_id": ids[link["event_id"]]}
            for link in event.get("links", [])
            if link["event_id"] in ids
        ]
        if not event["links"]:
            del event["links"]
    folder = root / "codings" / "bob" / "records"
    folder.mkdir(parents=True)
    (folder / RECORD).write_text(json.dumps(document, indent=2), encoding="utf-8")
    return ids


def test_a_renumbered_shuffled_copy_agrees_fully(dataset: Path) -> None:
    ids = second_coding(dataset, original())
    assert [f.code for f in validate_paths([dataset]) if f.is_error] == []
    report = agreement(dataset, dataset / "codings" / "bob")
    assert report["events"] == {"a": 24, "b": 24, "matched": 24, "only_a": 0, "only_b": 0}
    assert {(p["a"], p["b"]) for p in report["pairs"]} == set(ids.items())
    for field in report["fields"]:
        assert field["alpha"] == 1.0 or field["undefined"], field
        assert field["disagreements"] == [] and field["agreeing"] == 24
        if field["alpha"] is not None:
            assert field["ci"] == [1.0, 1.0]


def test_known_changes_are_reported_exactly(dataset: Path) -> None:
    document = original()
    for event in document["events"]:
        if event["event_id"] in CHANGED:
            event["action"] = {"code": CHANGED[event["event_id"]]}
    document["events"] = [e for e in document["events"] if e["event_id"] != REMOVED]
    ids = second_coding(dataset, document)
    report = agreement(dataset, dataset / "codings" / "bob")
    assert report["events"] == {"a": 24, "b": 23, "matched": 23, "only_a": 1, "only_b": 0}
    assert [e["event_id"] for e in report["only_a"]] == [REMOVED]
    assert {(p["a"], p["b"]) for p in report["pairs"]} == set(ids.items())

    first = {e["event_id"]: e for e in original()["events"] if e["event_id"] != REMOVED}
    codes = {
        i: (e["action"]["code"], CHANGED.get(i, e["action"]["code"])) for i, e in first.items()
    }
    fields = {f["field"]: f for f in report["fields"]}
    expected = {
        "root_code": lambda c: codebook.event(c).root_code,
        "event_code": lambda c: c,
        "quad_class": lambda c: codebook.event(c).quad_class,
        "goldstein": lambda c: codebook.event(c).goldstein,
    }
    for name, value in expected.items():
        a = [value(x) for x, _ in codes.values()]
        b = [value(y) for _, y in codes.values()]
        level = "interval" if name == "goldstein" else "nominal"
        domain = sorted({*a, *b}, key=str)
        data = [[domain.index(v) for v in row] for row in (a, b)] if level == "nominal" else [a, b]
        want = krippendorff.alpha(
            reliability_data=np.array(data, float), level_of_measurement=level
        )
        assert fields[name]["alpha"] == pytest.approx(want, abs=1e-12), name
        assert fields[name]["alpha"] < 1
    assert sum(d["events"] for d in fields["root_code"]["disagreements"]) == 3
    old_roots = {codebook.event(first[i]["action"]["code"]).root_code for i in CHANGED}
    assert {(d["a"], d["b"]) for d in fields["root_code"]["disagreements"]} == {
        (codebook.event(first[i]["action"]["code"]).root_code, codebook.event(c).root_code)
        for i, c in CHANGED.items()
    } and old_roots
    for name in ("source_actor", "target_actor", "certainty", "status", "date_precision"):
        assert fields[name]["alpha"] == 1.0 and not fields[name]["disagreements"], name


def test_ordinal_date_precision_matches_krippendorff(dataset: Path) -> None:
    document = original()
    changed = {"sc-0004": "2020-11-10", "sc-0024": "2023-05"}  # month -> day, year -> month
    for event in document["events"]:
        if event["event_id"] in changed:
            event["date"]["start"] = changed[event["event_id"]]
    second_coding(dataset, document)
    report = agreement(dataset, dataset / "codings" / "bob")
    rank = {"year": 1, "month": 2, "day": 3}

    def precision(start: str) -> int:
        return rank[["year", "month", "day"][start.count("-")]]

    a = [precision(e["date"]["start"]) for e in original()["events"]]
    b = [precision(changed.get(e["event_id"], e["date"]["start"])) for e in original()["events"]]
    want = krippendorff.alpha(
        reliability_data=np.array([a, b], float), level_of_measurement="ordinal"
    )
    got = next(f for f in report["fields"] if f["field"] == "date_precision")
    assert got["alpha"] == pytest.approx(want, abs=1e-12) and got["alpha"] < 1


def test_alpha_where_every_value_is_the_same_is_undefined_with_the_reason(dataset: Path) -> None:
    document = original()
    for event in document["events"]:
        event["certainty"] = "confirmed"
    (dataset / "records" / RECORD).write_text(json.dumps(document, indent=2), encoding="utf-8")
    second_coding(dataset, json.loads(json.dumps(document)))
    result = run("agree", "--format", "json", dataset, dataset / "codings" / "bob")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    certainty = next(f for f in report["fields"] if f["field"] == "certainty")
    assert certainty["alpha"] is None and certainty["ci"] is None
    assert "every value is the same (confirmed)" in certainty["undefined"]
    assert report["bootstrap"] == {"seed": 17, "resamples": 1000, "confidence": 0.95}
    text = run("agree", dataset, dataset / "codings" / "bob").stdout
    assert "certainty       nominal  undefined: every value is the same" in text
    assert "1000 bootstrap resamples of matched events, seed 17" in text


def test_text_output_lists_disagreements_and_unmatched_events(dataset: Path) -> None:
    document = original()
    document["events"] = [e for e in document["events"] if e["event_id"] != REMOVED]
    for event in document["events"]:
        if event["event_id"] in ("sc-0003", "sc-0004"):
            event["action"] = {"code": "0874"}
    second_coding(dataset, document)
    result = run("agree", "--seed", "3", "--resamples", "50", dataset / "records" / RECORD,
                 dataset / "codings" / "bob" / "records" / RECORD)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "only in A: sc-0022 111 ARMGOV -> RUSMIL" in result.stdout
    assert "50 bootstrap resamples of matched events, seed 3" in result.stdout
    assert "most frequent disagreements, event_code (A vs B):" in result.stdout
    assert "074 vs 0874: 1 event" in result.stdout and "141 vs 0874: 1 event" in result.stdout


def test_codings_of_different_sources_say_there_is_nothing_to_compare(
    dataset: Path, tmp_path: Path
) -> None:
    """Event counts cover the sources both coded; with none shared the report says so
    (it read "events: A 0, B 0" beside a coding of 24 events)."""
    document = original()
    document["source"]["source_id"] = "other-2024-01-01-a"
    other = tmp_path / "other"
    other.mkdir()
    (other / "other-2024-01-01-a.json").write_text(json.dumps(document), encoding="utf-8")
    result = run("agree", "--resamples", "10", dataset / "records", other)
    assert result.exit_code == 0, result.output
    assert "sources: 0 coded by both" in result.stdout
    assert "events in the sources coded by both: A 0, B 0" in result.stdout
    assert "no source is coded by both: nothing to compare" in result.stdout


def test_the_bootstrap_is_reproducible(dataset: Path) -> None:
    document = original()
    document["events"][0]["action"] = {"code": "0874"}
    second_coding(dataset, document)
    runs = [agreement(dataset, dataset / "codings" / "bob", resamples=200) for _ in range(2)]
    assert runs[0] == runs[1]
    other = agreement(dataset, dataset / "codings" / "bob", resamples=200, seed=99)
    assert [f["alpha"] for f in other["fields"]] == [f["alpha"] for f in runs[0]["fields"]]


def test_an_invalid_coding_is_refused_with_the_file_and_reason(dataset: Path) -> None:
    document = original()
    document["events"][0]["action"]["code"] = "9999"
    second_coding(dataset, document)
    result = run("agree", dataset, dataset / "codings" / "bob")
    assert result.exit_code == 1
    assert "codings/bob/records" in result.output and "validate" in result.output


def test_info_shows_agreement_only_with_a_second_coding(dataset: Path) -> None:
    assert _agreement_lines(dataset) == []
    document = original()
    document["events"][0]["action"] = {"code": "0874"}
    second_coding(dataset, document)
    lines = _agreement_lines(dataset)
    assert lines[0].startswith("agreement") and lines[1].startswith("  bob: 24 matched, 0/0")
    assert "root_code 0.9" in lines[1]


def test_the_build_reads_only_records(dataset: Path) -> None:
    from coded_events.release.build import load_documents

    second_coding(dataset, original())
    assert [len(d.events) for d in load_documents(dataset)] == [24]


# --- the matcher --------------------------------------------------------------------


def test_best_first_with_a_content_tie_break_is_shuffle_proof() -> None:
    left = ["apple", "apricot", "banana", "cherry"]
    right = ["apples", "banana", "apricots", "date"]

    def fit(a: str, b: str) -> tuple[int, int] | None:
        shared = len(set(a) & set(b))
        return (int(a[0] == b[0]), shared) if shared >= 3 else None

    found = matching.match(left, right, fit, left_key=str, right_key=str)
    pairs = {(left[p.left], right[p.right]) for p in found.pairs}
    assert pairs == {("apple", "apples"), ("apricot", "apricots"), ("banana", "banana")}
    assert [left[i] for i in found.left_only] == ["cherry"]
    assert [right[j] for j in found.right_only] == ["date"]
    for seed in range(5):
        l2, r2 = left[:], right[:]
        random.Random(seed).shuffle(l2)
        random.Random(seed + 1).shuffle(r2)
        again = matching.match(l2, r2, fit, left_key=str, right_key=str)
        assert {(l2[p.left], r2[p.right]) for p in again.pairs} == pairs


def test_ties_go_to_the_smaller_keys_and_blocks_separate() -> None:
    candidates = [matching.Candidate(i, j, (1.0,)) for i in range(2) for j in range(2)]
    found = matching.assign(candidates, 2, 2, left_keys=["b", "a"], right_keys=["y", "x"])
    assert [(p.left, p.right) for p in found.pairs] == [(0, 0), (1, 1)]  # a-x, then b-y
    blocked = matching.match([1, 2], [1, 2], lambda a, b: (1.0,), block=lambda x: x % 2)
    assert [(p.left, p.right) for p in blocked.pairs] == [(0, 0), (1, 1)]


def test_every_field_of_the_issue_is_measured() -> None:
    assert [(f.name, f.level) for f in FIELDS] == [
        ("root_code", "nominal"),
        ("event_code", "nominal"),
        ("quad_class", "nominal"),
        ("source_actor", "nominal"),
        ("target_actor", "nominal"),
        ("date_precision", "ordinal"),
        ("certainty", "nominal"),
        ("status", "nominal"),
        ("goldstein", "interval"),
    ]


# --- what a coding may read ---------------------------------------------------------


def test_a_linked_records_folder_in_a_coding_is_refused(dataset: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / RECORD).write_text(json.dumps(original()), encoding="utf-8")
    (dataset / "codings" / "bob").mkdir(parents=True)
    (dataset / "codings" / "bob" / "records").symlink_to(outside)
    result = run("agree", dataset, dataset / "codings" / "bob")
    assert result.exit_code == 1, result.output
    assert "codings/bob/records: is a symbolic link" in result.output


def test_a_linked_record_file_in_a_coding_is_refused(dataset: Path, tmp_path: Path) -> None:
    outside = tmp_path / RECORD
    outside.write_text(json.dumps(original()), encoding="utf-8")
    folder = dataset / "codings" / "bob" / "records"
    folder.mkdir(parents=True)
    (folder / RECORD).symlink_to(outside)
    result = run("agree", dataset, dataset / "codings" / "bob")
    assert result.exit_code == 1 and "is a symbolic link" in result.output, result.output


def test_a_coding_against_itself_is_said_to_be_one(dataset: Path) -> None:
    result = run("agree", dataset, dataset / "records")
    assert result.exit_code == 0, result.output
    assert "warning: A and B are the same files" in result.output
    second_coding(dataset, original())
    assert agreement(dataset, dataset / "codings" / "bob")["warnings"] == []
