"""The partner hierarchy from the ``partners`` table's indexed columns, a set of keys at a time.

``parent_resolved`` is kept in its own column (so unresolved children of a key set are one indexed
query) and in the record's derived JSON (which is what the feed shows); both are written together.
Tombstones (``deleted``) are left out of every answer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from sqlalchemy import Connection, false, select

from atraxion.adapters.sqlalchemy._sql import chunks, dumps, loads
from atraxion.adapters.sqlalchemy.tables import partners
from atraxion.domain.partners import RESOLVED_FIELD


class SqlPartnerRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def parents(self, keys: Sequence[str], *, lock: bool = False) -> dict[str, str | None]:
        t = partners
        found: dict[str, str | None] = {}
        for chunk in chunks(sorted(set(keys))):
            query = select(t.c.key, t.c.external_parent_id).where(t.c.key.in_(chunk), t.c.deleted == false())
            # Locked in key order, as records are (see record_repository._locked).
            for row in self.conn.execute(query.order_by(t.c.key).with_for_update() if lock else query):
                found[row.key] = row.external_parent_id
        return found

    def children(self, keys: Sequence[str]) -> dict[str, str]:
        t = partners
        found: dict[str, str] = {}
        for chunk in chunks(sorted(set(keys))):
            query = select(t.c.key, t.c.external_parent_id).where(
                t.c.external_parent_id.in_(chunk), t.c.deleted == false()
            )
            found.update((row.key, row.external_parent_id) for row in self.conn.execute(query))
        return found

    def unresolved_children(self, keys: Sequence[str], *, lock: bool = False) -> list[str]:
        t = partners
        found: list[str] = []
        for chunk in chunks(sorted(set(keys))):
            query = select(t.c.key).where(
                t.c.external_parent_id.in_(chunk), t.c.parent_resolved == false(), t.c.deleted == false()
            )
            found.extend(self.conn.execute(query.order_by(t.c.key).with_for_update() if lock else query).scalars())
        return sorted(found)

    def set_resolved(self, resolution: Mapping[str, bool]) -> None:
        t = partners
        # Group the rows by their new (flag, derived JSON): partners' derived JSON holds little
        # else, so a push costs a couple of UPDATE … IN statements, not one per partner.
        groups: dict[tuple[bool, str], list[str]] = defaultdict(list)
        for chunk in chunks(sorted(resolution)):
            for key, derived in self.conn.execute(select(t.c.key, t.c.derived).where(t.c.key.in_(chunk))):
                resolved = resolution[key]
                groups[(resolved, dumps({**loads(derived), RESOLVED_FIELD: resolved}))].append(key)
        for (resolved, derived), keys in groups.items():
            for chunk in chunks(keys):
                self.conn.execute(
                    t.update().where(t.c.key.in_(chunk)).values(parent_resolved=resolved, derived=derived)
                )
