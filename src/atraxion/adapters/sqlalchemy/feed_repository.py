"""Consumers, acknowledgements and pending rows, shared by every entity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, delete, exists, false, func, literal, or_, select

from atraxion.adapters.sqlalchemy import _fast_json
from atraxion.adapters.sqlalchemy._sql import among, chunks, dumps, from_db_time, loads_many, to_db_time, upsert
from atraxion.adapters.sqlalchemy.record_repository import records_from_rows
from atraxion.adapters.sqlalchemy.tables import RECORD_TABLES, consumers, feed_acks, feed_pending
from atraxion.domain.consumers import Backlog
from atraxion.domain.feed import AckState, PendingEntry, PendingItem


class SqlFeedRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def consumers(self) -> list[str]:
        return list(self.conn.execute(select(consumers.c.name).order_by(consumers.c.name)).scalars())

    def add_consumer(self, name: str, entities: Sequence[str]) -> bool:
        if self.conn.execute(select(exists().where(consumers.c.name == name))).scalar():
            return False
        self.conn.execute(consumers.insert().values(name=name, created_at=to_db_time(datetime.now(UTC))))
        for entity in entities:
            self._pend_everything(entity, name)
        return True

    def _pend_everything(self, entity: str, consumer: str) -> None:
        """One INSERT … SELECT: every live record of ``entity`` pending for ``consumer``, as new."""
        table, _ = RECORD_TABLES[entity]
        live = table.c.deleted == false()
        backlog = select(literal(entity), literal(consumer), table.c.key, table.c.change_seq).where(live)
        self.conn.execute(feed_pending.insert().from_select(["entity", "consumer", "key", "change_seq"], backlog))

    def backlog(self, entity: str, consumer: str | None = None) -> dict[str, Backlog]:
        table, _ = RECORD_TABLES[entity]
        p = feed_pending
        query = (
            select(p.c.consumer, func.count(), func.min(table.c.updated_at))
            .select_from(p.join(table, table.c.key == p.c.key))
            .where(p.c.entity == entity)
            .group_by(p.c.consumer)
        )
        if consumer is not None:
            query = query.where(p.c.consumer == consumer)
        return {row[0]: Backlog(int(row[1]), from_db_time(row[2])) for row in self.conn.execute(query)}

    def refeed(self, entity: str, consumer: str) -> None:
        for t in (feed_acks, feed_pending):
            self.conn.execute(delete(t).where(t.c.entity == entity, t.c.consumer == consumer))
        self._pend_everything(entity, consumer)

    def remove_consumer(self, name: str) -> bool:
        for t in (feed_acks, feed_pending):
            self.conn.execute(delete(t).where(t.c.consumer == name))
        return bool(self.conn.execute(delete(consumers).where(consumers.c.name == name)).rowcount)

    def acks(self, entity: str, consumers: Sequence[str], keys: Sequence[str]) -> dict[tuple[str, str], AckState]:
        found: dict[tuple[str, str], AckState] = {}
        t = feed_acks
        for chunk in chunks(sorted(set(keys))):
            query = select(t).where(t.c.entity == entity, t.c.consumer.in_(consumers), among(self.conn, t.c.key, chunk))
            rows = self.conn.execute(query).all()  # one fetch, and one JSON decoding, for the chunk
            documents = loads_many(
                [text for row in rows for text in (row.envelope, row.data, row.unsure_fields or "null")]
            )
            for index, row in enumerate(rows):
                envelope, data, unsure = documents[3 * index : 3 * index + 3]
                found[(row.consumer, row.key)] = AckState(
                    row.version, row.content_hash, envelope, data, None if unsure is None else tuple(unsure)
                )
        return found

    def save_acks(self, entity: str, consumer: str, acks: Mapping[str, AckState]) -> None:
        rows = [
            {
                "entity": entity,
                "consumer": consumer,
                "key": key,
                "version": ack.version,
                "content_hash": ack.content_hash,
                "envelope": dumps(ack.envelope),
                "data": dumps(ack.data),
                "unsure_fields": None if ack.unsure_fields is None else dumps(list(ack.unsure_fields)),
            }
            for key, ack in acks.items()
        ]
        upsert(self.conn, feed_acks, rows, ["version", "content_hash", "envelope", "data", "unsure_fields"])

    def forget_acks(self, entity: str, consumers: Sequence[str], keys: Sequence[str]) -> None:
        t = feed_acks
        if not consumers:
            return
        for chunk in chunks(sorted(set(keys))):
            where = (t.c.entity == entity, t.c.consumer.in_(sorted(consumers)), among(self.conn, t.c.key, chunk))
            self.conn.execute(delete(t).where(*where))

    def pending_of(self, entity: str, consumers: Sequence[str], keys: Sequence[str]) -> set[tuple[str, str]]:
        # Through the primary key (entity, consumer, key): consumers are few, keys are chunked.
        p = feed_pending
        found: set[tuple[str, str]] = set()
        if not consumers:
            return found
        for chunk in chunks(sorted(set(keys))):
            query = select(p.c.consumer, p.c.key).where(
                p.c.entity == entity, p.c.consumer.in_(sorted(consumers)), among(self.conn, p.c.key, chunk)
            )
            found.update((row.consumer, row.key) for row in self.conn.execute(query))
        return found

    def set_pending(self, entity: str, add: Sequence[PendingEntry], clear: Sequence[tuple[str, str]]) -> None:
        by_consumer: dict[str, list[str]] = {}
        for consumer, key in clear:
            by_consumer.setdefault(consumer, []).append(key)
        t = feed_pending
        for consumer, keys in sorted(by_consumer.items()):
            for chunk in chunks(sorted(keys)):
                mine = (t.c.entity == entity, t.c.consumer == consumer)
                self.conn.execute(delete(t).where(*mine, among(self.conn, t.c.key, chunk)))
        # Sorted, like every bulk write here: concurrent writers then take row locks in one order.
        rows = [
            {
                "entity": entity,
                "consumer": e.consumer,
                "key": e.key,
                "change_seq": e.change_seq,
                "changed_fields": None if e.changed_fields is None else dumps(list(e.changed_fields)),
            }
            for e in sorted(add, key=lambda e: (e.consumer, e.key))
        ]
        upsert(self.conn, t, rows, ["change_seq", "changed_fields"])

    def pending_page(self, entity: str, consumer: str, after: tuple[int, str] | None, limit: int) -> list[PendingItem]:
        table, _ = RECORD_TABLES[entity]
        p = feed_pending
        query = (
            select(table, p.c.changed_fields.label("pending_changed_fields"))
            .join(p, p.c.key == table.c.key)
            .where(p.c.entity == entity, p.c.consumer == consumer)
            .order_by(p.c.change_seq, p.c.key)
            .limit(limit)
        )
        if after is not None:
            seq, key = after
            query = query.where(or_(p.c.change_seq > seq, and_(p.c.change_seq == seq, p.c.key > key)))
        rows = self.conn.execute(query).all()
        fields = _fast_json.loads_many([row.pending_changed_fields or "null" for row in rows])
        return [
            PendingItem(record, None if changed is None else tuple(changed))
            for record, changed in zip(records_from_rows(rows), fields, strict=True)
        ]

    def is_pending(self, entity: str, consumer: str, key: str) -> bool:
        p = feed_pending
        query = select(exists().where(p.c.entity == entity, p.c.consumer == consumer, p.c.key == key))
        return bool(self.conn.execute(query).scalar())
