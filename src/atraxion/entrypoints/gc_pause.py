"""Pausing Python's cyclic garbage collector while a request builds and drops many objects.

A 128,000-record push or a 500-item page allocates hundreds of thousands of small dicts and lists,
none in reference cycles, all freed by reference counting when the request ends. Collections during
the request traverse them in vain, and the survivors they promote trigger full collections of the
whole heap: measured, a third of a large price push and most of a page poll's p95. Collection
resumes when the last overlapping pause ends; if pauses overlap without a break for longer than
``MAX_PAUSED`` seconds, the next one to end runs a full collection, so cyclic garbage stays bounded.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

LARGE_BODY = 64 << 10
"""Push bodies from this many bytes on are parsed and ingested with the collector paused."""
MAX_PAUSED = 5.0

_lock = threading.Lock()
_pauses = 0
_was_enabled = False
_paused_since = 0.0


@contextmanager
def paused(active: bool = True) -> Iterator[None]:
    """Pause collection for the block (nothing happens when ``active`` is false). Pauses may
    overlap across threads: collection resumes, if it was on, when the last one ends."""
    global _pauses, _was_enabled, _paused_since
    if not active:
        yield
        return
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            _paused_since = time.monotonic()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        overdue = False
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
            elif _was_enabled and time.monotonic() - _paused_since > MAX_PAUSED:
                _paused_since = time.monotonic()
                overdue = True
        if overdue:
            gc.collect()
