"""safe_files: atomic writes, links refused below the root, non-regular files named."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from coded_events import safe_files


def test_write_atomic_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_bytes(b"old")
    safe_files.write_atomic(target, b"new", root=tmp_path)
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), safe_files.atomic_writer(target) as out:
        out.write(b"half")
        raise RuntimeError("killed")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_link_as_target_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "links.csv").symlink_to(victim)
    with pytest.raises(safe_files.LinkRefused) as caught:
        safe_files.write_atomic(tmp_path / "data" / "links.csv", b"x", root=tmp_path)
    assert caught.value.path == tmp_path / "data" / "links.csv"
    assert victim.read_bytes() == b"precious"


def test_linked_folder_below_the_root_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    dataset = tmp_path / "dataset"
    dataset.mkdir()
    (dataset / "data").symlink_to(elsewhere)
    with pytest.raises(safe_files.LinkRefused) as caught:
        safe_files.write_atomic(dataset / "data" / "events.csv", b"x", root=dataset)
    assert caught.value.path == dataset / "data"
    assert list(elsewhere.iterdir()) == []


def test_link_above_the_root_is_the_users_choice(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    home = tmp_path / "home"
    home.symlink_to(real)
    safe_files.write_atomic(home / "out.txt", b"ok", root=home)
    assert (real / "out.txt").read_bytes() == b"ok"


def test_read_regular_refuses_links_fifos_and_folders(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"text")
    (tmp_path / "link").symlink_to(tmp_path / "file")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "dir.json").mkdir()
    assert safe_files.read_regular(tmp_path / "file") == b"text"
    with pytest.raises(safe_files.LinkRefused):
        safe_files.read_regular(tmp_path / "link")
    with pytest.raises(safe_files.NotRegularFile, match="a FIFO"):
        safe_files.read_regular(tmp_path / "fifo")
    with pytest.raises(safe_files.NotRegularFile, match="a directory"):
        safe_files.read_regular(tmp_path / "dir.json")


def test_remove_debris(tmp_path: Path) -> None:
    (tmp_path / f"{safe_files.TEMP_PREFIX}abc").write_bytes(b"half")
    (tmp_path / "keep.csv").write_bytes(b"ok")
    assert [p.name for p in safe_files.remove_debris(tmp_path)] == [f"{safe_files.TEMP_PREFIX}abc"]
    assert [p.name for p in tmp_path.iterdir()] == ["keep.csv"]


def test_an_exclusive_write_never_replaces_a_file_and_leaves_no_debris(tmp_path: Path) -> None:
    target = tmp_path / "record.json"
    safe_files.write_atomic(target, b"first", tmp_path, exclusive=True)
    assert target.read_bytes() == b"first"
    with pytest.raises(FileExistsError):
        safe_files.write_atomic(target, b"second", tmp_path, exclusive=True)
    assert target.read_bytes() == b"first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["record.json"]
    safe_files.write_atomic(target, b"third", tmp_path)  # the default replaces
    assert target.read_bytes() == b"third"
