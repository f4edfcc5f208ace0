"""PLOVER traps (issue 16), each on a fixture of our own: several sources and targets
per record, placeholder dates, empty or non-actor targets, size and casualty words."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from coded_events.importers import crosswalks, plover
from tests.conftest import SAMPLES

FIXTURES = Path(__file__).parent / "fixtures" / "importers_part2"
SAMPLE = SAMPLES / "plover"


def _records(path: Path, chunk: int = 64) -> list[tuple[int, dict]]:
    with open(path, encoding="utf-8") as handle:
        return list(plover.read_records(handle, chunk=chunk))


def test_records_are_streamed_with_their_lines() -> None:
    records = _records(FIXTURES / "plover_traps.json")
    assert [line for line, _ in records] == [2, 8, 10, 12]
    with pytest.raises(plover.JsonError, match="twice"):
        list(plover.read_records(io.StringIO('[{"id": 1, "id": 2}]')))
    with pytest.raises(plover.JsonError, match="NaN"):
        list(plover.read_records(io.StringIO('[{"size": NaN}]')))


def test_one_event_per_source_target_pair() -> None:
    record = _records(FIXTURES / "plover_traps.json")[0][1]
    got, not_actors = plover.pairs(record)
    assert len(got) == 4 and not not_actors
    codes = [(plover.actor(s).code, plover.actor(t).code) for s, t in got]
    assert codes == [
        ("SYRMIL", "SYRREB"),
        ("SYRMIL", "SYRHLH"),
        ("RUSMIL", "SYRREB"),
        ("RUSMIL", "SYRHLH"),
    ]  # fmt: skip  (PLOVER MED is health)
    assert crosswalks.plover_event(record["event"], record["mode"]).cameo_code == "182"


def test_placeholder_dates_empty_and_non_actor_targets() -> None:
    records = [r for _, r in _records(FIXTURES / "plover_traps.json")]
    assert plover.is_placeholder_date(records[1])
    assert not plover.is_placeholder_date(records[0])
    assert plover.pairs(records[1]) == ([({"actorText": "Jordan", "code": "JOR"}, None)], False)
    eu_pairs, not_actors = plover.pairs(records[2])
    assert not_actors and eu_pairs[0][1] is None
    assert plover.actor(eu_pairs[0][0]).code == "IGOEEC"
    refugees = plover.actor(records[3]["source"][0])
    assert (refugees.code, refugees.kept, refugees.lossy) == ("TURREF", "REFkur", True)


def test_size_and_casualty_words() -> None:
    assert plover.quantity("Thousands", "participants") == {
        "value": 2000.0, "unit": "participants", "qualifier": "at_least",
        "as_written": "Thousands"}  # fmt: skip
    assert plover.quantity("12", "casualties")["qualifier"] == "exact"
    assert plover.quantity("a lot", "participants") is None


@pytest.mark.skipif(not SAMPLE.is_dir(), reason=f"{SAMPLE} is absent (the shared real "
                    "samples are not part of the repository)")  # fmt: skip
def test_the_real_sample_parses() -> None:
    records = _records(SAMPLE / "PLOVER_GSR_CAMEO.first101.json", chunk=1 << 12)
    assert len(records) == 101
    assert records[0][1]["event"] == "DOCUMENT"  # documentation, not an event
    events = [r for _, r in records[1:]]
    assert all(plover.is_placeholder_date(r) for r in events)  # every date is 2000-01-01
    assert sum(len(plover.pairs(r)[0]) for r in events) > len(events)
    assert all(crosswalks.plover_event(r["event"], r.get("mode")) for r in events)
    assert sum(plover.pairs(r)[1] for r in events) == 1  # one target is "diplomatic"
