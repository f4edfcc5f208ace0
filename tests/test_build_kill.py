"""A build killed (SIGKILL) at every point of its write phase leaves complete files only.

Each run is a real ``coded-events build`` process (forked, see ZYGOTE) on a copy of a built
dataset whose records changed so that all nine outputs change. Inside that process, and
only there, the ``os`` functions ``safe_files`` calls are wrapped so the build pauses
when a temporary file is half written and again just before each rename; the test kills
the process with SIGKILL at one marker per run, so every step of the write phase is hit
deterministically. After each kill: every output present is byte-equal to the complete old
or the complete new file (never empty or partial), the manifest is new only once every
table is, a torn state is caught by the manifest's hashes (as the loader and
``build --check`` read them), and the next build removes the debris and repairs it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from coded_events import safe_files
from coded_events.access.fetch import manifest_hashes
from coded_events.release import build as publish
from coded_events.safe_files import sha256_file
from tests.test_build import BIN, make_dataset

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="forks and reads /proc/self/fd (Linux)"
)

# A zygote: it imports the CLI once and renders the dataset once in memory (warm-up;
# Arrow's thread pools are fork-safe), then forks one real build process per request (a
# line with the dataset folder on its stdin), so each of the many runs costs a build, not
# a Python start-up. In the fork, and only there, the ``os`` functions ``safe_files`` calls
# are wrapped: the build prints "@@ half TEMP" when a temporary file is half written and
# "@@ rename TARGET" before each rename, then waits for a line on stdin (the test answers,
# or kills it). The fork prints "@@ pid N" first; the zygote prints "@@ exit CODE" after it.
ZYGOTE = r"""
import os, sys, traceback
from pathlib import Path
from coded_events import safe_files
from coded_events.release import build as publish
from coded_events.cli import load_commands, main
load_commands(["build"])
publish.render(Path(sys.argv[1]))  # warm up (lazy imports, first use): the forks only build

real = os

def pause(marker):
    sys.stdout.write("@@ " + marker + "\n")
    sys.stdout.flush()
    sys.stdin.readline()

class HalfWriter:
    def __init__(self, handle):
        self.handle = handle
    def write(self, data):
        half = len(data) // 2
        self.handle.write(data[:half])
        self.handle.flush()
        real.fsync(self.handle.fileno())
        pause("half " + real.readlink("/proc/self/fd/%d" % self.handle.fileno()))
        return half + self.handle.write(data[half:])
    def __getattr__(self, name):
        return getattr(self.handle, name)
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return self.handle.__exit__(*exc)

class PausingOs:
    def __getattr__(self, name):
        return getattr(real, name)
    def fdopen(self, fd, *args, **kwargs):
        return HalfWriter(real.fdopen(fd, *args, **kwargs))
    def replace(self, source, target):
        pause("rename " + str(target))
        real.replace(source, target)

for request in iter(sys.stdin.readline, ""):
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            safe_files.os = PausingOs()
            sys.stdout.write("@@ pid %d\n" % os.getpid())
            sys.stdout.flush()
            sys.argv = ["coded-events", "build", request.strip()]
            main()
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 1
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    sys.stdout.write("@@ exit %d\n" % os.waitstatus_to_exitcode(status))
    sys.stdout.flush()
