"""partner hierarchy (parent_resolved) and extracted purchase-order lines

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 18:00:00

Existing rows are backfilled: partners whose parent is not stored get ``parent_resolved`` false
(in the column and in their derived JSON), and every stored purchase order gets its lines. The
backfill is written out here, not imported, so this revision keeps meaning what it means today.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_BATCH = 500
_KEY = 255


def upgrade() -> None:
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_resolved", sa.Boolean(), server_default=sa.true(), nullable=False))

    op.create_table(
        "purchase_order_lines",
        sa.Column("purchase_order_key", sa.String(length=_KEY), nullable=False),
        sa.Column("line_no", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("product_external_id", sa.String(length=_KEY), nullable=False),
        sa.Column("quantity", sa.String(length=_KEY), nullable=False),
        sa.Column("price_unit", sa.String(length=_KEY), nullable=False),
        sa.Column("order_state", sa.String(length=_KEY), nullable=False),
        sa.PrimaryKeyConstraint("purchase_order_key", "line_no", name=op.f("pk_purchase_order_lines")),
    )
    with op.batch_alter_table("purchase_order_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_purchase_order_lines_product_external_id"), ["product_external_id"], unique=False
        )

    _backfill_partners()
    _backfill_lines()


def downgrade() -> None:
    with op.batch_alter_table("purchase_order_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purchase_order_lines_product_external_id"))
    op.drop_table("purchase_order_lines")
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_column("parent_resolved")


_partners = sa.table(
    "partners",
    sa.column("key", sa.String()),
    sa.column("external_parent_id", sa.String()),
    sa.column("derived", sa.Text()),
    sa.column("parent_resolved", sa.Boolean()),
)
_orders = sa.table("purchase_orders", sa.column("key", sa.String()), sa.column("envelope", sa.Text()))
_lines = sa.table(
    "purchase_order_lines",
    sa.column("purchase_order_key", sa.String()),
    sa.column("line_no", sa.Integer()),
    sa.column("product_external_id", sa.String()),
    sa.column("quantity", sa.String()),
    sa.column("price_unit", sa.String()),
    sa.column("order_state", sa.String()),
)


def _backfill_partners() -> None:
    bind = op.get_bind()
    keys = set(bind.execute(sa.select(_partners.c.key)).scalars())
    children = bind.execute(
        sa.select(_partners.c.key, _partners.c.external_parent_id, _partners.c.derived).where(
            _partners.c.external_parent_id.is_not(None)
        )
    ).all()
    orphans = [(row.key, row.derived) for row in children if row.external_parent_id not in keys]
    if not orphans:
        return
    statement = (
        sa.update(_partners)
        .where(_partners.c.key == sa.bindparam("b_key"))
        .values(parent_resolved=False, derived=sa.bindparam("b_derived"))
    )
    bind.execute(
        statement,
        [
            {"b_key": key, "b_derived": json.dumps({**json.loads(derived), "parentResolved": False})}
            for key, derived in orphans
        ],
    )


def _backfill_lines() -> None:
    bind = op.get_bind()
    orders = bind.execute(sa.select(_orders.c.key, _orders.c.envelope)).all()
    rows: list[dict[str, Any]] = []
    for key, envelope_text in orders:
        envelope = json.loads(envelope_text)
        state = str(envelope.get("state", ""))[:_KEY]
        for number, line in enumerate(envelope.get("lines") or (), start=1):
            rows.append(
                {
                    "purchase_order_key": key,
                    "line_no": number,
                    "product_external_id": line["productExternalId"],
                    "quantity": str(Decimal(str(line["quantity"]))),
                    "price_unit": str(Decimal(str(line["priceUnit"]))),
                    "order_state": state,
                }
            )
    for start in range(0, len(rows), _BATCH):
        bind.execute(sa.insert(_lines), rows[start : start + _BATCH])
