"""A fresh, migrated database per workload (SQLite file or a throwaway MariaDB or PostgreSQL
database), the app on it behind Starlette's in-process ``TestClient``, tokens, and set-based
test-data helpers."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Engine, Table, and_, delete, insert, literal, select, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from atraxion.adapters.sqlalchemy import create_engine_from_url
from atraxion.adapters.sqlalchemy.tables import RECORD_TABLES, feed_acks, feed_pending
from atraxion.application.tokens import create_token
from atraxion.bootstrap import Atraxion, bootstrap
from atraxion.config import Settings
from atraxion.domain.auth import Scope
from atraxion.entrypoints import gc_tuning
from atraxion.entrypoints.http import create_app

DEFAULT_MYSQL_URL = "mysql+pymysql://root@127.0.0.1:3306"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SERVERS = {
    "mariadb": ("MariaDB", "ATRAXION_BENCH_MYSQL_URL", DEFAULT_MYSQL_URL),
    "postgresql": ("PostgreSQL", "ATRAXION_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
}
"""backend → (name, environment variable with the server's URL, its default)."""
CONSUMER = "webshop"


class BackendUnavailable(Exception):
    """The backend cannot be reached; the workload is skipped with this reason."""


def server_url(backend: str) -> str:
    _, variable, default = SERVERS[backend]
    return os.environ.get(variable, default)


@dataclass
class Env:
    """One workload's application: HTTP client with an Odoo token and a webshop token."""

    backend: str
    url: str
    app: Atraxion
    client: TestClient
    push_token: str
    shop_token: str

    @property
    def engine(self) -> Engine:
        assert self.app.engine is not None
        return self.app.engine

    def push(self, entity: str, body: bytes) -> dict[str, Any]:
        """POST a push body; the response JSON (raises on anything but 200)."""
        response = self.client.post(
            f"/api/v1/odoo/{entity}",
            content=body,
            headers={"authorization": f"Bearer {self.push_token}", "content-type": "application/json"},
        )
        if response.status_code != 200:
            raise RuntimeError(f"push of {entity} answered {response.status_code}: {response.text[:500]}")
        answer: dict[str, Any] = response.json()
        return answer

    def changes(self, entity: str, limit: int, cursor: str | None = None) -> dict[str, Any]:
        params: dict[str, str | int] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = self.client.get(
            f"/api/v1/webshop/{entity}/changes", params=params, headers={"authorization": f"Bearer {self.shop_token}"}
        )
        if response.status_code != 200:
            raise RuntimeError(f"changes of {entity} answered {response.status_code}: {response.text[:500]}")
        answer: dict[str, Any] = response.json()
        return answer

    def pending(self, entity: str) -> list[dict[str, Any]]:
        """Every item pending for the consumer, paging through GET …/changes?limit=1000."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            page = self.changes(entity, 1000, cursor)
            items += page["items"]
            cursor = page["nextCursor"]
            if not cursor:
                return items

    def ack(self, entity: str, items: Sequence[dict[str, Any]]) -> None:
        """Acknowledge items through the ack endpoint, 1,000 at a time."""
        for start in range(0, len(items), 1000):
            body = {"items": [{"key": i["key"], "version": i["version"]} for i in items[start : start + 1000]]}
            response = self.client.post(
                f"/api/v1/webshop/{entity}/ack", json=body, headers={"authorization": f"Bearer {self.shop_token}"}
            )
            if response.status_code != 200 or response.json()["stale"] or response.json()["unknown"]:
                raise RuntimeError(f"ack of {entity} answered {response.status_code}: {response.text[:500]}")

    def ack_all(self, entity: str, where: ColumnElement[bool] | None = None) -> None:
        """Acknowledge the current version of every record of ``entity`` (matching ``where``) for
        the consumer, set-based in SQL: test-data setup that would take thousands of requests."""
        table, _ = RECORD_TABLES[entity]
        tracks = self.app.context.kind(entity).tracks_fields
        empty = literal("{}")
        source = select(
            literal(entity),
            literal(CONSUMER),
            table.c.key,
            table.c.version,
            table.c.content_hash,
            table.c.envelope if tracks else empty,
            table.c.data if tracks else empty,
        )
        keys = select(table.c.key)
        if where is not None:
            source, keys = source.where(where), keys.where(where)
        mine = and_(feed_acks.c.entity == entity, feed_acks.c.consumer == CONSUMER)
        pending = and_(feed_pending.c.entity == entity, feed_pending.c.consumer == CONSUMER)
        columns = ["entity", "consumer", "key", "version", "content_hash", "envelope", "data"]
        with self.engine.begin() as conn:
            conn.execute(delete(feed_acks).where(mine, feed_acks.c.key.in_(keys)))
            conn.execute(insert(feed_acks).from_select(columns, source))
            conn.execute(delete(feed_pending).where(pending, feed_pending.c.key.in_(keys)))
        if self.engine.dialect.name == "postgresql":
            # What autovacuum does within a minute of a table growing by a tenth: without statistics,
            # PostgreSQL takes the acks of 128,000 keys for one row, and looks up a push's acks by
            # scanning all of them (75 ms for each slice of a P1 push) rather than by key.
            with self.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT")
                conn.execute(text(f"ANALYZE {table.name}, feed_acks, feed_pending"))


def record_table(entity: str) -> Table:
    return RECORD_TABLES[entity][0]


@contextmanager
def environment(backend: str) -> Iterator[Env]:
    """A fresh database on ``backend`` ("sqlite", "mariadb" or "postgresql"), dropped afterwards."""
    with _database(backend) as url:
        # ATRAXION_HISTORY_VERSIONS=0 measures the workloads without the version history.
        history = int(os.environ.get("ATRAXION_HISTORY_VERSIONS", "10"))
        app = bootstrap(Settings(database_url=url, history_versions=history))
        try:
            _, push_token = create_token(app.context, "bench-odoo", frozenset({Scope.ODOO_PUSH}), CONSUMER)
            scopes = frozenset({Scope.WEBSHOP_READ, Scope.WEBSHOP_ACK})
            _, shop_token = create_token(app.context, "bench-shop", scopes, CONSUMER)
            with TestClient(create_app(app)) as client:
                gc_tuning.tune()  # as `atraxion serve` does once started
                yield Env(backend, url, app, client, push_token, shop_token)
        finally:
            app.close()


@contextmanager
def _database(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        folder = tempfile.mkdtemp(prefix="atraxion_bench_")
        try:
            yield f"sqlite:///{folder}/bench.db"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    server = make_url(server_url(backend))
    name = f"atraxion_bench_{uuid.uuid4().hex[:8]}"
    postgresql = backend == "postgresql"
    options = "TEMPLATE template0 ENCODING 'UTF8'" if postgresql else "CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
    try:
        admin = create_engine_from_url(server.render_as_string(hide_password=False))
        with admin.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")  # PostgreSQL: not in a transaction
            conn.execute(text(f"CREATE DATABASE {name} {options}"))
    except Exception as error:  # noqa: BLE001 - any failure to connect means "skip this server"
        raise BackendUnavailable(f"{type(error).__name__}: {str(error).splitlines()[0][:200]}") from None
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}{' WITH (FORCE)' if postgresql else ''}"))
        admin.dispose()


def dump(value: Any) -> bytes:
    """A JSON body as Odoo would send it (compact)."""
    return json.dumps(value, separators=(",", ":")).encode()
