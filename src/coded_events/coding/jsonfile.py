"""How record files are written: 2-space JSON, keys in the order the schema declares.

The key order is read from the JSON Schema of the document's ``schema_version`` (the
models for the current version, the published file for an older one), never from a
hand-kept list: a field added to the models takes its place in every record ``fix``
writes. Keys the schema does not know keep their order, after the known ones.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from coded_events.spec.versions import SCHEMA_VERSION

Schema = dict[str, Any]


@cache
def document_schema(version: str = SCHEMA_VERSION) -> Schema:
    """The source-document JSON Schema of ``version``: the models' for the current version,
    the published file for another one (the current one when that is not published)."""
    from coded_events.spec import models, schema_files

    if version != SCHEMA_VERSION and version in schema_files.published_versions():
        return schema_files.load(version)
    return models.json_schema()


def _resolve(node: Schema, root: Schema, value: Any) -> Schema:
    """The subschema that describes ``value``: ``$ref`` followed, and of ``anyOf``/``oneOf``
    the branch for an object (a dict value) or an array (a list value)."""
    for _ in range(32):  # a bounded walk: a cyclic $ref is no reason to hang
        if "$ref" in node:
            ref = node["$ref"]
            name = ref.rsplit("/", 1)[-1]
            node = root.get("$defs", {}).get(name, {})
            continue
        branches = node.get("anyOf") or node.get("oneOf")
        if not branches:
            return node
        want = "object" if isinstance(value, dict) else "array" if isinstance(value, list) else ""
        chosen = None
        for branch in branches:
            target = branch
            if "$ref" in branch:
                target = root.get("$defs", {}).get(branch["$ref"].rsplit("/", 1)[-1], {})
            if target.get("type") == want or (want == "object" and "properties" in target):
                chosen = branch
                break
        node = chosen or {}
    return node


def ordered(value: Any, schema: Schema, root: Schema | None = None) -> Any:
    """``value`` with every object's keys in the order its schema declares them."""
    root = schema if root is None else root
    node = _resolve(schema, root, value)
    if isinstance(value, dict):
        properties: dict[str, Schema] = node.get("properties", {})
        known = [k for k in properties if k in value]
        rest = [k for k in value if k not in properties]
        return {k: ordered(value[k], properties.get(k, {}), root) for k in known + rest}
    if isinstance(value, list):
        items = node.get("items", {}) if isinstance(node.get("items"), dict) else {}
        return [ordered(item, items, root) for item in value]
    return value


def render(document: Any) -> bytes:
    """A record as written: keys in schema order, 2-space JSON, UTF-8, final newline."""
    version = document.get("schema_version") if isinstance(document, dict) else None
    schema = document_schema(version if isinstance(version, str) else SCHEMA_VERSION)
    text = json.dumps(ordered(document, schema), indent=2, ensure_ascii=False)
    return (text + "\n").encode("utf-8")
