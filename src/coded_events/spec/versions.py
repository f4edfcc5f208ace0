"""Version strings: the one place that parses, sorts and compares them.

Versions are semantic versions (``MAJOR.MINOR.PATCH``, optionally ``-PRERELEASE`` and
``+BUILD``; see docs/versioning.md). A pre-release sorts before its release
(``1.0.0-rc1`` < ``1.0.0``), by the SemVer 2.0.0 precedence rules. Names that are not
semantic versions (``2024-06``, ``1.2``) are allowed where a release is only named (the
registry, the cache) and sort as before: dotted integers (``1.2``) among the semantic
versions by their numbers, anything else first, by text.

It also holds the numbers themselves, each in exactly one place: ``PACKAGE_VERSION``
(read by the build backend too) and ``SCHEMA_VERSION``, the current schema. The dataset
version lives in each dataset's ``dataset.json``; the codebook version in
``codebook_data/VERSION``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum

# MAJOR.MINOR.PATCH with ASCII digits and no leading zeros (SemVer: ``01.1.0`` is none),
# then SemVer's optional pre-release and build identifiers.
_SEMVER = re.compile(
    r"(?P<core>(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*))"  # no leading zeros
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+(?P<build>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
)

PACKAGE_VERSION = "0.1.0"
SCHEMA_VERSION = "1.2.0"

FORM = "MAJOR.MINOR.PATCH"
"""How a version must look, for messages."""


class Level(IntEnum):
    """The size of a change or a version bump; comparable (``Level.major > Level.minor``)."""

    none = 0
    patch = 1
    minor = 2
    major = 3

    def __str__(self) -> str:
        return self.name


# One pre-release identifier's sort key: numbers (by value) before words (by ASCII text).
PreKey = tuple[tuple[int, int, str], ...]
Precedence = tuple[tuple[int, int, int], int, PreKey]


@dataclass(frozen=True)
class Version:
    """A parsed semantic version."""

    major: int
    minor: int
    patch: int
    pre: tuple[str, ...] = ()
    build: tuple[str, ...] = ()

    @property
    def core(self) -> tuple[int, int, int]:
        """``(major, minor, patch)``."""
        return (self.major, self.minor, self.patch)

    @property
    def is_prerelease(self) -> bool:
        """True for ``1.0.0-rc1`` and the like."""
        return bool(self.pre)

    @property
    def precedence(self) -> Precedence:
        """SemVer precedence: the core, then a release after its pre-releases, then the
        pre-release identifiers (numbers before words; more identifiers sort later).
        Build metadata does not count."""
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.pre)
        return (self.core, 0 if self.pre else 1, pre)

    def __str__(self) -> str:
        text = ".".join(str(n) for n in self.core)
        text += "-" + ".".join(self.pre) if self.pre else ""
        return text + ("+" + ".".join(self.build) if self.build else "")


def parse(text: str) -> Version | None:
    """The semantic version ``text`` spells, or None when it is not one."""
    match = _SEMVER.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        return None
    major, minor, patch = (int(n) for n in match["core"].split("."))
    pre = tuple(match["pre"].split(".")) if match["pre"] else ()
    build = tuple(match["build"].split(".")) if match["build"] else ()
    return Version(major, minor, patch, pre, build)


def is_semver(text: str) -> bool:
    """True when ``text`` is a semantic version (pre-releases included)."""
    return parse(text) is not None


# What a user may type for a release: ``1``, ``1.2``, ``1.2.0`` or a semantic version.
_SHORT = re.compile(r"[0-9]+(?:\.[0-9]+){0,2}")


def without_v(text: str) -> str:
    """``v1.2.0`` -> ``1.2.0``: drop one leading ``v``/``V`` that precedes a digit."""
    return text[1:] if text[:1] in {"v", "V"} and text[1:2].isdigit() else text


def looks_like_version(text: str) -> bool:
    """True for what a user may type as a release: ``[v]1``, ``[v]1.2``, or ``[v]`` and a
    semantic version."""
    bare = without_v(text)
    return bool(_SHORT.fullmatch(bare)) or is_semver(bare)


class VersionError(ValueError):
    """A text that should be a semantic version is not one."""


def require(text: str, where: str) -> Version:
    """The parsed version, or a ``VersionError`` naming ``where`` and the expected form."""
    version = parse(text)
    if version is None:
        raise VersionError(f"{where}: version {text!r} is not {FORM}")
    return version


def _dotted_ints(text: str) -> tuple[int, ...] | None:
    """``1.2`` -> ``(1, 2)``: the numbers of a dotted name that is not SemVer, else None."""
    try:
        return tuple(int(part) for part in text.split("."))
    except ValueError:
        return None


SortKey = tuple[int, tuple[int, ...], int, PreKey, tuple[str, ...], str]


def sort_key(text: str) -> SortKey:
    """Sort key for any release name: names that are neither SemVer nor dotted integers
    first (by text), then semantic versions by precedence, dotted integers (``1.2``)
    among them by their numbers; ties broken by the text, so the order is total."""
    version = parse(text)
    if version is not None:
        core, release, pre = version.precedence
        return (1, core, release, pre, version.build, text)
    numbers = _dotted_ints(text)
    if numbers is not None:
        return (1, numbers, 1, (), (), text)
    return (0, (), 0, (), (), text)


def newest(texts: list[str] | set[str]) -> str | None:
    """The newest of ``texts`` by :func:`sort_key`, or None when there are none."""
    return max(texts, key=sort_key, default=None)


def bump_level(old: str, new: str) -> Level:
    """The level of a bump from ``old`` to ``new`` (``1.0.0`` -> ``1.1.0`` is minor).

    ``Level.none`` when ``new`` is not newer. Between two versions with the same
    ``MAJOR.MINOR.PATCH`` (``1.0.0-rc1`` -> ``1.0.0``) the bump is a patch.
    """
    old_key, new_key = sort_key(old), sort_key(new)
    if new_key[:4] <= old_key[:4]:
        return Level.none
    for level, index in ((Level.major, 0), (Level.minor, 1)):
        if new_key[1][index : index + 1] != old_key[1][index : index + 1]:
            return level
    return Level.patch


def next_version(text: str, level: Level, where: str = "next_version") -> str:
    """The smallest version after ``text`` with a bump of ``level`` (``Level.none``: the
    same ``MAJOR.MINOR.PATCH``).

    A pre-release's patch bump is its release (``1.0.0-rc1`` -> ``1.0.0``).
    """
    version = require(text, where)
    major, minor, patch = version.core
    if level == Level.none and version.pre:
        return text
    bumps = {
        Level.major: (major + 1, 0, 0),
        Level.minor: (major, minor + 1, 0),
        Level.patch: (major, minor, patch if version.pre else patch + 1),
        Level.none: (major, minor, patch),
    }
    return ".".join(str(n) for n in bumps[level])
