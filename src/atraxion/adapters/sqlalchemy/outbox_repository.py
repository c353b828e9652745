"""The outbox, sync failures and outbound orders in SQL (SQLite and MariaDB alike).

Claims are safe under concurrency: :meth:`SqlOutboxRepository.get` with ``lock`` reads with
``SELECT … FOR UPDATE`` (MariaDB; on SQLite every transaction already holds the write lock, see
``engine.py``), and :meth:`SqlOutboxRepository.save` is a conditional ``UPDATE … WHERE revision =``
whose row count tells whether the entry moved on in between.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import attrs
from sqlalchemy import Connection, Row, and_, bindparam, func, or_, select, update

from atraxion.adapters.sqlalchemy._rows import delete_ids, mark_published, new_id, page_after, required_time
from atraxion.adapters.sqlalchemy._sql import (
    dumps,
    from_db_time,
    from_json_time,
    loads,
    to_db_time,
    to_json_time,
)
from atraxion.adapters.sqlalchemy.tables import outbox, sale_orders_out, sync_failures
from atraxion.adapters.webshop_order_json import order_document, order_from_document
from atraxion.domain.outbox import (
    Attempt,
    AttemptOutcome,
    FailureSource,
    FailureStatus,
    OutboxEntry,
    OutboxStatus,
    SyncFailure,
)
from atraxion.domain.webshop_orders import OutboundOrder
from atraxion.ports.unit_of_work import ConcurrentUpdate


def _history_json(history: Sequence[Attempt]) -> str:
    return dumps(
        [{"number": a.number, "at": to_json_time(a.at), "outcome": a.outcome.value, "error": a.error} for a in history]
    )


def _history(text: str) -> list[Attempt]:
    return [
        Attempt(a["number"], from_json_time(a["at"]), AttemptOutcome(a["outcome"]), a["error"]) for a in loads(text)
    ]


def _entry_row(entry: OutboxEntry) -> dict[str, Any]:
    return {
        "entity_type": entry.entity_type,
        "entity_key": entry.entity_key,
        "payload": dumps(entry.payload),
        "status": entry.status.value,
        "attempts": entry.attempts,
        "retry_base": entry.retry_base,
        "next_attempt_at": to_db_time(entry.next_attempt_at),
        "claimed_at": to_db_time(entry.claimed_at),
        "published_at": to_db_time(entry.published_at),
        "last_error": entry.last_error,
        "odoo_id": entry.odoo_id,
        "history": _history_json(entry.history),
        "revision": entry.revision,
        "created_at": to_db_time(entry.created_at),
        "updated_at": to_db_time(entry.updated_at),
    }


def _entry(row: Row[Any]) -> OutboxEntry:
    return OutboxEntry(
        id=row.id,
        entity_type=row.entity_type,
        entity_key=row.entity_key,
        payload=loads(row.payload),
        status=OutboxStatus(row.status),
        created_at=required_time(row.created_at),
        updated_at=required_time(row.updated_at),
        next_attempt_at=required_time(row.next_attempt_at),
        attempts=row.attempts,
        retry_base=row.retry_base,
        claimed_at=from_db_time(row.claimed_at),
        published_at=from_db_time(row.published_at),
        last_error=row.last_error,
        odoo_id=row.odoo_id,
        history=_history(row.history),
        revision=row.revision,
    )


# Built once: the per-entry statements run several times per order (P5), and building a statement
# (binding fifteen values) costs more than executing it on SQLite.
_ENTRY_COLUMNS = [c.name for c in outbox.columns if c.name != "id"]
_INSERT_ENTRY = outbox.insert()
_GET_ENTRY = select(outbox).where(outbox.c.id == bindparam("entry_id"))
_LOCK_ENTRY = _GET_ENTRY.with_for_update()
_SAVE_ENTRY = (
    update(outbox)
    .where(outbox.c.id == bindparam("entry_id"), outbox.c.revision == bindparam("read_revision"))
    .values({name: bindparam(name) for name in _ENTRY_COLUMNS})
)


class SqlOutboxRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, entry: OutboxEntry) -> OutboxEntry:
        result = self.conn.execute(_INSERT_ENTRY, _entry_row(entry))
        return attrs.evolve(entry, id=new_id(result))

    def get(self, entry_id: int, *, lock: bool = False) -> OutboxEntry | None:
        row = self.conn.execute(_LOCK_ENTRY if lock else _GET_ENTRY, {"entry_id": entry_id}).first()
        return _entry(row) if row else None

    def save(self, entry: OutboxEntry) -> None:
        params = {**_entry_row(entry), "entry_id": entry.id, "read_revision": entry.revision - 1}
        if self.conn.execute(_SAVE_ENTRY, params).rowcount != 1:
            raise ConcurrentUpdate(f"outbox entry {entry.id} changed since it was read")

    def due(self, now: datetime, redeliver_before: datetime, stale_before: datetime, limit: int) -> list[int]:
        c = outbox.c
        unsent = or_(c.published_at.is_(None), c.published_at <= to_db_time(redeliver_before))
        query = (
            select(c.id)
            .where(
                unsent,
                or_(
                    and_(c.status == OutboxStatus.PENDING.value, c.next_attempt_at <= to_db_time(now)),
                    and_(c.status == OutboxStatus.PROCESSING.value, c.claimed_at <= to_db_time(stale_before)),
                ),
            )
            .order_by(c.id)
            .limit(limit)
        )
        return [row.id for row in self.conn.execute(query)]

    def mark_published(self, entry_ids: Sequence[int], at: datetime) -> None:
        mark_published(self.conn, outbox, entry_ids, at)

    def list(self, status: OutboxStatus | None, after_id: int | None, limit: int) -> list[OutboxEntry]:
        return [_entry(row) for row in self.conn.execute(page_after(outbox, status, after_id, limit))]

    def count_by_status(self) -> dict[OutboxStatus, int]:
        query = select(outbox.c.status, func.count()).group_by(outbox.c.status)
        return {OutboxStatus(status): int(n) for status, n in self.conn.execute(query)}

    def prune_completed(self, older_than: datetime, limit: int) -> int:
        c = outbox.c
        # The newest entry stays: SQLite numbers a new row after the highest id, and an order still
        # names its (pruned) entry's id, which must never come back for another order.
        newest = select(func.max(c.id)).scalar_subquery()
        query = (
            select(c.id)
            .where(c.status == OutboxStatus.COMPLETED.value, c.updated_at < to_db_time(older_than), c.id < newest)
            .order_by(c.id)
            .limit(limit)
        )
        return delete_ids(self.conn, outbox, list(self.conn.execute(query).scalars()))


def _failure_row(failure: SyncFailure) -> dict[str, Any]:
    return {
        "entity_type": failure.entity_type,
        "external_id": failure.external_id,
        "source": failure.source.value,
        "status": failure.status.value,
        "error_message": failure.error_message,
        "queue_id": failure.queue_id,
        "created_at": to_db_time(failure.created_at),
        "resolved_at": to_db_time(failure.resolved_at),
    }


def _failure(row: Row[Any]) -> SyncFailure:
    return SyncFailure(
        id=row.id,
        entity_type=row.entity_type,
        external_id=row.external_id,
        source=FailureSource(row.source),
        status=FailureStatus(row.status),
        error_message=row.error_message,
        created_at=required_time(row.created_at),
        queue_id=row.queue_id,
        resolved_at=from_db_time(row.resolved_at),
    )


class SqlSyncFailureRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def open(self, failure: SyncFailure) -> SyncFailure:
        result = self.conn.execute(sync_failures.insert().values(**_failure_row(failure)))
        stored = self.get(new_id(result))
        assert stored is not None
        return stored

    def get(self, failure_id: int) -> SyncFailure | None:
        row = self.conn.execute(select(sync_failures).where(sync_failures.c.id == failure_id)).first()
        return _failure(row) if row else None

    def open_for_entry(self, queue_id: int) -> SyncFailure | None:
        c = sync_failures.c
        query = select(sync_failures).where(c.queue_id == queue_id, c.status == FailureStatus.OPEN.value)
        row = self.conn.execute(query.order_by(c.id).limit(1)).first()
        return _failure(row) if row else None

    def latest_for_entry(self, queue_id: int) -> SyncFailure | None:
        c = sync_failures.c
        row = self.conn.execute(select(sync_failures).where(c.queue_id == queue_id).order_by(c.id.desc()).limit(1))
        found = row.first()
        return _failure(found) if found else None

    def save(self, failure: SyncFailure) -> None:
        statement = update(sync_failures).where(sync_failures.c.id == failure.id).values(**_failure_row(failure))
        if self.conn.execute(statement).rowcount != 1:
            raise KeyError(f"no sync failure {failure.id}")

    def count(self, status: FailureStatus) -> int:
        query = select(func.count()).select_from(sync_failures).where(sync_failures.c.status == status.value)
        return int(self.conn.execute(query).scalar_one())

    def list(self, status: FailureStatus | None, after_id: int | None, limit: int) -> list[SyncFailure]:
        return [_failure(row) for row in self.conn.execute(page_after(sync_failures, status, after_id, limit))]


class SqlOutboundOrderRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, order: OutboundOrder) -> None:
        self.conn.execute(
            sale_orders_out.insert().values(
                external_id=order.external_id,
                consumer=order.consumer,
                payload=dumps(order_document(order.order)),
                queue_id=order.queue_id,
                odoo_id=order.odoo_id,
                created_at=to_db_time(order.created_at),
            )
        )

    def get(self, external_id: str) -> OutboundOrder | None:
        row = self.conn.execute(select(sale_orders_out).where(sale_orders_out.c.external_id == external_id)).first()
        if row is None:
            return None
        return OutboundOrder(
            row.external_id,
            order_from_document(loads(row.payload)),
            row.queue_id,
            row.consumer,
            required_time(row.created_at),
            row.odoo_id,
        )

    def set_odoo_id(self, external_id: str, odoo_id: int) -> None:
        self.conn.execute(
            update(sale_orders_out).where(sale_orders_out.c.external_id == external_id).values(odoo_id=odoo_id)
        )
