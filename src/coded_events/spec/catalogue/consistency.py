"""The consistency layer's checks: do values that are each valid agree with one another?"""

from __future__ import annotations

from coded_events.spec.catalogue.check import BOTH, RECORDS, declare

CHECKS = declare(
    "consistency",
    (
        "date-range-reversed",
        "error",
        BOTH,
        ("end", "start"),
        "Date range ends before it starts",
        "the date range ends ({end}) before it starts ({start})",
        "Swap start and end, or correct the mistyped one.",
        "`date.end` must not lie before `date.start` (compared at their precision: "
        "`2024-04` to `2024-04-10` is fine).",
    ),
    (
        "event-after-publication",
        "error",
        RECORDS,
        ("date", "published", "status"),
        "Event dated after its source was published",
        "the event is dated {date}, after the source was published ({published}), but its "
        "status is {status}",
        "Correct the date, or set status to planned, demanded or threatened if the text "
        "announces it.",
        "A source can only report what happened before it was published. Events that the "
        "text announces for later carry status planned, demanded or threatened.",
    ),
    (
        "coordinates-outside-country",
        "error",
        BOTH,
        ("box", "country", "lat", "lon"),
        "Coordinates outside the stated country",
        "latitude {lat}, longitude {lon} lies outside {country} ({box})",
        "Check for swapped latitude and longitude, a lost minus sign, or the wrong country.",
        "The point must fall inside the country's bounding box (plus half a degree); the "
        "boxes come from `codebook_data/country_bbox.csv`. Boxes are coarse: this catches "
        "swapped or mistyped coordinates, not border cases.",
    ),
    (
        "coordinates-incomplete",
        "error",
        BOTH,
        ("missing", "present"),
        "Latitude without longitude, or the reverse",
        "{present} is given but {missing} is not",
        "Give both coordinates, or neither (with geo_precision none).",
        "A point needs both coordinates.",
    ),
    (
        "date-more-precise-than-evidence",
        "warning",
        RECORDS,
        ("date",),
        "Day precision the quotes do not support",
        "the date {date} is given to the day, but the quotes name only a month",
        "Give the date at month precision, quote the sentence that names the day, or "
        "explain the day in date.note.",
        "A day-precise date whose quotes mention a month but no day (no day number, "
        "weekday, 'today' or 'yesterday'), and no `date.note` explaining it.",
    ),
    (
        "target-equals-source",
        "error",
        BOTH,
        ("code", "name"),
        "Target is the same actor as the source",
        "the target actor is the source actor ({code}, {name!r})",
        "Leave target_actor out when nobody is acted upon, or name the actual target.",
        "Source and target have the same code and the same name. (The same code with "
        "different names, say two Russian ministries, is allowed.)",
    ),
    (
        "derived-value-mismatch",
        "error",
        BOTH,
        ("code", "expected", "name", "value"),
        "Typed value disagrees with the codebook",
        "{name} is {value} but the codebook gives {expected} for event code {code}",
        "Correct it to {expected}, or leave the field out: it is derived at build time.",
        "`action.label`, `root_code`, `quad_class` and `goldstein` are optional and derived "
        "from the codebook; when a coder types them, they must agree.",
    ),
    (
        "control-character",
        "error",
        BOTH,
        ("at", "char"),
        "Control character in text",
        "the text contains the control character {char} at character {at}",
        "Remove it (control characters come from copying out of PDFs, terminals or word "
        "processors); only tab, line feed and carriage return may appear in text.",
        "Text values (every string of a record, keys included; every free-text column of "
        "a flat table) must not contain C0 control characters other than tab, line feed "
        "and carriage return: an escaped `\\u0000` in `coder` is valid JSON, but a NUL "
        "byte in a published CSV breaks the tools that read it. (Parquet's optional "
        "`notes`, `date_note` and `location_admin` columns are not decoded, so not checked.)",
    ),
)
