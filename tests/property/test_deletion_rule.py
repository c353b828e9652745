"""The pending rule of deletions, as pure domain functions (no storage).

A deletion of R is pending for consumer C exactly when C holds R (acknowledged a live version)
or has R pending; it never clears anything; acking it forgets C's ack, so a re-creation is new to
C. Then a pure model of one record's life (pushes, deletions, re-creations, polls and acks)
checks that a consumer's copy, rebuilt only from what the rule makes pending (applying what it
polls even before acknowledging it), ends up equal to Odoo's latest state.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from atraxion.domain.catalog import PRODUCTS
from atraxion.domain.feed import AckOutcome, AckState, PendingEntry, decide_acks, plan_pending
from atraxion.domain.ingest import needs_full_load, plan_deletions, plan_ingest
from atraxion.domain.records import Fingerprinter, Incoming, IngestStatus, StoredRecord
from atraxion.testing.strategies import content_documents

NOW = datetime(2026, 12, 1, tzinfo=UTC)
FP = Fingerprinter()
CONSUMERS = ["a", "b", "c", "d", "e"]


def stored(data: dict[str, Any], *, version: int = 1, deleted: bool = False) -> StoredRecord:
    incoming = Incoming("P1", {"externalId": "P1"}, data)
    return StoredRecord(
        key="P1",
        version=version,
        envelope=incoming.envelope,
        data=data,
        derived={},
        content_hash=FP.content_hash(PRODUCTS, incoming),
        full_hash=FP.full_hash(PRODUCTS, incoming),
        change_seq=version,
        created_at=NOW,
        updated_at=NOW,
        deleted=deleted,
    )


consumer_states = st.fixed_dictionaries(
    {c: st.tuples(st.none() | content_documents(max_depth=1), st.booleans()) for c in CONSUMERS}
)


@given(last=content_documents(max_depth=1), states=consumer_states)
def test_a_deletion_is_pending_for_who_holds_it_or_has_it_pending(
    last: dict[str, Any], states: dict[str, tuple[dict[str, Any] | None, bool]]
) -> None:
    tombstone = stored(last, version=5, deleted=True)
    acks = {
        (c, "P1"): AckState.of(PRODUCTS, stored(held, version=2)) for c, (held, _) in states.items() if held is not None
    }
    pending = {(c, "P1") for c, (_, is_pending) in states.items() if is_pending}
    plan = plan_pending(PRODUCTS, [tombstone], CONSUMERS, acks, FP, pending)
    assert plan.clear == []
    told = {entry.consumer: entry for entry in plan.add}
    assert set(told) == {c for c, (held, is_pending) in states.items() if held is not None or is_pending}
    for consumer, entry in told.items():
        held = states[consumer][0]
        assert entry.change_seq == tombstone.change_seq
        if held is None:
            assert entry.changed_fields is None  # never acknowledged: it reads as new (and deleted)
        else:  # measured against what it holds, like any change
            assert list(entry.changed_fields or ()) == FP.changed_fields(
                PRODUCTS, {"externalId": "P1"}, held, Incoming("P1", {"externalId": "P1"}, last)
            )


@given(data=content_documents(max_depth=1), version=st.integers(1, 5))
def test_acking_a_deletion_forgets_the_ack_and_only_its_version_counts(data: dict[str, Any], version: int) -> None:
    tombstone = stored(data, version=3, deleted=True)
    decision = decide_acks(PRODUCTS, [("P1", version)], {"P1": tombstone})
    if version == 3:
        assert decision.outcomes == {"P1": AckOutcome.ACKED}
        assert (decision.new_acks, decision.forgotten) == ({}, ["P1"])
    else:
        assert decision.outcomes == {"P1": AckOutcome.STALE}
        assert (decision.new_acks, decision.forgotten) == ({}, [])


# --- One record's life, rebuilt by a consumer from its feed -----------------------------------------

steps = st.lists(
    st.one_of(
        st.tuples(st.just("push"), content_documents(max_depth=1)),
        st.tuples(st.just("push-same"), st.none()),
        st.tuples(st.just("push-last"), st.none()),  # re-created as it was when deleted
        st.tuples(st.just("delete"), st.none()),
        st.tuples(st.just("poll-ack"), st.sampled_from(CONSUMERS[:2])),
        st.tuples(st.just("poll"), st.sampled_from(CONSUMERS[:2])),
    ),
    max_size=25,
)


@settings(max_examples=300)
@given(steps=steps)
# A consumer that applied a deletion it polled, before acknowledging it, then a re-creation equal to
# what it had acknowledged: it must get the record again.
@example(steps=[("push", {"x": 1}), ("poll-ack", "a"), ("delete", None), ("poll", "a"), ("push-last", None)])
@example(steps=[("push", {}), ("poll-ack", "a"), ("push", {"name": None}), ("poll", "a"), ("push", {})])
def test_a_consumer_rebuilding_from_its_feed_converges_on_odoos_state(steps: list[tuple[str, Any]]) -> None:
    record: StoredRecord | None = None
    odoo: dict[str, Any] | None = None  # Odoo's record; None: absent (never created, or deleted)
    acks: dict[tuple[str, str], AckState] = {}
    pending: dict[tuple[str, str], PendingEntry] = {}
    copies: dict[str, dict[str, Any] | None] = {c: None for c in CONSUMERS[:2]}
    consumers = CONSUMERS[:2]
    seq = 0

    def recompute(changed: StoredRecord, recreated: bool = False) -> None:
        if recreated:  # what the use case does: a re-creation is new to everyone
            for consumer in consumers:
                acks.pop((consumer, "P1"), None)
        plan = plan_pending(PRODUCTS, [changed], consumers, acks, FP, set(pending))
        for pair in plan.clear:
            pending.pop(pair, None)
        for entry in plan.add:
            pending[(entry.consumer, entry.key)] = entry

    def poll_and_ack(consumer: str) -> None:
        if record is None or (consumer, "P1") not in pending:
            return
        copies[consumer] = None if record.deleted else dict(record.data)  # apply `deleted` as removal
        decision = decide_acks(PRODUCTS, [("P1", record.version)], {"P1": record})
        acks.update({(consumer, k): a for k, a in decision.new_acks.items()})
        for key in decision.forgotten:
            acks.pop((consumer, key), None)
        pending.pop((consumer, "P1"))

    for action, value in steps:
        seq += 1
        if action in ("push", "push-same", "push-last"):
            data = {"push": value, "push-same": odoo, "push-last": None if record is None else record.data}[action]
            if data is None:
                continue
            incoming = Incoming("P1", {"externalId": "P1"}, data)
            heads = {} if record is None else {"P1": record.head}
            differing, hashes = needs_full_load([incoming], heads, PRODUCTS, FP)
            loaded = {} if record is None else {"P1": record}
            plan = plan_ingest(PRODUCTS, [incoming], heads, loaded, hashes, FP, NOW, seq)
            (result,) = plan.results
            if record is not None and (record.deleted or odoo != data):
                assert "P1" in differing
            recreated = record is not None and record.deleted
            if recreated:
                assert record is not None
                assert (result.status, result.version) == (IngestStatus.CREATED, record.version + 1)
            odoo = dict(data)
            if plan.changed:
                (record,) = plan.changed
                recompute(record, recreated)
            elif plan.touched:
                (record,) = plan.touched
        elif action == "delete":
            tombstones, results = plan_deletions(["P1"], {} if record is None else {"P1": record}, NOW, seq)
            was_live = record is not None and not record.deleted
            assert results[0].status is (IngestStatus.DELETED if was_live else IngestStatus.UNKNOWN)
            if tombstones:
                (record,) = tombstones
                recompute(record)
            odoo = None
        elif action == "poll":
            # Shown, not acknowledged. A deletion is applied at once (the record is gone from the
            # shop); a live version is applied when it is acknowledged: until then the consumer's
            # state is what it acknowledged, and a change reverted to it is not pending (http-api.md:
            # "A change reverted before the poll is not pending").
            if (value, "P1") in pending and record is not None and record.deleted:
                copies[value] = None
        else:
            poll_and_ack(value)
    for consumer in consumers:
        poll_and_ack(consumer)
        assert (consumer, "P1") not in pending
        assert copies[consumer] == odoo, (consumer, copies[consumer], odoo)
