"""The table layer's checks: what only a flat table (CSV, Parquet) can get wrong."""

from __future__ import annotations

from coded_events.spec.catalogue.check import TABLES, declare
from coded_events.spec.tables import TABLE_NAMES

CHECKS = declare(
    "table",
    (
        "unknown-table",
        "error",
        TABLES,
        ("reason",),
        "Table not recognised",
        "cannot tell which published table this file holds ({reason})",
        f"Name the file after its table ({', '.join(TABLE_NAMES)}, as in the "
        "published data/ folder) or give it that table's columns.",
        "A flat file is matched to a table by the `coded_events.table` Parquet metadata, "
        "then by its name (`events.parquet`, `evidence.csv`), then by a folder below the "
        "folder given (`sources/part-0.parquet`, never a folder above it), then by its "
        "columns. A file that matches none is not checked further.",
    ),
    (
        "malformed-row",
        "error",
        TABLES,
        ("actual", "expected", "text"),
        "CSV row with the wrong number of fields",
        "a CSV row has {actual} field(s) where the header has {expected}: {text}",
        "Check the row's quoting: a comma or line break inside a value must be in double "
        "quotes, and a double quote inside a quoted value is doubled.",
        "A row of a CSV table does not have one field per column, usually because of a "
        "quoting mistake. The row is skipped; the rest of the file is still checked.",
    ),
    (
        "duplicate-column",
        "error",
        TABLES,
        ("count", "name"),
        "Column name used twice",
        "the column name {name} appears {count} times in the header",
        "Keep one column of that name: each column of a table has its own name.",
        "A CSV header or a Parquet schema names the same column more than once. None of "
        "the columns of that name is read (which one holds the data cannot be told); the "
        "rules that need it are not run.",
    ),
    (
        "duplicate-row-key",
        "error",
        TABLES,
        ("key", "other", "table"),
        "Primary key used twice",
        "the key ({key}) of table {table} is also used by {other}",
        "Each row of {table} needs its own key: drop the repeated row, or renumber it "
        "(evidence: evidence_index within the event).",
        "Rows of a table must have unique primary keys (`evidence`: `event_id`, "
        "`evidence_index`). Event and source ids report `duplicate-event-id` and "
        "`duplicate-source-id`, as in record files.",
    ),
    (
        "unresolved-event-reference",
        "error",
        TABLES,
        ("table", "value"),
        "Quote of an unknown event",
        "the {table} row names event {value}, which the events table does not hold",
        "Use the id of an event in the events table, or add that event.",
        "A foreign key: each `evidence.event_id` (and each event id of another table that "
        "names an event) must be an `event_id` of the events table checked with it. (In a "
        "record file the quotes sit inside their event, so this cannot happen there.)",
    ),
    (
        "hand-coded-value-missing",
        "error",
        TABLES,
        ("columns", "reason", "row", "value"),
        "Hand-coded row with an empty column",
        "the {row} {value} is hand-coded ({reason}) but leaves {columns} empty",
        "Fill the column(s), as the record would; or, if the event was imported from "
        "another producer, give it its provenance row (validate the provenance table with "
        "the events).",
        "Some columns may be empty only for what was imported from another producer "
        "(`hand_coded` columns in the table spec; the data dictionary says which): the "
        "events' `location_name`, `certainty`, `status`, `source_actor_code`, "
        "`source_actor_name` and `source_actor_roles`, and the sources' `title`, "
        "`publisher`, `published`, `published_text`, `language` and `text_sha256`. An event "
        "with no provenance row is hand-coded (when the set has no provenance table, every "
        "event is), and a source is a hand-coded one unless only events with a provenance "
        "row name it (`events.source_id`): a source that a hand-coded event names, that "
        "only evidence quotes name, or that no event names needs them all. One finding per "
        "row, naming its empty columns. Checked when the set holds the events table (the "
        "sources, when it holds both); an event with an empty id is not checked.",
    ),
)
