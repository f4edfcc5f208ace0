"""The CAMEO codebook shipped as package data."""

from __future__ import annotations

import subprocess
import sys

import pytest

from coded_events.spec import codebook


def test_0874_retreat() -> None:
    entry = codebook.event("0874")
    assert entry.label == "Retreat or surrender militarily"
    assert entry.root_code == "08"
    assert entry.goldstein == 10.0
    assert entry.quad_class == 2


def test_leading_zero_codes_are_strings() -> None:
    assert "010" in codebook.event_codes()
    assert "10" in codebook.event_codes()  # the DEMAND root, a different code
    assert codebook.event("010").root_code == "01"


def test_manual_labels_win_over_gdelt_for_10x() -> None:
    assert codebook.event("105").label.startswith("Demand that target yields")
    assert codebook.event("108").label == "Demand mediation"


def test_quad_class_scheme_follows_gdelt() -> None:
    expected = {"01": 1, "05": 1, "06": 2, "09": 2, "10": 3, "14": 3, "15": 4, "20": 4}
    for root, quad in expected.items():
        assert codebook.event(root).quad_class == quad


def test_icews_goldstein_disagreements_kept() -> None:
    disagree = {
        code
        for code, entry in codebook.event_codes().items()
        if entry.goldstein is not None
        and entry.goldstein_icews is not None
        and entry.goldstein != entry.goldstein_icews
    }
    assert disagree == {"016", "022", "164", "165"}


def test_rusmil_is_russia_plus_military() -> None:
    parsed = codebook.actor("RUSMIL")
    assert parsed.country == "RUS"
    assert parsed.roles == ("MIL",)
    assert [s.label for s in parsed.segments] == ["Russia", "Military"]


def test_igo_with_known_group() -> None:
    parsed = codebook.actor("IGOUNO")
    assert parsed.country is None
    assert parsed.roles == ("IGO", "UNO")


@pytest.mark.parametrize("code", ["9999", "874", ""])
def test_unknown_event_code(code: str) -> None:
    with pytest.raises(codebook.UnknownCodeError):
        codebook.event(code)


def test_unknown_code_suggests_siblings() -> None:
    with pytest.raises(codebook.UnknownCodeError) as caught:
        codebook.event("0875")
    assert "0874" in caught.value.suggestions or "0873" in caught.value.suggestions


@pytest.mark.parametrize("code", ["RUSXYZ", "RUSMI", "rusmil", "QQQ"])
def test_unknown_actor_code(code: str) -> None:
    with pytest.raises(codebook.UnknownCodeError):
        codebook.actor(code)


def test_actor_pattern_agrees_with_parser() -> None:
    import re

    pattern = re.compile(codebook.actor_code_pattern())
    for code in ["RUSMIL", "AZEGOVCOP", "IGOUNO", "CAU", "AZEPRE"]:
        assert pattern.match(code)
        codebook.actor(code)
    for code in ["RUSXYZ", "MILRUS", "RUSMI"]:
        assert not pattern.match(code)


def test_deprecated_codes_name_replacement() -> None:
    entry = codebook.event("1213")
    assert entry.deprecated and entry.replaced_by == "121"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coded_events", *args], capture_output=True, text=True
    )


def test_cli_codebook_event() -> None:
    result = _cli("codebook", "0874")
    assert result.returncode == 0
    assert "Retreat or surrender militarily" in result.stdout
    assert "+10.0" in result.stdout


def test_cli_codebook_actor() -> None:
    result = _cli("codebook", "RUSMIL")
    assert result.returncode == 0
    assert "Russia" in result.stdout and "Military" in result.stdout


def test_cli_codebook_unknown_exits_1_with_suggestions() -> None:
    result = _cli("codebook", "0875")
    assert result.returncode == 1
    assert "0874" in result.stderr or "0873" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_codebook_search() -> None:
    result = _cli("codebook", "--search", "withdraw")
    assert result.returncode == 0
    assert "1661" in result.stdout
