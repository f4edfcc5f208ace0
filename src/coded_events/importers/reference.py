"""The importers' reference tables, shipped as package data (``importers/data/``, with
their provenance in ``data/PROVENANCE.md``): FIPS 10-4 -> ISO 3166, ICEWS country names
-> ISO 3166, ICEWS sectors -> CAMEO roles."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

__all__ = ["DATA", "fips_countries", "icews_countries", "icews_sectors"]

DATA = Path(__file__).resolve().parent / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def fips_countries() -> dict[str, str]:
    """FIPS 10-4 country code -> ISO 3166-1 alpha-3 (GDELT geography: ``GG`` is Georgia)."""
    return {r["fips"]: r["iso3"] for r in _rows("fips_countries.csv")}


@cache
def icews_countries() -> dict[str, str]:
    """ICEWS country name, lower case -> ISO 3166-1 alpha-3."""
    return {r["name"].lower(): r["iso3"] for r in _rows("icews_countries.csv")}


@cache
def icews_sectors() -> dict[str, str]:
    """ICEWS sector -> CAMEO role code (the table's order is the roles' order in a code)."""
    return {r["sector"]: r["role"] for r in _rows("icews_sectors.csv")}
