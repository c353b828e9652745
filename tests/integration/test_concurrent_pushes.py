"""R1: concurrent pushes of the same records lose no update, on every backend.

Eight workers (threads sharing one application, or spawned processes with an engine each) push
random, overlapping versions of the same 50 products through the ingest use case, while another
thread acknowledges half of the records for the ``webshop`` consumer. Afterwards the ingest
results must tell one serial story per key — versions 1..n, each a real content change, each
``changedFields`` the diff from the version before — and each consumer must see exactly what
differs from what it acknowledged.
"""

from __future__ import annotations

import json
import multiprocessing
import random
import threading
import time
import traceback
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from attrs import frozen

from atraxion.application import feed, tokens
from atraxion.application.context import Context
from atraxion.application.ingest import Batch, ingest
from atraxion.bootstrap import Atraxion, bootstrap
from atraxion.config import Settings
from atraxion.domain.auth import Scope
from atraxion.domain.feed import AckOutcome
from atraxion.domain.records import Incoming
from tests.conftest import SERVER_BACKENDS, server_engine

ENTITY = "products"
KEYS = [f"C{i:02d}" for i in range(50)]
ACKED_HALF = set(KEYS[::2])
WORKERS = 8
ROUNDS = 24
FIRST_HALF = 14  # rounds pushed while the acker races them

# Three contents; variant 3 is content 0 spelled differently (must never count as a change).
CONTENT_OF_VARIANT = [0, 1, 2, 0]
# The diffs between contents, written out by hand so the test does not trust the code under test.
DIFF: dict[tuple[int, int], list[str]] = {
    (0, 1): ["dims.h", "price"],
    (0, 2): ["color", "name"],
    (1, 2): ["color", "dims.h", "name", "price"],
}
ALL_FIELDS = ["color", "dims.h", "dims.w", "name", "price", "write_date"]


def variant(key: str, index: int) -> dict[str, Any]:
    return [
        {"name": key, "price": 10, "color": "red", "dims": {"w": 1, "h": 2}},
        {"name": key, "price": 12, "color": "red", "dims": {"w": 1, "h": 3}},
        {"name": f"{key} XL", "price": 10, "color": "blue", "dims": {"w": 1, "h": 2}},
        {"dims": {"h": 2.0, "w": 1.0}, "color": "red", "price": 10.0, "name": key},
    ][index]


def diff(old: int, new: int) -> list[str]:
    return [] if old == new else DIFF[(min(old, new), max(old, new))]


@frozen
class Observation:
    """One record of one push and what ingest answered for it (plain values: crosses processes)."""

    key: str
    content: int
    raw: str
    status: str
    version: int
    changed_fields: tuple[str, ...]


def push_rounds(ctx: Context, worker: int, seed: int, rounds: int = ROUNDS) -> list[Observation]:
    """What one pushing worker does: random overlapping batches, in random order."""
    rng = random.Random(seed * 1000 + worker)
    seen: list[Observation] = []
    for round_ in range(rounds):
        keys = rng.sample(KEYS, rng.randint(5, 20))
        variants = {key: rng.randrange(len(CONTENT_OF_VARIANT)) for key in keys}
        documents = {key: {**variant(key, v), "write_date": f"w{worker}r{round_}"} for key, v in variants.items()}
        records = [Incoming(key, {"externalId": key}, documents[key]) for key in keys]
        (plan,) = ingest(ctx, [Batch(ENTITY, records)])
        for result in plan.results:
            seen.append(
                Observation(
                    result.key,
                    CONTENT_OF_VARIANT[variants[result.key]],
                    json.dumps(documents[result.key], sort_keys=True),
                    result.status.value,
                    result.version,
                    tuple(result.changed_fields),
                )
            )
    return seen


