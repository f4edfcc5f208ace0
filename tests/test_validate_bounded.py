"""Work bounded by the input's size, not by the number of findings (issue 13, items 4-5).

Findings are capped per code and file, with the exact count in a summary finding; what
can be computed once per run is; positions and the JSON Schema are computed only where
there are findings. Time and memory are measured in benchmarks/validate_records.py.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pytest

from coded_events.findings import SUMMARY_HINT, Finding
from coded_events.records.checks import structure, structure_fast, structure_mapping, syntax
from coded_events.records.validate import validate_document_bytes, validate_paths
from coded_events.spec import models, schema_files

ROOT = Path(__file__).resolve().parents[1]
RECORD = (
    ROOT / "datasets/south-caucasus/records/myind-2024-04-17-russia-peacekeepers-withdrawal.json"
)
SOURCE = json.loads(RECORD.read_text(encoding="utf-8"))["source"]
REQUIRED = [name for name, field in models.Event.model_fields.items() if field.is_required()]


def _document(events: str, extra: str = "") -> bytes:
    head = json.dumps({"schema_version": models.SCHEMA_VERSION, "source": SOURCE})[:-1]
    return f'{head}, "events": [{events}]{extra}}}'.encode()


def _summaries(findings: list[Finding]) -> dict[str, int]:
    return {f.code: f.value for f in findings if f.hint == SUMMARY_HINT}  # type: ignore[misc]


def _shown(findings: list[Finding]) -> Counter:
    return Counter(f.code for f in findings if f.hint != SUMMARY_HINT)


def _validate(data: bytes, **options: object) -> list[Finding]:
    sources = RECORD.parent.parent / "sources"
    return validate_document_bytes(data, "many.json", sources_dir=sources, **options)  # type: ignore[arg-type]


def test_a_million_empty_events_give_capped_findings_and_exact_counts() -> None:
    data = _document(",".join(["{}"] * 1_000_000))
    assert len(data) < 3_100_000
    findings = _validate(data)
    assert _summaries(findings) == {"missing-field": 1_000_000 * len(REQUIRED)}
    assert _shown(findings) == {"missing-field": 20}
    # the first findings in event order: events 0, 1 and the first of event 2
    shown = [f.pointer for f in findings if f.hint != SUMMARY_HINT]
    assert {p.split("/")[2] for p in shown} == {"0", "1", "2"}
    assert all(f.line == 1 for f in findings if f.hint != SUMMARY_HINT)


def test_half_a_million_unknown_keys_give_bounded_output() -> None:
    keys = "".join(f', "k{i}": 1' for i in range(500_000))
    findings = _validate(_document("", keys))
    assert _summaries(findings) == {"unknown-field": 500_000}
    assert _shown(findings) == {"unknown-field": 20}
    assert [f.pointer for f in findings if f.hint != SUMMARY_HINT] == [f"/k{i}" for i in range(20)]
    assert len(json.dumps([f.to_dict() for f in findings])) < 20_000


def test_caps_are_per_code_and_file_and_follow_max_samples(tmp_path: Path) -> None:
    records = tmp_path / "records"
    records.mkdir()
    event = json.loads(RECORD.read_text(encoding="utf-8"))["events"][0]
    for name in ("a", "b"):
        broken = [{**event, "event_id": f"{name}-{i}", "certainty": "sure"} for i in range(7)]
        data = _document(", ".join(["{}"] * 5 + [json.dumps(e) for e in broken]))
        (records / f"{name}.json").write_bytes(
            data.replace(b'"myind-', f'"{name}-myind-'.encode(), 1)
        )
    findings = validate_paths([records], max_samples=3)
    for name in ("a", "b"):
        mine = [f for f in findings if f.file == str(records / f"{name}.json")]
        assert _summaries(mine) == {"missing-field": 5 * len(REQUIRED), "invalid-enum": 7}
        shown = _shown(mine)
        assert shown["missing-field"] == shown["invalid-enum"] == 3
        # codes under the cap are shown in full, without a summary
        assert all(count <= 3 for count in shown.values())
    strict = validate_paths([records], max_samples=3, strict=True)
    assert {f.severity for f in strict if f.hint == SUMMARY_HINT} == {"error"}


def test_nothing_is_capped_below_the_cap() -> None:
    data = _document(", ".join(["{}"] * 2))
    findings = _validate(data, max_samples=2 * len(REQUIRED))
    assert _summaries(findings) == {}
    assert _shown(findings) == {"missing-field": 2 * len(REQUIRED)}


def test_schema_versions_are_listed_once_per_run(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    listed = schema_files.published_versions

    def counted() -> list[str]:
        calls.append(1)
        return listed()

    monkeypatch.setattr(schema_files, "published_versions", counted)
    structure_mapping._common_values.cache_clear()
    try:
        _validate(_document(", ".join(['{"event_id": 1}'] * 2000)))
    finally:
        structure_mapping._common_values.cache_clear()
    assert len(calls) == 1


def test_identical_rejected_events_are_mapped_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    mapped = structure_fast._event_pending
    monkeypatch.setattr(
        structure_fast, "_event_pending", lambda raw: calls.append(1) or mapped(raw)
    )
    structure_fast._cache.clear()
    findings = _validate(_document(", ".join(['{"certainty": "sure"}'] * 5000 + ["{}"] * 5000)))
    assert len(calls) == 2
    assert _summaries(findings)["missing-field"] == 10_000 * len(REQUIRED) - 5000


def test_valid_events_skip_the_json_schema_and_positions(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: Counter = Counter()
    for module, name in ((structure, "_whole"), (structure_fast, "_whole"),
                         (structure_fast, "_event_pending"), (syntax, "positions")):  # fmt: skip
        original = getattr(module, name)

        def spy(*args: object, _name: str = name, _original: object = original) -> object:
            calls[_name] += 1
            return _original(*args)  # type: ignore[operator]

        monkeypatch.setattr(module, name, spy)
    structure_fast._cache.clear()
    document = json.loads(RECORD.read_text(encoding="utf-8"))
    assert _validate(json.dumps(document).encode()) == []
    assert calls == Counter()
    document["events"][3]["certainty"] = "sure"
    findings = _validate(json.dumps(document).encode())
    assert [(f.code, f.pointer, f.line is not None) for f in findings] == [
        ("invalid-enum", "/events/3/certainty", True)
    ]
    assert calls == Counter({"_event_pending": 1, "positions": 1})


def test_positions_match_the_lines_of_an_indented_file() -> None:
    document = json.loads(RECORD.read_text(encoding="utf-8"))
    text = json.dumps(document, indent=2)
    lines = text.splitlines()
    places = syntax.positions(text, ["/events/2/certainty", "/events/2/nope", "", "/source"])
    line, column = places["/events/2/certainty"]
    assert lines[line - 1][column - 1 :].startswith('"certainty": ')
    assert places["/events/2/nope"] == syntax.positions(text, ["/events/2"])["/events/2"]
    assert places[""] == (1, 1)
    assert lines[places["/source"][0] - 1].strip().startswith('"source"')


def test_dataset_findings_have_positions_though_texts_are_not_kept(tmp_path: Path) -> None:
    records = tmp_path / "records"
    records.mkdir()
    document = json.loads(RECORD.read_text(encoding="utf-8"))
    for name in ("a", "b"):
        document["source"]["source_id"] = f"{name}-source"
        (records / f"{name}.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
    findings = validate_paths([records])
    duplicates = [f for f in findings if f.code == "duplicate-event-id"]
    assert _summaries(duplicates) == {"duplicate-event-id": len(document["events"])}
    duplicates = [f for f in duplicates if f.hint != SUMMARY_HINT]
    assert len(duplicates) == 20
    lines = (records / "b.json").read_text(encoding="utf-8").splitlines()
    for finding in duplicates:
        assert finding.file == str(records / "b.json")
        assert lines[finding.line - 1][finding.column - 1 :].startswith('"event_id"')


def test_cli_summary_counts_every_finding_not_just_those_shown(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from coded_events.cli import app

    record = tmp_path / "many.json"
    record.write_bytes(_document(",".join(["{}"] * 50)))
    result = CliRunner().invoke(app, ["validate", "--max-samples", "3", str(record)])
    total = 50 * len(REQUIRED)
    assert result.exit_code == 1
    # and the one source-text-missing (no sources/ beside the file)
    assert f"1 file(s) checked: {total + 1} error(s), 0 warning(s)" in result.stdout
    assert f"{total:>5}  error   missing-field" in result.stdout


def test_cli_summary_counts_every_flat_row_not_just_those_shown(tmp_path: Path) -> None:
    import pyarrow.parquet as pq
    from typer.testing import CliRunner

    from coded_events.cli import app

    events = pq.read_table(ROOT / "datasets/south-caucasus/data/events.parquet")
    latitude = events.schema.get_field_index("latitude")
    broken = events.set_column(
        latitude, "latitude", pa.array([95.0] * events.num_rows, events.schema.field(latitude).type)
    )
    pq.write_table(broken, tmp_path / "events.parquet")
    result = CliRunner().invoke(
        app, ["validate", "--max-samples", "2", str(tmp_path / "events.parquet")]
    )
    assert result.exit_code == 1
    assert f"{events.num_rows:>5}  error   out-of-range" in result.stdout


def test_unknown_keys_nested_in_the_source_are_counted_before_the_validators() -> None:
    """1.7 million unknown keys inside ``source`` (16.8 MiB, under the size limit): pydantic
    built an error for each (39 s, 3.2 GB); they are counted and left out first."""
    keys = "".join(f',"{i:x}":1' for i in range(1_700_000))
    source = json.dumps(SOURCE)[:-1] + keys + "}"
    head = json.dumps({"schema_version": models.SCHEMA_VERSION})[:-1]
    data = f'{head}, "source": {source}, "events": []}}'.encode()
    assert len(data) < 20 * 2**20
    started = time.monotonic()
    findings = _validate(data)
    assert time.monotonic() - started < 20
    assert _summaries(findings) == {"unknown-field": 1_700_000}
    assert [f.pointer for f in findings if f.hint != SUMMARY_HINT] == [
        f"/source/{i:x}" for i in range(20)
    ]


def test_unknown_keys_in_every_object_the_models_define_are_left_out() -> None:
    """Each object the models define, at any depth (lists of objects included): its unknown
    members are unknown-field, counted exactly, and the rest is validated without them."""
    event = json.loads(RECORD.read_text(encoding="utf-8"))["events"][0]
    event["location"].update({f"l{i}": 1 for i in range(30_000)})
    event["evidence"][1]["e"] = 1
    event["date"]["d"] = 1
    event["certainty"] = "sure"  # still reported: the event is validated without them
    source = {**SOURCE, "s": 1}
    data = json.dumps({"schema_version": models.SCHEMA_VERSION, "source": source,
                       "events": [event], "t": 1}).encode()  # fmt: skip
    findings = _validate(data, max_samples=3)
    assert _summaries(findings) == {"unknown-field": 30_004}
    shown = [f.pointer for f in findings if f.code == "unknown-field" and f.hint != SUMMARY_HINT]
    assert sorted(shown) == ["/events/0/date/d", "/source/s", "/t"]
    assert ("invalid-enum", "/events/0/certainty") in {(f.code, f.pointer) for f in findings}
    everything = _validate(data, max_samples=10**6)
    pointers = [f.pointer for f in everything if f.code == "unknown-field"]
    assert len(pointers) == len(set(pointers)) == 30_004
    assert "/events/0/evidence/1/e" in pointers and "/events/0/location/l29999" in pointers


def test_distinct_broken_events_are_counted_without_the_json_schema() -> None:
    """100,000 different events that lack the same members (1.8 MB) took 34 s: pydantic
    and the JSON Schema ran on each. Their findings depend on the missing places only."""
    data = _document(",".join(f'{{"coder": "c{i}"}}' for i in range(100_000)))
    structure_fast._cache.clear()
    started = time.monotonic()
    findings = _validate(data)
    assert time.monotonic() - started < 15
    assert _summaries(findings) == {"missing-field": 100_000 * (len(REQUIRED) - 1)}
    assert _shown(findings) == {"missing-field": 20}
