"""Records of every entity in their own tables, read and written a set at a time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from itertools import compress, count, filterfalse, islice
from operator import and_, attrgetter, eq, itemgetter, lt, not_
from typing import Any

from sqlalchemy import Connection, Row, Select, Table, bindparam, delete, func, select

from atraxion.adapters.sqlalchemy import _fast_json
from atraxion.adapters.sqlalchemy._fast_json import stored_as
from atraxion.adapters.sqlalchemy._sql import (
    KEY_CHUNK,
    among,
    chunks,
    driver_rows,
    dumps,
    from_db_time,
    loads,
    to_db_time,
)
from atraxion.adapters.sqlalchemy.tables import RECORD_TABLES, record_history
from atraxion.domain.history import Version, trim_thresholds
from atraxion.domain.records import IncomingColumns, RecordHead, Screening, StoredRecord

SCAN_MIN = 1_000
"""From this many keys on, :meth:`SqlRecordRepository.screen` first scans the keys' range."""
SCAN_SPREAD = 2
"""Rows that range scan may read per key (a bound on what a sparse range wastes)."""


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
        deleted=bool(row.deleted),
    )


def records_from_rows(rows: Sequence[Row[Any]]) -> list[StoredRecord]:
    """:func:`record_from_row` of many rows, their JSON columns decoded in one call."""
    documents = _fast_json.loads_many([text for row in rows for text in (row.envelope, row.data, row.derived)])
    times: dict[datetime, datetime | None] = {}
    records = []
    for index, row in enumerate(rows):
        created, updated = row.created_at, row.updated_at
        if created not in times:
            times[created] = from_db_time(created)
        if updated not in times:
            times[updated] = from_db_time(updated)
        records.append(
            StoredRecord(
                key=row.key,
                version=row.version,
                envelope=documents[3 * index],
                data=documents[3 * index + 1],
                derived=documents[3 * index + 2],
                content_hash=row.content_hash,
                full_hash=row.full_hash,
                change_seq=row.change_seq,
                created_at=times[created],  # type: ignore[arg-type]
                updated_at=times[updated],  # type: ignore[arg-type]
                deleted=bool(row.deleted),
            )
        )
    return records


def record_to_row(entity: str, record: StoredRecord) -> dict[str, Any]:
    return records_to_rows(entity, [record])[0]


def records_to_rows(entity: str, records: Sequence[StoredRecord]) -> list[dict[str, Any]]:
    _, extract = RECORD_TABLES[entity]
    times: dict[datetime, datetime | None] = {}  # a batch shares a few instants: convert each once
    rows = []
    for record in records:
        created, updated = record.created_at, record.updated_at
        if created not in times:
            times[created] = to_db_time(created)
        if updated not in times:
            times[updated] = to_db_time(updated)
        rows.append(
            {
                "key": record.key,
                "version": record.version,
                "envelope": dumps(record.envelope),
                "data": dumps(record.data),
                "derived": dumps(record.derived),
                "content_hash": record.content_hash,
                "full_hash": record.full_hash,
                "change_seq": record.change_seq,
                "created_at": times[created],
                "updated_at": times[updated],
                "deleted": record.deleted,
                **extract(record.envelope),
            }
        )
    return rows


_KEY = attrgetter("key")
_FIRST = itemgetter(0)


def _locked(query: Select[Any], table: Table) -> Select[Any]:
    """``SELECT … FOR UPDATE`` in the order of the keys, so that concurrent writers lock the rows
    they share in one order. Left to itself, MySQL may lock a small table through a primary-key scan
    while a concurrent writer locks through the key's unique index (hence the index hint), and
    PostgreSQL locks rows in the order it finds them on disk, which every update changes (hence the
    ``ORDER BY``, below which PostgreSQL locks): either way two writers lock the same rows in
    different orders and deadlock (seen under R1)."""
    hint = f"FORCE INDEX (uq_{table.name}_key)"
    ordered = query.order_by(table.c.key).with_for_update()
    return ordered.with_hint(table, hint, "mysql").with_hint(table, hint, "mariadb")


class SqlRecordRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def heads(self, entity: str, keys: Sequence[str], *, lock: bool = False) -> dict[str, RecordHead]:
        table, _ = RECORD_TABLES[entity]
        c = table.c
        columns = (c.key, c.version, c.content_hash, c.full_hash, c.deleted)
        heads: dict[str, RecordHead] = {}
        for chunk in chunks(sorted(keys), KEY_CHUNK):
            query = select(*columns).where(among(self.conn, c.key, chunk))
            rows = self.conn.execute(_locked(query, table) if lock else query).all()  # one fetch, not per row
            for key, version, content_hash, full_hash, deleted in rows:
                heads[key] = RecordHead(key, version, content_hash, full_hash, bool(deleted))
        return heads

    def screen(self, entity: str, records: IncomingColumns) -> Screening:
        # The stored JSON is compared here, a batch of rows at a time, column by column, and dropped:
        # the domain gets the versions of the records stored as pushed, never the text. The hashes
        # are read only for the others (few, in a re-push): two columns fewer on every row scanned.
        # When no pushed record carries data (prices, stock), the database tells whether the stored
        # data is empty: "{}", the only JSON object of two characters.
        table, _ = RECORD_TABLES[entity]
        c = table.c
        keys, envelopes, data = records.keys, records.envelopes, records.data
        in_order = all(map(lt, keys, islice(keys, 1, None)))  # as a slice of a large batch is
        stored_data = c.data if data is not None else (func.length(c.data) == 2).label("no_data")
        columns = (c.key, c.version, c.deleted, c.envelope, stored_data)
        position: dict[str, int] = {}
        same: dict[str, int] = {}
        others: list[str] = []
        for rows in self._rows_of(table, columns, keys if in_order else sorted(keys)):
            if not rows:
                continue
            key, version, deleted, envelope, stored = zip(*rows, strict=True)
            if in_order and len(key) == len(keys) and key == tuple(keys):  # every key stored: aligned
                pushed, pushed_data = envelopes, data
            else:
                position = position or dict(zip(keys, count()))
                at = list(map(position.__getitem__, key))
                pushed = list(map(envelopes.__getitem__, at))
                pushed_data = None if data is None else list(map(data.__getitem__, at))
            found = stored_as(pushed, envelope)
            if pushed_data is not None:
                found = list(map(and_, found, stored_as(pushed_data, stored)))
            else:
                found = list(map(and_, found, stored))  # stored data empty (1 or True)
            found = list(map(and_, found, map(not_, deleted)))  # a tombstone is re-created by any push
            same.update(zip(compress(key, found), compress(version, found), strict=True))
            if not all(found):
                others += compress(key, map(not_, found))
        return Screening(same, self.heads(entity, others) if others else {})

    def _rows_of(self, table: Table, columns: Sequence[Any], keys: Sequence[str]) -> Iterator[Sequence[Any]]:
        """The rows of the sorted, distinct ``keys``, in batches, each row's first column its key.
        From ``SCAN_MIN`` keys on, one ordered scan of the keys' range comes first, bounded to
        ``SCAN_SPREAD`` rows a key: when the keys cover most of their range (a large push of much
        of a table) that reads each row once, in index order, with no parameter per key (the rows
        of other keys in the range are dropped). Only keys the scan did not return are then looked
        up by key (``IN`` lists): the scan need not agree with Python on the order of keys (a
        database's collation may not), and a sparse range costs at most its bounded scan."""
        c = table.c
        rest = keys
        if len(keys) >= SCAN_MIN:
            limit = SCAN_SPREAD * len(keys)
            query = select(*columns).where(c.key >= keys[0], c.key <= keys[-1]).order_by(c.key).limit(limit)
            rows = driver_rows(self.conn, query)
            if len(rows) == len(keys) and all(map(eq, map(_FIRST, rows), keys)):
                yield rows  # the range holds exactly these keys: the usual re-push
                return
            wanted = set(keys)
            rows = [row for row in rows if row[0] in wanted]
            yield rows
            seen = set(map(_FIRST, rows))
            rest = list(filterfalse(seen.__contains__, keys))
            del rows, seen, wanted
        for chunk in chunks(rest, KEY_CHUNK):
            yield driver_rows(self.conn, select(*columns).where(among(self.conn, c.key, chunk)))

    def load(self, entity: str, keys: Sequence[str], *, lock: bool = False) -> dict[str, StoredRecord]:
        table, _ = RECORD_TABLES[entity]
        records: dict[str, StoredRecord] = {}
        for chunk in chunks(sorted(keys)):
            query = select(table).where(among(self.conn, table.c.key, chunk))
            rows = self.conn.execute(_locked(query, table) if lock else query).all()
            records.update((r.key, r) for r in records_from_rows(rows))
        return records

    def insert(self, entity: str, records: Sequence[StoredRecord]) -> None:
        table, _ = RECORD_TABLES[entity]
        if records:
            self.conn.execute(table.insert(), records_to_rows(entity, sorted(records, key=_KEY)))

    def update(self, entity: str, records: Sequence[StoredRecord]) -> None:
        table, _ = RECORD_TABLES[entity]
        if not records:
            return
        rows = records_to_rows(entity, sorted(records, key=_KEY))
        columns = [c for c in rows[0] if c not in ("key", "created_at")]
        statement = (
            table.update().where(table.c.key == bindparam("b_key")).values({c: bindparam(f"b_{c}") for c in columns})
        )
        self.conn.execute(statement, [{f"b_{k}": v for k, v in row.items()} for row in rows])

    def count(self, entity: str) -> int:
        table, _ = RECORD_TABLES[entity]
        return int(self.conn.execute(select(func.count()).select_from(table)).scalar_one())

    def odoo_ids(self, entity: str, after: str | None, limit: int) -> list[tuple[str, int]]:
        table, _ = RECORD_TABLES[entity]
        if "odoo_id" not in table.c:
            return []
        query = select(table.c.key, table.c.odoo_id).where(table.c.odoo_id.is_not(None), table.c.deleted.is_(False))
        if after is not None:
            query = query.where(table.c.key > after)
        rows = self.conn.execute(query.order_by(table.c.key).limit(limit))
        return [(row.key, int(row.odoo_id)) for row in rows]

    def keys_by_odoo_id(self, entity: str, odoo_ids: Sequence[int]) -> dict[int, str]:
        table, _ = RECORD_TABLES[entity]
        if "odoo_id" not in table.c:
            return {}
        c = table.c
        found: dict[int, str] = {}
        for chunk in chunks(sorted(set(odoo_ids))):
            query = select(c.odoo_id, c.key).where(c.odoo_id.in_(chunk), c.deleted.is_(False))
            found.update((odoo_id, key) for odoo_id, key in self.conn.execute(query))
        return found

    def add_versions(self, entity: str, versions: Sequence[tuple[str, Version]], keep: int) -> None:
        if not versions:
            return
        times: dict[datetime, datetime | None] = {}  # a batch shares one instant: convert it once
        rows = []
        for key, v in versions:
            if v.at not in times:
                times[v.at] = to_db_time(v.at)
            rows.append(
                {
                    "entity": entity,
                    "key": key,
                    "version": v.version,
                    "changed_fields": dumps(list(v.changed_fields)),
                    "at": times[v.at],
                }
            )
        self.conn.execute(record_history.insert(), rows)
        h = record_history.c
        for threshold, keys in trim_thresholds(versions, keep).items():
            for chunk in chunks(sorted(keys), KEY_CHUNK):
                self.conn.execute(
                    delete(record_history).where(h.entity == entity, h.key.in_(chunk), h.version <= threshold)
                )

    def versions(self, entity: str, key: str, limit: int) -> list[Version]:
        h = record_history.c
        query = (
            select(h.version, h.changed_fields, h.at)
            .where(h.entity == entity, h.key == key)
            .order_by(h.version.desc())
            .limit(limit)
        )
        found = []
        for version, changed, at in self.conn.execute(query):
            when = from_db_time(at)
            assert when is not None
            found.append(Version(version, tuple(loads(changed)), when))
        return found
