"""The import's speed paths change nothing: Arrow's CSV reader for blocks without traps
(``reading._fast_batch``) and row-wise rules run once per distinct combination of their
cells (``convert.DISTINCT_SHARE``) give the same tables, counts and findings as the
column-wise splitter and the rules run on every row, on every trap fixture and on a file
whose later blocks hold traps (blank, CRLF, wrong-width and header lines, bad UTF-8)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from coded_events.importers import convert, reading
from coded_events.importers.columns import empty_as_null, json_objects
from coded_events.importers.run import import_files

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "importers"
TABLES = ("events", "sources", "provenance")


def _imported(fmt: str, paths: list[Path], out: Path, batch_bytes: int) -> tuple:
    result = import_files(fmt, paths, out, batch_bytes=batch_bytes, max_samples=1000)
    tables = {t: pq.read_table(out / "data" / f"{t}.parquet") for t in TABLES}
    summary = result.summary()
    summary.pop("written")
    return summary, tables


def _both(
    fmt: str, paths: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch_bytes: int
) -> tuple[tuple, tuple]:
    with monkeypatch.context() as forced:  # every speed path taken wherever it can be
        forced.setattr(convert, "DISTINCT_SHARE", 1.0)
        forced.setattr(convert, "DISTINCT_MIN_ROWS", 0)
        fast = _imported(fmt, paths, tmp_path / "fast", batch_bytes)
    with monkeypatch.context() as plain:  # none taken
        plain.setattr(reading, "_fast_batch", lambda *args: None)
        plain.setattr(convert, "DISTINCT_SHARE", -1.0)
        slow = _imported(fmt, paths, tmp_path / "slow", batch_bytes)
    return fast, slow


def _same(fast: tuple, slow: tuple) -> None:
    assert fast[0] == slow[0]
    for table in TABLES:
        assert fast[1][table].equals(slow[1][table]), table


@pytest.mark.parametrize(
    "fixture",
    [
        p
        for p in sorted(FIXTURES.iterdir())
        if p.name.split("__")[0] in ("gdelt1", "gdelt2", "icews")
    ],
    ids=lambda p: p.name,
)
def test_speed_paths_give_the_same_import(
    fixture: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fmt = fixture.name.split("__")[0]
    _same(*_both(fmt, [fixture], tmp_path, monkeypatch, reading.DEFAULT_BATCH_BYTES))


def test_later_blocks_with_traps_fall_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Many small blocks: clean ones take Arrow's reader, those with a trap the splitter;
    line numbers and findings stay exact."""
    rows = (FIXTURES / "gdelt2__fips-countries.tsv").read_bytes().splitlines()
    clean = [r for r in rows if r.strip()]
    header = b"\t".join([b"GLOBALEVENTID", *[b"x"] * 60])
    wrong = b"\t".join(clean[0].split(b"\t")[:40])
    traps = [b"", clean[1] + b"\r", wrong, header, b"\xff\xfe" + clean[2][2:]]
    body: list[bytes] = []
    number = 0
    for block in range(40):
        for row in clean:
            number += 1
            fields = row.split(b"\t")
            fields[0] = str(700_000_000 + number).encode()
            body.append(b"\t".join(fields))
        if block % 7 == 3:
            body.append(traps[(block // 7) % len(traps)])
    path = tmp_path / "many-blocks.export.CSV"
    path.write_bytes(b"\n".join(body) + b"\n")
    taken: list[bool] = []
    fast_batch = reading._fast_batch

    def counting(*args: object) -> object:
        batch = fast_batch(*args)  # type: ignore[arg-type]
        taken.append(batch is not None)
        return batch

    monkeypatch.setattr(reading, "_fast_batch", counting)
    fast, slow = _both("gdelt2", [path], tmp_path, monkeypatch, 2048)
    assert any(taken) and not all(taken)  # both paths ran
    _same(fast, slow)
    assert fast[0]["rows_read"] == fast[0]["rows_written"] + fast[0]["rows_rejected"]
    assert fast[0]["rows_rejected"] > 0


def test_empty_as_null_keeps_slices_and_nulls() -> None:
    values = pa.array(["x", "", None, "yy", "", "z"])
    for start, length in ((0, 6), (1, 5), (2, 3), (3, 3), (5, 1), (6, 0)):
        piece = values.slice(start, length)
        got = empty_as_null(piece)
        got.validate(full=True)
        assert got.to_pylist() == [v or None for v in piece.to_pylist()]


@pytest.mark.parametrize("plain", [False, True])
def test_json_objects_match_json_dumps(plain: bool) -> None:
    cells = ["a", "", None, "é", "b c", "9"]
    if not plain:
        cells += ['q"uote', "back\\slash", "line\nbreak", "\x01"]
    columns = [
        pa.array([cells[(row * 7 + col * 3) % len(cells)] for row in range(30)], pa.string())
        for col in range(4)
    ]
    columns.append(pa.array(["always"] * 30))  # a column with a value on every row
    names = ["K0", 'K"1', "K2", "Ké3", "K4"]
    got = json_objects(names, columns, 30, plain=plain).to_pylist()
    expected = [
        json.dumps(
            {n: c[row].as_py() for n, c in zip(names, columns, strict=True) if c[row].as_py()},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for row in range(30)
    ]
    assert got == expected
    empty = json_objects(names[:1], [pa.array([None, ""], pa.string())], 2)
    assert empty.to_pylist() == ["{}", "{}"]
