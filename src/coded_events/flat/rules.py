"""The column rules of the flat tables, derived from the Table Schemas and the codebook.

``rules_for(table)`` lists the rules of one table: the Table Schema's
(:mod:`~coded_events.flat.schema_rules`), the cross-column ones (derived values in
:mod:`~coded_events.flat.derived_rules`, the rest of the record model in
:mod:`~coded_events.flat.row_rules`), then control characters in its free-text
columns (:mod:`~coded_events.flat.control_rules`). What a rule is:
:mod:`~coded_events.flat.rule_base`.
"""

from __future__ import annotations

from functools import cache

from coded_events.flat.control_rules import control_rule
from coded_events.flat.derived_rules import (
    derived_actor_values,
    derived_dates,
    derived_event_values,
    derived_published,
)
from coded_events.flat.row_rules import (
    coordinates,
    quantities,
    quotes,
    same_actor,
    self_links,
)
from coded_events.flat.rule_base import Rule
from coded_events.flat.schema_rules import _LOOKUPS, _is_date_text, _is_id, schema_rules
from coded_events.release.table_schema import table_schema
from coded_events.spec.tables import TABLE


def free_text_columns(table: str) -> list[str]:
    """String columns no other rule constrains (no enum, pattern, codebook or id rule)."""
    out = []
    for field in table_schema(table)["fields"]:
        name, constraints = field["name"], field.get("constraints", {})
        ruled = name in _LOOKUPS or _is_date_text(constraints) or _is_id(constraints)
        if field["type"] == "string" and not ruled and not {"enum", "pattern"} & set(constraints):
            out.append(name)
    return out


CROSS_RULES: tuple[Rule, ...] = (
    Rule("derived:action", ("cameo_code", "cameo_label", "root_code", "quad_class",
                            "goldstein"), derived_event_values,
         optional=("cameo_label", "root_code", "quad_class", "goldstein")),
    derived_actor_values("source_actor"),
    derived_actor_values("target_actor"),
    Rule("dates", ("date_start_text", "date_end_text", "date_start", "date_end",
                   "date_precision"), derived_dates,
         optional=("date_start", "date_end", "date_precision")),
    Rule("coordinates", ("latitude", "longitude", "location_country"), coordinates,
         optional=("location_country",)),
    Rule("same-actor", ("source_actor_code", "target_actor_code", "source_actor_name",
                        "target_actor_name"), same_actor),
    Rule("quantities", ("quantities",), quantities),
    Rule("quotes", ("quote", "char_start", "char_end"), quotes),
    Rule("published", ("published", "published_text"), derived_published),
    Rule("self-link", ("event_id", "target_event_id"), self_links),
)  # fmt: skip
"""The cross-column rules. A table runs those whose columns (all but the optional ones)
it declares in the table spec, so a table needs no entry here."""


def cross_rules(table: str) -> list[Rule]:
    """The cross-column rules of ``table``, by the columns the table spec gives it."""
    declared = set(TABLE[table].column_names)
    return [rule for rule in CROSS_RULES if set(rule.needs) <= declared]


@cache
def rules_for(table: str) -> tuple[Rule, ...]:
    """Every rule of ``table``: the Table Schema's, the cross-column ones, then control
    characters in its free-text columns."""
    cross = cross_rules(table)
    owned = frozenset(c for rule in cross for c in rule.owns)
    controls = [control_rule(c) for c in free_text_columns(table)]
    return (*schema_rules(table, owned), *cross, *controls)


def runnable(rule: Rule, present: set[str]) -> bool:
    """Whether a batch with columns ``present`` has what ``rule`` needs."""
    return all(c in present for c in rule.needs)
