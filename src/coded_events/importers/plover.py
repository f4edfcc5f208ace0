"""PLOVER / POLECAT JSON records: the parsing rules.

- a file is a JSON array of records (or one record per line), read record by record
  (``read_records``), with duplicate keys and NaN/Infinity refused;
- a record with several sources or targets becomes **one event per (source, target)
  pair**, the pairs of one record tied by ``same_as`` links to the first pair;
- a date the producer marks as a placeholder is not a date: the gold-standard records
  (``PLOVER-GSR`` ids) set every date to ``2000-01-01`` (their readme says so), so such a
  record is rejected with a finding, never imported with a made-up date;
- ``target`` may be empty (``""``), absent, or not an actor at all (a string such as
  ``"diplomatic"``): no target, and the last is reported;
- a sector may carry an ethnic or other suffix (``REFKUR``, ``ELIyor``): the first three
  letters are the sector, the rest is kept verbatim;
- size and casualty fields written as words (``Thousands``) become quantities through a
  declared table (``SIZE_WORDS``: the smallest number the word must mean, ``at_least``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from coded_events.importers import crosswalks
from coded_events.spec import codebook

__all__ = [
    "PLACEHOLDER_DATES",
    "SIZE_WORDS",
    "actor",
    "is_placeholder_date",
    "pairs",
    "quantity",
    "read_records",
]

PLACEHOLDER_DATES = {"PLOVER-GSR": ("2000-01-01",)}
"""Id prefix -> dates its producer documents as placeholders (PLOVER_GSR_CAMEO_readme:
"All date fields are set to 2000-01-01")."""

SIZE_WORDS = {
    "dozens": 24.0,
    "hundreds": 200.0,
    "thousands": 2000.0,
    "tens of thousands": 20000.0,
    "hundreds of thousands": 200000.0,
    "millions": 2000000.0,
}
"""A plural count word -> the smallest number it can mean (two of the unit)."""


class JsonError(ValueError):
    """A record that is not valid JSON, with the line it starts on."""


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("a key appears twice in one object")
    return dict(pairs)


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs_hook, parse_constant=_constant)


def read_records(stream: IO[str], chunk: int = 1 << 16) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each record of a JSON array (or JSON-lines file) with the line it starts on."""
    buffer, line, started = "", 1, False
    while True:
        more = stream.read(chunk)
        buffer += more
        while True:
            stripped = buffer.lstrip(" \t\r\n,")
            line += buffer[: len(buffer) - len(stripped)].count("\n")
            buffer = stripped
            if not started and buffer.startswith("["):
                buffer, started = buffer[1:], True
                continue
            if not buffer or buffer.startswith("]"):
                break
            try:
                record, end = _DECODER.raw_decode(buffer)
            except (json.JSONDecodeError, ValueError) as error:
                if more and isinstance(error, json.JSONDecodeError):
                    break  # an incomplete record: read more
                raise JsonError(f"line {line}: {error}") from None
            yield line, record
            line += buffer[:end].count("\n")
            buffer = buffer[end:]
        if not more:
            return


def is_placeholder_date(record: dict[str, Any]) -> bool:
    """True when the record's date is one its producer documents as a placeholder."""
    record_id = str(record.get("id", ""))
    return any(
        record_id.startswith(prefix) and record.get("date") in dates
        for prefix, dates in PLACEHOLDER_DATES.items()
    )


@dataclass(frozen=True)
class PloverActor:
    """A PLOVER actor entry as our actor code (None: nothing expressible) and its text."""

    code: str | None
    text: str | None
    lossy: bool
    kept: str | None  # what of the sector could not be mapped, verbatim


def actor(entry: Any) -> PloverActor | None:
    """Our actor for one PLOVER source/target entry (None: not an actor)."""
    if not isinstance(entry, dict):
        return None
    raw_code = str(entry.get("code") or "").strip()
    sector = str(entry.get("sector") or "").strip()
    lossy, kept = False, None
    mapping = crosswalks.plover_actor_code(raw_code)  # first: PLOVER EUR is the EU
    if mapping is not None:
        first, lossy = mapping.code, mapping.lossy
    elif raw_code in codebook.actor_countries():
        first = raw_code
    else:
        first, lossy = None, True
    role = None
    if sector:
        found = crosswalks.plover_sector(sector[:3])
        role = found.code if found else None
        lossy = lossy or found is None or found.lossy or len(sector) > 3
        kept = sector if (found is None or len(sector) > 3) else None
    code = (first or "") + (role or "")
    try:
        codebook.actor(code)
    except codebook.UnknownCodeError:
        code, lossy = first or "", True
    return PloverActor(code or None, entry.get("actorText"), lossy, kept)


def pairs(record: dict[str, Any]) -> tuple[list[tuple[Any, Any]], bool]:
    """The (source, target) entry pairs of a record (target None when there is none), and
    whether ``target`` held something that is not a list of actors (to report)."""
    sources = record.get("source") or [None]
    target = record.get("target")
    not_actors = bool(target) and not isinstance(target, list)
    targets = target if isinstance(target, list) and target else [None]
    if not isinstance(sources, list):
        sources = [None]
    return [(s, t) for s in sources for t in targets], not_actors


def quantity(value: Any, unit: str) -> dict[str, object] | None:
    """A size or casualty field as a quantity: a number is exact, a count word is
    ``at_least`` its smallest meaning; None for anything else (kept in provenance)."""
    text = str(value).strip()
    if text.replace(".", "", 1).isdigit():
        return {"value": float(text), "unit": unit, "qualifier": "exact", "as_written": text}
    smallest = SIZE_WORDS.get(text.casefold())
    if smallest is None:
        return None
    return {"value": smallest, "unit": unit, "qualifier": "at_least", "as_written": text}
