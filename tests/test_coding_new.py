"""``coded-events new``: what it refuses to read or write (ids that leave the dataset,
links, FIFOs), on copies of the real dataset."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from coded_events.cli import app
from tests.conftest import ROOT

RECORD = "myind-2024-04-17-russia-peacekeepers-withdrawal"


def run(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


def files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


@pytest.mark.parametrize(
    "source_id",
    [
        "../../../../escape/foo",  # lands in tmp_path, beside the dataset
        f"../../escape/../c2/records/{RECORD}",
        f"../records/{RECORD}",
        "Upper-Case",
        "",
    ],
)
def test_new_coding_refuses_a_source_id_that_is_not_an_id(
    hand_coded_copy: Path, source_id: str
) -> None:
    before = files(hand_coded_copy.parent)
    result = run("new", hand_coded_copy, "--coding", "x", "--source-id", source_id)
    assert result.exit_code == 1, result.output
    assert "source id" in result.output and repr(source_id) in result.output
    assert files(hand_coded_copy.parent) == before  # no file, no folder made anywhere


def test_new_coding_does_not_read_the_first_record_through_a_link(
    hand_coded_copy: Path, tmp_path: Path
) -> None:
    original = hand_coded_copy / "records" / f"{RECORD}.json"
    outside = tmp_path / "outside.json"
    data = json.loads(original.read_text(encoding="utf-8"))
    data["source"]["title"] = "planted"
    outside.write_text(json.dumps(data), encoding="utf-8")
    original.unlink()
    original.symlink_to(outside)
    result = run("new", hand_coded_copy, "--coding", "x", "--source-id", RECORD)
    assert result.exit_code == 1, result.output
    assert "symbolic link" in result.output and str(original) in result.output
    assert not (hand_coded_copy / "codings").exists()


def test_new_coding_does_not_follow_a_linked_records_folder(
    hand_coded_copy: Path, tmp_path: Path
) -> None:
    records = hand_coded_copy / "records"
    moved = tmp_path / "recs2"
    records.rename(moved)
    records.symlink_to(moved)
    result = run("new", hand_coded_copy, "--coding", "x", "--source-id", RECORD)
    assert result.exit_code == 1, result.output
    assert "symbolic link" in result.output


def test_new_does_not_open_a_fifo_among_the_records(hand_coded_copy: Path, tmp_path: Path) -> None:
    # the duplicate check reads every records/*.json: a FIFO there must not be opened for
    # reading (it would block until someone writes, and what is written would be trusted)
    new_id = "x-2024-01-01-a"
    fifo = hand_coded_copy / "records" / "zz.json"
    os.mkfifo(fifo)
    payload = json.dumps({"source": {"source_id": new_id}}).encode()
    done = threading.Event()

    def writer() -> None:  # feeds a reader that opened the FIFO; gives up after 3 s
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not done.is_set():
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                time.sleep(0.05)
                continue
            os.write(fd, payload)
            os.close(fd)
            return

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    article = tmp_path / "a.txt"
    article.write_bytes(b"Some text.")
    result = run(
        "new", hand_coded_copy, "--text", article, "--source-id", new_id,
        "--title", "T", "--publisher", "P", "--published", "2024-01-01",
    )  # fmt: skip
    done.set()
    thread.join()
    assert result.exit_code == 0, result.output
    assert (hand_coded_copy / "records" / f"{new_id}.json").is_file()


def test_new_coding_still_starts_a_second_coding(hand_coded_copy: Path) -> None:
    result = run("new", hand_coded_copy, "--coding", "x", "--source-id", RECORD)
    assert result.exit_code == 0, result.output
    assert (hand_coded_copy / "codings" / "x" / "records" / f"{RECORD}.json").is_file()


def test_new_refuses_while_retired_ids_cannot_be_read(tmp_path: Path) -> None:
    """An unreadable retired_ids.txt looked empty: a retired id could be reused."""
    dataset = tmp_path / "ds"
    shutil.copytree(ROOT / "datasets" / "south-caucasus", dataset)
    with (dataset / "retired_ids.txt").open("ab") as out:
        out.write(b"# caf\xe9\n")
    article = tmp_path / "a.txt"
    article.write_bytes(b"Some text.")
    result = CliRunner().invoke(app, ["new", str(dataset), "--source-id", "x-2024-01-01-a",
                                      "--text", str(article), "--title", "T", "--publisher",
                                      "P", "--published", "2024-01-01"])  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "retired_ids.txt: is not UTF-8 text" in result.output
    assert not (dataset / "records" / "x-2024-01-01-a.json").exists()
