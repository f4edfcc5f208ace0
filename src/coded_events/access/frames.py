"""``load(as_=...)``: a table as the frame an analyst asked for (Arrow, pandas, polars),
with the types docs/data-dictionary.md promises."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["CONVERTERS"]


def _pandas_types() -> list[tuple[Callable[[pa.DataType], bool], Any]]:
    """Arrow type test -> pandas dtype: the nullable dtypes, so a null stays a null."""
    import pandas as pd
    import pyarrow as pa

    return [
        (pa.types.is_int64, pd.Int64Dtype()),
        (pa.types.is_string, pd.StringDtype()),
        (pa.types.is_large_string, pd.StringDtype()),
        (pa.types.is_boolean, pd.BooleanDtype()),
    ]


def _to_pandas(table: pa.Table) -> Any:
    """A pandas frame with the types an analyst expects (see docs/data-dictionary.md).

    Dates become ``datetime64[ms]`` (``.dt``, resampling and monthly grouping work; a day
    is exact), every integer ``Int64`` (a missing GeoNames id stays missing, not a float
    NaN), and every code and text ``string`` (the dictionary-encoded codes are decoded, so
    ``"010"`` keeps its leading zero and compares with plain strings). List columns
    (roles, quantities) stay Python objects.
    """
    import pyarrow as pa

    columns = []
    for field, column in zip(table.schema, table.columns, strict=True):
        if pa.types.is_dictionary(field.type):
            column = column.cast(field.type.value_type)
        if pa.types.is_integer(column.type):
            column = column.cast(pa.int64())
        columns.append(column)
    plain = pa.table(columns, names=table.column_names)
    types = _pandas_types()

    def mapper(arrow_type: pa.DataType) -> Any:
        return next((dtype for test, dtype in types if test(arrow_type)), None)

    return plain.to_pandas(types_mapper=mapper, date_as_object=False)


def _to_polars(table: pa.Table) -> Any:
    import polars

    return polars.from_arrow(table)


CONVERTERS: dict[str, tuple[str | None, Callable[[pa.Table], Any]]] = {
    "arrow": (None, lambda table: table),
    "pandas": ("pandas", _to_pandas),
    "polars": ("polars", _to_polars),
}
"""``load(as_=...)`` -> (the module that must import, the converter)."""
