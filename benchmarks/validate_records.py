"""Benchmark the record validator on generated datasets of realistic events.

    .venv/bin/python benchmarks/validate_records.py --events 1000 10000 100000 --repeats 3

Events are copies of the real dataset's events (``datasets/south-caucasus``), each with a
new id, its links pointing at the copies in the same file, and its place name numbered
so that no two copies look like one event coded twice. Each file holds one source (the
real article's text under a new source id), ``--per-file`` events (24, as the real
record; files stay far below the 20 MiB limit). The broken variant breaks 1% of the
events, each with one fault that maps to exactly one catalogue code, and the run checks
that every injected fault is counted (exact counts from the summary findings).

Each measurement is a fresh ``coded-events validate --format json`` process (process
start included); the table gives the median over ``--repeats`` of the wall time, events
per second (of wall time, and of the child's CPU time, which other load on the machine
disturbs less), and the child's own peak RSS (``os.wait4``). A second table times hostile
files (issue 13): a million empty events, half a million unknown keys, and one file of
9,000 valid events (18 MiB); the findings must be capped (at most 20 per code and file shown,
the exact count in a summary finding).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from coded_events.spec import models

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = (
    ROOT / "datasets/south-caucasus/records/myind-2024-04-17-russia-peacekeepers-withdrawal.json"
)
CLI = str(Path(sys.executable).with_name("coded-events"))


def _bad_code(event: dict) -> None:
    event["action"]["code"] = "999"


def _string_offset(event: dict) -> None:
    event["evidence"][0]["char_start"] = str(event["evidence"][0]["char_start"])


def _no_coder(event: dict) -> None:
    del event["coder"]


def _impossible_date(event: dict) -> None:
    event["date"]["start"] = "2023-02-30"
    event["date"].pop("end", None)


def _unknown_key(event: dict) -> None:
    event["colour"] = "red"


FAULTS = {
    "unknown-event-code": _bad_code,
    "wrong-type": _string_offset,
    "missing-field": _no_coder,
    "invalid-date": _impossible_date,
    "unknown-field": _unknown_key,
}
"""The code each fault must produce, and the fault."""


def make_dataset(root: Path, events: int, per_file: int, broken: float, seed: int = 1) -> Counter:
    """Write a dataset of ``events`` events under ``root``; return the injected faults."""
    template = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    text = TEMPLATE.parent.parent / "sources" / f"{template['source']['source_id']}.txt"
    (root / "records").mkdir(parents=True)
    (root / "sources").mkdir()
    rng = random.Random(seed)
    to_break = set(rng.sample(range(events), round(events * broken)))
    faults: Counter = Counter()
    originals = template["events"]
    number = 0
    for k in range((events + per_file - 1) // per_file):
        source_id = f"bench-{k:06d}"
        count = min(per_file, events - number)
        ids = {}
        chosen = [originals[j % len(originals)] for j in range(count)]
        for j, event in enumerate(chosen):
            ids.setdefault(event["event_id"], f"b{k:06d}-{j:04d}")
        out = []
        for j, original in enumerate(chosen):
            event = copy.deepcopy(original)
            event["event_id"] = f"b{k:06d}-{j:04d}"
            event["location"]["name"] += f" ({k}.{j})"
            event["links"] = [
                {**link, "event_id": ids[link["event_id"]]}
                for link in event.get("links", [])
                if link["event_id"] in ids and ids[link["event_id"]] != event["event_id"]
            ]
            if number in to_break:
                code = list(FAULTS)[number % len(FAULTS)]
                FAULTS[code](event)
                faults[code] += 1
            out.append(event)
            number += 1
        document = {**template, "source": {**template["source"], "source_id": source_id},
                    "events": out}  # fmt: skip
        (root / "records" / f"{source_id}.json").write_text(
            json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        shutil.copyfile(text, root / "sources" / f"{source_id}.txt")
    return faults


def run_validator(root: Path) -> tuple[float, int, list[dict], int, float]:
    """Wall seconds, peak RSS (bytes), the findings, the output's size in bytes and the CPU
    seconds (user and system) of one validator process."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen([CLI, "validate", "--format", "json", str(root)], stdout=out)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, usage.ru_maxrss * 1024, json.loads(text), len(text), cpu