"""


def _change_everything(folder: Path) -> None:
    """Edit the records so that every table, in both formats, and the manifest change."""
    record = folder / "records" / "hostile.json"
    data = json.loads(record.read_text("utf-8"))
    data["source"]["title"] += " (revised)"  # sources
    event = data["events"][0]
    event["event_id"] = "hostile-0002"  # events, evidence
    event["links"] = [{"type": "part_of", "event_id": "fixture-0002"}]  # links
    event["provenance"] = {"producer": "GDELT", "producer_event_id": "1"}  # provenance
    record.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    """A built dataset (old outputs) whose records now give other outputs (new)."""
    folder = make_dataset(tmp_path_factory.mktemp("kill") / "template")
    meta = json.loads((folder / "dataset.json").read_text("utf-8"))
    meta["name"] = "kill-test"  # no registered release: the version check has nothing to do
    (folder / "dataset.json").write_text(json.dumps(meta), encoding="utf-8")
    publish.build(folder)
    old = {r: (folder / r).read_bytes() for r in publish.output_paths()}
    _change_everything(folder)
    new = publish.render(folder)
    assert all(old[r] != new[r] for r in publish.output_paths()), "every output must change"
    return folder, old, new


def _fresh_copy(template: Path, where: Path) -> Path:
    return shutil.copytree(template, where, symlinks=True)


class Builds:
    """Real build processes forked by the zygote, killed at a chosen marker."""

    def __init__(self, log: Path, warm_up: Path) -> None:
        self.log = log.open("w")
        self.zygote = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE, str(warm_up)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        # a hung build must fail the test, not hang it
        self.watchdog = threading.Timer(240, self.zygote.kill)
        self.watchdog.start()

    def run(self, folder: Path, kill_at: int | None) -> list[str]:
        """Build ``folder``; SIGKILL the build at marker number ``kill_at`` (1-based)."""
        stdin, stdout = self.zygote.stdin, self.zygote.stdout
        assert stdin is not None and stdout is not None
        stdin.write(f"{folder}\n")
        stdin.flush()
        markers: list[str] = []
        pid = code = None
        while code is None:
            line = stdout.readline()
            assert line, f"the zygote died; see {self.log.name}"
            if not line.startswith("@@ "):
                continue
            kind, _, rest = line[3:].strip().partition(" ")
            if kind == "pid":
                pid = int(rest)
            elif kind == "exit":
                code = int(rest)
            else:
                markers.append(f"{kind} {rest}")
                if len(markers) == kill_at:
                    assert pid is not None
                    os.kill(pid, signal.SIGKILL)
                else:
                    stdin.write("\n")
                    stdin.flush()
        expected = 0 if kill_at is None else -signal.SIGKILL
        assert code == expected, self.log.name
        return markers

    def close(self) -> None:
        self.watchdog.cancel()
        if self.zygote.stdin:
            self.zygote.stdin.close()
        self.zygote.wait(timeout=30)
        if self.zygote.stdout:
            self.zygote.stdout.close()
        self.log.close()


@pytest.fixture(scope="module")
def builds(
    tmp_path_factory: pytest.TempPathFactory, states: tuple[Path, dict, dict]
) -> Iterator[Builds]:
    runner = Builds(tmp_path_factory.mktemp("zygote") / "stderr.log", warm_up=states[0])
    yield runner
    runner.close()


def _loader_sees_a_mismatch(folder: Path) -> bool:
    """The loader's own check of a release folder: the manifest's sha256 of every file."""
    manifest = json.loads((folder / "datapackage.json").read_text("utf-8"))
    expected = manifest_hashes(manifest, folder, "test")
    return any(sha256_file(folder / r) != digest for r, digest in expected.items())


def _debris_name(markers: list[str]) -> str:
    """The temporary file a killed run left: the one its last half mark names."""
    last_half = [m for m in markers if m.startswith("half ")][-1]
    return Path(last_half.split(" ", 1)[1]).name


def _assert_consistent(folder: Path, old: dict, new: dict) -> tuple[int, bool]:
    """The invariants after a kill; returns (files already new, whether torn)."""
    outputs = publish.output_paths()
    for relative in outputs:
        content = (folder / relative).read_bytes()
        assert content in (old[relative], new[relative]), f"{relative}: neither old nor new"
        assert content, f"{relative}: empty"
    known = {*outputs, "dataset.json"}
    extra = [
        p.name
        for base in (folder, folder / "data")
        for p in base.iterdir()
        if p.is_file() and str(p.relative_to(folder)) not in known
    ]
    # the one temporary file being written (half or whole) when the kill came
    assert len(extra) == 1 and extra[0].startswith(safe_files.TEMP_PREFIX), extra
    is_new = {r: (folder / r).read_bytes() == new[r] for r in outputs}
    tables_new = [r for r in outputs if r != "datapackage.json" and is_new[r]]
    if is_new["datapackage.json"]:
        assert len(tables_new) == len(outputs) - 1, "the manifest was replaced before a table"
    torn = bool(tables_new) and not is_new["datapackage.json"]
    assert bool(publish.manifest_mismatches(folder)) == torn
    assert _loader_sees_a_mismatch(folder) == torn
    if not is_new["datapackage.json"]:
        assert publish.check(folder), "a build that did not finish must not look up to date"
    return len(tables_new), torn


def test_a_build_killed_at_every_write_step_is_consistent_and_repaired(
    states: tuple[Path, dict, dict], builds: Builds, tmp_path: Path
) -> None:
    template, old, new = states
    # One run without a kill: every output goes through a half-written temporary file and a
    # rename, the manifest renamed last.
    markers = builds.run(_fresh_copy(template, tmp_path / "complete"), kill_at=None)
    renames = [m.split(" ", 1)[1] for m in markers if m.startswith("rename ")]
    outputs = publish.output_paths()
    assert len(markers) == 2 * len(outputs) and len(renames) == len(outputs)
    assert sorted(renames) == sorted(str(tmp_path / "complete" / r) for r in outputs)
    assert renames[-1].endswith("datapackage.json")
    assert all(m.split(" ", 1)[1].rsplit("/", 1)[1].startswith(safe_files.TEMP_PREFIX)
               for m in markers if m.startswith("half "))  # fmt: skip

    seen_torn = 0
    for kill_at in range(1, len(markers) + 1):
        folder = _fresh_copy(template, tmp_path / f"kill-{kill_at:02d}")
        killed = builds.run(folder, kill_at)
        done, torn = _assert_consistent(folder, old, new)
        assert done == (kill_at - 1) // 2  # tables renamed before the kill
        seen_torn += torn
        result = publish.build(folder)  # the next build repairs it
        assert [p.name for p in result.debris] == [_debris_name(killed)]
        for relative in outputs:
            assert (folder / relative).read_bytes() == new[relative], relative
        assert not [p for p in folder.rglob(safe_files.TEMP_PREFIX + "*")]
        assert publish.manifest_mismatches(folder) == [] and publish.check(folder) == []
    assert seen_torn >= len(outputs) - 1  # the torn states were really reached


def test_the_cli_reports_a_torn_build_and_repairs_it(
    states: tuple[Path, dict, dict], builds: Builds, tmp_path: Path
) -> None:
    """Killed after three tables (with a half-written fourth): ``build --check`` names the
    files the manifest no longer describes; ``build`` removes the debris and repairs it."""
    template, old, new = states
    folder = _fresh_copy(template, tmp_path / "torn")
    builds.run(folder, kill_at=7)
    assert _assert_consistent(folder, old, new) == (3, True)
    cli = str(BIN / "coded-events")
    check = subprocess.run([cli, "build", str(folder), "--check"], capture_output=True, text=True)
    assert check.returncode == 1, check.stdout + check.stderr
    assert "its size or sha256 differs from datapackage.json" in check.stderr
    assert "Traceback" not in check.stderr
    repair = subprocess.run([cli, "build", str(folder)], capture_output=True, text=True)
    assert repair.returncode == 0, repair.stderr
    assert "left by an interrupted build" in repair.stdout
    for relative in publish.output_paths():
        assert (folder / relative).read_bytes() == new[relative], relative
    assert publish.check(folder) == [] and publish.manifest_mismatches(folder) == []
