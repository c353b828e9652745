"""Records of every entity in their own tables, read and written a set at a time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, bindparam, func, select

from atraxion.adapters.sqlalchemy._sql import chunks, dumps, from_db_time, loads, to_db_time
from atraxion.adapters.sqlalchemy.tables import RECORD_TABLES
from atraxion.domain.records import RecordHead, StoredRecord


def record_from_row(row: Row[Any]) -> StoredRecord:
    created, updated = from_db_time(row.created_at), from_db_time(row.updated_at)
    assert created is not None and updated is not None
    return StoredRecord(
        key=row.key,
        version=row.version,
        envelope=loads(row.envelope),
        data=loads(row.data),
        derived=loads(row.derived),
        content_hash=row.content_hash,
        full_hash=row.full_hash,
        change_seq=row.change_seq,
        created_at=created,
        updated_at=updated,
    )


def record_to_row(entity: str, record: StoredRecord) -> dict[str, Any]:
    _, extract = RECORD_TABLES[entity]
    return {
        "key": record.key,
        "version": record.version,
        "envelope": dumps(record.envelope),
        "data": dumps(record.data),
        "derived": dumps(record.derived),
        "content_hash": record.content_hash,
        "full_hash": record.full_hash,
        "change_seq": record.change_seq,
        "created_at": to_db_time(record.created_at),
        "updated_at": to_db_time(record.updated_at),
        **extract(record.envelope),
    }


class SqlRecordRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def heads(self, entity: str, keys: Sequence[str], *, lock: bool = False) -> dict[str, RecordHead]:
        table, _ = RECORD_TABLES[entity]
        columns = (table.c.key, table.c.version, table.c.content_hash, table.c.full_hash)
        heads: dict[str, RecordHead] = {}
        for chunk in chunks(sorted(keys)):
            query = select(*columns).where(table.c.key.in_(chunk))
            for row in self.conn.execute(query.with_for_update() if lock else query):
                heads[row.key] = RecordHead(row.key, row.version, row.content_hash, row.full_hash)
        return heads

    def load(self, entity: str, keys: Sequence[str], *, lock: bool = False) -> dict[str, StoredRecord]:
        table, _ = RECORD_TABLES[entity]
        records: dict[str, StoredRecord] = {}
        for chunk in chunks(sorted(keys)):
            query = select(table).where(table.c.key.in_(chunk))
            for row in self.conn.execute(query.with_for_update() if lock else query):
                records[row.key] = record_from_row(row)
        return records

    def insert(self, entity: str, records: Sequence[StoredRecord]) -> None:
        table, _ = RECORD_TABLES[entity]
        if records:
            self.conn.execute(table.insert(), [record_to_row(entity, r) for r in records])

    def update(self, entity: str, records: Sequence[StoredRecord]) -> None:
        table, _ = RECORD_TABLES[entity]
        if not records:
            return
        rows = [record_to_row(entity, r) for r in records]
        columns = [c for c in rows[0] if c not in ("key", "created_at")]
        statement = (
            table.update().where(table.c.key == bindparam("b_key")).values({c: bindparam(f"b_{c}") for c in columns})
        )
        self.conn.execute(statement, [{f"b_{k}": v for k, v in row.items()} for row in rows])

    def count(self, entity: str) -> int:
        table, _ = RECORD_TABLES[entity]
        return int(self.conn.execute(select(func.count()).select_from(table)).scalar_one())
