"""``import_files_dask``: the import on a Dask cluster, one task per input file, with the
accounting, findings and rows of the single process (:func:`coded_events.importers.run.
import_files`).

Each task converts one input with the framework's own reader, converter and accounting
(``run._read_input``, :class:`~coded_events.importers.convert.BatchConverter`) and writes
its rows as Parquet parts (:class:`~coded_events.importers.writer.PartitionedWriter`:
``data/events/year=2019/part-00003-0.parquet``, provenance beside its events, sources and
links one part per input). A task returns its counts, its sampled findings, the keys of the
ids it read and the source ids it wrote, never rows. The client then settles what spans
files, in input order, as the single process would have met it:

- an id already read in an earlier input is a duplicate (``import-duplicate-id``), and an
  event id an earlier input gave (to another producer id that our id rules make the same)
  is not given again (``EventIds``): such an input is converted again, its converter told
  those ids, until no input meets an earlier one's event id it was not told (exact: the
  conversion then equals the single process's; inputs that share no id, the usual case,
  are converted once);
- a source an earlier input wrote is not written again: the later part is rewritten
  without it (a small task on the sources part only);
- the sampled findings are merged per (file, code) as :class:`~coded_events.findings.
  Sampler` caps them, the counts summed.

Inputs are never split: a task is a whole file (each member of a zip in turn), so line
numbers and the per-file finding caps are the single process's. Workers and client must
see the inputs and ``out`` at the same paths (one machine, or a shared file system).
Needs ``pip install coded-events[dask]``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from coded_events import safe_files
from coded_events.extras import require
from coded_events.findings import Finding, Sampler
from coded_events.importers.convert import Accounts, BatchConverter
from coded_events.importers.raw import DEFAULT_BATCH_BYTES
from coded_events.importers.registry import FORMATS
from coded_events.importers.run import (
    ImportResult,
    _dataset_json,
    _metadata,
    _read_input,
    start_import,
)
from coded_events.importers.seen import EventIds, SeenIds
from coded_events.importers.writer import (
    PARQUET_OPTIONS,
    PartFile,
    PartitionedWriter,
    empty_part,
    part_file,
    partitioned_manifest,
)
from coded_events.release.rows import TABLE_NAMES
from coded_events.spec.catalogue import CATALOGUE
from coded_events.spec.layout import DATA_DIR, MANIFEST, METADATA_FILE

__all__ = ["import_files_dask"]


@dataclass
class InputTask:
    """What a worker needs to import one input (small; pickled to the worker)."""

    index: int
    path: str
    format: str
    root: str
    meta: dict[str, Any]
    batch_bytes: int
    max_samples: int
    seen_numbers: np.ndarray | None = None
    seen_others: list[str] = field(default_factory=list)
    seen_keys: list[str] = field(default_factory=list)
    name: str = ""
    """The input's name where file names of inputs clash (``run.input_names``)."""
    """Event ids (after ``<format>-``) earlier inputs gave that this input meets."""
    stale: list[str] = field(default_factory=list)
    """Parts of an earlier conversion of this input, removed first."""

    @property
    def part_name(self) -> str:
        return f"part-{self.index:05d}-0.parquet"


@dataclass
class InputDone:
    """What a task returns: accounting, sampled findings, keys and part files; no rows."""

    index: int
    sha256: str
    refused: bool
    partial: bool
    """Read up to a break (the rows before it kept), as the single process counts it."""
    rows: tuple[int, int, int]
    """Read, written, rejected."""
    events: int
    """Events written."""
    counts: Counter[str]
    sampled: dict[tuple[str, str], int]
    kept: list[Finding]
    numbers: np.ndarray
    others: set[str]
    keys: set[str]
    """The event ids (after ``<format>-``) held by ``EventIds`` (seeds included)."""
    source_ids: list[str]
    parts: list[PartFile]


def _seed(seen: SeenIds, task: InputTask) -> None:
    """Tell the converter the ids earlier inputs read (those this input repeats)."""
    keys = [str(n) for n in (task.seen_numbers if task.seen_numbers is not None else [])]
    keys += task.seen_others
    if keys:
        seen.add_batch(pa.array(keys, pa.string()), pa.array([True] * len(keys)))


def _seed_keys(event_ids: EventIds, task: InputTask) -> None:
    """Tell the converter the event ids earlier inputs gave (those this input meets)."""
    event_ids.taken.update(task.seen_keys)


