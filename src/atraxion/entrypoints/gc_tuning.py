"""The cyclic garbage collector tuned once for a serving process, instead of paused per request.

A 128,000-record push or a 500-item page allocates hundreds of thousands of small dicts, lists and
strings, none in reference cycles, all freed by reference counting when the request ends. With the
interpreter's defaults a young collection runs every 700 net allocations, and the objects a request
still holds are promoted until they set off full collections, which also traverse everything
imported and built at start-up: measured, a third of a large price push and most of a page poll's
p95. :func:`tune` runs once, after start-up:

* ``gc.freeze()`` moves every object alive then (modules, the application, the engine) out of the
  collector's sight: no collection traverses them again;
* young collections run every ``YOUNG`` net allocations rather than 700, so a request's burst of
  allocations is traversed far less often. The collector stays on, and what it does stays bounded:
  cyclic garbage waits for at most ``YOUNG`` allocations, and a full collection still comes when
  the survivors have grown by a quarter, as it always does.
"""

from __future__ import annotations

import gc

YOUNG = 50_000
"""Net allocations between young collections (the interpreter's default is 700)."""
OLDER = (20, 20)
"""Young collections per middle one, middle ones per full one (defaults 10, 10)."""


def tune() -> None:
    """Collect once, freeze what start-up built, and set the thresholds (idempotent)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG, *OLDER)
