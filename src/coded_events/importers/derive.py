"""The columns every import computes itself, whatever the format: the values derived
from our codebook (CAMEO label, root code, QuadClass, Goldstein; actor country and
roles) and the honest constants (``coder`` = the producer, ``quantities`` = [])."""

from __future__ import annotations

from functools import cache

import pyarrow as pa
import pyarrow.compute as pc

from coded_events.importers.columns import map_distinct
from coded_events.spec import codebook
from coded_events.spec.tables import QUANTITY

__all__ = ["actor_parts", "codebook_columns", "empty_quantities"]


@cache
def _event_table() -> dict[str, pa.Array]:
    codes = codebook.event_codes()
    return {
        "code": pa.array(list(codes), pa.string()),
        "cameo_label": pa.array([c.label for c in codes.values()], pa.string()),
        "root_code": pa.array([c.root_code for c in codes.values()], pa.string()),
        "quad_class": pa.array([c.quad_class for c in codes.values()], pa.int8()),
        "goldstein": pa.array([c.goldstein for c in codes.values()], pa.float64()),
    }


def codebook_columns(cameo_code: pa.Array) -> dict[str, pa.Array]:
    """``events.cameo_label``, ``root_code``, ``quad_class`` and ``goldstein`` of each code."""
    table = _event_table()
    index = pc.index_in(cameo_code, value_set=table["code"])
    return {f"events.{k}": v.take(index) for k, v in table.items() if k != "code"}


_PARTS = pa.struct([("country", pa.string()), ("roles", pa.list_(pa.string()))])


def _parts(code: str | None) -> dict[str, object] | None:
    if code is None:
        return None
    parsed = codebook.actor(code)
    return {"country": parsed.country, "roles": list(parsed.roles)}


def actor_parts(prefix: str, code: pa.Array) -> dict[str, pa.Array]:
    """``events.<prefix>_country`` and ``_roles`` of each actor code (null without one)."""
    parts = map_distinct(code, _parts, _PARTS)
    return {
        f"events.{prefix}_country": pc.struct_field(parts, "country"),
        f"events.{prefix}_roles": pc.struct_field(parts, "roles"),
    }


def empty_quantities(length: int) -> pa.Array:
    """An empty list of quantities for each row (no numbers from a text we do not hold)."""
    offsets = pa.array([0] * (length + 1), pa.int32())
    return pa.ListArray.from_arrays(
        offsets, pa.array([], QUANTITY), type=pa.list_(pa.field("item", QUANTITY, nullable=False))
    )
