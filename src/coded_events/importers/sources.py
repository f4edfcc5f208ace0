"""Sources from producer columns: one source per article URL (GDELT) or story (ICEWS).

Our ``source_id`` must be stable and match ``^[a-z0-9]+(-[a-z0-9]+)*$``: a URL's is
``url-`` and the first 20 hex digits of its sha256 (the same URL gives the same source in
every import); a story's is ``<format>-story-<id>``. ``sources.url`` holds only http(s)
URLs; any other reference (GDELT 1.0 writes ``BBC Monitoring`` there) stays verbatim in
``provenance.source_url``. Rows that give no source share one per input file
(``<format>-file-<name>``, ``<name>`` as ``provenance.input_file`` gives it: the file
name, a zip member after its archive's name, ``a.zip!x/back.CSV``:
``<format>-file-a-zip-x-back-csv``; where inputs of the same file name clash, their
disambiguated name, ``d1/back.CSV``: ``<format>-file-d1-back-csv``). Titles, publication
dates, languages and text hashes are never invented: they are empty unless the producer
gives them.
"""

from __future__ import annotations

import hashlib
import re

import pyarrow as pa
import pyarrow.compute as pc

from coded_events.importers.columns import map_distinct, matches
from coded_events.importers.format import Batch, Converted, Rule

__all__ = ["file_source_id", "story_source_rule", "url_source_rule"]

URL = r"^https?://\S+$"


def slug(text: str) -> str:
    """``text`` as an id part: lower-case letters and digits joined by single hyphens."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower())) or "x"


def file_source_id(batch: Batch) -> str:
    """The source of rows that name none: the input file, by the name provenance lists it
    under (a zip member with its archive's name: members of one name in two archives, or
    in two folders of one archive, stay two sources)."""
    name = batch.name or batch.file.rsplit("/", 1)[-1]
    return f"{batch.format.name}-file-{slug(name)}"


def text_ids(prefix: str, texts: pa.Array) -> pa.Array:
    """``<prefix>-<sha256 prefix>`` of each text (null where none), hashed once per distinct
    text of the batch: the one form of a source id made from a text (a URL, a reference),
    so that every format gives one URL the same id."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    encoded = pc.dictionary_encode(texts)
    sha256 = hashlib.sha256  # the first 10 bytes in hex: the first 20 hex digits
    values = encoded.dictionary.cast(pa.binary()).to_pylist()  # UTF-8 bytes, not decoded
    ids = [f"{prefix}-" + sha256(value).digest()[:10].hex() for value in values]
    return pa.array(ids, pa.string()).take(encoded.indices)


def url_source_rule(column: str, doc: str) -> Rule:
    """Sources from an article URL column (``SOURCEURL``)."""

    def convert(batch: Batch, url: pa.Array) -> Converted:
        ids = pc.fill_null(text_ids("url", url), file_source_id(batch))
        is_url = matches(url, URL)
        return Converted(
            {
                "events.source_id": ids,
                "sources.source_id": ids,
                "sources.url": pc.if_else(is_url, url, None),
                "provenance.source_url": url,
            }
        )

    return Rule(
        ("events.source_id", "sources.source_id", "sources.url", "provenance.source_url"),
        (column,),
        convert,
        doc,
    )


def story_source_rule(story: str, publisher: str, doc: str) -> Rule:
    """Sources from a story id and its publisher (ICEWS ``Story ID``, ``Publisher``)."""

    def convert(batch: Batch, story_ids: pa.Array, publishers: pa.Array) -> Converted:
        part = map_distinct(story_ids, lambda v: None if v is None else slug(v), pa.string())
        ids = pc.binary_join_element_wise(f"{batch.format.name}-story-", part, "")
        ids = pc.fill_null(ids, file_source_id(batch))
        return Converted(
            {
                "events.source_id": ids,
                "sources.source_id": ids,
                "sources.publisher": publishers,
                "provenance.story_id": story_ids,
            }
        )

    return Rule(
        ("events.source_id", "sources.source_id", "sources.publisher", "provenance.story_id"),
        (story, publisher),
        convert,
        doc,
    )
