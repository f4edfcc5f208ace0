"""Inputs that used to end an import with a traceback or lose rows: bytes that are no CSV,
a line or a quoted cell beyond the ``csv`` module's default field limit, quoted line
breaks in a spreadsheet round trip of a tab-separated format, and a truncated ``.gz``.
Every input is generated here (synthetic rows from the trap fixtures)."""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
import zlib
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from coded_events.cli import app
from coded_events.importers import quoted
from coded_events.importers.gdelt import GDELT2_COLUMNS
from coded_events.importers.registry import FORMATS
from coded_events.importers.run import ImportResult, UsageError, _metadata, import_files
from coded_events.importers.writer import DatasetWriter

ROOT = Path(__file__).resolve().parents[1]
GDELT_ROW = (ROOT / "tests/fixtures/importers/gdelt2__ids.tsv").read_text("utf-8").split("\n")[0]
UCDP = (ROOT / "tests/fixtures/importers_part2/ucdp_traps.csv").read_text("utf-8")


def _gdelt_rows(count: int, start: int = 900_000_001) -> list[list[str]]:
    """``count`` GDELT 2.0 rows with unique ids (and URLs) from a trap fixture's row."""
    template = GDELT_ROW.split("\t")
    rows = []
    for n in range(count):
        row = list(template)
        row[0] = str(start + n)
        row[-1] = f"https://example.org/news/{start + n}"
        rows.append(row)
    return rows


def _accounted(result: ImportResult) -> None:
    assert result.rows_read == result.rows_written + result.rows_rejected


def _findings(result: ImportResult) -> dict[str, list[int | None]]:
    out: dict[str, list[int | None]] = {}
    for finding in result.findings:
        out.setdefault(finding.code, []).append(finding.line)
    return out


# --- 1. csv errors are findings, never tracebacks -------------------------------------------


@pytest.fixture
def noise(tmp_path: Path) -> Path:
    path = tmp_path / "bin.dat"
    data = random.Random(5).randbytes(5000)
    assert b"\r" in data  # a carriage return in an unquoted field: csv.Error before
    path.write_bytes(data)
    return path


