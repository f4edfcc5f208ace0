"""A first analysis of south-caucasus: events by QuadClass and month, with their quotes.

Needs only ``pip install coded-events`` (the bundled release, offline):

    python examples/quadclass_by_month.py
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

import coded_events

QUAD_CLASSES = {
    1: "verbal cooperation",
    2: "material cooperation",
    3: "verbal conflict",
    4: "material conflict",
}


def counts_by_quad_class_and_month(events: pa.Table) -> pa.Table:
    """Number of events per (month of the start date, QuadClass), in time order."""
    month = pc.strftime(events["date_start"], format="%Y-%m")
    table = pa.table({"month": month, "quad_class": events["quad_class"]})
    counts = table.group_by(["month", "quad_class"]).aggregate([([], "count_all")])
    return counts.rename_columns(["month", "quad_class", "events"]).sort_by(
        [("month", "ascending"), ("quad_class", "ascending")]
    )


def events_with_quotes(events: pa.Table, evidence: pa.Table) -> pa.Table:
    """One row per evidence quote, with the event's date, CAMEO code and actors."""
    columns = ["event_id", "date_start_text", "cameo_code", "quad_class", "source_actor_code"]
    quotes = evidence.select(["event_id", "evidence_index", "quote"])
    joined = quotes.join(events.select(columns), keys="event_id", join_type="inner")
    order = ["date_start_text", "event_id", "evidence_index"]
    return joined.sort_by([(column, "ascending") for column in order])


def main() -> None:
    events = coded_events.load("south-caucasus")
    evidence = coded_events.load("south-caucasus", table="evidence")
    print(f"{events.num_rows} events, {evidence.num_rows} quotes\n")

    print("month    QuadClass                 events")
    for row in counts_by_quad_class_and_month(events).to_pylist():
        label = f"{row['quad_class']} {QUAD_CLASSES[row['quad_class']]}"
        print(f"{row['month']:<8} {label:<25} {row['events']:>6}")

    print("\nThe first quote of each material-conflict event (QuadClass 4):")
    for row in events_with_quotes(events, evidence).to_pylist():
        if row["quad_class"] == 4 and row["evidence_index"] == 0:
            quote = " ".join(row["quote"].split())
            quote = quote if len(quote) <= 60 else quote[:59] + "…"
            print(f"  {row['date_start_text']:<10} {row['cameo_code']:<4} {quote}")


if __name__ == "__main__":
    main()