class Acker(threading.Thread):
    """Acknowledges, for ``webshop``, whatever it polls of ``ACKED_HALF``, racing the pushers,
    until told to stop; then makes one last pass (so some acks exist whatever the timing)."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(name="acker", daemon=True)
        self.ctx = ctx
        self.stop = threading.Event()
        self.acked: dict[str, int] = {}  # last version acknowledged per key
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                self.ack_once()
                time.sleep(0.002)
            self.ack_once()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            self.error = error

    def errors(self) -> list[str]:
        return ["".join(traceback.format_exception(self.error))] if self.error is not None else []

    def ack_once(self) -> None:
        page = feed.changes(self.ctx, ENTITY, "webshop", None, 1000)
        wanted = [(i.record.key, i.record.version) for i in page.items if i.record.key in ACKED_HALF]
        if not wanted:
            return
        decision = feed.acknowledge(self.ctx, ENTITY, "webshop", wanted)
        for key, version in wanted:
            if decision.outcomes[key] is AckOutcome.ACKED:
                assert version > self.acked.get(key, 0), "a version was acknowledged twice or went back"
                self.acked[key] = version


def register_consumers(ctx: Context) -> None:
    for consumer in ("webshop", "mobile"):
        tokens.create_token(ctx, consumer, frozenset({Scope.WEBSHOP_READ, Scope.WEBSHOP_ACK}), consumer)


# --- What must hold afterwards ---------------------------------------------------------------------


def check_serial_history(app: Atraxion, observations: list[Observation]) -> dict[str, dict[int, int]]:
    """Every key's results form one serial history; returns key → version → content."""
    by_key: dict[str, list[Observation]] = defaultdict(list)
    for o in observations:
        by_key[o.key].append(o)
    stored = app.context.transaction(lambda uow: uow.records.load(ENTITY, KEYS))
    assert sorted(stored) == sorted(by_key)
    histories: dict[str, dict[int, int]] = {}
    for key, seen in by_key.items():
        changes = [o for o in seen if o.status in ("created", "updated")]
        versions = sorted(o.version for o in changes)
        assert versions == list(range(1, len(changes) + 1)), f"{key}: versions {versions} (lost or doubled update)"
        assert [o.status for o in changes if o.version == 1] == ["created"]
        content = {o.version: o.content for o in changes}
        for o in changes:
            if o.version == 1:
                assert list(o.changed_fields) == ALL_FIELDS
            else:  # a real change, reported against the version just before it
                assert content[o.version] != content[o.version - 1], f"{key} v{o.version} changed nothing"
                assert list(o.changed_fields) == diff(content[o.version - 1], content[o.version]), (key, o)
        for o in seen:
            if o.status == "unchanged":  # judged against a version with the same content
                assert content[o.version] == o.content and o.changed_fields == (), (key, o)
        record = stored[key]
        assert record.version == versions[-1] == max(o.version for o in seen)
        assert json.dumps(record.data, sort_keys=True) in {o.raw for o in seen}, f"{key}: stored data never pushed"
        assert CONTENT_OF_VARIANT[_variant_of(key, record.data)] == content[record.version]
        histories[key] = content
    return histories


def _variant_of(key: str, data: Any) -> int:
    bare = {k: v for k, v in data.items() if k != "write_date"}
    return next(i for i in range(len(CONTENT_OF_VARIANT)) if variant(key, i) == bare)


def check_consumers(app: Atraxion, histories: dict[str, dict[int, int]], acked: dict[str, int]) -> None:
    """Each consumer sees pending exactly what differs from what it acknowledged, and how."""
    final = {key: content[max(content)] for key, content in histories.items()}
    for consumer, acks in (("webshop", acked), ("mobile", {})):
        page = feed.changes(app.context, ENTITY, consumer, None, 1000)
        items = {i.record.key: i for i in page.items}
        expected = {k for k in KEYS if k not in acks or histories[k][acks[k]] != final[k]}
        assert sorted(items) == sorted(expected), consumer
        for key, item in items.items():
            assert item.record.version == max(histories[key])
            if key in acks:
                assert not item.is_new
                assert item.changed_fields == diff(histories[key][acks[key]], final[key]), (consumer, key)
            else:
                assert item.is_new and item.changed_fields == ALL_FIELDS


def acked_then_changed(histories: dict[str, dict[int, int]], acked: dict[str, int]) -> int:
    return sum(1 for key, version in acked.items() if histories[key][max(histories[key])] != histories[key][version])


def check_errors(errors: list[str]) -> None:
    """Fail with the first error (a ConcurrentUpdate escaping the use case's retries included)."""
    if errors:
        raise AssertionError(errors[0])


# --- Threads ------------------------------------------------------------------------------------------


