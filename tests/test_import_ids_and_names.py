"""Event ids, input names and counts of ``coded-events import`` (reviewer's points 4-7):
different producer ids that our id rules make the same are not duplicates; inputs of the
same name in different folders are told apart; PLOVER counts events and records; ACLED
inter codes as text or floats map through the crosswalk; ``auto`` reads ``;`` ACLED."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from coded_events.importers.run import import_files

FIXTURES = Path(__file__).parent / "fixtures" / "importers_ids"


def _h(producer_id: str) -> str:
    return hashlib.sha256(producer_id.encode("utf-8")).hexdigest()[:8]


def _column(out: Path, table: str, name: str) -> list[object]:
    return pq.read_table(out / "data" / f"{table}.parquet").column(name).to_pylist()


# --- 4. producer ids that give the same event id ------------------------------------------


def test_a_true_repeat_is_rejected_and_a_clash_gets_a_hashed_id(tmp_path: Path) -> None:
    result = import_files("phoenix", [FIXTURES / "phoenix_ids_a.txt"], tmp_path / "out")
    assert (result.rows_read, result.rows_written, result.rows_rejected) == (4, 3, 1)
    assert result.counts.get("import-duplicate-id") == 1
    duplicate = next(f for f in result.findings if f.code == "import-duplicate-id")
    assert duplicate.line == 2  # the same id again, not a different one
    assert _column(tmp_path / "out", "events", "event_id") == [
        "phoenix-1701787-v0-1-0",
        f"phoenix-1701787-v0-1-0-{_h('1701787.v0_1_0')}",
        f"phoenix-1701787-v0-1-0-{_h('1701787-V0-1-0')}",
    ]
    assert _column(tmp_path / "out", "provenance", "producer_event_id") == [
        "1701787_v0.1.0",
        "1701787.v0_1_0",
        "1701787-V0-1-0",
    ]


def test_ids_across_inputs_repeat_and_clash(tmp_path: Path) -> None:
    paths = [FIXTURES / "phoenix_ids_a.txt", FIXTURES / "phoenix_ids_b.txt"]
    result = import_files("phoenix", paths, tmp_path / "out")
    assert (result.rows_read, result.rows_written, result.rows_rejected) == (7, 5, 2)
    ids = _column(tmp_path / "out", "events", "event_id")
    assert len(set(ids)) == len(ids)
    assert ids[3] == f"phoenix-1701787-v0-1-0-{_h('1701787__v0.1.0')}"


def test_plover_split_records_do_not_clash_with_an_id_ending_in_a_number(tmp_path: Path) -> None:
    result = import_files("plover", [FIXTURES / "plover_split_ids.jsonl"], tmp_path / "out")
    assert (result.rows_read, result.rows_written, result.rows_rejected) == (5, 4, 1)
    assert result.counts.get("import-duplicate-id") == 1  # POLECAT-8 twice
    assert _column(tmp_path / "out", "events", "event_id") == [
        "plover-polecat-7-1",
        "plover-polecat-7-2",
        f"plover-polecat-7-1-{_h('POLECAT-7-1')}",
        "plover-polecat-8-1",
        f"plover-polecat-8-{_h('POLECAT-8')}-1",
        f"plover-polecat-8-{_h('POLECAT-8')}-2",
    ]
    links = pq.read_table(tmp_path / "out" / "data" / "links.parquet").to_pylist()
    assert {(r["event_id"], r["target_event_id"]) for r in links} == {
        ("plover-polecat-7-2", "plover-polecat-7-1"),
        (f"plover-polecat-8-{_h('POLECAT-8')}-2", f"plover-polecat-8-{_h('POLECAT-8')}-1"),
    }


def test_dask_settles_clashes_across_inputs_as_the_single_process(tmp_path: Path) -> None:
    pytest.importorskip("dask")
    import dask

    from coded_events.importers.distributed import import_files_dask

    paths = [FIXTURES / "phoenix_ids_b.txt", FIXTURES / "phoenix_ids_a.txt"] * 2
    single = import_files("phoenix", paths, tmp_path / "single")
    with dask.config.set(scheduler="threads"):
        cluster = import_files_dask("phoenix", paths, tmp_path / "dask")
    assert (cluster.rows_written, cluster.rows_rejected, cluster.counts) == (
        single.rows_written,
        single.rows_rejected,
        single.counts,
    )
    ours = pq.read_table(tmp_path / "dask" / "data" / "events")
    assert sorted(ours.column("event_id").to_pylist()) == sorted(
        _column(tmp_path / "single", "events", "event_id")
    )


# --- 5. inputs of the same file name in different folders --------------------------------


def _two_backfiles(tmp_path: Path, second: str = "back.CSV") -> list[Path]:
    text = (FIXTURES / "gdelt1_back.tsv").read_text(encoding="utf-8")
    first, other = tmp_path / "d1" / "back.CSV", tmp_path / "d2" / second
    for path, content in ((first, text), (other, text.replace("80000000", "80000010"))):
        path.parent.mkdir()
        path.write_text(content, encoding="utf-8")
    return [first, other]


def _listed(out: Path) -> tuple[list[str], list[object], list[object]]:
    dataset = json.loads((out / "dataset.json").read_text(encoding="utf-8"))
    names = [i["name"] for i in dataset["imported"]["inputs"]]
    return names, _column(out, "provenance", "input_file"), _column(out, "sources", "source_id")


def test_inputs_of_the_same_name_are_told_apart(tmp_path: Path) -> None:
    result = import_files("gdelt1", _two_backfiles(tmp_path), tmp_path / "out")
    assert result.rows_written == 4
    names, files, sources = _listed(tmp_path / "out")
    assert names == ["d1/back.CSV", "d2/back.CSV"]
    assert files == ["d1/back.CSV"] * 2 + ["d2/back.CSV"] * 2
    assert sources == ["gdelt1-file-d1-back-csv", "gdelt1-file-d2-back-csv"]
    assert _column(tmp_path / "out", "events", "source_id")[2] == "gdelt1-file-d2-back-csv"


def test_names_that_do_not_clash_are_unchanged(tmp_path: Path) -> None:
    import_files("gdelt1", _two_backfiles(tmp_path, "other.CSV"), tmp_path / "out")
    names, files, sources = _listed(tmp_path / "out")
    assert names == ["back.CSV", "other.CSV"]
    assert files == ["back.CSV"] * 2 + ["other.CSV"] * 2
    assert sources == ["gdelt1-file-back-csv", "gdelt1-file-other-csv"]


def test_zip_members_of_one_name_are_two_sources(tmp_path: Path) -> None:
    """Members called back.CSV in two archives, and in two folders of one archive, are
    four inputs: four file sources, never one shared."""
    text = (FIXTURES / "gdelt1_back.tsv").read_text(encoding="utf-8")
    texts = [text.replace("80000000", f"8000001{n}") for n in range(4)]
    archives = [tmp_path / "a.zip", tmp_path / "b.zip"]
    with zipfile.ZipFile(archives[0], "w") as archive:
        archive.writestr("back.CSV", texts[0])
    with zipfile.ZipFile(archives[1], "w") as archive:
        archive.writestr("x/back.CSV", texts[1])
        archive.writestr("y/back.CSV", texts[2])
    result = import_files("gdelt1", archives, tmp_path / "out")
    assert result.complete, result.findings
    _, files, sources = _listed(tmp_path / "out")
    assert sorted(set(files)) == ["a.zip!back.CSV", "b.zip!x/back.CSV", "b.zip!y/back.CSV"]
    assert sources == [
        "gdelt1-file-a-zip-back-csv",
        "gdelt1-file-b-zip-x-back-csv",
        "gdelt1-file-b-zip-y-back-csv",
    ]


def test_dask_names_inputs_as_the_single_process(tmp_path: Path) -> None:
    pytest.importorskip("dask")
    import dask

    from coded_events.importers.distributed import import_files_dask

    paths = _two_backfiles(tmp_path)
    import_files("gdelt1", paths, tmp_path / "single")
    with dask.config.set(scheduler="threads"):
        import_files_dask("gdelt1", paths, tmp_path / "dask")
    dataset = json.loads((tmp_path / "dask" / "dataset.json").read_text(encoding="utf-8"))
    assert [i["name"] for i in dataset["imported"]["inputs"]] == ["d1/back.CSV", "d2/back.CSV"]
    provenance = pq.read_table(tmp_path / "dask" / "data" / "provenance")
    assert sorted(provenance.column("input_file").to_pylist()) == sorted(
        _column(tmp_path / "single", "provenance", "input_file")
    )
    sources = pq.read_table(tmp_path / "dask" / "data" / "sources")
    assert sorted(sources.column("source_id").to_pylist()) == [
        "gdelt1-file-d1-back-csv",
        "gdelt1-file-d2-back-csv",
    ]


# --- 7. ACLED inter codes as text or floats; auto with `;` ----------------------------------


def test_acled_inter_codes_as_numbers_floats_and_text_labels(tmp_path: Path) -> None:
    result = import_files("acled", [FIXTURES / "acled_inter_forms.csv"], tmp_path / "out")
    assert result.rows_written == 4
    notes = [f.message for f in result.findings if f.code == "import-crosswalk-lossy"]
    assert not [n for n in notes if "unknown ACLED inter code" in n]
    out = tmp_path / "out"
    sources = _column(out, "events", "source_actor_code")
    targets = _column(out, "events", "target_actor_code")
    assert sources == ["GEOMIL", "GEOMIL", "GEOMIL", "GEOCVL"]
    assert targets == ["GEOUAF", "GEOUAF", "GEOUAF", None]


@pytest.mark.parametrize(
    ("cell", "code"),
    [("3", "3"), ("3.0", "3"), (" 7.00 ", "7"), ("Political militia", "3"),
     ("political  militias", "3"), ("External/Other forces", "8"), ("Rebels", None),
     ("9", "9")],
)  # fmt: skip
def test_acled_inter_code_forms(cell: str, code: str | None) -> None:
    from coded_events.importers import crosswalks

    assert crosswalks.acled_inter_code(cell) == code


def test_auto_recognises_acled_separated_by_semicolons(tmp_path: Path) -> None:
    import csv

    rows = list(csv.reader((FIXTURES / "acled_inter_forms.csv").open(encoding="utf-8")))
    semicolons = tmp_path / "acled-excel.csv"
    with semicolons.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)
    result = import_files("auto", [semicolons], tmp_path / "out")
    assert result.format == "acled"
    assert "';'" in result.chosen
    assert result.rows_written == 4


# --- 6. PLOVER: events and records, the id prefix, the coder --------------------------------


def test_plover_counts_events_beside_records(tmp_path: Path) -> None:
    from coded_events.cli.import_cmd import _text

    out = tmp_path / "out"
    result = import_files("plover", [FIXTURES / "plover_counts_coder.jsonl"], out)
    assert (result.rows_read, result.rows_written, result.events_written) == (2, 2, 3)
    assert len(_column(out, "events", "event_id")) == result.events_written
    assert result.summary()["events_written"] == 3
    assert "2 written, 0 rejected (3 event(s) written)" in _text(result.summary())
    imported = json.loads((out / "dataset.json").read_text(encoding="utf-8"))["imported"]
    assert (imported["rows_written"], imported["events_written"]) == (2, 3)


def test_events_written_is_not_repeated_where_it_equals_rows_written(tmp_path: Path) -> None:
    from coded_events.cli.import_cmd import _text

    out = tmp_path / "out"
    result = import_files("phoenix", [FIXTURES / "phoenix_ids_b.txt"], out)
    assert result.events_written == result.rows_written == 3
    assert "event(s) written" not in _text(result.summary())
    assert "events_written" not in json.loads((out / "dataset.json").read_text("utf-8"))["imported"]


def test_plover_ids_are_not_prefixed_twice_and_the_coder_is_named(tmp_path: Path) -> None:
    out = tmp_path / "out"
    import_files("plover", [FIXTURES / "plover_counts_coder.jsonl"], out)
    assert _column(out, "events", "event_id") == [
        "plover-gsr02-consult-0001-1",
        "plover-gsr02-consult-0001-2",
        "plover-polecat-0101",
    ]
    assert _column(out, "events", "coder") == ["PLOVER (Parus Analytics)"] * 2 + ["PLOVER"]
    fields = [json.loads(f) for f in _column(out, "provenance", "producer_fields")]
    assert fields[0]["coder"] == "Parus Analytics"
    assert "coder" not in fields[2]
    assert _column(out, "provenance", "producer_event_id")[0] == "PLOVER-GSR02-CONSULT-0001"


def test_a_producer_id_ending_in_punctuation_gives_a_valid_event_id(tmp_path: Path) -> None:
    """``1701787_v0.1.`` became ``phoenix-1701787-v0-1-`` (found by tests/test_import_fuzz.py):
    our id pattern allows no trailing hyphen, so the import did not validate."""
    from coded_events.flat import validate_flat

    row = (
        "1701787_v0.1.\t20160328\t2016\t03\t28\tUSAGOV\tUSA\tGOV\t\tRUSGOV\tRUS\tGOV\t\t042\t04"
        "\t1\t1.9\t\t55.75222\t37.61556\tMoscow\tMoskva\tRUS\t56f9_1\thttp://a.example/1\tw\n"
    )
    path = tmp_path / "events.txt"
    path.write_text(row, encoding="utf-8")
    result = import_files("phoenix", [path], tmp_path / "out")
    assert result.rows_written == 1
    assert _column(tmp_path / "out", "events", "event_id") == ["phoenix-1701787-v0-1"]
    assert not [f for f in validate_flat([tmp_path / "out" / "data"]).findings if f.is_error]
