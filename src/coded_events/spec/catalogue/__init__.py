"""The catalogue of checks: every rule the validators apply, by stable code.

Declared here apart from the engines that run them (``coded_events.records.checks`` for record
files, ``coded_events.flat`` for flat tables), one module per layer; this package imports
no engine. Each check states its severity, its message and hint templates with the
parameters they take, its documentation, and the inputs it applies to (records, flat
tables or both). ``docs/checks.md`` is generated from it (``DOCS_COMMAND``).
"""

from __future__ import annotations

from collections.abc import Iterable

from coded_events.spec.catalogue import (
    codebook,
    consistency,
    dataset,
    evidence,
    importing,
    inputs,
    structure,
    syntax,
    table,
    validator,
)
from coded_events.spec.catalogue.check import (
    BOTH,
    IMPORTS,
    RECORDS,
    TABLES,
    Applies,
    Check,
    MessageParameterError,
    declare,
    template_fields,
)

__all__ = [
    "BOTH",
    "CATALOGUE",
    "DOCS_COMMAND",
    "IMPORTS",
    "LAYERS",
    "RECORDS",
    "TABLES",
    "Applies",
    "Check",
    "MessageParameterError",
    "declare",
    "markdown",
    "records_only",
    "require",
    "template_fields",
]

DOCS_COMMAND = "coded-events checks --markdown > docs/checks.md"

LAYERS: dict[str, dict[str, Check]] = {
    "inputs": inputs.CHECKS,
    "syntax": syntax.CHECKS,
    "structure": structure.CHECKS,
    "codebook": codebook.CHECKS,
    "consistency": consistency.CHECKS,
    "evidence": evidence.CHECKS,
    "dataset": dataset.CHECKS,
    "table": table.CHECKS,
    "validator": validator.CHECKS,
    "import": importing.CHECKS,
}
"""Each layer's checks, in the order the record validator runs the layers."""

CATALOGUE: dict[str, Check] = {code: c for layer in LAYERS.values() for code, c in layer.items()}

_LAYER_DOCS = {
    "inputs": "What the validator was given: paths it must not read, metadata files beside "
    "the records (checked for what they are), and a run with nothing to check.",
    "syntax": "Is the file there, readable, UTF-8, and strict JSON?",
    "structure": "Does the document follow the schema? The models' and the JSON Schema's "
    "errors, mapped onto these codes.",
    "codebook": "Is every code one the CAMEO codebook and ISO 3166 know?",
    "consistency": "Do values that are each valid agree with one another, and is their "
    "text free of control characters?",
    "evidence": "Is the source text there and unchanged, and is every quote in it?",
    "dataset": "Rules over all record files of a dataset together.",
    "table": "Flat tables (CSV, Parquet): what only a table can get wrong. Every other rule "
    "of a table reports the record code above (see docs/performance.md).",
    "validator": "The validator itself.",
    "import": "What `coded-events import` finds in a producer's file (GDELT, ICEWS, ...): an "
    "error rejects the row, a warning marks a row written with a change beyond the "
    "documented mapping (docs/importers.md).",
}

_APPLIES_DOCS = {
    RECORDS: "record files",
    TABLES: "flat tables",
    BOTH: "both",
    IMPORTS: "producer files (import)",
}


def require(codes: Iterable[str], user: str) -> None:
    """Raise at once if ``user`` (a module) names a code the catalogue does not hold, so
    that a renamed code fails loudly instead of making a rule vanish."""
    unknown = sorted(set(codes) - CATALOGUE.keys())
    if unknown:
        raise LookupError(f"{user} names check codes the catalogue lacks: {unknown}")


def records_only() -> list[Check]:
    """The checks that flat tables cannot run (they need what only record files hold)."""
    return [c for c in CATALOGUE.values() if c.applies_to == RECORDS]


def markdown() -> str:
    """The check catalogue as Markdown (the text of docs/checks.md)."""
    lines = [
        "# Check catalogue",
        "",
        f"<!-- Generated from coded_events.spec.catalogue: run `{DOCS_COMMAND}`. -->",
        "",
        "Every finding of `coded-events validate` carries one of these codes. Codes are "
        "stable: a code is never renamed or reused. Errors fail validation; warnings fail "
        "it only with `--strict`. Each finding has the shape "
        "`{code, severity, message, hint, file, line, column, pointer, field, value}`. "
        "The last column says which inputs a check is run on: record files, flat tables "
        "(CSV, Parquet), or both.",
        "",
        "| code | severity | layer | title | applies to |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| [`{c.code}`](#{c.code}) | {c.severity} | {c.layer} | {c.title} "
        f"| {_APPLIES_DOCS[c.applies_to]} |"
        for c in CATALOGUE.values()
    ]
    lines += [
        "",
        "## Not run on flat tables",
        "",
        "These checks need what only record files have (the source texts, the raw bytes "
        "and JSON of a file, the schema version a file names, the dataset's retired ids), "
        "so the flat-table validator does not run them:",
        "",
    ]
    lines += [f"- [`{c.code}`](#{c.code}): {c.title}" for c in records_only()]
    for layer, checks in LAYERS.items():
        lines += ["", f"## {layer.capitalize()}", "", _LAYER_DOCS[layer]]
        for check in checks.values():
            lines += [
                "",
                f"### {check.code}",
                "",
                f"**{check.title}** ({check.severity}; {_APPLIES_DOCS[check.applies_to]}).",
                "",
                check.doc,
                "",
                f"- Message: {check.message}",
                f"- Fix: {check.hint}",
            ]
    return "\n".join(lines) + "\n"