def test_eight_threads_lose_no_update(atraxion: Atraxion, backend: str) -> None:
    ctx = atraxion.context
    register_consumers(ctx)
    start, midway, resume = threading.Barrier(WORKERS), threading.Barrier(WORKERS + 1), threading.Event()
    results: list[list[Observation]] = [[] for _ in range(WORKERS)]
    errors: list[str] = []

    def pusher(worker: int) -> None:
        try:
            start.wait(timeout=60)
            results[worker] = push_rounds(ctx, worker, seed=1, rounds=FIRST_HALF)
            midway.wait(timeout=240)
            resume.wait(timeout=120)
            results[worker] += push_rounds(ctx, worker, seed=2, rounds=ROUNDS - FIRST_HALF)
        except threading.BrokenBarrierError:
            pass  # another pusher failed: its error is the one reported
        except BaseException:  # noqa: BLE001 - any escape fails the test below
            errors.append(traceback.format_exc())
            midway.abort()

    acker = Acker(ctx)
    acker.start()
    threads = [threading.Thread(target=pusher, args=(w,), name=f"pusher-{w}") for w in range(WORKERS)]
    for thread in threads:
        thread.start()
    try:
        midway.wait(timeout=240)
    except threading.BrokenBarrierError:
        pass  # a pusher failed: its error is reported below
    finally:  # acks raced the first half; the second half changes records after their ack
        acker.stop.set()
        acker.join(timeout=60)
        resume.set()
        for thread in threads:
            thread.join(timeout=240)

    check_errors(errors + acker.errors())
    observations = [o for worker in results for o in worker]
    histories = check_serial_history(atraxion, observations)
    check_consumers(atraxion, histories, acker.acked)
    assert acked_then_changed(histories, acker.acked) > 0


# --- Processes ----------------------------------------------------------------------------------------


def _process_worker(url: str, worker: int, events: Any, go: Any, resume: Any, out: Any) -> None:
    """Runs in a spawned process: its own bootstrap and engine, the same pushes as a thread."""
    seen: list[Observation] = []
    error = None
    try:
        app = bootstrap(Settings(database_url=url), migrate=False)
        try:
            events.put(("ready", worker))
            go.wait(timeout=120)
            seen = push_rounds(app.context, worker, seed=3, rounds=FIRST_HALF)
            events.put(("midway", worker))
            resume.wait(timeout=240)  # set once the acker is done
            seen += push_rounds(app.context, worker, seed=4, rounds=ROUNDS - FIRST_HALF)
        finally:
            app.close()
    except BaseException:  # noqa: BLE001 - sent back to the test
        error = traceback.format_exc()
        events.put(("error", worker))
    out.put((worker, seen, error))


def _await_all(events: Any, stage: str) -> bool:
    """Wait for every pusher to reach ``stage``; False as soon as one reports an error instead."""
    for _ in range(WORKERS):
        got, _worker = events.get(timeout=240)
        if got != stage:
            return False
    return True


def run_processes(app: Atraxion, url: str) -> None:
    register_consumers(app.context)
    mp = multiprocessing.get_context("spawn")
    events, out, go, resume = mp.Queue(), mp.Queue(), mp.Event(), mp.Event()
    processes = [
        mp.Process(target=_process_worker, args=(url, w, events, go, resume, out), name=f"pusher-{w}")
        for w in range(WORKERS)
    ]
    for process in processes:
        process.start()
    acker = Acker(app.context)
    try:
        ready = _await_all(events, "ready")
        acker.start()
        go.set()
        if ready:
            _await_all(events, "midway")  # acks raced the first half…
        acker.stop.set()
        acker.join(timeout=60)
        resume.set()  # …and the second half changes records after their ack
        outcomes = [out.get(timeout=240) for _ in processes]  # read before joining: queues must drain
    finally:
        acker.stop.set()
        go.set()
        resume.set()
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()

    check_errors([error for _, _, error in outcomes if error] + acker.errors())
    observations = [o for _, seen, _ in outcomes for o in seen]
    histories = check_serial_history(app, observations)
    check_consumers(app, histories, acker.acked)
    assert acked_then_changed(histories, acker.acked) > 0


@pytest.fixture
def sqlite_file(tmp_path: Any) -> Iterator[tuple[Atraxion, str]]:
    url = f"sqlite:///{tmp_path / 'atraxion.db'}"
    app = bootstrap(Settings(database_url=url))
    yield app, url
    app.close()


def test_eight_processes_lose_no_update_on_sqlite(sqlite_file: tuple[Atraxion, str]) -> None:
    app, url = sqlite_file
    run_processes(app, url)


@pytest.mark.parametrize("backend", SERVER_BACKENDS)
def test_eight_processes_lose_no_update_on_a_database_server(backend: str, request: pytest.FixtureRequest) -> None:
    url = server_engine(request, backend).url.render_as_string(hide_password=False)
    app = bootstrap(Settings(database_url=url), migrate=False)
    try:
        run_processes(app, url)
    finally:
        app.close()
