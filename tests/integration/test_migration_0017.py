"""Migration 0017: an order stored before it lives once (in ``sale_orders_out``) and is still sent;
downgrading writes the outbox entry's copy back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, select

from atraxion.adapters.sqlalchemy import upgrade
from atraxion.adapters.sqlalchemy.migrate import alembic_config
from atraxion.adapters.sqlalchemy.tables import outbox, sale_orders_out
from atraxion.bootstrap import bootstrap
from atraxion.config import Settings
from atraxion.domain.webshop_orders import OrderLine, WebshopSaleOrder
from tests.conftest import SQL_BACKENDS, blank_database

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ORDER = {
    "externalId": "SO1",
    "partnerExternalId": "P1",
    "invoicePartnerExternalId": None,
    "deliveryPartnerExternalId": None,
    "lines": [{"productExternalId": "A", "quantity": "1.50", "priceUnit": "9.99"}],
    "note": "ünï",
}
RESOLVED = {"partners": {"P1": 10}, "products": {"A": 6}}


@pytest.fixture(params=SQL_BACKENDS)
def blank_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from blank_database(request.param, tmp_path)


def _entry(key: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "entity_type": "sale_order",
        "entity_key": key,
        "payload": json.dumps(payload, ensure_ascii=False),
        "status": "pending",
        "attempts": 0,
        "retry_base": 0,
        "next_attempt_at": NOW.replace(tzinfo=None),
        "published_at": NOW.replace(tzinfo=None),
        "history": "[]",
        "revision": 0,
        "created_at": NOW.replace(tzinfo=None),
        "updated_at": NOW.replace(tzinfo=None),
    }


def _payloads(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return {row.entity_key: json.loads(row.payload) for row in conn.execute(select(outbox))}


def test_0017_keeps_one_copy_of_each_order_and_downgrade_restores_the_other(blank_engine: Engine) -> None:
    engine = blank_engine
    upgrade(engine, "0015")
    with engine.begin() as conn:
        conn.execute(outbox.insert(), [_entry("SO1", {"order": ORDER, "odooIds": RESOLVED})])
        queue_id = conn.execute(select(outbox.c.id)).scalar_one()
        conn.execute(
            sale_orders_out.insert(),
            [
                {
                    "external_id": "SO1",
                    "consumer": "webshop",
                    "payload": json.dumps(ORDER, ensure_ascii=False),
                    "queue_id": queue_id,
                    "created_at": NOW.replace(tzinfo=None),
                }
            ],
        )
        # An entry whose order row is missing keeps its copy: there is nowhere to move it.
        conn.execute(outbox.insert(), [_entry("ORPHAN", {"order": {**ORDER, "externalId": "ORPHAN"}})])

    upgrade(engine, "head")
    assert _payloads(engine) == {"SO1": {"odooIds": RESOLVED}, "ORPHAN": {"order": {**ORDER, "externalId": "ORPHAN"}}}
    app = bootstrap(Settings(database_url=engine.url.render_as_string(hide_password=False)), migrate=False)
    try:
        stored = app.context.transaction(lambda uow: uow.outbound_orders.get("SO1"))
    finally:
        app.close()
    assert stored is not None
    assert stored.order == WebshopSaleOrder("SO1", "P1", [OrderLine("A", Decimal("1.50"), Decimal("9.99"))], note="ünï")

    with engine.begin() as conn:
        config = alembic_config(engine)
        config.attributes["connection"] = conn
        command.downgrade(config, "0015")
    assert _payloads(engine) == {
        "SO1": {"order": ORDER, "odooIds": RESOLVED},
        "ORPHAN": {"order": {**ORDER, "externalId": "ORPHAN"}},
    }
