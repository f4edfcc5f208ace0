"""``coded-events migrate`` on folders and datasets: odd entries are reported and skipped,
a dataset's record files are migrated and its dataset.json follows, links are refused."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coded_events import cli
from coded_events.spec.versions import SCHEMA_VERSION
from tests.conftest import FIXTURES

OLD = FIXTURES / "migrate" / "1.0.0-full.json"


def _migrate(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(cli.app, ["migrate", *map(str, args)])
    return result.exit_code, result.output


def _version(path: Path) -> str:
    return json.loads(path.read_text(encoding="utf-8"))["schema_version"]


def _old_dataset(hand_coded_copy: Path, coder: str | None = "bob") -> Path:
    """The south-caucasus copy at schema 1.1.0 (records, a second coding, dataset.json)."""
    for path in [hand_coded_copy / "dataset.json", *hand_coded_copy.glob("records/*.json")]:
        text = path.read_text(encoding="utf-8")
        path.write_text(
            text.replace(f'"schema_version": "{SCHEMA_VERSION}"', '"schema_version": "1.1.0"'),
            "utf-8",
        )
    if coder:
        shutil.copytree(
            hand_coded_copy / "records", hand_coded_copy / "codings" / coder / "records"
        )
    return hand_coded_copy


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_or_folder_named_json_is_reported_and_the_rest_migrated(tmp_path: Path) -> None:
    folder = tmp_path / "m3"
    folder.mkdir()
    shutil.copy(OLD, folder / "z.json")
    os.mkfifo(folder / "a.json")
    (folder / "b.json").mkdir()
    code, output = _migrate(folder)
    assert code == 1, output
    assert "a.json: is not a regular file (it is a FIFO)" in output
    assert "b.json: is not a regular file (it is a directory)" in output
    assert _version(folder / "z.json") == SCHEMA_VERSION  # the later file was migrated


def test_a_dataset_migrates_its_records_and_then_its_metadata(hand_coded_copy: Path) -> None:
    ds = _old_dataset(hand_coded_copy)
    meta = (ds / "dataset.json").read_text(encoding="utf-8")
    code, output = _migrate(ds, "--dry-run")
    assert code == 0, output
    assert f"would set schema_version 1.1.0 -> {SCHEMA_VERSION}" in output
    assert (ds / "dataset.json").read_text(encoding="utf-8") == meta
    code, output = _migrate(ds)
    assert code == 0, output
    assert "required property" not in output  # dataset.json is not read as a record
    records = [*ds.glob("records/*.json"), *ds.glob("codings/bob/records/*.json")]
    assert len(records) == 2 and {_version(r) for r in records} == {SCHEMA_VERSION}
    # only the version changed, in place: the rest of the metadata text is as it was
    assert (ds / "dataset.json").read_text(encoding="utf-8") == meta.replace(
        '"schema_version": "1.1.0"', f'"schema_version": "{SCHEMA_VERSION}"'
    )


def test_metadata_stays_when_a_record_did_not_migrate(hand_coded_copy: Path) -> None:
    ds = _old_dataset(hand_coded_copy)
    (ds / "records" / "broken.json").write_text('{"schema_version": "1.1.0"', "utf-8")
    code, output = _migrate(ds)
    assert code == 1, output
    assert "schema_version left as it was" in output
    assert _version(ds / "dataset.json") == "1.1.0"


def test_the_metadata_is_never_written_through_a_link(
    hand_coded_copy: Path, tmp_path: Path
) -> None:
    ds = _old_dataset(hand_coded_copy, coder=None)
    outside = tmp_path / "outside.json"
    (ds / "dataset.json").rename(outside)
    (ds / "dataset.json").symlink_to(outside)
    code, output = _migrate(ds)
    assert code == 1, output
    assert "symbolic link" in output
    assert _version(outside) == "1.1.0"


def test_migrating_backwards_names_the_documents_version(tmp_path: Path) -> None:
    target = tmp_path / "a.json"
    shutil.copy(OLD, target)
    assert _migrate("--to", "1.1.0", target)[0] == 0
    code, output = _migrate("--to", "1.0.0", target)
    assert code == 1
    assert "schema 1.1.0, newer than 1.0.0" in output and SCHEMA_VERSION not in output


def test_a_named_record_behind_a_link_below_its_dataset_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A link below the dataset folder (its records/) is refused; the folders the user
    typed above the dataset may be links (their choice), as for ``fix``."""
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(OLD, outside / "a.json")
    dataset = tmp_path / "store" / "ds"
    dataset.mkdir(parents=True)
    (dataset / "records").symlink_to(outside)
    (tmp_path / "linked").symlink_to(tmp_path / "store")
    monkeypatch.chdir(tmp_path)
    for named in ("store/ds/records/a.json", tmp_path / "store/ds/records/a.json"):
        code, output = _migrate(named)
        assert code == 1 and "records: is a symbolic link" in output, output
    assert _version(outside / "a.json") == "1.0.0"
    (dataset / "records").unlink()
    (dataset / "records").mkdir()
    shutil.copy(OLD, dataset / "records" / "a.json")
    code, output = _migrate("linked/ds/records/a.json")  # a link the user typed, above
    assert code == 0, output
    assert _version(dataset / "records" / "a.json") == SCHEMA_VERSION