def test_random_bytes_are_refused_not_a_traceback(noise: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot tell the format"):
        import_files("auto", [noise], tmp_path / "auto")
    done = CliRunner().invoke(app, ["import", "auto", str(noise), "--out", str(tmp_path / "o")])
    assert done.exit_code == 2, done.output  # a usage error, not a traceback (exit 1)
    assert not (tmp_path / "o").exists()
    for name in FORMATS:
        result = import_files(name, [noise], tmp_path / name)
        _accounted(result)
        assert result.rows_written == 0 and not result.complete, name


def test_a_line_beyond_the_default_field_limit_is_refused_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_bytes(b"a" * (10 << 20))  # one 10 MB line, no line break
    result = import_files("gdelt2", [path], tmp_path / "named")
    assert _findings(result) == {"import-not-event-file": [None]}
    assert result.files_refused == 1
    with pytest.raises(UsageError):
        import_files("auto", [path], tmp_path / "auto")


def _ucdp_with(cell: str, rows: int = 4) -> str:
    """The UCDP trap fixture with ``cell`` as the source_article of its third row (and
    ``rows`` rows in all)."""
    lines = list(csv.reader(io.StringIO(UCDP)))
    header, body = lines[0], [r for r in lines[1:] if r]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for n in range(rows):
        row = list(body[n % len(body)])
        row[0] = str(n + 1)
        if n == 2:
            row[header.index("source_article")] = cell
        writer.writerow(row)
    return out.getvalue()


def test_a_large_quoted_cell_is_read_whole(tmp_path: Path) -> None:
    cell = "Reuters, " + "long text; " * 20_000 + '"quoted"\nend'  # 220,000 characters
    path = tmp_path / "ged.csv"
    path.write_text(_ucdp_with(cell), encoding="utf-8")
    result = import_files("ucdp-ged", [path], tmp_path / "out")
    _accounted(result)
    assert result.rows_read == 4 and result.rows_rejected == 0
    provenance = pq.read_table(tmp_path / "out/data/provenance.parquet").to_pylist()
    third = next(p for p in provenance if p["producer_event_id"] == "3")
    assert json.loads(third["producer_fields"])["source_article"] == cell
    assert [p["input_line"] for p in provenance] == [2, 4, 5, 7]  # rows 1 and 3 hold breaks


def test_a_cell_beyond_the_limit_stops_reading_at_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ged.csv"
    path.write_text(_ucdp_with("x" * 5000, rows=6), encoding="utf-8")
    monkeypatch.setattr(quoted, "FIELD_LIMIT", 1000)
    before = csv.field_size_limit(1000)
    try:
        result = import_files("ucdp-ged", [path], tmp_path / "out", batch_bytes=1000)
    finally:
        csv.field_size_limit(before)
    _accounted(result)
    assert result.rows_read == 2  # rows 1 and 2, before the third (line 5)
    assert _findings(result)["import-unreadable"] == [5]
    assert result.files_partial == 1 and result.files_refused == 0 and not result.complete


def test_a_failed_import_leaves_no_folder_behind(tmp_path: Path) -> None:
    meta = _metadata(FORMATS["gdelt2"], ImportResult("gdelt2"))
    out, empty, nested = tmp_path / "new", tmp_path / "empty", tmp_path / "a" / "b" / "c"
    empty.mkdir()
    for folder in (out, empty, nested):
        with pytest.raises(RuntimeError), DatasetWriter(folder, meta):
            raise RuntimeError("the import failed")
    assert not out.exists() and list(empty.iterdir()) == []
    assert not (tmp_path / "a").exists()  # the parents it made too
    path = tmp_path / "rows.tsv"
    path.write_text("\n".join("\t".join(r) for r in _gdelt_rows(2)) + "\n", encoding="utf-8")
    for folder in (out, empty):  # the next import into them is not refused
        assert import_files("gdelt2", [path], folder).rows_written == 2


# --- 2. quoted line breaks in a spreadsheet round trip --------------------------------------


def _spreadsheet(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(GDELT2_COLUMNS)
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


@pytest.mark.parametrize("batch_bytes", [16 << 20, 300])
def test_quoted_line_breaks_stay_in_their_cell(tmp_path: Path, batch_bytes: int) -> None:
    rows = _gdelt_rows(5)
    place = GDELT2_COLUMNS.index("Actor1Geo_FullName")
    rows[2][place] = "Line\nbreak; place"
    rows[3][place] = 'a "quoted" name'
    path = tmp_path / "saved.csv"
    path.write_bytes(_spreadsheet(rows))
    result = import_files("auto", [path], tmp_path / "out", batch_bytes=batch_bytes)
    _accounted(result)
    assert (result.rows_read, result.rows_written, result.rows_rejected) == (5, 5, 0)
    assert _findings(result) == {"import-delimiter": [1], "import-header-added": [1]}
    provenance = pq.read_table(tmp_path / "out/data/provenance.parquet").to_pylist()
    assert [p["input_line"] for p in provenance] == [2, 3, 4, 6, 7]
    cells = [json.loads(p["producer_fields"]).get("Actor1Geo_FullName") for p in provenance]
    assert cells == [None, None, "Line\nbreak; place", 'a "quoted" name', None]


# --- 3. a truncated .gz: the rows before the break are imported -----------------------------


def _cut_gzip(raw: bytes, path: Path, share: float) -> int:
    """``raw`` gzipped to ``path``, cut at ``share`` of its bytes; the whole lines a
    decompressor recovers from what is left."""
    packed = gzip.compress(raw, compresslevel=1)
    cut = packed[: int(len(packed) * share)]
    path.write_bytes(cut)
    return zlib.decompressobj(31).decompress(cut).count(b"\n")


def test_a_truncated_gzip_keeps_every_row_before_the_break(tmp_path: Path) -> None:
    rng = random.Random(3)
    rows = _gdelt_rows(20_000)
    for row in rows:  # numbers that compress less than the template's repeats
        row[34] = f"{rng.uniform(-10, 10):.6f}"
    raw = "".join("\t".join(r) + "\n" for r in rows).encode("utf-8")
    path = tmp_path / "export.CSV.gz"
    whole_lines = _cut_gzip(raw, path, 0.6)
    result = import_files("gdelt2", [path], tmp_path / "out", batch_bytes=256 << 10)
    _accounted(result)
    assert result.rows_read == result.rows_written == whole_lines
    assert _findings(result) == {"import-unreadable": [whole_lines + 1]}
    assert result.files_partial == 1 and result.files_refused == 0 and not result.complete
    events = pq.read_table(tmp_path / "out/data/events.parquet")
    assert events.num_rows == whole_lines
    done = CliRunner().invoke(app, ["import", "gdelt2", str(path), "--out", str(tmp_path / "cli")])
    assert done.exit_code == 1
    assert "1 file(s) read partially" in done.output and "refused" not in done.output


def test_a_truncated_gzip_of_quoted_csv_keeps_the_rows_before(tmp_path: Path) -> None:
    raw = _ucdp_with("x", rows=3000).encode("utf-8")
    path = tmp_path / "ged.csv.gz"
    _cut_gzip(raw, path, 0.5)
    result = import_files("ucdp-ged", [path], tmp_path / "out", batch_bytes=16 << 10)
    _accounted(result)
    assert result.rows_read > 0 and result.files_partial == 1
    [line] = _findings(result)["import-unreadable"]
    provenance = pq.read_table(tmp_path / "out/data/provenance.parquet")
    assert line is not None and max(provenance.column("input_line").to_pylist()) < line


def _one_gdelt_row_imports(folder: Path, column: str, cell: str) -> None:
    """A GDELT 2.0 row with ``cell`` in ``column`` is imported or rejected, never a crash."""
    from coded_events.importers.gdelt import GDELT2_COLUMNS

    row = _gdelt_rows(1)[0]
    row[GDELT2_COLUMNS.index(column)] = cell
    path = folder / "export.CSV"
    path.write_text("\t".join(row) + "\n", encoding="utf-8")
    result = import_files("gdelt2", [path], folder / "out")
    assert result.rows_read == result.rows_written + result.rows_rejected == 1


def test_a_number_beyond_int64_in_a_compared_column_is_no_traceback(tmp_path: Path) -> None:
    """EventBaseCode ``99999999999999999999`` failed Arrow's int64 cast (found by
    tests/test_import_fuzz.py): such a cell is not a number, as any non-integer text."""
    _one_gdelt_row_imports(tmp_path, "EventBaseCode", "99999999999999999999")


def test_a_cell_holding_the_old_key_separator_is_no_traceback(tmp_path: Path) -> None:
    """Rules joined a row's cells with U+001F to find distinct combinations; a cell holding
    one split into too many parts (a UCDP type_of_violence ``\\x1f1``, found by
    tests/test_import_fuzz.py). Cells are no longer joined (``columns.map_rows``)."""
    _one_gdelt_row_imports(tmp_path, "Actor1Type1Code", "GOV\x1fMIL")
    ucdp = (ROOT / "tests/fixtures/importers_part2/ucdp_traps.csv").read_text(encoding="utf-8")
    header, first, *_ = ucdp.split("\n")
    cells = first.split(",")
    cells[header.split(",").index("type_of_violence")] = "\x1f1"
    path = tmp_path / "ged.csv"
    path.write_text(header + "\n" + ",".join(cells) + "\n", encoding="utf-8")
    result = import_files("ucdp-ged", [path], tmp_path / "ged")
    assert result.rows_read == result.rows_written + result.rows_rejected == 1
