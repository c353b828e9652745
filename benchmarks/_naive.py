"""Running a naive per-row baseline within a time budget, extrapolating when it would take too long.

The naive ways cost the same for every row, so when the whole run would take longer than
``FULL_RUN_LIMIT`` seconds, a prefix of the rows sized to take about ``SUBSET_TARGET`` seconds is
measured and the per-row cost extrapolated to all rows (the figure then says so).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

FULL_RUN_LIMIT = 60.0
SUBSET_TARGET = 20.0
PROBE_ROWS = 1000


@dataclass
class NaiveRun:
    seconds: float  # for every row (extrapolated when ``rows_measured < rows_total``)
    rows_measured: int
    rows_total: int
    measured_seconds: float
    changed: int
    why: str = f"as the whole run would take more than {FULL_RUN_LIMIT:.0f} s"

    @property
    def note(self) -> str:
        if self.rows_measured == self.rows_total:
            return f"measured on all {self.rows_total:,} rows ({self.changed} changed)"
        return (
            f"measured on the first {self.rows_measured:,} of {self.rows_total:,} rows in "
            f"{self.measured_seconds:.1f} s ({self.changed} changed) and extrapolated linearly, {self.why}"
        )


def run_naive(
    rows: Sequence[T],
    per_row: Callable[[T], bool],
    *,
    fixed_seconds: float = 0.0,
    limit: float = FULL_RUN_LIMIT,
    target: float = SUBSET_TARGET,
    subset: int | None = None,
) -> NaiveRun:
    """Apply ``per_row`` (True when it wrote a change) to the rows in order, within the budget.

    ``fixed_seconds`` is work done once whatever the row count (parsing the body), already spent.
    ``subset`` measures only that many rows (an informative figure that need not take long).
    """
    total = len(rows)
    stop = total if subset is None else min(total, subset)
    changed = 0
    done = 0
    started = time.perf_counter()
    for done, row in enumerate(rows, start=1):
        changed += per_row(row)
        if done == PROBE_ROWS and stop == total and subset is None:
            per = (time.perf_counter() - started) / done
            if per * total > limit:
                stop = max(PROBE_ROWS, int(target / per))
        if done >= stop:
            break
    measured = time.perf_counter() - started
    run = NaiveRun(fixed_seconds + measured / max(done, 1) * total, done, total, measured, changed)
    if subset is not None:
        run.why = "a subset to save time"
    return run
