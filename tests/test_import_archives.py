"""Zip archives an attacker shapes: a member named with ``!``, members that cannot be read
(an unknown compression method, encrypted), two members of one name, and a broken or
empty archive on the Dask engine. Every zip is built here, from synthetic GDELT 2.0 rows;
each import runs on both engines (Dask's own threads: no cluster needed)."""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from coded_events.cli import app
from coded_events.importers.inputs import InputError
from coded_events.importers.run import ImportResult, import_files
from tests.test_import_robustness import _gdelt_rows

Importer = Callable[..., ImportResult]


def _dask(*args: object, **kwargs: object) -> ImportResult:
    pytest.importorskip("distributed")
    from coded_events.importers.distributed import import_files_dask

    return import_files_dask(*args, **kwargs)  # type: ignore[arg-type]


ENGINES = pytest.mark.parametrize("run", [import_files, _dask], ids=["single", "dask"])


def _rows(count: int, start: int) -> bytes:
    return "".join("\t".join(r) + "\n" for r in _gdelt_rows(count, start)).encode("utf-8")


def _zip(path: Path, members: list[tuple[str, bytes]]) -> Path:
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name": on purpose
        for name, data in members:
            z.writestr(name, data)
    return path


def _input_files(out: Path) -> list[str]:
    """provenance.input_file of every row written (either engine's layout)."""
    flat = out / "data" / "provenance.parquet"
    table = pq.read_table(
        flat if flat.exists() else out / "data" / "provenance", columns=["input_file"]
    )
    return table.column("input_file").to_pylist()


def _by_file(result: ImportResult, code: str) -> list[str]:
    return [f.file for f in result.findings if f.code == code]


# --- 1. a member named with "!" -------------------------------------------------------------


@ENGINES
def test_a_member_name_with_a_bang_is_read_and_named_whole(tmp_path: Path, run: Importer) -> None:
    archive = _zip(tmp_path / "bang.zip", [("a!b.CSV", _rows(5, 900_000_001))])
    result = run("gdelt2", [archive], tmp_path / "out")
    assert result.complete, result.findings
    assert (result.rows_read, result.rows_written) == (5, 5)
    assert _input_files(tmp_path / "out") == ["bang.zip!a!b.CSV"] * 5


def test_a_bang_member_on_the_command_line_is_no_traceback(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "bang.zip", [("x/a!b.CSV", _rows(3, 900_000_001))])
    out = str(tmp_path / "o")
    outcome = CliRunner().invoke(app, ["import", "gdelt2", str(archive), "--out", out])
    assert outcome.exception is None or isinstance(outcome.exception, SystemExit)
    assert outcome.exit_code == 0, outcome.output


@ENGINES
def test_a_plain_file_named_with_a_bang_is_named_whole(tmp_path: Path, run: Importer) -> None:
    path = tmp_path / "a!b.CSV"
    path.write_bytes(_rows(3, 900_000_001))
    run("gdelt2", [path], tmp_path / "out")
    assert _input_files(tmp_path / "out") == ["a!b.CSV"] * 3


# --- 2. members zipfile cannot read ---------------------------------------------------------


def _patch_first_member(path: Path, local: int, central: int, value: int, size: int) -> None:
    """Set a field of the first member, in its local header and its central directory
    entry (``local`` / ``central``: the field's offset from each header's signature)."""
    data = bytearray(path.read_bytes())
    start = data.index(b"PK\x01\x02")
    for at in (local, start + central):
        data[at : at + size] = value.to_bytes(size, "little")
    path.write_bytes(bytes(data))


UNREADABLE = {
    "method-99": (8, 10, 99, 2, "compression method 99 is not supported"),
    "encrypted": (6, 8, 0x1, 2, "encrypted"),
}


@ENGINES
@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_an_unreadable_member_is_refused_and_the_others_imported(
    tmp_path: Path, run: Importer, case: str
) -> None:
    archive = _zip(
        tmp_path / "mixed.zip",
        [("bad.CSV", _rows(3, 900_000_001)), ("good.CSV", _rows(4, 900_000_101))],
    )
    local, central, value, size, why = UNREADABLE[case]
    _patch_first_member(archive, local, central, value, size)
    result = run("gdelt2", [archive], tmp_path / "out")
    assert (result.rows_read, result.rows_written, result.files_refused) == (4, 4, 1)
    refused = [f for f in result.findings if f.code == "import-unreadable"]
    assert [f.file for f in refused] == [f"{archive}!bad.CSV"]
    assert why in refused[0].message
    assert _input_files(tmp_path / "out") == ["mixed.zip!good.CSV"] * 4


# --- 3. two members of one name -------------------------------------------------------------


@ENGINES
def test_two_members_of_one_name_are_both_read_and_told_apart(
    tmp_path: Path, run: Importer
) -> None:
    archive = _zip(
        tmp_path / "dup.zip",
        [("a.CSV", _rows(7, 900_000_001)), ("a.CSV", _rows(7, 900_000_101))],
    )
    result = run("gdelt2", [archive], tmp_path / "out")
    assert result.complete, result.findings
    assert (result.rows_read, result.rows_written) == (14, 14)
    assert not _by_file(result, "import-duplicate-id")
    assert _input_files(tmp_path / "out") == ["dup.zip!a.CSV"] * 7 + ["dup.zip!a.CSV#2"] * 7


@ENGINES
def test_a_repeated_name_is_reported_under_its_own_label(tmp_path: Path, run: Importer) -> None:
    """A row rejected in the second member of a name is named by that member, and a
    member already called ``a.CSV#2`` is not confused with it."""
    bad = _rows(1, 900_000_201) + _rows(1, 900_000_202).replace(b"\t", b"", 3)  # too few
    archive = _zip(
        tmp_path / "dup.zip",
        [("a.CSV", _rows(2, 900_000_001)), ("a.CSV#2", _rows(2, 900_000_101)), ("a.CSV", bad)],
    )
    result = run("gdelt2", [archive], tmp_path / "out")
    assert (result.rows_read, result.rows_written, result.rows_rejected) == (6, 5, 1)
    assert _by_file(result, "import-wrong-width") == [f"{archive}!a.CSV#3"]
    assert sorted(set(_input_files(tmp_path / "out"))) == [
        "dup.zip!a.CSV",
        "dup.zip!a.CSV#2",
        "dup.zip!a.CSV#3",
    ]


# --- 4. a failed import leaves --out as it was ----------------------------------------------


def _truncated(path: Path) -> Path:
    whole = _zip(path, [("x.CSV", _rows(20, 900_000_001))]).read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    return path


def _empty(path: Path) -> Path:
    return _zip(path, [])


@ENGINES
@pytest.mark.parametrize("broken", [_truncated, _empty], ids=["truncated", "empty"])
def test_a_failed_import_creates_no_folder(
    tmp_path: Path, run: Importer, broken: Callable[[Path], Path]
) -> None:
    archive = broken(tmp_path / "broken.zip")
    with pytest.raises(InputError):
        run("gdelt2", [archive], tmp_path / "out")
    assert not (tmp_path / "out").exists()
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError):
        run("gdelt2", [archive], tmp_path / "empty")
    assert (tmp_path / "empty").is_dir() and not any((tmp_path / "empty").iterdir())


def test_a_failed_dask_import_removes_the_parents_it_created(tmp_path: Path) -> None:
    archive = _truncated(tmp_path / "broken.zip")
    with pytest.raises(InputError):
        _dask("gdelt2", [archive], tmp_path / "new" / "deeper" / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.zip"]
