"""``coded-events datasets``, ``download`` and ``info``, run against a loopback server."""

from __future__ import annotations

import importlib

import pytest
from typer.testing import CliRunner

from coded_events.cli import app
from tests.test_download_support import DATASET, files_in, make_release, serving

dl = importlib.import_module("coded_events.access.fetch")
runner = CliRunner()


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv(dl.ENV_CACHE, str(tmp_path / "cache"))
    monkeypatch.delenv(dl.ENV_OFFLINE, raising=False)
    monkeypatch.delenv(dl.ENV_BASE_URL, raising=False)
    make_release(tmp_path / "site" / DATASET / "2.0.0", "2.0.0", rows=6)
    with serving(tmp_path / "site") as server:
        yield tmp_path, server


def test_download_then_datasets_then_info(env) -> None:
    tmp_path, server = env
    result = runner.invoke(
        app, ["download", DATASET, "--version", "2.0.0", "--base-url", server.url]
    )
    assert result.exit_code == 0, result.output
    folder = tmp_path / "cache" / DATASET / "2.0.0"
    assert str(folder) in result.stdout
    assert "warning:" in result.stderr and "not in the registry" in result.stderr
    assert "datapackage.json" in files_in(folder)

    listing = runner.invoke(app, ["datasets"])
    assert listing.exit_code == 0
    assert "2.0.0      cached" in listing.stdout and "bundled" in listing.stdout

    info = runner.invoke(app, ["info", DATASET, "--version", "2.0.0"])
    assert info.exit_code == 0, info.output
    assert "events     6" in info.stdout and "licence: CC-BY-4.0" in info.stdout
    assert "cite as:" in info.stdout and "version 2.0.0" in info.stdout


def test_info_of_the_bundled_release(env) -> None:
    info = runner.invoke(app, ["info"])
    assert info.exit_code == 0, info.output
    for text in ("schema version: 1.", "licence: CC-BY-4.0", "events", "cite as:"):
        assert text in info.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["download", "south-caucasas"], "Did you mean 'south-caucasus'"),
        (["info", DATASET, "--version", "0.0.9"], "unknown version '0.0.9'"),
    ],
)
def test_errors_are_one_line_messages(env, args, message) -> None:
    _, server = env
    result = runner.invoke(app, args, env={dl.ENV_BASE_URL: server.url})
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert "Traceback" not in result.output


def test_bad_base_url_template_is_a_one_line_error(env) -> None:
    args = ["download", DATASET, "--version", "X"]
    result = runner.invoke(app, args, env={dl.ENV_BASE_URL: "http://h/{nope}/"})
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: ") and "{dataset}" in result.stderr
    assert "Traceback" not in result.output and result.exception is not None
    assert isinstance(result.exception, SystemExit)


def test_corrupted_download_exits_1_and_keeps_nothing(env) -> None:
    tmp_path, server = env
    server.behave(f"{DATASET}/2.0.0/data/events.parquet", "corrupt")
    result = runner.invoke(
        app, ["download", DATASET, "--version", "2.0.0", "--base-url", server.url]
    )
    assert result.exit_code == 1 and "sha256 mismatch" in result.stderr
    assert "data/events.parquet" not in files_in(tmp_path / "cache")


def test_cache_that_is_a_file_is_a_one_line_error(env) -> None:
    tmp_path, server = env
    cache = tmp_path / "cache-file"
    cache.write_text("", encoding="utf-8")
    args = ["download", DATASET, "--version", "2.0.0", "--base-url", server.url]
    result = runner.invoke(app, [*args, "--cache-dir", str(cache)])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"error: cannot use the cache {cache}: {cache} is not a folder")
    assert "--cache-dir" in result.stderr and "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_download_deadline_option(env) -> None:
    _, server = env
    server.behave(f"{DATASET}/2.0.0/data/events.parquet", ("drip", 0.2))
    args = ["download", DATASET, "--version", "2.0.0", "--base-url", server.url]
    result = runner.invoke(app, [*args, "--deadline", "1", "--timeout", "5"])
    assert result.exit_code == 1, result.output
    assert "the deadline of 1 s per file passed" in result.stderr
    assert "Traceback" not in result.output


def test_bundled_release_downloads_without_network(env) -> None:
    result = runner.invoke(
        app, ["download", DATASET, "--version", "1.1.0"], env={dl.ENV_OFFLINE: "1"}
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith(f"datasets/{DATASET}") and result.stderr == ""


@pytest.mark.parametrize(
    "option", [["--timeout", "-1"], ["--timeout", "nan"], ["--timeout", "0"], ["--deadline", "0"]]
)
def test_bad_timeout_or_deadline_is_a_usage_error(env, option) -> None:
    tmp_path, server = env
    result = runner.invoke(
        app, ["download", DATASET, "--version", "2.0.0", "--base-url", server.url, *option]
    )
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option[0]}'" in result.output
    assert "must be a positive number of seconds" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "cache").exists() or not files_in(tmp_path / "cache")
