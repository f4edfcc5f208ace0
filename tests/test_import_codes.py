"""The import's event-code rules at their boundaries (importers/codes.py): a producer's
Goldstein agrees with ours within a float tolerance, other derived values exactly."""

from __future__ import annotations

import pyarrow as pa

from coded_events.importers.codes import (
    GOLDSTEIN_TOLERANCE,
    _derived,
    _Given,
    choose_codes,
    compare_derived,
)
from coded_events.spec import codebook


def test_goldstein_agrees_within_the_tolerance_and_only_goldstein_has_one() -> None:
    _, derived = _derived(pa.array(["010", "010", "010"]))  # Goldstein 0.0, QuadClass 1
    near = f"{GOLDSTEIN_TOLERANCE / 10:.8f}"  # as producers write numbers
    given = _Given(None, None, None, pa.array([near, "0.5", None]))
    assert given.agree(derived).to_pylist() == [True, False, True]  # no value: no objection
    assert given.evidence(derived).to_pylist() == ["Goldstein", "", ""]
    quad = _Given(None, None, pa.array(["1", "2", None]), None)
    assert quad.agree(derived).to_pylist() == [True, False, True]
    assert quad.evidence(derived).to_pylist() == ["QuadClass", "", ""]


def test_a_code_that_lost_its_zero_is_padded_on_a_goldstein_within_the_tolerance() -> None:
    ours = codebook.event("0874").goldstein
    raw = pa.array(["874", "874", "874"])
    goldstein = pa.array([f"{ours + GOLDSTEIN_TOLERANCE / 10:.8f}", str(ours - 1), None])
    chosen, issues = choose_codes(raw, _Given(None, None, None, goldstein))
    assert chosen.to_pylist() == ["0874", None, None]  # proven; disproven; nothing given
    padded = next(i for i in issues if i.code == "import-event-code-padded")
    assert padded.mask.to_pylist() == [True, False, False]


def test_a_producer_goldstein_within_the_tolerance_is_no_disagreement() -> None:
    ours = codebook.event("0874").goldstein
    chosen = pa.array(["0874", "0874", None])
    goldstein = pa.array([f"{ours + GOLDSTEIN_TOLERANCE / 10:.8f}", str(ours + 0.5), "1.0"])
    given = _Given(None, None, None, goldstein)
    issues = compare_derived(chosen, given, {"goldstein": "GoldsteinScale"})
    assert [i.mask.to_pylist() for i in issues] == [[False, True, False]]  # no code: no claim
