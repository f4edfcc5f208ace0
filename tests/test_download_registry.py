"""``scripts/update_registry.py``: a built release's hashes go into the registry, once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_download_support import DATASET, make_release, registry_entry

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "update_registry.py"


def _run(*args: object) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(SCRIPT), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


@pytest.fixture
def registry(tmp_path) -> Path:
    path = tmp_path / "registry.json"
    shipped_path = ROOT / "src/coded_events/access/registry.json"
    shipped = json.loads(shipped_path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**shipped, "datasets": {}}), encoding="utf-8")
    return path


def test_adds_a_release_then_refuses_to_change_it(tmp_path, registry) -> None:
    release = make_release(tmp_path / "release", "1.2.0")
    assert _run(release, "--registry", registry, "--check").returncode == 1
    result = _run(release, "--registry", registry)
    assert result.returncode == 0, result.stderr
    saved = json.loads(registry.read_text(encoding="utf-8"))
    assert saved["datasets"][DATASET]["1.2.0"] == registry_entry(release)
    assert _run(release, "--registry", registry, "--check").returncode == 0
    assert "already" in _run(release, "--registry", registry).stdout

    make_release(release, "1.2.0", rows=9)  # same version, different data
    refused = _run(release, "--registry", registry)
    assert refused.returncode == 1 and "never changes" in refused.stderr


def test_refuses_a_file_that_does_not_match_its_manifest(tmp_path, registry) -> None:
    release = make_release(tmp_path / "release", "1.3.0")
    (release / "data/events.csv").write_text("edited\n", encoding="utf-8")
    result = _run(release, "--registry", registry)
    assert result.returncode == 1 and "does not match the manifest" in result.stderr
    assert json.loads(registry.read_text(encoding="utf-8"))["datasets"] == {}


def test_registered_release_is_known_to_the_loader(tmp_path, registry, monkeypatch) -> None:
    import importlib

    import coded_events

    dl_registry = importlib.import_module("coded_events.access.registry")
    release = make_release(tmp_path / "release", "4.0.0")
    assert _run(release, "--registry", registry).returncode == 0
    monkeypatch.setattr(dl_registry, "REGISTRY_PATH", registry)
    assert "4.0.0" in coded_events.datasets()[DATASET]
    assert dl_registry.registry_versions(DATASET)["4.0.0"]["data/events.parquet"]
