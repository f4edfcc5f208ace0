"""Dataset layer: rules over all the record files of a dataset together."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from coded_events.findings import Finding, pointer_of
from coded_events.records.checks.base import Document
from coded_events.safe_files import UnsafePathError, read_regular
from coded_events.spec.catalogue.dataset import CHECKS


class RetiredIds(set[str]):
    """The retired event ids of a dataset; ``problem`` says why its ``retired_ids.txt``
    (``path``) exists but could not be read (then the set is empty and the dataset layer
    reports ``retired-ids-unreadable``: the rule is never switched off silently)."""

    def __init__(
        self, ids: Iterable[str] = (), path: Path | None = None, problem: str | None = None
    ) -> None:
        super().__init__(ids)
        self.path = path
        self.problem = problem


def load_retired_ids(path: Path) -> set[str]:
    """Ids listed in a retired-ids file (one per line, '#' starts a comment); empty when
    the file is absent. Raises ``safe_files.UnsafePathError`` (with ``reason``) when it
    exists but cannot be read: a link, not a regular file, not UTF-8, not permitted."""
    try:
        data = read_regular(path)
    except (FileNotFoundError, NotADirectoryError):
        if path.is_symlink():  # a dangling link is a link, not an absent file
            raise UnsafePathError(path, "is a symbolic link; links are never followed") from None
        return set()
    except UnsafePathError:
        raise
    except OSError as error:
        raise UnsafePathError(path, f"cannot be read ({error.strerror or error})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnsafePathError(
            path, f"is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})"
        ) from None
    return {line.split("#", 1)[0].strip() for line in text.splitlines()} - {""}


def read_retired_ids(path: Path) -> RetiredIds:
    """The ids of :func:`load_retired_ids`; when the file exists but cannot be read, an
    empty set whose ``problem`` says why (:func:`run` reports it as an error)."""
    try:
        return RetiredIds(load_retired_ids(path), path)
    except UnsafePathError as error:
        return RetiredIds(set(), path, error.reason)


def _retired_problem(docs: Sequence[Document], retired: set[str]) -> list[Finding]:
    """A ``retired-ids-unreadable`` error on the first record given, when the dataset's
    retired-ids file exists but could not be read."""
    problem = getattr(retired, "problem", None)
    shown = [doc for doc in docs if doc.requested]
    if problem is None or not shown:
        return []
    path = retired.path  # type: ignore[attr-defined]
    finding = CHECKS["retired-ids-unreadable"].finding
    return [finding(shown[0].file, "", path=str(path), reason=problem)]


def _where(doc: Document, index: int) -> str:
    return f"{doc.file} (event {index})"


def run(docs: Sequence[Document], retired: set[str]) -> list[Finding]:
    """Dataset findings over documents of one dataset, first-come first-kept.

    Long because: every dataset-wide check in one pass over the events (ids, links, texts),
    so the events are walked once.
    """
    out: list[Finding] = _retired_problem(docs, retired)
    event_ids: dict[str, str] = {}
    source_ids: dict[str, str] = {}
    signatures: dict[tuple, str] = {}
    for doc in docs:
        if doc.source_id is not None:
            if doc.source_id in source_ids:
                out.append(
                    CHECKS["duplicate-source-id"].finding(
                        doc.file,
                        "/source/source_id",
                        doc.source_id,
                        value=repr(doc.source_id),
                        other=source_ids[doc.source_id],
                    )
                )
            source_ids.setdefault(doc.source_id, doc.file)
        for index, raw in doc.raw_events:
            event_id = raw.get("event_id") if isinstance(raw, dict) else None
            if not isinstance(event_id, str):
                continue
            pointer = pointer_of(("events", index, "event_id"))
            if event_id in retired:
                out.append(
                    CHECKS["retired-event-id"].finding(
                        doc.file, pointer, event_id, value=repr(event_id)
                    )
                )
            if event_id in event_ids:
                out.append(
                    CHECKS["duplicate-event-id"].finding(
                        doc.file, pointer, event_id, value=repr(event_id), other=event_ids[event_id]
                    )
                )
            event_ids.setdefault(event_id, _where(doc, index))
        for index, event in doc.events:
            place = event.location
            key = (
                event.source_actor.code,
                event.target_actor.code if event.target_actor else None,
                event.action.code,
                event.date.start,
                event.date.end,
                place.name.strip().casefold(),
                place.country,
            )
            if key in signatures:
                out.append(
                    CHECKS["likely-duplicate-event"].finding(
                        doc.file, pointer_of(("events", index)), other=signatures[key]
                    )
                )
            signatures.setdefault(key, f"{event.event_id} in {doc.file}")
    out += _link_findings(docs, set(event_ids) - retired)
    for doc in docs:
        for index, event in doc.events:
            for q, evidence in enumerate(event.evidence):
                if evidence.source_id is not None and evidence.source_id not in source_ids:
                    out.append(
                        CHECKS["unresolved-source-reference"].finding(
                            doc.file,
                            pointer_of(("events", index, "evidence", q, "source_id")),
                            evidence.source_id,
                            value=repr(evidence.source_id),
                        )
                    )
    return out


def _link_findings(docs: Sequence[Document], known: set[str]) -> list[Finding]:
    """Links that point at their own event or at no event of the dataset."""
    out = []
    for doc in docs:
        for index, event in doc.events:
            for n, link in enumerate(event.links):
                pointer = pointer_of(("events", index, "links", n, "event_id"))
                kind = link.type.value
                if link.event_id == event.event_id:
                    out.append(
                        CHECKS["link-to-self"].finding(doc.file, pointer, link.event_id, type=kind)
                    )
                elif link.event_id not in known:
                    out.append(
                        CHECKS["link-unresolved"].finding(
                            doc.file, pointer, link.event_id, value=repr(link.event_id), type=kind
                        )
                    )
    return out
