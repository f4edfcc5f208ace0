"""The dataset layer's checks: rules over all record files of a dataset together."""

from __future__ import annotations

from coded_events.spec.catalogue.check import BOTH, RECORDS, declare

CHECKS = declare(
    "dataset",
    (
        "duplicate-event-id",
        "error",
        BOTH,
        ("other", "value"),
        "Event id used twice",
        "event id {value} is also used by {other}",
        "Give this event a new id; never change the id of a published event.",
        "Event ids are unique across every record file of a dataset.",
    ),
    (
        "retired-event-id",
        "error",
        RECORDS,
        ("value",),
        "Retired event id reused",
        "event id {value} was retired and must never be used again",
        "Give the event a new id (see retired_ids.txt for ids that are taken).",
        "Ids of published events that were later withdrawn are listed in the dataset's "
        "`retired_ids.txt` and stay retired for ever, so that old citations never point "
        "at a different event.",
    ),
    (
        "retired-ids-unreadable",
        "error",
        RECORDS,
        ("path", "reason"),
        "Retired ids cannot be read",
        "{path} {reason}; event ids cannot be checked against the retired ones",
        "Make retired_ids.txt a regular UTF-8 text file in the dataset folder (not a link), "
        "one retired event id per line.",
        "A dataset's `retired_ids.txt` that exists but cannot be read (a link, a FIFO or "
        "another non-file, bytes that are not UTF-8, no permission) is an error, never an "
        "empty list: otherwise a retired id could be reused unnoticed.",
    ),
    (
        "duplicate-source-id",
        "error",
        BOTH,
        ("other", "value"),
        "Source coded in two files",
        "source id {value} is also the source of {other}",
        "Put all events from one article in one file (and list a source once in the "
        "sources table).",
        "Each source (article) has exactly one record file.",
    ),
    (
        "unresolved-source-reference",
        "error",
        BOTH,
        ("value",),
        "Quote from an unknown source",
        "the quote names source {value}, which no record file of this dataset describes",
        "Use the source id of an existing record, or add a record for that source.",
        "An evidence `source_id` must be the source of some record file in the dataset.",
    ),
    (
        "link-unresolved",
        "error",
        BOTH,
        ("type", "value"),
        "Link to an unknown event",
        "the link ({type}) points at event {value}, which no record file of this dataset holds",
        "Use the id of an existing event of this dataset, or remove the link.",
        "Every event link (schema 1.1.0) must resolve to an event of the same dataset, in "
        "any of its record files. A retired id does not resolve.",
    ),
    (
        "link-to-self",
        "error",
        BOTH,
        ("type",),
        "Event links to itself",
        "the link ({type}) points at the event that holds it",
        "Link to the other event; an event needs no link to itself.",
        "An event cannot respond to, be part of, or be the same as itself.",
    ),
    (
        "likely-duplicate-event",
        "warning",
        RECORDS,
        ("other",),
        "Likely duplicate event",
        "this event has the same actors, event code, date and place as {other}",
        "If both reports describe one event, keep one; if they are distinct, say why in notes.",
        "Two events with the same source and target actor codes, event code, date and "
        "place are probably one event coded twice (often from two articles).",
    ),
)
