"""The repository contract, run unchanged on memory, SQLite and MariaDB (R7)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import attrs

from atraxion.bootstrap import Atraxion
from atraxion.domain.feed import AckState, PendingEntry
from atraxion.domain.records import Incoming, IncomingColumns, StoredRecord
from atraxion.ports.idempotency import Answer, IdempotencyRecord
from atraxion.ports.unit_of_work import UnitOfWork

T = TypeVar("T")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def record(key: str, version: int = 1, seq: int = 1, **data: object) -> StoredRecord:
    return StoredRecord(
        key=key,
        version=version,
        envelope={"externalId": key, "odooId": 7},
        data={"name": "Zoë ✓", "price": 10.5, "nested": {"a": [1, False]}, **data},
        derived={"note": None},
        content_hash=f"c{version}".ljust(32, "0"),
        full_hash=f"f{version}".ljust(32, "0"),
        change_seq=seq,
        created_at=NOW,
        updated_at=NOW,
    )


def run(app: Atraxion, work: Callable[[UnitOfWork], T]) -> T:
    def commit_after(uow: UnitOfWork) -> T:
        result = work(uow)
        uow.commit()
        return result

    return app.context.transaction(commit_after)


def test_records_round_trip_exactly(atraxion: Atraxion) -> None:
    stored = [record("P1"), record("P2", version=3, seq=5, extra="ü")]
    run(atraxion, lambda uow: uow.records.insert("products", stored))
    loaded = run(atraxion, lambda uow: uow.records.load("products", ["P1", "P2", "missing"]))
    assert loaded == {r.key: r for r in stored}
    heads = run(atraxion, lambda uow: uow.records.heads("products", ["P2", "missing"], lock=True))
    assert heads == {"P2": stored[1].head}
    assert run(atraxion, lambda uow: uow.records.count("products")) == 2
    assert run(atraxion, lambda uow: uow.records.count("prices")) == 0


def test_updates_replace_the_stored_state(atraxion: Atraxion) -> None:
    run(atraxion, lambda uow: uow.records.insert("products", [record("P1")]))
    newer = record("P1", version=2, seq=9, name="Desk")
    run(atraxion, lambda uow: uow.records.update("products", [newer]))
    assert run(atraxion, lambda uow: uow.records.load("products", ["P1"])) == {"P1": newer}


def test_uncommitted_work_is_rolled_back(atraxion: Atraxion) -> None:
    with atraxion.context.uow() as uow:
        uow.records.insert("products", [record("P1")])
    assert run(atraxion, lambda uow: uow.records.count("products")) == 0


def test_many_keys_are_read_in_chunks(atraxion: Atraxion) -> None:
    stored = [record(f"K{i:05d}", seq=i) for i in range(2500)]
    run(atraxion, lambda uow: uow.records.insert("products", stored))
    keys = [r.key for r in stored]
    assert len(run(atraxion, lambda uow: uow.records.heads("products", keys))) == 2500


def test_screen_tells_what_is_stored_as_pushed_and_gives_the_other_heads(atraxion: Atraxion) -> None:
    """Enough keys for the SQL adapter's range scan, its range holding other rows too (every third
    stored key is not pushed), pushes new and stored keys mixed, tombstones (one pushed as stored),
    and pushes equal as values but not as stored (``1`` for ``1.0``, another key order): only the
    very same documents of live records may be "same" (an adapter that cannot tell finds none)."""
    stored = [record(f"S{i:05d}", seq=i) for i in range(3000)]
    stored[5] = attrs.evolve(stored[5], deleted=True)
    stored[7] = attrs.evolve(stored[7], deleted=True)
    run(atraxion, lambda uow: uow.records.insert("products", stored))
    pushed = [Incoming(r.key, r.envelope, r.data) for i, r in enumerate(stored) if i % 3]
    pushed[1] = Incoming(pushed[1].key, pushed[1].envelope, {**pushed[1].data, "price": 11})
    pushed[2] = Incoming(pushed[2].key, {"odooId": 7, "externalId": pushed[2].key}, pushed[2].data)
    pushed[3] = Incoming(pushed[3].key, pushed[3].envelope, {**pushed[3].data, "nested": {"a": [1.0, False]}})
    pushed += [Incoming(f"S{i:05d}x", {"externalId": "new"}, {}) for i in range(0, 3000, 7)]
    screening = run(atraxion, lambda uow: uow.records.screen("products", IncomingColumns.of(pushed)))
    heads = run(atraxion, lambda uow: uow.records.heads("products", [r.key for r in pushed]))
    assert len(heads) == 2000
    assert not screening.same.keys() & screening.heads.keys()
    assert screening.same.keys() | screening.heads.keys() == heads.keys()
    assert dict(screening.heads) == {k: h for k, h in heads.items() if k not in screening.same}
    assert dict(screening.same) == {k: heads[k].version for k in screening.same}
    unchanged = {pushed[0].key} | {r.key for r in pushed[5:2000]}  # pushed[4] is the tombstone S00007
    assert set(screening.same) <= unchanged
    assert atraxion.engine is None or set(screening.same) == unchanged  # the SQL adapter tells
    # Records pushed without data (as every price and stock record is) are not those stored with some.
    stored_with_empty_data = [attrs.evolve(r, key=f"E{r.key}", data={}) for r in stored[:1500]]
    run(atraxion, lambda uow: uow.records.insert("products", stored_with_empty_data))
    without_data = [Incoming(r.key, r.envelope) for r in [*stored[:1500], *stored_with_empty_data]]
    screening = run(atraxion, lambda uow: uow.records.screen("products", IncomingColumns.of(without_data)))
    assert len(screening.same) + len(screening.heads) == 3000
    assert set(screening.same) <= {r.key for r in stored_with_empty_data if not r.deleted}
    assert atraxion.engine is None or set(screening.same) == {r.key for r in stored_with_empty_data if not r.deleted}


def test_consumers_pending_and_acks(atraxion: Atraxion) -> None:
    run(atraxion, lambda uow: uow.records.insert("products", [record("P1", seq=2), record("P2", seq=1)]))
    assert run(atraxion, lambda uow: uow.feed.add_consumer("webshop", ["products", "prices"])) is True
    assert run(atraxion, lambda uow: uow.feed.add_consumer("webshop", ["products"])) is False
    assert run(atraxion, lambda uow: uow.feed.consumers()) == ["webshop"]
    page = run(atraxion, lambda uow: uow.feed.pending_page("products", "webshop", None, 10))
    assert [(p.record.key, p.changed_fields) for p in page] == [("P2", None), ("P1", None)]  # backlog: new
    after = run(atraxion, lambda uow: uow.feed.pending_page("products", "webshop", (1, "P2"), 10))
    assert [p.record.key for p in after] == ["P1"]

    ack = AckState(1, "c1".ljust(32, "0"), {"externalId": "P1"}, {"name": "Desk"})
    run(atraxion, lambda uow: uow.feed.save_acks("products", "webshop", {"P1": ack}))
    run(atraxion, lambda uow: uow.feed.set_pending("products", [], [("webshop", "P1")]))
    assert run(atraxion, lambda uow: uow.feed.acks("products", ["webshop", "other"], ["P1", "P2"])) == {
        ("webshop", "P1"): ack
    }
    assert run(atraxion, lambda uow: uow.feed.is_pending("products", "webshop", "P1")) is False
    assert run(atraxion, lambda uow: uow.feed.is_pending("products", "webshop", "P2")) is True

    newer = AckState(2, "c2".ljust(32, "0"), {}, {})
    run(atraxion, lambda uow: uow.feed.save_acks("products", "webshop", {"P1": newer}))
    moved = PendingEntry("webshop", "P1", 7, ("name", "x_dimensions.width"))
    run(atraxion, lambda uow: uow.feed.set_pending("products", [moved], []))
    assert run(atraxion, lambda uow: uow.feed.acks("products", ["webshop"], ["P1"])) == {("webshop", "P1"): newer}
    page = run(atraxion, lambda uow: uow.feed.pending_page("products", "webshop", None, 10))
    assert [(p.record.key, p.changed_fields) for p in page] == [("P2", None), ("P1", ("name", "x_dimensions.width"))]


def test_pending_rows_are_per_entity(atraxion: Atraxion) -> None:
    run(atraxion, lambda uow: uow.feed.add_consumer("webshop", ["products", "partners"]))
    run(atraxion, lambda uow: uow.records.insert("partners", [record("RP_1")]))
    run(atraxion, lambda uow: uow.feed.set_pending("partners", [PendingEntry("webshop", "RP_1", 1)], []))
    assert run(atraxion, lambda uow: uow.feed.pending_page("products", "webshop", None, 10)) == []
    assert len(run(atraxion, lambda uow: uow.feed.pending_page("partners", "webshop", None, 10))) == 1


def test_odoo_ids_are_paged_by_key_and_skip_records_without_one_and_deleted_ones(atraxion: Atraxion) -> None:
    with_ids = [
        attrs.evolve(record(f"P{i:03d}"), envelope={"externalId": f"P{i:03d}", "odooId": 100 + i}) for i in range(7)
    ]
    without = attrs.evolve(record("P999"), envelope={"externalId": "P999"})
    tombstone = attrs.evolve(record("P0035"), envelope={"externalId": "P0035", "odooId": 135}, deleted=True)
    run(atraxion, lambda uow: uow.records.insert("products", [*reversed(with_ids), without, tombstone]))
    pages: list[list[tuple[str, int]]] = []
    after: str | None = None
    while page := run(atraxion, lambda uow, after=after: uow.records.odoo_ids("products", after, 3)):
        pages.append(page)
        after = page[-1][0]
    assert pages == [
        [("P000", 100), ("P001", 101), ("P002", 102)],
        [("P003", 103), ("P004", 104), ("P005", 105)],
        [("P006", 106)],
    ]
    assert run(atraxion, lambda uow: uow.records.odoo_ids("partners", None, 10)) == []
    assert run(atraxion, lambda uow: uow.records.odoo_ids("stock", None, 10)) == []


def test_tombstones_round_trip_and_show_in_heads(atraxion: Atraxion) -> None:
    live, gone = record("P1"), attrs.evolve(record("P2", version=2, seq=3), deleted=True)
    run(atraxion, lambda uow: uow.records.insert("products", [live, gone]))
    assert run(atraxion, lambda uow: uow.records.load("products", ["P1", "P2"])) == {"P1": live, "P2": gone}
    heads = run(atraxion, lambda uow: uow.records.heads("products", ["P1", "P2"]))
    assert (heads["P1"].deleted, heads["P2"].deleted) == (False, True)
    back = attrs.evolve(gone, version=3, deleted=False)
    run(atraxion, lambda uow: uow.records.update("products", [back]))
    assert run(atraxion, lambda uow: uow.records.load("products", ["P2"])) == {"P2": back}


def test_a_new_consumer_gets_live_records_only(atraxion: Atraxion) -> None:
    gone = attrs.evolve(record("P2"), deleted=True)
    run(atraxion, lambda uow: uow.records.insert("products", [record("P1"), gone]))
    run(atraxion, lambda uow: uow.feed.add_consumer("webshop", ["products"]))
    page = run(atraxion, lambda uow: uow.feed.pending_page("products", "webshop", None, 10))
    assert [p.record.key for p in page] == ["P1"]


def test_pending_of_and_forgetting_acks(atraxion: Atraxion) -> None:
    stored = [record("P1"), attrs.evolve(record("P2"), deleted=True), record("P3")]
    run(atraxion, lambda uow: uow.records.insert("products", stored))
    for consumer in ("mobile", "webshop"):
        run(atraxion, lambda uow, c=consumer: uow.feed.add_consumer(c, ["products"]))
    run(atraxion, lambda uow: uow.feed.set_pending("products", [PendingEntry("mobile", "P2", 5)], [("webshop", "P3")]))
    found = run(atraxion, lambda uow: uow.feed.pending_of("products", ["mobile", "webshop"], ["P2", "P3", "NOPE"]))
    assert found == {("mobile", "P2"), ("mobile", "P3")}
    assert run(atraxion, lambda uow: uow.feed.pending_of("products", [], ["P1"])) == set()
    assert run(atraxion, lambda uow: uow.feed.pending_of("prices", ["mobile"], ["P1"])) == set()

    ack = AckState(1, "c1".ljust(32, "0"), {"externalId": "P1"}, {"name": "Desk"})
    for consumer in ("mobile", "webshop"):
        run(atraxion, lambda uow, c=consumer: uow.feed.save_acks("products", c, {"P1": ack, "P3": ack}))
    run(atraxion, lambda uow: uow.feed.forget_acks("products", ["webshop"], ["P1", "NOPE"]))
    acks = run(atraxion, lambda uow: uow.feed.acks("products", ["mobile", "webshop"], ["P1", "P3"]))
    assert sorted(acks) == [("mobile", "P1"), ("mobile", "P3"), ("webshop", "P3")]
    run(atraxion, lambda uow: uow.feed.forget_acks("products", ["mobile", "webshop"], ["P3"]))
    run(atraxion, lambda uow: uow.feed.forget_acks("products", [], ["P1"]))
    acks = run(atraxion, lambda uow: uow.feed.acks("products", ["mobile", "webshop"], ["P1", "P3"]))
    assert sorted(acks) == [("mobile", "P1")]


def test_partner_links_leave_tombstones_out(atraxion: Atraxion) -> None:
    def partner(key: str, parent: str | None, *, deleted: bool = False) -> StoredRecord:
        envelope = {"externalId": key, "type": "contact" if parent else "main", "externalParentId": parent}
        base = attrs.evolve(record(key), envelope=envelope, derived={"parentResolved": True}, deleted=deleted)
        return base

    stored = [partner("M", None), partner("B", "M", deleted=True), partner("C", "B"), partner("D", "M")]
    run(atraxion, lambda uow: uow.records.insert("partners", stored))
    run(atraxion, lambda uow: uow.partners.set_resolved({"C": False}))
    assert run(atraxion, lambda uow: uow.partners.parents(["M", "B", "C"], lock=True)) == {"M": None, "C": "B"}
    assert run(atraxion, lambda uow: uow.partners.children(["M", "B"])) == {"D": "M", "C": "B"}
    assert run(atraxion, lambda uow: uow.partners.unresolved_children(["B"])) == ["C"]
    run(atraxion, lambda uow: uow.records.update("partners", [attrs.evolve(stored[1], deleted=False, version=2)]))
    run(atraxion, lambda uow: uow.records.update("partners", [attrs.evolve(stored[0], deleted=True, version=2)]))
    assert run(atraxion, lambda uow: uow.partners.children(["M", "B"])) == {"B": "M", "C": "B", "D": "M"}
    assert run(atraxion, lambda uow: uow.partners.parents(["M", "B"])) == {"B": "M"}


def test_idempotency_claims_complete_and_roll_back(atraxion: Atraxion) -> None:
    answer = Answer(201, b'{"id":1}\xff\x00', "application/json")

    def claim(owner: str, key: str, fingerprint: str = "f1") -> Callable[[UnitOfWork], IdempotencyRecord | None]:
        return lambda uow: uow.idempotency.claim(owner, key, fingerprint, NOW)

    def store(key: str, fingerprint: str, stored: Answer) -> Callable[[UnitOfWork], IdempotencyRecord | None]:
        def work(uow: UnitOfWork) -> IdempotencyRecord | None:
            claimed = uow.idempotency.claim("1:POST /x", key, fingerprint, NOW)
            uow.idempotency.complete("1:POST /x", key, stored)
            return claimed

        return work

    assert atraxion.context.transaction(claim("1:POST /x", "k")) is None  # not committed: rolled back
    assert run(atraxion, store("k", "f1", answer)) is None
    assert run(atraxion, claim("1:POST /x", "k", "f2")) == IdempotencyRecord("f1", answer)
    assert run(atraxion, claim("2:POST /x", "k")) is None  # another owner's key
    assert run(atraxion, claim("1:POST /y", "k")) is None
    empty = Answer(204, b"", "")
    assert run(atraxion, store("e", "f", empty)) is None
    assert run(atraxion, claim("1:POST /x", "e")) == IdempotencyRecord("f", empty)
