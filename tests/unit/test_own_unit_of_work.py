"""An adapter of your own implements only the families of repositories its use cases need.

``ShopUnitOfWork`` below has the ingest family (``IngestUnitOfWork``: records, feed, partners,
purchase-order lines, and webhooks/deliveries as far as a push records them) and nothing else: no
tokens, outbox, users, leases… It is enough to push, poll and acknowledge, embedded. mypy (strict)
checks this module, and refuses a use case of another family on it (the last test).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

import pytest
from sqlalchemy import Engine

from atraxion.adapters.clock import SystemClock
from atraxion.adapters.sqlalchemy import create_engine_from_url, upgrade
from atraxion.adapters.sqlalchemy.feed_repository import SqlFeedRepository
from atraxion.adapters.sqlalchemy.partner_repository import SqlPartnerRepository
from atraxion.adapters.sqlalchemy.purchase_order_line_repository import SqlPurchaseOrderLineRepository
from atraxion.adapters.sqlalchemy.record_repository import SqlRecordRepository
from atraxion.application import feed
from atraxion.application.context import Context
from atraxion.application.ingest import Batch, ingest
from atraxion.domain.catalog import kinds_by_name
from atraxion.domain.records import Incoming
from atraxion.domain.webhooks import Webhook, WebhookDelivery
from atraxion.entrypoints.embedded import EmbeddedFeed
from atraxion.ports.unit_of_work import IngestUnitOfWork

ROOT = Path(__file__).resolve().parents[2]


class NoWebhooks:
    """This shop has no webhooks: a push records no delivery."""

    def active(self) -> list[Webhook]:
        return []


class NoDeliveries:
    def add(self, deliveries: Sequence[WebhookDelivery]) -> list[int]:
        raise AssertionError("no webhook, no delivery")


class ShopUnitOfWork:
    """One connection and transaction per use case call, on a database the shop migrated."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __enter__(self) -> Self:
        self.connection = self.engine.connect()
        self.records = SqlRecordRepository(self.connection)
        self.feed = SqlFeedRepository(self.connection)
        self.partners = SqlPartnerRepository(self.connection)
        self.purchase_order_lines = SqlPurchaseOrderLineRepository(self.connection)
        self.webhooks = NoWebhooks()
        self.deliveries = NoDeliveries()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.connection.rollback()
        self.connection.close()

    def commit(self) -> None:
        self.connection.commit()

    def rollback(self) -> None:
        self.connection.rollback()


def shop_context(engine: Engine) -> Context[IngestUnitOfWork]:
    return Context(lambda: ShopUnitOfWork(engine), SystemClock(), kinds_by_name())


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = create_engine_from_url(f"sqlite:///{tmp_path / 'shop.db'}")
    upgrade(engine)
    return engine


def test_the_facade_pushes_polls_and_acks_on_an_adapter_of_the_ingest_family(engine: Engine) -> None:
    with EmbeddedFeed(shop_context(engine), close=engine.dispose) as sync:
        sync.add_consumer("webshop")
        pushed = sync.push("products", [{"externalId": "A", "odooId": 1, "data": {"name": "Desk"}}])
        assert pushed["summary"] == {"received": 1, "created": 1, "updated": 0, "unchanged": 0}
        page = sync.changes("products")
        assert [(i["key"], i["isNew"]) for i in page["items"]] == [("A", True)]
        assert sync.ack("products", [("A", 1)]) == {"acked": ["A"], "stale": [], "unknown": []}
        assert sync.changes("products")["items"] == []
        assert sync.delete("products", ["A"])["summary"]["deleted"] == 1
        assert [i["key"] for i in sync.changes("products")["items"]] == ["A"]


def test_the_use_cases_run_on_it_too(engine: Engine) -> None:
    ctx = shop_context(engine)
    feed.register_consumer(ctx, "webshop")
    ingest(ctx, [Batch("products", [Incoming("A", {"externalId": "A"}, {"name": "Desk"})])])
    page = feed.changes(ctx, "products", "webshop", cursor=None, limit=10)
    assert [item.record.key for item in page.items] == ["A"]
    decision = feed.acknowledge(ctx, "products", "webshop", [("A", 1)])
    assert decision.new_acks and feed.changes(ctx, "products", "webshop", cursor=None, limit=10).items == []
    engine.dispose()


REVERSE_SYNC_ON_IT = """
from atraxion.application.context import Context
from atraxion.application.reverse_sync import sync_status
from atraxion.ports.unit_of_work import IngestUnitOfWork

def status(ctx: Context[IngestUnitOfWork]) -> None:
    sync_status(ctx, "SO-1")
"""


def test_mypy_accepts_the_adapter_and_refuses_a_use_case_of_another_family(tmp_path: Path) -> None:
    api = pytest.importorskip("mypy.api")
    config = ["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(ROOT / ".mypy_cache")]
    out, err, status = api.run([*config, __file__])
    assert status == 0, out + err
    other = tmp_path / "reverse_sync_on_ingest.py"
    other.write_text(REVERSE_SYNC_ON_IT)
    out, err, status = api.run([*config, str(other)])
    assert status == 1 and '"Context[OutboxUnitOfWork]"' in out, out + err
