"""The structure layer's checks: does the document follow the schema?"""

from __future__ import annotations

from coded_events.spec.catalogue.check import BOTH, RECORDS, declare

CHECKS = declare(
    "structure",
    (
        "deprecated-field",
        "warning",
        RECORDS,
        ("field", "fix", "since", "why"),
        "Deprecated field",
        "field {field} is deprecated since schema {since}: {why}",
        "{fix}",
        "The field still validates but will be removed in the next major schema version. "
        "Deprecations are data (`src/coded_events/field_deprecations.json`: since which "
        "version, the replacement, why), never a silent removal.",
    ),
    (
        "outdated-schema-version",
        "warning",
        RECORDS,
        ("current", "file", "value"),
        "Older schema version",
        "schema_version {value} is an older released version; the document was checked "
        "as {current} after an in-memory migration",
        "Run `coded-events migrate {file}` to upgrade the file to {current}.",
        "Documents of an older released schema version stay valid: the validator migrates "
        "them in memory, one version step at a time, and checks the result against the "
        "current schema. The file itself is never changed by the validator.",
    ),
    (
        "unsupported-schema-version",
        "error",
        RECORDS,
        ("current", "known", "value"),
        "Unsupported schema version",
        "schema_version {value} is not a schema version this validator knows ({known})",
        'Set "schema_version": "{current}".',
        "The document names a schema version that is not published in `schema/`.",
    ),
    (
        "missing-field",
        "error",
        BOTH,
        ("name",),
        "Required field missing",
        "required field {name!s} is missing",
        "Add the field; docs/checks.md and the JSON Schema describe it.",
        "A field the schema requires is absent. The pointer names the missing field; the "
        "line is that of the object that should hold it.",
    ),
    (
        "unknown-field",
        "error",
        BOTH,
        ("name",),
        "Unknown field",
        "field {name!s} is not part of the schema",
        "Check the spelling against the JSON Schema, or move the remark into `notes`.",
        "Objects accept only the fields the schema names, so that typos do not go unseen.",
    ),
    (
        "wrong-type",
        "error",
        BOTH,
        ("expected", "found"),
        "Wrong JSON type",
        "expected {expected}, found {found}",
        "Write the value as {expected} (numbers without quotes, true/false without quotes).",
        "A value has the wrong JSON type, for example a number in quotes. Nothing is "
        'coerced: `"40.1"` is not a number and `1` is not `true`.',
    ),
    (
        "invalid-date",
        "error",
        BOTH,
        ("value",),
        "Invalid date",
        "{value} is not a calendar date in the form YYYY, YYYY-MM or YYYY-MM-DD",
        "Write the date as ISO 8601 at the precision the text supports: 2024, 2024-04 or "
        "2024-04-17.",
        "Dates are reduced-precision ISO 8601 strings and must exist in the calendar "
        "(`2023-02-30` does not).",
    ),
    (
        "invalid-id",
        "error",
        BOTH,
        ("value",),
        "Invalid identifier",
        "{value} is not a valid identifier: lower-case letters and digits in groups "
        "joined by single hyphens, at most 128 characters",
        "For example sc-0001 or myind-2024-04-17-russia-peacekeepers-withdrawal.",
        "Event and source ids are slugs (`^[a-z0-9]+(-[a-z0-9]+)*$`), so that they are "
        "safe as file names and stable as keys.",
    ),
    (
        "invalid-format",
        "error",
        BOTH,
        ("pattern", "value"),
        "Value does not have the required form",
        "{value} does not match the required form {pattern}",
        "See the field's description in docs/checks.md or the JSON Schema.",
        "A string fails the field's pattern: the sha256 is 64 lower-case hex digits, the "
        "language a BCP 47 tag such as `en`, the url starts with http:// or https://.",
    ),
    (
        "invalid-enum",
        "error",
        BOTH,
        ("expected", "value"),
        "Value not in the list",
        "{value} is not one of {expected}",
        "Use one of the listed values, spelled exactly.",
        "The field takes one value from a fixed list (certainty, status, geo_precision, "
        "qualifier).",
    ),
    (
        "out-of-range",
        "error",
        BOTH,
        ("rule", "value"),
        "Value out of range",
        "{value} is out of range: {rule}",
        "Correct the value (latitude -90..90, longitude -180..180, offsets >= 0).",
        "A number or string length lies outside the bounds the schema sets.",
    ),
    (
        "empty-value",
        "error",
        BOTH,
        ("what",),
        "Empty value",
        "{what} must not be empty",
        "Fill it in, or leave an optional field out entirely.",
        "A string or list that must have content is empty (for example an event with no "
        "evidence, or an empty name).",
    ),
    (
        "schema-violation",
        "error",
        RECORDS,
        ("current", "reason"),
        "Schema violation",
        "{reason}",
        "Compare the value with the JSON Schema (schema/{current}/source-document.schema.json).",
        "Any other error the models or the JSON Schema report. The finding keeps the "
        "validator's own message.",
    ),
)
