"""Concurrent pushes and deletions of the same records tell one serial story per key, on every backend.

Six threads push and delete overlapping keys at random while a consumer polls and acknowledges.
Afterwards every key's results, gathered from every thread, must be one history: versions 1..n,
each exactly once; a deletion follows a live version, a ``created`` after version 1 follows a
deletion; and the consumer, applying ``deleted`` items as removals, holds exactly the live records.
"""

from __future__ import annotations

import random
import threading
import traceback
from collections import defaultdict

from atraxion.application import deletions, feed, tokens
from atraxion.application.ingest import Batch, ingest
from atraxion.bootstrap import Atraxion
from atraxion.domain.auth import Scope
from atraxion.domain.errors import NotFound
from atraxion.domain.records import Incoming, IngestStatus

ENTITY = "products"
KEYS = [f"D{i}" for i in range(8)]
THREADS = 6
ROUNDS = 20


def test_pushes_and_deletions_serialize_per_key(atraxion: Atraxion) -> None:
    ctx = atraxion.context
    tokens.create_token(ctx, "shop", frozenset({Scope.WEBSHOP_READ, Scope.WEBSHOP_ACK}), "webshop")
    seen: dict[str, list[tuple[int, IngestStatus]]] = defaultdict(list)
    lock, errors = threading.Lock(), []

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(ROUNDS):
                keys = rng.sample(KEYS, 3)
                if rng.random() < 0.4:
                    plan = deletions.delete(ctx, ENTITY, keys)
                else:
                    records = [Incoming(k, {"externalId": k}, {"n": rng.randrange(3)}) for k in keys]
                    (plan,) = ingest(ctx, [Batch(ENTITY, records)])
                with lock:
                    for result in plan.results:
                        if result.status in (IngestStatus.CREATED, IngestStatus.UPDATED, IngestStatus.DELETED):
                            assert result.version is not None
                            seen[result.key].append((result.version, result.status))
        except Exception:  # noqa: BLE001 - reported by the main thread
            errors.append(traceback.format_exc())

    replica: dict[str, dict[str, object]] = {}

    def consume(rounds: int) -> None:
        for _ in range(rounds):
            page = feed.changes(ctx, ENTITY, "webshop", None, 5)
            for item in page.items:
                if item.deleted:
                    replica.pop(item.record.key, None)
                else:
                    replica[item.record.key] = dict(item.record.data)
            feed.acknowledge(ctx, ENTITY, "webshop", [(i.record.key, i.record.version) for i in page.items])

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(THREADS)]
    for thread in threads:
        thread.start()
    try:
        consume(30)
    finally:
        for thread in threads:
            thread.join()
    assert errors == [], errors[0] if errors else ""

    stored = ctx.transaction(lambda uow: uow.records.load(ENTITY, KEYS))
    assert seen and sorted(seen) == sorted(stored)  # every key stored was seen changing, and only those
    for key, history in seen.items():
        history.sort()
        assert [v for v, _ in history] == list(range(1, len(history) + 1)), (key, history)
        for (_, before), (version, status) in zip(history, history[1:], strict=False):
            if status is IngestStatus.DELETED:
                assert before is not IngestStatus.DELETED, (key, history)
            elif before is IngestStatus.DELETED:
                assert status is IngestStatus.CREATED, (key, version, history)
            else:
                assert status is IngestStatus.UPDATED, (key, version, history)
        assert stored[key].version == history[-1][0]
        assert stored[key].deleted == (history[-1][1] is IngestStatus.DELETED)

    consume(len(KEYS) + 2)
    assert feed.changes(ctx, ENTITY, "webshop", None, 100).items == []
    live = {k: dict(r.data) for k, r in stored.items() if not r.deleted}
    assert replica == live
    for key in set(stored) - set(live):  # every deletion acknowledged by the only consumer: 404
        try:
            feed.get_record(ctx, ENTITY, "webshop", key)
        except NotFound:
            continue
        raise AssertionError(f"{key} is still answered")
