"""The embedded queue's second message kind: "drain the queued pulls" nudges."""

from __future__ import annotations

import threading

from atraxion.adapters.queue import EmbeddedQueue


def test_nudges_waiting_together_make_one_drain_and_entries_still_flow() -> None:
    queue = EmbeddedQueue(threads=1)
    drains: list[int] = []
    entries: list[int] = []
    for _ in range(5):
        queue.nudge_pulls()  # before start: they wait, and coalesce into one message
    queue.publish([1, 2])
    queue.start(entries.append, lambda: drains.append(1))
    try:
        assert queue.join(10)
    finally:
        queue.stop()
    assert drains == [1]
    assert entries == [1, 2]


def test_a_nudge_during_a_drain_makes_one_more_drain() -> None:
    queue = EmbeddedQueue(threads=2)
    draining, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def drain() -> None:
        calls.append(1)
        if len(calls) == 1:
            draining.set()
            assert release.wait(10)

    queue.start(lambda entry_id: None, drain)
    try:
        queue.nudge_pulls()
        assert draining.wait(10)
        queue.nudge_pulls()  # the first drain may have missed what this one announces
        queue.nudge_pulls()
        release.set()
        assert queue.join(10)
    finally:
        queue.stop()
    assert len(calls) == 2


def test_a_failing_drain_does_not_stop_the_worker() -> None:
    queue = EmbeddedQueue(threads=1)
    entries: list[int] = []

    def drain() -> None:
        raise RuntimeError("Odoo is down")

    queue.start(entries.append, drain)
    try:
        queue.nudge_pulls()
        queue.publish([7])
        assert queue.join(10)
    finally:
        queue.stop()
    assert entries == [7]


def test_nudges_without_a_pulls_handler_are_dropped() -> None:
    queue = EmbeddedQueue(threads=1)
    queue.start(lambda entry_id: None)
    try:
        queue.nudge_pulls()
        assert queue.join(10)
    finally:
        queue.stop()
