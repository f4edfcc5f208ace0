"""Datasets for the explorer's tests and benchmark, made from the real one.

``non_bmp_release``: south-caucasus with its source text prefixed by characters outside the
Basic Multilingual Plane and every quote offset moved to match (code points), so that a
highlight placed by UTF-16 index without conversion lands in the wrong place.
``rehash``: a release's manifest brought up to date with its files (bytes and sha256), after
a test changed them.
``generated_release``: a release of N generated events (the benchmark's 10,000), with the
real tables' schemas, quotes into generated source texts, and links.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from coded_events.spec.codebook import event_codes
from tests.conftest import ROOT

DATASET = ROOT / "datasets" / "south-caucasus"
PREFIX = "𝔸𝔹 "  # two characters outside the BMP (two UTF-16 units each), then a space
TABLES = ("events", "evidence", "sources", "links")


def _write(table: pa.Table, file: Path) -> None:
    pq.write_table(table, file)


def rehash(folder: Path) -> None:
    """Set each resource's ``bytes`` and ``hash`` in ``folder``'s manifest to its file's."""
    manifest_file = folder / "datapackage.json"
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    for resource in manifest["resources"]:
        if isinstance(resource, dict) and (folder / resource["path"]).is_file():
            data = (folder / resource["path"]).read_bytes()
            resource.update(bytes=len(data), hash=f"sha256:{hashlib.sha256(data).hexdigest()}")
    manifest_file.write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def non_bmp_release(folder: Path) -> Path:
    """A copy of south-caucasus whose source texts start with ``PREFIX``; offsets moved."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(DATASET / "datapackage.json", folder / "datapackage.json")
    shutil.copytree(DATASET / "data", folder / "data")
    (folder / "sources").mkdir()
    sources = pq.read_table(DATASET / "data" / "sources.parquet")
    hashes = []
    for source_id in sources["source_id"].to_pylist():
        text = PREFIX + (DATASET / "sources" / f"{source_id}.txt").read_text(encoding="utf-8")
        data = text.encode("utf-8")
        (folder / "sources" / f"{source_id}.txt").write_bytes(data)
        hashes.append(hashlib.sha256(data).hexdigest())
    column = sources.schema.get_field_index("text_sha256")
    _write(
        sources.set_column(column, "text_sha256", pa.array(hashes)),
        folder / "data" / "sources.parquet",
    )
    evidence = pq.read_table(DATASET / "data" / "evidence.parquet")
    shift = len(PREFIX)
    for name in ("char_start", "char_end"):
        index = evidence.schema.get_field_index(name)
        moved = pc.add(evidence[name], pa.scalar(shift, evidence.schema.field(name).type))
        evidence = evidence.set_column(index, evidence.schema.field(name), moved)
    _write(evidence, folder / "data" / "evidence.parquet")
    rehash(folder)
    return folder


def _event_rows(n: int, rng: random.Random, actors: list[str], sources: list[str]) -> list[dict]:
    codes = sorted((c for c in event_codes().values() if len(c.code) == 3), key=lambda c: c.code)
    precisions = ["exact_site", "settlement", "admin1", "region", "country"]
    rows = []
    for i in range(n):
        code = rng.choice(codes)
        start = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(9000))
        end = start if rng.random() < 0.4 else start + dt.timedelta(days=rng.randrange(1, 90))
        src, tgt = rng.sample(actors, 2)
        placed = rng.random() > 0.05
        rows.append(
            {
                "event_id": f"gen-{i:05d}",
                "source_id": sources[i % len(sources)],
                "date_start": start,
                "date_end": end,
                "date_precision": "day",
                "date_start_text": start.isoformat(),
                "date_end_text": None if end == start else end.isoformat(),
                "date_approximate": rng.random() < 0.3,
                "date_note": None,
                "source_actor_code": src,
                "source_actor_name": f"{src} name",
                "source_actor_roles": [],
                "target_actor_code": tgt if rng.random() > 0.05 else None,
                "target_actor_name": f"{tgt} name",
                "target_actor_roles": [],
                "cameo_code": code.code,
                "cameo_label": code.label,
                "root_code": code.root_code,
                "quad_class": code.quad_class,
                "goldstein": code.goldstein,
                "location_name": f"Place {i % 300}",
                "latitude": round(rng.uniform(38.5, 43.5), 4) if placed else None,
                "longitude": round(rng.uniform(40.0, 50.5), 4) if placed else None,
                "geo_precision": rng.choice(precisions) if placed else "none",
                "certainty": rng.choice(["confirmed", "reported", "unverified", "disputed"]),
                "status": "occurred",
                "quantities": [],
                "coder": "generator",
                "notes": "A generated event for the explorer benchmark.",
            }
        )
    return rows


def generated_release(folder: Path, n: int = 10_000, seed: int = 18) -> Path:
    """A built release of ``n`` generated events (with manifest, quotes, sources, links)."""
    rng = random.Random(seed)
    real = {t: pq.read_schema(DATASET / "data" / f"{t}.parquet") for t in TABLES}
    actors = [f"{c}{r}" for c in ("ARM", "AZE", "GEO", "RUS", "TUR", "IRN") for r in
              ("", "GOV", "MIL", "COP", "CVL", "OPP", "REB", "MED")]  # fmt: skip
    sources = [f"gen-source-{i:04d}" for i in range(max(1, n // 20))]
    events = _event_rows(n, rng, actors, sources)
    sentence = "The generated article reports what one actor did to another on that day. "
    evidence = [
        {
            "event_id": e["event_id"],
            "evidence_index": 0,
            "source_id": e["source_id"],
            "char_start": 0,
            "char_end": len(sentence) - 1,
            "quote": sentence[:-1],
        }
        for e in events
    ]
    source_rows = [
        {
            "source_id": s,
            "title": f"Generated article {s}",
            "publisher": "Generator",
            "published": dt.date(2024, 1, 1),
            "published_text": "2024-01-01",
            "url": None,
            "language": "en",
            "text_sha256": hashlib.sha256(sentence.encode()).hexdigest(),
        }
        for s in sources
    ]
    links = [
        {"event_id": e["event_id"], "link_index": 0, "type": "follows",
         "target_event_id": events[i - 1]["event_id"]}
        for i, e in enumerate(events) if i % 10 == 1
    ]  # fmt: skip
    (folder / "data").mkdir(parents=True, exist_ok=True)
    resources = []
    for table, rows in (("events", events), ("evidence", evidence), ("sources", source_rows),
                        ("links", links)):  # fmt: skip
        schema = real[table].remove_metadata()
        full = [{name: row.get(name) for name in schema.names} for row in rows]
        _write(pa.Table.from_pylist(full, schema=schema), folder / "data" / f"{table}.parquet")
        resources.append({"name": table, "path": f"data/{table}.parquet", "format": "parquet"})
    manifest = {
        "name": "generated",
        "title": f"Generated events ({n})",
        "version": "0.0.1",
        "schema_version": "1.1.0",
        "codebook_version": "generated",
        "licenses": [{"name": "CC0-1.0"}],
        "resources": resources,
    }
    (folder / "datapackage.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    rehash(folder)
    return folder


def test_the_generated_release_has_the_real_schemas(tmp_path: Path) -> None:
    folder = generated_release(tmp_path / "gen", n=50)
    events = pq.read_table(folder / "data" / "events.parquet")
    assert events.num_rows == 50
    real = pq.read_schema(DATASET / "data" / "events.parquet").remove_metadata()
    assert events.schema.remove_metadata() == real


def test_the_non_bmp_copy_moves_every_offset_by_the_prefix(tmp_path: Path) -> None:
    folder = non_bmp_release(tmp_path / "nb")
    evidence = pq.read_table(folder / "data" / "evidence.parquet").to_pylist()
    for quote in evidence:
        text = (folder / "sources" / f"{quote['source_id']}.txt").read_text(encoding="utf-8")
        assert text[quote["char_start"] : quote["char_end"]] == quote["quote"]
        assert quote["char_start"] >= len(PREFIX)
