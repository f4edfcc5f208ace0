"""CAMEO event codes from producer columns: leading zeros proven, never guessed, and the
producer's derived values (root code, QuadClass, Goldstein) compared with the codebook.

A code read as a number loses its leading zero (``10`` for ``010``, ``874`` for
``0874``). The producer's own code is kept when it is a codebook code that agrees with
every derived value the row gives; the code with a ``0`` in front is taken when it is a
codebook code that agrees with them and at least one of them is given
(``import-event-code-padded``); a valid code that agrees with nothing is kept and the
disagreement reported (``import-derived-disagrees``); anything else is rejected
(``import-bad-event-code``).
"""

from __future__ import annotations

from functools import cache

import pyarrow as pa
import pyarrow.compute as pc

from coded_events.importers.columns import false_mask, matches, parse_float, parse_int, row_wise
from coded_events.importers.format import Batch, Converted, Issue, Rule
from coded_events.spec import codebook

__all__ = ["event_code_rule"]

GOLDSTEIN_TOLERANCE = 1e-6


@cache
def _codebook() -> dict[str, pa.Array]:
    codes = codebook.event_codes()
    return {
        "code": pa.array(list(codes), pa.string()),
        "root": pa.array([int(c.root_code) for c in codes.values()], pa.int64()),
        "base": pa.array([int(c.code[:3]) for c in codes.values()], pa.int64()),
        "quad": pa.array([c.quad_class for c in codes.values()], pa.int64()),
        "goldstein": pa.array([c.goldstein for c in codes.values()], pa.float64()),
        "goldstein_icews": pa.array([c.goldstein_icews for c in codes.values()], pa.float64()),
    }


def _derived(codes: pa.Array) -> tuple[pa.Array, dict[str, pa.Array]]:
    """Whether each code is in the codebook, and its derived values."""
    book = _codebook()
    index = pc.index_in(codes, value_set=book["code"])
    return pc.is_valid(index), {k: v.take(index) for k, v in book.items() if k != "code"}


def _agrees(given: pa.Array | None, ours: pa.Array, tolerance: float = 0.0) -> pa.Array:
    """True where the row gives no value, the codebook has none, or they agree."""
    if given is None:
        return pa.repeat(pa.scalar(True), len(ours))
    if tolerance:
        same = pc.less_equal(pc.abs(pc.subtract(given, ours)), tolerance)
    else:
        same = pc.equal(given, ours)
    return pc.fill_null(same, True)


class _Given:
    """The derived values a row gives (as numbers; a base or root code read as a number
    compares equal to the true one: 1 == int('01'))."""

    def __init__(
        self,
        base: pa.Array | None,
        root: pa.Array | None,
        quad: pa.Array | None,
        goldstein: pa.Array | None,
        scale: str = "goldstein",
    ) -> None:
        self.scale = scale
        """Which codebook scale the producer's Goldstein follows (for proving a code)."""
        self.base = parse_int(base)[0] if base is not None else None
        self.root = parse_int(root)[0] if root is not None else None
        self.quad = parse_int(quad)[0] if quad is not None else None
        self.goldstein = parse_float(goldstein)[0] if goldstein is not None else None
        self.names = {
            "base": "base code",
            "root": "root code",
            "quad": "QuadClass",
            "goldstein": "Goldstein",
        }

    def fields(self) -> dict[str, pa.Array]:
        return {k: v for k in self.names if (v := getattr(self, k)) is not None}

    def _ours(self, name: str, derived: dict[str, pa.Array]) -> pa.Array:
        return derived[self.scale] if name == "goldstein" else derived[name]

    def agree(self, derived: dict[str, pa.Array]) -> pa.Array:
        result = pa.repeat(pa.scalar(True), len(derived["root"]))
        for name, given in self.fields().items():
            tolerance = GOLDSTEIN_TOLERANCE if name == "goldstein" else 0.0
            result = pc.and_(result, _agrees(given, self._ours(name, derived), tolerance))
        return result

    def evidence(self, derived: dict[str, pa.Array]) -> pa.Array:
        """The names of the given fields that agree with ``derived``, per row ("" if none)."""
        parts = []
        for name, given in self.fields().items():
            tolerance = GOLDSTEIN_TOLERANCE if name == "goldstein" else 0.0
            same = pc.and_(pc.is_valid(given), _agrees(given, self._ours(name, derived), tolerance))
            parts.append(pc.if_else(same, self.names[name], None))
        if not parts:
            return pa.repeat(pa.scalar(""), len(derived["root"]))
        return pc.binary_join_element_wise(
            *parts, ", ", null_handling="replace", null_replacement=""
        )


