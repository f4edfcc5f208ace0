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
per second, and the child's own peak RSS (``os.wait4``).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = (
    ROOT / "datasets/south-caucasus/records/myind-2024-04-17-russia-peacekeepers-withdrawal.json"
)
CLI = str(Path(sys.executable).with_name("coded-events"))


def _bad_code(event: dict) -> None:
    event["action"]["code"] = "999"


def _string_latitude(event: dict) -> None:
    event["location"]["latitude"] = str(event["location"]["latitude"])


def _no_coder(event: dict) -> None:
    del event["coder"]


def _impossible_date(event: dict) -> None:
    event["date"]["start"] = "2023-02-30"
    event["date"].pop("end", None)


def _unknown_key(event: dict) -> None:
    event["colour"] = "red"


FAULTS = {
    "unknown-event-code": _bad_code,
    "wrong-type": _string_latitude,
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


def run_validator(root: Path) -> tuple[float, int, list[dict]]:
    """Wall seconds, peak RSS (bytes) and the findings of one validator process."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen([CLI, "validate", "--format", "json", str(root)], stdout=out)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        findings = json.loads(out.read())
    return seconds, usage.ru_maxrss * 1024, findings


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
    return int(message.split("(", 1)[1].split(" shown", 1)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--per-file", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=3)
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
                rows.append((n, f"{broken:.0%}", seconds, n / seconds, memory / 2**20))
                print(*rows[-1], flush=True)
                shutil.rmtree(root)
    print()
    print("| events | broken | seconds | events/s | peak RSS (MiB) |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for n, broken, seconds, rate, memory in rows:
        print(f"| {n:,} | {broken} | {seconds:.2f} | {rate:,.0f} | {memory:,.0f} |")


if __name__ == "__main__":
    main()
