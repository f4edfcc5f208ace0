"""ACLED CSV exports (several layouts; the HDX ones with a tag row under the header): the
parsing rules.

- dates in three forms (``2020-05-09``, ``9-May-20``, ``28 December 2022``), checked
  against the calendar, one parse per distinct value;
- the HDX tag row (``#event+code``, ``#date`` ...) under the header is not a row;
- ``NA`` written by R is a missing value;
- a pandas index column (an unnamed or ``Unnamed: 0`` first column of integers) is not
  ACLED's and is dropped, reported;
- a truncated last row (fewer fields than the header) is rejected;
- C1 control characters (U+0080-U+009F) are cp1252 text decoded as Latin-1; they are
  repaired and reported, the original kept in provenance;
- ACLED has no source and target: **actor 1 is the source and actor 2 the target**; for
  categories whose definition gives no direction (battles, agreements: ``directed`` false
  in ``acled_event_types.csv``) the row gets a warning saying so;
- the actor's country comes from its name (``Civilians (Benin)``, ``Military Forces of
  Benin (2016-)``), never from the event's place;
- ``fatalities`` is a quantity (unit ``fatalities``, qualifier ``at_least``: ACLED
  records the most conservative reported figure).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from coded_events.importers import crosswalks
from coded_events.spec import codebook

__all__ = [
    "DATE_FORMATS",
    "MISSING",
    "actor",
    "actor_country_name",
    "fatalities",
    "is_hdx_tag_row",
    "is_pandas_index",
    "parse_date",
    "repair_c1",
]

MISSING = ("", "NA")
"""Cell texts that mean "no value" (R writes NA)."""

DATE_FORMATS = ("%Y-%m-%d", "%d-%b-%y", "%d %B %Y", "%d-%B-%Y", "%d %b %Y")
"""The date forms ACLED exports use: ISO, ``9-May-20`` (Excel), ``28 December 2022``."""

_C1 = re.compile("[\u0080-\u009f]")


def parse_date(value: str | None) -> str | None:
    """The ISO date of an ACLED date cell, or None when it is no date of a known form
    (a calendar-impossible date such as ``30 February 2022`` included)."""
    text = (value or "").strip()
    for form in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, form).date().isoformat()
        except ValueError:
            continue
    return None


def is_hdx_tag_row(fields: list[str]) -> bool:
    """True for the HDX Humanitarian Exchange Language row (``#event+code`` ...)."""
    named = [f.strip() for f in fields if f.strip()]
    return bool(named) and all(f.startswith("#") for f in named)


def is_pandas_index(header: list[str], first_cells: list[str]) -> bool:
    """True when the first column is a pandas index: no name (or ``Unnamed: 0``) and
    integer cells."""
    name = header[0].strip() if header else "x"
    unnamed = name in ("", "Unnamed: 0")
    return unnamed and all(cell.strip().isdigit() for cell in first_cells if cell.strip())


def repair_c1(text: str) -> str | None:
    """The text with cp1252 mojibake repaired (``don\\x92t`` -> ``don’t``), or None
    when it holds no C1 control character (or cannot be repaired)."""
    if not _C1.search(text):
        return None
    try:
        return text.encode("latin-1").decode("cp1252")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None


_OF = re.compile(r"\bof (?:the )?([A-Z][^()]*?)(?:\s*\(|$)")
_PAREN = re.compile(r"\(([^()]*)\)")


def actor_country_name(name: str) -> str | None:
    """The country an ACLED actor name gives: in parentheses (``Rioters (Benin)``), or
    after "of" (``Police Forces of Benin (2016-) Customs``); years are not countries."""
    for inside in reversed(_PAREN.findall(name)):
        if crosswalks.country_iso3(inside):
            return inside
    found = _OF.search(name)
    if found and crosswalks.country_iso3(found.group(1).strip()):
        return found.group(1).strip()
    return None


@dataclass(frozen=True)
class ActorResult:
    """An ACLED actor as our actor code, and whether the mapping loses information."""

    code: str | None
    name: str
    lossy: bool
    note: str


def actor(name: str | None, inter: str | None) -> ActorResult | None:
    """Our actor for an ACLED actor name and ``inter`` code (None: no actor)."""
    name = (name or "").strip()
    if not name or name in MISSING:
        return None
    mapping = crosswalks.acled_actor((inter or "").strip(), name)
    role = mapping.code if mapping else None
    country_name = actor_country_name(name)
    country = crosswalks.country_iso3(country_name) if country_name else None
    if country not in codebook.actor_countries():
        country = None
    code = (country or "") + (role or "")
    lossy = mapping.lossy if mapping else True
    note = mapping.note if mapping else f"unknown ACLED inter code {inter!r}: no role"
    return ActorResult(code or None, name, lossy, note)


def fatalities(value: str | None) -> dict[str, object] | None:
    """The fatalities cell as a quantity (None when missing); raises ValueError when it is
    not a whole number."""
    text = (value or "").strip()
    if text in MISSING:
        return None
    if not text.isdigit():
        raise ValueError(f"fatalities {text!r} is not a whole number")
    return {"value": float(text), "unit": "fatalities", "qualifier": "at_least", "as_written": text}
