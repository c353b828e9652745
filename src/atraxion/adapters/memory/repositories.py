"""Memory implementations of the record, feed and token repositories."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import attrs

from atraxion.adapters.memory.store import TableAccess
from atraxion.domain.auth import ApiToken
from atraxion.domain.consumers import Backlog
from atraxion.domain.feed import AckState, PendingEntry, PendingItem
from atraxion.domain.history import Version
from atraxion.domain.records import IncomingColumns, RecordHead, Screening, StoredRecord


class MemoryRecordRepository(TableAccess):
    def heads(self, entity: str, keys: Sequence[str], *, lock: bool = False) -> dict[str, RecordHead]:
        return {k: r.head for k, r in self.load(entity, keys).items()}

    def screen(self, entity: str, records: IncomingColumns) -> Screening:
        return Screening({}, self.heads(entity, records.keys))  # none found the same: every push is hashed

    def load(self, entity: str, keys: Sequence[str], *, lock: bool = False) -> dict[str, StoredRecord]:
        table = self.table("records")
        return {k: table[(entity, k)] for k in keys if (entity, k) in table}

    def insert(self, entity: str, records: Sequence[StoredRecord]) -> None:
        table = self.table("records")
        for record in records:
            if (entity, record.key) in table:
                raise ValueError(f"duplicate key {record.key!r}")
            table[(entity, record.key)] = record

    def update(self, entity: str, records: Sequence[StoredRecord]) -> None:
        table = self.table("records")
        for record in records:
            table[(entity, record.key)] = record

    def count(self, entity: str) -> int:
        return sum(1 for e, _ in self.table("records") if e == entity)

    def odoo_ids(self, entity: str, after: str | None, limit: int) -> list[tuple[str, int]]:
        found = sorted(
            (key, odoo_id)
            for (e, key), record in self.table("records").items()
            if e == entity
            and not record.deleted
            and (after is None or key > after)
            and isinstance(odoo_id := record.envelope.get("odooId"), int)
        )
        return found[:limit]

    def keys_by_odoo_id(self, entity: str, odoo_ids: Sequence[int]) -> dict[int, str]:
        wanted = set(odoo_ids)
        return {
            r.envelope["odooId"]: key
            for (e, key), r in self.table("records").items()
            if e == entity and not r.deleted and r.envelope.get("odooId") in wanted
        }

    def all(self, entity: str) -> list[StoredRecord]:
        return [r for (e, _), r in self.table("records").items() if e == entity]

    def add_versions(self, entity: str, versions: Sequence[tuple[str, Version]], keep: int) -> None:
        table = self.table("record_history")
        for key, version in versions:
            kept = (*table.get((entity, key), ()), version)
            table[(entity, key)] = tuple(v for v in kept if v.version > version.version - keep)

    def versions(self, entity: str, key: str, limit: int) -> list[Version]:
        found: tuple[Version, ...] = self.table("record_history").get((entity, key), ())
        return sorted(found, key=lambda v: v.version, reverse=True)[:limit]


class MemoryFeedRepository(TableAccess):
    def consumers(self) -> list[str]:
        return sorted(self.table("consumers"))

    def add_consumer(self, name: str, entities: Sequence[str]) -> bool:
        consumers = self.table("consumers")
        if name in consumers:
            return False
        consumers[name] = True
        for entity in entities:
            self._pend_everything(entity, name)
        return True

    def _pend_everything(self, entity: str, consumer: str) -> None:
        pending = self.table("pending")
        for (e, key), record in self.table("records").items():
            if e == entity and not record.deleted:
                pending[(entity, consumer, key)] = (record.change_seq, None)

    def backlog(self, entity: str, consumer: str | None = None) -> dict[str, Backlog]:
        records = self.table("records")
        found: dict[str, Backlog] = {}
        for e, c, key in self.table("pending"):
            if e != entity or (consumer is not None and c != consumer):
                continue
            changed = records[(entity, key)].updated_at
            seen = found.get(c, Backlog())
            oldest = changed if seen.oldest_pending_at is None else min(seen.oldest_pending_at, changed)
            found[c] = Backlog(seen.pending + 1, oldest)
        return found

    def refeed(self, entity: str, consumer: str) -> None:
        for name in ("acks", "pending"):
            table = self.table(name)
            for row in [row for row in table if row[0] == entity and row[1] == consumer]:
                del table[row]
        self._pend_everything(entity, consumer)

    def remove_consumer(self, name: str) -> bool:
        for table_name in ("acks", "pending"):
            table = self.table(table_name)
            for row in [row for row in table if row[1] == name]:
                del table[row]
        return self.table("consumers").pop(name, None) is not None

    def acks(self, entity: str, consumers: Sequence[str], keys: Sequence[str]) -> dict[tuple[str, str], AckState]:
        table = self.table("acks")
        return {(c, k): table[(entity, c, k)] for c in consumers for k in keys if (entity, c, k) in table}

    def save_acks(self, entity: str, consumer: str, acks: Mapping[str, AckState]) -> None:
        table = self.table("acks")
        for key, ack in acks.items():
            table[(entity, consumer, key)] = ack

    def forget_acks(self, entity: str, consumers: Sequence[str], keys: Sequence[str]) -> None:
        table = self.table("acks")
        for consumer in consumers:
            for key in keys:
                table.pop((entity, consumer, key), None)

    def pending_of(self, entity: str, consumers: Sequence[str], keys: Sequence[str]) -> set[tuple[str, str]]:
        pending = self.table("pending")
        return {(c, k) for c in consumers for k in keys if (entity, c, k) in pending}

    def set_pending(self, entity: str, add: Sequence[PendingEntry], clear: Sequence[tuple[str, str]]) -> None:
        pending = self.table("pending")
        for consumer, key in clear:
            pending.pop((entity, consumer, key), None)
        for entry in add:
            pending[(entity, entry.consumer, entry.key)] = (entry.change_seq, entry.changed_fields)

    def pending_page(self, entity: str, consumer: str, after: tuple[int, str] | None, limit: int) -> list[PendingItem]:
        positions = sorted(
            (seq, key, fields)
            for (e, c, key), (seq, fields) in self.table("pending").items()
            if e == entity and c == consumer
        )
        if after is not None:
            positions = [p for p in positions if (p[0], p[1]) > after]
        records = self.table("records")
        return [PendingItem(records[(entity, key)], fields) for _, key, fields in positions[:limit]]

    def is_pending(self, entity: str, consumer: str, key: str) -> bool:
        return (entity, consumer, key) in self.table("pending")


class MemoryTokenRepository(TableAccess):
    def add(self, token: ApiToken) -> ApiToken:
        table = self.table("tokens")
        stored = attrs.evolve(token, id=max(table, default=0) + 1)
        table[stored.id] = stored
        return stored

    def by_hash(self, token_hash: str) -> ApiToken | None:
        return next((t for t in self.table("tokens").values() if t.token_hash == token_hash), None)

    def list(self) -> list[ApiToken]:
        return [t for _, t in sorted(self.table("tokens").items())]

    def revoke(self, token_id: int, at: datetime) -> bool:
        table = self.table("tokens")
        token = table.get(token_id)
        if token is None or token.revoked_at is not None:
            return False
        table[token_id] = attrs.evolve(token, revoked_at=at)
        return True

    def revoke_consumer(self, consumer: str, at: datetime) -> int:
        table = self.table("tokens")
        active = [t for t in table.values() if t.consumer == consumer and t.revoked_at is None]
        for token in active:
            table[token.id] = attrs.evolve(token, revoked_at=at)
        return len(active)
