"""The import layer's checks: what ``coded-events import`` finds in a producer's file.

An error rejects the row (it is not written; rows read = rows written + rows rejected);
a warning marks a row that was written with a change beyond the documented mapping, or a
line that is not a row (a header). ``import-not-event-file`` refuses the whole file.
"""

from __future__ import annotations

from coded_events.spec.catalogue.check import IMPORTS, declare

_ROW = "The row is not written."

CHECKS = declare(
    "import",
    ("import-not-event-file", "error", IMPORTS, ("format", "reason"),
     "Not an event file of the format",
     "this is not a {format} event file: {reason}",
     "Name the right format (or `auto`), or check that the file is the producer's export.",
     "The file's first lines do not look like the named format (field count, delimiter, "
     "header). The whole file is refused with this one finding; none of it is read as "
     "rows."),
    ("import-unreadable", "error", IMPORTS, ("reason",),
     "Input cannot be read",
     "the input cannot be read: {reason}",
     "Check that the path is a regular file (not a link) and the archive is whole.",
     "The input is missing, a link, or a broken zip or gzip archive. Rows read before the "
     "break are kept; the rest is not read."),
    ("import-not-utf8", "error", IMPORTS, (),
     "Row not UTF-8",
     "the row is not valid UTF-8 text",
     "Convert the file to UTF-8 (producers publish UTF-8; a spreadsheet may have saved it "
     "in another encoding).",
     f"The bytes of the line are not UTF-8. {_ROW}"),
    ("import-control-character", "error", IMPORTS, ("target",),
     "Control character in a value",
     "the value for {target} holds a control character (U+0000-U+001F other than tab, "
     "line feed and carriage return), which our tables do not allow",
     "Remove it from the file (a NUL or another control byte is usually damage from a "
     "conversion); the row is then imported.",
     "Our tables' free-text columns hold no control characters (`control-character`), and "
     "an import never changes a value silently. Values kept only in "
     f"`provenance.producer_fields` are JSON-escaped and need no change. {_ROW}"),
    ("import-wrong-width", "error", IMPORTS, ("actual", "delimiter", "expected"),
     "Row with the wrong number of fields",
     "the row has {actual} field(s) separated by {delimiter} where the format has {expected}",
     "Check the row: a line break or a delimiter inside a value splits or joins rows.",
     f"No layout of the format has this many fields. {_ROW}"),
    ("import-delimiter", "warning", IMPORTS, ("delimiter",),
     "Spreadsheet delimiter",
     "the file is separated by {delimiter}, not the producer's own delimiter; read with "
     "spreadsheet quoting",
     "Prefer the producer's original file; a spreadsheet round trip can also change "
     "codes and dates (reported row by row).",
     "A spreadsheet saved the file with `;` or `,` between fields and quotes around some "
     "values. It is read as such; every other trap of a round trip is checked per row."),
    ("import-header-added", "warning", IMPORTS, (),
     "Header line in a headerless format",
     "the first line is a header, which this format does not have; it is skipped",
     "Nothing to do; the producer's files have no header line.",
     "The producer's files have no header; a spreadsheet or script added one. The line is "
     "not a row and is skipped; the rows are read by position."),
    ("import-header-mismatch", "warning", IMPORTS, ("detail",),
     "Blank or misplaced header names",
     "the header's names are not the producer's layout ({detail}); the columns are read "
     "by the header's names",
     "Check that no column was moved or renamed by hand.",
     "A header line has blank names (they take the producer's name at that position) or "
     "names at other positions than the producer's layout (the columns are read by name)."),
    ("import-header-repeated", "warning", IMPORTS, (),
     "Header line inside the file",
     "a header line again after the first line; it is skipped",
     "Files joined with their headers: nothing to do.",
     "A line whose id field is the id column's name: a header of a joined file. It is "
     "not a row and is skipped."),
    ("import-bad-id", "error", IMPORTS, ("name",),
     "Missing or malformed producer id",
     "the producer's id ({name}) is missing or not an id",
     "The row cannot be traced back to the producer without its id.",
     f"Every imported event keeps the producer's id in provenance and builds our event id "
     f"from it. {_ROW}"),
    ("import-duplicate-id", "error", IMPORTS, ("name",),
     "Producer id used twice",
     "the producer's id ({name}) was already imported from an earlier row",
     "Import each producer file once; remove duplicated rows.",
     f"Two rows with the same producer id would be one event twice. The first is kept. "
     f"{_ROW}"),
    ("import-bad-date", "error", IMPORTS, ("name",),
     "Date not a calendar date",
     "the date ({name}) is missing or not a calendar date",
     "Check the producer's date column.",
     f"An event needs a date; a value that is not a real calendar day is not guessed. {_ROW}"),
    ("import-date-scientific", "error", IMPORTS, ("name",),
     "Date in scientific notation",
     "the date ({name}) is in scientific notation: its digits are lost",
     "Re-export from the producer's file; format the column as text in a spreadsheet.",
     f"A spreadsheet turned a YYYYMMDD or YYYYMMDDHHMMSS value into `2.02E+13`. The digits "
     f"cannot be recovered and are never guessed. {_ROW} (For the date a row was added, "
     f"see `import-date-added-unusable`.)"),
    ("import-date-arithmetic", "warning", IMPORTS, ("precision",),
     "Date set by arithmetic",
     "the producer's date is the date added minus whole years or months: not "
     "day-precise; imported at {precision} precision",
     "Nothing to do; the producer's date stays verbatim in provenance.",
     "GDELT dates events the article refers to as 'a year ago' or 'last month' by "
     "subtracting from the publication date; such a date names a day but is not "
     "day-precise. It is imported as the year or month (date_start_text at that "
     "precision), never as the day."),
    ("import-date-added-unusable", "warning", IMPORTS, ("name",),
     "Date added unusable",
     "the date the row was added ({name}) is not a date (scientific notation or "
     "malformed); whether the event date was set by arithmetic cannot be checked",
     "Re-export from the producer's file; format the column as text in a spreadsheet.",
     "The row is kept at the precision its event date gives; the value stays verbatim in "
     "provenance, never guessed."),
    ("import-event-code-padded", "warning", IMPORTS, ("code", "evidence", "padded"),
     "Leading zero restored",
     "event code {code} lost its leading zero; {padded} is proven by {evidence}",
     "Read the producer's file with every code as text.",
     "A code read as a number (`10` for `010`, `874` for `0874`) is padded only when "
     "another field of the row (base code, root code, QuadClass, Goldstein) proves the "
     "padded code."),
    ("import-bad-event-code", "error", IMPORTS, ("code",),
     "Event code unknown or unprovable",
     "event code {code} is not a CAMEO code of the codebook, and no field of the row "
     "proves a padded one",
     "Check the code; read the file with codes as text.",
     f"The code is unknown, or a code that lost a leading zero cannot be proven from the "
     f"row. Never guessed. {_ROW}"),
    ("import-derived-disagrees", "warning", IMPORTS, ("field", "ours", "theirs"),
     "Producer's derived value differs from the codebook",
     "the producer's {field} is {theirs}; the codebook's for this event code is {ours} "
     "(ours is kept)",
     "Nothing to do; the producer's value stays verbatim in provenance.",
     "Root code, QuadClass, Goldstein (and ICEWS Intensity) are derived from our codebook, "
     "never imported; where the producer's value differs, this reports it."),
    ("import-actor-not-expressible", "warning", IMPORTS, ("code", "lost"),
     "Actor code not fully expressible",
     "the producer's actor code {code} cannot be expressed whole: {lost}",
     "Nothing to do; the producer's code stays verbatim in provenance.",
     "The actor code is rebuilt from the country and type fields; segments our codebook "
     "does not know, or an actor given by religion or ethnicity only, cannot be written "
     "as a CAMEO actor code and are kept in provenance."),
    ("import-country-unknown", "warning", IMPORTS, ("kind", "name"),
     "Country not recognised",
     "the {kind} in {name} has no ISO 3166 country; the location's country is left empty",
     "Nothing to do; the value stays verbatim in provenance.",
     "GDELT gives FIPS 10-4 country codes and ICEWS English names; a value the shipped "
     "table does not know is not guessed."),
    ("import-coordinates-missing", "warning", IMPORTS, (),
     "0,0 coordinates without a place",
     "the coordinates 0,0 come with no place name: they mean 'no coordinates'",
     "Nothing to do.",
     "A producer writes 0,0 when it has no coordinates; with an empty place name they are "
     "dropped rather than imported as a point in the Gulf of Guinea."),
    ("import-coordinates-outside", "warning", IMPORTS, ("country",),
     "Coordinates outside the producer's country",
     "the coordinates lie outside {country}, the country the producer gives; they are "
     "left empty",
     "Nothing to do; the producer's coordinates stay verbatim in provenance.",
     "The producer's point and country disagree (GDELT places `Mauritius` at 16, 146 and "
     "`Irish Sea` in Ireland). Which is wrong cannot be told: the country is kept, the "
     "coordinates are dropped (the flat validator's `coordinates-outside-country` rule, "
     "with its margin) and stay in provenance."),
    ("import-target-is-source", "warning", IMPORTS, (),
     "Target actor the same as the source actor",
     "the target actor is the source actor; the target is left empty",
     "Nothing to do; the producer's target stays verbatim in provenance.",
     "The producer codes an actor acting on itself (same code and name). Our model leaves "
     "the target out in that case (`target-equals-source`); the producer's target columns "
     "stay in provenance."),
    ("import-bad-number", "error", IMPORTS, ("name",),
     "Number that is not a number",
     "{name} is not a number in range",
     "Check the value.",
     f"A latitude, longitude or other number does not parse or is out of range. {_ROW}"),
)  # fmt: skip

