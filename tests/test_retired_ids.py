"""A dataset's retired_ids.txt that exists but cannot be read is an error, never an empty
list (a retired id reused would pass unnoticed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from coded_events import safe_files
from coded_events.records.checks.dataset import load_retired_ids, read_retired_ids
from coded_events.records.validate import validate_paths

RETIRED = "sc-0001"  # an event id of the south-caucasus records


def _codes(dataset: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for finding in validate_paths([dataset]):
        out.setdefault(finding.code, []).append(finding.message)
    return out


def _retire(dataset: Path, extra: bytes = b"") -> Path:
    ids = dataset / "retired_ids.txt"
    ids.write_bytes(ids.read_bytes() + f"{RETIRED}\n".encode() + extra)
    return ids


def test_a_readable_file_retires_the_id(hand_coded_copy: Path) -> None:
    _retire(hand_coded_copy)
    found = _codes(hand_coded_copy)
    assert "retired-event-id" in found
    assert "retired-ids-unreadable" not in found


def test_an_absent_file_retires_nothing(hand_coded_copy: Path) -> None:
    (hand_coded_copy / "retired_ids.txt").unlink()
    assert load_retired_ids(hand_coded_copy / "retired_ids.txt") == set()
    assert "retired-ids-unreadable" not in _codes(hand_coded_copy)


def test_a_file_that_is_not_utf8_is_an_error(hand_coded_copy: Path) -> None:
    ids = _retire(hand_coded_copy, "# café\n".encode("latin-1"))
    messages = _codes(hand_coded_copy)["retired-ids-unreadable"]
    assert len(messages) == 1
    assert str(ids) in messages[0] and "not UTF-8" in messages[0]


def test_a_link_is_an_error_and_not_read(hand_coded_copy: Path, tmp_path: Path) -> None:
    outside = tmp_path / "ids.txt"
    outside.write_text(f"{RETIRED}\n", encoding="utf-8")
    ids = hand_coded_copy / "retired_ids.txt"
    ids.unlink()
    ids.symlink_to(outside)
    found = _codes(hand_coded_copy)
    assert "symbolic link" in found["retired-ids-unreadable"][0]
    assert "retired-event-id" not in found  # the link was not followed


def test_a_dangling_link_is_an_error(hand_coded_copy: Path, tmp_path: Path) -> None:
    ids = hand_coded_copy / "retired_ids.txt"
    ids.unlink()
    ids.symlink_to(tmp_path / "gone.txt")
    assert "symbolic link" in _codes(hand_coded_copy)["retired-ids-unreadable"][0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_an_error_and_never_opened_for_long(hand_coded_copy: Path) -> None:
    ids = hand_coded_copy / "retired_ids.txt"
    ids.unlink()
    os.mkfifo(ids)
    assert "a FIFO" in _codes(hand_coded_copy)["retired-ids-unreadable"][0]


def test_a_directory_is_an_error(hand_coded_copy: Path) -> None:
    ids = hand_coded_copy / "retired_ids.txt"
    ids.unlink()
    ids.mkdir()
    assert "a directory" in _codes(hand_coded_copy)["retired-ids-unreadable"][0]


def test_the_readers_say_why(tmp_path: Path) -> None:
    ids = tmp_path / "retired_ids.txt"
    ids.write_bytes(b"a-1 # gone\n\xff\n")
    with pytest.raises(safe_files.UnsafePathError, match="not UTF-8"):
        load_retired_ids(ids)
    retired = read_retired_ids(ids)
    assert retired == set() and "not UTF-8" in (retired.problem or "")
    ids.write_text("a-1 # gone\n\n# comment\nb-2\n", encoding="utf-8")
    assert read_retired_ids(ids) == {"a-1", "b-2"}
    assert read_retired_ids(ids).problem is None
