"""``coded-events new``, ``new-dataset`` and ``fix``, end to end on copies of the real dataset."""

from __future__ import annotations

import codecs
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from coded_events.cli import app
from coded_events.records.validate import validate_paths
from coded_events.spec import codebook
from tests.conftest import ROOT

DATASET = ROOT / "datasets" / "south-caucasus"
RECORD = "myind-2024-04-17-russia-peacekeepers-withdrawal"


def run(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def dataset(hand_coded_copy: Path) -> Path:
    return hand_coded_copy


def record(root: Path) -> Path:
    return root / "records" / f"{RECORD}.json"


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def save(path: Path, data: Any, indent: int = 2) -> None:
    path.write_text(json.dumps(data, indent=indent), encoding="utf-8")


def errors(*paths: Path) -> list[str]:
    return [f.code for f in validate_paths(list(paths)) if f.is_error]


def test_fix_repairs_shifted_offsets_a_stale_label_and_a_missing_hash(dataset: Path) -> None:
    file = record(dataset)
    original = file.read_bytes()
    data = load(file)
    for quote in data["events"][0]["evidence"][:2]:
        quote["char_start"] += 7
        quote["char_end"] += 7
    data["events"][4]["evidence"][0].update(char_start=3000, char_end=3035)
    data["events"][0]["action"]["label"] = "Withdraw peacekeepers"  # no code's label
    data["events"][1]["action"]["label"] = "demand"
    del data["source"]["text_sha256"]
    save(file, data, indent=4)
    assert {"quote-mismatch", "derived-value-mismatch"} <= set(errors(dataset))

    result = run("fix", dataset)
    assert result.exit_code == 0, result.output
    assert "/events/0/evidence/0/char_start: 119 -> 112" in result.output
    assert '/events/1/action/label: "demand" -> ' in result.output
    assert "/source/text_sha256: (absent) -> " in result.output
    assert "the files validate" in result.output
    assert file.read_bytes() == original  # the committed record is the fixed form
    assert errors(dataset) == []


def test_a_label_that_is_another_codes_label_is_reported_not_rewritten(dataset: Path) -> None:
    # 050 with the label of 057: a mistyped code as likely as a stale label, so fix says so
    # and leaves the value; a stale label that is no code's label is still fixed
    file = record(dataset)
    data = load(file)
    assert data["events"][4]["action"] == {"code": "057", "label": "Sign formal agreement"}
    data["events"][4]["action"]["code"] = "050"
    data["events"][1]["action"]["label"] = "demand"
    save(file, data)

    result = run("fix", dataset)
    assert result.exit_code == 1, result.output
    assert f"{file}: 1 change(s)" in result.output
    note = "note /events/4/action/label: 'Sign formal agreement' is the label of 057, not of 050"
    assert note in result.output
    assert "derived-value-mismatch" in result.output  # the error that remains
    fixed = load(file)
    assert fixed["events"][4]["action"] == {"code": "050", "label": "Sign formal agreement"}
    assert fixed["events"][1]["action"]["label"] == codebook.event("105").label


def test_fix_leaves_a_correct_record_byte_identical_and_untouched(dataset: Path) -> None:
    file = record(dataset)
    before, stamp = file.read_bytes(), file.stat().st_mtime_ns
    result = run("fix", file)
    assert result.exit_code == 0, result.output
    assert "0 rewritten" in result.output
    assert file.read_bytes() == before and file.stat().st_mtime_ns == stamp


def test_diff_shows_the_change_and_writes_nothing(dataset: Path) -> None:
    file = record(dataset)
    data = load(file)
    data["events"][2]["action"]["label"] = "stale"
    save(file, data)
    before = file.read_bytes()
    result = run("fix", "--diff", file)
    assert result.exit_code == 0, result.output
    assert '-        "label": "stale"' in result.stdout
    assert '+        "label": "Demonstrate or rally, not specified below"' in result.stdout
    assert file.read_bytes() == before


def test_a_near_match_is_reported_with_its_exact_text_not_rewritten(dataset: Path) -> None:
    file = record(dataset)
    data = load(file)
    quote = data["events"][2]["evidence"][0]
    exact = quote["quote"]
    quote["quote"] = exact.replace(" ", "  ", 1)
    quote["char_start"] += 1
    save(file, data)
    result = run("fix", file)
    assert result.exit_code == 1
    assert f"nearly matches {exact!r} at 561-659" in result.output.replace("\n", "")
    assert "quote-mismatch" in result.output
    fixed = load(file)["events"][2]["evidence"][0]
    assert fixed["quote"] == quote["quote"] and fixed["char_start"] == quote["char_start"]


def test_typographic_quotes_are_a_near_match_too(dataset: Path) -> None:
    file = record(dataset)
    data = load(file)
    quote = data["events"][0]["evidence"][2]  # Peskov confirmed, "Yes, it is ..."
    quote["quote"] = quote["quote"].replace('"', "\u201c", 1)
    save(file, data)
    result = run("fix", file)
    assert result.exit_code == 1 and "nearly matches" in result.output
    assert load(file)["events"][0]["evidence"][2]["quote"] == quote["quote"]


def test_a_wrong_hash_is_kept_unless_the_text_is_accepted(dataset: Path) -> None:
    text = dataset / "sources" / f"{RECORD}.txt"
    text.write_bytes(b"Breaking: " + text.read_bytes())  # the text changed: quotes move by 10
    file = record(dataset)
    before = load(file)
    result = run("fix", file)
    assert result.exit_code == 1
    assert "not overwritten" in result.output and "--accept-text" in result.output
    assert load(file) == before  # neither the hash nor any offset moved

    result = run("fix", "--accept-text", file)
    assert result.exit_code == 0, result.output
    after = load(file)
    new_hash = hashlib.sha256(text.read_bytes()).hexdigest()
    assert after["source"]["text_sha256"] == new_hash
    assert after["events"][0]["evidence"][0]["char_start"] == 122


def test_a_file_that_is_not_strict_json_is_left_alone(dataset: Path) -> None:
    file = record(dataset)
    text = file.read_text(encoding="utf-8").replace(
        '"schema_version"', '"events": [],\n  "schema_version"', 1
    )
    file.write_text(text, encoding="utf-8")
    result = run("fix", file)
    assert result.exit_code == 1
    assert "not fixed: duplicate-key" in result.output
    assert file.read_text(encoding="utf-8") == text


def test_a_derived_value_the_codebook_lacks_is_removed_and_absent_ones_not_added(
    dataset: Path,
) -> None:
    code = next(c.code for c in codebook.event_codes().values() if c.goldstein is None)
    file = record(dataset)
    data = load(file)
    data["events"][0]["action"] = {"code": code, "goldstein": 3.0}
    save(file, data)
    run("fix", file)
    assert load(file)["events"][0]["action"] == {"code": code}


def _text_dataset(tmp_path: Path, text: bytes) -> tuple[Path, Path]:
    result = run(
        "new-dataset", "tiny", "--into", tmp_path, "--title", "Tiny", "--licence", "CC-BY-4.0"
    )
    assert result.exit_code == 0, result.output
    root = tmp_path / "tiny"
    article = tmp_path / "article.txt"
    article.write_bytes(text)
    result = run(
        "new", root, "--text", article, "--source-id", "tiny-2024-01-02-one",
        "--title", "One", "--publisher", "Wire", "--published", "2024-01-02",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return root, root / "records" / "tiny-2024-01-02-one.json"


def _event(quote: str, start: int) -> dict[str, Any]:
    return {
        "event_id": "tiny-0001",
        "date": {"start": "2024-01-02"},
        "source_actor": {"code": "ARMGOV", "name": "Armenia"},
        "target_actor": {"code": "AZEGOV", "name": "Azerbaijan"},
        "action": {"code": "036", "label": "?"},
        "location": {"name": "Yerevan", "country": "ARM", "geo_precision": "settlement"},
        "certainty": "confirmed",
        "evidence": [{"quote": quote, "char_start": start, "char_end": start + 1}],
        "coder": "test",
    }


def test_new_then_one_event_then_fix_validates(tmp_path: Path) -> None:
    text = b"Yerevan, 2 January. Armenia said it wants to meet Azerbaijan.\n"
    root, file = _text_dataset(tmp_path, text)
    assert (root / "sources" / "tiny-2024-01-02-one.txt").read_bytes() == text
    data = load(file)
    assert data["source"]["text_sha256"] == hashlib.sha256(text).hexdigest()
    assert data["events"] == [] and data["schema_version"] and data["$schema"]
    data["events"].append(_event("Armenia said it wants to meet Azerbaijan", 0))
    save(file, data)
    assert "quote-mismatch" in errors(root)
    result = run("fix", root)
    assert result.exit_code == 0, result.output
    fixed = load(file)["events"][0]
    assert fixed["evidence"][0]["char_start"] == 20 and fixed["evidence"][0]["char_end"] == 60
    assert fixed["action"]["label"] == codebook.event("036").label
    assert errors(root) == []


def test_an_ambiguous_quote_is_reported_not_guessed(tmp_path: Path) -> None:
    _, file = _text_dataset(tmp_path, b"Armenia protested. And so Armenia protested.")
    data = load(file)
    data["events"].append(_event("Armenia protested", 13))  # 13 from 0 and from 26
    save(file, data)
    result = run("fix", file)
    assert result.exit_code == 1
    assert "ambiguous: the quote occurs at 0-17 and 26-43" in result.output.replace("\n", " ")
    assert load(file)["events"][0]["evidence"][0]["char_start"] == 13

    data["events"][0]["evidence"][0].update(char_start=20, char_end=37)
    save(file, data)
    result = run("fix", file)
    assert "occurs 2 times; chose 26-43" in result.output.replace("\n", " ")
    assert load(file)["events"][0]["evidence"][0]["char_start"] == 26


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (codecs.BOM_UTF8 + b"Text", "byte-order mark"),
        ("Caf\u00e9".encode("latin-1"), "not UTF-8"),
    ],
)
def test_new_refuses_a_text_that_is_not_plain_utf8(
    dataset: Path, tmp_path: Path, content: bytes, reason: str
) -> None:
    article = tmp_path / "a.txt"
    article.write_bytes(content)
    result = run(
        "new", dataset, "--text", article, "--source-id", "x-2024-01-01-a",
        "--title", "T", "--publisher", "P", "--published", "2024-01-01",
    )  # fmt: skip
    assert result.exit_code == 1 and reason in result.output
    assert not (dataset / "sources" / "x-2024-01-01-a.txt").exists()


