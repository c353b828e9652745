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

    @property
    def note(self) -> str:
        if self.rows_measured == self.rows_total:
            return f"naive run measured on all {self.rows_total:,} rows ({self.changed} changed)"
        return (
            f"naive run measured on the first {self.rows_measured:,} of {self.rows_total:,} rows "
            f"({self.measured_seconds:.1f} s, {self.changed} changed) and extrapolated linearly: "
            f"the whole run would take more than {FULL_RUN_LIMIT:.0f} s"
        )


def run_naive(
    rows: Sequence[T], per_row: Callable[[T], bool], *, fixed_seconds: float = 0.0, limit: float = FULL_RUN_LIMIT
) -> NaiveRun:
    """Apply ``per_row`` (True when it wrote a change) to rows in order within the budget.

    ``fixed_seconds`` is work done once whatever the row count (parsing the body), already spent.
    """
    total = len(rows)
    stop = total
    changed = 0
    started = time.perf_counter()
    done = 0
    for done, row in enumerate(rows, start=1):
        changed += per_row(row)
        if done == PROBE_ROWS and stop == total:
            per = (time.perf_counter() - started) / done
            if per * total > limit:
                stop = max(PROBE_ROWS, int(SUBSET_TARGET / per))
        if done >= stop:
            break
    measured = time.perf_counter() - started
    return NaiveRun(fixed_seconds + measured / done * total, done, total, measured, changed)