def hostile_files(folder: Path) -> dict[str, tuple[Path, dict[str, int]]]:
    """Hostile record files, each with the exact counts its findings must report."""
    template = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    head = json.dumps({"schema_version": template["schema_version"], "source": template["source"]})
    required = sum(f.is_required() for f in models.Event.model_fields.values())
    out = {}
    empty = folder / "empty-events.json"
    empty.write_text(head[:-1] + ', "events": [' + ",".join(["{}"] * 1_000_000) + "]}")
    out["1,000,000 empty events"] = (empty, {"missing-field": 1_000_000 * required})
    keys = folder / "unknown-keys.json"
    extra = "".join(f', "k{i}": 1' for i in range(500_000))
    keys.write_text(head[:-1] + ', "events": []' + extra + "}")
    out["500,000 unknown keys"] = (keys, {"unknown-field": 500_000})
    nested = folder / "unknown-keys-in-source.json"
    source = json.dumps(template["source"])[:-1] + "".join(f',"{i:x}":1' for i in range(1_700_000))
    version = json.dumps({"schema_version": template["schema_version"]})[:-1]
    nested.write_text(f'{version}, "source": {source}}}, "events": []}}')
    out["1,700,000 unknown keys inside source"] = (nested, {"unknown-field": 1_700_000})
    distinct = folder / "distinct-broken-events.json"
    broken = ",".join(f'{{"coder": "c{i}"}}' for i in range(100_000))
    distinct.write_text(head[:-1] + ', "events": [' + broken + "]}")
    out["100,000 distinct broken events"] = (distinct, {"missing-field": 100_000 * (required - 1)})
    big = folder / "big" / "records"
    make_dataset(big.parent, 9_000, 9_000, 0.0)  # 18 MiB: below the 20 MiB limit
    out["9,000 valid events, one file"] = (big.parent, {})
    return out


def counts(findings: list[dict]) -> Counter:
    """Exact counts per code: samples, plus what each summary says it did not show."""
    out: Counter = Counter()
    for f in findings:
        if f["pointer"] == "" and isinstance(f["value"], int) and "shown" in f["message"]:
            out[f["code"]] += f["value"] - _shown(f["message"])
        else:
            out[f["code"]] += 1
    return out


def _shown(message: str) -> int:
    return int(re.search(r"\((\d+) shown", message).group(1))  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--per-file", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--hostile", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.events:
            for broken in (0.0, 0.01):
                root = Path(tmp) / f"{n}-{broken}"
                faults = make_dataset(root, n, args.per_file, broken)
                runs = [run_validator(root) for _ in range(args.repeats)]
                found = counts(runs[0][2])
                missing = {c: k for c, k in faults.items() if found[c] < k}
                assert not missing, f"injected faults not all reported: {missing} vs {found}"
                if not broken:
                    assert not found, f"valid dataset has findings: {found}"
                seconds = statistics.median(r[0] for r in runs)
                memory = statistics.median(r[1] for r in runs)
                cpu = statistics.median(r[4] for r in runs)
                rows.append((n, f"{broken:.0%}", seconds, n / seconds, n / cpu, memory / 2**20))
                print(*rows[-1], flush=True)
                shutil.rmtree(root)
        hostile = []
        if args.hostile:
            for name, (path, expected) in hostile_files(Path(tmp)).items():
                runs = [run_validator(path) for _ in range(args.repeats)]
                found = counts(runs[0][2])
                for code, count in expected.items():
                    assert found[code] == count, f"{name}: {code} {found[code]} != {count}"
                size = path.stat().st_size
                if path.is_dir():
                    size = sum(p.stat().st_size for p in path.rglob("*.json"))
                hostile.append((name, size / 2**20, statistics.median(r[0] for r in runs),
                                statistics.median(r[1] for r in runs) / 2**20,
                                len(runs[0][2]), runs[0][3] / 1024))  # fmt: skip
                print(*hostile[-1], flush=True)
    print()
    print("| events | broken | seconds | events/s | events per CPU second | peak RSS (MiB) |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for n, broken, seconds, rate, per_cpu, memory in rows:
        print(
            f"| {n:,} | {broken} | {seconds:.2f} | {rate:,.0f} | {per_cpu:,.0f} | {memory:,.0f} |"
        )
    if hostile:
        print()
        print("| file | MiB | seconds | peak RSS (MiB) | findings shown | output (KiB) |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for name, mib, seconds, memory, shown, kib in hostile:
            print(f"| {name} | {mib:.1f} | {seconds:.2f} | {memory:,.0f} | {shown} | {kib:.0f} |")


if __name__ == "__main__":
    main()
