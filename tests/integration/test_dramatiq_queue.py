"""The Dramatiq task queue on real Redis and RabbitMQ, with a trivial handler."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable

import dramatiq
import dramatiq.broker
import pytest

from atraxion.adapters.queue.dramatiq_broker import (
    ACTOR_NAME,
    DELIVERY_ACTOR_NAME,
    PULLS_ACTOR_NAME,
    DramatiqQueue,
    make_dramatiq_queue,
)
from atraxion.ports.task_queue import TaskQueue
from tests.dramatiq_brokers import BROKERS, broker_url, throwaway_queue, unique_queue_name

pytestmark = pytest.mark.timeout(60)


class Recorder:
    """A handler that counts calls per entry id and can be told to fail for some ids."""

    def __init__(self, failing: frozenset[int] = frozenset()) -> None:
        self.calls: Counter[int] = Counter()
        self._failing = failing
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)

    def __call__(self, entry_id: int) -> None:
        with self._lock:
            self.calls[entry_id] += 1
            self._changed.notify_all()
        if entry_id in self._failing:
            raise RuntimeError(f"handler failure for {entry_id}")

    def wait_for(self, done: Callable[[Counter[int]], bool], timeout: float = 20.0) -> bool:
        with self._lock:
            return self._changed.wait_for(lambda: done(self.calls), timeout)


@pytest.fixture(params=BROKERS)
def url(request: pytest.FixtureRequest) -> str:
    return broker_url(str(request.param))


def test_every_published_id_is_handled_once(url: str) -> None:
    recorder = Recorder()
    ids = list(range(1, 301))
    with throwaway_queue(url, unique_queue_name(), worker_threads=4, worker_timeout_ms=100) as queue:
        task_queue: TaskQueue = queue
        task_queue.start(recorder)
        task_queue.publish(ids[:150])
        task_queue.publish(ids[150:])
        assert recorder.wait_for(lambda calls: len(calls) == len(ids))
        time.sleep(0.3)  # a duplicate delivery would show up here
    assert recorder.calls == Counter(ids)


def test_a_failing_handler_is_not_retried_by_dramatiq_and_the_worker_goes_on(url: str) -> None:
    recorder = Recorder(failing=frozenset({7}))
    with throwaway_queue(url, unique_queue_name(), worker_threads=2, worker_timeout_ms=100) as queue:
        queue.start(recorder)
        queue.publish([7])
        assert recorder.wait_for(lambda calls: calls[7] == 1)
        queue.publish([8])
        assert recorder.wait_for(lambda calls: calls[8] == 1)
        time.sleep(0.5)  # Dramatiq's retry would come back after its backoff; the outbox retries instead
    assert recorder.calls == Counter({7: 1, 8: 1})


def test_messages_wait_in_the_broker_until_a_worker_starts(url: str) -> None:
    name = unique_queue_name()
    recorder = Recorder()
    with throwaway_queue(url, name) as publisher:
        publisher.publish([1, 2, 3])
        with throwaway_queue(url, name, worker_timeout_ms=100) as consumer:
            consumer.start(recorder)
            assert recorder.wait_for(lambda calls: len(calls) == 3)
    assert recorder.calls == Counter({1: 1, 2: 1, 3: 1})


def test_webhook_deliveries_travel_to_their_own_handler(url: str) -> None:
    entries, deliveries = Recorder(), Recorder(failing=frozenset({8}))
    name = unique_queue_name()
    with throwaway_queue(url, name) as publisher:
        publisher.publish_deliveries([7, 8, 9])
        publisher.publish([1])
        with throwaway_queue(url, name, worker_timeout_ms=100) as consumer:
            consumer.start(entries, None, deliveries)
            assert deliveries.wait_for(lambda calls: len(calls) == 3)  # a failing one does not stop the rest
            assert entries.wait_for(lambda calls: len(calls) == 1)
    assert deliveries.calls == Counter({7: 1, 8: 1, 9: 1}) and entries.calls == Counter({1: 1})


def test_the_queue_name_travels_in_the_url(url: str) -> None:
    name = unique_queue_name()
    separator = "&" if "?" in url else "?"
    queue = make_dramatiq_queue(f"{url}{separator}queue={name}")
    try:
        assert queue.queue_name == name
        assert queue.broker.get_declared_queues() == {name}
        assert set(queue.broker.actors) == {ACTOR_NAME, PULLS_ACTOR_NAME, DELIVERY_ACTOR_NAME}
    finally:
        queue.stop()


def test_the_global_broker_is_never_touched(url: str) -> None:
    before = dramatiq.broker.global_broker
    with throwaway_queue(url, unique_queue_name()) as queue:
        queue.publish([1])
        queue.purge()
    assert dramatiq.broker.global_broker is before


def test_publishing_to_an_unreachable_broker_logs_and_does_not_raise(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    dead = "redis://127.0.0.1:9/0" if url.startswith("redis") else "amqp://guest:guest@127.0.0.1:9/%2F"
    queue = make_dramatiq_queue(dead, queue_name=unique_queue_name())
    try:
        with caplog.at_level(logging.WARNING, logger="atraxion.adapters.queue.dramatiq_broker"):
            queue.publish([1, 2])
    finally:
        queue.stop()
    assert "could not publish 2 outbox entries" in caplog.text
    assert "guest:guest" not in caplog.text


def test_stop_is_idempotent_and_final(url: str) -> None:
    queue: DramatiqQueue = make_dramatiq_queue(url, queue_name=unique_queue_name())
    queue.stop()
    queue.stop()
    with pytest.raises(RuntimeError, match="stopped"):
        queue.start(Recorder())


def test_publish_rejects_what_is_not_an_entry_id(url: str) -> None:
    queue = make_dramatiq_queue(url, queue_name=unique_queue_name())
    try:
        with pytest.raises(TypeError):
            queue.publish([True])
        with pytest.raises(TypeError):
            queue.publish(["1"])  # type: ignore[list-item]
    finally:
        queue.stop()


def test_pull_nudges_reach_the_pulls_handler_beside_entries(url: str) -> None:
    recorder = Recorder()
    drained = threading.Event()
    with throwaway_queue(url, unique_queue_name(), worker_timeout_ms=100) as queue:
        queue.nudge_pulls()
        queue.publish([5])
        queue.start(recorder, drained.set)
        assert drained.wait(20)
        assert recorder.wait_for(lambda calls: calls == Counter({5: 1}))
