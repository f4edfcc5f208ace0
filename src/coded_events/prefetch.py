"""Read ahead in a thread: the next batch is read and decoded (pyarrow releases the GIL)
while this one is checked or converted. Used by the flat validator and the importers."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["prefetch"]

_DONE = object()


def prefetch(items: Iterator[Any], ahead: int = 1) -> Iterator[Any]:
    """``items`` produced in a thread, ``ahead`` at most waiting: the next batch is read
    and split (pyarrow releases the GIL) while this one is converted. Order is kept; an
    exception of the producer is raised here, where the consumer would have met it."""
    waiting: queue.Queue[Any] = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        waiting.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            waiting.put(_DONE)
        except BaseException as error:  # handed to the consumer
            waiting.put(error)

    thread = threading.Thread(target=produce, daemon=True)
    thread.start()
    try:
        while (item := waiting.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()
