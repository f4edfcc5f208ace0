"""PLOVER records, each accounted for (attacker review): a record is a row even when
several share a line (minified JSON), every top-level value of the file is read, and
what is not JSON records (too deep, a lone surrogate, text after the records, an array
not closed, a byte that is not UTF-8) is a finding at its line, never a traceback."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from coded_events.cli import app
from coded_events.importers import plover
from coded_events.importers.distributed import import_files_dask
from coded_events.importers.plover_reader import BrokenRecord
from coded_events.importers.run import ImportResult, import_files
from tests.conftest import SAMPLES

SAMPLE = SAMPLES / "plover" / "PLOVER_GSR_CAMEO.first101.json"


def _record(ident: str, date: str = "2016-03-01", sources: int = 1) -> dict[str, Any]:
    actors = [{"actorText": "Syrian army", "code": "SYR", "sector": "MIL"},
              {"actorText": "Russian forces", "code": "RUS", "sector": "MIL"}]  # fmt: skip
    return {
        "id": ident,
        "date": date,
        "event": "ASSAULT",
        "mode": "beat",
        "source": actors[:sources],
        "target": [{"actorText": "rebels", "code": "SYR", "sector": "REB"}],
    }


def _write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        text = text.encode("utf-8", "surrogatepass")
    path.write_bytes(text)
    return path


def _import(path: Path, out: Path) -> ImportResult:
    result = import_files("plover", [path], out)
    assert result.rows_read == result.rows_written + result.rows_rejected
    return result


def _codes(result: ImportResult) -> list[tuple[str, int | None]]:
    return [(f.code, f.line) for f in result.findings if f.severity == "error"]


def _exit(path: Path, out: Path, *engine: str) -> int:
    done = CliRunner().invoke(app, ["import", "plover", str(path), "--out", str(out), *engine])
    assert done.exception is None or isinstance(done.exception, SystemExit), done.output
    return done.exit_code


# --- 2. records that share a line are rows each ---------------------------------------------


def test_records_on_one_line_are_counted_and_rejected_each(tmp_path: Path) -> None:
    records = [
        _record("PLOVER-GSR01-ASSAULT-0001", sources=2),
        _record("PLOVER-GSR01-ASSAULT-0002", date="2000-01-01", sources=2),  # placeholder
        _record("PLOVER-GSR01-ASSAULT-0003", sources=2),
    ]
    path = _write(tmp_path, "minified.json", json.dumps(records))  # one line
    result = _import(path, tmp_path / "out")
    assert (result.rows_read, result.rows_written, result.rows_rejected) == (3, 2, 1)
    assert result.events_written == 4  # two records written, two pairs each
    assert _codes(result) == [("import-placeholder-date", 1)]
    events = pq.read_table(tmp_path / "out" / "data" / "events.parquet")
    assert sorted(events.column("event_id").to_pylist()) == [
        "plover-gsr01-assault-0001-1", "plover-gsr01-assault-0001-2",
        "plover-gsr01-assault-0003-1", "plover-gsr01-assault-0003-2",
    ]  # fmt: skip
    links = pq.read_table(tmp_path / "out" / "data" / "links.parquet").to_pylist()
    assert sorted((r["event_id"], r["target_event_id"]) for r in links) == [
        ("plover-gsr01-assault-0001-2", "plover-gsr01-assault-0001-1"),
        ("plover-gsr01-assault-0003-2", "plover-gsr01-assault-0003-1"),
    ]
    assert _exit(path, tmp_path / "cli") == 1  # a record rejected
    dask = import_files_dask("plover", [path], tmp_path / "dask")
    assert (dask.rows_read, dask.rows_rejected, dask.events_written) == (3, 1, 4)


def test_values_that_are_not_records_on_one_line_are_rejected_each(tmp_path: Path) -> None:
    path = _write(tmp_path, "nulls.json", "[null,1,[],{}]")
    result = _import(path, tmp_path / "out")
    assert (result.rows_read, result.rows_rejected) == (4, 4)
    assert _codes(result) == [("import-bad-id", 1)] * 4


def test_a_repeated_record_on_the_line_of_another_rejects_only_itself(tmp_path: Path) -> None:
    first, again = _record("POLECAT-1", sources=2), _record("POLECAT-1", sources=2)
    other = _record("POLECAT-2", sources=2)
    path = _write(tmp_path, "repeat.json", json.dumps([first, other, again]))
    result = _import(path, tmp_path / "out")
    assert (result.rows_read, result.rows_written, result.rows_rejected) == (3, 2, 1)
    assert result.events_written == 4
    assert _codes(result) == [("import-duplicate-id", 1)]


# --- 3. every top-level value is read; what is not records is a finding at its line -------


def test_every_top_level_array_and_value_is_read(tmp_path: Path) -> None:
    text = (
        json.dumps([_record("POLECAT-1")]) + "\n"
        + json.dumps([_record("POLECAT-2"), _record("POLECAT-3")]) + "\n"
        + json.dumps(_record("POLECAT-4")) + "\n"
    )  # fmt: skip
    result = _import(_write(tmp_path, "arrays.json", text), tmp_path / "out")
    assert (result.rows_read, result.rows_written, result.complete) == (4, 4, True)


def test_text_after_the_records_is_a_finding_at_its_line(tmp_path: Path) -> None:
    text = json.dumps([_record("POLECAT-1"), _record("POLECAT-2")], indent=1) + "\ngarbage\n"
    lines = text.count("\n")
    path = _write(tmp_path, "trailing.json", text)
    result = _import(path, tmp_path / "out")
    assert (result.rows_read, result.rows_written, result.files_partial) == (2, 2, 1)
    assert _codes(result) == [("import-unreadable", lines)]
    assert _exit(path, tmp_path / "cli") == 1
    dask = import_files_dask("plover", [path], tmp_path / "dask")
    assert (dask.rows_read, dask.files_partial) == (2, 1)


def test_an_unclosed_array_keeps_the_records_before_the_break(tmp_path: Path) -> None:
    records = [_record(f"POLECAT-{n}") for n in range(51)]
    whole = json.dumps(records)
    cut = _write(tmp_path, "cut.json", whole[: whole.rindex("{") + 20])  # in record 51
    result = _import(cut, tmp_path / "cut")
    assert (result.rows_read, result.rows_written, result.files_partial) == (50, 50, 1)
    (finding,) = [f for f in result.findings if f.code == "import-unreadable"]
    assert "after 50 record(s)" in finding.message and finding.line == 1
    open_array = _write(tmp_path, "open.json", whole[:-1])  # every record, no "]"
    result = _import(open_array, tmp_path / "open")
    assert (result.rows_read, result.rows_written, result.files_partial) == (51, 51, 1)
    assert any("not closed" in f.message for f in result.findings)


def test_a_byte_that_is_not_utf8_stops_reading_at_its_line(tmp_path: Path) -> None:
    good = [json.dumps(_record(f"POLECAT-{n}")).encode() for n in range(3)]
    data = b"[" + b",\n".join(good) + b",\n" + b'{"id": "POLECAT-\xff"}]'
    result = _import(_write(tmp_path, "latin.json", data), tmp_path / "out")
    assert (result.rows_read, result.rows_written, result.files_partial) == (3, 3, 1)
    assert _codes(result) == [("import-unreadable", 4)]


# --- 1. too deep, lone surrogates: findings, never a traceback ----------------------------


def test_deep_nesting_is_a_finding(tmp_path: Path) -> None:
    deep = _write(tmp_path, "deep.json", "[" * 100000 + "]" * 100000)
    result = _import(deep, tmp_path / "deep")
    assert result.files_refused == 1
    assert "nested too deeply" in result.findings[0].message
    assert _exit(deep, tmp_path / "cli") == 1
    assert _exit(deep, tmp_path / "cli-dask", "--engine", "dask") == 1
    later = "[" + json.dumps(_record("POLECAT-1")) + ",\n" + "[" * 5000 + "]" * 5000 + "]"
    result = _import(_write(tmp_path, "later.json", later), tmp_path / "later")
    assert (result.rows_read, result.rows_written, result.files_partial) == (1, 1, 1)
    assert _codes(result) == [("import-unreadable", 2)]


def test_a_lone_surrogate_rejects_its_record(tmp_path: Path) -> None:
    lone = '{"id":"\\ud800x","date":"2016-03-01","event":"AGREE"}'
    good = json.dumps(_record("POLECAT-1", sources=2))
    late = json.dumps(_record("POLECAT-2", sources=2)).replace("Russian", "Rus\\udfffsian")
    text = f"[{lone},\n{good},\n{late}]"  # only the second pair of the last record holds one
    path = _write(tmp_path, "surrogate.json", text)
    result = _import(path, tmp_path / "out")
    assert (result.rows_read, result.rows_written, result.rows_rejected) == (3, 1, 2)
    assert _codes(result) == [("import-not-utf8", 1), ("import-not-utf8", 3)]
    assert _exit(path, tmp_path / "cli") == 1
    assert _exit(path, tmp_path / "cli-dask", "--engine", "dask") == 1


# --- the reader itself -------------------------------------------------------------------


def test_a_number_cut_by_a_chunk_is_read_whole() -> None:
    got = list(plover.read_records(io.StringIO("[123456, 7]\n89"), chunk=3))
    assert got == [(1, 123456), (1, 7), (2, 89)]


def test_json_errors_name_the_line_where_reading_stopped() -> None:
    with pytest.raises(plover.JsonError) as caught:
        list(plover.read_records(io.StringIO('[{"id": 1},\n {"id": 2}]\n\n]'), chunk=4))
    assert caught.value.line == 4


@pytest.mark.skipif(not SAMPLE.is_file(), reason=f"{SAMPLE} is absent (the shared real "
                    "samples are not part of the repository)")  # fmt: skip
def test_the_real_sample_twice_or_with_trailing_text(tmp_path: Path) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    twice = _import(_write(tmp_path, "twice.json", text + text), tmp_path / "twice")
    assert twice.rows_read == 202 and twice.counts["import-duplicate-id"] == 101
    trailing = _import(_write(tmp_path, "tail.json", text + "\ngarbage\n"), tmp_path / "tail")
    assert (trailing.rows_read, trailing.files_partial) == (101, 1)
    assert ("import-unreadable", text.count("\n") + 2) in _codes(trailing)
    one_line = json.dumps(json.loads(text))
    minified = _import(_write(tmp_path, "min.json", one_line), tmp_path / "min")
    assert (minified.rows_read, minified.rows_rejected) == (101, 101)  # placeholder dates


# --- 4. JSON lines: a broken line is one rejected row, the lines after it are read ------------


def test_a_broken_json_line_rejects_its_row_and_reading_goes_on(tmp_path: Path) -> None:
    good = [json.dumps(_record(f"POLECAT-{n}")) for n in range(4)]
    text = "\n".join([good[0], good[1][:40], "", good[2] + " x", "{nan}", good[3]]) + "\n"
    path = _write(tmp_path, "lines.jsonl", text)
    result = _import(path, tmp_path / "out")
    assert (result.rows_read, result.rows_written, result.rows_rejected) == (5, 2, 3)
    assert _codes(result) == [("import-bad-record", 2), ("import-bad-record", 4),
                              ("import-bad-record", 5)]  # fmt: skip
    assert result.files_partial == 0 and _exit(path, tmp_path / "cli") == 1
    dask = import_files_dask("plover", [path], tmp_path / "dask")
    assert (dask.rows_read, dask.rows_written, dask.counts) == (5, 2, result.counts)


def test_json_lines_are_read_line_by_line_across_chunks() -> None:
    text = '{"id": 1}\n{"id": \n\n{"id": 3} \n[1]\n'
    got = list(plover.read_records(io.StringIO(text), chunk=5))
    assert [line for line, _ in got] == [1, 2, 4, 5]
    assert got[0][1] == {"id": 1} and got[2][1] == {"id": 3} and got[3][1] == [1]
    assert isinstance(got[1][1], BrokenRecord)
