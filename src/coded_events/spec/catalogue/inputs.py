"""The inputs layer's checks: what the validator was given."""

from __future__ import annotations

from coded_events.spec.catalogue.check import BOTH, RECORDS, declare

DATASET_METADATA_REQUIRED: dict[str, type] = {"name": str, "title": str, "description": str,
                                              "version": str, "created": str, "licenses": list,
                                              "contributors": list}  # fmt: skip
"""The keys ``dataset.json`` must have, with the JSON type (as a Python type) of each."""
DATASET_METADATA_OPTIONAL: dict[str, type] = {"schema_version": str, "citation": str,
                                              "homepage": str, "keywords": list,
                                              "licence_note": str}  # fmt: skip
"""The keys ``dataset.json`` may have, with the JSON type of each."""

CHECKS = declare(
    "inputs",
    (
        "not-regular-file",
        "error",
        BOTH,
        ("kind",),
        "Not a regular file",
        "not a regular file (it is {kind}); it is not read",
        "Name a regular file (a record `*.json`, a flat table such as `events.csv`, a source "
        "text) or a folder of them; move this path aside or give it another name.",
        "A path given, or found where a record, a table, a source text or a metadata file "
        "belongs (`*.json` in `records/`, `data/events.csv`, `sources/<id>.txt`), is a "
        "directory, a FIFO, a socket or a device. It is never opened: reading a FIFO or a "
        "device could block the validator or never end.",
    ),
    (
        "nothing-to-check",
        "error",
        RECORDS,
        ("path",),
        "Nothing to check",
        "{path} holds no record file (*.json) and no flat table (.csv, .parquet)",
        "Name a dataset folder (one with records/), record files, or tables; check the "
        "path given to the validator (in CI: the workflow's working folder).",
        "A folder given to the validator yields nothing to validate. This is an error, so "
        "that a job pointed at the wrong folder fails instead of passing having checked "
        "nothing.",
    ),
    (
        "invalid-dataset-metadata",
        "error",
        RECORDS,
        ("problem",),
        "Dataset metadata invalid",
        "dataset.json {problem}",
        "dataset.json holds the dataset's name, title, description, version "
        "(MAJOR.MINOR.PATCH), created (a date), licenses and contributors; see "
        "datasets/south-caucasus/dataset.json.",
        "`dataset.json` (beside `records/`) is the dataset's metadata, not a record: it "
        "must be a JSON object with the keys `coded-events build` needs, each of its type: "
        "a Data Package name (lower case), a semantic version without leading zeros, an "
        "ISO 8601 `created` date, and at least one licence with a `name` (an SPDX id) or a "
        "`path`. `coded-events build` checks the same and also refuses a version older than "
        "every registered release of the dataset.",
    ),
    (
        "invalid-package-manifest",
        "error",
        RECORDS,
        ("problem",),
        "Data Package manifest invalid",
        "datapackage.json {problem}",
        "Rebuild it with `coded-events build DATASET`; it is generated, not edited.",
        "`datapackage.json` is the Data Package manifest that `coded-events build` writes "
        "beside `data/`, not a record: it must be a JSON object with a `resources` list, "
        "each resource with a relative `path`.",
    ),
)
