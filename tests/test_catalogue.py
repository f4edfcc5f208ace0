"""The check catalogue (coded_events.spec.catalogue): declared apart from the engines,
every message renderable from its declared parameters, every code an engine names
declared, and each check's inputs (records, flat tables, both) the ones its engines run
it on."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from coded_events.flat import codes as table_codes
from coded_events.flat import validate_flat
from coded_events.records import checks
from coded_events.spec import catalogue
from coded_events.spec.catalogue import (
    BOTH,
    CATALOGUE,
    IMPORTS,
    LAYERS,
    RECORDS,
    TABLES,
    Check,
    MessageParameterError,
    markdown,
    records_only,
    require,
    template_fields,
)
from tests.conftest import ROOT

PACKAGE = ROOT / "src" / "coded_events"
FLAT_SOURCES = sorted((PACKAGE / "flat").glob("*.py"))
ENGINE_SOURCES = sorted(PACKAGE.rglob("*.py"))


def render(check: Check) -> tuple[str, str]:
    """The check's message and hint, filled from its declared parameters only."""
    fill = {name: f"<{name}>" for name in check.params}
    return check.message.format(**fill), check.hint.format(**fill)


@pytest.mark.parametrize("code", list(CATALOGUE))
def test_every_message_renders_with_its_declared_parameters(code: str) -> None:
    check = CATALOGUE[code]
    message, hint = render(check)  # a KeyError names a parameter used but not declared
    for name in check.params:
        assert f"<{name}>" in message + hint, f"{code}: {name!r} declared but never used"
    assert len(set(check.params)) == len(check.params)


def test_a_misspelled_parameter_fails() -> None:
    check = CATALOGUE["file-unreadable"]
    assert check.params == ("reason",)
    wrong = Check(**{**_fields(check), "message": "cannot read the file: {reasn}"})
    with pytest.raises(KeyError, match="reasn"):
        render(wrong)
    with pytest.raises(MessageParameterError, match="reason"):
        check.finding("a.json", reasn="gone")  # formerly the message said "?"
    found = check.finding("a.json", reason="gone", extra="ignored")
    assert found.message == "cannot read the file: gone"


def _fields(check: Check) -> dict[str, object]:
    names = ("code", "severity", "layer", "title", "message", "hint", "doc", "applies_to")
    return {name: getattr(check, name) for name in names} | {"params": check.params}


def test_declarations_are_complete() -> None:
    for layer, layer_checks in LAYERS.items():
        for code, check in layer_checks.items():
            assert check.code == code and check.layer == layer
            assert check.severity in ("error", "warning")
            assert check.applies_to in (RECORDS, TABLES, BOTH, IMPORTS)
            assert check.title and check.message and check.hint and check.doc
            assert set(check.params) == template_fields(check.message) | template_fields(check.hint)
    assert len(CATALOGUE) == sum(len(layer) for layer in LAYERS.values())


def test_old_import_paths_are_the_catalogue() -> None:
    assert checks.CATALOGUE is CATALOGUE
    assert checks.LAYERS is LAYERS
    assert checks.markdown is markdown
    assert checks.VALIDATOR is LAYERS["validator"]
    assert table_codes.CHECKS is LAYERS["table"]