# Importers part 2 (issue 16): producers that are not CAMEO (ACLED, UCDP GED, PLOVER),
# Phoenix, and the quoted-CSV and JSON readers (their fixtures: tests/test_import_part2_*).
PART2 = declare(
        "import",
        ("import-index-column", "warning", IMPORTS, (),
         "Index column added by pandas",
         "the first column is an index a script added (pandas `to_csv`), not the "
         "producer's; it is dropped",
         "Nothing to do; write CSV with `index=False` next time.",
         "A first column with no name (or `Unnamed: 0`) holding row numbers is not the "
         "producer's column. It is dropped; the rows are read by the header's other names."),
        ("import-tag-row", "warning", IMPORTS, (),
         "Tag row under the header",
         "the line under the header is a row of tags (HDX `#event+code`...), not a row; "
         "it is skipped",
         "Nothing to do; the Humanitarian Data Exchange adds this row.",
         "HDX exports put a Humanitarian Exchange Language tag row under the header. It is "
         "not an event and is skipped."),
        ("import-category-unmapped", "error", IMPORTS, ("category", "crosswalk"),
         "Producer category with no CAMEO action",
         "the producer's category {category} has no CAMEO event code in {crosswalk}",
         "Nothing to do if the category is not an action (ACLED `Other`, `Change to "
         "group/activity`); otherwise propose a crosswalk row with its source.",
         f"The declared crosswalk maps the category to no CAMEO action (a residual or "
         f"non-action category), or the category is unknown. An action is never "
         f"invented. {_ROW}"),
        ("import-not-an-event", "error", IMPORTS, ("category",),
         "Record that is not an event",
         "the record is not an event ({category}): it documents the file",
         "Nothing to do.",
         f"PLOVER files may begin with a `DOCUMENT` record that describes the file; it "
         f"codes no event. {_ROW}"),
        ("import-crosswalk-lossy", "warning", IMPORTS, ("category", "crosswalk", "note"),
         "Mapping that loses information",
         "{category} is mapped through {crosswalk} with a loss: {note}",
         "Nothing to do; the producer's own category stays verbatim in provenance.",
         "The crosswalk row is marked `lossy`: our code says less than, or something "
         "other than, the producer's category (a not-specified CAMEO code, a militia as an "
         "unaligned armed force, a week-precise day). The row is written; the producer's "
         "value is kept verbatim in `provenance.producer_fields`."),
        ("import-undirected", "warning", IMPORTS, ("category",),
         "No direction between the actors",
         "ACLED gives no direction for {category}: actor 1 is the source and actor 2 the "
         "target by column order only",
         "Do not read the source and target of these events as who acted on whom.",
         "ACLED has no source and target. The rule is actor 1 -> source, actor 2 -> "
         "target; for categories whose definition gives the pair no direction (battles, "
         "agreements) the row is flagged."),
        ("import-text-repaired", "warning", IMPORTS, ("name",),
         "cp1252 text read as Latin-1",
         "{name} holds C1 control characters (cp1252 text decoded as Latin-1); repaired, "
         "the original kept in provenance",
         "Nothing to do; the producer's text stays verbatim in provenance.",
         "Characters U+0080-U+009F are control characters no one types; they are what "
         "cp1252 quotes and dashes (`’`, `–`) become when decoded as Latin-1. The text is "
         "re-decoded as cp1252 in our columns."),
        ("import-estimate-inconsistent", "warning", IMPORTS, ("detail",),
         "Estimates out of order",
         "the producer's estimates disagree ({detail}); its numbers are kept as given",
         "Nothing to do; report it to the producer if it matters.",
         "UCDP GED gives low, best and high estimates of deaths; a best outside "
         "low..high, or low above high, is reported and the numbers imported unchanged, "
         "each with its own qualifier."),
        ("import-bad-record", "error", IMPORTS, ("reason",),
         "Line that is not a record",
         "this line of a JSON-lines file is not one JSON value: {reason}",
         "Fix or remove the line (a record cut off or written by hand); the others are read.",
         "In a JSON-lines file each line is one record. A line that is not one JSON value "
         "(a syntax error, a value broken off, a key twice, NaN, text after the value) is "
         f"rejected as a row, and the lines after it are read. {_ROW}"),
        ("import-placeholder-date", "error", IMPORTS, ("name",),
         "Placeholder date",
         "the date ({name}) is a placeholder its producer documents, not the event's date",
         "Nothing to do: the producer does not give the date.",
         f"PLOVER's gold-standard records set every date to 2000-01-01 (their readme says "
         f"so). An event needs a date; a placeholder is not one and is never imported as "
         f"one. {_ROW}"),
        ("import-target-not-actor", "warning", IMPORTS, (),
         "Target that is not an actor",
         "the target is not a list of actors; the event has no target",
         "Nothing to do; the producer's value stays verbatim in provenance.",
         "A PLOVER record whose `target` is a word (`diplomatic`) rather than actor "
         "entries: it is not imported as an actor."),
        ("import-quantity-unreadable", "warning", IMPORTS, ("name",),
         "Count that is not a number",
         "{name} is neither a number nor a count word of the declared table; not imported "
         "as a quantity",
         "Nothing to do; the producer's value stays verbatim in provenance.",
         "Sizes and casualties may be words (`Thousands`: at least 2000, from the "
         "declared table); other words are not guessed."),
)  # fmt: skip
CHECKS.update(PART2)