def test_new_refuses_an_existing_or_retired_id_and_bad_metadata(
    dataset: Path, tmp_path: Path
) -> None:
    article = tmp_path / "a.txt"
    article.write_bytes(b"Some text.")
    args = ["--text", article, "--title", "T", "--publisher", "P", "--published", "2024-01-01"]
    result = run("new", dataset, "--source-id", RECORD, *args)
    assert result.exit_code == 1 and "exists" in result.output
    with (dataset / "retired_ids.txt").open("a") as out:
        out.write("old-2020-01-01-gone\n")
    result = run("new", dataset, "--source-id", "old-2020-01-01-gone", *args)
    assert result.exit_code == 1 and "retired" in result.output
    bad = [*args[:-1], "2024-02-30"]
    result = run("new", dataset, "--source-id", "x-2024-01-01-a", *bad)
    assert result.exit_code == 1 and "published" in result.output
    assert sorted(p.name for p in (dataset / "records").iterdir()) == [f"{RECORD}.json"]


def test_new_dataset_refuses_an_existing_folder_and_a_bad_name(tmp_path: Path) -> None:
    args = ["--into", tmp_path, "--title", "T", "--licence", "CC0-1.0"]
    assert run("new-dataset", "fine", *args).exit_code == 0
    meta = load(tmp_path / "fine" / "dataset.json")
    assert meta["licenses"][0]["path"].startswith("https://creativecommons.org/")
    again = run("new-dataset", "fine", *args)
    assert again.exit_code == 1 and "exists" in again.output
    bad = run("new-dataset", "Not Fine", *args)
    assert bad.exit_code == 1 and "dataset name" in bad.output
    assert errors(tmp_path / "fine" / "dataset.json") == []


