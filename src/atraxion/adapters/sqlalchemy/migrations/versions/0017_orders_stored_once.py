"""a webshop order is stored once: its outbox entry no longer repeats it

Revision ID: 0017
Revises: 0015

Until now a webshop sale order was written twice, in the same transaction: in ``sale_orders_out``
(the outbound order) and under ``"order"`` in its outbox entry's payload. The worker now reads the
order from ``sale_orders_out``, so the copy is dropped from every entry whose order is stored there
(an entry without one keeps its copy: there is nowhere else to move it). Downgrading writes the copy
back. No schema change. Written out rather than imported so this revision keeps meaning what it
means today.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None

_BATCH = 500
_SALE_ORDER = "sale_order"

_outbox = sa.table(
    "outbox",
    sa.column("id", sa.BigInteger()),
    sa.column("entity_type", sa.String()),
    sa.column("entity_key", sa.String()),
    sa.column("payload", sa.Text()),
)
_orders = sa.table("sale_orders_out", sa.column("external_id", sa.String()), sa.column("payload", sa.Text()))


def upgrade() -> None:
    def drop(payload: dict[str, Any], stored: str | None) -> dict[str, Any] | None:
        if stored is None or "order" not in payload:
            return None
        return {name: value for name, value in payload.items() if name != "order"}

    _rewrite(drop)


def downgrade() -> None:
    def restore(payload: dict[str, Any], stored: str | None) -> dict[str, Any] | None:
        if stored is None or "order" in payload:
            return None
        return {"order": json.loads(stored), **payload}

    _rewrite(restore)


def _rewrite(change: Any) -> None:
    """Apply ``change(payload, stored order or None)`` to every sale order entry, in batches by id;
    it answers the new payload, or None to leave the entry as it is."""
    connection = op.get_bind()
    update = (
        _outbox.update().where(_outbox.c.id == sa.bindparam("entry_id")).values(payload=sa.bindparam("new_payload"))
    )
    after = 0
    while True:
        query = (
            sa.select(_outbox.c.id, _outbox.c.payload, _orders.c.payload.label("stored"))
            .select_from(_outbox.outerjoin(_orders, _orders.c.external_id == _outbox.c.entity_key))
            .where(_outbox.c.entity_type == _SALE_ORDER, _outbox.c.id > after)
            .order_by(_outbox.c.id)
            .limit(_BATCH)
        )
        rows = connection.execute(query).all()
        if not rows:
            return
        changes = []
        for row in rows:
            new = change(json.loads(row.payload), row.stored)
            if new is not None:
                text = json.dumps(new, separators=(",", ":"), ensure_ascii=False)
                changes.append({"entry_id": row.id, "new_payload": text})
        if changes:
            connection.execute(update, changes)
        after = rows[-1].id
