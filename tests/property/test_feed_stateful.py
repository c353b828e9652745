"""R8: random interleavings of pushes, deletions, re-creations, polls and acks by several consumers
(one of them registered late, and maybe removed and registered again), with re-feeds, never lose a
change; each consumer's backlog counts exactly its pending records.

A plain-dict model holds Odoo's latest content per live key, the last content of deleted keys and,
per consumer, the content it acknowledged. Each consumer also keeps a *replica* built only from
what the feed told it (the ``changedFields`` of each item it acknowledged, applied to its previous
replica; a ``deleted`` item removes the key): at the end of every run, after draining the feed,
every replica must equal Odoo's latest set of records and their data. A consumer whose ack comes
back stale has still applied what it polled (it processed that version): the fields that changed
since become *unsure* for it, pending until it acknowledges a current version, even when a later
change reverts the record to the content it acknowledged.

Contents are drawn in canonical form (``content_documents``) and pushed in random spellings
(``respellings``: ``10`` as ``10.0``, new ``write_date`` values), so the model compares contents
with plain JSON equality while the system must normalize.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from attrs import define, field, frozen
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import Engine

from atraxion.application import consumers, deletions, feed, tokens
from atraxion.application.ingest import Batch, ingest
from atraxion.bootstrap import Atraxion, bootstrap
from atraxion.config import Settings
from atraxion.domain.auth import Scope
from atraxion.domain.errors import Conflict, InvalidBatch, NotFound
from atraxion.domain.feed import AckOutcome, FeedItem
from atraxion.domain.history import DEFAULT_KEEP
from atraxion.domain.records import Incoming, IngestStatus
from atraxion.testing import FakeClock
from atraxion.testing.strategies import canonical_values, content_documents, content_field_names, respellings
from tests.conftest import SERVER_BACKENDS, _truncate, server_engine

ENTITY = "products"
KEYS = ["P1", "P2", "P3", "P4", "P5"]
CONSUMERS = ["webshop", "mobile"]
LATE = "late"  # registered by a rule, part-way through a run
UNKNOWN_KEY = "NOPE"

Leaves = dict[tuple[str, ...], str]


# --- The model's own, deliberately simple view of documents ---------------------------------------


def leaves(document: dict[str, Any], prefix: tuple[str, ...] = ()) -> Leaves:
    """Leaf path → JSON text. Non-empty objects are walked, everything else is a leaf. On a
    canonical document this is the whole content; on a raw push it lists every field."""
    found: Leaves = {}
    for key, value in document.items():
        if isinstance(value, dict) and value:
            found.update(leaves(value, (*prefix, key)))
        else:
            found[(*prefix, key)] = json.dumps(value, sort_keys=True)
    return found


def dotted(paths: Any) -> list[str]:
    return sorted(".".join(p) for p in paths)


@frozen
class Content:
    """What a consumer must eventually hold of a record: its odooId and canonical data."""

    odoo_id: int | None
    data: dict[str, Any]

    def same(self, other: Content) -> bool:
        return self.odoo_id == other.odoo_id and json.dumps(self.data, sort_keys=True) == json.dumps(
            other.data, sort_keys=True
        )

    def changed_fields(self, newer: Content) -> list[str]:
        """The exact diff the contract promises: envelope names plus dotted data paths."""
        old, new = leaves(self.data), leaves(newer.data)
        paths = {p for p in old.keys() | new.keys() if old.get(p) != new.get(p)}
        return sorted(dotted(paths) + (["odooId"] if self.odoo_id != newer.odoo_id else []))


@define
class Replica:
    """A consumer's copy, built only from feed items: odooId and data leaves (volatile left out)."""

    odoo_id: int | None = None
    data: Leaves = field(factory=dict)

    def apply(self, item: Polled) -> Replica:
        if item.is_new:
            return Replica(item.odoo_id, _content_leaves(item.data))
        new_leaves = _content_leaves(item.data)
        data = dict(self.data)
        paths = [tuple(name.split(".")) for name in item.changed_fields if name != "odooId"]
        for path in paths:  # first forget what was on, under or above every changed path…
            for existing in [p for p in data if p[: len(path)] == path or path[: len(p)] == p]:
                del data[existing]
        for path in paths:  # …then take what is there now (a leaf, or the leaves of an object)
            data.update((p, v) for p, v in new_leaves.items() if p[: len(path)] == path)
        odoo_id = item.odoo_id if "odooId" in item.changed_fields else self.odoo_id
        return Replica(odoo_id, data)

    def holds(self, content: Content) -> bool:
        return self.odoo_id == content.odoo_id and self.data == leaves(content.data)


