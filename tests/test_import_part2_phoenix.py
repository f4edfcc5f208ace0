"""Phoenix traps (issue 16), each on a fixture of our own: ids with ``_`` and ``.``,
QuadClass on a 0-4 scale, blank and invalid codes, a lost leading zero, actor codes that
fail our pattern, no actor names, many sentence ids and URLs per event."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pv
import pytest

from coded_events.importers import phoenix
from tests.conftest import SAMPLES

FIXTURES = Path(__file__).parent / "fixtures" / "importers_part2"
SAMPLE = SAMPLES / "phoenix"


def _read(path: Path) -> pa.Table:
    return pv.read_csv(
        path,
        read_options=pv.ReadOptions(column_names=list(phoenix.COLUMNS)),
        parse_options=pv.ParseOptions(delimiter="\t", quote_char=False),
        convert_options=pv.ConvertOptions(
            column_types={c: pa.string() for c in phoenix.COLUMNS},
            strings_can_be_null=False,
        ),
    )


@pytest.fixture(scope="module")
def traps() -> pa.Table:
    return _read(FIXTURES / "phoenix_traps.txt")


def test_ids_with_underscores_and_dots_are_rewritten_and_flagged(traps: pa.Table) -> None:
    ours, rewritten = phoenix.event_ids(traps["EventID"].combine_chunks())
    assert ours[0].as_py() == "phoenix-1701787-v0-1-0"
    assert all(rewritten.to_pylist())
    plain, flagged = phoenix.event_ids(pa.array(["123", None]))
    assert plain.to_pylist() == ["phoenix-123", None]
    assert flagged.to_pylist() == [False, False]


def test_quad_class_is_compared_on_the_phoenix_scale(traps: pa.Table) -> None:
    disagree = phoenix.quad_class_disagrees(
        traps["EventRootCode"].combine_chunks(), traps["QuadClass"].combine_chunks()
    )
    by_id = dict(zip(traps["EventID"].to_pylist(), disagree.to_pylist(), strict=True))
    assert by_id["1701788_v0.1.0"] is False  # root 01 is class 0 in Phoenix, not 1
    assert by_id["1701789_v0.1.0"] is True  # 190 given class 1: Phoenix says 4
    assert by_id["1701795_v0.1.0"] is True  # class 7 is off the 0-4 scale
    assert by_id["1701790_v0.1.0"] is False  # blank: nothing to compare


def test_blank_invalid_and_unpadded_event_codes(traps: pa.Table) -> None:
    codes, outcomes = phoenix.event_codes(
        traps["EventCode"].combine_chunks(), traps["EventRootCode"].combine_chunks()
    )
    got = dict(zip(traps["EventID"].to_pylist(), zip(codes.to_pylist(), outcomes.to_pylist(),
                                                      strict=True), strict=True))  # fmt: skip
    assert got["1701787_v0.1.0"] == ("042", "ok")
    assert got["1701790_v0.1.0"] == (None, "blank")
    assert got["1701791_v0.1.0"] == (None, "unknown")
    assert got["1701792_v0.1.0"] == ("043", "padded")  # root 4 proves 043
    codes, outcomes = phoenix.event_codes(pa.array(["43"]), pa.array(["05"]))
    assert (codes[0].as_py(), outcomes[0].as_py()) == (None, "unknown")  # root disagrees


def test_actor_codes_that_fail_our_pattern_are_rebuilt() -> None:
    isis = phoenix.rebuild_actor("IMGMOSISI", "IMG", "", "MOS;ISI")
    assert (isis.code, isis.religion, isis.dropped) == ("IMG", "MOS", ("ISI",))
    weu = phoenix.rebuild_actor("WEUREB", "WEU", "REB", "")
    assert (weu.code, weu.dropped) == ("REB", ("WEU",))
    ok = phoenix.rebuild_actor("USAGOV", "USA", "GOV", "")
    assert (ok.code, ok.dropped) == ("USAGOV", ())
    assert phoenix.rebuild_actor("", "", "", "").code is None


def test_names_derived_from_codes_are_only_for_notes() -> None:
    assert phoenix.derived_name("USAGOV") == "United States / Government"
    assert phoenix.derived_name("WEUREB") is None
    assert phoenix.derived_name(None) is None


def test_many_sentence_ids_and_urls_are_kept_verbatim(traps: pa.Table) -> None:
    urls = phoenix.split_list(traps["URLs"].combine_chunks())
    assert urls[0].as_py() == ["http://a.example/1", "http://b.example/2", "http://c.example/3"]
    assert len(phoenix.split_list(traps["SentenceID"].combine_chunks())[0]) == 3


@pytest.mark.skipif(not SAMPLE.is_dir(), reason=f"{SAMPLE} is absent (the shared real "
                    "samples are not part of the repository)")  # fmt: skip
def test_the_real_sample_parses() -> None:
    table = _read(SAMPLE / "phoenix_sample_events.first600.txt")
    assert table.num_rows == 600
    ours, _ = phoenix.event_ids(table["EventID"].combine_chunks())
    assert ours[0].as_py() == "phoenix-1701787-v0-1-0"
    assert len(set(ours.to_pylist())) == 600
    _, outcomes = phoenix.event_codes(
        table["EventCode"].combine_chunks(), table["EventRootCode"].combine_chunks()
    )
    assert outcomes.to_pylist().count("ok") >= 590
    fails = [phoenix.rebuild_actor(f, e, r, a) for f, e, r, a in zip(
        *(table[c].to_pylist() for c in ("SourceActorFull", "SourceActorEntity",
                                          "SourceActorRole", "SourceActorAttribute")),
        strict=True) if f == "IMGMOSISI"]  # fmt: skip
    assert fails and all(r.code == "IMG" and r.religion == "MOS" for r in fails)


def test_rows_whose_actors_both_give_no_code_are_imported(tmp_path: Path) -> None:
    """Neither actor code is in the codebook, so no name is derived for either: the notes
    column was a row short (pyarrow drops rows whose joined parts are all null) and the
    import ended in a traceback."""
    from coded_events.importers.run import import_files

    good = "2\t20160328\t2016\t03\t28\tUSAGOV\tUSA\tGOV\t\tRUSGOV\tRUS\tGOV\t\t010\t01\t0\t0.0"
    bad = "1\t20160328\t2016\t03\t28\tQQQ\tQQQ\t\t\tZZZ\tZZZ\t\t\t010\t01\t0\t0.0"
    tail = "\t\t\t\t\t\t\ts1\thttp://x.org/a\tsrc\n"
    path = tmp_path / "events.txt"
    path.write_text(good + tail + bad + tail, encoding="utf-8")
    result = import_files("phoenix", [path], tmp_path / "out")
    assert (result.rows_read, result.rows_written, result.rows_rejected) == (2, 2, 0)
    notes = pa.parquet.read_table(tmp_path / "out" / "data" / "events.parquet")["notes"]
    assert notes.to_pylist()[1] is None and "source USAGOV" in notes.to_pylist()[0]