def import_input(task: InputTask) -> InputDone:
    """Import one input into parts below ``task.root`` (runs on a worker)."""
    root = Path(task.root)
    for stale in task.stale:
        (root / stale).unlink(missing_ok=True)
    fmt = FORMATS[task.format]
    accounts = Accounts()
    accounts.sampler.max_samples = task.max_samples
    converter = BatchConverter(fmt, accounts)
    _seed(converter.seen_ids, task)
    _seed_keys(converter.event_ids, task)
    if task.name:
        converter.input_names = {task.path: task.name}
    path = Path(task.path)
    with PartitionedWriter(root, task.part_name, task.meta) as writer:
        outcome: dict[str, str] = {}
        whole = _read_input(path, fmt, converter, writer, accounts, task.batch_bytes, outcome)
        parts = writer.close()
    runs = converter.seen_ids.runs
    return InputDone(
        index=task.index,
        sha256=safe_files.sha256_file(path),
        refused=not whole and "refused" in outcome.values(),
        partial=not whole and "refused" not in outcome.values(),
        rows=(accounts.rows_read, accounts.rows_written, accounts.rows_rejected),
        events=accounts.events_written,
        counts=accounts.counts,
        sampled=accounts.sampler.counts,
        kept=accounts.sampler.kept,
        numbers=np.unique(np.concatenate(runs)) if runs else np.empty(0, np.int64),
        others=converter.seen_ids.others,
        keys=converter.event_ids.taken,
        source_ids=sorted(converter.seen_sources),
        parts=parts,
    )


def drop_sources(root: str, part: PartFile, drop: list[str]) -> PartFile | None:
    """Rewrite a sources part without the sources an earlier input wrote (None: empty)."""
    path = Path(root) / part.path
    table = pq.read_table(path, partitioning=None)
    kept = table.filter(pc.invert(pc.is_in(table.column("source_id"), pa.array(drop))))
    if not kept.num_rows:
        path.unlink()
        return None
    sink = pa.BufferOutputStream()
    pq.write_table(kept, sink, **PARQUET_OPTIONS)
    safe_files.write_atomic(path, sink.getvalue().to_pybytes(), Path(root))
    return part_file(Path(root), part.path, part.table, kept.num_rows)


# --- the client: what spans inputs ----------------------------------------------------------


def _repeats(done: list[InputDone]) -> dict[int, tuple[np.ndarray, list[str]]]:
    """Per input, the ids an earlier input already read (inputs with none left out)."""
    numbers = np.empty(0, np.int64)
    others: set[str] = set()
    out = {}
    for result in done:
        repeated = np.intersect1d(result.numbers, numbers, assume_unique=True)
        repeated_others = sorted(result.others & others)
        if len(repeated) or repeated_others:
            out[result.index] = (repeated, repeated_others)
        numbers = np.union1d(numbers, result.numbers)
        others |= result.others
    return out


def _sources_written_before(done: list[InputDone]) -> dict[int, list[str]]:
    """Per input, the sources it wrote that an earlier input wrote first."""
    written: set[str] = set()
    out = {}
    for result in done:
        again = [s for s in result.source_ids if s in written]
        if again:
            out[result.index] = again
        written.update(result.source_ids)
    return out


def _merge(done: list[InputDone], result: ImportResult, max_samples: int) -> None:
    """The accounting of all inputs, in input order, into ``result``."""
    sampler = Sampler(max_samples)
    counts: Counter[str] = Counter()
    for part in done:
        read, written, rejected = part.rows
        result.rows_read += read
        result.rows_written += written
        result.rows_rejected += rejected
        result.events_written += part.events
        result.files_refused += part.refused
        result.files_partial += part.partial
        counts.update(part.counts)
        room = {key: max(0, max_samples - sampler.counts.get(key, 0)) for key in part.sampled}
        for finding in part.kept:  # the first ones per (file, code), as one sampler keeps
            key = (finding.file, finding.code)
            if room.get(key, 0) > 0:
                room[key] -= 1
                sampler.keep(finding)
        for key, count in part.sampled.items():
            sampler.counts[key] = sampler.counts.get(key, 0) + count
    result.counts = dict(counts)
    severity = {code: check.severity for code, check in CATALOGUE.items()}
    result.findings = sampler.kept + sampler.summaries(severity)


def _compute(function: Any, arguments: list[tuple[Any, ...]]) -> list[Any]:
    """``function`` over ``arguments`` as Dask tasks (the current scheduler), in order."""
    import dask

    tasks = [dask.delayed(function, pure=False)(*a) for a in arguments]
    return list(dask.compute(*tasks)) if tasks else []


def _key_seeds(tasks: list[InputTask], done: list[InputDone]) -> list[int]:
    """The inputs to convert again because they gave an event id an earlier input gave:
    each is told the earlier inputs' ids it met (and keeps those it was told that are
    still earlier inputs' ids). A conversion told a subset of the earlier ids equals the
    single process's once every earlier id it gives is in that subset."""
    earlier: set[str] = set()
    again = []
    for task, result in zip(tasks, done, strict=True):
        told = set(task.seen_keys)
        seeds = result.keys & earlier  # what it was told that is still earlier, and more
        if seeds != told:
            task.seen_keys = sorted(seeds)
            again.append(task.index)
        earlier |= result.keys - told  # its own event ids
    return again


