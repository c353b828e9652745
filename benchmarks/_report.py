"""Figures, their baselines and bars, and the summary table printed at the end."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Figure:
    """One measured figure beside its baseline from the same run, judged against its bar."""

    workload: str
    backend: str
    name: str
    value: str
    baseline: str = ""
    ratio: str = ""
    bar: str = ""
    passed: bool | None = None  # None: reported only (no bar applies on this backend)
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "info" if self.passed is None else ("PASS" if self.passed else "MISS")


def versus_naive(
    tag: dict[str, str], name: str, wall: float, naive_seconds: float, note: str, *, judged: bool = True
) -> Figure:
    """Our wall time beside a naive baseline's, judged against the ≥ 20× bar (or reported only)."""
    return Figure(
        **tag,
        name=name,
        value=secs(wall),
        baseline=f"naive {secs(naive_seconds)}",
        ratio=f"{times(naive_seconds / wall)} faster",
        bar="≥ 20× faster" if judged else "(info)",
        passed=naive_seconds >= 20 * wall if judged else None,
        notes=[note],
    )


def say(message: str) -> None:
    print(message, flush=True)


def show(figure: Figure) -> Figure:
    """Print a figure as soon as it is known (the summary repeats it at the end)."""
    parts = [f"  {figure.name}: {figure.value}"]
    if figure.baseline:
        parts.append(f"baseline {figure.baseline}")
    if figure.ratio:
        parts.append(f"ratio {figure.ratio}")
    if figure.bar:
        parts.append(f"bar {figure.bar} → {figure.status}")
    say(" | ".join(parts))
    for note in figure.notes:
        say(f"      note: {note}")
    return figure


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """``with stopwatch() as t: ...`` then ``t[0]`` holds the elapsed seconds."""
    box: list[float] = []
    started = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - started)


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def p95(values: Sequence[float]) -> float:
    """The 95th percentile (nearest rank): at least 95% of the values are at or below it."""
    ordered = sorted(values)
    rank = max(1, -(-95 * len(ordered) // 100))
    return ordered[rank - 1]


def secs(value: float) -> str:
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def times(ratio: float) -> str:
    return f"{ratio:.2f}×" if ratio < 10 else f"{ratio:.0f}×"


def summary(figures: Sequence[Figure], *, quick: bool) -> str:
    """The final table, one row per figure, in plain text (fixed-width columns)."""
    header = ("backend", "workload", "figure", "value", "baseline", "ratio", "bar", "status")
    rows = [header] + [(f.backend, f.workload, f.name, f.value, f.baseline, f.ratio, f.bar, f.status) for f in figures]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "SUMMARY" + ("  (--quick: smaller sizes, a smoke run; bars are meant for the full sizes)" if quick else ""),
        "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows[1:]]
    judged = [f for f in figures if f.passed is not None]
    missed = [f for f in judged if not f.passed]
    verdict = f"{len(judged) - len(missed)} of {len(judged)} bars met"
    lines.append(
        verdict + (f"; missed: {', '.join(f'{f.backend} {f.workload} {f.name}' for f in missed)}" if missed else "")
    )
    return "\n".join(lines)