def test_the_catalogue_imports_no_engine() -> None:
    for path in sorted((PACKAGE / "spec" / "catalogue").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(
                    (
                        "coded_events.records.checks",
                        "coded_events.flat",
                        "coded_events.records.validate",
                    )
                ), f"{path.name} imports {node.module}"


def _named_codes(paths: list[Path]) -> dict[str, set[str]]:
    """Strings that look like check codes where the engines name one: the first argument
    of ``template``, ``Hit`` and ``Problem``, a key of ``CATALOGUE``, ``CHECKS`` or
    ``VALIDATOR``, and the values of the flat engine's code tables."""
    found: dict[str, set[str]] = {}

    def add(node: ast.AST, path: Path) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.setdefault(node.value, set()).add(path.name)

    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and node.args:
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name in ("template", "Hit", "Problem"):
                    add(node.args[0], path)
            elif isinstance(node, ast.Subscript):
                if getattr(node.value, "id", "") in ("CATALOGUE", "CHECKS", "VALIDATOR"):
                    add(node.slice, path)
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
                target = getattr(node.targets[0], "id", "")
                if target.endswith("_CODES"):
                    for value in node.value.values:
                        add(value, path)
    return found


def test_every_code_an_engine_names_is_declared() -> None:
    named = _named_codes(ENGINE_SOURCES)
    assert len(named) > 40  # the scan sees the engines
    unknown = {code: files for code, files in named.items() if code not in CATALOGUE}
    assert unknown == {}, "codes named in the code but not declared in the catalogue"


def test_flat_tables_run_exactly_the_checks_declared_for_them() -> None:
    """A code the flat validator can report is declared for tables (or both); a code
    declared for tables is one it reports. The flat rules reach the codebook checks
    through the record validator's lookups, so the codebook layer counts as named."""
    named = set(_named_codes(FLAT_SOURCES)) | set(LAYERS["codebook"])
    flat_strings = {
        node.value
        for path in FLAT_SOURCES
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    reported = (named | flat_strings | set(LAYERS["codebook"])) & CATALOGUE.keys()
    declared = {code for code, check in CATALOGUE.items() if check.on_tables}
    assert sorted(reported - declared) == [], "reported on tables, declared records-only"
    assert sorted(declared - reported) == [], "declared for tables, never reported"


def test_records_only_checks_are_listed_in_docs() -> None:
    listed = {c.code for c in records_only()}
    assert "quote-mismatch" in listed and "retired-event-id" in listed
    assert "unknown-event-code" not in listed and "malformed-row" not in listed
    doc = markdown()
    section = doc.split("## Not run on flat tables", 1)[1].split("\n## ", 1)[0]
    assert {line.split("`")[1] for line in section.splitlines() if line.startswith("- ")} == (
        listed
    )


def test_table_layer_runs_on_tables_only() -> None:
    assert {c.applies_to for c in LAYERS["table"].values()} == {TABLES}
    assert not any(c.on_records for c in LAYERS["table"].values())


def test_require_fails_loudly_on_an_unknown_code() -> None:
    require(["link-to-self", "internal-error"], "test")
    with pytest.raises(LookupError, match="link-to-itself"):
        require(["link-to-self", "link-to-itself"], "test")
    assert catalogue.require is require


def test_flat_link_unresolved_names_the_link_type(tmp_path: Path) -> None:
    """The message's ``{type}`` was never given by the flat validator (it said ``?``)."""
    data = ROOT / "datasets" / "south-caucasus" / "data"
    for name in ("events.parquet", "links.parquet"):
        shutil.copy(data / name, tmp_path / name)
    links = pq.read_table(tmp_path / "links.parquet")
    targets = links.column("target_event_id").to_pylist()
    targets[0] = "nowhere-0001"
    column = links.schema.get_field_index("target_event_id")
    kind = links.schema.field(column).type
    links = links.set_column(column, "target_event_id", pa.array(targets, kind))
    pq.write_table(links, tmp_path / "links.parquet")
    found = [f for f in validate_flat([tmp_path]).findings if f.code == "link-unresolved"]
    link_type = links.column("type").to_pylist()[0]
    assert [f.message for f in found] == [
        f"the link ({link_type}) points at event 'nowhere-0001', which no record file of "
        "this dataset holds"
    ]


def test_flat_key_hints_name_the_table_not_a_record_field() -> None:
    """A repeated key of provenance was told to "renumber evidence_index"."""
    finding = CATALOGUE["duplicate-row-key"].finding(
        "provenance.parquet", "", key="gdelt2-1", other="row 1", table="provenance"
    )
    assert finding.hint.startswith("Each row of provenance needs its own key")
