"""Released schemas are frozen, bumps are large enough, and old documents migrate."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from coded_events.spec import migrate, models, schema_files
from coded_events.spec.versions import SCHEMA_VERSION
from tests.conftest import FIXTURES, ROOT


def test_released_schemas_are_unchanged() -> None:
    assert schema_files.frozen_violations(ROOT / "schema") == []


def test_current_schema_version_is_released() -> None:
    assert SCHEMA_VERSION in schema_files.released()


def test_editing_a_released_schema_is_caught(tmp_path: Path) -> None:
    copy = tmp_path / "schema"
    shutil.copytree(ROOT / "schema", copy)
    target = copy / "1.0.0" / schema_files.DOCUMENT_SCHEMA_FILE
    target.write_text(target.read_text().replace("Stable identifier", "Identifier"))
    problems = schema_files.frozen_violations(copy)
    assert len(problems) == 1 and "1.0.0" in problems[0] and "changed" in problems[0]


def test_regenerating_over_a_frozen_version_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Models that no longer give the released bytes cannot be written as that version."""
    copy = tmp_path / "schema"
    shutil.copytree(ROOT / "schema", copy)
    target = copy / SCHEMA_VERSION / schema_files.DOCUMENT_SCHEMA_FILE
    before = target.read_bytes()
    changed = {
        name: text.replace("Stable identifier", "Identifier")
        for name, text in schema_files.generated_files().items()
    }
    monkeypatch.setattr(schema_files, "generated_files", lambda: changed)
    with pytest.raises(schema_files.FrozenSchemaError, match="the models changed"):
        schema_files.write(copy, SCHEMA_VERSION)
    assert target.read_bytes() == before