def _content_leaves(raw: dict[str, Any]) -> Leaves:
    """Leaves of a raw document as the consumer understands it: volatile fields dropped,
    integral floats read as ints (what any JSON consumer comparing numbers does)."""
    return leaves(_strip(raw))


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in ("write_date", "__last_update")}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@frozen
class Polled:
    key: str
    version: int
    odoo_id: int | None
    data: dict[str, Any]
    is_new: bool
    changed_fields: list[str]
    deleted: bool = False

    @classmethod
    def of(cls, item: FeedItem) -> Polled:
        record = item.record
        return cls(
            record.key,
            record.version,
            record.envelope.get("odooId"),
            dict(record.data),
            item.is_new,
            list(item.changed_fields),
            item.deleted,
        )


# --- The machine ------------------------------------------------------------------------------------


class FeedMachine(RuleBasedStateMachine):
    """Odoo pushes, consumers poll and ack; the model predicts every answer."""

    make_app: Callable[[], Atraxion]

    def __init__(self) -> None:
        super().__init__()
        self.app = type(self).make_app()
        self.ctx = self.app.context
        for consumer in CONSUMERS:
            tokens.create_token(self.ctx, consumer, frozenset({Scope.WEBSHOP_READ, Scope.WEBSHOP_ACK}), consumer)
        self.registered = list(CONSUMERS)
        self.latest: dict[str, Content] = {}  # Odoo's latest content per live key
        self.gone: dict[str, Content] = {}  # the last content of keys deleted in Odoo
        self.told: dict[str, set[str]] = {}  # deleted key → consumers its deletion is pending for
        self.raw: dict[str, dict[str, Any]] = {}  # the latest document pushed, as sent
        self.history: dict[str, list[Content]] = {}  # every content a key had (for reverts)
        self.version: dict[str, int] = {}
        self.changed_at: dict[str, int] = {}  # model clock of each key's last content change
        self.tick = 0
        self.changes: dict[str, dict[int, list[str]]] = {}  # key → version → the fields it changed
        self.acked: dict[str, dict[str, Content]] = {c: {} for c in [*CONSUMERS, LATE]}
        self.acked_version: dict[str, dict[str, int]] = {c: {} for c in [*CONSUMERS, LATE]}
        self.unsure: dict[str, dict[str, set[str]]] = {c: {} for c in [*CONSUMERS, LATE]}
        self.replica: dict[str, dict[str, Replica]] = {c: {} for c in [*CONSUMERS, LATE]}
        self.polled: dict[str, dict[tuple[str, int], Polled]] = {c: {} for c in [*CONSUMERS, LATE]}
        self.cursor: dict[str, tuple[str, tuple[int, str]] | None] = {c: None for c in [*CONSUMERS, LATE]}

    # -- what the model expects

    def pending_order(self, consumer: str, after: tuple[int, str] | None = None) -> list[str]:
        acked, unsure = self.acked[consumer], self.unsure[consumer]
        keys = [k for k, c in self.latest.items() if k not in acked or k in unsure or not acked[k].same(c)]
        keys += [k for k in self.gone if consumer in self.told[k]]
        ordered = sorted(keys, key=lambda k: (self.changed_at[k], k))
        return [k for k in ordered if after is None or (self.changed_at[k], k) > after]

    def check_item(self, consumer: str, item: FeedItem) -> None:
        key, record = item.record.key, item.record
        assert record.version == self.version[key], (key, record.version, self.version[key])
        assert item.deleted == (key in self.gone), key
        # stored exactly enough: the same content, and the latest volatile values, as last sent
        assert json.dumps(_numbers(record.data), sort_keys=True) == json.dumps(_numbers(self.raw[key]), sort_keys=True)
        acked = self.acked[consumer].get(key)
        if acked is None:
            assert item.is_new
            assert item.changed_fields == dotted(leaves(self.raw[key]))
        else:
            assert not item.is_new
            last = self.gone[key] if item.deleted else self.latest[key]
            unsure = self.unsure[consumer].get(key, set())
            assert item.changed_fields == sorted({*acked.changed_fields(last), *unsure})
            assert item.changed_fields or item.deleted, f"{key} is pending for {consumer} with nothing changed"

    # -- Odoo's side

    def _next_content(self, data: st.DataObject, key: str) -> Content:
        if key in self.gone:  # re-created: anything, its last content included
            mode = data.draw(st.sampled_from(["new", "same", "revert"]), label=f"{key} re-creation")
            if mode == "same":
                return self.gone[key]
            if mode == "revert":
                return data.draw(st.sampled_from(self.history[key]))
        current = self.latest.get(key)
        modes = ["new"] if current is None else ["new", "same", "edit", "edit", "revert"]
        mode = data.draw(st.sampled_from(modes), label=f"{key} mode")
        if mode == "new" or current is None:
            return Content(data.draw(st.none() | st.integers(1, 3)), data.draw(content_documents(max_depth=2)))
        if mode == "same":
            return current
        if mode == "revert":
            return data.draw(st.sampled_from(self.history[key]))
        return _edit(data, current)

    @rule(data=st.data(), keys=st.lists(st.sampled_from(KEYS), min_size=1, max_size=3, unique=True))
    def push(self, data: st.DataObject, keys: list[str]) -> None:
        self._push(data, {key: self._next_content(data, key) for key in keys})

    def _push(self, data: st.DataObject, contents: dict[str, Content]) -> None:
        keys = list(contents)
        raws = {key: data.draw(respellings(c.data), label=f"{key} spelling") for key, c in contents.items()}
        records = [_incoming(key, contents[key].odoo_id, raws[key]) for key in keys]
        (plan,) = ingest(self.ctx, [Batch(ENTITY, records)])
        self.tick += 1
        for result in plan.results:
            key, content, previous = result.key, contents[result.key], self.latest.get(result.key)
            if key in self.gone:  # re-created under the version after the deletion's, new to everyone
                expected = (IngestStatus.CREATED, self.version[key] + 1, dotted(leaves(raws[key])))
                del self.gone[key], self.told[key]
                for consumer in self.registered:  # (their replicas keep what they hold until they poll)
                    self._unack(consumer, key)
            elif previous is None:
                expected = (IngestStatus.CREATED, 1, dotted(leaves(raws[key])))
            elif previous.same(content):
                expected = (IngestStatus.UNCHANGED, self.version[key], [])
            else:
                expected = (IngestStatus.UPDATED, self.version[key] + 1, previous.changed_fields(content))
            assert (result.status, result.version, result.changed_fields) == expected, key
            if result.status is not IngestStatus.UNCHANGED:
                self.changes.setdefault(key, {})[result.version] = result.changed_fields
                self.version[key] = result.version
                self.changed_at[key] = self.tick
                self.latest[key] = content
                self.history.setdefault(key, []).append(content)
            self.raw[key] = raws[key]

    @rule(
        keys=st.lists(st.sampled_from([*KEYS, UNKNOWN_KEY]), min_size=1, max_size=3, unique=True), by_push=st.booleans()
    )
    def delete(self, keys: list[str], by_push: bool) -> None:
        """Odoo deleted ``keys`` (some may be unknown, or deleted already): by the use case, or by a push."""
        if by_push:
            (plan,) = ingest(self.ctx, [Batch(ENTITY, [], deletions=keys)])
        else:
            plan = deletions.delete(self.ctx, ENTITY, keys)
        self.tick += 1
        for result, key in zip(plan.results, keys, strict=True):
            assert result.key == key
            if key not in self.latest:  # never stored, or deleted already: nothing moves
                assert (result.status, result.version) == (IngestStatus.UNKNOWN, self.version.get(key))
                continue
            assert (result.status, result.version) == (IngestStatus.DELETED, self.version[key] + 1)
            # pending for whoever holds it or has it pending (computed before the deletion moves it)
            self.told[key] = {c for c in self.registered if key in self.acked[c] or key in self.pending_order(c)}
            self.version[key] += 1
            self.changes[key][self.version[key]] = []  # a deletion changes no field
            self.changed_at[key] = self.tick
            self.gone[key] = self.latest.pop(key)

    @precondition(lambda self: LATE not in self.registered)
    @rule()
    def register_a_late_consumer(self) -> None:
        """A consumer registered now finds every live record pending as new, and no tombstone."""
        tokens.create_token(self.ctx, LATE, frozenset({Scope.WEBSHOP_READ, Scope.WEBSHOP_ACK}), LATE)
        self.registered.append(LATE)

    @rule(data=st.data())
    def refeed(self, data: st.DataObject) -> None:
        """A consumer lost its database: every live record is pending for it again, as new; its
        acks are forgotten and no deletion is pending for it any more."""
        consumer = data.draw(st.sampled_from(self.registered))
        done = consumers.refeed(self.ctx, consumer, [ENTITY])
        assert done.entities[ENTITY].pending == len(self.latest)
        self._forget(consumer)

    @precondition(lambda self: LATE in self.registered)
    @rule()
    def remove_the_late_consumer(self) -> None:
        """Removed: gone from the list, nothing of the others touched; a later token registers it anew."""
        consumers.remove(self.ctx, LATE)
        self.registered.remove(LATE)
        self._forget(LATE)
        assert [c.name for c in consumers.list_consumers(self.ctx)] == sorted(self.registered)

    def _forget(self, consumer: str) -> None:
        self.acked[consumer] = {}
        self.acked_version[consumer] = {}
        self.unsure[consumer] = {}
        self.replica[consumer] = {}
        self.polled[consumer] = {}
        self.cursor[consumer] = None
        for told in self.told.values():
            told.discard(consumer)

    @precondition(lambda self: bool(self.latest))
    @rule(data=st.data())
    def push_a_batch_repeating_a_key(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.latest)))
        other = data.draw(content_documents(max_depth=1))
        records = [_incoming(key, None, other), _incoming(key, None, {"name": "again"})]
        with pytest.raises(InvalidBatch):
            ingest(self.ctx, [Batch(ENTITY, records)])
        # nothing changed: the invariants check the store against the untouched model

    # -- the consumers' side

    @rule(
        consumer=st.sampled_from([*CONSUMERS, LATE]),
        limit=st.integers(1, 4),
        pages=st.integers(1, 3),
        resume=st.booleans(),
    )
    def poll(self, consumer: str, limit: int, pages: int, resume: bool) -> None:
        if consumer not in self.registered:
            return
        saved = self.cursor[consumer] if resume else None
        cursor, after = saved if saved is not None else (None, None)
        expected = self.pending_order(consumer, after)
        got: list[FeedItem] = []
        for _ in range(pages):
            page = feed.changes(self.ctx, ENTITY, consumer, cursor, limit)
            assert len(page.items) <= limit
            got.extend(page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
        assert [i.record.key for i in got] == expected[: len(got)]
        assert len(got) == min(len(expected), pages * limit)
        assert (cursor is None) == (len(got) == len(expected))
        for item in got:
            self.check_item(consumer, item)
            self.polled[consumer][(item.record.key, item.record.version)] = Polled.of(item)
        last = got[-1].record.key if got else None
        self.cursor[consumer] = (cursor, (self.changed_at[last], last)) if cursor is not None and last else None

    def _ack_candidates(self, consumer: str) -> st.SearchStrategy[tuple[str, int]]:
        seen = sorted(self.polled[consumer])
        odd = st.tuples(st.sampled_from([*KEYS, UNKNOWN_KEY]), st.just(0))  # version 0 never exists
        if not seen:
            return odd
        polled = st.sampled_from(seen)
        return st.one_of(polled, polled, polled, odd)  # mostly versions this consumer was shown

    def _record_ack(self, consumer: str, key: str) -> None:
        """The current version of ``key`` was acknowledged: the consumer applies what it polled
        (a deletion removes the key from its replica)."""
        if key in self.gone:
            self.replica[consumer].pop(key, None)
            self._unack(consumer, key)
            self.told[key].discard(consumer)
            return
        item = self.polled[consumer][(key, self.version[key])]
        self.replica[consumer][key] = self.replica[consumer].get(key, Replica()).apply(item)
        self.acked[consumer][key] = self.latest[key]
        self.acked_version[consumer][key] = self.version[key]
        self.unsure[consumer].pop(key, None)

    def _unack(self, consumer: str, key: str) -> None:
        self.acked[consumer].pop(key, None)
        self.acked_version[consumer].pop(key, None)
        self.unsure[consumer].pop(key, None)

    def _record_stale_ack(self, consumer: str, key: str, version: int) -> None:
        """``version`` of ``key``, not the current one, was acknowledged: the consumer processed it,
        so it applied what it polled unless it knows a newer version; if that is newer than what it
        acknowledged, every field changed since becomes unsure (all of them when the history no
        longer reaches back to it)."""
        item = self.polled[consumer].get((key, version))
        acked_version = self.acked_version[consumer].get(key)
        if item is None or (acked_version is not None and version <= acked_version):
            return
        self.replica[consumer][key] = self.replica[consumer].get(key, Replica()).apply(item)
        if key not in self.latest or acked_version is None:  # a deletion or a new record: pending as it is
            return
        unsure = self.unsure[consumer].setdefault(key, set())
        newer = range(version + 1, self.version[key] + 1)
        if len(newer) <= DEFAULT_KEEP:
            unsure.update(*(self.changes[key][v] for v in newer))
        else:
            unsure.update(dotted(leaves(self.raw[key])), self.acked[consumer][key].changed_fields(self.latest[key]))

    def _expected_outcome(self, key: str, versions: list[int]) -> AckOutcome:
        if key not in self.version:
            return AckOutcome.UNKNOWN
        return AckOutcome.ACKED if self.version[key] in versions else AckOutcome.STALE

    @precondition(lambda self: any(self.polled.values()))
    @rule(consumer=st.sampled_from([*CONSUMERS, LATE]), data=st.data())
    def ack(self, consumer: str, data: st.DataObject) -> None:
        if consumer not in self.registered:
            return
        self._ack(consumer, data.draw(st.lists(self._ack_candidates(consumer), min_size=1, max_size=5)))

    def _ack(self, consumer: str, items: list[tuple[str, int]]) -> None:
        decision = feed.acknowledge(self.ctx, ENTITY, consumer, items)
        requested = {key: [v for k, v in items if k == key] for key, _ in items}
        expected = {key: self._expected_outcome(key, versions) for key, versions in requested.items()}
        assert decision.outcomes == expected
        for key, outcome in expected.items():
            if outcome is AckOutcome.ACKED:
                self._record_ack(consumer, key)
            elif outcome is AckOutcome.STALE:
                self._record_stale_ack(consumer, key, max(requested[key]))

    @precondition(lambda self: any(self.polled.values()))
    @rule(consumer=st.sampled_from([*CONSUMERS, LATE]), data=st.data())
    def ack_one(self, consumer: str, data: st.DataObject) -> None:
        if consumer not in self.registered:
            return
        key, version = data.draw(self._ack_candidates(consumer))
        outcome = self._expected_outcome(key, [version])
        if outcome is AckOutcome.UNKNOWN:
            with pytest.raises(NotFound):
                feed.acknowledge_one(self.ctx, ENTITY, consumer, key, version)
        elif outcome is AckOutcome.STALE:
            with pytest.raises(Conflict):
                feed.acknowledge_one(self.ctx, ENTITY, consumer, key, version)
            self._record_stale_ack(consumer, key, version)
        else:
            feed.acknowledge_one(self.ctx, ENTITY, consumer, key, version)
            self._record_ack(consumer, key)

    @rule(consumer=st.sampled_from([*CONSUMERS, LATE]), data=st.data())
    def ack_after_a_change(self, consumer: str, data: st.DataObject) -> None:
        """The race every consumer runs: it polls a page and applies it, and before its ack arrives
        Odoo changes one of those records again, often back to what the consumer acknowledged
        before. The ack of that record is stale; the consumer must still end up with the latest."""
        if consumer not in self.registered:
            return
        page = feed.changes(self.ctx, ENTITY, consumer, None, 3)
        for item in page.items:
            self.check_item(consumer, item)
            self.polled[consumer][(item.record.key, item.record.version)] = Polled.of(item)
        live = [item.record.key for item in page.items if not item.deleted]
        if not live:
            return
        key = data.draw(st.sampled_from(live), label="changed meanwhile")
        before = self.acked[consumer].get(key)
        revert = before is not None and data.draw(st.booleans(), label="back to the acknowledged content")
        self._push(data, {key: before if revert and before is not None else self._next_content(data, key)})
        self._ack(consumer, [(item.record.key, item.record.version) for item in page.items])

    @rule(consumer=st.sampled_from([*CONSUMERS, LATE]), limit=st.integers(1, 3))
    def poll_and_ack_a_page(self, consumer: str, limit: int) -> None:
        """What a well-behaved consumer does: take a page and acknowledge all of it."""
        if consumer in self.registered:
            self.drain(consumer, limit, rounds=1)

    def drain(self, consumer: str, limit: int, rounds: int) -> None:
        for _ in range(rounds):
            page = feed.changes(self.ctx, ENTITY, consumer, None, limit)
            if not page.items:
                return
            for item in page.items:
                self.check_item(consumer, item)
                self.polled[consumer][(item.record.key, item.record.version)] = Polled.of(item)
            polled = [(i.record.key, i.record.version) for i in page.items]
            decision = feed.acknowledge(self.ctx, ENTITY, consumer, polled)
            assert decision.keys(AckOutcome.ACKED) == [i.record.key for i in page.items]
            for item in page.items:
                self._record_ack(consumer, item.record.key)

    # -- invariants

    @invariant()
    def the_store_agrees_with_the_model(self) -> None:
        stored = self.ctx.transaction(lambda uow: uow.records.load(ENTITY, [*KEYS, UNKNOWN_KEY]))
        assert sorted(stored) == sorted([*self.latest, *self.gone])
        for key, record in stored.items():
            assert record.version == self.version[key], key  # bumped by content changes and nothing else
            assert record.deleted == (key in self.gone), key
            last = self.gone[key] if record.deleted else self.latest[key]
            assert record.envelope.get("odooId") == last.odoo_id

    @invariant()
    def pending_is_exactly_what_differs_from_the_last_ack(self) -> None:
        for consumer in self.registered:
            page = feed.changes(self.ctx, ENTITY, consumer, None, 1000)
            assert page.next_cursor is None
            assert [i.record.key for i in page.items] == self.pending_order(consumer)
            for item in page.items:
                self.check_item(consumer, item)

    @invariant()
    def each_backlog_counts_its_pending_records(self) -> None:
        for consumer in self.registered:
            assert consumers.backlog(self.ctx, ENTITY, consumer).pending == len(self.pending_order(consumer))

    @invariant()
    def every_replica_holds_what_its_consumer_acknowledged(self) -> None:
        for consumer in self.registered:
            assert self.replica[consumer].keys() >= self.acked[consumer].keys()
            for key, content in self.acked[consumer].items():
                if key not in self.unsure[consumer]:  # else it applied a version it acked too late
                    assert self.replica[consumer][key].holds(content), (consumer, key)

    def teardown(self) -> None:
        try:
            for consumer in self.registered:
                self.drain(consumer, limit=2, rounds=len(KEYS) + 1)
                assert feed.changes(self.ctx, ENTITY, consumer, None, 1000).items == []
                assert sorted(self.replica[consumer]) == sorted(self.latest), consumer  # deletions applied
                for key, content in self.latest.items():
                    assert self.replica[consumer][key].holds(content), (consumer, key)
            for key in self.gone:  # every consumer acknowledged every deletion: GET answers 404
                with pytest.raises(NotFound):
                    feed.get_record(self.ctx, ENTITY, CONSUMERS[0], key)
        finally:
            self.app.close()


def _incoming(key: str, odoo_id: int | None, data: dict[str, Any]) -> Incoming:
    envelope: dict[str, Any] = {"externalId": key}
    if odoo_id is not None:
        envelope["odooId"] = odoo_id
    return Incoming(key, envelope, data)


def _numbers(value: Any) -> Any:
    """Integral floats as ints: an equivalent re-push may keep the first spelling stored."""
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _edit(data: st.DataObject, current: Content) -> Content:
    """A small change of the current content: one field set, replaced or removed, maybe nested."""
    document = json.loads(json.dumps(current.data))  # a deep copy
    target = document
    nested = [k for k, v in document.items() if isinstance(v, dict)]
    if nested and data.draw(st.booleans(), label="nested edit"):
        target = document[data.draw(st.sampled_from(sorted(nested)))]
    action = data.draw(st.sampled_from(["set", "set", "delete", "odooId"]), label="edit")
    if action == "delete" and target:
        del target[data.draw(st.sampled_from(sorted(target)))]
    elif action == "odooId":
        return Content(data.draw(st.none() | st.integers(1, 3)), document)
    else:
        name = data.draw(st.sampled_from(sorted(target)) | content_field_names() if target else content_field_names())
        target[name] = data.draw(canonical_values)
    return Content(current.odoo_id, document)


# --- Running it on each backend ---------------------------------------------------------------------


def run(make_app: Callable[[], Atraxion], *, examples: int, steps: int) -> None:
    machine = type("Machine", (FeedMachine,), {"make_app": staticmethod(make_app)})
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            report_multiple_bugs=False,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


def test_consumers_converge_on_memory() -> None:
    run(lambda: bootstrap(Settings(database_url="memory://"), clock=FakeClock()), examples=100, steps=30)


@pytest.fixture(scope="module")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine]]:
    """One migrated SQLite file for the module; each example starts from emptied tables."""
    path: Path = tmp_path_factory.mktemp("feed_stateful") / "atraxion.db"
    app = bootstrap(Settings(database_url=f"sqlite:///{path}"), clock=FakeClock())
    assert app.engine is not None
    yield f"sqlite:///{path}", app.engine
    app.close()


def _fresh(url: str, engine: Engine) -> Callable[[], Atraxion]:
    def make() -> Atraxion:
        _truncate(engine)
        return bootstrap(Settings(database_url=url), clock=FakeClock(), migrate=False)

    return make


def test_consumers_converge_on_sqlite(sqlite_engine: tuple[str, Engine]) -> None:
    run(_fresh(*sqlite_engine), examples=40, steps=30)


@pytest.mark.parametrize("backend", SERVER_BACKENDS)
def test_consumers_converge_on_a_database_server(backend: str, request: pytest.FixtureRequest) -> None:
    engine = server_engine(request, backend)
    run(_fresh(engine.url.render_as_string(hide_password=False), engine), examples=10, steps=20)
