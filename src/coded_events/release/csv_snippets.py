"""The data dictionary's "Reading the CSV files": pandas, polars and DuckDB snippets that
read a table's CSV into the values its Parquet file holds, generated from the table spec.

Every column is read as text first, then given its type from its Arrow type in
``coded_events.spec.tables``: a new column in the spec gets its cast here without an edit.
``tests/test_data_dictionary.py`` runs each snippet taken from the generated page.
"""

from __future__ import annotations

import json

import pyarrow as pa

from coded_events.spec.tables import TABLE

_PANDAS_INTEGERS = {8: "Int8", 16: "Int16", 32: "Int32", 64: "Int64"}
_POLARS_INTEGERS = {8: "pl.Int8", 16: "pl.Int16", 32: "pl.Int32", 64: "pl.Int64"}
_DUCKDB_INTEGERS = {8: "TINYINT", 16: "SMALLINT", 32: "INTEGER", 64: "BIGINT"}


def _kind(arrow_type: pa.DataType) -> str:
    """How a column is read back: text, integer, float, bool, date or json."""
    if pa.types.is_dictionary(arrow_type) or pa.types.is_string(arrow_type):
        return "text"
    if pa.types.is_integer(arrow_type):
        return "integer"
    if pa.types.is_floating(arrow_type):
        return "float"
    if pa.types.is_boolean(arrow_type):
        return "bool"
    if pa.types.is_date(arrow_type):
        return "date"
    if pa.types.is_list(arrow_type) or pa.types.is_struct(arrow_type):
        return "json"
    raise ValueError(f"no CSV reading declared for the Arrow type {arrow_type}")


def _columns(table: str, kind: str) -> list[tuple[str, pa.DataType]]:
    return [(c.name, c.type) for c in TABLE[table].columns if _kind(c.type) == kind]


def _names(columns: list[tuple[str, pa.DataType]]) -> str:
    return ", ".join(f'"{name}"' for name, _ in columns)


def _polars_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_list(arrow_type):
        return f"pl.List({_polars_type(arrow_type.value_type)})"
    if pa.types.is_struct(arrow_type):
        fields = ", ".join(f'"{f.name}": {_polars_type(f.type)}' for f in arrow_type)
        return f"pl.Struct({{{fields}}})"
    kind = _kind(arrow_type)
    if kind == "integer":
        return _POLARS_INTEGERS[arrow_type.bit_width]
    return {"text": "pl.String", "float": "pl.Float64", "bool": "pl.Boolean"}[kind]


def _duckdb_type(arrow_type: pa.DataType) -> object:
    """The JSON structure DuckDB's ``from_json`` takes for a nested type."""
    if pa.types.is_list(arrow_type):
        return [_duckdb_type(arrow_type.value_type)]
    if pa.types.is_struct(arrow_type):
        return {f.name: _duckdb_type(f.type) for f in arrow_type}
    kind = _kind(arrow_type)
    if kind == "integer":
        return _DUCKDB_INTEGERS[arrow_type.bit_width]
    return {"text": "VARCHAR", "float": "DOUBLE", "bool": "BOOLEAN"}[kind]


def _pandas(table: str, path: str) -> str:
    numbers = {n: _PANDAS_INTEGERS[t.bit_width] for n, t in _columns(table, "integer")}
    numbers |= {n: "Float64" for n, _ in _columns(table, "float")}
    lines = [
        "import json",
        "",
        "import pandas as pd",
        "",
        f"{table} = pd.read_csv(",
        f'    "{path}",',
        '    dtype="string",  # every column as text first: "010" keeps its leading zero',
        "    keep_default_na=False,",
        '    na_values=[""],  # only an empty field is null ("NA" is a value)',
        ")",
        "# Undo the spreadsheet guard: one leading ' comes off every cell that has one.",
        f'{table} = {table}.apply(lambda column: column.str.replace(r"^\'", "", regex=True))',
        f"{table} = {table}.astype(",
        "    {",
        *(f'        "{name}": "{dtype}",' for name, dtype in numbers.items()),
        "    }",
        ")",
    ]
    for name, _ in _columns(table, "bool"):
        lines.append(f'{table}["{name}"] = {table}["{name}"].map({{"true": True, "false": False}})')
    if dates := _columns(table, "date"):
        lines += [
            f"for column in [{_names(dates)}]:",
            f'    {table}[column] = pd.to_datetime({table}[column], format="%Y-%m-%d")',
        ]
    if nested := _columns(table, "json"):
        lines += [
            f"for column in [{_names(nested)}]:",
            f'    {table}[column] = {table}[column].map(json.loads, na_action="ignore")',
        ]
    return "\n".join(lines)


