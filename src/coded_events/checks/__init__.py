"""The catalogue of checks: every rule the validator applies, by stable code.

One module per layer (inputs, syntax, structure, codebook, consistency, evidence, dataset);
each declares its checks and the function that applies them. ``CATALOGUE`` maps each
code to its :class:`Check`; ``docs/checks.md`` is generated from it
(``coded-events checks --markdown > docs/checks.md``).
"""

from __future__ import annotations

from coded_events.checks import (
    codebook_checks,
    consistency,
    dataset,
    evidence,
    inputs,
    structure,
    syntax,
)
from coded_events.checks.base import Check, Document, declare
from coded_events.flat import codes as table_codes

__all__ = ["CATALOGUE", "DOCS_COMMAND", "LAYERS", "Check", "Document", "markdown"]

DOCS_COMMAND = "coded-events checks --markdown > docs/checks.md"

VALIDATOR = declare(
    "validator",
    (
        "internal-error",
        "error",
        "Validator failed",
        "the validator failed while running the {layer} checks: {reason}",
        "This is a bug in coded-events: please report it with the file that caused it.",
        "A check raised an unexpected exception. The other layers still ran; the file is "
        "reported as failing so that nothing passes unchecked.",
    ),
)

LAYERS = {
    "inputs": inputs.CHECKS,
    "syntax": syntax.CHECKS,
    "structure": structure.CHECKS,
    "codebook": codebook_checks.CHECKS,
    "consistency": consistency.CHECKS,
    "evidence": evidence.CHECKS,
    "dataset": dataset.CHECKS,
    "table": table_codes.CHECKS,
    "validator": VALIDATOR,
}

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
}


def markdown() -> str:
    """The check catalogue as Markdown (the text of docs/checks.md)."""
    lines = [
        "# Check catalogue",
        "",
        f"<!-- Generated from coded_events.checks.CATALOGUE: run `{DOCS_COMMAND}`. -->",
        "",
        "Every finding of `coded-events validate` carries one of these codes. Codes are "
        "stable: a code is never renamed or reused. Errors fail validation; warnings fail "
        "it only with `--strict`. Each finding has the shape "
        "`{code, severity, message, hint, file, line, column, pointer, field, value}`.",
        "",
        "| code | severity | layer | title |",
        "| --- | --- | --- | --- |",
    ]
    lines += [
        f"| [`{c.code}`](#{c.code}) | {c.severity} | {c.layer} | {c.title} |"
        for c in CATALOGUE.values()
    ]
    for layer, checks in LAYERS.items():
        lines += ["", f"## {layer.capitalize()}", "", _LAYER_DOCS[layer]]
        for check in checks.values():
            lines += [
                "",
                f"### {check.code}",
                "",
                f"**{check.title}** ({check.severity}).",
                "",
                check.doc,
                "",
                f"- Message: {check.message}",
                f"- Fix: {check.hint}",
            ]
    return "\n".join(lines) + "\n"
