"""The wheel, installed in a fresh virtual environment, loads and downloads outside the repo.

Slow (about 30 s here: the venv installs the wheel's dependencies from the package index),
so it runs once per session; set CODED_EVENTS_SKIP_WHEEL_TEST=1 to skip it locally.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.test_download_support import DATASET, files_in, make_release, serving

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    os.environ.get("CODED_EVENTS_SKIP_WHEEL_TEST") == "1",
    reason="CODED_EVENTS_SKIP_WHEEL_TEST=1",
)


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def venv_python(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    _run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
         "-w", str(work / "dist"), "-q"]
    )  # fmt: skip
    wheel = next((work / "dist").glob("coded_events-*.whl"))
    _run([sys.executable, "-m", "venv", str(work / "venv")])
    python = work / "venv" / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "-q", str(wheel)])
    return python


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CODED_EVENTS_", "PYTHON"))}
    return {**env, **extra}


def test_installed_wheel_loads_the_bundled_release_offline(venv_python, tmp_path) -> None:
    script = textwrap.dedent(
        """
        import coded_events
        table = coded_events.load("south-caucasus")
        assert "site-packages" in coded_events.__file__, coded_events.__file__
        print(table.num_rows, coded_events.path().parent.parent.name)
        """
    )
    env = _clean_env(CODED_EVENTS_OFFLINE="1", CODED_EVENTS_CACHE=str(tmp_path / "cache"))
    result = _run([str(venv_python), "-c", script], cwd=tmp_path, env=env)
    rows, folder = result.stdout.split()
    assert int(rows) > 0 and folder == DATASET
    assert not (tmp_path / "cache").exists()


def test_installed_wheel_downloads_verified_and_refuses_corruption(venv_python, tmp_path) -> None:
    make_release(tmp_path / "site" / DATASET / "2.0.0", "2.0.0", rows=4)
    script = textwrap.dedent(
        """
        import sys, warnings, coded_events
        warnings.simplefilter("ignore")
        try:
            print(coded_events.download("south-caucasus", "2.0.0", base_url=sys.argv[1]))
        except coded_events.access.loader.DataError as error:
            print(type(error).__name__, error)
        """
    )
    env = _clean_env(CODED_EVENTS_CACHE=str(tmp_path / "cache"))
    with serving(tmp_path / "site") as server:
        server.behave(f"{DATASET}/2.0.0/data/evidence.parquet", "corrupt")
        refused = _run([str(venv_python), "-c", script, server.url], cwd=tmp_path, env=env)
        assert refused.stdout.startswith("HashMismatchError") and "sha256" in refused.stdout
        assert "data/evidence.parquet" not in files_in(tmp_path / "cache")
        assert not [name for name in files_in(tmp_path / "cache") if name.endswith(".part")]
        done = _run([str(venv_python), "-c", script, server.url], cwd=tmp_path, env=env)
    assert done.stdout.strip() == str(tmp_path / "cache" / DATASET / "2.0.0")
    assert len(files_in(tmp_path / "cache" / DATASET / "2.0.0")) == 7