def test_generate_into_an_empty_folder_writes_the_released_bytes(tmp_path: Path) -> None:
    """Outside the repository (no schema/ yet) the released version is simply written:
    a missing file is not a change of the models."""
    result = subprocess.run(
        [sys.executable, "-m", "coded_events", "schema", "generate", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    written = tmp_path / SCHEMA_VERSION / schema_files.DOCUMENT_SCHEMA_FILE
    assert written.read_bytes() == schema_files.published_path().read_bytes()


def test_generate_never_writes_through_a_link(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / SCHEMA_VERSION).symlink_to(elsewhere)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "coded_events",
            "schema",
            "generate",
            "--out",
            str(tmp_path / "schema"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2, result.stderr
    assert "link" in result.stderr and "Traceback" not in result.stderr
    assert not any(elsewhere.iterdir())


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{", "line 1, column 2: not JSON"),
        ("[1]", "is an object, not list"),
        (b"\xff", "not UTF-8"),
    ],
    ids=["json", "array", "utf8"],
)
def test_schema_diff_names_the_file_it_cannot_read(
    tmp_path: Path, content: str | bytes, says: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = subprocess.run(
        [sys.executable, "-m", "coded_events", "schema", "diff", SCHEMA_VERSION, str(bad)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert f"{bad}: " in result.stderr and says in result.stderr, result.stderr


def test_current_bump_is_sufficient() -> None:
    assert schema_files.bump_problem() is None


def test_breaking_change_with_minor_bump_is_caught() -> None:
    fixture = FIXTURES / "schema" / "1.2.0-drops-notes.schema.json"
    schema = json.loads(fixture.read_text(encoding="utf-8"))
    problem = schema_files.bump_problem("1.2.0", schema)
    assert problem is not None
    assert "minor bump" in problem and "major" in problem and "notes" in problem
    assert schema_files.bump_problem("2.0.0", schema) is None


def test_schema_diff_cli_says_minor_for_1_1_0() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "coded_events", "schema", "diff", "1.0.0", "1.1.0"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0
    assert result.stdout.strip().splitlines()[-1].endswith("required bump: minor")
    assert "/$defs/Event/properties/links" in result.stdout


def test_schema_diff_cli_says_minor_for_1_2_0() -> None:
    """Provenance (1.2.0): a new optional object, and evidence no longer required (the
    rule "evidence or provenance" is a check of the catalogue, not a new constraint)."""
    result = subprocess.run(
        [sys.executable, "-m", "coded_events", "schema", "diff", "1.1.0", "1.2.0"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0
    assert result.stdout.strip().splitlines()[-1].endswith("required bump: minor")
    assert "/$defs/Event/properties/provenance" in result.stdout
    assert "major" not in result.stdout


def test_1_1_0_event_without_evidence_stays_an_error_after_migration() -> None:
    from coded_events.records.validate import validate_document_bytes

    document = json.loads((FIXTURES / "valid" / "minimal.json").read_text(encoding="utf-8"))
    document["schema_version"] = "1.1.0"
    document["events"][0]["evidence"] = []
    codes = {f.code for f in validate_document_bytes(json.dumps(document).encode(), "x.json")}
    assert "evidence-missing" in codes


def test_schema_check_cli_passes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "coded_events", "schema", "check", "--out", str(ROOT / "schema")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_1_0_0_document_migrates_and_validates(tmp_path: Path) -> None:
    source = FIXTURES / "migrate" / "1.0.0-full.json"
    target = tmp_path / source.name
    shutil.copy(source, target)
    result = subprocess.run(
        [sys.executable, "-m", "coded_events", "migrate", str(target)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert f"1.0.0 -> {SCHEMA_VERSION}" in result.stdout
    migrated = json.loads(target.read_text(encoding="utf-8"))
    assert migrated["schema_version"] == SCHEMA_VERSION
    models.SourceDocument.model_validate(migrated)
    original = json.loads(source.read_text(encoding="utf-8"))
    original["schema_version"] = SCHEMA_VERSION
    original["$schema"] = original["$schema"].replace("/1.0.0/", f"/{SCHEMA_VERSION}/")
    assert migrated == original  # nothing dropped; only the version and its URL changed


def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "doc.json"
    shutil.copy(FIXTURES / "migrate" / "1.0.0-full.json", target)
    migrate.migrate_file(target)
    before = target.read_bytes()
    result = migrate.migrate_file(target)
    assert not result.written and target.read_bytes() == before


def test_migration_that_would_drop_data_is_refused() -> None:
    document = json.loads((FIXTURES / "migrate" / "1.0.0-full.json").read_text())
    original = migrate.STEPS["1.0.0"]

    def lossy(doc: dict) -> dict:
        doc["events"][0].pop("notes")
        return doc

    migrate.STEPS["1.0.0"] = migrate.Step("1.0.0", "1.1.0", lossy)
    try:
        with pytest.raises(migrate.MigrationError, match="notes"):
            migrate.migrate_document(document)
    finally:
        migrate.STEPS["1.0.0"] = original


def test_unknown_version_names_known_ones() -> None:
    with pytest.raises(migrate.MigrationError, match=r"1\.0\.0"):
        migrate.migrate_document({"schema_version": "0.9.0"})


def test_invalid_result_is_not_written(tmp_path: Path) -> None:
    document = json.loads((FIXTURES / "migrate" / "1.0.0-full.json").read_text())
    document["events"][0]["action"]["code"] = "9999"
    target = tmp_path / "bad.json"
    target.write_text(json.dumps(document), encoding="utf-8")
    before = target.read_bytes()
    result = migrate.migrate_file(target)
    assert result.problems and not result.written
    assert target.read_bytes() == before


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda t: t.replace('"coder": "fixture"', '"coder": "first", "coder": "fixture"', 1),
            "duplicate-key",
        ),
        (lambda t: t.replace('"value": 2000', '"value": 1e400', 1), "non-finite-number"),
        (lambda t: "[1, 2]", "not hold a JSON object"),
        (lambda t: t[:-20], "json-syntax"),
    ],
    ids=["duplicate-key", "1e400", "array", "truncated"],
)
def test_migrate_refuses_files_it_could_not_rewrite_faithfully(
    tmp_path: Path, edit, expected: str
) -> None:
    target = tmp_path / "doc.json"
    target.write_text(edit((FIXTURES / "migrate" / "1.0.0-full.json").read_text()), "utf-8")
    before = target.read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "coded_events", "migrate", str(target)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert target.read_bytes() == before


def test_loss_check_sees_emptied_containers_and_changed_types() -> None:
    old = {"events": [{"quantities": [], "links": []}], "x": {}, "flag": True}
    assert migrate._lost(old, {"events": [{}], "flag": True}, {}) == [
        "/events/0/quantities",
        "/events/0/links",
        "/x",
    ]
    assert migrate._lost({"flag": True}, {"flag": 1}, {}) == ["/flag"]


def test_schema_check_on_a_folder_without_the_released_files_names_them(tmp_path) -> None:
    """A missing --out is a usage error; missing released files are findings, no traceback."""
    command = [sys.executable, "-m", "coded_events", "schema", "check", "--out"]
    missing = subprocess.run([*command, str(tmp_path / "nope")], capture_output=True, text=True)
    assert missing.returncode == 2 and "no such folder" in missing.stderr
    empty = subprocess.run([*command, str(tmp_path)], capture_output=True, text=True)
    assert empty.returncode == 1 and "Traceback" not in empty.stderr
    assert "released file is missing" in empty.stderr


# --- the maintainers' --check of generated files: stale or an error, never a traceback ---


def _check(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coded_events", *map(str, args)], capture_output=True, text=True
    )


def test_a_schema_file_that_is_not_utf8_is_stale(tmp_path: Path) -> None:
    assert _check("schema", "generate", "--out", tmp_path).returncode == 0
    target = tmp_path / SCHEMA_VERSION / schema_files.DOCUMENT_SCHEMA_FILE
    assert schema_files.stale(tmp_path) == []
    target.write_bytes(b"\xff")
    result = _check("schema", "generate", "--check", "--out", tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"stale: {target}" in result.stderr


def test_a_linked_schema_file_is_stale_not_read(tmp_path: Path) -> None:
    assert _check("schema", "generate", "--out", tmp_path / "real").returncode == 0
    (tmp_path / "out" / SCHEMA_VERSION).mkdir(parents=True)
    for name in schema_files.generated_files():
        real = tmp_path / "real" / SCHEMA_VERSION / name
        (tmp_path / "out" / SCHEMA_VERSION / name).symlink_to(real)
    assert schema_files.stale(tmp_path / "out") == sorted(schema_files.generated_files())


def test_a_data_dictionary_that_is_not_utf8_is_stale(tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"\xff")
    result = _check("data-dictionary", "--out", bad, "--check")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"stale: {bad}" in result.stderr


def test_the_data_dictionary_check_never_reads_through_a_link(tmp_path: Path) -> None:
    good = tmp_path / "good.md"
    assert _check("data-dictionary", "--out", good).returncode == 0
    assert _check("data-dictionary", "--out", good, "--check").returncode == 0
    (tmp_path / "link.md").symlink_to(good)
    result = _check("data-dictionary", "--out", tmp_path / "link.md", "--check")
    assert result.returncode == 1, result.stdout
    assert "link.md: is a symbolic link" in result.stderr