def choose_codes(raw: pa.Array, given: _Given) -> tuple[pa.Array, list[Issue]]:
    """The CAMEO code of each row, and the issues (padded, unknown)."""
    code = pc.utf8_trim_whitespace(raw)
    valid, derived = _derived(code)
    short = pc.and_(matches(code, r"^[0-9]{1,3}$"), pc.is_valid(code))
    padded = pc.if_else(short, pc.binary_join_element_wise("0", code, ""), None)
    padded_valid, padded_derived = _derived(padded)
    any_given = false_mask(len(raw))
    for given_field in given.fields().values():
        any_given = pc.or_(any_given, pc.is_valid(given_field))
    keep_raw = pc.and_(valid, given.agree(derived))
    take_pad = pc.and_(
        pc.and_(pc.invert(keep_raw), padded_valid), pc.and_(any_given, given.agree(padded_derived))
    )
    keep_anyway = pc.and_(pc.invert(pc.or_(keep_raw, take_pad)), valid)
    chosen = pc.if_else(take_pad, padded, pc.if_else(pc.or_(keep_raw, keep_anyway), code, None))
    bad = pc.is_null(chosen)
    evidence = given.evidence(padded_derived)
    issues = [
        Issue(
            "import-event-code-padded",
            take_pad,
            raw,
            {"code": raw, "padded": padded, "evidence": evidence},
        ),
        Issue("import-bad-event-code", bad, raw, {"code": pc.fill_null(raw, "(empty)")}),
    ]
    return chosen, issues


def compare_derived(
    chosen: pa.Array,
    given: _Given,
    producer_names: dict[str, str],
    goldstein_key: str = "goldstein",
) -> list[Issue]:
    """``import-derived-disagrees`` issues where a value the row gives differs from the
    codebook's for the chosen code (``producer_names``: our key -> the producer column)."""
    _, derived = _derived(chosen)
    issues = []
    for name, given_field in given.fields().items():
        if name not in producer_names:
            continue
        ours = derived[goldstein_key] if name == "goldstein" else derived[name]
        tolerance = GOLDSTEIN_TOLERANCE if name == "goldstein" else 0.0
        differs = pc.and_(
            pc.and_(pc.is_valid(chosen), pc.is_valid(given_field)),
            pc.invert(_agrees(given_field, ours, tolerance)),
        )
        issues.append(
            Issue(
                "import-derived-disagrees",
                differs,
                given_field.cast(pa.string()),
                {
                    "field": producer_names[name],
                    "ours": pc.fill_null(ours.cast(pa.string()), "none"),
                    "theirs": given_field.cast(pa.string()),
                },
                column=producer_names[name],
            )
        )
    return issues


def event_code_rule(
    code: str,
    *,
    base: str | None = None,
    root: str | None = None,
    quad: str | None = None,
    goldstein: str | None = None,
    scale: str = "goldstein",
    doc: str,
) -> Rule:
    """A rule: ``events.cameo_code`` from the producer's ``code`` column, proven and
    compared with the producer's derived columns named here (kept verbatim). ``scale``:
    the codebook column the producer's Goldstein follows when it proves a code
    (``goldstein_icews`` for ICEWS Intensity); the comparison is always with ours."""
    names = {"base": base, "root": root, "quad": quad, "goldstein": goldstein}
    present = {k: v for k, v in names.items() if v}

    @row_wise
    def convert(batch: Batch, raw: pa.Array, *derived_columns: pa.Array) -> Converted:
        columns = dict(zip(present, derived_columns, strict=True))
        given = _Given(
            columns.get("base"),
            columns.get("root"),
            columns.get("quad"),
            columns.get("goldstein"),
            scale,
        )
        chosen, issues = choose_codes(raw, given)
        compared = {k: v for k, v in present.items() if k != "base"}
        issues += compare_derived(chosen, given, compared)
        return Converted({"events.cameo_code": chosen}, issues)

    return Rule(("events.cameo_code",), (code, *present.values()), convert, doc, keep=True)