def _settle(tasks: list[InputTask], done: list[InputDone]) -> list[InputDone]:
    """Convert again the inputs that repeat ids of earlier ones, or give event ids an
    earlier one gave, until none does; drop repeated sources."""
    again = set()
    for index, (numbers, others) in _repeats(done).items():
        tasks[index].seen_numbers, tasks[index].seen_others = numbers, others
        again.add(index)
    while again := again | set(_key_seeds(tasks, done)):
        for index in again:
            tasks[index].stale = [p.path for p in done[index].parts]
        for redone in _compute(import_input, [(tasks[i],) for i in sorted(again)]):
            done[redone.index] = redone
        again = set()
    drops = _sources_written_before(done)
    owners = [(i, p) for i in drops for p in done[i].parts if p.table == "sources"]
    jobs = [(tasks[i].root, part, drops[i]) for i, part in owners]
    for (index, old), new in zip(owners, _compute(drop_sources, jobs), strict=True):
        kept = [p for p in done[index].parts if p != old]
        done[index].parts = kept + ([new] if new else [])
    return done


def _publish(staging: Path, out: Path) -> None:
    """Swap the staged ``data/`` into ``out`` (the old one removed after the swap)."""
    data = out / DATA_DIR
    safe_files.check_no_links(data, out)
    old = out / f".import-old-{secrets.token_hex(4)}"
    if data.exists():
        os.replace(data, old)
    os.replace(staging / DATA_DIR, data)
    shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(staging, ignore_errors=True)
    safe_files.sync_folder(out)


def _write_package(
    out: Path, staging: Path, meta: dict[str, Any], result: ImportResult, parts: list[PartFile]
) -> None:
    fmt = FORMATS[result.format]
    filled = {p.table for p in parts}
    parts += [empty_part(staging, t, meta) for t in TABLE_NAMES if t not in filled]
    parts.sort(key=lambda p: (TABLE_NAMES.index(p.table), p.path))
    _publish(staging, out)
    sources = [
        {"title": f"{fmt.producer}: {i.name}", **({"path": fmt.homepage} if fmt.homepage else {})}
        for i in result.inputs
    ]
    manifest = partitioned_manifest(meta, sources, parts)
    for name, content in ((METADATA_FILE, _dataset_json(fmt, meta, result)), (MANIFEST, manifest)):
        text = json.dumps(content, indent=2, ensure_ascii=False) + "\n"
        safe_files.write_atomic(out / name, text.encode("utf-8"), root=out)
    result.written = [out / p.path for p in parts] + [out / METADATA_FILE, out / MANIFEST]


def import_files_dask(
    format_name: str,
    paths: Sequence[Path],
    out: Path,
    *,
    scheduler: str | None = None,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    max_samples: int = 20,
) -> ImportResult:
    """Import producer files into a partitioned dataset in ``out`` on Dask, one task per
    input (see the module docs); the result equals :func:`~coded_events.importers.run.
    import_files`'s but for ``written``. ``scheduler``: a Dask scheduler address
    (``tcp://host:8786``); None uses Dask's current scheduler (the active
    ``distributed.Client``, else threads in this process)."""
    require("dask", "dask", "distributed")
    if scheduler:
        from distributed import Client

        with Client(scheduler):
            return import_files_dask(
                format_name, paths, out, batch_bytes=batch_bytes, max_samples=max_samples
            )
    paths, fmt, result = start_import(format_name, paths, out)
    meta = _metadata(fmt, result)
    out = Path(out).absolute()
    safe_files.check_no_links(out)
    created = _missing_folders(out)
    safe_files.make_dirs(out)
    staging = out / f".import-staging-{secrets.token_hex(4)}"
    try:
        safe_files.make_dirs(staging / DATA_DIR, out)
        tasks = [
            InputTask(i, str(p), fmt.name, str(staging), meta, batch_bytes, max_samples)
            for i, p in enumerate(paths)
        ]
        for task, path, listed in zip(tasks, paths, result.inputs, strict=True):
            task.name = listed.name if listed.name != path.name else ""
        done = _settle(tasks, _compute(import_input, [(t,) for t in tasks]))
        for item, part in zip(result.inputs, done, strict=True):
            item.sha256 = part.sha256
        _merge(done, result, max_samples)
        _write_package(out, staging, meta, result, [p for d in done for p in d.parts])
    except BaseException:  # a failed import leaves no folder it created
        shutil.rmtree(staging, ignore_errors=True)
        _remove_empty(created)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return result


def _missing_folders(out: Path) -> list[Path]:
    """``out`` and its parents that do not exist yet, deepest first."""
    return [p for p in (out, *out.parents) if not p.exists()]


def _remove_empty(folders: list[Path]) -> None:
    """Remove ``folders`` (deepest first) while they are empty: nothing else is removed."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            break
