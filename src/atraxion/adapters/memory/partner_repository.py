"""Memory implementation of the partner hierarchy, over the shared ``records`` table.

The fake scans the partners it holds; the SQL adapter answers the same questions from indexed
columns. Resolution lives in each record's ``derived`` (``parentResolved``), as it is shown.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import attrs

from atraxion.adapters.memory.store import TableAccess
from atraxion.domain.partners import PARENT_FIELD, RESOLVED_FIELD
from atraxion.domain.records import StoredRecord

_ENTITY = "partners"


def _parent(record: StoredRecord) -> str | None:
    parent = record.envelope.get(PARENT_FIELD)
    return parent if isinstance(parent, str) else None


class MemoryPartnerRepository(TableAccess):
    def _partners(self) -> Iterator[StoredRecord]:
        return (r for (entity, _), r in self.table("records").items() if entity == _ENTITY and not r.deleted)

    def parents(self, keys: Sequence[str], *, lock: bool = False) -> dict[str, str | None]:
        table = self.table("records")
        found = (table.get((_ENTITY, k)) for k in keys)
        return {r.key: _parent(r) for r in found if r is not None and not r.deleted}

    def children(self, keys: Sequence[str]) -> dict[str, str]:
        wanted = set(keys)
        return {r.key: p for r in self._partners() if (p := _parent(r)) is not None and p in wanted}

    def unresolved_children(self, keys: Sequence[str], *, lock: bool = False) -> list[str]:
        wanted = set(keys)
        return sorted(
            r.key for r in self._partners() if _parent(r) in wanted and r.derived.get(RESOLVED_FIELD) is False
        )

    def set_resolved(self, resolution: Mapping[str, bool]) -> None:
        table = self.table("records")
        for key, resolved in resolution.items():
            record = table.get((_ENTITY, key))
            if record is not None:
                table[(_ENTITY, key)] = attrs.evolve(record, derived={**record.derived, RESOLVED_FIELD: resolved})
