"""coded_events.spec.versions: the one parser, sort order and bump arithmetic of versions."""

from __future__ import annotations

import random

import pytest

from coded_events.spec import versions
from coded_events.spec.versions import Level, bump_level, next_version, parse, sort_key

# SemVer 2.0.0's own precedence example (section 11), oldest first.
SEMVER_ORDER = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
]


def test_parse_reads_core_prerelease_and_build() -> None:
    version = parse("1.2.3-rc.1+build.7")
    assert version is not None
    assert version.core == (1, 2, 3)
    assert version.pre == ("rc", "1") and version.build == ("build", "7")
    assert version.is_prerelease and str(version) == "1.2.3-rc.1+build.7"
    assert parse("1.0.0-rc1") == versions.Version(1, 0, 0, ("rc1",))


@pytest.mark.parametrize(
    "text", ["1.0", "1", "v1.0.0", "1.0.0-", "1.0.0+", "1.0.0-rc..1", "2024-06", "", " 1.0.0"]
)
def test_not_semver_is_none_not_an_exception(text: str) -> None:
    assert parse(text) is None
    assert not versions.is_semver(text)


def test_semver_precedence_matches_the_specification() -> None:
    shuffled = SEMVER_ORDER[:]
    random.Random(1).shuffle(shuffled)
    assert sorted(shuffled, key=sort_key) == SEMVER_ORDER


def test_prerelease_sorts_before_its_release_and_after_the_one_before() -> None:
    assert sorted(["1.0.0", "1.0.0-rc1", "0.9.9"], key=sort_key) == ["0.9.9", "1.0.0-rc1", "1.0.0"]
    assert sort_key("2.0.0-rc1") > sort_key("1.10.0")


def test_names_that_are_not_semver_sort_as_before() -> None:
    """Other names first by text; dotted integers among semantic versions by their numbers."""
    names = ["1.10.0", "2024-06", "1.9.0", "1.2", "10.0.0", "latest", "2.0.0", "1.0.0-rc1"]
    assert sorted(names, key=sort_key) == [
        "2024-06", "latest", "1.0.0-rc1", "1.2", "1.9.0", "1.10.0", "2.0.0", "10.0.0"
    ]  # fmt: skip


def test_build_metadata_does_not_change_precedence_but_the_order_is_total() -> None:
    assert bump_level("1.0.0", "1.0.0+b2") == Level.none
    assert sorted(["1.0.0+b", "1.0.0+a", "1.0.0"], key=sort_key) == ["1.0.0", "1.0.0+a", "1.0.0+b"]


@pytest.mark.parametrize(
    ("old", "new", "level"),
    [
        ("1.0.0", "1.0.1", Level.patch),
        ("1.0.0", "1.1.0", Level.minor),
        ("1.9.9", "2.0.0", Level.major),
        ("1.0.0", "1.0.0", Level.none),
        ("1.1.0", "1.0.0", Level.none),
        ("1.0.0-rc1", "1.0.0", Level.patch),
        ("1.0.0-rc1", "1.0.0-rc2", Level.patch),
        ("1.0.0", "1.0.0-rc1", Level.none),
        ("1.0.0-rc1", "1.1.0", Level.minor),
        ("0.9.0", "1.0.0-rc1", Level.major),
        ("1.0", "1.0.1", Level.patch),
    ],
)
def test_bump_level(old: str, new: str, level: Level) -> None:
    assert bump_level(old, new) == level


@pytest.mark.parametrize(
    ("old", "level", "new"),
    [
        ("1.2.3", Level.patch, "1.2.4"),
        ("1.2.3", Level.minor, "1.3.0"),
        ("1.2.3", Level.major, "2.0.0"),
        ("1.2.3", Level.none, "1.2.3"),
        ("1.0.0-rc1", Level.patch, "1.0.0"),
        ("1.0.0-rc1", Level.minor, "1.1.0"),
        ("1.0.0-rc1", Level.none, "1.0.0-rc1"),
    ],
)
def test_next_version_is_the_smallest_bump_of_that_level(old: str, level: Level, new: str) -> None:
    assert next_version(old, level) == new
    assert bump_level(old, new) == level


def test_require_names_the_place_and_the_form() -> None:
    with pytest.raises(versions.VersionError, match=r"dataset\.json: version '1\.0' is not MAJOR"):
        versions.require("1.0", "dataset.json")


@pytest.mark.parametrize(
    ("text", "like"),
    [("1", True), ("v1.2", True), ("V1.2.0", True), ("1.0.0-rc1", True), ("v1.0.0-rc.1", True),
     ("1.2.3.4", False), ("vv1.0", False), ("latest", False), ("1.0.0-", False)],
)  # fmt: skip
def test_looks_like_version(text: str, like: bool) -> None:
    assert versions.looks_like_version(text) is like


def test_newest() -> None:
    assert versions.newest(["1.0.0", "1.0.0-rc1", "0.9.0"]) == "1.0.0"
    assert versions.newest([]) is None


def test_every_caller_asks_the_one_module() -> None:
    """The loader, the data versions, publish and the schema files agree on rc versions."""
    from coded_events.access import loader
    from coded_events.release import build as publish
    from coded_events.release import data_versions
    from coded_events.spec import schema_diff, schema_files

    assert sorted(["1.0.0", "1.0.0-rc1"], key=loader.version_sort_key) == ["1.0.0-rc1", "1.0.0"]
    assert data_versions.next_version("1.0.0-rc1", Level.patch) == "1.0.0"
    assert schema_diff.bump_level("1.0.0-rc1", "1.0.0") == Level.patch
    assert schema_files.published_versions() == sorted(
        schema_files.published_versions(), key=sort_key
    )
    from coded_events.records.checks import inputs  # dataset.json's checks, for the build too

    assert inputs.is_semver is versions.is_semver
    assert not hasattr(publish, "is_semver")  # the build asks inputs.dataset_problems
    with pytest.warns(DeprecationWarning, match="spec.versions.sort_key"):
        assert schema_diff.version_key is sort_key