def _grouped(table: str, kind: str) -> dict[str, list[tuple[str, pa.DataType]]]:
    """The columns of one kind grouped by their polars type, in column order."""
    groups: dict[str, list[tuple[str, pa.DataType]]] = {}
    for name, arrow_type in _columns(table, kind):
        groups.setdefault(_polars_type(arrow_type), []).append((name, arrow_type))
    return groups


def _polars(table: str, path: str) -> str:
    casts = [f'    pl.col({_names(_columns(table, "date"))}).str.to_date("%Y-%m-%d"),']
    casts += [f'    pl.col("{name}") == "true",' for name, _ in _columns(table, "bool")]
    for kind in ("integer", "float"):
        casts += [f"    pl.col({_names(c)}).cast({t})," for t, c in _grouped(table, kind).items()]
    declared = []
    for type_text, columns in _grouped(table, "json").items():
        if len(type_text) > 40:  # a long nested type gets a name of its own
            name = f"{columns[0][0]}_type"
            declared.append(f"{name} = " + type_text.replace(", ", ",\n    "))
            type_text = name
        casts.append(f"    pl.col({_names(columns)}).str.json_decode({type_text}),")
    return "\n".join(
        [
            "import polars as pl",
            "",
            *declared,
            *([""] if declared else []),
            f"{table} = pl.read_csv(",
            f'    "{path}",',
            '    infer_schema=False,  # every column as text first: "010" keeps its leading zero',
            ")",
            f"{table} = {table}.with_columns(",
            "    pl.col(pl.String).str.strip_prefix(\"'\"),  # undo the spreadsheet guard (one ')",
            ").with_columns(",
            *casts,
            ")",
        ]
    )


def _duckdb(table: str, path: str) -> str:
    casts = [f"        CAST({n} AS DATE) AS {n}," for n, _ in _columns(table, "date")]
    casts += [f"        {n} = 'true' AS {n}," for n, _ in _columns(table, "bool")]
    for kind in ("integer", "float"):
        casts += [
            f"        CAST({n} AS {_duckdb_type(t)}) AS {n}," for n, t in _columns(table, kind)
        ]
    for n, t in _columns(table, "json"):
        structure = json.dumps(_duckdb_type(t))
        if len(structure) > 40:  # one member per line: JSON allows the white space
            structure = structure.replace(", ", ",\n" + " " * 27)
        casts.append(f"        from_json({n}, '{structure}') AS {n},")
    casts[-1] = casts[-1].rstrip(",")
    return "\n".join(
        [
            "import duckdb",
            "",
            f'{table} = duckdb.sql("""',
            "    WITH text AS (  -- every column as text first: '010' keeps its leading zero",
            "        SELECT regexp_replace(COLUMNS(*), '^''', '')  -- undo the spreadsheet guard",
            f"        FROM read_csv('{path}',",
            "                      all_varchar = true, header = true, allow_quoted_nulls = false)",
            "    )",
            "    SELECT * REPLACE (",
            *casts,
            "    )",
            "    FROM text",
            '""")',
        ]
    )


def reading_csv(table: str = "events", dataset: str = "south-caucasus") -> str:
    """The Markdown section "Reading the CSV files", with the three snippets for ``table``."""
    path = f"datasets/{dataset}/data/{table}.csv"
    return f"""\
## Reading the CSV files

Every CSV reader guesses column types, and the guesses break the data: `010` becomes the
number 10, an id such as `NA` becomes a null, a list arrives as a string. Read every
column as text, take the spreadsheet guard off (one leading `'`), then give each column its
type: the Table Schema types in the tables below (and in `datapackage.json`), list
columns parsed as JSON. Each snippet below reads `{table}.csv` into the same values as
`{table}.parquet` (run from the repository root; `tests/test_data_dictionary.py` runs them).
The casts are generated from the table spec, like the rest of this page.
Quoted and unquoted empty fields both read as null in pandas and polars; DuckDB keeps `""`
as the empty string.

With pandas (dates as `datetime64`, nullable integers, strings stay `string`):

```python
{_pandas(table, path)}
```

With polars:

```python
{_polars(table, path)}
```

With DuckDB:

```python
{_duckdb(table, path)}
```
"""