def test_a_second_coding_is_validated_against_the_datasets_sources(dataset: Path) -> None:
    result = run("new", dataset, "--source-id", RECORD, "--coding", "alice")
    assert result.exit_code == 0, result.output
    second = dataset / "codings" / "alice" / "records" / f"{RECORD}.json"
    data = load(second)
    assert data["source"] == load(record(dataset))["source"] and data["events"] == []
    data["events"] = load(record(dataset))["events"][1:3]  # no links out of the coding
    data["events"][0]["evidence"][0]["char_start"] += 1
    save(second, data)
    found = validate_paths([dataset])
    assert {(f.code, Path(f.file).name) for f in found if f.is_error} == {
        ("quote-mismatch", second.name)
    }
    assert any("codings" in f.file for f in found)
    assert run("fix", dataset).exit_code == 0
    assert errors(dataset) == []


def test_new_never_overwrites_a_file_that_appears_meanwhile(
    dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the record appears between new's check and its write (another coder, a sync tool)
    from coded_events.coding import new as new_module

    article = tmp_path / "a.txt"
    article.write_bytes(b"Some text.")
    record_file = dataset / "records" / "x-2024-01-01-a.json"
    make_dirs = new_module.safe_files.make_dirs

    def racing_make_dirs(path: Path, root: Path | None = None) -> None:
        make_dirs(path, root)
        if path == record_file.parent and not record_file.exists():
            record_file.write_bytes(b"theirs")

    monkeypatch.setattr(new_module.safe_files, "make_dirs", racing_make_dirs)
    result = run(
        "new", dataset, "--text", article, "--source-id", "x-2024-01-01-a",
        "--title", "T", "--publisher", "P", "--published", "2024-01-01",
    )  # fmt: skip
    assert result.exit_code == 1 and "exists" in result.output
    assert record_file.read_bytes() == b"theirs"
    assert not (dataset / "sources" / "x-2024-01-01-a.txt").exists()  # all or nothing
    assert not [p for p in (dataset / "records").iterdir() if p.name.startswith(".")]


def test_a_failed_new_dataset_leaves_nothing_that_blocks_a_retry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coded_events.coding import new as new_module

    write_atomic = new_module.safe_files.write_atomic

    def full_disk(target: Path, data: bytes, root: Path | None = None) -> None:
        if target.name == "retired_ids.txt":
            raise OSError(28, "No space left on device")
        write_atomic(target, data, root)

    args = ["--into", tmp_path, "--title", "T", "--licence", "CC0-1.0"]
    with monkeypatch.context() as patch:
        patch.setattr(new_module.safe_files, "write_atomic", full_disk)
        failed = run("new-dataset", "fine", *args)
    assert failed.exit_code == 1 and "No space left" in failed.output
    assert list(tmp_path.iterdir()) == []
    again = run("new-dataset", "fine", *args)
    assert again.exit_code == 0, again.output
    assert sorted(p.name for p in (tmp_path / "fine").iterdir()) == [
        "dataset.json",
        "records",
        "retired_ids.txt",
        "sources",
    ]


OTHER = "other-2024-04-18-wire"
OTHER_TEXT = b"Moscow, 18 April. The withdrawal of the peacekeepers began on Wednesday.\n"


def _quote_other_source(dataset: Path, tmp_path: Path) -> tuple[Path, str]:
    """Start source OTHER with ``new``, quote it (at the right offsets) in RECORD's first
    event, and return the record and the quote's pointer."""
    article = tmp_path / "other.txt"
    article.write_bytes(OTHER_TEXT)
    result = run(
        "new", dataset, "--text", article, "--source-id", OTHER,
        "--title", "Other", "--publisher", "Wire", "--published", "2024-04-18",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    quote = "The withdrawal of the peacekeepers began"
    start = OTHER_TEXT.decode().index(quote)
    data = load(record(dataset))
    evidence = data["events"][0]["evidence"]
    evidence.append(
        {"quote": quote, "char_start": start, "char_end": start + len(quote), "source_id": OTHER}
    )
    save(record(dataset), data)
    assert run("fix", dataset).exit_code == 0  # the committed form; it validates
    return record(dataset), f"/events/0/evidence/{len(evidence) - 1}"


def _item(file: Path, pointer: str) -> dict[str, Any]:
    _, _, e, _, q = pointer.split("/")
    item: dict[str, Any] = load(file)["events"][int(e)]["evidence"][int(q)]
    return item


def test_quotes_into_another_source_whose_text_changed_are_not_moved(
    dataset: Path, tmp_path: Path
) -> None:
    file, pointer = _quote_other_source(dataset, tmp_path)
    before = _item(file, pointer)
    text = dataset / "sources" / f"{OTHER}.txt"
    text.write_bytes(b"UPDATED: " + text.read_bytes())
    result = run("fix", dataset)
    assert result.exit_code == 1, result.output
    note = f"note {pointer}/source_id: the source text {text} changed"
    assert note in result.output.replace("\n", " ")
    assert _item(file, pointer) == before  # the quote into the changed text kept its offsets

    result = run("fix", "--accept-text", dataset)
    assert result.exit_code == 0, result.output
    assert _item(file, pointer)["char_start"] == before["char_start"] + 9


def test_quotes_into_a_source_without_a_recorded_hash_are_not_moved(
    dataset: Path, tmp_path: Path
) -> None:
    file, pointer = _quote_other_source(dataset, tmp_path)
    (dataset / "records" / f"{OTHER}.json").unlink()  # no record says what the text was
    data = load(file)
    data["events"][0]["evidence"][int(pointer.rsplit("/", 1)[1])]["char_start"] += 1
    save(file, data)
    before = _item(file, pointer)
    result = run("fix", file)
    assert f"note {pointer}/source_id: no record of source" in result.output
    assert _item(file, pointer) == before


def _set(data: dict[str, Any], pointer: str, value: Any) -> None:
    *path, last = [int(p) if p.isdigit() else p for p in pointer.strip("/").split("/")]
    for part in path:
        data = data[part]
    data[last] = value


@pytest.mark.parametrize(
    ("pointer", "value"),
    [
        ("/events/1/evidence", None),
        ("/events/1/evidence", 5),
        ("/events/1/evidence/0", "a quote"),
        ("/events/1", []),
        ("/events", {"a": 1}),
        ("/events/1/action", "036"),
        ("/source/source_id", ["a"]),
        ("/source", None),
        ("/events/1/evidence/0/source_id", {"a": 1}),
        ("/events/1/evidence/0/quote", "\ud800abc"),
        ("/events/1/coder", "x\udfffy"),
    ],
)
def test_a_malformed_record_is_reported_with_the_place_and_left_alone(
    dataset: Path, pointer: str, value: Any
) -> None:
    file = record(dataset)
    data = load(file)
    _set(data, pointer, value)
    file.write_text(json.dumps(data, indent=4), encoding="utf-8")  # surrogates \u-escaped
    before = file.read_bytes()
    result = run("fix", file)
    assert result.exit_code == 1, result.output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    assert f"{file}: not fixed" in result.output
    assert f"note {pointer}:" in result.output
    assert file.read_bytes() == before


def test_a_byte_order_mark_removed_is_reported(dataset: Path) -> None:
    file = record(dataset)
    original = file.read_bytes()
    file.write_bytes(codecs.BOM_UTF8 + original)
    result = run("fix", file)
    assert result.exit_code == 0, result.output
    assert f"{file}: no value changed" in result.output
    assert "formatting normalised: byte-order mark removed" in result.output
    assert "1 rewritten" in result.output
    assert file.read_bytes() == original


@pytest.mark.parametrize("named", ["file", "records"])
def test_fix_refuses_a_record_under_a_linked_records_folder(
    dataset: Path, tmp_path: Path, named: str
) -> None:
    data = load(record(dataset))
    data["events"][1]["action"]["label"] = "stale"
    save(record(dataset), data)
    outside = tmp_path / "outside" / "recs2"
    outside.parent.mkdir()
    (dataset / "records").rename(outside)
    (dataset / "records").symlink_to(outside)
    before = (outside / f"{RECORD}.json").read_bytes()
    target = record(dataset) if named == "file" else dataset / "records"
    result = run("fix", target)
    assert result.exit_code == 1, result.output
    assert "symbolic link" in result.output
    assert (outside / f"{RECORD}.json").read_bytes() == before
    assert not [p for p in outside.iterdir() if p.name.startswith(".")]


def test_a_loose_record_in_a_folder_the_user_linked_is_fixed(tmp_path: Path) -> None:
    """Only links below a dataset folder are refused: a loose record's folder typed through a
    link is the user's path (it was refused as if it were inside a dataset)."""
    real = tmp_path / "real"
    real.mkdir()
    shutil.copy(ROOT / "tests" / "fixtures" / "valid" / "minimal.json", real / "minimal.json")
    (tmp_path / "lk").mkdir()
    (tmp_path / "lk" / "mine").symlink_to(real)
    result = run("fix", tmp_path / "lk" / "mine" / "minimal.json")
    assert "symbolic link" not in result.output, result.output
    assert "1 rewritten" in result.output  # fixed (its missing source text is validate's)
