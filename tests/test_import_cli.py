"""``coded-events import`` and the import framework: exit codes, the JSON summary,
compressed inputs, byte-for-byte determinism, atomic writes without links, the generated
docs, the declarations and the JSON of ``producer_fields``."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from coded_events import safe_files
from coded_events.cli import app
from coded_events.importers.columns import json_objects
from coded_events.importers.docs import DOCS_COMMAND, markdown
from coded_events.importers.format import validate_format
from coded_events.importers.registry import FORMATS
from coded_events.importers.run import UsageError, import_files
from coded_events.release.rows import ARROW_SCHEMAS
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "importers"
ZEROS = FIXTURES / "gdelt2__leading-zeros.tsv"
CLEAN = FIXTURES / "gdelt2__arithmetic-dates.tsv"
runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    done = runner.invoke(app, ["import", *args])
    return done.exit_code, done.output


def test_exit_0_when_every_row_is_imported(tmp_path: Path) -> None:
    code, output = _run("gdelt2", str(CLEAN), "--out", str(tmp_path / "out"))
    assert code == 0, output
    assert "gdelt2: 4 row(s) read, 4 written, 0 rejected" in output


def test_exit_1_when_a_row_is_rejected_and_json_counts_every_row(tmp_path: Path) -> None:
    code, output = _run("gdelt2", str(ZEROS), "--out", str(tmp_path), "--format", "json")
    assert code == 1
    summary = json.loads(output)
    assert (summary["rows_read"], summary["rows_written"], summary["rows_rejected"]) == (8, 6, 2)
    assert summary["counts"] == {
        "import-bad-event-code": 2,
        "import-derived-disagrees": 1,
        "import-event-code-padded": 3,
    }
    rejected = [f for f in summary["findings"] if f["severity"] == "error"]
    assert [(f["file"], f["line"], f["code"]) for f in rejected] == [
        (str(ZEROS), 6, "import-bad-event-code"),
        (str(ZEROS), 7, "import-bad-event-code"),
    ]


@pytest.mark.parametrize(
    "args",
    [
        ("nosuchformat", str(CLEAN)),
        ("gdelt2", "/nonexistent/file.csv"),
        ("auto", str(FIXTURES / "gdelt2__not-an-event-file.txt")),
        ("gdelt2",),
    ],
    ids=["unknown-format", "missing-input", "auto-finds-nothing", "no-input"],
)
def test_exit_2_on_usage_errors_without_a_traceback(args: tuple[str, ...], tmp_path: Path) -> None:
    code, output = _run(*args, "--out", str(tmp_path / "out"))
    assert code == 2 and "Traceback" not in output
    assert not (tmp_path / "out").exists()  # nothing written before the usage check


def test_the_command_never_prints_a_traceback_in_a_real_process(tmp_path: Path) -> None:
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(gzip.compress(CLEAN.read_bytes())[:-30])  # cut off: a broken stream
    done = subprocess.run(
        [sys.executable, "-m", "coded_events", "import", "gdelt2", str(broken), "--out",
         str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "import-unreadable" in done.stdout


def test_auto_says_what_it_chose(tmp_path: Path) -> None:
    code, output = _run("auto", str(CLEAN), "--out", str(tmp_path))
    assert code == 0 and output.startswith(f"auto: chose {CLEAN}: gdelt2 (61 columns")
    icews = FIXTURES / "icews__names-sectors-na.tab"
    with pytest.raises(UsageError, match="different formats"):
        import_files("auto", [CLEAN, icews], tmp_path / "mixed")


def test_plain_gzip_and_zip_inputs_give_the_same_events(tmp_path: Path) -> None:
    gz = tmp_path / "in.tsv.gz"
    gz.write_bytes(gzip.compress(CLEAN.read_bytes(), mtime=0))
    zipped = tmp_path / "in.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.write(CLEAN, "inside.tsv")
    outs = {}
    for name, path in (("plain", CLEAN), ("gz", gz), ("zip", zipped)):
        result = import_files("auto", [path], tmp_path / name)
        assert result.rows_written == 4 and result.format == "gdelt2"
        outs[name] = (tmp_path / name / "data" / "events.parquet").read_bytes()
    assert outs["plain"] == outs["gz"] == outs["zip"]


def test_same_input_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    inputs = [ZEROS, CLEAN]  # two files: input order, batch by batch
    for out in ("first", "second"):
        import_files("gdelt2", inputs, tmp_path / out, csv=True, batch_bytes=4096)
    first = sorted(p.relative_to(tmp_path / "first") for p in (tmp_path / "first").rglob("*"))
    assert len([p for p in first if p.suffix in (".parquet", ".csv")]) == 10
    for relative in first:
        if (tmp_path / "first" / relative).is_file():
            assert (tmp_path / "first" / relative).read_bytes() == (
                tmp_path / "second" / relative
            ).read_bytes(), relative


def test_small_batches_keep_input_order_and_counts(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    result = import_files("gdelt2", [ZEROS], tmp_path, batch_bytes=1024)
    provenance = pq.read_table(tmp_path / "data" / "provenance.parquet")
    assert provenance.column("input_line").to_pylist() == [1, 2, 3, 4, 5, 8]
    assert pq.ParquetFile(tmp_path / "data" / "events.parquet").num_row_groups > 1
    assert (result.rows_read, result.rows_rejected) == (8, 2)


def test_no_write_through_a_link(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "data").mkdir(parents=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    (out / "data" / "events.parquet").symlink_to(victim)
    with pytest.raises(safe_files.UnsafePathError):
        import_files("gdelt2", [CLEAN], out)
    assert victim.read_text(encoding="utf-8") == "keep me"
    code, output = _run("gdelt2", str(CLEAN), "--out", str(out))
    assert code == 2 and "symbolic link" in output


def test_a_new_import_without_csv_leaves_no_stale_csv(tmp_path: Path) -> None:
    import_files("gdelt2", [CLEAN], tmp_path, csv=True)
    assert (tmp_path / "data" / "events.csv").is_file()
    import_files("gdelt2", [CLEAN], tmp_path)
    assert not (tmp_path / "data" / "events.csv").exists()
    manifest = json.loads((tmp_path / "datapackage.json").read_text("utf-8"))
    assert {r["path"] for r in manifest["resources"]} == {
        f"data/{t}.parquet" for t in ARROW_SCHEMAS
    }


def test_dataset_json_names_the_producer_and_the_inputs(tmp_path: Path) -> None:
    import_files("gdelt2", [CLEAN], tmp_path)
    dataset = json.loads((tmp_path / "dataset.json").read_text("utf-8"))
    imported = dataset["imported"]
    assert (imported["producer"], imported["producer_version"]) == ("GDELT", "2.0")
    assert imported["inputs"] == [{"name": CLEAN.name, "sha256": safe_files.sha256_file(CLEAN),
                                   "bytes": CLEAN.stat().st_size}]  # fmt: skip
    assert (imported["rows_read"], imported["rows_written"]) == (4, 4)


def test_docs_importers_md_is_current() -> None:
    committed = (ROOT / "docs" / "importers.md").read_text(encoding="utf-8")
    assert committed == markdown(), f"docs/importers.md is stale: run `{DOCS_COMMAND}`"
    assert runner.invoke(app, ["importers", "--markdown"]).output == markdown()


def test_every_format_declaration_is_sound() -> None:
    known = {name: schema.names for name, schema in ARROW_SCHEMAS.items()}
    for fmt in FORMATS.values():
        assert validate_format(fmt, known) == [], fmt.name
        assert fmt.rules and all(rule.doc for rule in fmt.rules)
        assert fmt.id_column not in fmt.kept_columns()


@pytest.mark.parametrize(
    "values",
    [
        ["plain", None, ""],
        ['quo"te', "back\\slash", "tab\tand\nnewline"],
        ["\x01\x1f", "é ☃", "\u2028"],
    ],
)
def test_producer_fields_are_the_bytes_json_dumps_writes(values: list[str | None]) -> None:
    names = ["A", "B c", 'D"']
    columns = [pa.array([v, "x"]) for v in values]
    got = json_objects(names, columns, 2).to_pylist()
    for row in range(2):
        cells = {n: c[row].as_py() for n, c in zip(names, columns, strict=True)}
        expected = {k: v for k, v in cells.items() if v}
        assert got[row] == json.dumps(expected, ensure_ascii=False, separators=(",", ":"))


def test_an_import_never_overwrites_a_dataset_it_did_not_write(tmp_path: Path) -> None:
    """--out holding a hand-coded dataset (records, its own dataset.json) is refused before
    anything is written; a new, an empty, or an earlier import's folder is fine."""
    export = ROOT / "tests" / "fixtures" / "compare" / "synthetic.export.CSV"
    dataset = tmp_path / "south-caucasus"
    source = ROOT / "datasets" / "south-caucasus"
    for name in ("records", "sources", "data"):
        (dataset / name).mkdir(parents=True)
    (dataset / "dataset.json").write_bytes((source / "dataset.json").read_bytes())
    before = sorted(p.relative_to(dataset) for p in dataset.rglob("*"))
    refused = runner.invoke(app, ["import", "gdelt2", str(export), "--out", str(dataset)])
    assert refused.exit_code == 2, refused.output
    assert "an import did not write" in refused.output
    assert sorted(p.relative_to(dataset) for p in dataset.rglob("*")) == before
    assert (dataset / "dataset.json").read_bytes() == (source / "dataset.json").read_bytes()
    stray = tmp_path / "notes"
    stray.mkdir()
    (stray / "todo.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(UsageError, match="an import did not write"):
        import_files("gdelt2", [export], stray)
    (tmp_path / "empty").mkdir()
    for out in (tmp_path / "new", tmp_path / "empty", tmp_path / "new"):  # new, empty, again
        assert import_files("gdelt2", [export], out).complete


def test_every_format_names_its_homepage_for_the_licence() -> None:
    """An import's dataset.json names the producer's terms by their page (a licence needs a
    name or a path: dataset.json's check)."""
    from coded_events.importers.registry import FORMATS

    assert all(fmt.homepage.startswith("https://") for fmt in FORMATS.values())


def test_an_imports_dataset_json_validates_and_is_not_built(tmp_path: Path) -> None:
    """It has no `created` (same input, same bytes): validate accepts that for an import
    (`imported`), and build says an import is not built rather than failing on a key."""
    from coded_events.records.validate import validate_paths

    out = tmp_path / "out"
    import_files("gdelt2", [FIXTURES / "gdelt2__ids.tsv"], out)
    assert [f for f in validate_paths([out / "dataset.json"]) if f.is_error] == []
    (out / "records").mkdir()
    shutil.copy(ROOT / "tests" / "fixtures" / "valid" / "minimal.json", out / "records")
    result = CliRunner().invoke(app, ["build", str(out)])
    assert result.exit_code == 1, result.output
    assert "an import's dataset (`imported`)" in result.output
